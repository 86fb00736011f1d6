"""One usage event: its shape, its validation, and how its property values are read.

An event is Metronome's ingest object: `transaction_id`, `customer_id` (a customer ID or an ingest
alias), `event_type`, `timestamp` (RFC 3339 with an offset) and an optional `properties` object.
`check_event` turns one decoded JSON value into a `UsageEvent` or a reason it is malformed.

Numbers are never read through a binary float. JSON Lines are decoded by orjson, which gives
exact `int`s but binary `float`s (also for integers beyond 64 bits). Those floats are left in
place and refused where a value is read: `text_of` and `number_of` raise `InexactNumber`, and the
reader decodes that record again with `exact_loads`, which keeps every non-integer JSON number as
its text (`JsonNumber`). So the values billing reads are `str`, `JsonNumber`, `int`, `bool`,
`None`, `dict` or `list`, and:

- `text_of(value)` is the string a filter, a group key or UNIQUE compares: a string as is, a
  number by its JSON text (`5`, `1.50`), `true`/`false`, an object or array by its compact JSON;
  `None` (JSON null) counts as an absent property.
- `number_of(value)` is the exact number SUM, MAX and LATEST aggregate: an int, or a `Decimal`
  read from a JSON number's text or a numeric string (`"400000"`, `"0.5"`), with at most 30
  digits on each side of the point (`LIMIT_DIGITS`, as for catalog numbers); anything else is
  not a number.

This module does not open files (see `sources`) nor drop duplicates (see `reader`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from billing_spec.jsontext import canonical_json
from billing_spec.money import NotADecimal, OutOfRange, parse_decimal
from billing_spec.timestamps import EARLIEST_YEAR, END_YEAR, TimestampError, parse_timestamp


class JsonNumber(str):
    """A JSON number with a fraction or an exponent, kept as the text it was written with."""

    __slots__ = ()


class UsageEvent(NamedTuple):
    """A valid event. `source` indexes the reader's `sources`; `line` is 1-based."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: datetime
    properties: dict[str, Any]
    source: int
    line: int


class Malformed(ValueError):
    """The reason an input record is not a valid event."""


class InexactNumber(ValueError):
    """A value was decoded as a binary float: decode the record again with `exact_loads`."""


EMPTY: dict[str, Any] = {}
LIMIT_DIGITS = 30  # on each side of the point, as for catalog numbers
BEYOND = 10**LIMIT_DIGITS  # the smallest integer too large
_STRING_FIELDS = ("transaction_id", "customer_id", "event_type")
_ISO = datetime.fromisoformat


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _exact_int(text: str) -> int | JsonNumber:
    """An integer; one too long for `int()` (Python refuses 4,300 digits) stays text, which
    `number_of` then refuses as beyond `LIMIT_DIGITS`."""
    return int(text) if len(text) < 4000 else JsonNumber(text)


_EXACT_DECODER = json.JSONDecoder(
    parse_float=JsonNumber, parse_int=_exact_int, parse_constant=_no_constant
)


def exact_loads(text: str | bytes) -> Any:
    """Decode JSON keeping non-integer numbers as `JsonNumber` text (never a float).
    Raises ValueError (UnicodeDecodeError, json.JSONDecodeError, ...)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    value, end = exact_decode_at(text, _BLANK.match(text).end())
    if _BLANK.match(text, end).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


TOO_DEEP = "the JSON is nested too deeply"
_BLANK = re.compile(r"[ \t\n\r]*")
_DEPTH = 1100  # orjson, the fast path's decoder, takes 1,024 levels; so must this


def exact_decode_at(text: str, pos: int) -> tuple[Any, int]:
    """The JSON value at `pos` with exact numbers, and where it ends (`raw_decode`). Raises
    ValueError (json.JSONDecodeError, NaN, nested deeper than `_DEPTH` levels)."""
    try:
        return _EXACT_DECODER.raw_decode(text, pos)
    except RecursionError:
        pass
    limit = sys.getrecursionlimit()  # the decoder recurses once per level
    sys.setrecursionlimit(limit + _DEPTH)
    try:
        return _EXACT_DECODER.raw_decode(text, pos)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    finally:
        sys.setrecursionlimit(limit)


def has_float(properties: dict[str, Any]) -> bool:
    """True when a property value (or a value nested in one) is a binary float."""
    for value in properties.values():
        kind = type(value)
        if kind is float or ((kind is dict or kind is list) and _nested_float(value)):
            return True
    return False


def _nested_float(value: Any) -> bool:
    return any(type(item) is float for item in _nested(value))


def _nested(value: Any) -> Iterator[Any]:
    """`value` and every value and key nested in it, without recursion (an event may nest
    1,024 levels deep, as orjson reads it: more than Python's stack takes)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        kind = type(item)
        if kind is dict:
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)


def parse_event_timestamp(text: str) -> datetime:
    """RFC 3339 with an offset -> aware UTC datetime (`timestamps.parse_timestamp`, faster).

    The common spellings (`2026-10-03T09:15:00Z`, with a fraction of at most 9 digits) go
    straight to the C parser once their shape is checked (`is_plain_utc`); every other spelling
    takes the fully checked path, which accepts and refuses exactly what `parse_timestamp` does.

    >>> parse_event_timestamp("2026-10-03T09:15:00.5Z")
    datetime.datetime(2026, 10, 3, 9, 15, 0, 500000, tzinfo=datetime.timezone.utc)
    """
    if is_plain_utc(text):
        try:
            return _ISO(text)
        except ValueError:
            pass
    return parse_timestamp(text)  # raises TimestampError


def is_plain_utc(text: str) -> bool:
    """`YYYY-MM-DDTHH:MM:SS[.fraction]Z` as far as `datetime.fromisoformat` needs telling:
    it also takes week dates, basic format, a minute with a fraction, a comma, any separator, a
    blank before the `Z`, which RFC 3339 does not; and in the years `parse_timestamp` takes.
    (The reader's hot loop spells this test out inline.)"""
    size = len(text)
    return (
        EARLIEST_YEAR <= text < END_YEAR
        and text[-1:] == "Z"
        and text[10:11] == "T"
        and text[4:5] == "-"
        and text[7:8] == "-"
        and text[13:14] == ":"
        and text[16:17] == ":"
        and (size == 20 or (text[19:20] == "." and 21 < size < 31 and text[20:-1].isdigit()))
    )


def check_event(obj: Any, source: int, line: int) -> UsageEvent:
    """Validate one decoded record; raises `Malformed` with the reason."""
    if type(obj) is not dict:
        raise Malformed(f"an event must be a JSON object, not {_json_kind(obj)}")
    for name in _STRING_FIELDS:
        value = obj.get(name)
        if value is None:
            raise Malformed(f"missing {name}")
        if type(value) is not str or not value:
            raise Malformed(f"{name} must be a non-empty string, not {_show(value)}")
    text = obj.get("timestamp")
    if text is None:
        raise Malformed("missing timestamp")
    if type(text) is not str:
        raise Malformed(f"timestamp must be an RFC 3339 string, not {_show(text)}")
    try:
        when = parse_event_timestamp(text)
    except TimestampError as exc:
        raise Malformed(str(exc)) from None
    properties = obj.get("properties", EMPTY)
    if type(properties) is not dict:
        raise Malformed(f"properties must be a JSON object, not {_json_kind(properties)}")
    if _lone_surrogate(obj):
        raise Malformed(
            "a string holds a lone UTF-16 surrogate (an escape like \\ud800 without its pair), "
            "which is no Unicode character"
        )
    return UsageEvent(
        obj["transaction_id"], obj["customer_id"], obj["event_type"], when, properties, source, line
    )


def _lone_surrogate(value: Any) -> bool:
    """True when a string in `value` (a key too) cannot be written as UTF-8: JSON's `\\ud800`
    escapes decode to such strings (orjson refuses them; the exact decoder does not)."""
    return any(
        isinstance(item, str)
        and not item.isascii()
        and not item.isprintable()
        and _unencodable(item)
        for item in _nested(value)
    )


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_kind(value: Any) -> str:
    kinds = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return kinds.get(type(value), "a number")


def _show(value: Any) -> str:
    return (
        f"{_json_kind(value)} {json.dumps(value, default=str)[:40]}"
        if value is not None
        else "null"
    )


# --- reading property values -------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    """The string form filters, group keys and UNIQUE compare; None for an absent/null value.

    >>> text_of(5), text_of(JsonNumber("1.50")), text_of(True), text_of({"b": 1, "a": [2]})
    ('5', '1.50', 'true', '{"a":[2],"b":1}')
    """
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is JsonNumber or kind is Decimal:
        return str(value)
    if kind is float or _nested_float(value):
        raise InexactNumber(value)
    try:
        return canonical_json(value)
    except RecursionError:  # nested deeper than the stack takes: as deep as the reader reads
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 2 * _DEPTH)
        try:
            return canonical_json(value)
        finally:
            sys.setrecursionlimit(limit)


def number_of(value: Any) -> int | Decimal | None:
    """The exact number in a property value, or None when it is not a number.

    >>> number_of(7), number_of("400000"), number_of(JsonNumber("0.5")), number_of(" 1e3")
    (7, 400000, Decimal('0.5'), Decimal('1E+3'))
    >>> number_of(True), number_of("12 apples"), number_of("1e30")
    (None, None, None)

    Like catalog numbers, an event's numbers have at most 30 digits on each side of the point
    (`LIMIT_DIGITS`); a larger or finer one is not a number billing can use.
    """
    kind = type(value)
    if kind is int:
        return value if -BEYOND < value < BEYOND else None
    if kind is Decimal:
        return value if within_limits(value) else None
    if kind is str or kind is JsonNumber:
        if len(value) <= LIMIT_DIGITS and value.isdigit() and value.isascii():
            return int(value)
        try:
            number = parse_decimal(value)
        except NotADecimal:
            return None
        return number if within_limits(number) else None
    if kind is float:
        raise InexactNumber(value)
    return None


def within_limits(number: Decimal) -> bool:
    """At most `LIMIT_DIGITS` digits before the point and after it (trailing zeros aside)."""
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    _, digits, exponent = number.as_tuple()
    trailing_zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))
    return number.adjusted() < LIMIT_DIGITS and exponent + trailing_zeros >= -LIMIT_DIGITS


def why_not_a_number(value: Any) -> str:
    """Why `number_of(value)` is None, for a diagnostic: `a string "x", not a number`, or
    `the number 1e40, beyond 30 digits on a side of the point`."""
    try:
        number = Decimal(value) if type(value) in (int, Decimal) else parse_decimal(str(value))
    except OutOfRange:  # an exponent beyond Decimal's range: beyond the limits, like 1e400
        return f"the number {str(value)[:40]}, beyond {LIMIT_DIGITS} digits on a side of the point"
    except (NotADecimal, ValueError, TypeError):
        number = None
    if value is None or type(value) is bool or number is None or not number.is_finite():
        return f"{describe_value(value)}, not a number"
    return f"the number {str(value)[:40]}, beyond {LIMIT_DIGITS} digits on a side of the point"


def describe_value(value: Any) -> str:
    """A short description of a property value for a diagnostic."""
    if value is None:
        return "missing"
    return f"{_json_kind(value)} {json.dumps(value, ensure_ascii=False, default=str)[:40]}"


__all__ = [
    "EMPTY",
    "InexactNumber",
    "JsonNumber",
    "Malformed",
    "UsageEvent",
    "check_event",
    "describe_value",
    "exact_loads",
    "has_float",
    "is_plain_utc",
    "number_of",
    "parse_event_timestamp",
    "text_of",
    "why_not_a_number",
    "within_limits",
]
