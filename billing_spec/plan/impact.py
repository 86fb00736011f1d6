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
- `with_impact` adds the impact to a plan and, with a threshold, the policy gate: an error
  finding (E820) for each contract whose invoices rise by more than that percent.

Evaluation is the evaluator's (`billing_spec.evaluate`); this module pairs its results. It is
pure: no clock, and each path is read once per catalog (so standard input, which cannot be read
twice, is refused: E821).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
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
    Impact,
    PeriodImpact,
)
from billing_spec.plan.model import Finding, Plan
from billing_spec.render.display import credit_type as display_credit_type

if TYPE_CHECKING:
    from billing_spec.compile import CompiledCatalog
    from billing_spec.evaluate import Invoices

__all__ = [
    "Compared",
    "ContractImpact",
    "CreditTypeTotal",
    "Impact",
    "PeriodImpact",
    "compare_invoices",
    "increase_findings",
    "invoice_impact",
    "with_impact",
]

STDIN = "-"


# --- computing it -------------------------------------------------------------------------------


def with_impact(
    plan: Plan,
    events_paths: Iterable[str | os.PathLike[str]],
    *,
    through: datetime | None = None,
    fail_on_increase_pct: Decimal | None = None,
) -> tuple[Plan | None, list[Diagnostic]]:
    """`plan` with the invoice impact of its change on the events (`plan.impact`).

    With `fail_on_increase_pct`, each contract whose invoices rise by more than that percent
    adds an error finding (E820), which refuses the plan. None and the diagnostics when the
    events cannot be read.
    """
    renames = {c.previous_address: c.address for c in plan.changes if c.previous_address}
    impact, diagnostics = invoice_impact(
        plan.prior_catalog(), plan.desired, events_paths, through=through, renames=renames
    )
    if impact is None:
        return None, diagnostics
    findings = plan.findings
    if fail_on_increase_pct is not None:
        findings += increase_findings(impact, fail_on_increase_pct)
    return replace(plan, impact=impact, findings=findings), diagnostics


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
    new, diagnostics = _evaluate(desired, paths, through)
    if new is None:
        return None, diagnostics
    old, old_diagnostics = _evaluate(applied, paths, through)
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
    catalog: CompiledCatalog, paths: tuple[str, ...], through: datetime | None
) -> tuple[Invoices | None, list[Diagnostic]]:
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events

    stream = read_events(paths)
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
    return tuple(_contract(key, names[key], totals[key]) for key in sorted(totals))


def _renamed(renames: Mapping[str, str], type_: str, name: str) -> str:
    return renames.get(f"{type_}.{name}", f"{type_}.{name}").partition(".")[2]


def _contract(
    key: _Key,
    names: tuple[str | None, str | None],
    periods: dict[tuple[datetime, datetime], list[Decimal | None]],
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
    )
