"""Timestamps: RFC 3339 in, UTC `datetime` inside, `YYYY-MM-DDTHH:MM:SSZ` out.

Every instant in a catalog or an event is an RFC 3339 string with an explicit offset (`Z` or
`+02:00`); a timestamp without one is refused rather than guessed. Inside, instants are aware
`datetime`s in UTC. Fractions of a second beyond microseconds are dropped: every boundary billing
cares about (periods, rate segments, access windows) falls on a whole second, so this never moves
an instant across one. Instants lie in years 1000 to 9997 (UTC): far enough from the ends of
`datetime` that a statement period (a year at most) ending after any of them can still be written
and read back. No function here reads the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))\Z", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_NO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?\Z", re.ASCII)
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9998, 1, 1, tzinfo=UTC)  # the first instant refused
# The same range for `YYYY-...` text, compared as strings: EARLIEST_YEAR <= text < END_YEAR
EARLIEST_YEAR, END_YEAR = f"{EARLIEST.year:04d}", f"{END_OF_TIME.year:04d}"
_FRACTION = re.compile(r"\.(\d{7,9})")


class TimestampError(ValueError):
    """The text is not an RFC 3339 timestamp with an offset."""


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp given by a user (years 1000 to 9997) and return it in UTC.

    >>> parse_timestamp("2026-10-01T02:00:00+02:00")
    datetime.datetime(2026, 10, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    value = _parse(text)
    if value >= END_OF_TIME:
        raise out_of_range(text)
    return value


def parse_written_timestamp(text: str) -> datetime:
    """`parse_timestamp` for what billing-spec wrote itself (invoices, plan files): a statement
    period that starts before year 9998 may end in it."""
    return _parse(text)


def _parse(text: str) -> datetime:
    match = _RFC3339.match(text) if isinstance(text, str) else None
    if match is None:
        raise TimestampError(
            f"{text!r} is not an RFC 3339 timestamp with an offset, like 2026-10-01T00:00:00Z"
        )
    if _bad_offset(match):
        raise TimestampError(
            f"{text!r} has an offset out of range: hours 00 to 23, minutes 00 to 59"
        )
    normal = _FRACTION.sub(lambda m: "." + m.group(1)[:6], text.upper())
    if normal.endswith("Z"):
        normal = normal[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(normal)
    except ValueError as exc:
        raise TimestampError(f"{text!r} is not a valid date and time: {exc}") from None
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # within a day of the ends of `datetime`
        raise out_of_range(text) from None
    if value < EARLIEST:
        raise out_of_range(text)
    return value


def _bad_offset(match: re.Match[str]) -> bool:
    hours, minutes = match.group(1, 2)
    return hours is not None and (int(hours) > 23 or int(minutes) > 59)


def timestamp_hint(value: object) -> str:
    """How to fix a value refused as a timestamp ("" when the message says it all)."""
    if isinstance(value, str):
        if _DATE.match(value):
            return f"a date alone is not an instant: {value}T00:00:00Z is its start in UTC"
        if _NO_OFFSET.match(value):
            return f"add the offset: {value}Z is UTC"
        match = _RFC3339.match(value)
        if match is not None and not _bad_offset(match):
            return ""  # the shape is right; the date or time is not
    return "write an instant with its offset, like 2026-10-01T00:00:00Z (UTC)"


def out_of_range(text: str) -> TimestampError:
    return TimestampError(f"{text!r} is out of range: instants lie in years 1000 to 9997 (UTC)")


def format_timestamp(value: datetime) -> str:
    """The canonical form: UTC with `Z`, fractional seconds only when present.

    >>> format_timestamp(datetime(2026, 10, 1, tzinfo=UTC))
    '2026-10-01T00:00:00Z'
    """
    value = value.astimezone(UTC)
    text = value.replace(tzinfo=None, microsecond=0).isoformat()
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"
