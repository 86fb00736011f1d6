"""Invoice impact (`plan --events PATH --impact`): what a pricing change does to some invoices.

infracost's cost diff, for a billing catalog. The same usage events are evaluated twice, under
the applied catalog (`Plan.prior_catalog()`: empty for an empty state) and under the desired
one, and the invoices are paired per customer, contract, statement period and credit type:

    team_example / team_example_2026 / [2026-10-01, 2026-11-01) / USD    50 -> 45
    delta -5, percent -10

(the quickstart's October: 1,000,000 tokens at 50 cents per million, then at 45.) The result is
an `impact_model.Impact`: a side without an invoice for a key is absent (None), not zero.

- A customer or contract renamed by `moved` is compared under its new ID.
- Only the desired catalog's event diagnostics are returned: reading gives the same ones both
  times, and what the applied catalog makes of the events (on an empty state, every customer is
  unknown) is not news.
- Each contract's totals are also taken per product (line items by product and presentation
  group values; a commit or credit drawn down is a row of its own, `impact_model`).
- A change the events cannot show — a rate, override or term of a contract (or the contract's
  start) starting after the latest event replayed — marks that contract `unreplayed_from`
  (`unreplayed`), so that the rendering says "no events from 2027-01-01 on: replay with
  --as-of-period 2027-01" instead of a bare "no change".
- `with_impact` adds the impact to a plan and, with `Gates`, the policy gates: an error finding
  for each contract whose invoices rise by more than a percent (E820) or an amount (E823), or
  fall by more than a percent (E822) or an amount (E824). Only contracts invoiced under both
  catalogs are gated: a new or removed contract is the plan's create or delete, not a price
  change.

Evaluation is the evaluator's (`billing_spec.evaluate`); this module pairs its results. It is
pure: no clock, and each path is read once per catalog (so standard input, which cannot be read
twice, is refused: E821).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from billing_spec.diagnostics import BillingSpecError, Diagnostic, error, has_errors
from billing_spec.money import (
    EXACT,
    ZERO,
    canonical,
    format_major,
    format_percent_above,
    format_signed_major,
)
from billing_spec.plan.impact_model import (
    Compared,
    ContractImpact,
    CreditTypeTotal,
    GroupValues,
    Impact,
    PeriodImpact,
    ProductImpact,
)
from billing_spec.plan.model import Finding, Plan
from billing_spec.plan.rates import retroactive_changes
from billing_spec.plan.terms import retroactive_terms
from billing_spec.render.display import credit_type as display_credit_type
from billing_spec.timestamps import parse_timestamp

if TYPE_CHECKING:
    from billing_spec.compile import CompiledCatalog
    from billing_spec.evaluate import Invoices
    from billing_spec.events import Period

__all__ = [
    "Compared",
    "ContractImpact",
    "CreditTypeTotal",
    "Gates",
    "Impact",
    "PeriodImpact",
    "ProductImpact",
    "compare_invoices",
    "gate_findings",
    "increase_findings",
    "invoice_impact",
    "with_impact",
]

STDIN = "-"
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # an `as_of` after every change: find them all


@dataclass(frozen=True)
class Gates:
    """The policy gates of `plan --impact`: percents, and amounts in major units (`100.00` is
    $100.00 for USD; a custom credit type's amounts are in its own unit). None: no gate."""

    increase_pct: Decimal | None = None
    decrease_pct: Decimal | None = None
    increase: Decimal | None = None
    decrease: Decimal | None = None


# --- computing it -------------------------------------------------------------------------------


def with_impact(
    plan: Plan,
    events_paths: Iterable[str | os.PathLike[str]],
    *,
    through: datetime | None = None,
    period: Period | None = None,
    fail_on_increase_pct: Decimal | None = None,
    gates: Gates | None = None,
) -> tuple[Plan | None, list[Diagnostic]]:
    """`plan` with the invoice impact of its change on the events (`plan.impact`).

    `through` cuts the replay; `period` moves every event into that month (`--as-of-period`).
    Each gate a contract trips (`gates`; `fail_on_increase_pct` is `Gates(increase_pct=...)`)
    adds an error finding, which refuses the plan. None and the diagnostics when the events
    cannot be read.
    """
    renames = {c.previous_address: c.address for c in plan.changes if c.previous_address}
    impact, diagnostics = invoice_impact(
        plan.prior_catalog(),
        plan.desired,
        events_paths,
        through=through,
        period=period,
        renames=renames,
    )
    if impact is None:
        return None, diagnostics
    impact = unreplayed(impact, plan)
    gates = gates or Gates()
    if fail_on_increase_pct is not None:
        gates = replace(gates, increase_pct=fail_on_increase_pct)
    findings = plan.findings + gate_findings(impact, gates)
    return replace(plan, impact=impact, findings=findings), diagnostics


def gate_findings(impact: Impact, gates: Gates) -> tuple[Finding, ...]:
    """The error findings of every gate, by gate (E820, E822, E823, E824), then contract."""
    findings = []
    if gates.increase_pct is not None:
        findings += increase_findings(impact, gates.increase_pct)
    if gates.decrease_pct is not None:
        findings += decrease_findings(impact, gates.decrease_pct)
    for code, limit, sign in (("E823", gates.increase, 1), ("E824", gates.decrease, -1)):
        if limit is not None:
            findings += amount_findings(impact, limit, sign, code)
    return tuple(findings)


def decrease_findings(impact: Impact, threshold: Decimal) -> tuple[Finding, ...]:
    """An error (E822) for each contract whose invoices fall by more than `threshold` percent.

    A contract without an old or a new total (new, or removed) is never gated."""
    findings = []
    for contract in impact.contracts:
        percent = contract.percent
        if contract.new is None or percent is None or -percent <= threshold:
            continue
        fall = format_percent_above(-percent, threshold).lstrip("+")
        summary = (
            f"the invoices of {contract.address} fall by -{fall}, "
            f"more than the {canonical(threshold)}% allowed"
        )
        hint = "check the price change; raise --fail-on-decrease-pct if the decrease is intended"
        findings.append(_gate_finding(contract, "E822", summary, hint))
    return tuple(findings)


def amount_findings(impact: Impact, limit: Decimal, sign: int, code: str) -> tuple[Finding, ...]:
    """An error for each contract whose invoices rise (`sign` 1) or fall (-1) by more than
    `limit`, in the credit type's major unit. New and removed contracts are never gated."""
    findings = []
    option, verb = ("--fail-on-increase", "rise") if sign > 0 else ("--fail-on-decrease", "fall")
    for contract in impact.contracts:
        if contract.old is None or contract.new is None:
            continue
        unit = display_credit_type(contract.credit_type)
        allowed = EXACT.multiply(limit, unit.per_major)
        if EXACT.multiply(contract.delta, Decimal(sign)) <= allowed:
            continue
        summary = (
            f"the invoices of {contract.address} {verb} by "
            f"{format_signed_major(contract.delta, unit)}, more than the "
            f"{format_major(allowed, unit)} allowed"
        )
        hint = f"check the price change; raise {option} if the change is intended"
        findings.append(_gate_finding(contract, code, summary, hint))
    return tuple(findings)


def _gate_finding(contract: ContractImpact, code: str, summary: str, hint: str) -> Finding:
    unit = display_credit_type(contract.credit_type)
    old, new = (format_major(v or ZERO, unit) for v in (contract.old, contract.new))
    delta = format_signed_major(contract.delta, unit)
    detail = f"{old} → {new} ({delta}) on the events replayed"
    return Finding(contract.address, error(code, summary, detail=detail, hint=hint))


def increase_findings(impact: Impact, threshold: Decimal) -> tuple[Finding, ...]:
    """An error (E820) for each contract whose invoices rise by more than `threshold` percent.

    A contract without an old total (new, or without invoices before) has no percent and
    never trips it; one whose old total was zero and whose new total is not (a free product
    becoming paid) rises from nothing, which any threshold refuses.
    """
    findings = []
    for contract in impact.contracts:
        percent = contract.percent
        from_zero = contract.old is not None and contract.old.is_zero() and (contract.new or 0) > 0
        if not from_zero and (percent is None or percent <= threshold):
            continue
        unit = display_credit_type(contract.credit_type)
        rise = "from nothing" if from_zero else f"by {format_percent_above(percent, threshold)}"
        summary = (
            f"the invoices of {contract.address} rise {rise}, "
            f"more than the {canonical(threshold)}% allowed"
        )
        old, new = (format_major(v or ZERO, unit) for v in (contract.old, contract.new))
        delta = format_signed_major(contract.delta, unit)
        detail = f"{old} → {new} ({delta}) on the events replayed"
        hint = "check the price change; raise --fail-on-increase-pct if the increase is intended"
        findings.append(Finding(contract.address, error("E820", summary, detail=detail, hint=hint)))
    return tuple(findings)


def invoice_impact(
    applied: CompiledCatalog,
    desired: CompiledCatalog,
    events_paths: Iterable[str | os.PathLike[str]],
    *,
    through: datetime | None = None,
    period: Period | None = None,
    renames: Mapping[str, str] | None = None,
) -> tuple[Impact | None, list[Diagnostic]]:
    """Evaluate the events under both catalogs and compare the invoices.

    `renames` maps an applied address to its desired one (`contract.old` -> `contract.new`),
    as `moved` has it. Returns None and the diagnostics when the events cannot be read (an
    error: a missing path, a corrupt gzip stream); raises `BillingSpecError` (E821) for `-`.
    """
    paths = tuple(os.fspath(p) for p in events_paths)
    if STDIN in paths:
        raise BillingSpecError.single(
            "E821",
            "--impact cannot read events from standard input (-)",
            hint="the events are replayed once per catalog: write them to a file and pass its path",
        )
    new, diagnostics = _evaluate(desired, paths, through, period)
    if new is None:
        return None, diagnostics
    old, old_diagnostics = _evaluate(applied, paths, through, period)
    if old is None:  # the files changed between the two reads
        return None, old_diagnostics
    contracts = compare_invoices(old, new, renames or {})
    impact = Impact(
        events=paths,
        through=through,
        contracts=contracts,
        old_summary=old.summary.to_json(),
        new_summary=new.summary.to_json(),
        incomplete=incomplete(old, new),
        as_of_period=None if period is None else str(period),
        latest_event=max(
            (t for t in (old.latest_event, new.latest_event) if t is not None), default=None
        ),
    )
    return impact, diagnostics


def incomplete(*sides: Invoices) -> tuple[str, ...]:
    """`contract X: note` for every note on an invoice of either side, sorted, once each."""
    found = {
        f"contract {invoice.contract}: {note}"
        for side in sides
        for invoice in side
        for note in invoice.notes
    }
    return tuple(sorted(found))


def _evaluate(
    catalog: CompiledCatalog,
    paths: tuple[str, ...],
    through: datetime | None,
    period: Period | None,
) -> tuple[Invoices | None, list[Diagnostic]]:
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events

    stream = read_events(paths, period=period)
    if has_errors(stream.diagnostics):  # a path that does not exist: stop before reading
        return None, stream.diagnostics
    invoices, diagnostics = evaluate(catalog, stream, through=through)
    return (None if has_errors(diagnostics) else invoices), diagnostics


_Key = tuple[str, str, str]  # customer, contract, credit type


def compare_invoices(
    old: Invoices, new: Invoices, renames: Mapping[str, str]
) -> tuple[ContractImpact, ...]:
    """Pair the invoices of both sides by customer, contract, period and credit type."""
    totals: dict[_Key, dict[tuple[datetime, datetime], list[Decimal | None]]] = {}
    products: dict[_Key, dict[_ProductKey, list[Decimal | None]]] = {}
    names: dict[_Key, tuple[str | None, str | None]] = {}
    for side, (invoices, renamed) in enumerate(((old, renames), (new, {}))):
        for invoice in invoices:
            key = (
                _renamed(renamed, "customer", invoice.customer),
                _renamed(renamed, "contract", invoice.contract),
                invoice.credit_type.id,
            )
            names[key] = (invoice.customer_name, invoice.contract_name)  # the new side's win
            pair = totals.setdefault(key, {}).setdefault((invoice.start, invoice.end), [None, None])
            pair[side] = EXACT.add(pair[side] or ZERO, invoice.total)
            by_product = products.setdefault(key, {})
            for line in invoice.line_items:
                product = (
                    _renamed(renamed, "product", line.product),
                    _groups(line.presentation_group_values),
                    line.applied_commit_or_credit is not None,
                )
                amounts = by_product.setdefault(product, [None, None])
                amounts[side] = EXACT.add(amounts[side] or ZERO, line.total)
    return tuple(
        _contract(key, names[key], totals[key], products.get(key, {})) for key in sorted(totals)
    )


_ProductKey = tuple[str, GroupValues, bool]  # product, presentation group values, drawn down


def _groups(values: Mapping[str, str | None]) -> GroupValues:
    return tuple(sorted(values.items(), key=lambda kv: (kv[0], kv[1] or "")))


def _renamed(renames: Mapping[str, str], type_: str, name: str) -> str:
    return renames.get(f"{type_}.{name}", f"{type_}.{name}").partition(".")[2]


def _contract(
    key: _Key,
    names: tuple[str | None, str | None],
    periods: dict[tuple[datetime, datetime], list[Decimal | None]],
    products: dict[_ProductKey, list[Decimal | None]],
) -> ContractImpact:
    customer, contract, credit_type = key
    return ContractImpact(
        customer=customer,
        customer_name=names[0],
        contract=contract,
        contract_name=names[1],
        credit_type=credit_type,
        periods=tuple(
            PeriodImpact(start, end, old, new)
            for (start, end), (old, new) in sorted(periods.items())
        ),
        products=tuple(
            ProductImpact(product, groups, drawn, old, new)
            for (product, groups, drawn), (old, new) in sorted(
                products.items(), key=lambda item: (item[0][2], item[0][0], repr(item[0][1]))
            )
        ),
    )


# --- what the events cannot show ----------------------------------------------------------------


def unreplayed(impact: Impact, plan: Plan) -> Impact:
    """`impact` with each contract's `unreplayed_from`: the first start of a change of its
    prices or terms (`change_starts`) after the latest event replayed, if any."""
    latest = impact.latest_event
    starts = change_starts(plan)
    contracts = []
    for contract in impact.contracts:
        later = [t for t in starts.get(contract.contract, ()) if latest is None or t > latest]
        contracts.append(replace(contract, unreplayed_from=min(later, default=None)))
    return replace(impact, contracts=tuple(contracts))


def change_starts(plan: Plan) -> dict[str, list[datetime]]:
    """Contract ID -> where each change of its prices or terms starts: the first instant a
    changed rate of its rate card differs (`rates`), each added, removed or changed term
    (`terms`), and the start of a new contract or of a moved one."""
    by_card: dict[str, list[datetime]] = {}
    for change in plan.changes:
        if change.type == "rate_card" and change.content_changed:
            old = (change.before or {}).get("rates", [])
            new = (change.after or {}).get("rates", [])
            by_card[change.name] = [c.at for c in retroactive_changes(old, new, _NEVER)]
    out: dict[str, list[datetime]] = {}
    for change in plan.changes:
        if change.type != "contract" or change.after is None:
            continue
        after, before = change.after, change.before
        starts = list(by_card.get(after.get("rate_card", ""), ()))
        if before is None or before.get("starting_at") != after.get("starting_at"):
            starts += [parse_timestamp(c["starting_at"]) for c in (before, after) if c]
        elif before != after:
            starts += [t.at for t in retroactive_terms(before, after, _NEVER)]
        if starts:
            out[change.name] = sorted(starts)
    return out
