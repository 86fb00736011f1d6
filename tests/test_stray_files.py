"""Locks and stray files (issue 13, item 6): a dangling lock symlink, temp files left by a killed
apply, FIFOs and devices among catalog or event files, and the apply test hook."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing

from billing_spec.cli import fault_hook


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(CATALOGS / "quickstart", tmp_path / "catalog")
    return tmp_path


def billing(work: Path, *args, **kw):
    result = run_billing(*args, cwd=work, **kw)
    assert "Traceback" not in result.output, result.output
    return result


# --- the lock -------------------------------------------------------------------------------------


def test_a_dangling_symlink_at_the_lock_path_is_a_lock_that_force_unlock_frees(work):
    lock = work / "billing.state.json.lock"
    lock.symlink_to(work / "gone")
    locked = billing(work, "apply", "catalog", "--auto-approve")
    assert locked.code == 1
    assert "error[E803]" in locked.stderr and "a symlink to a missing file" in locked.stderr
    [command] = [
        line.split("`")[1] for line in locked.stderr.splitlines() if "force-unlock" in line
    ]
    lock_id = command.split()[2]
    freed = billing(work, "force-unlock", lock_id)
    assert freed.code == 0, freed.output
    assert not lock.is_symlink() and not (work / "gone").exists()
    assert billing(work, "apply", "catalog", "--auto-approve").code == 0


def test_temp_files_left_by_a_killed_apply_are_removed_by_the_next_run(work):
    assert billing(work, "apply", "catalog", "--auto-approve").code == 0
    left = [
        work / ".billing.state.json.k1ll3d.tmp",  # a state write cut short
        work / ".billing.state.json.backup.k1ll3d.tmp",  # a backup write cut short
    ]
    old_lock_temp = work / ".billing.state.json.lock.0000-dead.tmp"
    fresh_lock_temp = work / ".billing.state.json.lock.1111-live.tmp"  # someone taking the lock
    for path in (*left, old_lock_temp, fresh_lock_temp):
        path.write_text("{half")
    an_hour_ago = time.time() - 3600
    os.utime(old_lock_temp, (an_hour_ago, an_hour_ago))
    unrelated = work / ".other.json.abc.tmp"
    unrelated.write_text("not ours")
    assert billing(work, "apply", "catalog", "--auto-approve").code == 0
    assert not any(p.exists() for p in (*left, old_lock_temp))
    assert fresh_lock_temp.exists() and unrelated.exists()


# --- FIFOs and devices ---------------------------------------------------------------------------


def test_a_fifo_among_catalog_files_is_reported_and_skipped(work):
    os.mkfifo(work / "catalog" / "pipe.yaml")
    for command in ("validate", "fmt", "compile", "plan"):
        result = billing(work, command, "catalog")
        assert result.code == 0, (command, result.output)
        assert "warning[W906]: catalog/pipe.yaml is not a regular file (a FIFO): skipped" in (
            result.output
        ), command


def test_a_device_among_catalog_files_is_reported_and_skipped(work):
    (work / "catalog" / "null.yaml").symlink_to("/dev/null")
    result = billing(work, "validate", "catalog")
    assert result.code == 0, result.output
    assert "catalog/null.yaml is not a regular file (a character device): skipped" in (
        result.output
    )


def test_a_fifo_among_event_files_is_reported_and_skipped(work):
    events = work / "catalog" / "events"
    os.mkfifo(events / "pipe.jsonl")
    result = billing(work, "invoice", "catalog", "--events", events)
    assert result.code == 0, result.output
    assert "warning[W963]: " in result.stderr
    assert "pipe.jsonl is not a regular file (a FIFO): skipped" in result.stderr
    assert '"total": "50"' in result.stdout


def test_a_named_pipe_given_by_name_is_still_read(work):
    """`--events <(zcat events.jsonl.gz)`: a pipe named on the command line is what to read."""
    text = (work / "catalog" / "events" / "october.jsonl").read_text()
    result = billing(work, "invoice", "catalog", "--events", "/dev/stdin", input=text)
    assert result.code == 0, result.output
    assert '"total": "50"' in result.stdout


# --- the apply test hook ------------------------------------------------------------------------


def test_the_test_hook_needs_the_variable_and_the_source_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv(fault_hook.ENV, "kill-after-step=1")
    assert fault_hook.step_hook() is not None  # here: the tests run from a source checkout
    monkeypatch.setattr(fault_hook, "MARKER", tmp_path / "no-such-file")
    assert fault_hook.step_hook() is None  # an installed billing-spec: the variable does nothing
    monkeypatch.delenv(fault_hook.ENV)
    monkeypatch.setattr(fault_hook, "MARKER", Path(__file__))
    assert fault_hook.step_hook() is None


def test_the_test_hook_marker_is_no_part_of_the_package():
    package = Path(fault_hook.__file__).resolve().parents[1]
    assert not fault_hook.MARKER.resolve().is_relative_to(package)


def test_a_malformed_hook_is_ignored_not_a_traceback(monkeypatch):
    monkeypatch.setenv(fault_hook.ENV, "pause-after-step=oops")
    assert fault_hook.step_hook() is None
