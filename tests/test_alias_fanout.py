"""Aliases do not multiply work or output (issue 13 item 9).

A catalog whose 1,000 customers all alias one YAML anchor of 990 ingest aliases used to print
989,010 E620 errors (one per alias per later customer). Each underlying problem is reported
once: the shared anchor once, at the anchor, naming how many customers use it; a customer that
repeats several of another's aliases once per other customer. Text output also caps any one
code at `MAX_SHOWN_PER_CODE` diagnostics with "... and N more", while the counts stay true.
(The time and memory of the full-size catalog are `make bench`'s business: bench_scale.)
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_billing
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.scale_inputs import alias_fanout
from billing_spec.catalog import validate_catalog
from billing_spec.catalog.yaml_source import parse_yaml_text
from billing_spec.diagnostics import MAX_SHOWN_PER_CODE, Diagnostic, format_text, warning


def _errors(root: Path) -> list[Diagnostic]:
    _, diagnostics = validate_catalog(root)
    return [d for d in diagnostics if d.is_error]


def test_customers_sharing_one_anchor_are_one_error_at_the_anchor(tmp_path):
    alias_fanout(tmp_path, customers=60, aliases=40)
    errors = _errors(tmp_path)
    assert len(errors) == 1
    (shared,) = errors
    assert shared.code == "E620"
    assert "40 ingest aliases anchored here are shared by 60 customers" in shared.summary
    assert "('c0', 'c1', 'c2' and 57 more)" in shared.summary
    assert (shared.range.start.line, shared.range.start.column) == (5, 21)  # &shared [...]


def test_an_anchor_one_customer_uses_is_fine(tmp_path):
    alias_fanout(tmp_path, customers=1, aliases=40)
    assert _errors(tmp_path) == []


def test_several_aliases_another_customer_has_are_one_error_naming_how_many(catalog_dir):
    root = catalog_dir(
        {
            "catalog.yaml": """
            version: 1
            customers:
              a:
                name: A
                ingest_aliases: [x1, x2, x3, x4, x5]
              b:
                name: B
                ingest_aliases: [y, x1, x2, x3, x4, x5]
              c:
                name: C
                ingest_aliases: [y]
            """
        }
    )
    errors = _errors(root)
    assert [e.summary for e in errors] == [
        "5 ingest aliases ('x1', 'x2', 'x3' and 2 more) also belong to customer 'a'",
        "ingest alias 'y' also belongs to customer 'b'",
    ]
    assert (errors[0].range.start.line, errors[0].range.start.column) == (8, 25)  # x1 in b


def test_the_full_shape_prints_one_error(tmp_path):
    alias_fanout(tmp_path, customers=300, aliases=200)
    result = run_billing("validate", tmp_path)
    assert result.code == 1
    assert result.output.count("error[E620]:") == 1
    assert "1 error, 0 warnings." in result.output


def test_text_output_caps_one_code_and_says_how_many_more():
    many = [warning("W999", f"finding {n}") for n in range(MAX_SHOWN_PER_CODE + 7)]
    other = [warning("W998", "another")]
    text = format_text(many + other)
    assert text.count("warning[W999]:") == MAX_SHOWN_PER_CODE
    assert "warning[W998]: another" in text
    assert text.endswith("... and 7 more warning[W999] not shown")


def test_the_summary_counts_every_diagnostic_the_text_leaves_out(catalog_dir):
    n = MAX_SHOWN_PER_CODE + 5
    customers = "".join(
        f"  c{i}:\n    name: C{i}\n    ingest_aliases: [c{i + 1}]\n" for i in range(n)
    )
    root = catalog_dir(
        {"catalog.yaml": f"version: 1\ncustomers:\n{customers}  c{n}:\n    name: Z\n"}
    )
    result = run_billing("validate", root)
    assert result.code == 1
    assert result.output.count("error[E620]:") == MAX_SHOWN_PER_CODE
    assert "... and 5 more error[E620] not shown" in result.output
    assert f"{n} errors, 0 warnings." in result.output


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "k0", "k1", "k2"]), max_size=5, unique=True),
        min_size=1,
        max_size=4,
    )
)
def test_every_alias_conflict_is_counted_once(tmp_path_factory, alias_lists):
    """Grouping loses nothing: the aliases the E620 errors count add up to the alias uses a
    one-by-one check finds (an alias another customer has, or another customer's ID)."""
    root = tmp_path_factory.mktemp("aliases")
    body = "".join(
        f"  k{i}:\n    name: K{i}\n    ingest_aliases: [{', '.join(aliases)}]\n"
        for i, aliases in enumerate(alias_lists)
    )
    (root / "catalog.yaml").write_text(f"version: 1\ncustomers:\n{body}")
    ids = {f"k{i}" for i in range(len(alias_lists))}
    owner: dict[str, str] = {}
    expected = 0
    for i, aliases in enumerate(alias_lists):
        me = f"k{i}"
        for alias in aliases:
            if (alias in ids and alias != me) or owner.get(alias, me) != me:
                expected += 1
            owner.setdefault(alias, me)
    counted = 0
    for e in _errors(root):
        assert e.code == "E620"
        many = re.match(r"([\d,]+) ingest aliases", e.summary)
        counted += int(many.group(1).replace(",", "")) if many else 1
    assert counted == expected


# Built once, copied after: an aliased value is built the first time and copied for every later
# alias of it. The data is what a longhand document gives, the copies are independent, and an
# alias bomb or an over-deep alias is refused as before.


def _parse(text: str):
    return parse_yaml_text(text, "catalog.yaml")


def test_aliased_values_are_what_the_longhand_document_gives():
    aliased = "a: &a {k: [1, {x: y}], n: null}\nb: [*a, *a]\nc: {d: *a, <<: *a}\n"
    longhand = (
        "a: {k: [1, {x: y}], n: null}\n"
        "b: [{k: [1, {x: y}], n: null}, {k: [1, {x: y}], n: null}]\n"
        "c: {d: {k: [1, {x: y}], n: null}, k: [1, {x: y}], n: null}\n"
    )
    (doc, errors), (plain, _) = _parse(aliased), _parse(longhand)
    assert errors == []
    assert doc.data == plain.data


def test_each_alias_gets_its_own_copy():
    doc, _ = _parse("a: &a {k: [1, 2]}\nb: *a\nc: *a\n")
    doc.data["b"]["k"].append(3)
    assert doc.data["c"] == {"k": [1, 2]} and doc.data["a"] == {"k": [1, 2]}
    assert doc.data["b"] is not doc.data["c"]


def test_an_alias_bomb_is_still_refused():
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):  # 10^7 values once expanded
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    doc, errors = _parse("\n".join(lines) + "\n")
    assert doc is None
    assert [e.code for e in errors] == ["E003"]
    assert "too many values" in errors[0].summary


def test_an_alias_that_nests_too_deep_is_still_refused():
    deep = "[" * 60 + "]" * 60
    doc, errors = _parse(f"a: &a {deep}\nb: {'[' * 50}*a{']' * 50}\n")
    assert doc is None
    assert [e.code for e in errors] == ["E003"]
    assert "nests more than" in errors[0].summary
