"""Timestamps: RFC 3339 in, UTC `datetime` inside, `YYYY-MM-DDTHH:MM:SSZ` out.

Every instant in a catalog or an event is an RFC 3339 string with an explicit offset (`Z` or
`+02:00`); a timestamp without one is refused rather than guessed. Inside, instants are aware
`datetime`s in UTC. Fractions of a second beyond microseconds are dropped: every boundary billing
cares about (periods, rate segments, access windows) falls on a whole second, so this never moves
an instant across one. No function here reads the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})\Z"
)
_FRACTION = re.compile(r"\.(\d{7,9})")


class TimestampError(ValueError):
    """The text is not an RFC 3339 timestamp with an offset."""


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp and return it in UTC.

    >>> parse_timestamp("2026-10-01T02:00:00+02:00")
    datetime.datetime(2026, 10, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise TimestampError(
            f"{text!r} is not an RFC 3339 timestamp with an offset, like 2026-10-01T00:00:00Z"
        )
    normal = _FRACTION.sub(lambda m: "." + m.group(1)[:6], text.upper())
    if normal.endswith("Z"):
        normal = normal[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(normal)
    except ValueError as exc:
        raise TimestampError(f"{text!r} is not a valid date and time: {exc}") from None
    return value.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """The canonical form: UTC with `Z`, fractional seconds only when present.

    >>> format_timestamp(datetime(2026, 10, 1, tzinfo=UTC))
    '2026-10-01T00:00:00Z'
    """
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"
