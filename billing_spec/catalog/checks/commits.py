"""Commit, credit and scheduled-charge rules (E6xx), Metronome's rules for contract balances.

- Commits, credits and scheduled charges are invoiced under a FIXED product (E610).
- What a commit or credit applies to is `applicable_products` / `applicable_product_tags` or
  `specifiers`, never both (E611); the products they name are on the contract's rate card (E604).
  With none of them, it applies to every product.
- Amounts are > 0 (E612): access schedule items, invoice schedule items and recurring schedules
  (`amount`, `unit_price`, `quantity`). A schedule item is `amount` alone (quantity 1) or
  `unit_price` with `quantity`, never both (E613); a schedule is `schedule_items` or a
  `recurring_schedule`, exactly one (E614). Access windows and recurring schedules start before
  they end (E601).
- A POSTPAID commit is a minimum spend: exactly one access item and exactly one invoice item (the
  true-up date) with the same amount (E615).
- `rollover_fraction` is a fraction from 0 to 1 (E616).
- Recurring commits and credits follow the same rules: a FIXED product (E610), applicability
  (E611, E604), `access_amount` and `invoice_amount` with a `unit_price` and `quantity` > 0
  (E612), and a term that starts before it ends (E601).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from billing_spec.catalog.checks.site import Site, a, check_on_card, check_window, given
from billing_spec.catalog.enums import CommitType, ProductType
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import Commit, Contract, PaymentSchedule, RecurringCommit
from billing_spec.diagnostics import Diagnostic
from billing_spec.money import EXACT


def check_balances(
    spec: CatalogSpec, site: Site, contract: Contract, card: frozenset[str] | None
) -> Iterator[Diagnostic]:
    """Commits, credits and scheduled charges of one contract."""
    for i, commit in enumerate(contract.commits):
        here = site.at("commits", i)
        yield from _balance(spec, here, commit, card)
        yield from _commit(here, commit)
    for i, credit in enumerate(contract.credits):
        yield from _balance(spec, site.at("credits", i), credit, card)
    for field in ("recurring_commits", "recurring_credits"):
        for i, recurring in enumerate(getattr(contract, field)):
            yield from _recurring(spec, site.at(field, i), recurring, card)
    for i, charge in enumerate(contract.scheduled_charges):
        here = site.at("scheduled_charges", i)
        yield from _fixed_product(spec, here, charge.product, "scheduled charge")
        yield from _schedule(here.at("schedule"), charge.schedule)


def _balance(
    spec: CatalogSpec, site: Site, balance: Any, card: frozenset[str] | None
) -> Iterator[Diagnostic]:
    kind = "commit" if isinstance(balance, Commit) else "credit"
    yield from _fixed_product(spec, site, balance.product, kind)
    yield from _applicability(site, balance, card)
    for j, item in enumerate(balance.access_schedule.schedule_items):
        here = site.at("access_schedule", "schedule_items", j)
        yield from _positive(here, item, "amount")
        yield from check_window(here, "E601", item, "the access window")


def _recurring(
    spec: CatalogSpec, site: Site, recurring: Any, card: frozenset[str] | None
) -> Iterator[Diagnostic]:
    kind = "recurring commit" if isinstance(recurring, RecurringCommit) else "recurring credit"
    yield from _fixed_product(spec, site, recurring.product, kind)
    yield from _applicability(site, recurring, card)
    yield from check_window(site, "E601", recurring, f"the {kind}")
    for field in ("access_amount", "invoice_amount"):
        amount = getattr(recurring, field, None)
        if amount is not None:
            for name in ("unit_price", "quantity"):
                yield from _positive(site.at(field), amount, name)


def _applicability(site: Site, balance: Any, card: frozenset[str] | None) -> Iterator[Diagnostic]:
    for j, product in enumerate(balance.applicable_products or ()):
        yield from check_on_card(site, product, card, "applicable_products", j)
    for j, specifier in enumerate(balance.specifiers or ()):
        yield from check_on_card(site, specifier.product, card, "specifiers", j, "product")
    applicable = [
        n for n in ("applicable_products", "applicable_product_tags") if given(balance, n)
    ]
    if applicable and given(balance, "specifiers"):
        yield site.error(
            "E611",
            f"`specifiers` cannot be combined with `{applicable[0]}`",
            "specifiers",
            key=True,
            hint="use applicable_products/applicable_product_tags or specifiers",
        )


def _fixed_product(
    spec: CatalogSpec, site: Site, product_id: str, kind: str
) -> Iterator[Diagnostic]:
    product = spec.section("products").get(product_id)
    if product is not None and product.type is not ProductType.FIXED:
        yield site.error(
            "E610",
            f"{a(kind)} is invoiced under a FIXED product; {product_id!r} is {product.type}",
            "product",
            hint='define a FIXED product for it (e.g. `type: FIXED`, name "Prepaid '
            'commit"); what it applies to goes in applicable_products',
        )


def _commit(site: Site, commit: Commit) -> Iterator[Diagnostic]:
    if commit.invoice_schedule is not None:
        yield from _schedule(site.at("invoice_schedule"), commit.invoice_schedule)
    fraction = commit.rollover_fraction
    if fraction is not None and not 0 <= fraction <= 1:
        yield site.error(
            "E616",
            f"rollover_fraction is a fraction from 0 to 1, not {fraction}",
            "rollover_fraction",
            hint="0.5 rolls half the unused balance over",
        )
    if commit.type is CommitType.POSTPAID:
        yield from _postpaid(site, commit)


def _postpaid(site: Site, commit: Commit) -> Iterator[Diagnostic]:
    access = commit.access_schedule.schedule_items
    if len(access) != 1:
        yield site.error(
            "E615",
            f"a POSTPAID commit has exactly one access item, not {len(access)}",
            "access_schedule",
            "schedule_items",
            key=True,
            hint="write one POSTPAID commit per commitment period",
        )
    schedule = commit.invoice_schedule
    if schedule is None:
        yield site.error(
            "E615",
            "a POSTPAID commit needs an `invoice_schedule` with one item: the true-up date",
            "type",
            hint="add `invoice_schedule: {schedule_items: [{timestamp: ..., amount: "
            "...}]}` with the access item's amount",
        )
        return
    items = schedule.schedule_items
    if schedule.recurring_schedule is not None or len(items) != 1:
        where = ("recurring_schedule",) if schedule.recurring_schedule else ("schedule_items",)
        yield site.error(
            "E615",
            "a POSTPAID commit's invoice_schedule has exactly one schedule item: the true-up date",
            "invoice_schedule",
            *where,
            key=True,
            hint="one item, with the same amount as the access item",
        )
        return
    invoiced = _item_total(items[0])
    if len(access) == 1 and invoiced is not None and invoiced != access[0].amount:
        yield site.error(
            "E615",
            f"the invoice item ({invoiced}) does not match the access item ({access[0].amount})",
            "invoice_schedule",
            "schedule_items",
            0,
            hint="a POSTPAID commit invoices the shortfall up to the committed "
            "amount; use the same amount in both",
        )


def _item_total(item: Any) -> Decimal | None:
    if item.amount is not None:
        return item.amount
    if item.unit_price is not None and item.quantity is not None:
        return EXACT.multiply(item.unit_price, item.quantity)
    return None


# --- schedules ------------------------------------------------------------------------------


def _schedule(site: Site, schedule: PaymentSchedule) -> Iterator[Diagnostic]:
    has_items, recurring = bool(schedule.schedule_items), schedule.recurring_schedule
    if has_items and recurring is not None:
        yield site.error(
            "E614",
            "a schedule has `schedule_items` or a `recurring_schedule`, not both",
            "recurring_schedule",
            key=True,
            hint="move the dated items into a second scheduled charge or commit",
        )
    elif not has_items and recurring is None:
        yield site.error(
            "E614",
            "a schedule needs `schedule_items` or a `recurring_schedule`",
            key=True,
            hint="e.g. `schedule_items: [{timestamp: 2026-10-01T00:00:00Z, amount: 50000}]`",
        )
    for i, item in enumerate(schedule.schedule_items):
        yield from _amounts(site.at("schedule_items", i), item)
    if recurring is not None:
        here = site.at("recurring_schedule")
        yield from check_window(here, "E601", recurring, "the recurring schedule")
        yield from _amounts(here, recurring)


def _amounts(site: Site, item: Any) -> Iterator[Diagnostic]:
    if item.amount is not None and (item.unit_price is not None or item.quantity is not None):
        other = "unit_price" if item.unit_price is not None else "quantity"
        yield site.error(
            "E613",
            f"`amount` cannot be combined with `{other}`",
            other,
            key=True,
            hint="give `amount` alone, or `unit_price` and `quantity`",
        )
    elif item.amount is None and (item.unit_price is None or item.quantity is None):
        present = [n for n in ("unit_price", "quantity") if getattr(item, n) is not None]
        hint = "`amount: 50000` alone means unit_price 50000 and quantity 1"
        if present:
            missing = "quantity" if present == ["unit_price"] else "unit_price"
            yield site.error(
                "E613",
                f"`{present[0]}` needs `{missing}` beside it",
                present[0],
                key=True,
                hint=hint,
            )
        else:
            yield site.error(
                "E613", "the item needs `amount`, or `unit_price` and `quantity`", hint=hint
            )
    for name in ("amount", "unit_price", "quantity"):
        yield from _positive(site, item, name)


def _positive(site: Site, item: Any, name: str) -> Iterator[Diagnostic]:
    value = getattr(item, name)
    if value is not None and value <= 0:
        yield site.error(
            "E612",
            f"{name} must be greater than 0, not {value}",
            name,
            hint="amounts are in the credit type's base unit (USD: cents)",
        )
