"""Metronome's change rules, one at a time: the BASE catalog is applied, one edit is planned.

Each test reads as: "given this edit, the plan does this to that address, because of that field".
"""

from __future__ import annotations

import textwrap

import pytest
from planning import AS_OF, BASE, compiled, edit, plan_between, state_of

from billing_spec.plan import Action, make_plan
from billing_spec.state import State


def actions(plan) -> dict[str, str]:
    """The pending changes as {address: action}."""
    return {c.address: str(c.action) for c in plan.pending}


def codes(plan) -> list[str]:
    return [f.diagnostic.code for f in plan.findings]


def change(plan, address):
    return next(c for c in plan.changes if c.address == address)


NEW_RATE = """\
price: 50
      - product: model_tokens
        pricing_group_values: {model: atlas}
        starting_at: STARTS
        entitled: true
        rate_type: FLAT
        price: 45
"""


def with_new_rate(starting_at: str) -> str:
    return edit(BASE, ("price: 50\n", NEW_RATE.replace("STARTS", starting_at)))


# --- creating, nothing, deleting --------------------------------------------------------------


def test_an_empty_state_creates_everything_in_dependency_order():
    plan = plan_between(None, BASE)
    assert [c.address for c in plan.pending] == [
        "billable_metric.tokens",
        "product.model_tokens",
        "product.onboarding",
        "product.seats",
        "rate_card.list",
        "customer.acme",
        "contract.acme_2026",
    ]
    assert set(actions(plan).values()) == {"create"}
    assert plan.summary().line() == "Plan: 7 to add, 0 to change, 0 to destroy."


def test_the_applied_catalog_plans_no_changes():
    plan = plan_between(BASE, BASE)
    assert not plan.has_changes and not plan.findings
    assert {str(c.action) for c in plan.changes} == {"no-op"}  # every address is still listed


def test_deletes_come_last_in_reverse_dependency_order():
    after = edit(
        BASE,
        ("  onboarding:\n    name: Onboarding\n    type: FIXED\n", ""),
        ("contracts:\n  acme_2026:", "contracts:\n  _gone:"),
    )
    after = after.split("contracts:")[0]  # no contracts at all; customer stays
    plan = plan_between(BASE, after)
    assert [(c.address, str(c.action)) for c in plan.pending] == [
        ("contract.acme_2026", "delete"),
        ("product.onboarding", "delete"),
    ]


def test_a_composite_product_comes_after_the_products_it_covers():
    # Dependency order holds within a type too: `a_support` covers `z_tokens`, so z_tokens is
    # created first and deleted last, whatever their names.
    with_composite = edit(
        BASE,
        (
            "products:\n",
            "products:\n"
            "  a_support:\n"
            "    name: Support\n"
            "    type: COMPOSITE\n"
            "    composite_products: [z_tokens]\n"
            "  z_tokens:\n"
            "    name: Z tokens\n"
            "    type: USAGE\n"
            "    billable_metric: tokens\n",
        ),
    )
    created = [c.address for c in plan_between(BASE, with_composite).pending]
    assert created == ["product.z_tokens", "product.a_support"]
    renamed = with_composite.replace("z_tokens", "b_tokens").replace("a_support", "z_support")
    deleted = [c.address for c in plan_between(renamed, BASE).pending]
    assert deleted == ["product.z_support", "product.b_tokens"]


# --- billable metrics: only the name may change -----------------------------------------------


def test_renaming_a_metric_is_an_update():
    plan = plan_between(BASE, edit(BASE, ("name: Tokens\n", "name: Tokens processed\n")))
    assert actions(plan) == {"billable_metric.tokens": "update"}


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("aggregation_type: SUM", "aggregation_type: MAX", "aggregation_type"),
        ("{in_values: [completion]}", "{in_values: [completion, embedding]}", "event_type_filter"),
        ("group_keys: [[model]]", "group_keys: [[model], [tokens]]", "group_keys"),
    ],
)
def test_any_other_metric_change_is_a_replace_naming_the_field(old, new, field):
    plan = plan_between(BASE, edit(BASE, (old, new)))
    metric = change(plan, "billable_metric.tokens")
    assert metric.action is Action.REPLACE
    assert metric.replace_paths == ((field,),)


def test_replacing_a_metric_a_product_still_uses_is_refused_naming_the_product():
    plan = plan_between(BASE, edit(BASE, ("aggregation_type: SUM", "aggregation_type: MAX")))
    assert plan.errored and codes(plan) == ["E812"]
    assert "product.model_tokens still references it" in plan.findings[0].diagnostic.summary


def test_the_metronome_way_to_change_a_metric_is_a_new_metric():
    # Copy the metric, point the product at the copy, drop the old one: create, update, delete.
    after = edit(
        BASE,
        ("  tokens:\n    name: Tokens\n", "  tokens_v2:\n    name: Tokens\n"),
        ("aggregation_type: SUM", "aggregation_type: MAX"),
        ("billable_metric: tokens", "billable_metric: tokens_v2"),
    )
    plan = plan_between(BASE, after)
    assert not plan.errored
    assert [(c.address, str(c.action)) for c in plan.pending] == [
        ("billable_metric.tokens_v2", "create"),
        ("product.model_tokens", "update"),
        ("billable_metric.tokens", "delete"),
    ]


# --- products: type never changes --------------------------------------------------------------


def test_a_product_type_change_is_a_replace():
    plan = plan_between(
        BASE,
        edit(
            BASE,
            (
                "name: Onboarding\n    type: FIXED",
                "name: Onboarding\n    type: USAGE\n    billable_metric: tokens",
            ),
        ),
    )
    onboarding = change(plan, "product.onboarding")
    assert onboarding.action is Action.REPLACE and onboarding.replace_paths == (("type",),)
    assert not plan.errored  # no rate card prices it, nothing references it


def test_replacing_a_priced_product_is_refused_naming_the_rate_card():
    # seats becomes a USAGE product (so its rate loses billing_frequency): the type forces a
    # replace, and the rate card still prices it.
    desired = edit(
        BASE,
        (
            "name: Seats\n    type: SUBSCRIPTION",
            "name: Seats\n    type: USAGE\n    billable_metric: tokens",
        ),
        ("        billing_frequency: MONTHLY\n", ""),
    )
    plan = plan_between(BASE, desired)
    # E810 twice: the seats rate is re-keyed without billing_frequency, before --as-of.
    assert codes(plan) == ["E812", "E810", "E810"]
    assert "rate_card.list still references it" in plan.findings[0].diagnostic.summary


def test_other_product_fields_update_in_place():
    plan = plan_between(
        BASE, edit(BASE, ("name: Seats\n", "name: Team seats\n    tags: [seats]\n"))
    )
    assert actions(plan) == {"product.seats": "update"}


# --- rate cards: rates are append-only ---------------------------------------------------------


def test_a_scheduled_price_change_is_one_rate_card_update():
    plan = plan_between(BASE, with_new_rate("2027-01-01T00:00:00Z"))
    assert actions(plan) == {"rate_card.list": "update"}
    assert not plan.findings


def test_a_new_rate_starting_in_the_past_is_retroactive_and_refused():
    plan = plan_between(BASE, with_new_rate("2026-11-01T00:00:00Z"))
    assert codes(plan) == ["E810"]
    summary = plan.findings[0].diagnostic.summary
    assert (
        "supersedes the rate for product model_tokens {model=atlas} starting 2026-01-01T00:00:00Z "
        "with a rate starting 2026-11-01T00:00:00Z, re-pricing usage from 2026-11-01T00:00:00Z, "
        "before 2026-11-15T00:00:00Z"
    ) in summary
    assert change(plan, "rate_card.list").retroactive


def test_changing_a_past_price_is_retroactive():
    plan = plan_between(BASE, edit(BASE, ("price: 50", "price: 45")))
    assert codes(plan) == ["E810"]
    assert "changes the rate for product model_tokens {model=atlas} starting 2026-01-01" in (
        plan.findings[0].diagnostic.summary
    )


def test_removing_a_rate_already_in_force_is_retroactive():
    after = edit(
        BASE,
        (
            """\
      - product: seats
        starting_at: 2026-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 3000
        billing_frequency: MONTHLY
""",
            "",
        ),
    )
    plan = plan_between(BASE, after)
    assert codes(plan) == ["E810"]
    assert (
        "removes the rate for product seats billed MONTHLY" in plan.findings[0].diagnostic.summary
    )


def test_ending_a_rate_in_the_past_is_retroactive_and_says_so():
    after = edit(
        BASE,
        (
            "rate_type: FLAT\n        price: 50",
            "rate_type: FLAT\n        price: 50\n        ending_before: 2026-11-01T00:00:00Z",
        ),
    )
    plan = plan_between(BASE, after)
    assert codes(plan) == ["E810"]
    assert (
        "it ends the rate for product model_tokens {model=atlas} starting 2026-01-01T00:00:00Z, "
        "re-pricing usage from 2026-11-01T00:00:00Z"
    ) in plan.findings[0].diagnostic.summary  # the rate is still there: it is not "removed"


def test_allow_retroactive_turns_the_refusal_into_a_flagged_warning():
    plan = plan_between(BASE, edit(BASE, ("price: 50", "price: 45")), allow_retroactive=True)
    assert codes(plan) == ["W980"] and not plan.errored and plan.applyable
    assert change(plan, "rate_card.list").retroactive


def test_ending_a_rate_in_the_future_changes_nothing_already_priced():
    after = edit(
        BASE,
        (
            "rate_type: FLAT\n        price: 50",
            "rate_type: FLAT\n        price: 50\n        ending_before: 2027-01-01T00:00:00Z",
        ),
    )
    plan = plan_between(BASE, after)
    assert actions(plan) == {"rate_card.list": "update"} and not plan.findings


def test_as_of_decides_what_is_past():
    # The same new rate is retroactive or not depending on when the plan is made.
    after = with_new_rate("2027-01-01T00:00:00Z")
    late = make_plan(
        compiled(after), state_of(compiled(BASE)), as_of=AS_OF.replace(year=2027, month=2)
    )
    assert codes(late) == ["E810"]


# --- contract terms re-price history like rates ------------------------------------------------

SCHEDULE_LINE = "    usage_statement_schedule: {frequency: MONTHLY}\n"


def with_terms(text: str, terms: str, base: str = BASE) -> str:
    """`base` with `terms` (YAML at the contract's indentation) added to the contract."""
    return edit(base, (SCHEDULE_LINE, SCHEDULE_LINE + textwrap.indent(text.format(terms), "    ")))


OVERRIDE = """\
overrides:
  - product: model_tokens
    starting_at: {}
    type: MULTIPLIER
    multiplier: 0.8
"""
RECURRING_CREDIT = """\
recurring_credits:
  - product: onboarding
    access_amount: {{unit_price: 10000}}
    starting_at: {}
"""
CHARGE = """\
scheduled_charges:
  - product: onboarding
    schedule:
      schedule_items:
        - {{timestamp: {}, amount: 50000}}
"""


def test_an_override_added_from_a_past_date_is_retroactive_and_refused():
    # AS_OF is 2026-11-15: an override from October 1 re-prices October's invoice.
    plan = plan_between(BASE, with_terms(OVERRIDE, "2026-10-01T00:00:00Z"))
    assert codes(plan) == ["E810"] and plan.errored
    assert change(plan, "contract.acme_2026").retroactive
    summary = plan.findings[0].diagnostic.summary
    assert "it adds overrides[0] (override of product model_tokens)" in summary
    assert "from 2026-10-01T00:00:00Z, before 2026-11-15T00:00:00Z" in summary
    assert "--allow-retroactive" in plan.findings[0].diagnostic.hint


def test_an_override_added_from_a_future_date_is_an_ordinary_update():
    plan = plan_between(BASE, with_terms(OVERRIDE, "2026-12-01T00:00:00Z"))
    assert actions(plan) == {"contract.acme_2026": "update"} and not plan.findings


def test_allow_retroactive_lets_a_past_term_through_as_a_flagged_warning():
    plan = plan_between(BASE, with_terms(OVERRIDE, "2026-10-01T00:00:00Z"), allow_retroactive=True)
    assert codes(plan) == ["W980"] and plan.applyable
    assert change(plan, "contract.acme_2026").retroactive


@pytest.mark.parametrize("template", [RECURRING_CREDIT, CHARGE])
def test_recurring_credits_and_scheduled_charges_added_in_the_past_are_retroactive(template):
    assert codes(plan_between(BASE, with_terms(template, "2026-11-01T00:00:00Z"))) == ["E810"]
    assert codes(plan_between(BASE, with_terms(template, "2026-12-01T00:00:00Z"))) == []


def test_removing_a_past_scheduled_charge_is_retroactive():
    before = with_terms(CHARGE, "2026-10-01T00:00:00Z")
    plan = plan_between(before, BASE)
    assert codes(plan) == ["E810"]
    assert "it removes scheduled_charges[0]" in plan.findings[0].diagnostic.summary


def test_a_new_entry_above_past_ones_flags_only_itself():
    # Entries have no IDs: the past override keeps its content, so moving down the list is fine.
    past = with_terms(OVERRIDE, "2026-10-01T00:00:00Z")
    future = edit(
        past,
        (
            "    overrides:\n",
            "    overrides:\n"
            "      - product: model_tokens\n"
            "        starting_at: 2027-01-01T00:00:00Z\n"
            "        type: MULTIPLIER\n"
            "        multiplier: 0.7\n",
        ),
    )
    plan = plan_between(past, future)
    assert actions(plan) == {"contract.acme_2026": "update"} and not plan.findings


def test_changing_a_past_term_is_retroactive_but_moving_its_future_end_is_not():
    past = with_terms(OVERRIDE, "2026-10-01T00:00:00Z")
    cheaper = edit(past, ("multiplier: 0.8", "multiplier: 0.7"))
    plan = plan_between(past, cheaper)
    assert codes(plan) == ["E810"]
    assert "it changes overrides[0]" in plan.findings[0].diagnostic.summary
    ended = edit(
        past,
        ("multiplier: 0.8\n", "multiplier: 0.8\n        ending_before: 2027-01-01T00:00:00Z\n"),
    )
    assert codes(plan_between(past, ended)) == []
    ended_early = edit(
        past,
        ("multiplier: 0.8\n", "multiplier: 0.8\n        ending_before: 2026-11-01T00:00:00Z\n"),
    )
    assert codes(plan_between(past, ended_early)) == ["E810"]


def test_a_subscription_quantity_update_is_retroactive_from_its_own_date():
    subscription = """\
subscriptions:
  - subscription_rate: {{product: seats, billing_frequency: MONTHLY}}
    initial_quantity: 10
    collection_schedule: ADVANCE
{}"""
    before = with_terms(subscription, "")
    update = "    quantity_updates:\n      - {{starting_at: {}, quantity: 12}}\n"
    later = with_terms(subscription, update.format("2026-12-01T00:00:00Z"))
    assert codes(plan_between(before, later)) == []  # the subscription itself began Oct 1
    earlier = with_terms(subscription, update.format("2026-11-01T00:00:00Z"))
    plan = plan_between(before, earlier)
    assert codes(plan) == ["E810"]
    assert "re-pricing usage from 2026-11-01T00:00:00Z" in plan.findings[0].diagnostic.summary


def test_a_seat_update_is_retroactive_from_its_own_date():
    subscription = """\
subscriptions:
  - subscription_rate: {{product: seats, billing_frequency: MONTHLY}}
    quantity_management_mode: SEAT_BASED
    seat_config: {{initial_seat_ids: [ana, bo], seat_group_key: user_id}}
    collection_schedule: ADVANCE
{}"""
    before = with_terms(subscription, "")
    update = (
        "    seat_updates:\n      add_seat_ids:\n        - {{seat_ids: [cy], starting_at: {}}}\n"
    )
    later = with_terms(subscription, update.format("2026-12-01T00:00:00Z"))
    assert codes(plan_between(before, later)) == []  # the subscription itself began Oct 1
    earlier = with_terms(subscription, update.format("2026-11-01T00:00:00Z"))
    plan = plan_between(before, earlier)
    assert codes(plan) == ["E810"]
    assert "re-pricing usage from 2026-11-01T00:00:00Z" in plan.findings[0].diagnostic.summary


def test_the_card_currency_never_changes():
    after = edit(BASE, ("name: List prices\n", "name: List prices\n    fiat_credit_type: USD\n"))
    assert actions(plan_between(BASE, after)) == {}  # USD is the default: the same card
    eur = edit(
        BASE,
        ("name: List prices\n", "name: List prices\n    fiat_credit_type: eur_cents\n"),
        ("version: 1\n", "version: 1\ncredit_types:\n  eur_cents:\n    name: EUR cents\n"),
    )
    eur_card = change(plan_between(BASE, eur), "rate_card.list")
    assert eur_card.action is Action.REPLACE and ("fiat_credit_type",) in eur_card.replace_paths


# --- customers and contracts -------------------------------------------------------------------


def test_customer_names_and_ingest_aliases_update_in_place():
    plan = plan_between(
        BASE,
        edit(
            BASE,
            ("name: Acme\n", "name: Acme Inc.\n"),
            ("[acme-prod]", "[acme-prod, acme-staging]"),
        ),
    )
    assert actions(plan) == {"customer.acme": "update"}


@pytest.mark.parametrize(
    "old, new, field",
    [
        (
            "usage_statement_schedule: {frequency: MONTHLY}",
            "usage_statement_schedule: {frequency: QUARTERLY}",
            "usage_statement_schedule",
        ),
        ("starting_at: 2026-10-01T00:00:00Z", "starting_at: 2026-11-01T00:00:00Z", "starting_at"),
    ],
)
def test_a_contracts_fixed_terms_force_a_replace(old, new, field):
    plan = plan_between(BASE, edit(BASE, (old, new)))
    contract = change(plan, "contract.acme_2026")
    assert contract.action is Action.REPLACE and contract.replace_paths == ((field,),)
    assert not plan.errored  # nothing references a contract


def test_moving_a_contract_to_another_rate_card_is_a_replace():
    second_card = "rate_cards:\n  list_2027:\n    name: 2027 prices\n    rates: []\n  list:"
    plan = plan_between(
        BASE,
        edit(
            BASE, ("rate_cards:\n  list:", second_card), ("rate_card: list", "rate_card: list_2027")
        ),
    )
    assert actions(plan) == {"rate_card.list_2027": "create", "contract.acme_2026": "replace"}
    assert change(plan, "contract.acme_2026").replace_paths == (("rate_card",),)


def test_contract_terms_that_metronome_edits_update_in_place():
    plan = plan_between(
        BASE, edit(BASE, ("rate_card: list\n", "rate_card: list\n    name: Acme 2026\n"))
    )
    assert actions(plan) == {"contract.acme_2026": "update"}


# --- references, prevent_destroy, moved ---------------------------------------------------------


def test_deleting_what_a_remaining_resource_references_is_refused():
    # A catalog that passed validation cannot reference a deleted resource, but a library user
    # can hand make_plan any compiled catalog: the planner still refuses, naming the referrers.
    base = compiled(BASE)
    without_customer = type(base).from_resources(
        r for a, r in base.resources.items() if a != "customer.acme"
    )
    plan = make_plan(without_customer, state_of(base), as_of=AS_OF)
    assert codes(plan) == ["E812"]
    assert plan.findings[0].diagnostic.summary == (
        "cannot delete customer.acme: contract.acme_2026 still references it"
    )


def test_a_replaced_resource_may_be_referenced_by_what_the_plan_creates():
    # A metric nothing used yet is corrected, and the product that sells it is added: the new
    # product is created after the new metric, so it references that one. Nothing is left
    # metering the old metric.
    unused_metric = edit(
        BASE,
        (
            "products:\n",
            "  requests:\n"
            "    name: Requests\n"
            "    event_type_filter: {in_values: [completion]}\n"
            "    aggregation_type: COUNT\n"
            "products:\n",
        ),
    )
    after = edit(
        unused_metric,
        (
            "{in_values: [completion]}\n    aggregation_type: COUNT",
            "{in_values: [request]}\n    aggregation_type: COUNT",
        ),
        (
            "products:\n",
            "products:\n"
            "  api_requests:\n"
            "    name: API requests\n"
            "    type: USAGE\n"
            "    billable_metric: requests\n",
        ),
    )
    plan = plan_between(unused_metric, after)
    assert actions(plan) == {
        "billable_metric.requests": "replace",
        "product.api_requests": "create",
    }
    assert not plan.findings


def test_prevent_destroy_refuses_a_replace():
    protected = edit(
        BASE, ("  acme_2026:\n", "  acme_2026:\n    lifecycle: {prevent_destroy: true}\n")
    )
    plan = plan_between(
        protected, edit(protected, ("{frequency: MONTHLY}", "{frequency: QUARTERLY}"))
    )
    assert codes(plan) == ["E811"]


def test_prevent_destroy_as_applied_refuses_deleting_the_definition():
    protected = edit(
        BASE, ("  onboarding:\n", "  onboarding:\n    lifecycle: {prevent_destroy: true}\n")
    )
    plan = plan_between(
        protected, edit(BASE, ("  onboarding:\n    name: Onboarding\n    type: FIXED\n", ""))
    )
    assert codes(plan) == ["E811"]
    assert (
        "product.onboarding has lifecycle.prevent_destroy set"
        in plan.findings[0].diagnostic.summary
    )


def test_lifting_prevent_destroy_is_a_state_only_update():
    protected = edit(
        BASE, ("  onboarding:\n", "  onboarding:\n    lifecycle: {prevent_destroy: true}\n")
    )
    plan = plan_between(protected, BASE)
    onboarding = change(plan, "product.onboarding")
    assert onboarding.action is Action.UPDATE and not onboarding.content_changed
    assert onboarding.lifecycle_changed


def test_moved_renames_without_delete_or_create():
    after = (
        edit(BASE, ("  onboarding:\n", "  setup:\n"))
        + "moved:\n  - {from: product.onboarding, to: product.setup}\n"
    )
    plan = plan_between(BASE, after)
    setup = change(plan, "product.setup")
    assert setup.action is Action.NO_OP and setup.previous_address == "product.onboarding"
    assert [c.address for c in plan.pending] == ["product.setup"]
    assert plan.summary().line() == "Plan: 0 to add, 0 to change, 0 to destroy."


def test_without_moved_the_same_rename_is_a_delete_and_a_create():
    plan = plan_between(BASE, edit(BASE, ("  onboarding:\n", "  setup:\n")))
    assert actions(plan) == {"product.setup": "create", "product.onboarding": "delete"}


def test_a_move_and_a_change_is_an_update_with_previous_address():
    after = edit(
        BASE,
        ("  acme:\n    name: Acme\n", "  acme_inc:\n    name: Acme Inc.\n"),
        ("customer: acme", "customer: acme_inc"),
    )
    after += "moved:\n  - {from: customer.acme, to: customer.acme_inc}\n"
    plan = plan_between(BASE, after)
    assert change(plan, "customer.acme_inc").action is Action.UPDATE
    assert change(plan, "customer.acme_inc").previous_address == "customer.acme"
    # The contract now names `acme_inc`: the same customer, so its fixed `customer` term is
    # untouched and the contract has nothing to do (apply renames the reference in the state).
    assert change(plan, "contract.acme_2026").action is Action.NO_OP
    assert not plan.findings


def test_renaming_a_priced_product_keeps_its_rates_in_force():
    after = edit(BASE, ("  seats:\n", "  team_seats:\n"), ("product: seats", "product: team_seats"))
    after += "moved:\n  - {from: product.seats, to: product.team_seats}\n"
    plan = plan_between(BASE, after)
    # The card's rates still price the same product: no rate removed or added, nothing retroactive
    assert actions(plan) == {"product.team_seats": "no-op"}
    assert change(plan, "rate_card.list").action is Action.NO_OP
    assert not plan.findings


def test_a_move_onto_an_address_the_state_holds_is_refused():
    # Malformed moves are validation errors (E203-E207, see tests/fixtures/invalid); this one
    # needs the state: product.setup was applied, and onboarding is renamed onto it.
    before = edit(
        BASE, ("  onboarding:\n", "  setup:\n    name: Setup\n    type: FIXED\n  onboarding:\n")
    )
    after = edit(BASE, ("  onboarding:\n", "  setup:\n"))
    after += "moved:\n  - {from: product.onboarding, to: product.setup}\n"
    assert codes(plan_between(before, after)) == ["E814"]


def test_a_chain_over_two_applied_objects_is_refused_in_either_order():
    """Both `onboarding` and `setup` are applied; the catalog renames along the chain
    onboarding -> setup -> kickoff. Which object becomes `kickoff` is ambiguous: E814, whatever
    the order of the entries (one order used to delete the old `onboarding` silently)."""
    before = edit(
        BASE, ("  onboarding:\n", "  setup:\n    name: Setup\n    type: FIXED\n  onboarding:\n")
    )
    after = edit(BASE, ("  onboarding:\n", "  kickoff:\n"))
    forward = "  - {from: product.onboarding, to: product.setup}\n"
    onward = "  - {from: product.setup, to: product.kickoff}\n"
    for entries in (forward + onward, onward + forward):
        assert codes(plan_between(before, after + "moved:\n" + entries)) == ["E814"]


def test_a_move_already_applied_is_skipped():
    after = (
        edit(BASE, ("  onboarding:\n", "  setup:\n"))
        + "moved:\n  - {from: product.onboarding, to: product.setup}\n"
    )
    plan = make_plan(compiled(after), state_of(compiled(after)), as_of=AS_OF)
    assert not plan.has_changes and not plan.findings


def test_moves_chain():
    after = edit(BASE, ("  onboarding:\n", "  kickoff:\n"))
    after += (
        "moved:\n"
        "  - {from: product.setup, to: product.kickoff}\n"
        "  - {from: product.onboarding, to: product.setup}\n"
    )
    plan = plan_between(BASE, after)
    assert change(plan, "product.kickoff").previous_address == "product.onboarding"
    assert actions(plan) == {"product.kickoff": "no-op"}


def test_an_unfinished_apply_is_called_out_while_something_is_left():
    """The last apply stopped after 1 of 4 changes: the next plan, which still has something
    to do, says so (W981); once nothing is left (the rest applied, or reverted in the catalog)
    the warning has nothing to add and goes."""
    from billing_spec.state import AppliedPlan

    prior = state_of(compiled(BASE))
    prior = prior.with_progress(
        AppliedPlan(
            plan_digest="sha256:x", catalog_digest="sha256:y", changes_planned=4, changes_applied=1
        )
    )
    renamed = edit(BASE, ("name: Acme\n", "name: Acme Inc.\n"))
    plan = make_plan(compiled(renamed), prior, as_of=AS_OF)
    assert codes(plan) == ["W981"]
    assert plan.findings[0].diagnostic.summary == "the last apply stopped after 1 of 4 changes"
    assert codes(make_plan(compiled(BASE), prior, as_of=AS_OF)) == []


def test_the_plan_records_the_state_it_was_made_against():
    plan = make_plan(compiled(BASE), state_of(compiled(BASE), serial=7), as_of=AS_OF)
    assert (plan.prior_lineage, plan.prior_serial) == ("00000000-0000-4000-8000-000000000001", 7)
    empty = make_plan(compiled(BASE), State(), as_of=AS_OF)
    assert (empty.prior_lineage, empty.prior_serial) == (None, 0)


def test_the_plan_carries_both_catalogs_for_an_impact_preview():
    # What is applied (rebuilt from the plan alone, e.g. from a saved plan) and what is desired.
    # Renamed resources are in it under the IDs they were applied under, and so are the
    # references to them (the contract's `customer`).
    prior = state_of(compiled(BASE))
    after = edit(
        BASE,
        ("  onboarding:\n", "  setup:\n"),
        ("  acme:\n    name: Acme\n", "  acme_inc:\n    name: Acme Inc.\n"),
        ("customer: acme\n", "customer: acme_inc\n"),
    )
    after += (
        "moved:\n"
        "  - {from: product.onboarding, to: product.setup}\n"
        "  - {from: customer.acme, to: customer.acme_inc}\n"
    )
    plan = make_plan(compiled(after), prior, as_of=AS_OF)
    assert plan.prior_catalog().resources == prior.catalog().resources
    assert plan.desired == compiled(after)
