"""`--as-of-period YYYY-MM`: usage fixtures moved into another month, while they are read.

Fixtures are recorded in some month; a price change dated later has no events in its window.
`--as-of-period 2027-01` replays every event as if it happened in January 2027: the same day of
the month and the same time, the day clamped to the month's last (January 31 into February is
February 28, or 29 in a leap year). Only the timestamp moves: the event's identity
(`transaction_id`, so duplicates stay duplicates), customer, type and properties do not.

    >>> from billing_spec.timestamps import parse_timestamp
    >>> move = into_period(parse_period("2027-02"))
    >>> move(parse_timestamp("2026-10-31T23:59:59Z")).isoformat()
    '2027-02-28T23:59:59+00:00'

The move is applied by the reader (`EventStream(..., period=...)`) to every event before the
evaluator sees it, so `--through` cuts the moved timestamps.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

_PERIOD = re.compile(r"(\d{4})-(\d{2})\Z", re.ASCII)


class Period(NamedTuple):
    """A calendar month: `2027-01`."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_period(text: str) -> Period:
    """`YYYY-MM` -> Period; ValueError with the reason for anything else."""
    match = _PERIOD.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2027-01")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a month: the month must be 01 to 12")
    if not 1000 <= year <= 9997:  # the years event timestamps may have (`timestamps`)
        raise ValueError(f"{text!r} is not a month: the year must be 1000 to 9997")
    return Period(year, month)


def into_period(period: Period) -> Callable[[datetime], datetime]:
    """The move of a timestamp into `period`: same day (clamped) and time of day."""
    last_day = calendar.monthrange(period.year, period.month)[1]

    def move(when: datetime) -> datetime:
        return when.replace(year=period.year, month=period.month, day=min(when.day, last_day))

    return move


def period_of(when: datetime) -> Period:
    return Period(when.year, when.month)
