"""The balance step: a contract's commits and credits drawn down by its invoices' lines.

Runs after every step that produces charges. For each contract it turns each access-schedule
item of its commits and credits (and each recurrence of its recurring ones) into a `Grant`,
hands the drawable lines (usage, subscription, composite; in billing order) to
`balances.burn_down`, and writes the result back in Metronome's invoice shape:

- a line a PREPAID commit or a credit draws is split into the covered part (`commit_id` names
  the balance; its total is the applied amount rounded once), an `applied_commit_or_credit` line
  of minus that total naming the balance, and the uncovered rest (the line's total less the
  covered totals), as in Metronome's example: usage 10 × $1 with $4 left on a commit is
  `usage 4 ($4.00)`, `applied −$4.00`, `usage 6 ($6.00)`: total $6.00. The parts' quantities are
  the line's quantity in proportion to their amounts; a tiered line's tier breakdown stays on
  it when one balance covers all of it, and is left off parts;
- a POSTPAID commit takes what prepaid balances left uncovered: that usage is billed as usual
  and counts toward the commitment (Metronome leaves POSTPAID applications out of the invoice
  total), and on the commitment's invoice date a `postpaid_trueup` line bills the shortfall
  (commitment − usage counted in its access window) on a SCHEDULED invoice (or on the usage
  invoice ending then, with `scheduled_charges_on_usage_invoices: ALL`);
- each invoice lists, per balance it touched, the amount applied and what remains after it
  (`balances`; an extension: Metronome keeps these on the commit).

Balance identifiers are stable across runs: `commits[0]`, `credits[1]`, with `/1` for the second
access item of a schedule (`commits[0]/1`) and `recurring_credits[0]/3` for a recurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing_spec.catalog.models import Commit, Contract
from billing_spec.compile import CompiledCatalog
from billing_spec.evaluate import recurring
from billing_spec.evaluate.balances import Application, Charge, Grant, GrantSpecifier, burn_down
from billing_spec.evaluate.charges import scheduled_placement
from billing_spec.evaluate.invoices import AppliedBalance, BalanceUse, LineItem
from billing_spec.evaluate.plan import ContractPlan
from billing_spec.evaluate.statements import InvoiceKey, Statements
from billing_spec.money import ZERO, exact, round_money, shown

DRAWABLE = ("usage", "subscription", "composite")
APPLIED = "applied_commit_or_credit"
TRUEUP = "postpaid_trueup"


@dataclass(frozen=True)
class Term:
    """A grant, and for a POSTPAID commit the date its shortfall is trued up."""

    grant: Grant
    trueup_at: datetime | None = None


def balance_step(catalog: CompiledCatalog, statements: Statements) -> None:
    """Draw every contract's commits and credits down (module docstring)."""
    for contract in statements.contracts():
        terms = grants_of(catalog, contract, statements)
        if terms:
            _draw(catalog, statements, contract, terms)


def grants_of(
    catalog: CompiledCatalog, contract: ContractPlan, statements: Statements
) -> list[Term]:
    """The contract's balances as grants: one per access-schedule item of its commits and
    credits, then one per recurrence of its recurring ones."""
    spec = catalog.section("contracts")[contract.id]
    terms: list[Term] = []
    for field, items in (("commits", spec.commits), ("credits", spec.credits)):
        for i, balance in enumerate(items):
            kind = str(getattr(balance, "type", None) or "CREDIT")
            free = kind == "CREDIT" or (kind == "PREPAID" and balance.invoice_schedule is None)
            trueup = _trueup_date(balance) if kind == "POSTPAID" else None
            credit_type = balance.access_schedule.credit_type
            for j, item in enumerate(balance.access_schedule.schedule_items):
                window = (item.amount, item.starting_at, item.ending_before)
                grant_id = f"{field}[{i}]" + (f"/{j}" if j else "")
                grant = _grant(catalog, balance, grant_id, kind, free, credit_type, window)
                terms.append(Term(replace(grant, order=len(terms)), trueup))
    for field, i, term, recurrence in recurrences(spec, contract, statements):
        credit = field == "recurring_credits"
        free = credit or getattr(term, "invoice_amount", None) is None
        window = (recurrence.amount, recurrence.starting_at, recurrence.ending_before)
        grant_id = f"{field}[{i}]/{recurrence.index}"
        kind = "CREDIT" if credit else "PREPAID"
        grant = _grant(catalog, term, grant_id, kind, free, term.access_amount.credit_type, window)
        terms.append(Term(replace(grant, order=len(terms))))
    return terms


def _grant(
    catalog: CompiledCatalog,
    term: Any,
    grant_id: str,
    kind: str,
    free: bool,
    credit_type: str | None,
    window: tuple[Decimal, datetime, datetime],
) -> Grant:
    """A grant of `term` (a commit, credit, or recurring one): its amount and access window."""
    amount, starting_at, ending_before = window
    return Grant(
        id=grant_id,
        type=kind,
        product=term.product,
        name=term.name or catalog.section("products")[term.product].name,
        credit_type=catalog.credit_type(credit_type).id,
        amount=amount,
        starting_at=starting_at,
        ending_before=ending_before,
        priority=term.priority,
        free=free,
        applicable_products=_set(term.applicable_products),
        applicable_product_tags=_set(term.applicable_product_tags),
        specifiers=_specifiers(term.specifiers),
        rate_type=str(term.rate_type or "LIST_RATE"),
    )


def recurrences(spec: Contract, contract: ContractPlan, statements: Statements):
    """(field, index in it, recurring term, `recurring.RecurringGrant`) for every recurrence
    of the contract's recurring commits and credits that starts before its horizon."""
    horizon = statements.end_of(contract)
    for field in ("recurring_commits", "recurring_credits"):
        for i, term in enumerate(getattr(spec, field)):
            for grant in recurring.grants_of(
                term, contract.start, contract.end, contract.schedule, horizon=horizon
            ):
                if grant.starting_at < horizon:
                    yield field, i, term, grant


def recurring_purchases(catalog: CompiledCatalog, statements: Statements) -> None:
    """Each recurrence of a recurring commit with an `invoice_amount` is a `commit_purchase`
    line, dated at the recurrence's start, on a SCHEDULED invoice (or the usage invoice ending
    then, with `scheduled_charges_on_usage_invoices: ALL`)."""
    products = catalog.section("products")
    for contract in statements.contracts():
        spec = catalog.section("contracts")[contract.id]
        if not spec.recurring_commits:
            continue
        for field, _, term, grant in recurrences(spec, contract, statements):
            if field != "recurring_commits" or grant.invoice_amount is None:
                continue
            credit_type = catalog.credit_type(term.invoice_amount.credit_type)
            line = LineItem(
                type="commit_purchase",
                product=term.product,
                name=term.name or products[term.product].name,
                credit_type=credit_type,
                starting_at=grant.starting_at,
                ending_before=grant.starting_at,
                quantity=Decimal(1),
                total=round_money(grant.invoice_amount, credit_type),
                unit_price=grant.invoice_amount,
            )
            _place(statements, contract, grant.starting_at).append(line)


def _set(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _specifiers(specifiers) -> tuple[GrantSpecifier, ...] | None:
    if specifiers is None:
        return None
    return tuple(
        GrantSpecifier(
            product=s.product,
            product_tags=_set(s.product_tags),
            pricing_group_values=s.pricing_group_values,
            presentation_group_values=s.presentation_group_values,
        )
        for s in specifiers
    )


def _trueup_date(commit: Commit) -> datetime | None:
    schedule = commit.invoice_schedule
    if schedule is None or not schedule.schedule_items:
        return None
    return schedule.schedule_items[0].timestamp


def _draw(
    catalog: CompiledCatalog, statements: Statements, contract: ContractPlan, terms: list[Term]
) -> None:
    invoices = statements.of_contract(contract)
    charges = [
        [_charge((n, k), line) for k, line in enumerate(lines) if line.type in DRAWABLE]
        for n, (_, lines) in enumerate(invoices)
    ]
    on_card = _card(catalog, contract)
    products = {
        pid: frozenset(p.tags) for pid, p in catalog.section("products").items() if pid in on_card
    }
    result = burn_down(charges, [t.grant for t in terms], products)
    for n, (key, lines) in enumerate(invoices):
        lines[:] = _split_lines(n, lines, result.applied)
        _record(catalog, statements, key, result.statements[n], terms)
    _trueups(catalog, statements, contract, terms, result)


def _card(catalog: CompiledCatalog, contract: ContractPlan) -> set[str]:
    card = catalog.section("rate_cards")[contract.content["rate_card"]]
    return {rate.product for rate in card.rates}


def _charge(key: tuple[int, int], line: LineItem) -> Charge:
    return Charge(
        id=key,
        kind=line.type,
        product=line.product,
        product_tags=frozenset(line.product_tags),
        pricing_group_values=line.pricing_group_values,
        presentation_group_values=line.presentation_group_values,
        name=line.name,
        credit_type=line.credit_type.id,
        starting_at=line.starting_at,
        ending_before=line.ending_before,
        unit_price=line.unit_price,
        amount=line.total,
        commit_amount=line.commit_amount,
    )


def _split_lines(
    n: int, lines: list[LineItem], applied: dict[Any, tuple[Application, ...]]
) -> list[LineItem]:
    out: list[LineItem] = []
    for k, line in enumerate(lines):
        uses = [a for a in applied.get((n, k), ()) if a.grant.type != "POSTPAID"]
        if not uses:
            out.append(line)
            continue
        out += _split(line, uses)
    return out


def _split(line: LineItem, uses: list[Application]) -> list[LineItem]:
    """The covered parts with their applied lines, then the uncovered rest. A part's quantity
    is the line's in proportion to the list amount it covers (as shown: `money.shown`); the
    last part takes what is left, so the parts' quantities add up to the line's exactly. A part a
    COMMIT_RATE balance covers is priced at the commit rate (its total is what the balance
    pays); the rest stays at the line's price."""
    parts: list[tuple[Decimal, Decimal, Application | None]] = []  # (list share, total, use)
    covered = ZERO
    for use in uses:
        share = round_money(use.covered, line.credit_type)
        covered += share
        parts.append((share, round_money(use.amount, line.credit_type), use))
    rest = line.total - covered
    if rest:
        parts.append((rest, rest, None))
    out: list[LineItem] = []
    quantity_left = line.quantity
    for n, (share, total, use) in enumerate(parts):
        quantity = quantity_left if n == len(parts) - 1 else _quantity(line, share, use)
        quantity_left -= quantity
        out.append(_part(line, quantity, total, use))
        if use is not None:
            out.append(_applied(line, use, total))
    return out


def _part(line: LineItem, quantity: Decimal, total: Decimal, use: Application | None) -> LineItem:
    commit_rated = use is not None and use.covers is not None
    whole = quantity == line.quantity and total == line.total  # one balance covers it all
    return replace(
        line,
        quantity=quantity,
        total=total,
        tiers=line.tiers if whole else None,
        commit_id=None if use is None else use.grant.id,
        unit_price=line.commit_price if commit_rated else line.unit_price,
        extra=(("commit_rate", True),) if commit_rated else line.extra,
    )


def _quantity(line: LineItem, share: Decimal, use: Application | None) -> Decimal:
    """A part's quantity, as shown (`money.shown`): what a COMMIT_RATE balance paid over the
    commit price, else the line's quantity in proportion to the list amount covered."""
    if use is not None and use.covers is not None and line.commit_price:
        return shown(exact(use.amount) / exact(line.commit_price))
    if not line.total:
        return line.quantity
    covered = share if use is None else use.amount
    return shown(exact(line.quantity) * exact(covered) / exact(line.total))


def _applied(line: LineItem, use: Application, total: Decimal) -> LineItem:
    grant = use.grant
    return LineItem(
        type=APPLIED,
        product=grant.product,
        name=grant.name,
        credit_type=line.credit_type,
        starting_at=line.starting_at,
        ending_before=line.ending_before,
        quantity=Decimal(1),
        total=-total,
        applied_commit_or_credit=AppliedBalance(grant.id, grant.type, grant.product, grant.name),
    )


def _record(
    catalog: CompiledCatalog,
    statements: Statements,
    key: InvoiceKey,
    touched: dict[str, tuple[Decimal, Decimal]],
    terms: list[Term],
) -> None:
    """The invoice's `balances`: applied and remaining, each rounded to the credit type's unit
    for the reader (the exact remainder is what carries on: a prorated grant, a commit-rated
    share)."""
    by_id = {t.grant.id: t.grant for t in terms}
    for grant_id in touched:  # in the order they were first drawn on this invoice
        grant = by_id[grant_id]
        unit = catalog.credit_type(grant.credit_type)
        applied, remaining = (round_money(amount, unit) for amount in touched[grant_id])
        use = BalanceUse(grant.id, grant.type, grant.product, grant.name, applied, remaining)
        statements.balances.setdefault((key, grant.credit_type), []).append(use)


def _trueups(
    catalog: CompiledCatalog,
    statements: Statements,
    contract: ContractPlan,
    terms: list[Term],
    result,
) -> None:
    """Bill each POSTPAID commitment's shortfall on its invoice date."""
    end = statements.end_of(contract)
    for term in terms:
        grant, at = term.grant, term.trueup_at
        if grant.type != "POSTPAID" or at is None or at >= end:
            continue
        shortfall = result.remaining.get(grant.id, grant.amount)
        if shortfall <= 0:
            continue
        credit_type = catalog.credit_type(grant.credit_type)
        line = LineItem(
            type=TRUEUP,
            product=grant.product,
            name=grant.name,
            credit_type=credit_type,
            starting_at=grant.starting_at,
            ending_before=grant.ending_before,
            quantity=Decimal(1),
            total=round_money(shortfall, credit_type),
            unit_price=shortfall,
        )
        _place(statements, contract, at).append(line)


def _place(statements: Statements, contract: ContractPlan, at: datetime) -> list[LineItem]:
    """A dated charge's invoice, as scheduled charges are placed (`charges.scheduled_placement`:
    consolidated onto the usage invoice ending then with `scheduled_charges_on_usage_invoices:
    ALL`)."""
    consolidate = contract.content.get("scheduled_charges_on_usage_invoices") == "ALL"
    placement = scheduled_placement(at, statements.periods(contract), consolidate)
    return statements.place(contract, placement)
