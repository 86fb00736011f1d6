"""The acme-ai event fixtures: `catalogs/acme-ai/events/2026-10.jsonl` is exactly what its
committed generator writes, and the month holds what the catalog's rules need to be exercised."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from billing_spec.timestamps import parse_timestamp

ACME = Path(__file__).resolve().parents[1] / "catalogs" / "acme-ai"
EVENTS = ACME / "events" / "2026-10.jsonl"
GENERATOR = ACME / "events" / "generate.py"
OCTOBER = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
ZEPHYR_PRICE_CHANGE = datetime(2026, 10, 16, tzinfo=UTC)
GLOBEX_PERIOD_START = datetime(2026, 10, 15, tzinfo=UTC)  # CONTRACT_START periods from 06-15


def test_the_generator_reproduces_the_committed_file_byte_for_byte(tmp_path):
    out = tmp_path / "events.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "-o", str(out)], check=True, timeout=120)
    assert out.read_bytes() == EVENTS.read_bytes(), "run generate.py and commit 2026-10.jsonl"


def test_the_generator_uses_the_standard_library_and_no_clock():
    tree = ast.parse(GENERATOR.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    assert "time" not in imported
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not attributes & {"now", "today", "utcnow", "time_ns", "urandom", "SystemRandom"}
    random_calls = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "random"
    }
    assert random_calls == {"Random"}  # one seeded generator, never the global one


@cache
def lines() -> tuple[str, ...]:
    return tuple(EVENTS.read_text(encoding="utf-8").splitlines())


@cache
def events() -> tuple[dict, ...]:
    """The events, each transaction ID once (as the evaluator counts them)."""
    seen, out = set(), []
    for line in lines():
        event = json.loads(line, parse_float=Decimal)
        if event["transaction_id"] not in seen:
            seen.add(event["transaction_id"])
            out.append(event)
    return tuple(out)


@cache
def customer_of() -> dict[str, str]:
    customers = yaml.safe_load((ACME / "customers.yaml").read_text(encoding="utf-8"))["customers"]
    resolve = {id_: id_ for id_ in customers}
    for id_, customer in customers.items():
        resolve.update({alias: id_ for alias in customer.get("ingest_aliases", [])})
    return resolve


def test_a_few_thousand_events_in_under_a_megabyte():
    assert EVENTS.stat().st_size < 1_000_000
    assert 2000 <= len(lines()) <= 5000


def test_every_event_has_metronome_ingest_fields_and_an_october_timestamp():
    for event in events():
        assert set(event) == {
            "transaction_id",
            "customer_id",
            "event_type",
            "timestamp",
            "properties",
        }
        assert OCTOBER[0] <= parse_timestamp(event["timestamp"]) < OCTOBER[1]
        assert event["event_type"] in {"completion", "storage_snapshot"}
    offsets = {
        event["timestamp"][-6:] for event in events() if not event["timestamp"].endswith("Z")
    }
    assert offsets == {"+02:00"}  # acme-staging stamps local time


def test_customers_arrive_by_alias_and_by_id_and_one_is_unknown():
    used = Counter(event["customer_id"] for event in events())
    assert {"acme-prod", "acme-staging", "globex-main", "globex", "initech"} <= set(used)
    unknown = {name: count for name, count in used.items() if name not in customer_of()}
    assert unknown == {"hooli-prod": 1}


def test_duplicates_are_identical_copies_of_a_few_events():
    by_id = defaultdict(list)
    for line in lines():
        by_id[json.loads(line)["transaction_id"]].append(line)
    copies = {tid: group for tid, group in by_id.items() if len(group) > 1}
    assert 3 <= len(copies) <= 10
    assert all(len(set(group)) == 1 for group in copies.values())


def completion_tokens(customer: str, model: str, start: datetime, end: datetime) -> int:
    return sum(
        int(e["properties"]["tokens"])
        for e in events()
        if e["event_type"] == "completion"
        and customer_of().get(e["customer_id"]) == customer
        and e["properties"]["model"] == model
        and start <= parse_timestamp(e["timestamp"]) < end
    )


def test_acme_atlas_usage_crosses_the_first_tier():
    # model_tokens divides by 1000; atlas's first tier holds 100,000 (thousand tokens) = 100M tokens
    assert completion_tokens("acme_corp", "atlas", *OCTOBER) > 100_000 * 1000


def test_zephyr_usage_on_both_sides_of_the_october_16_price_change():
    for customer in ("acme_corp", "globex", "initech"):
        before = completion_tokens(customer, "zephyr", OCTOBER[0], ZEPHYR_PRICE_CHANGE)
        after = completion_tokens(customer, "zephyr", ZEPHYR_PRICE_CHANGE, OCTOBER[1])
        assert before > 1_000_000 and after > 1_000_000, customer


def test_globex_usage_falls_in_both_of_its_contract_start_periods():
    assert completion_tokens("globex", "atlas", OCTOBER[0], GLOBEX_PERIOD_START) > 0
    assert completion_tokens("globex", "atlas", GLOBEX_PERIOD_START, OCTOBER[1]) > 0


def test_completions_carry_what_the_tokens_metric_filters_on():
    completions = [e["properties"] for e in events() if e["event_type"] == "completion"]
    assert all({"model", "project", "user_id", "tokens"} <= set(p) for p in completions)
    assert {p["model"] for p in completions} == {"atlas", "zephyr"}
    as_strings = [p["tokens"] for p in completions if isinstance(p["tokens"], str)]
    assert as_strings and all(t.isdigit() for t in as_strings)
    assert len(as_strings) < len(completions) / 4


def test_acme_has_enough_active_users_for_the_second_volume_tier():
    users = {
        e["properties"]["user_id"]
        for e in events()
        if e["event_type"] == "completion" and customer_of().get(e["customer_id"]) == "acme_corp"
    }
    assert 100 < len(users) <= 1000


def test_one_storage_snapshot_per_customer_per_day():
    days = defaultdict(list)
    for event in events():
        if event["event_type"] == "storage_snapshot":
            day = parse_timestamp(event["timestamp"]).day
            days[customer_of()[event["customer_id"]]].append(day)
            assert isinstance(event["properties"]["gigabytes"], (str, Decimal))
            assert Decimal(str(event["properties"]["gigabytes"])) > 0
    assert {customer: sorted(d) for customer, d in days.items()} == {
        customer: list(range(1, 32)) for customer in ("acme_corp", "globex", "initech")
    }
