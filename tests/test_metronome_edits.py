"""Contract edits and custom fields with `--provider metronome`, against the loopback server.

An additive contract change (a term added, a subscription's seats changed later, a new name or
end date) is one v2 contract edit; a change no edit can make (a term removed or changed) is
refused at plan time unless `--allow-replace-contracts`, and then the new contract is created
before the old one is archived. Custom fields change in place through the custom-field
endpoints, for every resource that has them.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CATALOGS
from test_metronome_provider import (
    TOKEN,
    acme_for_metronome,
    apply,
    billing,
    edit,
    paths,
    plan,
    state_of,
)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "catalog", ignore=shutil.ignore_patterns("events")
    )
    # a FIXED product for commits, and a contract term to start from
    edit(
        tmp_path,
        "rate_cards:\n",
        "  prepaid:\n    name: Prepaid usage\n    type: FIXED\nrate_cards:\n",
    )
    edit(
        tmp_path,
        "    usage_statement_schedule: {frequency: MONTHLY}\n",
        "    usage_statement_schedule: {frequency: MONTHLY}\n" + COMMIT,
    )
    return tmp_path


COMMIT = """    commits:
      - product: prepaid
        type: PREPAID
        access_schedule:
          schedule_items:
            - {amount: 10000, starting_at: 2027-01-01T00:00:00Z,
               ending_before: 2027-04-01T00:00:00Z}
"""
OVERRIDE = """    overrides:
      - product: lang_model_4
        starting_at: 2027-01-01T00:00:00Z
        type: MULTIPLIER
        multiplier: 0.9
"""


def contract_id(work: Path) -> str:
    return state_of(work).resources["contract.team_example_2026"].remote_id


def edits(server) -> list[dict]:
    return [body for path, body in server.api.calls if path == "/v2/contracts/edit"]


# --- additive changes: one contract edit ---------------------------------------------------------


def test_an_added_override_is_one_contract_edit_with_add_overrides(work, server):
    assert apply(work, server).code == 0, "first apply"
    before = contract_id(work)
    server.api.calls.clear()
    edit(work, "    commits:\n", OVERRIDE + "    commits:\n")
    assert plan(work, server).code == 2  # an update, not refused
    result = apply(work, server)
    assert result.code == 0, result.output
    assert paths(server) == ["/v2/contracts/edit"]
    [body] = edits(server)
    product = state_of(work).resources["product.lang_model_4"].remote_id
    assert body["contract_id"] == before and body["uniqueness_key"].startswith("billing-spec-")
    assert body["add_overrides"] == [
        {
            "product_id": product,
            "starting_at": "2027-01-01T00:00:00Z",
            "type": "MULTIPLIER",
            "multiplier": Decimal("0.9"),  # exactly, on the wire
        }
    ]
    assert set(body) == {"contract_id", "customer_id", "uniqueness_key", "add_overrides"}
    assert contract_id(work) == before  # the same contract, edited
    assert len(server.api.contracts[before]["overrides"]) == 1
    assert plan(work, server).code == 0


def test_an_added_commit_and_a_new_name_go_in_the_same_edit(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    second = COMMIT.split("commits:\n")[1].replace("10000", "5000")
    edit(work, COMMIT, COMMIT + second)
    edit(work, "    customer: team_example\n", "    customer: team_example\n    name: Team deal\n")
    result = apply(work, server)
    assert result.code == 0, result.output
    [body] = edits(server)
    assert [c["access_schedule"]["schedule_items"][0]["amount"] for c in body["add_commits"]] == [
        5000
    ]
    assert body["update_contract_name"] == "Team deal"
    assert plan(work, server).code == 0


def test_seat_quantity_updates_are_a_contract_edit_after_the_create(work, server):
    acme = acme_for_metronome(work)
    result = apply(work, server, str(acme))
    assert result.code == 0, result.output
    calls = paths(server)
    assert calls.index("/v2/contracts/get") > calls.index("contracts/create")
    [body] = edits(server)
    [acme_contract] = [
        c for c in server.api.contracts.values() if c.get("name", "").startswith("Acme")
    ]
    [seats] = acme_contract["subscriptions"]
    assert body["update_subscriptions"] == [
        {
            "subscription_id": seats["id"],
            "quantity_updates": [{"starting_at": "2026-10-16T00:00:00Z", "quantity": 30}],
        }
    ]
    assert seats["quantity_updates"] == [{"starting_at": "2026-10-16T00:00:00Z", "quantity": 30}]
    assert plan(work, server, str(acme)).code == 0


# --- changes no edit can make ---------------------------------------------------------------------


def test_a_removed_commit_is_refused_without_the_flag_naming_what_and_where(work, server):
    assert apply(work, server).code == 0
    server.api.calls.clear()
    edit(work, COMMIT, "")
    result = plan(work, server)
    assert result.code == 1
    assert "E840" in result.output
    assert "contract.team_example_2026: commits[0]" in result.output
    assert "catalog.yaml:" in result.output
    assert "--allow-replace-contracts" in result.output
    assert apply(work, server).code == 1
    assert server.api.calls == []


def test_a_removed_commit_with_the_flag_creates_the_new_contract_then_archives_the_old(
    work, server
):
    assert apply(work, server).code == 0
    old = contract_id(work)
    old_key = server.api.contracts[old]["uniqueness_key"]
    server.api.calls.clear()
    edit(work, COMMIT, "")
    planned = plan(work, server, "catalog", "--allow-replace-contracts")
    assert planned.code == 2, planned.output
    assert "W984" in planned.output and "created first" in planned.output
    result = apply(work, server, "catalog", "--allow-replace-contracts")
    assert result.code == 0, result.output
    assert paths(server) == ["contracts/create", "contracts/archive"]  # never archive first
    new = contract_id(work)
    assert new != old
    assert server.api.contracts[old]["archived_at"]
    assert not server.api.contracts[new]["archived_at"]
    assert server.api.contracts[new]["uniqueness_key"] != old_key
    assert "commits" not in server.api.contracts[new]
    assert plan(work, server).code == 0


def test_a_contract_replace_needs_the_flag_too(work, server):
    assert apply(work, server).code == 0
    edit(work, "    starting_at: 2026-10-01T00:00:00Z", "    starting_at: 2026-11-01T00:00:00Z")
    result = plan(work, server, "catalog", "--as-of", "2026-09-01T00:00:00Z")
    assert result.code == 1
    assert "E840" in result.output and "starting_at" in result.output
    server.api.calls.clear()
    result = apply(
        work, server, "catalog", "--allow-replace-contracts", "--as-of", "2026-09-01T00:00:00Z"
    )
    assert result.code == 0, result.output
    assert paths(server) == ["contracts/create", "contracts/archive"]


# --- failures and resuming ------------------------------------------------------------------------


def test_an_edit_whose_answer_is_lost_is_not_made_twice_on_resume(work, server):
    assert apply(work, server).code == 0
    edit(work, "    commits:\n", OVERRIDE + "    commits:\n")
    server.api.fail("/v2/contracts/edit", 500, lost=True)  # made, but the answer is lost
    result = apply(work, server, "catalog", "--max-retries", "0")
    assert result.code == 1
    assert "contract.team_example_2026" in result.output
    result = apply(work, server)  # resumed: the same edit, the same keys
    assert result.code == 0, result.output
    sent = edits(server)
    assert len(sent) == 2 and sent[0] == sent[1]
    keys = [k for p, k in zip(server.api.paths(), server.api.keys, strict=True) if "edit" in p]
    assert keys[0] == keys[1]
    contract = server.api.contracts[contract_id(work)]
    assert len(contract["overrides"]) == 1 and len(contract["edits"]) == 1
    assert plan(work, server).code == 0


# --- custom fields, in place ----------------------------------------------------------------------


def test_custom_fields_change_in_place_through_the_custom_field_endpoints(work, server):
    edit(
        work,
        "    ingest_aliases: [team@example.com]\n",
        "    ingest_aliases: [team@example.com]\n    custom_fields: {tier: gold, region: eu}\n",
    )
    assert apply(work, server).code == 0
    ids = {a: r.remote_id for a, r in state_of(work).resources.items()}
    server.api.calls.clear()
    edit(work, "custom_fields: {tier: gold, region: eu}", "custom_fields: {tier: platinum}")
    edit(
        work,
        "    aggregation_key: tokens\n",
        "    aggregation_key: tokens\n    custom_fields: {team: ml}\n",
    )
    edit(
        work,
        "    rate_card: lang_model_list\n",
        "    rate_card: lang_model_list\n    custom_fields: {deal: d-42}\n",
    )
    result = apply(work, server)
    assert result.code == 0, result.output
    assert "0 added, 3 changed, 0 destroyed" in result.stdout  # the metric is not replaced
    sent = [(p.rsplit("/", 1)[1], b) for p, b in server.api.calls]
    assert (
        "setValues",
        {
            "entity": "billable_metric",
            "entity_id": ids["billable_metric.lang_model_tokens"],
            "custom_fields": {"team": "ml"},
        },
    ) in sent
    assert (
        "setValues",
        {
            "entity": "customer",
            "entity_id": ids["customer.team_example"],
            "custom_fields": {"tier": "platinum"},
        },
    ) in sent
    assert (
        "deleteValues",
        {"entity": "customer", "entity_id": ids["customer.team_example"], "keys": ["region"]},
    ) in sent
    assert (
        "setValues",
        {
            "entity": "contract",
            "entity_id": ids["contract.team_example_2026"],
            "custom_fields": {"deal": "d-42"},
        },
    ) in sent
    assert not [p for p, _ in server.api.calls if p.endswith("/create") or "edit" in p]
    fields = server.api.custom_fields
    assert fields["customer"][ids["customer.team_example"]] == {"tier": "platinum"}
    assert plan(work, server).code == 0


def test_a_failed_custom_field_call_is_sent_again_on_the_next_apply(work, server):
    assert apply(work, server).code == 0
    edit(
        work,
        "    name: Team Example\n",
        "    name: Team Example Inc\n    custom_fields: {tier: gold}\n",
    )
    server.api.fail("/v1/customFields/setValues", 400)
    result = apply(work, server)
    assert result.code == 1 and "injected failure 400" in result.output
    recorded = state_of(work).resources["customer.team_example"].content
    assert recorded["name"] == "Team Example Inc" and not recorded.get("custom_fields")
    server.api.calls.clear()
    assert apply(work, server).code == 0
    assert paths(server) == ["customFields/setValues"]
    assert plan(work, server).code == 0


def test_the_plan_file_keeps_the_token_out_with_the_flag(work, server):
    assert apply(work, server).code == 0
    edit(work, COMMIT, "")
    made = billing(
        work,
        server,
        "plan",
        "catalog",
        "--provider",
        "metronome",
        "--allow-replace-contracts",
        "--out",
        "p.plan",
    )
    assert made.code == 0, made.output
    result = billing(
        work, server, "apply", "p.plan", "--provider", "metronome", "--allow-replace-contracts"
    )
    assert result.code == 0, result.output
    assert TOKEN not in made.output + result.output
    assert TOKEN.encode() not in (work / "p.plan").read_bytes()


def test_a_protected_contract_is_not_replaced_even_with_the_flag(work, server):
    edit(
        work,
        "    customer: team_example\n",
        "    customer: team_example\n    lifecycle: {prevent_destroy: true}\n",
    )
    assert apply(work, server).code == 0
    edit(work, COMMIT, "")
    result = plan(work, server, "catalog", "--allow-replace-contracts")
    assert result.code == 1
    assert "E840" in result.output and "prevent_destroy" in result.output
