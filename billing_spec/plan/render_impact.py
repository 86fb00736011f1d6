"""The invoice impact as people see it: a headline per credit type, and a table of what changed.

    Invoice impact, replaying 3 events from catalogs/quickstart/events (used: 3 before, 3 after):

      Customer      Contract           Period                      Old     New   Delta  Change
      team_example  team_example_2026  [2026-10-01, 2026-11-01)  $0.50 → $0.45  -$0.05  -10.0%

    Invoice impact: $0.50 → $0.45 (-$0.05, -10.0%) over 1 contract

One row per changed invoice (contract, statement period, credit type); a changed contract with
several periods gets a row for its total; then one row per product of the contract whose total
changed, old → new over all its invoices (left out when the contract has a single product,
whose totals are the contract's) (`↳ tokens`, `↳ tokens {model=atlas}`, and a commit
or credit drawn down as `↳ prepaid (commit or credit applied)`), as infracost lists a
resource's components; unchanged invoices are folded into a count, as Terraform folds unchanged
attributes. A contract with a change the events do not reach (`unreplayed_from`) gets a note:

    Not in the events (the latest is 2026-11-10T10:00:00Z):
      - acme_2026: no events from 2027-01-01 on: replay with --as-of-period 2027-01

and a headline without a changed contract then says `no change on these events`. A total absent
under one catalog shows as `—`, and the change of a contract that had no invoice before as
`new`. The markdown form (for `render_markdown`) is the same table for a pull request, one
amount per cell so GitHub never reads a pair of `$` as math; its headline puts each amount in a
code span for the same reason.
Amounts are in major units (`money.format_major`); nothing is computed here but layout.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from decimal import Decimal

from billing_spec.money import format_major, format_percent, format_signed_major
from billing_spec.plan.impact_model import (
    ContractImpact,
    CreditTypeTotal,
    Impact,
    PeriodImpact,
    ProductImpact,
)
from billing_spec.render.display import (
    credit_type,
    display_width,
    format_period,
    format_when,
    ljust,
    markdown_code,
    markdown_escape,
    printable,
    rjust,
)

ABSENT = "—"
HEADINGS = ("Customer", "Contract", "Period", "Old", "New", "Delta", "Change")
_RIGHT = (False, False, False, True, True, True, True)  # amounts align right


@dataclass(frozen=True)
class Row:
    customer: str
    contract: str
    period: str
    old: str
    new: str
    delta: str
    change: str

    def cells(self) -> tuple[str, ...]:
        return astuple(self)


def rows(impact: Impact) -> tuple[list[Row], int]:
    """The changed invoices as rows (with contract totals), and how many are unchanged."""
    out: list[Row] = []
    for contract in impact.contracts:
        changed = [p for p in contract.periods if p.changed]
        products = [p for p in _products_shown(contract) if p.changed]
        if not changed and not products:
            continue
        ours = [_row(contract, period, _when(period)) for period in changed]
        if changed and len(contract.periods) > 1:
            total = _row(contract, contract, f"total of {len(contract.periods)} invoices")
            ours.append(replace(total, customer="", contract=""))
        for product in products:
            row = _row(contract, product, f"↳ {printable(product.label)}")
            ours.append(row if not ours else replace(row, customer="", contract=""))
        out += ours
    return out, impact.periods - impact.periods_changed


def _products_shown(contract: ContractImpact) -> tuple[ProductImpact, ...]:
    """The contract's products, unless it has one only, whose totals are the contract's."""
    products = contract.products
    if len(products) == 1 and (products[0].old, products[0].new) == (contract.old, contract.new):
        return ()
    return products


def _when(period: PeriodImpact) -> str:
    """A usage invoice's period, or a SCHEDULED invoice's date (`scheduled 2026-10-01`)."""
    if period.start == period.end:
        return f"scheduled {format_when(period.start)}"
    return format_period(period.start, period.end)


def _row(
    contract: ContractImpact,
    amounts: PeriodImpact | ContractImpact | ProductImpact,
    period: str,
) -> Row:
    unit = credit_type(contract.credit_type)
    return Row(
        customer=printable(contract.customer),
        contract=printable(contract.contract),
        period=period,
        old=_money(amounts.old, contract.credit_type),
        new=_money(amounts.new, contract.credit_type),
        delta=format_signed_major(amounts.delta, unit),
        change=format_percent(amounts.percent) if amounts.old is not None else "new",
    )


def _money(amount: Decimal | None, credit_type_id: str) -> str:
    return ABSENT if amount is None else format_major(amount, credit_type(credit_type_id))


# --- headlines ----------------------------------------------------------------------------------


def headlines(impact: Impact, *, code: bool = False) -> list[str]:
    """`Invoice impact: $0.50 → $0.45 (-$0.05, -10.0%) over 1 contract`, one per credit type.

    `code`: each amount in a code span (markdown).
    """
    totals = impact.totals()
    if not totals:
        read = impact.new_summary.get("events_read", 0)
        return [f"Invoice impact: no invoices under either catalog ({_events(read)} read)"]
    mark = " — incomplete, see below" if impact.incomplete else ""
    unreplayed = {c.credit_type for c in impact.unreplayed}
    return [_headline(total, code, total.credit_type in unreplayed) + mark for total in totals]


def unreplayed_notes(impact: Impact, *, code: bool = False) -> list[str]:
    """`acme_2026: no events from 2027-01-01 on: replay with --as-of-period 2027-01`, one per
    contract with a change after the latest event."""
    out = []
    for contract in impact.unreplayed:
        start = contract.unreplayed_from
        assert start is not None
        option = f"--as-of-period {start.year:04d}-{start.month:02d}"
        name = markdown_code(contract.contract) if code else printable(contract.contract)
        option = f"`{option}`" if code else option
        out.append(f"{name}: no events from {format_when(start)} on: replay with {option}")
    return out


def _unreplayed_heading(impact: Impact) -> str:
    latest = impact.latest_event
    newest = "none inside a contract" if latest is None else f"the latest is {format_when(latest)}"
    return f"Changes after the events ({newest}):"


def incomplete_lines(impact: Impact) -> list[str]:
    """What the impact leaves out, one line each (empty when nothing)."""
    if not impact.incomplete:
        return []
    return ["Not priced, so not in the impact:", *(f"  - {n}" for n in impact.incomplete)]


def _headline(total: CreditTypeTotal, code: bool, unreplayed: bool = False) -> str:
    unit = credit_type(total.credit_type)

    def show(text: str) -> str:
        return f"`{text}`" if code else text

    label = "" if unit.symbol else f" ({total.credit_type})"
    old, new = show(format_major(total.old, unit)), show(format_major(total.new, unit))
    if not total.contracts_changed:
        change = "no change on these events, see below" if unreplayed else "no change"
    elif total.percent is None:
        change = show(format_signed_major(total.delta, unit))
    else:
        change = f"{show(format_signed_major(total.delta, unit))}, {format_percent(total.percent)}"
    contracts = f"{total.contracts} contract{'s' if total.contracts != 1 else ''}"
    if 0 < total.contracts_changed < total.contracts:
        contracts += f" ({total.contracts_changed} changed)"
    return f"Invoice impact{label}: {old} → {new} ({change}) over {contracts}"


def replayed(impact: Impact, *, code: bool = False) -> str:
    """`3 events from fixtures/ (used: 3 before, 3 after)`: what was replayed, and how many
    events each catalog put on an invoice line."""
    paths = ", ".join(markdown_code(p) if code else printable(p) for p in impact.events)
    read = impact.new_summary.get("events_read", 0)
    old_used = impact.old_summary.get("events_used", 0)
    new_used = impact.new_summary.get("events_used", 0)
    through = "" if impact.through is None else f" before {format_when(impact.through)}"
    period = impact.as_of_period
    moved = "" if period is None else f" moved into {markdown_code(period) if code else period}"
    used = f"(used: {old_used} before, {new_used} after)"
    return f"{_events(read)} from {paths}{moved}{through} {used}"


def _events(count: int) -> str:
    return f"{count} event{'s' if count != 1 else ''}"


def _unchanged(count: int) -> str:
    return f"{count} unchanged invoice{'s' if count != 1 else ''}"


# --- text ---------------------------------------------------------------------------------------


def impact_text_lines(impact: Impact) -> list[str]:
    """The impact section of the text plan, ending with a blank line."""
    table, unchanged = rows(impact)
    lines = [f"Invoice impact, replaying {replayed(impact)}:", ""]
    if table:
        lines += _text_table(table)
    if unchanged:
        lines.append(f"  ({_unchanged(unchanged)} hidden)")
    if table or unchanged:
        lines.append("")
    notes = unreplayed_notes(impact)
    if notes:
        lines += [_unreplayed_heading(impact), *(f"  - {n}" for n in notes), ""]
    return [*lines, *headlines(impact), *incomplete_lines(impact), ""]


def _text_table(table: list[Row]) -> list[str]:
    grid = [HEADINGS, *(row.cells() for row in table)]
    widths = [max(display_width(cells[i]) for cells in grid) for i in range(len(HEADINGS))]
    out = []
    for n, cells in enumerate(grid):
        c = [
            (rjust if right else ljust)(cell, width)
            for cell, width, right in zip(cells, widths, _RIGHT, strict=True)
        ]
        arrow = "   " if n == 0 else " → "
        out.append(f"  {c[0]}  {c[1]}  {c[2]}  {c[3]}{arrow}{c[4]}  {c[5]}  {c[6]}".rstrip())
    return out


# --- markdown -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkdownTable:
    """The impact's `<details>` block, in three parts so the comment can be cut to fit."""

    opening: str
    rows: list[str]
    closing: str


def impact_markdown(impact: Impact) -> MarkdownTable:
    table, unchanged = rows(impact)
    opening = (
        f"\n<details><summary>Invoice impact: {_changed_summary(impact)}</summary>\n\n"
        f"Replaying {replayed(impact, code=True)}.\n\n"
    )
    if table:
        opening += (
            "| Customer | Contract | Period | Old | New | Delta | Change |\n"
            "|:---|:---|:---|---:|---:|---:|---:|\n"
        )
    note = f"_{_unchanged(unchanged)} not shown._\n\n" if unchanged else ""
    closing = ("\n" if table else "") + note + "</details>\n"
    return MarkdownTable(opening, [_markdown_row(row) for row in table], closing)


def markdown_headlines(impact: Impact) -> list[str]:
    marks = {1: " 📈", -1: " 📉", 0: ""}
    out = []
    for total, line in zip(impact.totals(), headlines(impact, code=True), strict=False):
        out.append(f"💰 **{line}**{marks[_sign(total.delta)]}")
    out = out or [f"💰 **{headlines(impact)[0]}**"]
    notes = unreplayed_notes(impact, code=True)
    if notes:
        out += ["", f"🗓️ **{markdown_escape(_unreplayed_heading(impact))}**"]
        out += [f"- {n}" for n in notes]
    if impact.incomplete:
        out += ["", "⚠️ **The impact is incomplete**: these terms are not priced:"]
        out += [f"- {markdown_escape(note)}" for note in impact.incomplete]
    return out


def _changed_summary(impact: Impact) -> str:
    changed, total = impact.periods_changed, impact.periods
    return f"{changed} of {total} invoice{'s' if total != 1 else ''} changed"


def _markdown_row(row: Row) -> str:
    cells = (
        markdown_code(row.customer) if row.customer else "",
        markdown_code(row.contract) if row.contract else "",
        markdown_escape(row.period),
        *(markdown_escape(c) for c in (row.old, row.new, row.delta, row.change)),
    )
    return "| " + " | ".join(cells) + " |"


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)
