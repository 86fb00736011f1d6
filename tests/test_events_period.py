"""`--as-of-period YYYY-MM`: every event moved into one month as it is read, same day (clamped to
the month's last) and time; nothing else about the event changes."""

from __future__ import annotations

import json

import pytest
from invoicing import event, write_jsonl

from billing_spec.events import parse_period, read_events
from billing_spec.timestamps import format_timestamp


def moved(tmp_path, period: str, *stamps: str, array: bool = False) -> list[str]:
    events = [event(f"t{n}", stamp, units=n) for n, stamp in enumerate(stamps)]
    if array:
        path = tmp_path / "events.json"
        path.write_text(json.dumps(events))
    else:
        path = write_jsonl(tmp_path / "events.jsonl", events)
    stream = read_events([path], period=parse_period(period))
    return [format_timestamp(e.timestamp) for e in stream]


def test_the_same_day_and_time_in_that_month(tmp_path):
    assert moved(tmp_path, "2027-01", "2026-10-05T10:30:00Z", "2026-11-30T23:59:59.25Z") == [
        "2027-01-05T10:30:00Z",
        "2027-01-30T23:59:59.25Z",
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2027-02", "2027-02-28T12:00:00Z"),  # January 31 into February
        ("2028-02", "2028-02-29T12:00:00Z"),  # a leap year
        ("2027-04", "2027-04-30T12:00:00Z"),  # a 30-day month
        ("2027-03", "2027-03-31T12:00:00Z"),
    ],
)
def test_a_day_the_month_does_not_have_is_its_last(tmp_path, period, expected):
    assert moved(tmp_path, period, "2027-01-31T12:00:00Z") == [expected]


def test_json_arrays_and_offset_timestamps_move_too(tmp_path):
    # the slow path: an offset is parsed to UTC first, then moved
    assert moved(tmp_path, "2027-02", "2026-10-31T23:00:00-02:00", array=True) == [
        "2027-02-01T01:00:00Z"
    ]


def test_duplicates_and_counts_are_the_reading_s_not_the_move_s(tmp_path):
    twice = [event("t1", "2026-10-01T00:00:00Z", units=1)] * 2
    path = write_jsonl(tmp_path / "e.jsonl", twice)
    stream = read_events([path], period=parse_period("2027-01"))
    assert len(list(stream)) == 1
    assert (stream.counts.read, stream.counts.duplicates) == (2, 1)


@pytest.mark.parametrize("text", ["2027-1", "2027-13", "2027-00", "Jan 2027", "2027-01-01", ""])
def test_anything_but_a_month_is_refused(text):
    with pytest.raises(ValueError, match="is not a month"):
        parse_period(text)
