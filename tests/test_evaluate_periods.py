"""Statement periods: which invoices a contract's usage_statement_schedule makes.

One event (1 unit at 50 cents) on the given days; each test lists the invoices' periods.
"""

from __future__ import annotations

from datetime import UTC, datetime

from invoicing import FLAT_50, catalog, event, invoices

from billing_spec.evaluate.periods import Schedule, periods


def _periods(tmp_path, start: str, schedule: str, days: list[str], end: str | None = None):
    text = catalog(FLAT_50.replace("2026-01-01", "2020-01-01"), start=start, schedule=schedule)
    if end:
        text = text.replace(
            f"starting_at: {start}", f"starting_at: {start}\n    ending_before: {end}"
        )
    events = [event(f"t{n}", f"{day}T12:00:00Z", units=1) for n, day in enumerate(days)]
    document, _ = invoices(tmp_path, text, events)
    return [(i["start_timestamp"][:10], i["end_timestamp"][:10]) for i in document["invoices"]]


def test_monthly_first_of_month_with_a_partial_first_period(tmp_path):
    """From Oct 15: Oct 15 -> Nov 1 (partial), then calendar months."""
    assert _periods(
        tmp_path, "2026-10-15T00:00:00Z", "{frequency: MONTHLY}", ["2026-10-20", "2026-11-20"]
    ) == [("2026-10-15", "2026-11-01"), ("2026-11-01", "2026-12-01")]


def test_contract_start_keeps_the_day_and_clamps_at_month_end(tmp_path):
    """From Jan 31: Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 (the 31st again when the month has it)."""
    assert _periods(
        tmp_path,
        "2026-01-31T00:00:00Z",
        "{frequency: MONTHLY, day: CONTRACT_START}",
        ["2026-02-01", "2026-03-01", "2026-04-01"],
    ) == [("2026-01-31", "2026-02-28"), ("2026-02-28", "2026-03-31"), ("2026-03-31", "2026-04-30")]


def test_contract_start_keeps_the_time_of_day(tmp_path):
    text = catalog(
        FLAT_50, start="2026-10-05T09:30:00Z", schedule="{frequency: MONTHLY, day: CONTRACT_START}"
    )
    document, _ = invoices(
        tmp_path,
        text,
        [event("t", "2026-11-05T09:29:59Z", units=1), event("u", "2026-11-05T09:30:00Z", units=1)],
    )
    assert [(i["start_timestamp"], i["end_timestamp"]) for i in document["invoices"]] == [
        ("2026-10-05T09:30:00Z", "2026-11-05T09:30:00Z"),
        ("2026-11-05T09:30:00Z", "2026-12-05T09:30:00Z"),
    ]


def test_custom_date_anchor(tmp_path):
    """Metronome's example: a contract from 2024-09-15 with anchor 2024-09-10, monthly: the first
    statement is Sep 15 -> Oct 10, then the 10th of each month."""
    schedule = "{frequency: MONTHLY, day: CUSTOM_DATE, billing_anchor_date: 2024-09-10T00:00:00Z}"
    assert _periods(tmp_path, "2024-09-15T00:00:00Z", schedule, ["2024-09-20", "2024-10-20"]) == [
        ("2024-09-15", "2024-10-10"),
        ("2024-10-10", "2024-11-10"),
    ]


def test_weekly_runs_monday_to_monday(tmp_path):
    """WEEKLY on FIRST_OF_MONTH: weeks start Monday 00:00 UTC. From Wednesday Oct 7, 2026: Oct 7 ->
    Mon Oct 12, then Oct 12 -> Oct 19."""
    assert _periods(
        tmp_path, "2026-10-07T00:00:00Z", "{frequency: WEEKLY}", ["2026-10-08", "2026-10-13"]
    ) == [("2026-10-07", "2026-10-12"), ("2026-10-12", "2026-10-19")]


def test_weekly_contract_start_counts_weeks_from_the_start(tmp_path):
    assert _periods(
        tmp_path, "2026-10-07T00:00:00Z", "{frequency: WEEKLY, day: CONTRACT_START}", ["2026-10-15"]
    ) == [("2026-10-14", "2026-10-21")]


def test_quarterly_and_annual_are_calendar_quarters_and_years(tmp_path):
    assert _periods(
        tmp_path, "2026-11-15T00:00:00Z", "{frequency: QUARTERLY}", ["2026-12-01", "2027-02-01"]
    ) == [("2026-11-15", "2027-01-01"), ("2027-01-01", "2027-04-01")]
    assert _periods(
        tmp_path, "2026-03-01T00:00:00Z", "{frequency: ANNUAL}", ["2026-12-31", "2027-01-01"]
    ) == [("2026-03-01", "2027-01-01"), ("2027-01-01", "2028-01-01")]


def test_the_last_period_ends_with_the_contract(tmp_path):
    """A contract ending Oct 20: its October statement is Oct 1 -> Oct 20, and usage after the
    end is outside every contract."""
    assert _periods(
        tmp_path,
        "2026-10-01T00:00:00Z",
        "{frequency: MONTHLY}",
        ["2026-10-05", "2026-10-25"],
        end="2026-10-20T00:00:00Z",
    ) == [("2026-10-01", "2026-10-20")]


def test_only_periods_with_usage_get_an_invoice(tmp_path):
    assert _periods(tmp_path, "2026-01-01T00:00:00Z", "{frequency: MONTHLY}", ["2026-03-05"]) == [
        ("2026-03-01", "2026-04-01")
    ]


def test_boundaries_come_from_the_anchor_not_from_the_previous_period():
    """A month step counts from the anchor, so a clamped February does not pull March back."""
    schedule = Schedule(datetime(2026, 1, 31, tzinfo=UTC), months=1)
    got = [
        p.end.date().isoformat()
        for p in periods(
            schedule, datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC)
        )
    ]
    assert got == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
        "2026-08-01",
    ]


def test_a_leap_day_anchor_in_annual_periods():
    schedule = Schedule(datetime(2024, 2, 29, tzinfo=UTC), months=12)
    assert [schedule.boundary(k).date().isoformat() for k in range(5)] == [
        "2024-02-29",
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
    ]
