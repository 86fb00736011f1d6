"""The invoice document as templates see it: every value checked, formatted and laid out.

`build_view(document)` turns the JSON document of `billing invoice` into frozen view objects
whose fields are display strings (`$0.50`, `2026-10-01`, `[2026-10-01, 2026-11-01)`), so the
templates only place text. Anything needing arithmetic is computed here, with `Decimal`: a
tier's range end (`starting_at + size`) and the column widths of the text table. Invoices and
line items keep the document's order (the evaluator's: invoices by customer, contract, start;
lines in rate-card order); group values are shown pricing groups first, each sorted by key.

A line whose window is not the invoice's period (a rate segment of a mid-period price change)
shows its window. Lines of type `applied_commit_or_credit` are set apart as "credits applied".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from billing_spec import money
from billing_spec.render import display
from billing_spec.render.document import Node, shape_error
from billing_spec.timestamps import format_timestamp

CREDIT_LINE = "applied_commit_or_credit"
COMPOSITE_LINE = "composite"
TIER_MODES = {"GRADUATED": "graduated", "VOLUME": "volume"}
HEADINGS = ("Item", "Quantity", "Unit price", "Total")
TOTAL_LABELS = ("Subtotal", "Total")
CREDITS_HEADING = "Credits applied"
TIER_INDENT = "    "  # text: tier rows sit under their line
CREDIT_INDENT = "  "  # text: credit rows sit under the "Credits applied" heading
SUMMARY_LABELS = {
    "events_read": "read",
    "events_used": "used",
    "duplicates": "duplicates",
    "malformed": "malformed",
    "unknown_customer": "unknown customer",
    "outside_contracts": "outside contracts",
    "not_billed": "not billed",
}


@dataclass(frozen=True)
class TierView:
    tier: str
    range: str  # "(0, 100,000]", "(100,000, ∞)": a tier of size 10 holds units (0, 10]
    quantity: str
    price: str
    flat_price: str  # "" when the tier has none
    subtotal: str
    label: str  # "tier 1 (0, 100000]", with "+ $50.00 flat" when it has a flat price
    text_item: str  # the label as the text table's Item cell (indented under its line)
    raw: dict


@dataclass(frozen=True)
class LineView:
    type: str
    product: str
    name: str
    groups: tuple[tuple[str, str], ...]  # (key, value), pricing groups first
    groups_text: str  # "model=atlas, project=alpha"
    window: str  # "" when the line covers the invoice period, else "[2026-10-16, 2026-11-01)"
    service_period: str  # always: "[2026-10-01, 2026-11-01)", or a dated charge's date
    covered_by: str  # the name of the commit or credit that pays for this part ("" if none)
    label: str  # name, [groups] and window on one line
    text_item: str
    quantity: str
    unit_price: str  # money; for TIERED the tier mode ("graduated", "volume"); "" when null
    total: str
    tier_mode: str  # "graduated", "volume" or ""
    tiers: tuple[TierView, ...]
    raw: dict


@dataclass(frozen=True)
class TextWidths:
    """Display widths of the text table's columns, over every row that uses them."""

    item: int
    quantity: int
    unit_price: int
    total: int

    @property
    def before_total(self) -> int:
        """Item, quantity and unit price with the two-space gaps between them."""
        return self.item + self.quantity + self.unit_price + 4

    @property
    def table(self) -> int:
        return self.before_total + 2 + self.total


@dataclass(frozen=True)
class BalanceView:
    id: str
    type: str  # PREPAID | POSTPAID | CREDIT
    name: str
    applied: str  # money
    remaining: str
    label: str  # "Q4 prepaid usage (PREPAID)"
    raw: dict


@dataclass(frozen=True)
class InvoiceView:
    customer: str
    customer_name: str
    customer_label: str  # "Acme Corporation (acme_corp)"
    contract: str
    contract_name: str  # "" when the contract has no name
    contract_label: str
    start: str  # "2026-10-01", or in full when not midnight
    end: str
    start_timestamp: str  # canonical RFC 3339, "2026-10-01T00:00:00Z"
    end_timestamp: str
    period: str
    period_label: str  # "Period" ([start, end) of a USAGE invoice), or "Date" (a SCHEDULED one)
    type: str
    status: str
    credit_type: str
    lines: tuple[LineView, ...]
    credits: tuple[LineView, ...]
    subtotal: str
    total: str
    widths: TextWidths
    notes: tuple[str, ...]  # what the invoice leaves out: shown above the lines
    balances: tuple[BalanceView, ...]
    due: str  # the due date ("" without net payment terms)
    raw: dict


@dataclass(frozen=True)
class SummaryView:
    rows: tuple[tuple[str, str], ...]  # (label, count with thousands separators)
    label_width: int
    count_width: int
    raw: dict


@dataclass(frozen=True)
class DocumentView:
    format_version: str
    invoices: tuple[InvoiceView, ...]
    summary: SummaryView | None
    raw: dict


def build_view(document: Any) -> DocumentView:
    """Check the document and build its view; a wrong shape raises BillingSpecError E794."""
    root = Node.root(document)
    invoices = tuple(_invoice(node) for node in root.children("invoices"))
    summary_node = root.child("summary", optional=True)
    summary = _summary(summary_node) if summary_node is not None else None
    return DocumentView(root.text("format_version"), invoices, summary, document)


def _invoice(node: Node) -> InvoiceView:
    credit_type = node.text("credit_type")
    start, end = node.instant("start_timestamp"), node.instant("end_timestamp")
    dated = start == end  # a SCHEDULED invoice is dated at one instant
    period = display.format_when(start) if dated else display.format_period(start, end)
    children = node.children("line_items")
    names = _balance_names(children)
    lines = [_line(child, credit_type, period, names) for child in children]
    charges = tuple(line for line in lines if line.type != CREDIT_LINE)
    credits = tuple(
        replace(line, text_item=CREDIT_INDENT + line.label)
        for line in lines
        if line.type == CREDIT_LINE
    )
    subtotal = display.format_money(node.decimal("subtotal"), credit_type)
    total = display.format_money(node.decimal("total"), credit_type)
    customer, customer_name = _text(node, "customer"), _text(node, "customer_name")
    contract, contract_name = _text(node, "contract"), _text(node, "contract_name", nullable=True)
    return InvoiceView(
        customer=customer,
        customer_name=customer_name,
        customer_label=_labelled(customer_name, customer),
        contract=contract,
        contract_name=contract_name,
        contract_label=_labelled(contract_name, contract),
        start=display.format_when(start),
        end=display.format_when(end),
        start_timestamp=format_timestamp(start),
        end_timestamp=format_timestamp(end),
        period=period,
        period_label="Date" if dated else "Period",
        type=_text(node, "type"),
        status=_text(node, "status"),
        credit_type=display.printable(credit_type),
        lines=charges,
        credits=credits,
        subtotal=subtotal,
        total=total,
        widths=_widths(charges, credits, subtotal, total),
        notes=tuple(display.printable(_note(n)) for n in node.raw("notes", optional=True) or ()),
        balances=tuple(_balance(b, credit_type) for b in node.children("balances", optional=True)),
        due=_due(node),
        raw=node.value,
    )


def _note(value: Any) -> str:
    if not isinstance(value, str):
        raise shape_error("notes[]", "a string", value)
    return value


def _balance(node: Node, credit_type: str) -> BalanceView:
    name, type_ = _text(node, "name"), _text(node, "type")
    return BalanceView(
        id=_text(node, "id"),
        type=type_,
        name=name,
        applied=display.format_money(node.decimal("applied"), credit_type),
        remaining=display.format_money(node.decimal("remaining"), credit_type),
        label=f"{name} ({type_})",
        raw=node.value,
    )


def _due(node: Node) -> str:
    if node.raw("due_timestamp", optional=True) is None:
        return ""
    return display.format_when(node.instant("due_timestamp"))


def _text(node: Node, key: str, *, nullable: bool = False) -> str:
    """A string field ready for display ("" for null)."""
    return display.printable(node.text(key, nullable=nullable) or "")


def _labelled(name: str, id_: str) -> str:
    return f"{name} ({id_})" if name else id_


def _balance_names(children: list[Node]) -> dict[str, str]:
    """Balance ID -> its name, from the invoice's applied lines (for "covered by ...")."""
    names: dict[str, str] = {}
    for child in children:
        applied = child.value.get("applied_commit_or_credit")
        if isinstance(applied, dict) and isinstance(applied.get("id"), str):
            names[applied["id"]] = str(applied.get("name") or applied["id"])
    return names


def _line(node: Node, credit_type: str, period: str, names: dict[str, str]) -> LineView:
    name = _text(node, "name")
    groups = _groups(node.mapping("pricing_group_values", optional=True))
    groups += _groups(node.mapping("presentation_group_values", optional=True))
    groups_text = ", ".join(f"{key}={value}" for key, value in groups)
    starting_at, ending_before = node.instant("starting_at"), node.instant("ending_before")
    if starting_at == ending_before:  # a dated charge: its date, unless it is the invoice's
        service_period = display.format_when(starting_at)
    else:
        service_period = display.format_period(starting_at, ending_before)
    window = "" if service_period == period else service_period
    commit_id = node.text("commit_id", nullable=True)
    covered_by = "" if commit_id is None else display.printable(names.get(commit_id, commit_id))
    covered = f"(covered by {covered_by})" if covered_by else ""
    label = " ".join(
        part for part in (name, f"[{groups_text}]" if groups else "", window, covered) if part
    )
    tier_mode = _tier_mode(node)
    unit_price = node.decimal("unit_price", nullable=True)
    tiers = tuple(_tier(child, credit_type) for child in node.children("tiers", optional=True))
    line_type = _text(node, "type")
    quantity = display.format_quantity(node.decimal("quantity"))
    if line_type == COMPOSITE_LINE:  # a percentage of spend: quantity is money, price a percent
        quantity = display.format_money(node.decimal("quantity"), credit_type)
        price = "" if unit_price is None else display.format_fraction_percent(unit_price)
    else:
        price = tier_mode if unit_price is None else display.format_money(unit_price, credit_type)
    return LineView(
        type=line_type,
        product=_text(node, "product"),
        name=name,
        groups=groups,
        groups_text=groups_text,
        window=window,
        service_period=service_period,
        covered_by=covered_by,
        label=label,
        text_item=label,
        quantity=quantity,
        unit_price=price,
        total=display.format_money(node.decimal("total"), credit_type),
        tier_mode=tier_mode,
        tiers=tiers,
        raw=node.value,
    )


def _groups(values: dict) -> tuple[tuple[str, str], ...]:
    return tuple(
        (display.printable(str(key)), display.printable(_scalar(values[key])))
        for key in sorted(values, key=str)
    )


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _tier_mode(node: Node) -> str:
    mode = node.text("tier_mode", nullable=True)
    if mode is None:
        return ""
    if mode not in TIER_MODES:
        raise shape_error(f"{node.path}.tier_mode", "GRADUATED or VOLUME", mode)
    return TIER_MODES[mode]


def _tier(node: Node, credit_type: str) -> TierView:
    number = node.count("tier")
    start, size = node.decimal("starting_at"), node.decimal("size", nullable=True)
    end = "∞)" if size is None else f"{money.grouped(money.EXACT.add(start, size))}]"
    tier_range = f"({money.grouped(start)}, {end}"
    flat = node.decimal("flat_price", nullable=True)
    flat_price = "" if flat is None else display.format_money(flat, credit_type)
    label = f"tier {number} {tier_range}" + (f" + {flat_price} flat" if flat_price else "")
    return TierView(
        tier=str(number),
        range=tier_range,
        quantity=display.format_quantity(node.decimal("quantity")),
        price=display.format_money(node.decimal("price"), credit_type),
        flat_price=flat_price,
        subtotal=display.format_money(node.decimal("subtotal"), credit_type),
        label=label,
        text_item=TIER_INDENT + label,
        raw=node.value,
    )


def _widths(charges, credits, subtotal: str, total: str) -> TextWidths:
    rows = [HEADINGS]
    for line in charges:
        rows.append((line.text_item, line.quantity, line.unit_price, line.total))
        rows += [(t.text_item, t.quantity, t.price, t.subtotal) for t in line.tiers]
    if credits:
        rows.append((CREDITS_HEADING, "", "", ""))
        rows += [(c.text_item, "", "", c.total) for c in credits]
    rows += [("", "", "", subtotal), ("", "", "", total)]
    item, quantity, unit_price, total_width = (
        max(display.display_width(row[i]) for row in rows) for i in range(4)
    )
    # the totals' labels are right-aligned across item, quantity and unit price
    item += max(0, max(map(len, TOTAL_LABELS)) - (item + quantity + unit_price + 4))
    return TextWidths(item, quantity, unit_price, total_width)


def _summary(node: Node) -> SummaryView:
    keys = [key for key in SUMMARY_LABELS if key in node.value]
    keys += sorted(key for key in node.value if key not in SUMMARY_LABELS)
    rows = tuple(
        (SUMMARY_LABELS.get(key, display.printable(key).replace("_", " ")), f"{node.count(key):,}")
        for key in keys
    )
    return SummaryView(
        rows=rows,
        label_width=max((display.display_width(label) for label, _ in rows), default=0),
        count_width=max((len(count) for _, count in rows), default=0),
        raw=node.value,
    )
