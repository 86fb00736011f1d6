"""Money and quantity rounding happen only in billing_spec.money, as DESIGN.md names them."""

from decimal import Decimal

import pytest

from billing_spec.money import (
    USD,
    CreditType,
    NotADecimal,
    canonical,
    convert_quantity,
    format_major,
    parse_decimal,
    round_money,
    round_quantity,
)


@pytest.mark.parametrize(
    ("quantity", "places", "method", "expected"),
    [
        ("2.5", 0, "ROUND_HALF_UP", "3"),
        ("-2.5", 0, "ROUND_HALF_UP", "-3"),  # ties away from zero
        ("2.1", 0, "ROUND_UP", "3"),
        ("-2.1", 0, "ROUND_UP", "-2"),  # toward +inf
        ("-2.1", 0, "ROUND_DOWN", "-3"),  # toward -inf
        ("1234.5", -2, "ROUND_UP", "1300"),  # negative places: hundreds
        ("1250", -2, "ROUND_HALF_UP", "1300"),
        ("1249.99", -2, "ROUND_HALF_UP", "1200"),
        ("0.125", 2, "ROUND_HALF_UP", "0.13"),
    ],
)
def test_round_quantity(quantity, places, method, expected):
    assert canonical(round_quantity(Decimal(quantity), places, method)) == expected


def test_money_rounds_to_whole_cents_ties_away_from_zero():
    assert round_money(Decimal("0.5")) == Decimal(1)
    assert round_money(Decimal("-0.5")) == Decimal(-1)
    assert round_money(Decimal("49.4999")) == Decimal(49)
    credits = CreditType(id="gpu", name="GPU", decimal_places=2)
    assert round_money(Decimal("1.005"), credits) == Decimal("1.01")


def test_conversion_is_exact():
    assert convert_quantity(Decimal(1_000_000), Decimal(1_000_000), "DIVIDE") == 1
    assert convert_quantity(Decimal("1.5"), Decimal(1024), "MULTIPLY") == Decimal("1536.0")


def test_major_units():
    assert format_major(Decimal(50)) == "$0.50"
    assert format_major(Decimal(-123456)) == "-$1,234.56"
    assert format_major(Decimal("0.01")) == "$0.0001"
    assert format_major(Decimal(3), CreditType("gpu_credits", "GPU")) == "3 gpu_credits"
    assert USD.symbol == "$"


def test_parse_decimal_refuses_non_numbers():
    assert parse_decimal("1_000.50") == Decimal("1000.50")
    for text in ["NaN", "inf", "1e", "", "0x10", "1__0"]:
        with pytest.raises(NotADecimal):
            parse_decimal(text)
