"""The HTML page is well-formed, standalone and escapes everything from the document.

Checked by parsing the page with the standard library's `html.parser` into a small element tree,
not by searching the text, so an unescaped `<script>` in a name would show up as an element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from billing_spec.render import render_invoices
from billing_spec.render.display import printable

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "render"
VOID = {"meta", "br", "hr", "img", "link", "input", "wbr", "col", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: Element | None = None

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def find_all(self, tag: str, cls: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag and (
                    cls is None or cls in child.attrs.get("class", "").split()
                ):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found


class TreeBuilder(HTMLParser):
    """Builds an Element tree and fails on any end tag that does not close the open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.doctype = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        assert tag == self.current.tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder


def rich_page() -> TreeBuilder:
    document = json.loads((FIXTURES / "invoices.json").read_text(encoding="utf-8"))
    return parse(render_invoices(document, "html"))


def test_page_is_a_standalone_document_without_scripts_or_external_assets():
    page = rich_page()
    assert page.doctype == "DOCTYPE html"
    (html,) = page.root.find_all("html")
    assert html.attrs["lang"] == "en"
    assert [t.text for t in html.find_all("title")] == ["Invoices"]
    assert len(html.find_all("style")) == 1
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert html.find_all(tag) == [], tag
    for element in _walk(html):
        assert not {"src", "href"} & set(element.attrs), element.tag
        assert not any(name.startswith("on") for name in element.attrs), element.tag


def _walk(element: Element):
    for child in element.children:
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def test_one_card_per_invoice_in_document_order():
    cards = rich_page().root.find_all("section", "invoice")
    assert [c.attrs["data-customer"] for c in cards] == ["acme_corp", "globex", "initech"]
    assert [c.find_all("h2")[0].text for c in cards] == [
        "Acme Corporation acme_corp",
        'Globex <script>alert("x")</script> & Sons globex',  # shown as text, not run
        "Initech initech",
    ]


def test_lines_tiers_credits_and_totals_of_the_acme_invoice():
    acme = rich_page().root.find_all("section", "invoice")[0]
    (lines_table,) = acme.find_all("table", "lines")
    lines = lines_table.find_all("tr", "line")
    assert len(lines) == 8  # 9 line items, one of them the applied credit
    first = [td.text for td in lines[0].find_all("td")]
    assert first == [
        "Model tokens (thousands)model=atlas, project=search[2026-10-01, 2026-11-01)",
        "120,000.5",
        "graduated",
        "$230.00",
    ]
    # atlas crosses the 100,000 tier: 100000 x 0.2 cents + 20000.5 x 0.15 cents
    tiers = [[td.text for td in tr.find_all("td")] for tr in lines_table.find_all("tr", "tier")]
    assert tiers[:2] == [
        ["tier 1 (0, 100,000]", "100,000", "$0.002", "$200.00"],
        ["tier 2 (100,000, ∞)", "20,000.5", "$0.0015", "$30.00075"],
    ]
    assert ["tier 3 (1,000, ∞) + $50.00 flat", "1,200", "$0.50", "$650.00"] in tiers
    windows = [s.text for s in lines_table.find_all("span", "window")]
    assert len(windows) == 8  # every line shows its service period
    assert "[2026-10-01, 2026-10-16)" in windows and "[2026-10-16, 2026-11-01)" in windows
    (credits,) = acme.find_all("section", "credits")
    assert credits.find_all("h3")[0].text == "Credits applied"
    assert [td.text for td in credits.find_all("td")] == [
        "Q4 prepaid usage[2026-10-01, 2026-11-01)",
        "-$500.00",
    ]
    (totals,) = acme.find_all("table", "totals")
    assert [tr.text for tr in totals.find_all("tr")] == ["Subtotal$1,667.97", "Total$1,167.97"]


def test_only_invoices_with_applied_credits_get_a_credits_section():
    cards = rich_page().root.find_all("section", "invoice")
    assert [len(c.find_all("section", "credits")) for c in cards] == [1, 0, 0]


def test_group_values_are_escaped_text():
    globex = rich_page().root.find_all("section", "invoice")[1]
    groups = [s.text for s in globex.find_all("span", "groups")]
    assert groups == ["model=atlas, project=R&D <lab> | *beta*"]


def test_event_summary_is_a_definition_list():
    (summary,) = rich_page().root.find_all("section", "summary")
    terms = [dt.text for dt in summary.find_all("dt")]
    counts = [dd.text for dd in summary.find_all("dd")]
    assert dict(zip(terms, counts, strict=True))["read"] == "5,230"


def _one_line_document(customer_name: str, product_name: str, group_value: str) -> dict:
    return {
        "format_version": "1.0",
        "invoices": [
            {
                "customer": "c",
                "customer_name": customer_name,
                "contract": "k",
                "contract_name": None,
                "start_timestamp": "2026-10-01T00:00:00Z",
                "end_timestamp": "2026-11-01T00:00:00Z",
                "type": "USAGE",
                "status": "DRAFT",
                "credit_type": "USD",
                "line_items": [
                    {
                        "type": "usage",
                        "product": "p",
                        "name": product_name,
                        "presentation_group_values": {"g": group_value},
                        "pricing_group_values": {},
                        "starting_at": "2026-10-01T00:00:00Z",
                        "ending_before": "2026-11-01T00:00:00Z",
                        "quantity": "1",
                        "unit_price": "50",
                        "total": "50",
                    }
                ],
                "subtotal": "50",
                "total": "50",
            }
        ],
    }


@given(st.text(min_size=1), st.text(min_size=1), st.text())
def test_any_name_is_shown_as_text_and_never_becomes_markup(customer, product, group):
    page = parse(render_invoices(_one_line_document(customer, product, group), "html"))
    (card,) = page.root.find_all("section", "invoice")
    assert card.find_all("h2")[0].text == f"{printable(customer)} c"
    assert card.find_all("span", "name")[0].text == printable(product)
    assert card.find_all("span", "groups")[0].text == f"g={printable(group)}"
    tags = sorted(e.tag for e in _walk(page.root))
    plain = parse(render_invoices(_one_line_document("x", "y", "z"), "html"))
    assert tags == sorted(e.tag for e in _walk(plain.root))
