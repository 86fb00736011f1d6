"""`billing apply --provider metronome`: the installed CLI, the real metronome-sdk, and a loopback
stand-in for Metronome's API (tests/metronome_server.py) that enforces Metronome's create rules.

Each scenario reads like a session against a sandbox account: apply a catalog, look at the calls
Metronome received, change the catalog, apply again.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing
from metronome_server import MetronomeServer

from billing_spec.state.store import parse_state

TOKEN = "mtk_live_SECRET_9f3c2a7e51"  # recognisable: must never show up anywhere


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "catalog", ignore=shutil.ignore_patterns("events")
    )
    return tmp_path


def acme_for_metronome(work: Path) -> Path:
    """acme-ai without the thing Metronome cannot express (a VOLUME-tiered rate with a flat
    price per tier): it is refused at plan time, below."""
    target = work / "acme"
    shutil.copytree(CATALOGS / "acme-ai", target, ignore=shutil.ignore_patterns("events"))
    rates = target / "rate_cards.yaml"
    text = rates.read_text()
    start = text.index("      - product: active_users")
    end = text.index("      - product: seats")
    rates.write_text(text[:start] + text[end:])
    return target


def billing(work: Path, server: MetronomeServer, *args: str, token: str = TOKEN):
    env = {"METRONOME_BEARER_TOKEN": token, "METRONOME_BASE_URL": server.url}
    return run_billing(*args, cwd=work, env=env)


def apply(work, server, catalog="catalog", *extra):
    return billing(
        work, server, "apply", catalog, "--provider", "metronome", "--auto-approve", *extra
    )


def plan(work, server, catalog="catalog", *extra):
    return billing(
        work,
        server,
        "plan",
        catalog,
        "--provider",
        "metronome",
        "--detailed-exitcode",
        *extra,
    )


def state_of(work: Path):
    return parse_state((work / "billing.state.json").read_bytes(), "state")


def edit(work: Path, old: str, new: str, file: str = "catalog/catalog.yaml") -> None:
    path = work / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def paths(server) -> list[str]:
    return [p.removeprefix("/v1/").removeprefix("contract-pricing/") for p in server.api.paths()]


# --- applying a whole catalog -----------------------------------------------------------------


def test_quickstart_is_created_in_dependency_order_and_the_state_holds_metronome_ids(work, server):
    result = apply(work, server)
    assert result.code == 0, result.output
    assert paths(server) == [
        "billable-metrics/create",
        "products/create",
        "rate-cards/create",
        "rate-cards/addRates",
        "customers",
        "contracts/create",
    ]
    api = server.api
    state = state_of(work)
    metric_id = state.resources["billable_metric.lang_model_tokens"].remote_id
    product_id = state.resources["product.lang_model_4"].remote_id
    assert metric_id in api.metrics and product_id in api.products
    assert api.products[product_id]["initial"]["billable_metric_id"] == metric_id
    [card] = api.rate_cards.values()
    assert card["id"] == state.resources["rate_card.lang_model_list"].remote_id
    assert card["rates"] == [
        {
            "entitled": True,
            "price": 50,
            "product_id": product_id,
            "rate_type": "FLAT",
            "starting_at": "2026-01-01T00:00:00Z",
        }
    ]
    [customer] = api.customers.values()
    assert customer["ingest_aliases"] == ["team@example.com"]
    [contract] = api.contracts.values()
    assert contract["customer_id"] == customer["id"]
    assert contract["rate_card_id"] == card["id"]
    assert contract["uniqueness_key"].startswith("billing-spec-")
    assert "Apply complete! Resources: 5 added" in result.stdout


def test_after_apply_plan_shows_nothing_and_calls_nothing(work, server):
    assert apply(work, server).code == 0
    calls = len(server.api.calls)
    result = plan(work, server)
    assert result.code == 0, result.output
    assert "No changes" in result.stdout
    assert len(server.api.calls) == calls


def test_acme_ai_applies_and_plans_clean(work, server):
    acme = acme_for_metronome(work)
    result = apply(work, server, str(acme))
    assert result.code == 0, result.output
    api = server.api
    assert len(api.metrics) == 3 and len(api.products) == 12 and len(api.contracts) == 3
    tokens = next(p for p in api.products.values() if p["initial"]["name"].startswith("Model"))
    assert tokens["initial"]["quantity_conversion"] == {
        "conversion_factor": 1000,
        "name": "thousand tokens",
        "operation": "DIVIDE",
    }
    [card] = api.rate_cards.values()
    atlas = next(r for r in card["rates"] if r.get("pricing_group_values") == {"model": "atlas"})
    # the wire carries the catalog's decimals exactly (the server reads numbers as Decimal)
    assert atlas["tiers"] == [{"price": Decimal("0.2"), "size": 100000}, {"price": Decimal("0.15")}]
    assert "tier_mode" not in atlas
    globex = next(
        c for c in api.contracts.values() if c.get("overrides", [{}])[0].get("type") == "TIERED"
    )
    assert globex["overrides"][0]["override_tiers"] == [
        {"multiplier": 1, "size": 5000},
        {"multiplier": Decimal("0.9")},
    ]
    assert plan(work, server, str(acme)).code == 0


def test_what_metronome_cannot_express_is_refused_at_plan_time_with_file_and_line(work, server):
    acme = work / "acme"
    shutil.copytree(CATALOGS / "acme-ai", acme, ignore=shutil.ignore_patterns("events"))
    result = plan(work, server, str(acme))
    assert result.code == 1
    assert "E840" in result.output
    assert "rate_cards.yaml:39:" in result.output  # the VOLUME rate, as written
    assert "rates[4].tier_mode" in result.output and "VOLUME" in result.output
    assert "rates[4].tiers[2].flat_price" in result.output
    assert "subscriptions[0].quantity_updates" not in result.output  # now a contract edit
    assert server.api.calls == []  # refused before anything was sent


# --- changes after the first apply ------------------------------------------------------------

NEW_RATE = """        price: 50  # in the credit type's base unit: USD cents
      - product: lang_model_4
        starting_at: 2027-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 45"""


def test_a_price_change_is_one_added_rate(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, "        price: 50  # in the credit type's base unit: USD cents", NEW_RATE)
    result = apply(work, server)
    assert result.code == 0, result.output
    assert paths(server) == ["rate-cards/addRates"]
    _, body = server.api.calls[0]
    assert [r["price"] for r in body["rates"]] == [45]
    assert body["rates"][0]["starting_at"] == "2027-01-01T00:00:00Z"
    assert plan(work, server).code == 0


def test_editing_an_applied_rate_is_refused_with_the_append_only_alternative(work, server):
    assert apply(work, server).code == 0
    edit(work, "        price: 50  # in the credit type's base unit: USD cents", NEW_RATE)
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, "        price: 45", "        price: 40")  # a future rate, not retroactive
    result = plan(work, server)
    assert result.code == 1
    assert "E840" in result.output and "append-only" in result.output
    assert "add a rate with a later starting_at" in result.output
    assert server.api.calls == []


def test_a_product_change_is_an_update_starting_at_the_chosen_hour(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, "Language Model 4 Tokens (millions)", "LM4 tokens (millions)")
    result = apply(work, server, "catalog", "--effective-at", "2026-12-07T10:00:00Z")
    assert result.code == 0, result.output
    assert paths(server) == ["products/update"]
    _, body = server.api.calls[0]
    assert body["starting_at"] == "2026-12-07T10:00:00Z"
    assert body["name"] == "LM4 tokens (millions)"
    assert "type" not in body


def test_sql_breakdown_granularity_is_sent_and_set_back_to_metronomes_default(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    granular = "    type: USAGE\n    sql_breakdown_granularity: HOUR\n"
    edit(work, "    type: USAGE\n", granular)
    assert apply(work, server).code == 0
    assert paths(server) == ["products/update"]
    assert server.api.calls[0][1]["sql_breakdown_granularity"] == "HOUR"
    server.api.calls.clear()
    edit(work, granular, "    type: USAGE\n")
    assert apply(work, server).code == 0
    assert paths(server) == ["products/update"]
    assert server.api.calls[0][1]["sql_breakdown_granularity"] == "SERVICE_PERIOD"


def test_a_product_update_defaults_to_the_next_hour(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, "Language Model 4 Tokens (millions)", "LM4 tokens (millions)")
    assert apply(work, server).code == 0
    _, body = server.api.calls[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", body["starting_at"])


def test_effective_at_off_the_hour_is_refused(work, server):
    assert apply(work, server).code == 0
    edit(work, "Language Model 4 Tokens (millions)", "LM4 tokens (millions)")
    result = apply(work, server, "catalog", "--effective-at", "2026-12-07T10:30:00Z")
    assert result.code == 1
    assert "not on the hour" in result.output


def test_a_metric_replace_creates_moves_the_products_then_archives(work, server):
    assert apply(work, server).code == 0
    old_metric = state_of(work).resources["billable_metric.lang_model_tokens"].remote_id
    product_id = state_of(work).resources["product.lang_model_4"].remote_id
    server.api.calls.clear()
    edit(
        work,
        "event_type_filter: {in_values: [langModel4]}",
        "event_type_filter: {in_values: [langModel4, lm4]}",
    )
    result = apply(work, server, "catalog", "--effective-at", "2026-12-07T10:00:00Z")
    assert result.code == 0, result.output
    assert paths(server) == [
        "billable-metrics/create",
        "products/update",
        "billable-metrics/archive",
    ]
    new_metric = state_of(work).resources["billable_metric.lang_model_tokens"].remote_id
    assert new_metric != old_metric
    _, update = server.api.calls[1]
    assert update == {
        "product_id": product_id,
        "starting_at": "2026-12-07T10:00:00Z",
        "billable_metric_id": new_metric,
    }
    assert server.api.metrics[old_metric]["archived_at"]
    assert plan(work, server).code == 0


def test_an_alias_moving_between_customers_is_removed_from_the_giver_first(work, server):
    edit(
        work,
        "    ingest_aliases: [team@example.com]\n",
        "    ingest_aliases: [team@example.com, shared]\n"
        "  other:\n    name: Other\n    ingest_aliases: [other]\n",
    )
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, "[team@example.com, shared]", "[team@example.com]")
    edit(work, "ingest_aliases: [other]", "ingest_aliases: [other, shared]")
    result = apply(work, server)
    assert result.code == 0, result.output
    ids = {a: r.remote_id for a, r in state_of(work).resources.items()}
    sets = [(p, b) for p, b in server.api.calls if p.endswith("setIngestAliases")]
    assert sets[0] == (
        f"/v1/customers/{ids['customer.team_example']}/setIngestAliases",
        {"ingest_aliases": ["team@example.com"]},
    )
    assert (
        f"/v1/customers/{ids['customer.other']}/setIngestAliases",
        {"ingest_aliases": ["other", "shared"]},
    ) in sets
    assert server.api.customers[ids["customer.other"]]["ingest_aliases"] == ["other", "shared"]


def test_a_removed_resource_is_archived(work, server):
    assert apply(work, server).code == 0
    text = (work / "catalog/catalog.yaml").read_text()
    (work / "catalog/catalog.yaml").write_text(text[: text.index("contracts:")])
    server.api.calls.clear()
    result = apply(work, server)
    assert result.code == 0, result.output
    assert paths(server) == ["contracts/archive"]
    assert all(c["archived_at"] for c in server.api.contracts.values())


# --- failures ------------------------------------------------------------------------------------


def test_a_500_is_retried_by_the_sdk(work, server):
    server.api.fail("/v1/contract-pricing/products/create", 500, times=2)
    result = apply(work, server)
    assert result.code == 0, result.output
    assert paths(server).count("products/create") == 3
    assert len(server.api.products) == 1


def test_max_retries_zero_gives_up_on_the_first_500(work, server):
    server.api.fail("/v1/contract-pricing/products/create", 500, times=1)
    result = apply(work, server, "catalog", "--max-retries", "0")
    assert result.code == 1
    assert "E817" in result.output and "product.lang_model_4" in result.output


def test_a_400_in_the_middle_stops_with_metronomes_message_then_resumes_without_duplicates(
    work, server
):
    server.api.fail("/v1/customers", 400, at=1)
    result = apply(work, server)
    assert result.code == 1
    assert "customer.team_example" in result.output
    assert "injected failure 400 on /v1/customers" in result.output  # Metronome's message
    assert "Traceback" not in result.output
    assert set(state_of(work).resources) == {
        "billable_metric.lang_model_tokens",
        "product.lang_model_4",
        "rate_card.lang_model_list",
    }
    result = apply(work, server)
    assert result.code == 0, result.output
    api = server.api
    assert (len(api.metrics), len(api.products), len(api.rate_cards)) == (1, 1, 1)
    assert len(api.customers) == 1 and len(api.contracts) == 1
    assert plan(work, server).code == 0


def test_a_rate_card_whose_second_batch_fails_resumes_with_only_the_rest(work, server):
    rates = "".join(
        f"      - product: lang_model_4\n        starting_at: 2027-{1 + i // 28:02d}-"
        f"{1 + i % 28:02d}T00:00:00Z\n        entitled: true\n        rate_type: FLAT\n"
        f"        price: {100 + i}\n"
        for i in range(150)
    )
    edit(work, "customers:\n", rates + "customers:\n")
    server.api.fail("/v1/contract-pricing/rate-cards/addRates", 400, at=2)
    assert apply(work, server).code == 1
    [card] = server.api.rate_cards.values()
    assert len(card["rates"]) == 100
    recorded = state_of(work).resources["rate_card.lang_model_list"]
    assert recorded.remote_id == card["id"] and len(recorded.content["rates"]) == 100
    assert apply(work, server).code == 0
    assert len(server.api.rate_cards) == 1 and len(card["rates"]) == 151
    assert plan(work, server).code == 0


def test_a_missing_token_is_a_clear_error(work, server):
    result = billing(
        work, server, "apply", "catalog", "--provider", "metronome", "--auto-approve", token=""
    )
    assert result.code == 1
    assert "METRONOME_BEARER_TOKEN is not set" in result.output
    assert "Traceback" not in result.output


def test_a_wrong_token_is_refused_by_metronome_and_not_echoed(work, server):
    result = billing(
        work,
        server,
        "apply",
        "catalog",
        "--provider",
        "metronome",
        "--auto-approve",
        token="nope-WRONG",
    )
    assert result.code == 1
    assert "401" in result.output and "nope-WRONG" not in result.output


# --- the token -----------------------------------------------------------------------------------


def test_the_token_never_appears_in_output_state_plan_or_backup(work, server):
    outputs = [apply(work, server)]
    edit(work, "Language Model 4 Tokens (millions)", "LM4 tokens (millions)")
    outputs.append(
        billing(work, server, "plan", "catalog", "--provider", "metronome", "--out", "p.plan")
    )
    outputs.append(billing(work, server, "show", "p.plan", "--format", "json"))
    server.api.fail("/v1/contract-pricing/products/update", 400)
    outputs.append(billing(work, server, "apply", "p.plan", "--provider", "metronome"))
    outputs.append(
        billing(work, server, "plan", "catalog", "--provider", "metronome", "--format", "markdown")
    )
    assert outputs[-2].code == 1
    for result in outputs:
        assert TOKEN not in result.output
    for path in work.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_saved_plan_made_for_local_is_checked_again_when_applied_to_metronome(work, server):
    acme = work / "acme"
    shutil.copytree(CATALOGS / "acme-ai", acme, ignore=shutil.ignore_patterns("events"))
    assert billing(work, server, "plan", str(acme), "--out", "local.plan").code == 0
    result = billing(work, server, "apply", "local.plan", "--provider", "metronome")
    assert result.code == 1
    assert "E840" in result.output and "Nothing was applied" in result.output
    assert server.api.calls == []


def test_kill_9_during_apply_then_a_resumed_apply_creates_nothing_twice(work, server):
    env = {
        "METRONOME_BEARER_TOKEN": TOKEN,
        "METRONOME_BASE_URL": server.url,
        "BILLING_TEST_HOOK": "kill-after-step=3",  # after the rate card is recorded
    }
    killed = run_billing(
        "apply", "catalog", "--provider", "metronome", "--auto-approve", cwd=work, env=env
    )
    assert killed.code == -signal.SIGKILL
    assert (work / "billing.state.json.journal").exists()
    lock_id = json.loads((work / "billing.state.json.lock").read_text())["ID"]
    assert billing(work, server, "force-unlock", lock_id).code == 0
    assert apply(work, server).code == 0
    api = server.api
    counts = [len(t) for t in (api.metrics, api.products, api.rate_cards, api.customers)]
    assert counts == [1, 1, 1, 1] and len(api.contracts) == 1
    assert paths(server).count("rate-cards/addRates") == 1
    assert not (work / "billing.state.json.journal").exists()
    assert plan(work, server).code == 0


# --- refresh and drift ----------------------------------------------------------------------------


def test_plan_refresh_reports_changes_made_in_metronome_apart_from_pending_ones(work, server):
    assert apply(work, server).code == 0
    ids = {a: r.remote_id for a, r in state_of(work).resources.items()}
    calls = len(server.api.calls)
    assert plan(work, server).code == 0  # without --refresh: no remote call, no drift
    assert len(server.api.calls) == calls
    # Someone renames the customer in Metronome's UI and archives the contract.
    server.api.customers[ids["customer.team_example"]]["name"] = "Team Example (renamed)"
    server.api.contracts[ids["contract.team_example_2026"]]["archived_at"] = "2026-12-01T00:00:00Z"
    edit(work, "Language Model List Pricing", "LM list pricing")  # and a pending change

    text = plan(work, server, "catalog", "--refresh")
    assert text.code == 2, text.output
    assert "Objects have changed outside" in text.stdout or "changed outside" in text.stdout
    drift_part = text.stdout[: text.stdout.index("billing-spec will perform")]
    assert "customer.team_example" in drift_part and "Team Example (renamed)" in drift_part
    assert "contract.team_example_2026" in drift_part
    assert "rate_card.lang_model_list" not in drift_part  # pending, not drift

    as_json = json.loads(plan(work, server, "catalog", "--refresh", "--format", "json").stdout)
    drifted = {c["address"]: c["change"]["actions"] for c in as_json["resource_drift"]}
    assert drifted == {
        "customer.team_example": ["update"],
        "contract.team_example_2026": ["delete"],
    }
    pending = {
        c["address"]: c["change"]["actions"]
        for c in as_json["resource_changes"]
        if c["change"]["actions"] != ["no-op"]
    }
    assert pending == {
        "rate_card.lang_model_list": ["update"],
        "customer.team_example": ["update"],  # its name put back
        "contract.team_example_2026": ["create"],  # archived outside: created again
    }
    markdown = plan(work, server, "catalog", "--refresh", "--format", "markdown")
    assert "customer.team_example" in markdown.stdout and "renamed" in markdown.stdout


def test_drift_is_read_only_with_refresh_and_exits_2_with_detailed_exitcode(work, server):
    assert apply(work, server).code == 0
    ids = {a: r.remote_id for a, r in state_of(work).resources.items()}
    server.api.customers[ids["customer.team_example"]]["name"] = "Renamed"
    assert plan(work, server).code == 0  # without --refresh the drift is not seen
    assert plan(work, server, "catalog", "--refresh").code == 2
    result = billing(work, server, "apply", "catalog", "--provider", "metronome", "--auto-approve")
    assert result.code == 0
    assert server.api.customers[ids["customer.team_example"]]["name"] == "Renamed"  # no refresh


def test_a_refresh_says_what_it_does_not_read(work, server):
    assert apply(work, server).code == 0
    result = plan(work, server, "catalog", "--refresh")
    assert result.code == 0
    assert "W983" in result.output and "contract terms" in result.output
    assert "rate cards' rates" in result.output  # read, so not among what is not


def test_a_rate_added_in_metronome_is_drift_on_its_rate_card(work, server):
    assert apply(work, server).code == 0
    state = state_of(work)
    card_id = state.resources["rate_card.lang_model_list"].remote_id
    product_id = state.resources["product.lang_model_4"].remote_id
    calls = len(server.api.calls)
    assert plan(work, server, "catalog", "--refresh").code == 0  # read back: no drift
    assert "rate-cards/getRateSchedule" in paths(server)[calls:]
    server.api.rate_cards[card_id]["rates"].append(
        {
            "product_id": product_id,
            "starting_at": "2027-03-01T00:00:00Z",
            "entitled": True,
            "rate_type": "FLAT",
            "price": Decimal("40"),
        }
    )  # someone adds a rate in Metronome's UI
    result = plan(work, server, "catalog", "--refresh", "--format", "json")
    assert result.code == 1  # the catalog would take it away: rates are append-only (E840)
    report = json.loads(result.stdout)
    [drift] = report["resource_drift"]
    assert drift["address"] == "rate_card.lang_model_list"
    added = drift["change"]["after"]["rates"][-1]
    assert added["product"] == "lang_model_4" and added["price"] == "40"
    assert added["starting_at"] == "2027-03-01T00:00:00Z"
    assert "append-only" in result.output
    edit(
        work,
        "        price: 50  # in the credit type's base unit: USD cents",
        NEW_RATE.replace("2027-01-01", "2027-03-01").replace("price: 45", "price: 40"),
    )
    assert plan(work, server, "catalog", "--refresh").code == 2  # drift, now in the catalog


# --- lost responses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/billable-metrics/create",
        "/v1/contract-pricing/products/create",
        "/v1/contract-pricing/rate-cards/create",
        "/v1/contract-pricing/rate-cards/addRates",
        "/v1/customers",
        "/v1/contracts/create",
    ],
)
def test_a_create_whose_answer_is_lost_is_retried_without_a_second_object(work, server, path):
    server.api.fail(path, 500, lost=True)  # done by Metronome, but the answer never arrives
    result = apply(work, server)
    assert result.code == 0, result.output
    api = server.api
    assert paths(server).count(path.removeprefix("/v1/").removeprefix("contract-pricing/")) == 2
    counts = [len(t) for t in (api.metrics, api.products, api.rate_cards, api.customers)]
    assert counts == [1, 1, 1, 1] and len(api.contracts) == 1
    [card] = api.rate_cards.values()
    assert len(card["rates"]) == 1
    retried = [k for p, k in zip(api.paths(), api.keys, strict=True) if p == path]
    assert retried[0] is not None and retried[0] == retried[1]  # the same Idempotency-Key
    assert plan(work, server).code == 0
