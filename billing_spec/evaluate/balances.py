"""Balances: the credits-and-commits burn-down, a pure function over (charges, grants).

This module owns which commit or credit pays for which line item, and how much: `burn_down`
takes every invoice's charges (in billing order) and every grant (one access-schedule segment
of a commit or credit) and returns the exact amount each grant applies to each charge, per-invoice
balance statements and what remains. No I/O, no clock, `Decimal` only; the amounts are exact
(the caller rounds, DESIGN.md "Pricing semantics": "a balance is applied in exact amounts").
Invoice lines, rounding and presentation (a POSTPAID application is not in the invoice total,
metronome-contracts.md 1.11) are the caller's.

The rules are Metronome's (reference/metronome-contracts.md; citation keys D-CC, D-TGT, D-PRIO):

**Eligibility** (1.6). A charge may draw a grant when it has the same credit type, its window
`[starting_at, ending_before)` lies inside the grant's access window ("only usage falling within
the range consumes the credit or commit"; so a balance expires at its `ending_before`), its
amount is > 0, and the grant applies to it:

- no `applicable_products`, `applicable_product_tags` or `specifiers`: every usage, subscription
  and composite charge;
- `applicable_products` / `applicable_product_tags`: the charge's product is listed **or** carries
  **any** listed tag;
- `specifiers`: **any** specifier matches; within one, every given field must hold: `product`
  equal, `product_tags` **all** on the product, `pricing_group_values` and
  `presentation_group_values` a subset of the charge's; a specifier with group values never
  matches a subscription or composite charge.

An empty collection counts as not given (as `catalog.checks.site.given` reads `[]`). Both kinds of
applicability on one grant is refused (`ValueError`; the catalog reports it as E611).

**Grant order** (1.7, D-PRIO "Overall burn-down order" and "Prepaid commits and credits"), one
order for every charge since each level is a property of the grant:

1. type: rollover (postpaid rollover before other rollover, 1.7.3) → PREPAID and CREDIT as one
   pool → POSTPAID; "commit type always takes precedence over priority";
2. `priority`, lower first, none after every number;
3. cost basis: free (zero) before paid — not a level among rollover commits (1.7.3 lists none);
4. product applicability: fewest products of the contract the grant can apply to (by product
   and tags only; no applicability = all of them);
5. usage applicability: fewest specifiers carrying group values;
6. earlier `ending_before`; 7. earlier `starting_at`; 8. the caller's `order`, then `id`
   (billing-spec's own tie-break: Metronome's last level, "fewest applicable contracts", cannot
   differ within one contract).

**Line order** (1.7.4, D-PRIO "Line item prioritization"), within an invoice: usage → subscription
→ composite; then earlier line start; then higher unit price (a tiered line, with none, ranks as
0); then name A→Z; then input order. Each charge in turn draws from its eligible grants in grant
order until it is covered or they are empty; "the same usage can apply against only one commit or
credit" (1.7.5), so what a charge drew is gone for the next, and balances carry to later invoices
until they expire. POSTPAID grants come last, so they count only what prepaid balances and
credits left uncovered.

Worked example, Metronome's (D-CC info box): one invoice with a $500 usage line (50000 cents), a
$400 PREPAID commit and a $400 POSTPAID commit both covering it:

    prepaid  (PREPAID before POSTPAID): draws min(50000, 40000) = 40000, remaining 0
    postpaid (what is left uncovered):  draws min(50000 - 40000, 40000) = 10000, remaining 30000

    applied    = {line: (Application(prepaid, 40000), Application(postpaid, 10000))}
    statements = ({"prepaid": (40000, 0), "postpaid": (10000, 30000)},)
    remaining  = {"prepaid": 0, "postpaid": 30000}

The caller bills the $100 the postpaid commit counted (it is still charged) and, at the commit's
end, a true-up for the $300 not reached.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from billing_spec.money import EXACT, SUMS, ZERO

# Exact or an error: `SUMS` traps Inexact, so no application or balance is ever rounded.
_EXACT = SUMS

PREPAID, POSTPAID, CREDIT = "PREPAID", "POSTPAID", "CREDIT"
_KIND_RANK = {"usage": 0, "subscription": 1, "composite": 2}


@dataclass(frozen=True)
class GrantSpecifier:
    """A Metronome commit specifier (SDK-SPEC): the fields given are ANDed."""

    product: str | None = None
    product_tags: frozenset[str] | None = None
    pricing_group_values: Mapping[str, str] | None = None
    presentation_group_values: Mapping[str, str] | None = None

    @property
    def has_group_values(self) -> bool:
        """Whether it narrows usage by group values (D-PRIO "usage applicability")."""
        return bool(self.pricing_group_values) or bool(self.presentation_group_values)


@dataclass(frozen=True)
class Grant:
    """One access-schedule segment of a commit or credit (metronome-contracts.md 1.6)."""

    id: str
    type: str
    product: str
    name: str
    credit_type: str
    amount: Decimal
    starting_at: datetime
    ending_before: datetime
    priority: Decimal | None = None
    free: bool = False
    applicable_products: frozenset[str] | None = None
    applicable_product_tags: frozenset[str] | None = None
    specifiers: tuple[GrantSpecifier, ...] | None = None
    rollover: bool = False
    order: int = 0
    rate_type: str = "LIST_RATE"
    """COMMIT_RATE: the lines it covers are priced at their `commit_amount` where they have one
    (D-DISC "commit rates")."""


@dataclass(frozen=True)
class Charge:
    """A line item a balance may draw down; `amount` is its cost before balances."""

    id: Hashable
    kind: str
    product: str
    product_tags: frozenset[str]
    pricing_group_values: Mapping[str, str | None]
    presentation_group_values: Mapping[str, str | None]
    name: str
    credit_type: str
    starting_at: datetime
    ending_before: datetime
    unit_price: Decimal | None
    amount: Decimal
    commit_amount: Decimal | None = None
    """What the whole line costs at its commit rate (None: it has none, the list price applies
    whatever the balance)."""


@dataclass(frozen=True)
class Application:
    """`amount` (exact, > 0) of `grant` applied to a charge, covering `covers` of the charge's
    `amount` (the same, except where a COMMIT_RATE grant prices the part it covers at the
    charge's commit rate)."""

    grant: Grant
    amount: Decimal
    covers: Decimal | None = None

    @property
    def covered(self) -> Decimal:
        """How much of the charge's list `amount` this application covers."""
        return self.amount if self.covers is None else self.covers


@dataclass(frozen=True)
class BurnDown:
    """What `burn_down` decided.

    `applied`: charge id -> its applications in the order made (only charges drawn);
    `statements`: one per input invoice, grant id -> (applied on that invoice, remaining after
    it), only the grants drawn there; `remaining`: grant id -> remaining after all invoices.
    """

    applied: Mapping[Hashable, tuple[Application, ...]]
    statements: tuple[Mapping[str, tuple[Decimal, Decimal]], ...]
    remaining: Mapping[str, Decimal]


def burn_down(
    invoices: Sequence[Sequence[Charge]],
    grants: Sequence[Grant],
    products: Mapping[str, frozenset[str]],
) -> BurnDown:
    """Apply `grants` to the charges of `invoices`, Metronome's burn-down (module docstring).

    `invoices`: each invoice's charges, invoices in the order they are billed (time order);
    `products`: every product the contract can bill -> its tags (to count a grant's applicable
    products, D-PRIO "product applicability").
    """
    _check(invoices, grants)
    ordered = sorted(grants, key=lambda grant: grant_rank(grant, products))
    balance = {grant.id: grant.amount for grant in grants}
    applied: dict[Hashable, tuple[Application, ...]] = {}
    statements = []
    for charges in invoices:
        drawn: dict[str, Decimal] = {}
        for charge in sorted(charges, key=line_rank):
            made = _draw(charge, ordered, balance)
            if made:
                applied[charge.id] = made
            for application in made:
                grant_id = application.grant.id
                drawn[grant_id] = _EXACT.add(drawn.get(grant_id, ZERO), application.amount)
        statement = {grant_id: (amount, balance[grant_id]) for grant_id, amount in drawn.items()}
        statements.append(MappingProxyType(statement))
    return BurnDown(MappingProxyType(applied), tuple(statements), MappingProxyType(balance))


def _draw(
    charge: Charge, ordered: Sequence[Grant], balance: dict[str, Decimal]
) -> tuple[Application, ...]:
    """Cover `charge` from its eligible grants in grant order; updates `balance`."""
    need = charge.amount
    made = []
    for grant in ordered:
        if need <= ZERO:
            break
        left = balance[grant.id]
        if left <= ZERO or not eligible(charge, grant):
            continue
        ratio = _commit_ratio(charge, grant)
        if ratio is None:
            amount = min(need, left)
            balance[grant.id] = _EXACT.subtract(left, amount)
            need = _EXACT.subtract(need, amount)
            made.append(Application(grant, amount))
            continue
        # priced at the commit rate: `ratio` of the grant's money per unit of list money
        cost = EXACT.multiply(need, ratio)
        amount, covers = (cost, need) if cost <= left else (left, EXACT.divide(left, ratio))
        balance[grant.id] = _EXACT.subtract(left, amount)
        need = _EXACT.subtract(need, covers)
        made.append(Application(grant, amount, covers))
    return tuple(made)


def _commit_ratio(charge: Charge, grant: Grant) -> Decimal | None:
    """Grant money per list money where `grant` prices `charge` at its commit rate, else None."""
    if grant.rate_type != "COMMIT_RATE" or charge.commit_amount is None:
        return None
    return EXACT.divide(charge.commit_amount, charge.amount)  # may not end: 50 digits


def eligible(charge: Charge, grant: Grant) -> bool:
    """Whether `charge` may draw `grant` (metronome-contracts.md 1.6), its balance aside."""
    return (
        charge.amount > ZERO
        and charge.credit_type == grant.credit_type
        and grant.starting_at <= charge.starting_at
        and charge.ending_before <= grant.ending_before
        and applies(charge, grant)
    )


def applies(charge: Charge, grant: Grant) -> bool:
    """Whether the grant's applicability (products, tags or specifiers) takes the charge."""
    if grant.specifiers:
        return any(_specifier_matches(charge, spec) for spec in grant.specifiers)
    if grant.applicable_products or grant.applicable_product_tags:
        return charge.product in (grant.applicable_products or ()) or bool(
            charge.product_tags & (grant.applicable_product_tags or frozenset())
        )
    return charge.kind in _KIND_RANK


def _specifier_matches(charge: Charge, spec: GrantSpecifier) -> bool:
    if spec.has_group_values and charge.kind != "usage":
        return False  # "specifiers with group values never match subscriptions/composites"
    return (
        _product_matches(charge.product, charge.product_tags, spec)
        and _subset(spec.pricing_group_values, charge.pricing_group_values)
        and _subset(spec.presentation_group_values, charge.presentation_group_values)
    )


def _product_matches(product: str, tags: frozenset[str], spec: GrantSpecifier) -> bool:
    return (spec.product is None or spec.product == product) and (
        not spec.product_tags or spec.product_tags <= tags
    )


def _subset(wanted: Mapping[str, str] | None, values: Mapping[str, str | None]) -> bool:
    return all(key in values and values[key] == value for key, value in (wanted or {}).items())


def grant_rank(grant: Grant, products: Mapping[str, frozenset[str]]) -> tuple:
    """The grant's place in burn-down order, smaller first (D-PRIO; module docstring)."""
    priority = (1, ZERO) if grant.priority is None else (0, grant.priority)
    cost_basis = 0 if grant.rollover or grant.free else 1
    return (
        _type_rank(grant),
        priority,
        cost_basis,
        product_count(grant, products),
        sum(1 for spec in grant.specifiers or () if spec.has_group_values),
        grant.ending_before,
        grant.starting_at,
        grant.order,
        grant.id,
    )


def _type_rank(grant: Grant) -> int:
    if grant.rollover:
        return 0 if grant.type == POSTPAID else 1
    return 2 if grant.type in (PREPAID, CREDIT) else 3


def product_count(grant: Grant, products: Mapping[str, frozenset[str]]) -> int:
    """How many of the contract's products the grant can apply to, windows and groups aside."""
    if grant.specifiers:
        return sum(
            any(_product_matches(name, tags, spec) for spec in grant.specifiers)
            for name, tags in products.items()
        )
    if grant.applicable_products or grant.applicable_product_tags:
        listed = grant.applicable_products or frozenset()
        wanted = grant.applicable_product_tags or frozenset()
        return sum(name in listed or bool(tags & wanted) for name, tags in products.items())
    return len(products)


def line_rank(charge: Charge) -> tuple:
    """The charge's place in line-item order within its invoice (D-PRIO; module docstring)."""
    unit_price = ZERO if charge.unit_price is None else charge.unit_price
    return (_KIND_RANK[charge.kind], charge.starting_at, -unit_price, charge.name)


def _check(invoices: Sequence[Sequence[Charge]], grants: Sequence[Grant]) -> None:
    """Refuse what the burn-down cannot decide: bad kinds or types, repeated ids, mixed rules."""
    ids = [grant.id for grant in grants]
    if len(set(ids)) != len(ids):
        raise ValueError("grant ids repeat")
    for grant in grants:
        if grant.type not in (PREPAID, POSTPAID, CREDIT):
            raise ValueError(f"grant {grant.id}: unknown type {grant.type!r}")
        if grant.specifiers and (grant.applicable_products or grant.applicable_product_tags):
            raise ValueError(f"grant {grant.id}: specifiers with applicable products or tags")
    seen: set[Hashable] = set()
    for charge in (charge for charges in invoices for charge in charges):
        if charge.kind not in _KIND_RANK:
            raise ValueError(f"charge {charge.id!r}: unknown kind {charge.kind!r}")
        if charge.id in seen:
            raise ValueError(f"charge {charge.id!r} repeats")
        seen.add(charge.id)
