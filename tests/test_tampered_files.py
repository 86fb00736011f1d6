"""Damaged and tampered files are refused whole (issue 13, item 5), and stray files (item 6).

A saved plan, a state and a lock are files anyone can edit. Whatever is in them, a command
either refuses them with a clear error (E801 state, E807 plan, E804 lock) and changes nothing,
or works: never an AttributeError, a RecursionError or a path outside the state's directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing

from billing_spec.jsontext import digest_of


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "catalog", ignore=shutil.ignore_patterns("events")
    )
    return tmp_path


def billing(work: Path, *args):
    result = run_billing(*args, cwd=work)
    assert "Traceback" not in result.output, result.output
    return result


def _saved_plan(work: Path) -> dict:
    assert billing(work, "plan", "catalog", "--out", "p.plan").code == 0
    return json.loads((work / "p.plan").read_text())


def _resave(work: Path, envelope: dict) -> None:
    """Write the plan back with a checksum that matches: what someone editing it would do."""
    envelope["checksum"] = digest_of(envelope["body"])
    (work / "p.plan").write_text(json.dumps(envelope))


def _refused(work: Path, *texts: str) -> None:
    result = billing(work, "apply", "p.plan")
    assert result.code == 1, result.output
    for text in texts:
        assert text in result.stderr, result.stderr
    assert not (work / "billing.state.json").exists()  # nothing was applied


# --- saved plans ----------------------------------------------------------------------------------


def test_a_plan_whose_resource_was_edited_and_rechecksummed_is_refused_before_any_change(work):
    envelope = _saved_plan(work)
    customer = envelope["body"]["catalog"]["resources"]["customer.team_example"]
    customer["content"]["name"] = "Someone Else"
    _resave(work, envelope)
    _refused(
        work,
        "error[E807]: plan file p.plan is damaged: customer.team_example: its content does not "
        "match its digest",
    )


def test_a_change_for_an_address_not_in_the_plans_catalog_is_refused(work):
    envelope = _saved_plan(work)
    del envelope["body"]["catalog"]["resources"]["customer.team_example"]
    _resave(work, envelope)
    _refused(
        work, "E807", "customer.team_example: the change creates a resource the plan's catalog"
    )


def test_a_delete_of_a_resource_not_in_the_state_is_refused(work):
    envelope = _saved_plan(work)
    [change] = [c for c in envelope["body"]["plan"]["resource_changes"] if c["type"] == "customer"]
    change["change"]["actions"] = ["delete"]
    change["change"]["before"], change["change"]["after"] = change["change"]["after"], None
    change["change"]["before_lifecycle"] = change["change"]["after_lifecycle"]
    change["change"]["after_lifecycle"] = None
    _resave(work, envelope)
    _refused(work, "E807", "customer.team_example: the change deletes a resource the state does")


@pytest.mark.parametrize("field", ["address", "name"])
def test_an_address_that_is_not_an_id_is_refused_in_a_plan(work, field):
    envelope = _saved_plan(work)
    [change] = [c for c in envelope["body"]["plan"]["resource_changes"] if c["type"] == "customer"]
    change[field] = "../../etc" if field == "name" else "customer.../../etc"
    _resave(work, envelope)
    _refused(work, "E807")


def test_a_deeply_nested_plan_is_damaged_not_a_recursion_error(work):
    (work / "p.plan").write_text("[" * 100_000 + "]" * 100_000)
    _refused(work, "error[E807]: plan file p.plan is damaged")
    _saved_plan(work)
    text = (work / "p.plan").read_text()
    (work / "p.plan").write_text(
        text.replace('"body":{', '"body":{"deep":' + "[" * 5000 + "]" * 5000 + ",", 1)
    )
    assert '"deep"' in (work / "p.plan").read_text()
    _refused(work, "error[E807]: plan file p.plan is damaged")


# --- states ---------------------------------------------------------------------------------------


def _applied(work: Path) -> Path:
    assert billing(work, "apply", "catalog", "--auto-approve").code == 0
    return work / "billing.state.json"


STATE_COMMANDS = (["plan", "catalog"], ["apply", "catalog", "--auto-approve"], ["state", "list"])


def _state_refused(work: Path, state: Path, message: str) -> None:
    before = state.read_bytes()
    for args in STATE_COMMANDS:
        result = billing(work, *args)
        assert result.code == 1, (args, result.output)
        assert "error[E801]" in result.stderr and message in result.stderr, result.stderr
    assert state.read_bytes() == before


def test_a_state_without_resources_is_damaged_not_empty(work):
    state = _applied(work)
    data = json.loads(state.read_text())
    del data["resources"]
    state.write_text(json.dumps(data))
    _state_refused(work, state, "`resources` is missing")


def test_a_deeply_nested_state_is_damaged_not_a_recursion_error(work):
    state = _applied(work)
    state.write_text("[" * 100_000 + "]" * 100_000)
    _state_refused(work, state, "is corrupt")


@pytest.mark.parametrize(
    "where, value",
    [("name", "../../etc"), ("remote_id", "../../etc"), ("remote_id", "a/b")],
)
def test_ids_like_a_path_are_refused_in_a_state(work, where, value):
    state = _applied(work)
    data = json.loads(state.read_text())
    resource = data["resources"].pop("customer.team_example")
    if where == "name":
        resource["name"] = value
        resource["address"] = f"customer.{value}"
    else:
        resource["remote_id"] = value
    data["resources"][resource["address"]] = resource
    state.write_text(json.dumps(data))
    _state_refused(work, state, "is corrupt")


# --- locks ----------------------------------------------------------------------------------------


def test_a_deeply_nested_lock_is_reported_not_a_recursion_error(work):
    (work / "billing.state.json.lock").write_text("[" * 100_000 + "]" * 100_000)
    result = billing(work, "apply", "catalog", "--auto-approve")
    assert result.code == 1
    assert "billing.state.json.lock" in result.stderr


@pytest.mark.parametrize("lock_id", ["$(touch pwned)", "x; rm -rf ~", "../../etc", "a\x1b[2Jb"])
def test_a_lock_id_that_is_not_an_id_is_never_suggested_as_a_command(work, lock_id):
    """The "state is locked" message prints `billing force-unlock ID` to paste: an ID from a
    lock file that is not a plain ID makes the lock unreadable, named by its bytes' hash."""
    lock = work / "billing.state.json.lock"
    holder = {"ID": lock_id, "Who": "x@y", "PID": 1, "Operation": "apply", "Created": "now"}
    lock.write_text(json.dumps(holder))
    result = billing(work, "apply", "catalog", "--auto-approve")
    assert result.code == 1
    assert lock_id not in result.stderr
    assert "billing force-unlock unreadable-" in result.stderr
