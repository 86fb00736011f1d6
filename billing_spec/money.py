"""Money and quantities: the one module that owns `Decimal` arithmetic and every rounding point.

Numbers reach us as text (a YAML scalar, a JSON event property) and become `Decimal` here without
ever passing through a binary float. Arithmetic runs in `EXACT`, a fixed context with 50
significant digits, so results never depend on the caller's thread-local decimal context.
Aggregation sums event values in `SUMS`, which never rounds and is wide enough that no partial
sum ever needs rounding, so whether a sum is exact cannot depend on the order of the events;
`within_precision` then refuses a quantity that needs more than 50 digits, as an amount too
large to round to its smallest unit is refused (E707).

A usage quantity is priced as an exact rational (`fractions.Fraction`, this module's
`Exact`): `convert_quantity` returns aggregate × factor or aggregate ÷ factor without cutting it to
any number of digits, so a DIVIDE whose quotient does not terminate (÷3, ÷3600) is carried as
the fraction it is (31 ÷ 3 = 31/3) through rounding, tiers and prices, and only the line's total
is rounded: 31/3 units at 4.5 cents = 46.5 exactly -> 47 cents (at 50 digits it was 46.4999… ->
46). Rounding an `Exact` uses integer arithmetic only (`_round_to_places`), never a float.

Rounding happens at exactly two named points (DESIGN.md, "Pricing semantics"):

1. `round_quantity` — a product's `quantity_rounding`, after `quantity_conversion`:
   ROUND_UP goes toward +inf, ROUND_DOWN toward -inf, ROUND_HALF_UP sends ties away from zero;
   `decimal_places` may be negative (-2 rounds to hundreds).
2. `round_money` — once per line item, to the credit type's smallest unit (USD: a whole cent),
   ties away from zero. Subtotals and totals are sums of rounded lines, so they need no rounding.

Both take a Decimal or an `Exact`. Besides them, `shown` turns an `Exact` into the Decimal an
invoice displays (a line's `quantity`, a tier row's `quantity` and `subtotal`): exactly, when its
decimal expansion terminates; otherwise cut to `DISPLAY_PLACES` (12) decimal places, to the
nearest (a non-terminating value is never a tie). What is shown is never fed back into pricing.

`canonical` writes a Decimal in the one plain form used in JSON output and digests, and
`format_major` shows an amount in major units for people (`$0.50`).

An invoice impact (`plan --impact`) compares totals: `percent_change` is exact (to `EXACT`'s 50
digits); `round_percent` (to 0.01, for JSON) and `format_percent` (to 0.1, for people) are output
roundings only, never fed back into a computation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction
from typing import TypeAlias

EXACT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
# Sums of event values: exact or an error (`Inexact` trapped), never rounded. An event value has
# at most 30 digits on each side of the point (`events.records.LIMIT_DIGITS`), so a partial sum
# of fewer than 10^40 of them needs at most 100 digits: it is exact whatever the order.
SUMS = Context(
    prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact]
)
# What a quantity may need to be priced exactly: `EXACT`'s 50 digits.
_FITS = Context(
    prec=EXACT.prec, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, Overflow, Inexact]
)
ZERO = Decimal(0)
ONE = Decimal(1)

Exact: TypeAlias = Fraction
"""An exact rational quantity or amount: what `convert_quantity` returns and pricing computes."""
DISPLAY_PLACES = 12
"""Decimal places a non-terminating `Exact` is shown to (`shown`); display only."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z", re.ASCII)

# Metronome's quantity rounding methods, as Decimal rounding modes.
QUANTITY_ROUNDING = {
    "ROUND_UP": ROUND_CEILING,
    "ROUND_DOWN": ROUND_FLOOR,
    "ROUND_HALF_UP": ROUND_HALF_UP,
}


class NotADecimal(ValueError):
    """The text is not a finite decimal number."""


class OutOfRange(NotADecimal):
    """The text is a decimal number whose exponent is beyond what `Decimal` can hold
    (`1e1000000000000000000`): far beyond any limit billing has, so never a usable number."""


def parse_decimal(text: str) -> Decimal:
    """Read a decimal number from text: `12`, `-0.05`, `1e6`, `1_000`. No NaN, no infinity.

    >>> parse_decimal("0.05")
    Decimal('0.05')
    """
    stripped = text.strip()
    if not _NUMBER.match(stripped):
        raise NotADecimal(f"{text!r} is not a decimal number")
    try:
        return Decimal(stripped.replace("_", ""))
    except InvalidOperation:  # an exponent beyond Decimal's range: 1e1000000000000000000
        shown = stripped if len(stripped) <= 40 else stripped[:37] + "..."
        raise OutOfRange(f"{shown} is out of range: its exponent is beyond any number") from None


def canonical(value: Decimal) -> str:
    """The one plain text form of a Decimal: no exponent, no trailing zeros, no `-0`.

    >>> canonical(Decimal("1.3E+3")), canonical(Decimal("0.50")), canonical(Decimal("-0.0"))
    ('1300', '0.5', '0')
    """
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def grouped(value: Decimal) -> str:
    """`canonical` with thousands separators, as text output shows every number.

    >>> grouped(Decimal("1234567.50")), grouped(Decimal("-1000")), grouped(Decimal("0.001"))
    ('1,234,567.5', '-1,000', '0.001')
    """
    text = canonical(value)
    sign = "-" if text.startswith("-") else ""
    whole, dot, frac = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def normalize(value: Decimal) -> Decimal:
    """The Decimal whose text is `canonical(value)` (so equal values compare and print alike)."""
    return Decimal(canonical(value))


def within_precision(quantity: Decimal) -> Decimal:
    """`quantity` as it is, when it has at most 50 significant digits; else `Inexact` (a
    `DecimalException`), never a rounding.

    >>> within_precision(Decimal("1.50"))
    Decimal('1.50')
    """
    return _FITS.plus(quantity)


def add_up(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of rounded amounts (an invoice's subtotal), whatever the caller's decimal
    context: `SUMS` never rounds.

    >>> add_up([Decimal("30"), Decimal("20")])
    Decimal('50')
    """
    return functools.reduce(SUMS.add, amounts, ZERO)


def exact(value: Decimal | Exact | int) -> Exact:
    """`value` as an exact rational: a Decimal converts without loss.

    >>> exact(Decimal("0.05"))
    Fraction(1, 20)
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        return _exact_decimal(value)
    return Fraction(value)


@functools.lru_cache(maxsize=4096)
def _exact_decimal(value: Decimal) -> Exact:
    """Prices and tier bounds recur on every line: convert each once."""
    return Fraction(value)


def convert_quantity(quantity: Decimal | Exact, factor: Decimal, operation: str) -> Exact:
    """Apply a product's `quantity_conversion`, exactly: MULTIPLY or DIVIDE by
    `conversion_factor`. A quotient that does not terminate stays a fraction.

    >>> convert_quantity(Decimal(31), Decimal(3), "DIVIDE")
    Fraction(31, 3)
    """
    if operation == "MULTIPLY":
        return exact(quantity) * exact(factor)
    return exact(quantity) / exact(factor)


def round_quantity(quantity: Decimal | Exact, decimal_places: int, method: str) -> Decimal:
    """Apply a product's `quantity_rounding` (an `Exact` is rounded exactly, never cut first).

    >>> round_quantity(Decimal("1234.5"), -2, "ROUND_UP")
    Decimal('1300')
    >>> round_quantity(Decimal("-2.5"), 0, "ROUND_HALF_UP")
    Decimal('-3')
    >>> round_quantity(Fraction(10, 3), 0, "ROUND_UP")
    Decimal('4')
    >>> round_quantity(Fraction(-10, 3), 1, "ROUND_DOWN")
    Decimal('-3.4')
    """
    mode = QUANTITY_ROUNDING[method]
    if isinstance(quantity, Fraction):
        return _round_to_places(quantity, decimal_places, mode)
    exponent = Decimal(1).scaleb(-decimal_places)
    rounded = quantity.quantize(exponent, rounding=mode, context=EXACT)
    return normalize(rounded)


def shown(value: Decimal | Exact) -> Decimal:
    """The Decimal an invoice displays for `value`: `value` itself when it terminates, else cut
    to `DISPLAY_PLACES` decimal places, to the nearest. Display only: never priced.

    >>> shown(Fraction(3, 5)), shown(Fraction(10, 3)), shown(Fraction(20, 3))
    (Decimal('0.6'), Decimal('3.333333333333'), Decimal('6.666666666667'))
    """
    if not isinstance(value, Fraction):
        return value
    if value.denominator == 1:  # a whole number: the common case, no digits to cut
        return Decimal(value.numerator)
    places = _terminating_places(value.denominator)
    if places is None:
        return _round_to_places(value, DISPLAY_PLACES, ROUND_HALF_EVEN)
    return normalize(_with_exponent(value.numerator * 10**places // value.denominator, -places))


def _terminating_places(denominator: int) -> int | None:
    """The decimal places n/`denominator` needs (n coprime to it), None when it never ends."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None


def _round_to_places(value: Exact, places: int, mode: str) -> Decimal:
    """`value` rounded to `places` decimal places (negative: tens, hundreds) in one of the
    decimal modes ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP (ties away from zero) or
    ROUND_HALF_EVEN, with integer arithmetic only; refused (`InvalidOperation`) when the result
    needs more than `EXACT`'s 50 digits, as a Decimal quantize is."""
    if places >= 0:  # integers only: no Fraction arithmetic on the hot path
        numerator, denominator = value.numerator * 10**places, value.denominator
    else:
        numerator, denominator = value.numerator, value.denominator * 10**-places
    whole = _round_integer(numerator, denominator, mode)
    rounded = _with_exponent(whole, -places)
    return normalize(rounded.quantize(Decimal(1).scaleb(-places), context=EXACT))


def _round_integer(numerator: int, denominator: int, mode: str) -> int:
    """`numerator` / `denominator` (> 0) rounded to an integer in `mode`."""
    floor, rest = divmod(numerator, denominator)
    if mode == ROUND_FLOOR or rest == 0:
        return floor
    if mode == ROUND_CEILING:
        return floor + 1
    twice = 2 * rest
    if twice != denominator:
        return floor + (twice > denominator)
    if mode == ROUND_HALF_UP:  # a tie: away from zero
        return floor + (numerator > 0)
    return floor + floor % 2  # ROUND_HALF_EVEN: to the even neighbour


def _with_exponent(coefficient: int, exponent: int) -> Decimal:
    """coefficient × 10^exponent as a Decimal, built exactly (no context rounds it)."""
    sign, digits, _ = Decimal(coefficient).as_tuple()
    return Decimal((sign, digits, exponent))


@dataclass(frozen=True)
class CreditType:
    """A unit money is counted in. Amounts are in its base unit (USD: cents).

    `decimal_places` is the smallest unit a line item rounds to, in base units (0 = whole cents);
    `per_major` is base units per major unit for display (100 cents per dollar).
    """

    id: str
    name: str
    decimal_places: int = 0
    per_major: Decimal = ONE
    symbol: str = ""


USD = CreditType(id="USD", name="USD (cents)", decimal_places=0, per_major=Decimal(100), symbol="$")


_WHOLE_BELOW = tuple(10 ** (EXACT.prec - places) for places in range(EXACT.prec))


def _rounds_to_itself(whole: int, places: int) -> bool:
    """A whole amount rounds to itself at `places` (>= 0) within `EXACT`'s digits."""
    return 0 <= places < len(_WHOLE_BELOW) and -_WHOLE_BELOW[places] < whole < _WHOLE_BELOW[places]


def round_money(amount: Decimal | Exact, credit_type: CreditType = USD) -> Decimal:
    """Round a line item's total to the credit type's smallest unit, ties away from zero; an
    `Exact` amount is rounded from its exact value.

    >>> round_money(Decimal("50.5")), round_money(Decimal("-0.5")), round_money(Fraction(93, 2))
    (Decimal('51'), Decimal('-1'), Decimal('47'))
    """
    if isinstance(amount, Fraction):
        places = credit_type.decimal_places
        if amount.denominator == 1 and _rounds_to_itself(amount.numerator, places):
            return Decimal(amount.numerator)  # already whole: what the rounding gives
        return _round_to_places(amount, places, ROUND_HALF_UP)
    exponent = Decimal(1).scaleb(-credit_type.decimal_places)
    return normalize(amount.quantize(exponent, rounding=ROUND_HALF_UP, context=EXACT))


def format_major(amount: Decimal, credit_type: CreditType = USD) -> str:
    """An amount in base units shown in major units: `$0.50`, `-$1,234.00`, `$0.0001`.

    At least two decimals for a currency with a symbol, more when a sub-cent price needs them.
    A custom credit type prints its amount and ID: `12.5 gpu_credits`.
    """
    if not credit_type.symbol:
        return f"{grouped(amount)} {credit_type.id}"
    major = EXACT.divide(amount, credit_type.per_major)
    sign = "-" if major < 0 else ""
    digits = canonical(abs(major))
    whole, _, frac = digits.partition(".")
    frac = frac.ljust(2, "0")
    return f"{sign}{credit_type.symbol}{int(whole):,}.{frac}"


def format_signed_major(amount: Decimal, credit_type: CreditType = USD) -> str:
    """A change in major units, with its sign: `+$0.05`, `-$0.05`, `$0.00`.

    >>> format_signed_major(Decimal(5)), format_signed_major(Decimal(-5)), format_signed_major(ZERO)
    ('+$0.05', '-$0.05', '$0.00')
    """
    text = format_major(amount, credit_type)
    return f"+{text}" if amount > 0 else text


def percent_change(old: Decimal, new: Decimal) -> Decimal | None:
    """How much `new` differs from `old`, in percent of `old`'s size; None when `old` is zero.

    The sign is the change's (an old total below zero is measured by its size).

    >>> percent_change(Decimal(50), Decimal(45)), percent_change(Decimal(3), Decimal(4))
    (Decimal('-10'), Decimal('33.333333333333333333333333333333333333333333333333'))
    """
    if old.is_zero():
        return None
    change = EXACT.multiply(EXACT.subtract(new, old), Decimal(100))
    return normalize(EXACT.divide(change, abs(old)))


def round_percent(percent: Decimal, places: int = 2) -> Decimal:
    """A percent for output, to `places` decimals, ties away from zero.

    >>> round_percent(Decimal("33.335")), round_percent(Decimal("-10"))
    (Decimal('33.34'), Decimal('-10'))
    """
    if percent.adjusted() >= EXACT.prec - places:  # too large to carry decimals: already whole
        return normalize(percent)
    exponent = Decimal(1).scaleb(-places)
    return normalize(percent.quantize(exponent, rounding=ROUND_HALF_UP, context=EXACT))


def format_percent_above(percent: Decimal, threshold: Decimal) -> str:
    """`format_percent`, with as many decimals as it takes (up to 6) to show `percent` above
    `threshold` when it is: +10.04% against 10 reads `+10.04%`, not `+10.0%`.

    >>> ten = Decimal("10")
    >>> format_percent_above(Decimal("10.04"), ten), format_percent_above(Decimal("12"), ten)
    ('+10.04%', '+12.0%')
    """
    places = next((p for p in range(1, 6) if round_percent(percent, p) > threshold), 6)
    return _signed_percent(percent, places)


def format_percent(percent: Decimal | None) -> str:
    """A percent for people, to one decimal, with its sign; `n/a` when there is none.

    >>> format_percent(Decimal("-10")), format_percent(Decimal("33.35")), format_percent(None)
    ('-10.0%', '+33.4%', 'n/a')
    """
    if percent is None:
        return "n/a"
    return _signed_percent(percent, 1)


def _signed_percent(percent: Decimal, places: int) -> str:
    rounded = round_percent(percent, places)
    sign = "+" if rounded > 0 else ""
    return f"{sign}{rounded:.{places}f}%"
