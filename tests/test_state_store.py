"""The state file: round trips, refuses what it cannot trust, writes atomically under a lock."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from planning import BASE, compiled, state_of

from billing_spec.diagnostics import BillingSpecError
from billing_spec.state import LocalStateStore, State
from billing_spec.state.lock import read_lock
from billing_spec.state.store import parse_state
from billing_spec.state.upgrade import upgrade_state_data


def refusal(call) -> BillingSpecError:
    with pytest.raises(BillingSpecError) as info:
        call()
    return info.value


def written_state(tmp_path) -> LocalStateStore:
    store = LocalStateStore(tmp_path / "billing.state.json")
    with store.locked("test"):
        store.write(state_of(compiled(BASE), serial=0, lineage=None))
    return store


def test_a_state_round_trips_byte_for_byte(tmp_path):
    store = written_state(tmp_path)
    text = store.path.read_text()
    state = parse_state(text.encode(), "x")
    assert state.to_json() == text
    assert state.catalog().resources.keys() == compiled(BASE).resources.keys()


def test_no_file_is_an_empty_state(tmp_path):
    state = LocalStateStore(tmp_path / "none.json").read()
    assert state.is_empty and state.serial == 0 and not state.resources


def test_writes_fix_the_lineage_once_and_bump_the_serial(tmp_path):
    store = written_state(tmp_path)
    first = store.read()
    assert first.serial == 1 and first.lineage
    with store.locked("test"):
        second = store.write(first)
        third = store.write(second)
    assert (second.serial, third.serial) == (2, 3)
    assert third.lineage == first.lineage == store.read().lineage


def test_the_backup_is_the_state_before_the_operation(tmp_path):
    store = written_state(tmp_path)
    before = store.path.read_bytes()
    with store.locked("apply"):
        state = store.write(store.read())
        store.write(state)
    assert store.backup_path.read_bytes() == before  # not the intermediate write


def test_writing_without_the_lock_is_a_bug(tmp_path):
    store = LocalStateStore(tmp_path / "s.json")
    with pytest.raises(RuntimeError):
        store.write(State())


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda text: "", "the file is empty"),
        (lambda text: text[: len(text) // 2], "not valid JSON at line"),
        (lambda text: "[1, 2]", "not a JSON object"),
        (lambda text: text.replace('"serial": 1', '"serial": "one"'), "serial"),
        (
            lambda text: text.replace('"Acme"', '"Acme Evil"'),
            "customer.acme: its content does not match its digest",
        ),
        (
            lambda text: text.replace('"format_version": 1', '"format_version": "x"'),
            "`format_version` is 'x'",
        ),
        # hand-edited identity: never coerced, never replaced by a fresh lineage on the next write
        (lambda text: text.replace('"serial": 1', '"serial": true'), "`serial` is true"),
        (lambda text: text.replace('"serial": 1', '"serial": "1"'), '`serial` is "1"'),
        (lambda text: text.replace('"serial": 1', '"serial": 0'), "`serial` is 0"),
        (lambda text: re.sub(r'"lineage": "[^"]*"', '"lineage": null', text), "`lineage` is null"),
        (lambda text: re.sub(r'"lineage": "[^"]*"', '"lineage": ""', text), '`lineage` is ""'),
    ],
)
def test_a_damaged_state_is_refused_and_left_alone(tmp_path, damage, why):
    store = written_state(tmp_path)
    store.path.write_text(damage(store.path.read_text()))
    before = store.path.read_bytes()
    error = refusal(store.read)
    assert error.diagnostics[0].code == "E801"
    assert why in error.diagnostics[0].summary
    assert "restore it from" in error.diagnostics[0].hint
    assert store.path.read_bytes() == before


def test_a_newer_state_format_is_refused(tmp_path):
    store = written_state(tmp_path)
    store.path.write_text(
        store.path.read_text().replace('"format_version": 1', '"format_version": 2')
    )
    error = refusal(store.read)
    assert error.diagnostics[0].code == "E802"
    assert "newer than this billing-spec reads (1)" in error.diagnostics[0].summary


def test_older_formats_upgrade_through_the_chain_one_step_at_a_time():
    steps = []

    def one_to_two(data):
        steps.append(1)
        renamed = dict(data)
        renamed["resources"] = renamed.pop("objects")
        return renamed

    def two_to_three(data):
        steps.append(2)
        return {**data, "history": []}

    data = upgrade_state_data(
        {"format_version": 1, "objects": {}},
        "s.json",
        current=3,
        upgrades={1: one_to_two, 2: two_to_three},
    )
    assert data == {"format_version": 3, "resources": {}, "history": []}
    assert steps == [1, 2]


# --- the lock ----------------------------------------------------------------------------------


def test_a_second_writer_fails_at_once_naming_the_holder(tmp_path):
    first, second = LocalStateStore(tmp_path / "s.json"), LocalStateStore(tmp_path / "s.json")
    with first.locked("apply") as held:
        error = refusal(lambda: second.locked("apply").__enter__())
    diagnostic = error.diagnostics[0]
    assert diagnostic.code == "E803"
    assert diagnostic.summary.startswith(
        f"the state is locked by {held.Who} (pid {held.PID}, apply)"
    )
    assert f"Lock ID: {held.ID}" in diagnostic.detail
    assert f"billing force-unlock {held.ID}" in diagnostic.hint
    assert not (tmp_path / "s.json.lock").exists()  # released on leaving the block


def test_a_writer_can_wait_for_the_lock(tmp_path):
    first, second = LocalStateStore(tmp_path / "s.json"), LocalStateStore(tmp_path / "s.json")
    released = threading.Event()
    holding = first.locked("apply")
    holding.__enter__()

    def release_soon():
        time.sleep(0.3)
        holding.__exit__(None, None, None)
        released.set()

    threading.Thread(target=release_soon).start()
    with second.locked("apply", timeout=60) as lock:
        assert released.is_set() and read_lock(second.lock_path).ID == lock.ID


def test_force_unlock_needs_the_exact_lock_id(tmp_path):
    store = LocalStateStore(tmp_path / "s.json")
    with store.locked("apply") as held:
        other_last = "1" if held.ID.endswith("0") else "0"  # one character off, never equal
        wrong = refusal(lambda: store.force_unlock(held.ID[:-1] + other_last))
        assert wrong.diagnostics[0].code == "E804" and read_lock(store.lock_path) == held
        assert store.force_unlock(held.ID) == held
        assert read_lock(store.lock_path) is None
    assert (
        refusal(lambda: store.force_unlock(held.ID))
        .diagnostics[0]
        .summary.startswith("the state is not locked")
    )


def test_releasing_never_removes_someone_elses_lock(tmp_path):
    store = LocalStateStore(tmp_path / "s.json")
    with store.locked("apply") as held:
        store.force_unlock(held.ID)
        other = LocalStateStore(tmp_path / "s.json")
        taken = other.locked("apply")
        newer = taken.__enter__()
    assert read_lock(store.lock_path) == newer  # our exit left the new holder's lock alone
    taken.__exit__(None, None, None)


def test_the_lock_file_names_its_holder(tmp_path):
    store = LocalStateStore(tmp_path / "s.json")
    with store.locked("apply"):
        data = json.loads(store.lock_path.read_text())
    assert set(data) == {"ID", "Who", "PID", "Operation", "Created"}
    assert "@" in data["Who"] and data["Operation"] == "apply"


def test_a_lock_that_cannot_be_created_is_a_diagnostic_not_a_traceback(tmp_path, monkeypatch):
    # the state's directory cannot be made (a file is in the way)
    (tmp_path / "afile").write_text("")
    blocked = LocalStateStore(tmp_path / "afile" / "s.json")
    error = refusal(lambda: blocked.locked("apply").__enter__())
    assert error.diagnostics[0].code == "E819"
    assert error.diagnostics[0].summary.endswith(f"{tmp_path / 'afile'} is not a directory")

    # the directory is read-only, or its file system has no hard links
    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("billing_spec.state.lock.os.link", refuse)
    store = LocalStateStore(tmp_path / "s.json")
    error = refusal(lambda: store.locked("apply").__enter__())
    assert error.diagnostics[0].code == "E819"
    assert error.diagnostics[0].summary == (
        f"cannot create the state lock {store.lock_path}: Operation not permitted"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "afile"]  # no temp file left behind


@pytest.mark.parametrize(
    "text",
    [
        "",
        '{"ID": "x", "Who": "a@b"',
        "[1, 2]",
        '{"ID": "x", "Who": "a@b", "PID": "12", "Operation": "apply", "Created": "t"}',
        '{"ID": 7, "Who": "a@b", "PID": 12, "Operation": "apply", "Created": "t"}',
    ],
)
def test_a_damaged_lock_still_locks_and_is_freed_by_the_id_the_error_prints(tmp_path, text):
    store = LocalStateStore(tmp_path / "s.json")
    store.lock_path.write_text(text)
    diagnostic = refusal(lambda: store.locked("apply").__enter__()).diagnostics[0]
    assert diagnostic.code == "E803"
    assert f"its lock file {store.lock_path} cannot be read" in diagnostic.summary
    lock_id = re.search(r"`billing force-unlock (\S+) --state ", diagnostic.hint).group(1)
    assert re.fullmatch(r"[\w-]+", lock_id)  # safe to paste into a shell as it is
    assert f"Lock ID: {lock_id}" in diagnostic.detail
    assert refusal(lambda: store.force_unlock("unreadable")).diagnostics[0].code == "E804"
    assert lock_id == store.force_unlock(lock_id).ID
    assert not store.lock_path.exists()


@pytest.mark.parametrize(
    "path, option",
    [("billing.state.json", ""), ("my dir/s.json", " --state 'my dir/s.json'")],
)
def test_the_force_unlock_hint_names_a_state_that_is_not_the_default(
    tmp_path, monkeypatch, path, option
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my dir").mkdir()
    first, second = LocalStateStore(path), LocalStateStore(path)
    with first.locked("apply") as held:
        hint = refusal(lambda: second.locked("apply").__enter__()).diagnostics[0].hint
    assert f"`billing force-unlock {held.ID}{option}`" in hint


def test_a_symlinked_state_is_written_through_the_link(tmp_path):
    (tmp_path / "shared").mkdir()
    real = written_state(tmp_path / "shared")
    link = tmp_path / "billing.state.json"
    link.symlink_to(real.path)
    store = LocalStateStore(link)
    with store.locked("apply"):
        # one state, one lock, whichever name a writer uses
        refusal(lambda: LocalStateStore(real.path).locked("apply").__enter__())
        store.write(store.read())
    assert link.is_symlink() and real.read().serial == 2
    assert real.backup_path.exists() and not (tmp_path / "billing.state.json.backup").exists()


def test_a_backup_that_cannot_be_written_is_named_and_the_state_is_left_alone(tmp_path):
    store = written_state(tmp_path)
    before = store.path.read_bytes()
    store.backup_path.mkdir()  # in the way of the backup
    with store.locked("apply"):
        error = refusal(lambda: store.write(store.read()))
    assert error.diagnostics[0].code == "E819"
    assert error.diagnostics[0].summary.startswith(f"cannot write the backup {store.backup_path}")
    assert store.path.read_bytes() == before
