"""The apply journal: one appended line per change, the state written once, and an apply that
dies part-way replayed from its journal, so the next apply does only the rest.

A crash is simulated in-process by an apply whose final state write never happens (the process
"died" after its last journal line); tests/test_cli_plan_apply.py does it with a real kill -9.
"""

from __future__ import annotations

import json

import pytest
from test_apply import BASE, plan_for

from billing_spec.apply import apply_plan
from billing_spec.providers import LocalProvider
from billing_spec.state.store import LocalStateStore


class Dies(Exception):
    """The process ends here (nothing after it runs)."""


class DyingProvider(LocalProvider):
    def __init__(self, after: int) -> None:
        super().__init__()
        self.after, self.done = after, 0

    def create(self, resource):
        if self.done == self.after:
            raise Dies
        self.done += 1
        return super().create(resource)


def crash_after(store: LocalStateStore, steps: int, monkeypatch) -> None:
    """Apply BASE and die after `steps` changes, before the final write (like kill -9)."""
    monkeypatch.setattr(store, "finish_apply", lambda state, changed: state)
    with pytest.raises(Dies):
        apply_plan(plan_for(store, BASE), store, DyingProvider(steps))
    monkeypatch.undo()


def test_a_crashed_apply_is_replayed_from_its_journal_and_finished_without_repeats(
    tmp_path, monkeypatch
):
    path = tmp_path / "billing.state.json"
    store = LocalStateStore(path)
    crash_after(store, 3, monkeypatch)
    assert not path.exists()  # the state was never written...
    journal = path.with_name("billing.state.json.journal")
    assert len(journal.read_text().splitlines()) == 1 + 3  # ...the journal has the 3 changes
    replayed = LocalStateStore(path).read()
    assert len(replayed.resources) == 3 and not replayed.history[-1].complete
    rest = plan_for(LocalStateStore(path), BASE)
    assert len(rest.pending) == 4
    provider = LocalProvider()
    made = []
    provider.create = lambda resource: made.append(resource.address) or "local-new"
    final = apply_plan(rest, LocalStateStore(path), provider)
    assert made == [c.address for c in rest.pending]  # only the rest
    assert final.serial == 1 and len(final.resources) == 7
    assert all(
        final.resources[a].remote_id == replayed.resources[a].remote_id for a in replayed.resources
    )
    assert not journal.exists()
    assert not plan_for(LocalStateStore(path), BASE).has_changes


def test_a_last_line_cut_short_by_the_crash_is_ignored(tmp_path, monkeypatch):
    path = tmp_path / "billing.state.json"
    crash_after(LocalStateStore(path), 2, monkeypatch)
    journal = path.with_name("billing.state.json.journal")
    with journal.open("ab") as out:
        out.write(b'{"resources": {"product.x"')  # a torn write, no newline
    assert len(LocalStateStore(path).read().resources) == 2


def test_a_journal_for_another_state_is_ignored(tmp_path, monkeypatch):
    path = tmp_path / "billing.state.json"
    store = LocalStateStore(path)
    apply_plan(plan_for(store, BASE), store, LocalProvider())  # serial 1
    journal = path.with_name("billing.state.json.journal")
    header = {"journal": 1, "lineage": store.read().lineage, "serial": 0}
    journal.write_text(json.dumps(header) + '\n{"resources": {}, "progress": {}}\n')
    assert LocalStateStore(path).read() == store.read()


def test_a_damaged_journal_is_refused_naming_it(tmp_path, monkeypatch):
    from billing_spec.diagnostics import BillingSpecError

    path = tmp_path / "billing.state.json"
    crash_after(LocalStateStore(path), 2, monkeypatch)
    journal = path.with_name("billing.state.json.journal")
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join([lines[0], "not json", *lines[1:]]) + "\n")
    with pytest.raises(BillingSpecError) as info:
        LocalStateStore(path).read()
    assert info.value.diagnostics[0].code == "E801"
    assert "apply journal" in info.value.diagnostics[0].summary
    assert "line 2 is not JSON" in info.value.diagnostics[0].summary


def test_the_backup_is_taken_under_the_lock_before_the_first_remote_call(tmp_path):
    path = tmp_path / "billing.state.json"
    store = LocalStateStore(path)
    apply_plan(plan_for(store, BASE), store, LocalProvider())
    before = path.read_bytes()
    backup = path.with_name("billing.state.json.backup")
    backup.unlink(missing_ok=True)
    seen = []

    class Watching(LocalProvider):
        def update(self, change, prior):
            seen.append((backup.exists() and backup.read_bytes() == before, store.current_lock()))
            return super().update(change, prior)

    edited = BASE.replace("name: Acme", "name: Acme Inc", 1)
    assert edited != BASE
    apply_plan(plan_for(store, edited), store, Watching())
    assert seen and seen[0][0] is True and seen[0][1] is not None
