"""`billing import DIR --provider metronome`: a Metronome account as a catalog and a state, after
which `plan` shows no changes. The account is filled by applying the quickstart catalog to the
loopback Metronome (tests/metronome_server.py), then imported into a fresh directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing

from billing_spec.catalog.fmt import format_text
from billing_spec.state.store import parse_state

TOKEN = "mtk_live_SECRET_import_5e6f"


def billing(cwd: Path, server, *args: str):
    env = {"METRONOME_BEARER_TOKEN": TOKEN, "METRONOME_BASE_URL": server.url}
    return run_billing(*args, cwd=cwd, env=env)


@pytest.fixture
def account(tmp_path: Path, server) -> Path:
    """The quickstart catalog applied to the account (from a directory of its own), its
    product set to run SQL metrics hour by hour."""
    source = tmp_path / "source"
    shutil.copytree(
        CATALOGS / "quickstart", source / "catalog", ignore=shutil.ignore_patterns("events")
    )
    catalog = source / "catalog" / "catalog.yaml"
    text = catalog.read_text()
    assert "    type: USAGE\n" in text
    catalog.write_text(
        text.replace("    type: USAGE\n", "    type: USAGE\n    sql_breakdown_granularity: HOUR\n")
    )
    applied = billing(
        source, server, "apply", "catalog", "--provider", "metronome", "--auto-approve"
    )
    assert applied.code == 0, applied.output
    return tmp_path


def test_import_round_trip_plan_shows_no_changes(account, server):
    calls = len(server.api.calls)
    result = billing(
        account,
        server,
        "import",
        "imported",
        "--provider",
        "metronome",
        "--state",
        "imported.state.json",
    )
    assert result.code == 0, result.output
    assert "Imported 5 resources" in result.stdout
    written = (account / "imported" / "catalog.yaml").read_text()
    assert format_text(written, "catalog.yaml")[0] == written  # already in fmt's layout
    assert "language_model_tokens:" in written and "price: 50" in written
    assert "sql_breakdown_granularity: HOUR" in written
    assert "ingest_aliases:\n      - team@example.com" in written
    writes = [p for p, _ in server.api.calls[calls:] if "create" in p or "add" in p]
    assert writes == []  # import only reads
    state = parse_state((account / "imported.state.json").read_bytes(), "state")
    assert {r.remote_id for r in state.resources.values()} == {
        *server.api.metrics,
        *server.api.products,
        *server.api.rate_cards,
        *server.api.customers,
        *server.api.contracts,
    }
    plan = billing(
        account,
        server,
        "plan",
        "imported",
        "--provider",
        "metronome",
        "--state",
        "imported.state.json",
        "--detailed-exitcode",
    )
    assert plan.code == 0, plan.output
    assert "No changes" in plan.stdout
    for output in (result.output, plan.output):
        assert TOKEN not in output
    for path in account.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_import_of_one_customer_leaves_the_others_out(account, server):
    billing(account, server, "import", "all", "--provider", "metronome", "--state", "all.json")
    [customer_id] = server.api.customers
    result = billing(
        account,
        server,
        "import",
        "one",
        "--provider",
        "metronome",
        "--state",
        "one.json",
        "--customer",
        customer_id,
    )
    assert result.code == 0, result.output
    assert "team_example:" in (account / "one" / "catalog.yaml").read_text()


def test_import_never_overwrites_a_catalog_or_a_state(account, server):
    (account / "taken").mkdir()
    (account / "taken" / "catalog.yaml").write_text("version: 1\n")
    result = billing(account, server, "import", "taken", "--provider", "metronome")
    assert result.code == 1 and "E841" in result.output
    (account / "existing.json").write_text("{}")
    result = billing(
        account, server, "import", "fresh", "--provider", "metronome", "--state", "existing.json"
    )
    assert result.code == 1 and "E841" in result.output
    assert not (account / "fresh").exists()


def test_contract_terms_are_refused_rather_than_left_out(tmp_path, server):
    source = tmp_path / "acme"
    shutil.copytree(CATALOGS / "acme-ai", source, ignore=shutil.ignore_patterns("events"))
    text = (source / "rate_cards.yaml").read_text()
    start, end = text.index("      - product: active_users"), text.index("      - product: seats")
    (source / "rate_cards.yaml").write_text(text[:start] + text[end:])
    contracts = source / "contracts.yaml"
    lines = contracts.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "quantity_updates:" in line)
    contracts.write_text("".join(lines[:at] + lines[at + 2 :]))
    assert (
        billing(tmp_path, server, "apply", "acme", "--provider", "metronome", "--auto-approve").code
        == 0
    )
    result = billing(
        tmp_path, server, "import", "imported", "--provider", "metronome", "--state", "i.json"
    )
    assert result.code == 1
    assert "importing contract terms is not supported yet" in result.output
    assert not (tmp_path / "imported").exists() and not (tmp_path / "i.json").exists()


def test_import_reads_every_page_of_a_rate_schedule(account, server):
    """Metronome pages getRateSchedule; a card whose rates span pages is imported whole."""
    [card] = server.api.rate_cards.values()
    [rate] = card["rates"]
    card["rates"].append({**rate, "starting_at": "2027-01-01T00:00:00Z", "price": 45})
    server.api.schedule_page = 1  # one rate a page: two pages
    result = billing(
        account, server, "import", "imported", "--provider", "metronome", "--state", "s.json"
    )
    assert result.code == 0, result.output
    pages = [b for p, b in server.api.calls if p.endswith("/getRateSchedule")]
    assert [b.get("next_page") for b in pages] == [None, "1"]
    assert "2027-01-01T00:00:00Z" in (account / "imported" / "catalog.yaml").read_text()
    plan = billing(account, server, "plan", "imported", "--state", "s.json", "--detailed-exitcode")
    assert plan.code == 0, plan.output
