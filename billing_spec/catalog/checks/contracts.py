"""Contract rules (E6xx): the contract's term and statement schedule, its overrides and its
subscriptions. Commits, credits and scheduled charges are in `commits.py`.

- Every window is `[starting_at, ending_before)`, so the start comes first (E601): the contract,
  its overrides, subscriptions, access windows and recurring schedules.
- `usage_statement_schedule.day: CUSTOM_DATE` needs a `billing_anchor_date`, and only it takes
  one (E602, E603).
- An override targets exactly one of `product`, `applicable_product_tags`,
  `override_specifiers` (E609), and the products it names are on the contract's rate card — the
  API answers "No such product in rate card" otherwise (E604).
- An override's fields follow its `type` (E605): MULTIPLIER needs `multiplier`, OVERWRITE needs
  `overwrite_rate`, TIERED needs `tiers`, and an override without a type changes entitlement only
  and needs `entitled`. Multipliers are >= 0 (E606). TIERED overrides need a `priority` and the
  contract's `multiplier_override_prioritization: EXPLICIT` (E607, E608); under EXPLICIT every
  MULTIPLIER and TIERED override needs a priority, and a priority is > 0 (E607). OVERWRITE
  overrides beat all others whatever their priority, so they need none.
- An OVERWRITE override names its product: Metronome refuses "product tags to target overwrite
  overrides", so `applicable_product_tags`, or a specifier with `product_tags` and no
  `product`, is an error (E626).
- A subscription's `subscription_rate` names a SUBSCRIPTION product (E618) that has a rate with
  that billing frequency on the contract's rate card (E617); `initial_quantity` is >= 0 (E619);
  BILL_IMMEDIATELY proration is for ADVANCE collection only (E621).
- A subscription's `quantity_updates` (Metronome's contract-edit shape) each give exactly one of
  `quantity` and `quantity_delta` (E622) and start inside the subscription's term, which
  defaults to the contract's (E623); applied in order of `starting_at`, the quantity never
  goes below 0 (E624). A QUANTITY_ONLY subscription (the default) needs `initial_quantity`
  (E102, as when the schema required it).
- A `quantity_management_mode: SEAT_BASED` subscription needs `seat_config` (E625; E625 refused
  SEAT_BASED outright before seats were supported). Each mode's fields are refused in the other
  (E630): `initial_quantity` and `quantity_updates` are QUANTITY_ONLY's, `seat_config` and
  `seat_updates` SEAT_BASED's. Replayed in the order `billing_spec.catalog.seats` applies them,
  seat updates start inside the subscription's term (E631); a seat ID is assigned once at a time
  (E632, also in `initial_seat_ids`); a removed seat ID is assigned then (E633; Metronome
  ignores it, but it is a typo or an ordering mistake more often than not); unassigned seats
  never go below 0 (E634, also `initial_unassigned_seats`); an unassigned-seat update's
  `quantity` is > 0 (E635, as Metronome's API requires).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from billing_spec.catalog.checks.commits import check_balances
from billing_spec.catalog.checks.rate_cards import check_rate_shape, check_tiers
from billing_spec.catalog.checks.site import (
    Site,
    a,
    check_on_card,
    check_window,
    given,
    products_on_card,
    sites,
    ts,
)
from billing_spec.catalog.enums import (
    CollectionSchedule,
    OverridePrioritization,
    OverrideType,
    ProductType,
    ProrationBehavior,
    QuantityManagementMode,
    StatementDay,
)
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import Contract, Override, Subscription
from billing_spec.catalog.seats import SeatChange, Seats, replay
from billing_spec.diagnostics import Diagnostic
from billing_spec.money import EXACT

_REQUIRED = {
    OverrideType.MULTIPLIER: "multiplier",
    OverrideType.OVERWRITE: "overwrite_rate",
    OverrideType.TIERED: "tiers",
    None: "entitled",
}
_TARGETS = ("product", "applicable_product_tags", "override_specifiers")


def check_contracts(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for site, contract in sites(spec, "contracts"):
        card = products_on_card(spec, contract.rate_card)
        yield from check_window(site, "E601", contract, "the contract")
        yield from _statement_schedule(site, contract)
        for i, override in enumerate(contract.overrides):
            yield from _override(site.at("overrides", i), contract, override, card)
        for i, subscription in enumerate(contract.subscriptions):
            yield from _subscription(spec, site.at("subscriptions", i), contract, subscription)
        yield from check_balances(spec, site, contract, card)


def _statement_schedule(site: Site, contract: Contract) -> Iterator[Diagnostic]:
    schedule = contract.usage_statement_schedule
    if schedule is None:
        return
    here = site.at("usage_statement_schedule")
    custom = schedule.day is StatementDay.CUSTOM_DATE
    if custom and schedule.billing_anchor_date is None:
        yield here.error(
            "E602",
            "day CUSTOM_DATE needs a `billing_anchor_date`",
            "day",
            hint="add `billing_anchor_date:`, the date statement periods align to",
        )
    elif not custom and schedule.billing_anchor_date is not None:
        yield here.error(
            "E603",
            f"`billing_anchor_date` applies with day CUSTOM_DATE only, not {schedule.day}",
            "billing_anchor_date",
            key=True,
            hint="set `day: CUSTOM_DATE`, or remove billing_anchor_date",
        )


# --- overrides ------------------------------------------------------------------------------


def _override(
    site: Site, contract: Contract, override: Override, card: frozenset[str] | None
) -> Iterator[Diagnostic]:
    yield from check_window(site, "E601", override, "the override")
    yield from _target(site, override)
    yield from check_on_card(site, override.product, card, "product")
    for j, specifier in enumerate(override.override_specifiers or ()):
        yield from check_on_card(site, specifier.product, card, "override_specifiers", j, "product")
    yield from _override_fields(site, override)
    yield from _override_priority(site, contract, override)
    yield from _overwrite_by_tags(site, override)


def _target(site: Site, override: Override) -> Iterator[Diagnostic]:
    targets = [name for name in _TARGETS if given(override, name)]
    if not targets:
        yield site.error(
            "E609",
            "an override needs a target: `product`, "
            "`applicable_product_tags` or `override_specifiers`",
            hint="add `product: <product id>`",
        )
    for name in targets[1:]:
        yield site.error(
            "E609",
            f"`{name}` cannot be combined with `{targets[0]}` in one override",
            name,
            key=True,
            hint="target one of them; write two overrides for both",
        )


def _overwrite_by_tags(site: Site, override: Override) -> Iterator[Diagnostic]:
    """E626: Metronome: "You cannot use product tags to target overwrite overrides"."""
    if override.type is not OverrideType.OVERWRITE:
        return
    hint = "name the product (`product:`); write one OVERWRITE override per product"
    if override.applicable_product_tags:
        yield site.error(
            "E626",
            "an OVERWRITE override cannot be targeted by product tags",
            "applicable_product_tags",
            key=True,
            hint=hint,
        )
    for j, specifier in enumerate(override.override_specifiers or ()):
        if specifier.product_tags and specifier.product is None:
            yield site.error(
                "E626",
                "an OVERWRITE override cannot be targeted by product tags",
                "override_specifiers",
                j,
                "product_tags",
                key=True,
                hint=hint,
            )


def _override_fields(site: Site, override: Override) -> Iterator[Diagnostic]:
    yield from _override_type(site, override)
    if override.multiplier is not None and override.multiplier < 0:
        yield site.error(
            "E606",
            f"multiplier must not be negative ({override.multiplier})",
            "multiplier",
            hint="0.9 is 10% off list, 0 makes the product free",
        )
    if override.overwrite_rate is not None:
        yield from check_rate_shape(site.at("overwrite_rate"), override.overwrite_rate)
    yield from _override_tiers(site, override)


def _override_type(site: Site, override: Override) -> Iterator[Diagnostic]:
    """E605: the type's own field is there, and no other type's."""
    kind = override.type
    shaped = [name for name in _BY_FIELD if given(override, name)]
    if kind is None and shaped:  # most likely a forgotten `type`
        for name in shaped:
            yield site.error(
                "E605",
                f"`{name}` needs `type: {_BY_FIELD[name]}`",
                name,
                key=True,
                hint=f"add `type: {_BY_FIELD[name]}` to the override",
            )
        return
    required = _REQUIRED[kind]
    described = f"{a(kind)} override" if kind else "an override without a `type`"
    if getattr(override, required) in (None, ()):
        yield site.error(
            "E605",
            f"{described} needs `{required}`",
            *(("type",) if kind else ()),
            hint=_NEEDS_HINT[required],
        )
    for name in shaped:
        if name != required:
            yield site.error(
                "E605",
                f"`{name}` does not apply to {described}",
                name,
                key=True,
                hint=f"remove {name}, or set `type: {_BY_FIELD[name]}`",
            )


_BY_FIELD = {field: kind for kind, field in _REQUIRED.items() if kind is not None}
_NEEDS_HINT = {
    "multiplier": "e.g. `multiplier: 0.9` for 10% off list",
    "overwrite_rate": "e.g. `overwrite_rate: {rate_type: FLAT, price: 40}`",
    "tiers": "e.g. `tiers: [{size: 1000, multiplier: 0.9}, {multiplier: 0.8}]`",
    "entitled": "add `entitled: true` to switch the product on (or false to switch it off), or "
    "give the override a `type`",
}


def _override_tiers(site: Site, override: Override) -> Iterator[Diagnostic]:
    tiers = override.tiers or ()
    yield from check_tiers(site, tiers, "multiplier")
    for i, tier in enumerate(tiers):
        if tier.multiplier < 0:
            yield site.error(
                "E606",
                f"multiplier must not be negative ({tier.multiplier})",
                "tiers",
                i,
                "multiplier",
                hint="0.9 is 10% off list",
            )


def _override_priority(site: Site, contract: Contract, override: Override) -> Iterator[Diagnostic]:
    explicit = contract.multiplier_override_prioritization is OverridePrioritization.EXPLICIT
    kind = override.type
    if kind is OverrideType.TIERED and not explicit:
        yield site.error(
            "E608",
            "a TIERED override needs the contract's `multiplier_override_prioritization: EXPLICIT`",
            "type",
            hint="add `multiplier_override_prioritization: EXPLICIT` to the contract",
        )
    ranked = kind is OverrideType.TIERED or (explicit and kind is OverrideType.MULTIPLIER)
    if ranked and override.priority is None:
        yield site.error(
            "E607",
            f"{a(kind)} override needs a `priority` here",
            "type",
            hint="add `priority: 1` (lower values apply first)",
        )
    if override.priority is not None and override.priority <= 0:
        yield site.error(
            "E607",
            f"priority must be greater than 0, not {override.priority}",
            "priority",
            hint="lower values apply first, starting at 1",
        )


# --- subscriptions --------------------------------------------------------------------------


def _subscription(
    spec: CatalogSpec, site: Site, contract: Contract, subscription: Subscription
) -> Iterator[Diagnostic]:
    yield from check_window(site, "E601", subscription, "the subscription")
    yield from _subscription_rate(spec, site, contract, subscription)
    if subscription.quantity_management_mode is QuantityManagementMode.SEAT_BASED:
        yield from _seat_based(site, contract, subscription)
    else:
        yield from _quantity_only(site, contract, subscription)
    proration = subscription.proration
    if (
        proration is not None
        and proration.invoice_behavior is ProrationBehavior.BILL_IMMEDIATELY
        and subscription.collection_schedule is CollectionSchedule.ARREARS
    ):
        yield site.error(
            "E621",
            "BILL_IMMEDIATELY proration applies to ADVANCE collection only",
            "proration",
            "invoice_behavior",
            hint="use BILL_ON_NEXT_COLLECTION_DATE, or `collection_schedule: ADVANCE`",
        )


def _subscription_rate(
    spec: CatalogSpec, site: Site, contract: Contract, subscription: Subscription
) -> Iterator[Diagnostic]:
    wanted = subscription.subscription_rate
    product = spec.section("products").get(wanted.product)
    if product is None:
        return
    if product.type is not ProductType.SUBSCRIPTION:
        yield site.error(
            "E618",
            f"product {wanted.product!r} is {product.type}, not SUBSCRIPTION",
            "subscription_rate",
            "product",
            hint="a subscription sells a SUBSCRIPTION product; use a scheduled charge "
            "for a FIXED one",
        )
        return
    card = spec.section("rate_cards").get(contract.rate_card)
    if card is None:
        return
    found = sorted(
        {
            r.billing_frequency
            for r in card.rates
            if r.product == wanted.product and r.billing_frequency is not None
        }
    )
    if wanted.billing_frequency not in found:
        listed = ", ".join(found) or "none"
        yield site.error(
            "E617",
            f"rate card {contract.rate_card!r} has no "
            f"{wanted.billing_frequency} rate for product {wanted.product!r}",
            "subscription_rate",
            "billing_frequency",
            detail=f"its billing frequencies for {wanted.product!r}: {listed}",
            hint="add that rate to the card, or pick a billing_frequency it has",
        )


def _quantity_only(
    site: Site, contract: Contract, subscription: Subscription
) -> Iterator[Diagnostic]:
    quantity = subscription.initial_quantity
    if quantity is None:  # what the schema said when the field was required
        where = f"{site.section}.{site.id}.{site.label()}"
        yield site.error("E102", f"missing required field 'initial_quantity' in `{where}`")
        return
    if quantity < 0:
        yield site.error(
            "E619",
            f"initial_quantity must not be negative ({quantity})",
            "initial_quantity",
            hint="the number of units (seats) at the start",
        )
    yield from _not_in_mode(site, subscription, ("seat_config", "seat_updates"), "QUANTITY_ONLY")
    yield from _quantity_updates(site, contract, subscription)


def _not_in_mode(
    site: Site, subscription: Subscription, names: tuple[str, ...], mode: str
) -> Iterator[Diagnostic]:
    """E630: the fields of the other quantity_management_mode."""
    for name in names:
        if given(subscription, name):
            other = "SEAT_BASED" if mode == "QUANTITY_ONLY" else "QUANTITY_ONLY"
            yield site.error(
                "E630",
                f"`{name}` does not apply to a {mode} subscription",
                name,
                key=True,
                hint=f"remove {name}, or set `quantity_management_mode: {other}`"
                if mode == "QUANTITY_ONLY"
                else f"remove {name}: a SEAT_BASED subscription's quantity is its seats",
            )


def _term(contract: Contract, subscription: Subscription) -> tuple[datetime, datetime | None, str]:
    start = subscription.starting_at or contract.starting_at
    end = subscription.ending_before or contract.ending_before
    term = f"{ts(start)} to {ts(end)}" if end else f"from {ts(start)}, with no end"
    return start, end, term


def _quantity_updates(
    site: Site, contract: Contract, subscription: Subscription
) -> Iterator[Diagnostic]:
    start, end, term = _term(contract, subscription)
    order = sorted(
        range(len(subscription.quantity_updates)),
        key=lambda i: subscription.quantity_updates[i].starting_at,
    )
    quantity = subscription.initial_quantity
    for i in order:
        update = subscription.quantity_updates[i]
        here = site.at("quantity_updates", i)
        given_ = [n for n in ("quantity", "quantity_delta") if getattr(update, n) is not None]
        if len(given_) != 1:
            yield here.error(
                "E622",
                "a quantity update gives `quantity` or `quantity_delta`, exactly one"
                + ("" if given_ else "; it has neither"),
                *(("quantity_delta",) if len(given_) == 2 else ()),
                key=len(given_) == 2,
                hint="`quantity: 30` sets the quantity; `quantity_delta: -5` changes it",
            )
            continue
        if update.starting_at < start or (end is not None and update.starting_at >= end):
            yield here.error(
                "E623",
                f"the quantity update at {ts(update.starting_at)} is outside the "
                "subscription's term",
                "starting_at",
                detail=f"the subscription runs {term}",
                hint="move it inside the term, or remove it",
            )
        if update.quantity is not None:
            quantity = update.quantity
        else:
            quantity = EXACT.add(quantity, update.quantity_delta)
        if quantity < 0:
            yield here.error(
                "E624",
                f"the quantity becomes {quantity} at {ts(update.starting_at)}; it cannot be "
                "negative",
                given_[0],
                hint="updates apply in order of starting_at, each delta to the quantity before it",
            )


# --- seats ----------------------------------------------------------------------------------


def _seat_based(site: Site, contract: Contract, subscription: Subscription) -> Iterator[Diagnostic]:
    yield from _not_in_mode(
        site, subscription, ("initial_quantity", "quantity_updates"), "SEAT_BASED"
    )
    config = subscription.seat_config
    if config is None:
        yield site.error(
            "E625",
            "a SEAT_BASED subscription needs `seat_config`",
            "quantity_management_mode",
            hint="add `seat_config: {initial_seat_ids: [...], seat_group_key: user_id}`",
        )
        return
    here = site.at("seat_config")
    seen: set[str] = set()
    for j, seat in enumerate(config.initial_seat_ids):
        if seat in seen:
            yield here.error(
                "E632",
                f"seat ID {seat!r} is assigned twice",
                "initial_seat_ids",
                j,
                hint="list each seat ID once",
            )
        seen.add(seat)
    unassigned = config.initial_unassigned_seats
    if unassigned is not None and unassigned < 0:
        yield here.error(
            "E634",
            f"initial_unassigned_seats must not be negative ({unassigned})",
            "initial_unassigned_seats",
            hint="seats paid for but not assigned to an ID yet; 0 or more",
        )
    yield from _seat_updates(site, contract, subscription)


def _seat_updates(
    site: Site, contract: Contract, subscription: Subscription
) -> Iterator[Diagnostic]:
    start, end, term = _term(contract, subscription)
    for change, before, _ in replay(subscription):
        here = site.at("seat_updates", change.field, change.index)
        when = ts(change.starting_at)
        if change.starting_at < start or (end is not None and change.starting_at >= end):
            yield here.error(
                "E631",
                f"the seat update at {when} is outside the subscription's term",
                "starting_at",
                detail=f"the subscription runs {term}",
                hint="move it inside the term, or remove it",
            )
        if change.field.endswith("unassigned_seats"):
            yield from _unassigned_change(here, change, before)
        else:
            yield from _seat_ids_change(here, change, before)


def _unassigned_change(here: Site, change: SeatChange, before: Seats) -> Iterator[Diagnostic]:
    if change.quantity <= 0:
        yield here.error(
            "E635",
            f"a seat update's quantity must be greater than 0, not {change.quantity}",
            "quantity",
            hint="add_unassigned_seats adds that many, remove_unassigned_seats takes them away",
        )
    elif change.field == "remove_unassigned_seats" and change.quantity > before.unassigned:
        yield here.error(
            "E634",
            f"removing {change.quantity} unassigned seats at {ts(change.starting_at)}, when "
            f"there are {before.unassigned}",
            "quantity",
            detail="unassigned seats cannot go below 0",
            hint="seat updates apply in order of starting_at (removals first on one date); "
            "remove assigned seats with remove_seat_ids",
        )


def _seat_ids_change(here: Site, change: SeatChange, before: Seats) -> Iterator[Diagnostic]:
    adding = change.field == "add_seat_ids"
    seen: set[str] = set()
    for j, seat in enumerate(change.seat_ids):
        when = ts(change.starting_at)
        if seat in seen or (adding and seat in before.assigned):
            yield here.error(
                "E632",
                f"seat ID {seat!r} is assigned twice"
                + ("" if seat in seen else f": it is already assigned at {when}"),
                "seat_ids",
                j,
                hint="list each seat ID once; remove a seat before adding it again",
            )
        elif not adding and seat not in before.assigned:
            yield here.error(
                "E633",
                f"seat ID {seat!r} is not assigned at {when}, so it cannot be removed",
                "seat_ids",
                j,
                detail=f"assigned then: {', '.join(sorted(before.assigned)) or 'none'}",
                hint="seat updates apply in order of starting_at (removals first on one date)",
            )
        seen.add(seat)
