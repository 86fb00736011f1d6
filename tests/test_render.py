"""Rendering invoices: text columns line up, Markdown stays a table, values look right, and every
broken input (format, templates directory, template, document) is a diagnostic, not a traceback.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_spec.diagnostics import BillingSpecError
from billing_spec.render import FORMATS, render_invoices
from billing_spec.render.display import display_width, format_when, ljust, markdown_escape, rjust

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "render"


def load(name: str = "invoices") -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def document(*lines: dict, credit_type: str = "USD", **invoice) -> dict:
    """A one-invoice document for Team Example, October 2026, with `lines`."""
    return {
        "format_version": "1.0",
        "invoices": [
            {
                "customer": "team_example",
                "customer_name": "Team Example",
                "contract": "team_example_2026",
                "contract_name": None,
                "start_timestamp": "2026-10-01T00:00:00Z",
                "end_timestamp": "2026-11-01T00:00:00Z",
                "type": "USAGE",
                "status": "DRAFT",
                "credit_type": credit_type,
                "line_items": list(lines),
                "subtotal": "50",
                "total": "50",
                **invoice,
            }
        ],
    }


def line(name: str = "Tokens", **fields) -> dict:
    return {
        "type": "usage",
        "product": "tokens",
        "name": name,
        "presentation_group_values": {},
        "pricing_group_values": {},
        "starting_at": "2026-10-01T00:00:00Z",
        "ending_before": "2026-11-01T00:00:00Z",
        "quantity": "1",
        "unit_price": "50",
        "total": "50",
        **fields,
    }


def raises(code: str, *args, **kwargs) -> BillingSpecError:
    with pytest.raises(BillingSpecError) as info:
        render_invoices(*args, **kwargs)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == code, diagnostic
    return info.value


# --- how values look -------------------------------------------------------------------------


def test_money_is_shown_in_major_units_with_the_currency_symbol():
    # 1234 units at 0.2 cents = 246.8 cents, which the evaluator rounded to 247: $2.47.
    text = render_invoices(document(line(quantity="1234", unit_price="0.2", total="247")), "text")
    assert re.search(r"Tokens\s+1,234\s+\$0\.002\s+\$2\.47\n", text)


def test_a_custom_credit_type_shows_amounts_with_its_id_and_no_symbol():
    doc = document(
        line(unit_price="1.5", total="10.88"),
        credit_type="gpu_credits",
        subtotal="10.88",
        total="10.88",
    )
    text = render_invoices(doc, "text")
    assert re.search(r"1\.5 gpu_credits\s+10\.88 gpu_credits\n", text)
    assert "$" not in text


def test_quantities_are_canonical_decimals():
    text = render_invoices(document(line(quantity="1.500"), line("Other", quantity="1E+3")), "text")
    assert re.search(r"Tokens\s+1\.5\s", text)
    assert re.search(r"Other\s+1,000\s", text)


def test_timestamps_are_dates_at_midnight_and_in_full_otherwise():
    assert format_when("2026-10-01T00:00:00Z") == "2026-10-01"
    assert format_when("2026-10-01T02:00:00+02:00") == "2026-10-01"  # midnight UTC
    assert format_when("2026-10-20T12:00:00Z") == "2026-10-20T12:00:00Z"


def test_a_line_shows_its_window_only_when_it_is_not_the_invoice_period():
    doc = document(line("Whole"), line("Segment", starting_at="2026-10-16T00:00:00Z"))
    text = render_invoices(doc, "text")
    assert "Whole  " in text and "Whole [" not in text
    assert "Segment [2026-10-16, 2026-11-01)" in text


def test_group_values_show_pricing_groups_first_each_sorted_by_key():
    doc = document(
        line(
            pricing_group_values={"region": "eu", "model": "atlas"},
            presentation_group_values={"user": "u1", "project": "p"},
        )
    )
    assert "Tokens [model=atlas, region=eu, project=p, user=u1]" in render_invoices(doc, "text")


def test_summary_is_optional_and_lists_counts_in_the_documented_order():
    doc = document(line())
    assert "Events" not in render_invoices(doc, "text")
    doc["summary"] = {"not_billed": 0, "events_used": 9, "events_read": 10, "duplicates": 1}
    assert render_invoices(doc, "text").endswith(
        "\nEvents\n  read        10\n  used         9\n  duplicates   1\n  not billed   0\n"
    )


def test_control_characters_in_names_are_shown_as_escapes():
    text = render_invoices(document(line("Bad\nname\x1b[31m")), "text")
    assert "Bad\\nname\\x1b[31m" in text
    assert "\x1b" not in text


# --- text layout -------------------------------------------------------------------------------


def table_rows(text: str) -> tuple[list[str], int]:
    """The rows between an invoice's header row and its closing rule, and the rule's width."""
    lines = text.splitlines()
    top = next(i for i, row in enumerate(lines) if set(row) == {"-"})
    bottom = next(i for i in range(top + 1, len(lines)) if set(lines[i]) == {"-"})
    return [lines[top - 1], *lines[top + 1 : bottom]], len(lines[top])


def test_every_row_of_the_rich_example_spans_the_table_width():
    text = render_invoices(load(), "text")
    rows, width = table_rows(text)
    assert len(rows) == 16
    assert [display_width(r) for r in rows if r != "Credits applied"] == [width] * 15


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(st.lists(st.tuples(names, names), min_size=1, max_size=5))
def test_columns_line_up_whatever_the_names(pairs):
    lines = [line(name, presentation_group_values={"user": value}) for name, value in pairs]
    rows, width = table_rows(render_invoices(document(*lines), "text"))
    assert [display_width(r) for r in rows] == [width] * len(rows)
    assert all(r.endswith(("Total", "$0.50")) for r in rows)


def test_wide_characters_count_as_two_columns():
    assert display_width("東京") == 4
    assert display_width("e\u0301") == 1  # e + combining acute
    # non-spacing marks of canonical combining class 0 take no column either
    assert display_width("\u0928\u092e\u0938\u094d\u0924\u0947") == 4  # Hindi "namaste"
    assert display_width("\u0e17\u0e35\u0e48") == 1  # Thai: a consonant, a vowel and a tone mark
    assert display_width("\u20dd") == 0  # an enclosing mark
    assert ljust("東", 4) == "東  " and rjust("東", 4) == "  東"


# --- markdown ---------------------------------------------------------------------------------


@given(names, names)
def test_markdown_rows_keep_four_cells_whatever_the_names(name, value):
    doc = document(line(name, presentation_group_values={"user": value}))
    rows = render_invoices(doc, "markdown").splitlines()
    header = rows.index("| Item | Quantity | Unit price | Total |")
    assert rows[header + 3] == ""  # one line item, then the table ends
    assert cell_borders(rows[header + 2]) == 5


def cell_borders(row: str) -> int:
    """The `|` in a Markdown table row that are not backslash-escaped."""
    count, escaped = 0, False
    for char in row:
        count += char == "|" and not escaped
        escaped = char == "\\" and not escaped
    return count


def test_markdown_event_summary_rows_keep_two_cells_whatever_the_keys():
    doc = document(line())
    doc["summary"] = {"events_read": 1, "late|events": 2, "<b>bold</b>": 3}
    rows = render_invoices(doc, "markdown").split("### Events\n")[1].splitlines()
    assert [cell_borders(row) for row in rows[1:]] == [3] * 5
    assert "| \\<b\\>bold\\</b\\> | 3 |" in rows


def test_markdown_escapes_what_markdown_would_read_as_markup():
    assert markdown_escape("<script>&*_`|[x]#~\\") == r"\<script\>\&\*\_\`\|\[x\]\#\~\\"
    page = render_invoices(load(), "markdown")
    assert r"Globex \<script\>alert(" in page
    assert "<script>" not in page


# --- templates: the shipped ones, an override, and every way one can fail ----------------------


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return directory


def test_templates_dir_overrides_the_shipped_templates(tmp_path):
    brand = write(
        tmp_path / "brand",
        {
            "invoice.txt.j2": "{% for i in invoices %}{{ i.customer_label }}: "
            "{{ i.raw.total|money(i.credit_type) }}\n{% endfor %}",
        },
    )
    assert (
        render_invoices(document(line()), "text", templates_dir=brand)
        == "Team Example (team_example): $0.50\n"
    )
    assert render_invoices(document(line()), "text", templates_dir=str(brand)).endswith("$0.50\n")


def test_custom_html_templates_are_autoescaped_and_text_ones_are_not(tmp_path):
    brand = write(
        tmp_path / "brand",
        {
            "invoice.html.j2": "{{ invoices[0].customer_name }}",
            "invoice.txt.j2": "{{ invoices[0].customer_name }}",
        },
    )
    doc = document(line(), customer_name="A & <B>")
    assert render_invoices(doc, "html", templates_dir=brand) == "A &amp; &lt;B&gt;"
    assert render_invoices(doc, "text", templates_dir=brand) == "A & <B>"


def test_unknown_format():
    error = raises("E795", document(line()), "pdf")
    assert "text, markdown, html" in error.diagnostics[0].hint


def test_missing_templates_directory(tmp_path):
    error = raises("E790", document(line()), "text", templates_dir=tmp_path / "nope")
    assert "does not exist" in str(error)
    (tmp_path / "file").write_text("x")
    assert "is not a directory" in str(
        raises("E790", document(line()), "text", templates_dir=tmp_path / "file")
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_template(tmp_path, fmt):
    error = raises("E791", document(line()), fmt, templates_dir=write(tmp_path / "empty", {}))
    assert FORMATS[fmt] in str(error)


def test_missing_included_template_names_both(tmp_path):
    brand = write(tmp_path / "brand", {"invoice.html.j2": '{% include "_card.html.j2" %}'})
    error = raises("E791", document(line()), "html", templates_dir=brand)
    assert (
        str(error)
        == f"template '_card.html.j2' not found in {str(brand)!r} (included from 'invoice.html.j2')"
    )


def test_template_syntax_error_points_at_its_line(tmp_path):
    brand = write(tmp_path / "brand", {"invoice.txt.j2": "line one\n{% for x in %}\n"})
    error = raises("E792", document(line()), "text", templates_dir=brand)
    at = error.diagnostics[0].range
    assert (Path(at.filename).name, at.start.line) == ("invoice.txt.j2", 2)


def test_template_that_is_not_utf8_is_named(tmp_path):
    brand = write(
        tmp_path / "brand",
        {"invoice.html.j2": "{% include '_card.html.j2' %}\n", "_card.html.j2": b"ok\ncaf\xe9\n"},
    )
    error = raises("E792", document(line()), "html", templates_dir=brand)
    assert str(error) == "template cannot be read: it is not UTF-8 (invalid continuation byte)"
    at = error.diagnostics[0].range
    assert (at.filename, at.start.line) == (str(brand / "_card.html.j2"), 2)


def test_template_that_cannot_be_opened_is_named(tmp_path, monkeypatch):
    import jinja2.loaders

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    brand = write(tmp_path / "brand", {"invoice.txt.j2": "ok\n"})
    monkeypatch.setattr(jinja2.loaders, "open", refuse, raising=False)
    error = raises("E792", document(line()), "text", templates_dir=brand)
    expected = f"template {brand / 'invoice.txt.j2'} cannot be read: Permission denied"
    assert str(error) == expected


def test_undefined_variable_is_an_error_at_its_line(tmp_path):
    brand = write(
        tmp_path / "brand", {"invoice.txt.j2": "ok\nok\n{{ invoices[0].no_such_field }}\n"}
    )
    error = raises("E793", document(line()), "text", templates_dir=brand)
    assert (
        str(error) == "template 'invoice.txt.j2' failed: InvoiceView has no field 'no_such_field'"
    )
    assert error.diagnostics[0].hint.startswith("its fields: customer, customer_name, ")
    at = error.diagnostics[0].range
    assert (Path(at.filename).name, at.start.line) == ("invoice.txt.j2", 3)


def test_undefined_variable_in_an_included_template_points_at_the_partial(tmp_path):
    brand = write(
        tmp_path / "brand",
        {
            "invoice.html.j2": '<p>\n{% include "_part.html.j2" %}\n',
            "_part.html.j2": "\n\n{{ oops }}",
        },
    )
    at = raises("E793", document(line()), "html", templates_dir=brand).diagnostics[0].range
    assert (Path(at.filename).name, at.start.line) == ("_part.html.j2", 3)


def test_any_failure_while_rendering_is_a_diagnostic(tmp_path):
    brand = write(
        tmp_path / "brand", {"invoice.txt.j2": "{{ 1 // 0 }}", "invoice.md.j2": "{{ 'x'|money }}"}
    )
    assert "division" in str(raises("E793", document(line()), "text", templates_dir=brand))
    assert "'x' is not a decimal number" in str(
        raises("E793", document(line()), "markdown", templates_dir=brand)
    )


# --- the document's shape -------------------------------------------------------------------


def broken(path: str, value) -> dict:
    """The rich example with the value at a dotted path replaced (`...` deletes it)."""
    doc = copy.deepcopy(load())
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = doc
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("invoices", ..., "invoice document: invoices should be present, it is missing"),
        ("invoices", {}, "invoices should be a list, got an object"),
        (
            "format_version",
            "2.0",
            "format_version should be 1.x (this version renders format 1), got '2.0'",
        ),
        ("invoices.1.total", 13.98, "invoices[1].total should be a decimal string, got a float"),
        ("invoices.1.total", "lots", "invoices[1].total should be a decimal string, got 'lots'"),
        (
            "invoices.0.line_items.0.tiers.1.subtotal",
            None,
            "tiers[1].subtotal should be a decimal string, got null",
        ),
        (
            "invoices.0.line_items.4.tier_mode",
            "STAIRS",
            "line_items[4].tier_mode should be GRADUATED or VOLUME",
        ),
        (
            "invoices.0.start_timestamp",
            "2026-10-01",
            "start_timestamp should be an RFC 3339 timestamp",
        ),
        ("invoices.2.line_items.0.name", ..., "invoices[2].line_items[0].name should be present"),
        ("invoices.0.customer_name", 7, "invoices[0].customer_name should be a string, got int"),
        (
            "summary.duplicates",
            -1,
            "summary.duplicates should be a count (a whole number >= 0), got int",
        ),
        (
            "summary.malformed",
            True,
            "summary.malformed should be a count (a whole number >= 0), got a boolean",
        ),
    ],
)
def test_a_document_of_the_wrong_shape_names_the_bad_path(path, value, message):
    error = raises("E794", broken(path, value), "text")
    assert message in str(error)


def test_a_document_that_is_not_an_object():
    assert "the document should be an object, got a list" in str(raises("E794", [], "html"))


def test_decimals_may_be_passed_as_decimal_or_int_objects():
    from decimal import Decimal

    doc = document(line(quantity=Decimal("0.60"), unit_price=50, total=Decimal(30)))
    assert re.search(r"Tokens\s+0\.6\s+\$0\.50\s+\$0\.30\n", render_invoices(doc, "text"))
