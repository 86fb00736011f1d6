#!/usr/bin/env python3
"""Generate `2026-10.jsonl`: October 2026 of Acme AI usage events for the `acme-ai` catalog.

    python catalogs/acme-ai/events/generate.py             # rewrites 2026-10.jsonl beside this file
    python catalogs/acme-ai/events/generate.py -o FILE     # writes FILE instead ("-": stdout)

Running it reproduces the committed file byte for byte (a test checks): one `random.Random`
seeded with a constant, drawing only `.random()` (the one method whose sequence Python promises
to keep for a given seed), no clock, and integers for every number written. Standard library only.

What the month holds, and which rule of the catalog each part exercises:

- `completion` events (`model`, `project`, `user_id`, `tokens`), business-hours heavy, lighter at
  weekends, for every customer: Acme through its aliases `acme-prod` (search, support-bot,
  summarize) and `acme-staging` (sandbox, stamped in +02:00 local time), Globex mostly through
  `globex-main` and sometimes its ID `globex`, Initech through `initech`. About one `tokens` in
  eight arrives as a string, as Metronome allows.
- Acme's atlas traffic is well over 100,000 thousand tokens in the month, so `model_tokens`
  crosses into its second graduated tier; zephyr runs all month, so usage falls on both sides
  of the zephyr price change at 2026-10-16T00:00:00Z (two rate segments in one period).
- Acme has about 140 distinct users: `active_users` lands in its volume tier 2 (101-1000).
- One `storage_snapshot` per customer per day with `gigabytes` in hundredths (some as strings);
  the month's MAX is fractional, so `vector_storage`'s ROUND_UP matters.
- Globex's contract has CONTRACT_START statement periods from 2026-06-15, so its October events
  fall in two periods: [2026-09-15, 2026-10-15) and [2026-10-15, 2026-11-15).
- A few exact duplicates (same `transaction_id`, same content), written a little later as a
  client retry would; they must count once.
- One event for a customer the catalog does not know (`hooli-prod`): counted, never billed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20261001
MONTH_START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 31
OUTPUT = Path(__file__).with_name("2026-10.jsonl")
STRING_TOKENS_ONE_IN = 8
DUPLICATES = 5
# relative weight of each hour of the day (UTC): quiet nights, busy working hours
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 10, 10, 10, 9, 8, 6, 4, 3, 2, 2, 1)


@dataclass(frozen=True)
class Workload:
    """One stream of completions: who sends it, for which project and model, how much."""

    customer_ids: tuple[str, ...]  # what events carry in `customer_id`, picked at random
    project: str
    model: str
    events_per_weekday: int
    mean_tokens: int
    users: tuple[str, ...]
    utc_offset_hours: int = 0


def _users(prefix: str, first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{prefix}-{n:03d}" for n in range(first, last + 1))


ACME_USERS = _users("acme", 1, 140)
WORKLOADS = (
    Workload(("acme-prod",), "search", "atlas", 34, 130_000, ACME_USERS[:90]),
    Workload(("acme-prod",), "support-bot", "atlas", 16, 60_000, ACME_USERS[60:120]),
    Workload(("acme-prod",), "summarize", "zephyr", 18, 90_000, ACME_USERS[20:130]),
    Workload(
        ("acme-staging",), "sandbox", "zephyr", 6, 20_000, ACME_USERS[120:], utc_offset_hours=2
    ),
    Workload(
        ("globex-main", "globex-main", "globex"),
        "forecasting",
        "atlas",
        7,
        40_000,
        _users("globex", 1, 35),
    ),
    Workload(("globex-main",), "chat", "zephyr", 12, 35_000, _users("globex", 10, 35)),
    Workload(("initech",), "tps-reports", "zephyr", 9, 12_000, _users("initech", 1, 9)),
    Workload(("initech",), "prototype", "atlas", 3, 8_000, _users("initech", 1, 4)),
)
# customer_id -> (starting gigabytes, daily growth), both in hundredths of a gigabyte
STORAGE = {"acme-prod": (38_000, 270), "globex-main": (4_000, 50), "initech": (500, 10)}
UNKNOWN_CUSTOMER = "hooli-prod"
# A property value `BARE + "412.30"` is written as the JSON number 412.30, digit for digit
# (json.dumps would need a float, which cannot keep "412.30" as written).
BARE = "<number>"
_BARE_VALUE = re.compile('"' + re.escape(BARE) + r'(-?[0-9]+(?:\.[0-9]+)?)"')


class Draws:
    """Every random choice, made from `random.Random(seed).random()` alone."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        return min(int(self._rng.random() * n), n - 1)

    def pick(self, items):
        return items[self.below(len(items))]

    def weighted(self, weights) -> int:
        point = self.below(sum(weights))
        for index, weight in enumerate(weights):
            if point < weight:
                return index
            point -= weight
        raise AssertionError("unreachable")

    def hex_id(self) -> str:
        return f"{self.below(2**48):012x}{self.below(2**48):012x}"


def completions(draws: Draws, workload: Workload) -> list[tuple[datetime, dict]]:
    events = []
    for day in range(DAYS):
        date = MONTH_START + timedelta(days=day)
        weekend = date.weekday() >= 5
        base = workload.events_per_weekday * (2 if weekend else 5)  # in fifths of an event
        count = base * (75 + draws.below(51)) // 500  # 75%-125% of the day's base
        for _ in range(count):
            at = date + timedelta(hours=draws.weighted(HOUR_WEIGHTS), seconds=draws.below(3600))
            events.append((at, _completion(draws, workload, at)))
    return events


def _completion(draws: Draws, workload: Workload, at: datetime) -> dict:
    tokens = workload.mean_tokens * (30 + draws.below(141)) // 100  # 30%-170% of the mean
    properties = {
        "model": workload.model,
        "project": workload.project,
        "user_id": draws.pick(workload.users),
        "tokens": str(tokens) if draws.below(STRING_TOKENS_ONE_IN) == 0 else tokens,
    }
    return _event(
        draws,
        draws.pick(workload.customer_ids),
        "completion",
        at,
        workload.utc_offset_hours,
        properties,
    )


def storage_snapshots(draws: Draws) -> list[tuple[datetime, dict]]:
    events = []
    for customer_id, (start, growth) in STORAGE.items():
        hundredths = start
        for day in range(DAYS):
            hundredths += growth * draws.below(200) // 100  # 0-2x the daily growth
            at = MONTH_START + timedelta(days=day, minutes=5, seconds=draws.below(60))
            text = f"{hundredths // 100}.{hundredths % 100:02d}"
            gigabytes = text if day % 3 == 0 else BARE + text  # a string, or a JSON number
            events.append(
                (
                    at,
                    _event(draws, customer_id, "storage_snapshot", at, 0, {"gigabytes": gigabytes}),
                )
            )
    return events


def unknown_customer(draws: Draws) -> list[tuple[datetime, dict]]:
    at = datetime(2026, 10, 12, 14, 3, 27, tzinfo=UTC)
    properties = {"model": "atlas", "project": "pied-piper", "user_id": "hooli-001", "tokens": 5000}
    return [(at, _event(draws, UNKNOWN_CUSTOMER, "completion", at, 0, properties))]


def _event(
    draws: Draws,
    customer_id: str,
    event_type: str,
    at: datetime,
    offset_hours: int,
    properties: dict,
) -> dict:
    return {
        "transaction_id": draws.hex_id(),
        "customer_id": customer_id,
        "event_type": event_type,
        "timestamp": _rfc3339(at, offset_hours),
        "properties": properties,
    }


def _rfc3339(at: datetime, offset_hours: int) -> str:
    if offset_hours == 0:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = at + timedelta(hours=offset_hours)
    sign = "+" if offset_hours > 0 else "-"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset_hours):02d}:00"


def with_retries(draws: Draws, lines: list[str]) -> list[str]:
    """Copy `DUPLICATES` lines verbatim a few lines further on, as a retrying client would."""
    out = list(lines)
    for _ in range(DUPLICATES):
        index = draws.below(len(lines))
        out.insert(out.index(lines[index]) + 1 + draws.below(40), lines[index])
    return out


def generate() -> str:
    draws = Draws(SEED)
    events = []
    for workload in WORKLOADS:
        events += completions(draws, workload)
    events += storage_snapshots(draws)
    events += unknown_customer(draws)
    events.sort(key=lambda pair: (pair[0], pair[1]["transaction_id"]))
    ids = [event["transaction_id"] for _, event in events]
    assert len(set(ids)) == len(ids), "transaction IDs must be unique before retries"
    lines = [_BARE_VALUE.sub(r"\1", json.dumps(event)) for _, event in events]
    return "".join(line + "\n" for line in with_retries(draws, lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(OUTPUT), help="file to write, - for stdout")
    args = parser.parse_args(argv)
    text = generate()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
