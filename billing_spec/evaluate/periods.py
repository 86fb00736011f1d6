"""Statement periods: a contract's `usage_statement_schedule` -> the `[start, end)` it bills.

Every schedule is a sequence of boundaries `anchor + k * step` for all integers k, clipped to the
contract's `[starting_at, ending_before)`. The anchor, and a MONTHLY example:

- FIRST_OF_MONTH: the calendar (Jan 1 00:00 UTC; WEEKLY: a Monday 00:00 UTC).
  A contract from Jan 31: Jan 31 -> Feb 1 -> Mar 1 -> ...
- CONTRACT_START: the contract's `starting_at`, day of month and time of day.
  A contract from Jan 31: Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 -> ...
- CUSTOM_DATE: `billing_anchor_date`, day of month and time of day.
  Anchor Sep 10, contract from Sep 15: Sep 15 -> Oct 10 -> Nov 10 -> ...

The step is 1, 3 or 12 months (MONTHLY, QUARTERLY, ANNUAL) or 7 days (WEEKLY). A month step
keeps the anchor's day of month, clamped to the month's last day, and always counts from the
anchor, so a clamped month does not shift the ones after it (Jan 31 -> Feb 28 -> Mar 31).
FIRST_OF_MONTH periods are calendar-aligned: months, quarters starting Jan/Apr/Jul/Oct 1 and
years; a WEEKLY schedule on FIRST_OF_MONTH runs Monday 00:00 UTC to Monday. The first and last
periods are partial when the contract starts or ends between boundaries.

No clock is read: an open-ended contract yields periods lazily, as far as the caller asks.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from billing_spec.catalog.models import UsageStatementSchedule

_MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "ANNUAL": 12}
_CALENDAR = datetime(2000, 1, 1, tzinfo=UTC)
_MONDAY = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class Period:
    """One statement period of one contract; `index` counts from 0 at the contract's start."""

    index: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """Boundaries `anchor + k * step`: `months` > 0 for month steps, else `days`."""

    anchor: datetime
    months: int = 0
    days: int = 0

    def boundary(self, k: int) -> datetime:
        if not self.months:
            return self.anchor + k * timedelta(days=self.days)
        a = self.anchor
        year, month0 = divmod(a.year * 12 + a.month - 1 + k * self.months, 12)
        day = min(a.day, calendar.monthrange(year, month0 + 1)[1])
        return a.replace(year=year, month=month0 + 1, day=day)

    def index_at(self, when: datetime) -> int:
        """The largest k with boundary(k) <= when."""
        if self.months:
            months = (when.year - self.anchor.year) * 12 + when.month - self.anchor.month
            k = months // self.months
        else:
            k = (when - self.anchor) // timedelta(days=self.days)
        while self.boundary(k) > when:
            k -= 1
        while self.boundary(k + 1) <= when:
            k += 1
        return k


def schedule_of(spec: UsageStatementSchedule | None, starting_at: datetime) -> Schedule:
    """The boundary sequence of a contract's `usage_statement_schedule` (None: monthly, 1st)."""
    frequency = spec.frequency if spec else "MONTHLY"
    day = spec.day if spec else "FIRST_OF_MONTH"
    if day == "CONTRACT_START":
        anchor = starting_at
    elif day == "CUSTOM_DATE" and spec is not None and spec.billing_anchor_date is not None:
        anchor = spec.billing_anchor_date
    else:  # FIRST_OF_MONTH (CUSTOM_DATE without an anchor is a catalog error, checked there)
        anchor = _MONDAY if frequency == "WEEKLY" else _CALENDAR
    if frequency == "WEEKLY":
        return Schedule(anchor, days=7)
    return Schedule(anchor, months=_MONTHS[frequency])


def periods(schedule: Schedule, start: datetime, end: datetime | None) -> Iterator[Period]:
    """The periods of a contract `[start, end)`, in order; endless when `end` is None."""
    k = schedule.index_at(start)
    index = 0
    lower = start
    while end is None or lower < end:
        k += 1
        upper = schedule.boundary(k)
        if end is not None and upper > end:
            upper = end
        yield Period(index, lower, upper)
        index += 1
        lower = upper
