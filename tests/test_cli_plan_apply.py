"""The plan/apply commands as CI and people use them: exit codes, prompts, refusals, locks, crashes.

Every test drives the installed `billing` in a subprocess, against a copy of the quickstart
catalog and a state file in a temporary directory.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BILLING, CATALOGS, run_billing

from billing_spec.state.store import LocalStateStore, parse_state


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "catalog", ignore=shutil.ignore_patterns("events")
    )
    return tmp_path


def catalog_edit(work: Path, old: str, new: str) -> None:
    path = work / "catalog" / "catalog.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def billing(work: Path, *args, **kw):
    return run_billing(*args, cwd=work, **kw)


def applied(work: Path) -> Path:
    result = billing(work, "apply", "catalog", "--auto-approve")
    assert result.code == 0, result.output
    return work / "billing.state.json"


def state_of(work: Path):
    return parse_state((work / "billing.state.json").read_bytes(), "state")


# --- exit codes ---------------------------------------------------------------------------------


def test_plan_exit_codes(work):
    assert billing(work, "plan", "catalog").code == 0  # changes, but no --detailed-exitcode
    assert billing(work, "plan", "catalog", "--detailed-exitcode").code == 2
    applied(work)
    result = billing(work, "plan", "catalog", "--detailed-exitcode")
    assert result.code == 0 and result.stdout.splitlines()[-1] == (
        "No changes. The applied state matches the catalog."
    )
    catalog_edit(work, "aggregation_type: SUM", "aggregation_type: SUMM")
    invalid = billing(work, "plan", "catalog", "--detailed-exitcode")
    assert invalid.code == 1 and "E104" in invalid.stderr


def test_a_refused_plan_exits_1_and_saves_nothing(work):
    applied(work)
    catalog_edit(work, "aggregation_type: SUM", "aggregation_type: MAX")
    result = billing(work, "plan", "catalog", "--detailed-exitcode", "--out", "p.plan")
    assert result.code == 1
    assert (
        "error[E812]: cannot replace billable_metric.lang_model_tokens: product.lang_model_4"
        in result.stdout
    )
    assert "# forces replacement" in result.stdout
    assert not (work / "p.plan").exists()
    as_json = billing(work, "plan", "catalog", "--format", "json")
    assert as_json.code == 1 and json.loads(as_json.stdout)["errored"] is True
    assert "E812" in as_json.stderr


def test_the_cli_default_state_path_is_the_librarys():
    from billing_spec.cli.state_options import DEFAULT_STATE_PATH
    from billing_spec.state import DEFAULT_STATE_PATH as LIBRARY_DEFAULT

    assert DEFAULT_STATE_PATH == LIBRARY_DEFAULT


def test_state_path_from_option_and_environment(work):
    assert billing(work, "apply", "catalog", "--auto-approve", "--state", "a/s.json").code == 0
    assert (work / "a" / "s.json").exists()
    listed = billing(work, "state", "list", env={"BILLING_STATE": "a/s.json"})
    assert listed.stdout.splitlines()[0] == "billable_metric.lang_model_tokens"


# --- approval -----------------------------------------------------------------------------------


def test_apply_dir_without_a_terminal_needs_auto_approve(work):
    result = billing(work, "apply", "catalog", input="yes\n")
    assert result.code == 1
    assert "error[E815]: apply needs approval, but the input is not a terminal" in result.stderr
    assert not (work / "billing.state.json").exists()


def in_terminal(
    work: Path, *args: str, typed: str = "", env: dict | None = None
) -> tuple[int, str]:
    """Run billing with a pseudo-terminal as stdin and stdout, typing `typed`."""
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    proc = subprocess.Popen(
        [str(BILLING), *args],
        cwd=work,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=environment,
        close_fds=True,
    )
    os.close(slave)
    if typed:
        os.write(master, typed.encode())
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        output += chunk
    code = proc.wait(timeout=120)
    os.close(master)
    return code, output.decode()


def test_apply_dir_in_a_terminal_asks_for_yes(work):
    code, output = in_terminal(work, "apply", "catalog", "--no-color", typed="no\n")
    assert code == 1 and "Only 'yes' will be accepted" in output and "Apply cancelled." in output
    assert not (work / "billing.state.json").exists()
    code, output = in_terminal(work, "apply", "catalog", "--no-color", typed="yes\n")
    assert code == 0 and "Apply complete! Resources: 5 added, 0 changed, 0 destroyed." in output
    assert state_of(work).serial == 1


def test_colour_only_on_a_terminal_and_never_with_no_color(work):
    code, coloured = in_terminal(work, "plan", "catalog")
    assert code == 0 and "\x1b[32m+\x1b[0m" in coloured
    assert "\x1b[" not in in_terminal(work, "plan", "catalog", "--no-color")[1]
    assert "\x1b[" not in in_terminal(work, "plan", "catalog", env={"NO_COLOR": "1"})[1]
    piped = subprocess.run(
        [str(BILLING), "plan", "catalog"],
        cwd=work,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
    )
    assert "\x1b[" not in piped.stdout


# --- saved plans --------------------------------------------------------------------------------


def test_apply_planfile_runs_exactly_the_saved_plan(work):
    assert billing(work, "plan", "catalog", "--out", "p.plan").code == 0
    catalog_edit(work, "name: Team Example", "name: Changed After Planning")
    result = billing(work, "apply", "p.plan")
    assert result.code == 0 and "Apply complete! Resources: 5 added" in result.stdout
    assert state_of(work).resources["customer.team_example"].content["name"] == "Team Example"


def test_an_unwritable_plan_file_is_an_error_not_a_traceback(work):
    result = billing(work, "plan", "catalog", "--out", "no/such/dir/p.plan")
    assert result.code == 1 and "error[E819]: cannot write plan file" in result.stderr
    assert "Traceback" not in result.output


def test_planning_options_are_refused_with_a_saved_plan(work):
    billing(work, "plan", "catalog", "--out", "p.plan")
    result = billing(work, "apply", "p.plan", "--as-of", "2026-01-01T00:00:00Z")
    assert result.code == 1 and "E816" in result.stderr
    assert not (work / "billing.state.json").exists()


def test_show_renders_a_saved_plan_like_plan_does(work):
    planned = billing(
        work,
        "plan",
        "catalog",
        "--format",
        "json",
        "--out",
        "p.plan",
        "--as-of",
        "2026-11-01T00:00:00Z",
    )
    shown = billing(work, "show", "p.plan", "--format", "json")
    assert shown.code == 0 and shown.stdout == planned.stdout
    markdown = billing(work, "show", "p.plan", "--format", "markdown")
    assert markdown.stdout.startswith("### Plan: 5 to add, 0 to change, 0 to destroy.\n")


def test_refused_saved_plans_leave_the_state_bytes_unchanged(work):
    state = applied(work)
    catalog_edit(work, "name: Team Example", "name: Team Example Inc")
    billing(work, "plan", "catalog", "--out", "p.plan")
    (work / "damaged.plan").write_text(
        (work / "p.plan").read_text().replace("Example Inc", "Example Ltd")
    )
    assert billing(work, "apply", "catalog", "--auto-approve", "--state", "other.json").code == 0
    billing(work, "apply", "catalog", "--auto-approve")  # moves the state on: p.plan is stale
    before = state.read_bytes()
    stale = billing(work, "apply", "p.plan")
    assert stale.code == 1
    assert (
        "saved plan is stale: the state changed, serial 1 -> 2, since it was made" in stale.stderr
    )
    lineage = billing(work, "apply", "p.plan", "--state", "other.json")
    assert lineage.code == 1 and "saved plan is for another state" in lineage.stderr
    damaged = billing(work, "apply", "damaged.plan")
    assert damaged.code == 1 and "plan file damaged.plan is damaged: its checksum" in damaged.stderr
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda text: text[: len(text) // 3], "is corrupt: not valid JSON"),
        (
            lambda text: text.replace('"format_version": 1', '"format_version": 9'),
            "has format version 9",
        ),
    ],
)
def test_a_damaged_state_is_refused_by_every_command(work, damage, message):
    state = applied(work)
    state.write_text(damage(state.read_text()))
    before = state.read_bytes()
    for args in (["plan", "catalog"], ["apply", "catalog", "--auto-approve"], ["state", "list"]):
        result = billing(work, *args)
        assert result.code == 1 and message in result.stderr and "Traceback" not in result.output
    assert state.read_bytes() == before


# --- state commands -----------------------------------------------------------------------------


def test_state_list_and_show(work):
    applied(work)
    listed = billing(work, "state", "list")
    assert listed.stdout.splitlines() == [
        "billable_metric.lang_model_tokens",
        "product.lang_model_4",
        "rate_card.lang_model_list",
        "customer.team_example",
        "contract.team_example_2026",
    ]
    shown = billing(work, "state", "show", "customer.team_example")
    assert shown.stdout.startswith('# customer.team_example:\ncustomer "team_example" {\n')
    assert (
        'name           = "Team Example"' in shown.stdout and "remote_id = local-" in shown.stdout
    )
    as_json = json.loads(
        billing(work, "state", "show", "customer.team_example", "--format", "json").stdout
    )
    assert as_json["content"]["ingest_aliases"] == ["team@example.com"]
    missing = billing(work, "state", "show", "customer.team_exampel")
    assert missing.code == 1 and "did you mean 'customer.team_example'?" in missing.stderr


def test_force_unlock_needs_the_exact_id(work):
    lock = work / "billing.state.json.lock"
    lock.write_text(
        json.dumps(
            {
                "ID": "1234-abcd",
                "Who": "ci@runner",
                "PID": 1,
                "Operation": "apply",
                "Created": "2026-11-25T00:00:00Z",
            }
        )
    )
    locked = billing(work, "apply", "catalog", "--auto-approve")
    assert locked.code == 1 and "the state is locked by ci@runner (pid 1, apply)" in locked.stderr
    assert "billing force-unlock 1234-abcd" in locked.stderr
    assert billing(work, "force-unlock", "1234").code == 1 and lock.exists()
    freed = billing(work, "force-unlock", "1234-abcd")
    assert freed.code == 0 and not lock.exists()


# --- concurrency and crashes --------------------------------------------------------------------


def test_two_applies_at_once_exactly_one_wins_and_the_other_names_the_holder(work):
    applied(work)
    catalog_edit(work, "name: Team Example", "name: Team Example Inc")
    assert billing(work, "plan", "catalog", "--out", "p.plan").code == 0  # one change
    release = work / "release"
    # Each apply, if it wins the lock, holds it after its change until `release` exists.
    env = {**os.environ, "NO_COLOR": "1", "BILLING_TEST_HOOK": f"pause-after-step=1:{release}"}
    procs = [
        subprocess.Popen(
            [str(BILLING), "apply", "p.plan"],
            cwd=work,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    deadline = time.monotonic() + 120
    while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    loser = next(p for p in procs if p.poll() is not None)
    winner = next(p for p in procs if p is not loser)
    _, loser_err = loser.communicate()
    release.touch()
    winner_out, _ = winner.communicate(timeout=120)
    assert loser.returncode == 1 and winner.returncode == 0, (loser_err, winner_out)
    assert "error[E803]: the state is locked by " in loser_err
    assert f"(pid {winner.pid}, apply)" in loser_err
    assert state_of(work).serial == 2  # 1 from the first apply, then exactly one more


def test_sigkill_after_each_step_leaves_a_consistent_state_and_the_next_apply_finishes(work):
    state = applied(work)
    base = state.read_bytes()
    catalog_edit(work, "name: Team Example", "name: Team Example Inc")
    catalog_edit(work, "{frequency: MONTHLY}", "{frequency: QUARTERLY}")
    catalog_edit(work, "customers:\n", "customers:\n  second:\n    name: Second\n")
    catalog_edit(
        work,
        "contracts:\n",
        "contracts:\n  second_2026:\n    customer: second\n"
        "    rate_card: lang_model_list\n    starting_at: 2026-10-01T00:00:00Z\n",
    )
    assert billing(work, "plan", "catalog", "--out", "p.plan").code == 0
    planned = json.loads(billing(work, "show", "p.plan", "--format", "json").stdout)
    steps = [
        c["address"] for c in planned["resource_changes"] if c["change"]["actions"] != ["no-op"]
    ]
    assert steps == [
        "customer.second",
        "customer.team_example",
        "contract.second_2026",
        "contract.team_example_2026",
    ]
    for killed_after in range(1, len(steps) + 1):
        state.write_bytes(base)
        result = billing(
            work, "apply", "p.plan", env={"BILLING_TEST_HOOK": f"kill-after-step={killed_after}"}
        )
        assert result.code == -signal.SIGKILL
        # The state file is untouched; its journal records exactly the first steps, and the state
        # read through it says the apply did not finish.
        assert state.read_bytes() == base
        assert (work / "billing.state.json.journal").exists()
        after = LocalStateStore(state).read()
        assert after.serial == 1
        assert after.history[-1].changes_applied == killed_after
        ids = {a: r.remote_id for a, r in after.resources.items()}
        # The killed process left its lock; free it by its ID, as a person would.
        lock_id = json.loads((work / "billing.state.json.lock").read_text())["ID"]
        assert billing(work, "force-unlock", lock_id).code == 0
        rest = json.loads(billing(work, "plan", "catalog", "--format", "json").stdout)
        left = [
            c["address"] for c in rest["resource_changes"] if c["change"]["actions"] != ["no-op"]
        ]
        assert left == steps[killed_after:]
        unfinished = killed_after < len(steps)
        assert [f["code"] for f in rest["findings"]] == (["W981"] if unfinished else [])
        finish = billing(work, "apply", "catalog", "--auto-approve")
        assert finish.code == 0
        started = [
            line.split(":")[0] for line in finish.stdout.splitlines() if line.endswith("...")
        ]
        assert started == steps[killed_after:]  # nothing done twice
        assert not (work / "billing.state.json.journal").exists()
        final = state_of(work)
        assert all(final.resources[a].remote_id == ids[a] for a in steps[:killed_after])
        assert billing(work, "plan", "catalog", "--detailed-exitcode").code == 0
