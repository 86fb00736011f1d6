"""Which plan attributes are money, and in which credit type (`plan.money_paths.unit_at`)."""

from __future__ import annotations

import pytest

from billing_spec.plan.money_paths import PERCENT, RULES, unit_at

TIERS = [{"size": "1000", "price": "10", "flat_price": "500"}, {"price": "5"}]
CARD = {
    "fiat_credit_type": "USD",
    "credit_type_conversions": [{"custom_credit_type": "gpu", "fiat_per_custom_credit": "250"}],
    "rates": [
        {"rate_type": "FLAT", "price": "2500", "credit_type": "USD", "quantity": "3"},
        {"rate_type": "PERCENTAGE", "price": "0.1"},
        {"rate_type": "TIERED", "credit_type": "gpu", "tiers": TIERS},
        {
            "rate_type": "FLAT",
            "price": "100",
            "commit_rate": {"rate_type": "TIERED", "tiers": TIERS},
        },
    ],
}
EURO_CARD = {"fiat_credit_type": "eur", "rates": [{"rate_type": "FLAT", "price": "2500"}]}


def schedule(credit_type: str | None = None) -> dict:
    out = {
        "schedule_items": [
            {"timestamp": "2027-01-01T00:00:00Z", "unit_price": "10", "amount": "1"}
        ],
        "recurring_schedule": {"amount": "100", "unit_price": "5", "quantity": "20"},
    }
    return out | ({"credit_type": credit_type} if credit_type else {})


CONTRACT = {
    "overrides": [
        {"type": "OVERWRITE", "overwrite_rate": {"rate_type": "FLAT", "price": "40"}},
        {
            "type": "OVERWRITE",
            "overwrite_rate": {"rate_type": "TIERED", "credit_type": "gpu", "tiers": TIERS},
        },
        {"type": "MULTIPLIER", "multiplier": "0.9"},
        {"type": "TIERED", "tiers": [{"multiplier": "0.9", "size": "10"}]},
        {"type": "OVERWRITE", "overwrite_rate": {"rate_type": "PERCENTAGE", "price": "0.2"}},
    ],
    "commits": [
        {
            "access_schedule": {"credit_type": "gpu", "schedule_items": [{"amount": "7"}]},
            "invoice_schedule": schedule(),
            "priority": "1",
        }
    ],
    "credits": [{"access_schedule": {"schedule_items": [{"amount": "300"}]}}],
    "scheduled_charges": [{"schedule": schedule("gpu")}],
    "recurring_commits": [
        {
            "access_amount": {"credit_type": "gpu", "unit_price": "10", "quantity": "1"},
            "invoice_amount": {"unit_price": "1000", "quantity": "1"},
        }
    ],
    "recurring_credits": [{"access_amount": {"unit_price": "20", "quantity": "2"}}],
    "subscriptions": [{"initial_quantity": "5"}],
}


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        (("rates", 0, "price"), "USD"),
        (("rates", 1, "price"), PERCENT),  # a fraction, not money
        (("rates", 2, "tiers", 0, "price"), "gpu"),
        (("rates", 2, "tiers", 0, "flat_price"), "gpu"),
        (("rates", 2, "tiers", 1, "price"), "gpu"),
        (("rates", 2, "tiers", 0, "size"), None),
        (("rates", 3, "price"), "USD"),  # no credit_type: the card's fiat credit type
        (("rates", 3, "commit_rate", "tiers", 1, "price"), "USD"),
        (("rates", 3, "commit_rate", "tiers", 0, "flat_price"), "USD"),
        (("rates", 0, "quantity"), None),
        (("credit_type_conversions", 0, "fiat_per_custom_credit"), "USD"),
        (("fiat_credit_type",), None),
        (("rates", "x", "price"), None),  # an index is a number
    ],
)
def test_rate_card_money(path, unit):
    assert unit_at("rate_card", path, CARD) == unit


def test_a_rate_without_credit_type_is_in_the_cards_fiat_credit_type():
    assert unit_at("rate_card", ("rates", 0, "price"), EURO_CARD) == "eur"


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        (("overrides", 0, "overwrite_rate", "price"), "USD"),
        (("overrides", 1, "overwrite_rate", "tiers", 0, "price"), "gpu"),
        (("overrides", 1, "overwrite_rate", "tiers", 0, "flat_price"), "gpu"),
        (("overrides", 2, "multiplier"), None),  # not money
        (("overrides", 3, "tiers", 0, "multiplier"), None),
        (("overrides", 4, "overwrite_rate", "price"), PERCENT),
        (("commits", 0, "access_schedule", "schedule_items", 0, "amount"), "gpu"),
        (("commits", 0, "invoice_schedule", "schedule_items", 0, "unit_price"), "USD"),
        (("commits", 0, "invoice_schedule", "schedule_items", 0, "amount"), "USD"),
        (("commits", 0, "invoice_schedule", "recurring_schedule", "amount"), "USD"),
        (("commits", 0, "invoice_schedule", "recurring_schedule", "quantity"), None),
        (("commits", 0, "priority"), None),
        (("credits", 0, "access_schedule", "schedule_items", 0, "amount"), "USD"),
        (("scheduled_charges", 0, "schedule", "schedule_items", 0, "unit_price"), "gpu"),
        (("scheduled_charges", 0, "schedule", "recurring_schedule", "unit_price"), "gpu"),
        (("scheduled_charges", 0, "schedule", "recurring_schedule", "amount"), "gpu"),
        (("recurring_commits", 0, "access_amount", "unit_price"), "gpu"),
        (("recurring_commits", 0, "access_amount", "quantity"), None),
        (("recurring_commits", 0, "invoice_amount", "unit_price"), "USD"),
        (("recurring_credits", 0, "access_amount", "unit_price"), "USD"),
        (("subscriptions", 0, "initial_quantity"), None),
    ],
)
@pytest.mark.parametrize("resource_type", ["contract", "package"])
def test_contract_and_package_money(resource_type, path, unit):
    assert unit_at(resource_type, path, CONTRACT) == unit


def test_other_resources_have_no_money():
    assert set(RULES) == {"rate_card", "contract", "package"}
    assert unit_at("customer", ("price",), {"price": "1"}) is None
    assert unit_at("rate_card", ("rates", 0, "price"), None) is None


def test_a_path_into_a_missing_value_is_not_money():
    assert unit_at("rate_card", ("rates", 9, "price"), CARD) is None
