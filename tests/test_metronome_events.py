"""`billing events send --provider metronome`: fixture events through the real SDK to the
loopback Metronome (tests/metronome_server.py), at most 100 a call, with a warning for events
Metronome would not accept any more (older than 34 days)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CATALOGS, run_billing

TOKEN = "mtk_live_SECRET_events_77aa"
QUICKSTART_EVENTS = CATALOGS / "quickstart" / "events"


def send(server, *args, cwd=None):
    env = {"METRONOME_BEARER_TOKEN": TOKEN, "METRONOME_BASE_URL": server.url}
    return run_billing("events", "send", *args, "--provider", "metronome", cwd=cwd, env=env)


def write_events(path: Path, count: int, day: str = "2026-10-03") -> Path:
    lines = [
        json.dumps(
            {
                "transaction_id": f"t-{i:04d}",
                "customer_id": "team@example.com",
                "event_type": "langModel4",
                "timestamp": f"{day}T09:{i % 60:02d}:00Z",
                "properties": {"user_id": "u1", "tokens": 1000 + i},
            }
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_quickstart_fixtures_are_sent_as_they_are(server):
    result = send(server, str(QUICKSTART_EVENTS), "--now", "2026-10-30T00:00:00Z")
    assert result.code == 0, result.output
    sent = server.api.events
    written = [
        json.loads(line)
        for path in sorted(QUICKSTART_EVENTS.iterdir())
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    assert [e["transaction_id"] for e in sent] == [e["transaction_id"] for e in written]
    first = sent[0]
    assert first == {
        "transaction_id": "qs-0001",
        "customer_id": "team@example.com",
        "event_type": "langModel4",
        "timestamp": "2026-10-03T09:15:00Z",
        "properties": {"user_id": "u1", "tokens": 250000},
    }
    assert sent[1]["properties"]["tokens"] == "400000"  # a string stays a string
    assert "W968" not in result.output
    assert f"Sent {len(written)} events." in result.stdout


def test_events_go_in_batches_of_at_most_100_with_progress(server, tmp_path):
    path = write_events(tmp_path / "many.jsonl", 250)
    result = send(server, str(path), "--now", "2026-10-10T00:00:00Z")
    assert result.code == 0, result.output
    batches = [len(body) for p, body in server.api.calls if p == "/v1/ingest"]
    assert batches == [100, 100, 50]
    assert "sent 100 of 250 events" in result.stderr
    assert "sent 250 of 250 events" in result.stderr
    assert len(server.api.events) == 250


def test_events_older_than_34_days_are_warned_about_with_file_and_line(server, tmp_path):
    path = write_events(tmp_path / "old.jsonl", 3, day="2026-09-01")
    result = send(server, str(path), "--now", "2026-10-10T00:00:00Z")
    assert result.code == 0
    assert "W968" in result.output and "3 events are older than 34 days" in result.output
    assert f"{path}:1" in result.output  # the oldest, where it is written
    assert len(server.api.events) == 3  # sent all the same
    fresh = send(server, str(path), "--now", "2026-10-04T00:00:00Z")
    assert "W968" not in fresh.output


def test_a_refused_batch_stops_the_send_and_says_what_was_sent(server, tmp_path):
    path = write_events(tmp_path / "many.jsonl", 150)
    server.api.fail("/v1/ingest", 400, at=2)
    result = send(server, str(path), "--now", "2026-10-10T00:00:00Z")
    assert result.code == 1
    assert "E817" in result.output and "events 101-150" in result.output
    assert "Traceback" not in result.output and TOKEN not in result.output
    assert len(server.api.events) == 100


def test_an_unreadable_input_sends_nothing(server, tmp_path):
    result = send(server, str(tmp_path / "missing.jsonl"))
    assert result.code == 1
    assert "No events were sent." in result.output
    assert server.api.calls == []
