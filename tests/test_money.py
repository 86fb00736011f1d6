"""Money and quantity rounding happen only in billing_spec.money, as DESIGN.md names them."""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    shown,
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


def test_a_non_terminating_quotient_stays_a_fraction():
    """31 ÷ 3 is 31/3, not 10.333… to some number of digits."""
    assert convert_quantity(Decimal(31), Decimal(3), "DIVIDE") == Fraction(31, 3)
    assert convert_quantity(Decimal("7.5"), Decimal(3600), "DIVIDE") == Fraction(1, 480)


@pytest.mark.parametrize(
    ("quantity", "places", "method", "expected"),
    [
        (Fraction(10, 3), 0, "ROUND_UP", "4"),
        (Fraction(-10, 3), 0, "ROUND_UP", "-3"),  # toward +inf
        (Fraction(-10, 3), 0, "ROUND_DOWN", "-4"),  # toward -inf
        (Fraction(10, 3), 2, "ROUND_UP", "3.34"),
        (Fraction(5, 2), 0, "ROUND_HALF_UP", "3"),  # a tie: away from zero
        (Fraction(-5, 2), 0, "ROUND_HALF_UP", "-3"),
        (Fraction(20, 3), 0, "ROUND_HALF_UP", "7"),
        (Fraction(3701, 3), -2, "ROUND_UP", "1300"),  # 1233.67 -> hundreds
        (Fraction(3749, 3), -2, "ROUND_HALF_UP", "1200"),  # 1249.67
        (Fraction(1, 3), -2, "ROUND_DOWN", "0"),
    ],
)
def test_round_quantity_of_an_exact_fraction(quantity, places, method, expected):
    assert canonical(round_quantity(quantity, places, method)) == expected


@given(
    st.decimals(-(10**6), 10**6, places=4, allow_nan=False, allow_infinity=False),
    st.integers(-3, 4),
    st.sampled_from(["ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]),
)
def test_a_fraction_rounds_as_its_decimal_does(quantity, places, method):
    """The integer rounding of an exact fraction agrees with Decimal's quantize on the same
    (terminating) value, for every method and place."""
    assert round_quantity(Fraction(quantity), places, method) == round_quantity(
        quantity, places, method
    )


@given(st.decimals(-(10**6), 10**6, places=6, allow_nan=False, allow_infinity=False))
def test_an_exact_fraction_rounds_to_money_as_its_decimal_does(amount):
    assert round_money(Fraction(amount)) == round_money(amount)


def test_an_amount_beyond_50_digits_is_refused_not_rounded():
    with pytest.raises(InvalidOperation):
        round_money(Fraction(10**58, 3))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(3, 5), "0.6"),  # terminates: exact
        (Fraction(1, 2**20), "0.00000095367431640625"),  # terminates after 20 places: exact
        (Fraction(10, 3), "3.333333333333"),  # 12 places, to the nearest
        (Fraction(20, 3), "6.666666666667"),
        (Fraction(-20, 3), "-6.666666666667"),
        (Fraction(1, 3 * 10**13), "0"),
        (Fraction(1, 7), "0.142857142857"),
    ],
)
def test_shown_is_exact_when_it_terminates_else_12_places(value, expected):
    assert canonical(shown(value)) == expected


@given(st.integers(-(10**52), 10**52), st.integers(0, 55))
def test_a_whole_amount_rounds_as_the_general_rounding_does(whole, places):
    """`round_money`'s shortcut for a whole `Exact` gives what the integer rounding gives, and
    refuses what it refuses (more than EXACT's 50 digits)."""
    from billing_spec.money import ROUND_HALF_UP, CreditType, _round_to_places

    credit_type = CreditType("X", "x", decimal_places=places)

    def outcome(fn):
        try:
            return str(fn())
        except InvalidOperation:
            return "refused"

    assert outcome(lambda: round_money(Fraction(whole), credit_type)) == outcome(
        lambda: _round_to_places(Fraction(whole), places, ROUND_HALF_UP)
    )


@given(st.integers(-(10**60), 10**60))
def test_a_whole_quantity_is_shown_as_itself(whole):
    assert str(shown(Fraction(whole))) == str(Decimal(whole))
