"""Field types shared by the catalog models: IDs, references, timestamps, amounts, enums.

Each type validates the value the YAML loader produced (str, Decimal, bool, None, list, dict) and
carries its own JSON Schema, so the published schema and the validator cannot disagree:

- `Id` / `Ref`: a catalog ID `[a-z][a-z0-9_-]*`; a `Ref` names another resource by that ID.
- `Timestamp`: RFC 3339 with an offset, stored as UTC, written back as `...Z`.
- `Amount`: an exact `Decimal` (a number or a numeric string) of at most `MAX_DIGITS` digits on
  each side of the point, written back in canonical form.
- `DecimalPlaces`: a whole number of places to round to, -20..20.
- `PeriodCount`: a whole number of periods, 1..1000.
- `ci_enum(E)`: an enum accepting Metronome's three spellings (`USAGE`, `usage`, `Usage`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from billing_spec.addresses import ID_PATTERN
from billing_spec.catalog.yaml_source import describe_value
from billing_spec.money import canonical, parse_decimal
from billing_spec.timestamps import TimestampError, format_timestamp, parse_timestamp


class Model(BaseModel):
    """Base of every catalog model: immutable, unknown keys refused, docstrings become docs.

    A field with an alias (`Moved.from_`) is read by its alias only, as the schema has it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Ref = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
USD_ID = "USD"
CreditTypeRef = Annotated[str, StringConstraints(pattern=r"^(USD|[a-z][a-z0-9_-]*)$")]
"""A credit type: `USD` (built in, cents) or the ID of a custom credit type."""


class TimestampValueError(ValueError):
    """Raised by the Timestamp validator, so diagnostics can give it its own code."""


def _timestamp(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TimestampValueError("a timestamp needs an offset, like 2026-10-01T00:00:00Z")
        return value
    if not isinstance(value, str):
        raise TimestampValueError(
            f"expected an RFC 3339 timestamp like 2026-10-01T00:00:00Z, got {describe_value(value)}"
        )
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise TimestampValueError(str(exc)) from None


Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


MAX_DIGITS = 30
"""A catalog number has at most 30 digits before and 30 after the decimal point, so arithmetic
on such numbers in `money.EXACT` never overflows."""


def _amount(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, Decimal | int):
        return _in_range(Decimal(value))
    if isinstance(value, str):
        return _in_range(parse_decimal(value))  # NotADecimal is a ValueError: E104 with a hint
    if isinstance(value, float):
        raise ValueError("floats are not accepted; pass the number as a string or Decimal")
    raise ValueError(f"expected a number, got {type(value).__name__}")


def _in_range(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if value.is_finite() and (
        value.adjusted() >= MAX_DIGITS or (isinstance(exponent, int) and exponent < -MAX_DIGITS)
    ):
        shown = str(value) if len(str(value)) <= 40 else f"{value:.6E}"
        raise ValueError(
            f"{shown} is out of range: a catalog number has at most {MAX_DIGITS} "
            f"digits before and {MAX_DIGITS} after the decimal point"
        )
    return value


_AMOUNT_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^[+-]?(\d+(_\d+)*(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"},
    ]
}

Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(canonical, return_type=str, when_used="json"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]


def _integer(value: Any) -> Any:
    """A whole number (YAML numbers arrive as Decimal; `2` and `2.0` are fine, `2.5` is not)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, Decimal):
        if value.adjusted() >= 9:  # before int(): 1e999999 would take seconds to convert
            raise ValueError(f"{value:.6E} is out of range")
        if value != value.to_integral_value():
            raise ValueError(f"expected a whole number, got {value}")
    return int(value)


DecimalPlaces = Annotated[
    int,
    BeforeValidator(_integer),
    Field(ge=-20, le=20),
    WithJsonSchema({"type": "integer", "minimum": -20, "maximum": 20}),
]
"""Places to round to, -20..20 (-2 rounds to hundreds); rounding stays exact within that."""

PeriodCount = Annotated[
    int,
    BeforeValidator(_integer),
    Field(ge=1, le=1000),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 1000}),
]
"""A whole number of periods, 1..1000 (a recurring commit's `commit_duration.value`)."""

OffsetValue = Annotated[
    int,
    BeforeValidator(_integer),
    Field(ge=0, le=1000),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 1000}),
]
"""A whole number of days, weeks, months or years, 0..1000 (a package's relative dates)."""


def ci_enum(enum: type[StrEnum], description: str = "") -> Any:
    """An enum field that accepts `VALUE`, `value` and `Value`, as Metronome's API does."""
    spellings: dict[str, str] = {}
    for member in enum:
        for spelling in (member.value, member.value.lower(), member.value.capitalize()):
            spellings.setdefault(spelling, member.value)

    def canonical_case(value: Any) -> Any:
        return spellings.get(value, value) if isinstance(value, str) else value

    schema: dict[str, Any] = {"type": "string", "enum": list(spellings)}
    if description:
        schema["description"] = description
    return Annotated[enum, BeforeValidator(canonical_case), WithJsonSchema(schema)]
