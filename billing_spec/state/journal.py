"""The apply journal: an append-only record of the changes an apply has made, beside the state.

Apply used to rewrite (and fsync) the whole state after every change, which made a large apply
quadratic. Now it appends one line per change to `<state>.journal` and writes the state once,
at the end; the journal is then removed. If the apply dies first (kill -9, a lost CI runner), the
journal stays, and every later read of the state replays it, so `plan` shows exactly what is
left and the next `apply` carries on (appending to the same journal) without redoing anything.

    {"journal": 1, "lineage": "<uuid>" | null, "serial": 5}          the state it starts from
    {"resources": {"product.p": {...ResourceState...} | null}, "progress": {...AppliedPlan...}}
    ...

The first line names the state file the journal continues (`lineage`, `serial`); a journal
for another state (the file was restored from a backup, or written since) is ignored and
replaced by the next apply. A last line cut short by a crash is ignored: that change was not
recorded. `sync=True` (a provider with remote effects) fsyncs each line, so not even a power
cut loses one; the local provider, whose changes are only IDs in the state, skips that.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
from pydantic import ValidationError

from billing_spec.diagnostics import BillingSpecError
from billing_spec.jsontext import digest_of
from billing_spec.state.model import AppliedPlan, ResourceState, State

FORMAT = 1


def replay(path: Path, state: State) -> State:
    """`state` with the journal at `path` replayed onto it (unchanged if there is none)."""
    for entry in _entries(path, state):
        state = _apply_entry(state, entry, path)
    return state


def continues(path: Path, state: State) -> bool:
    """Whether the journal at `path` is the one for the state file `state` was read from."""
    header = _header(path)
    return header is not None and _same_base(header, state)


def start(path: Path, state: State) -> None:
    """A new, empty journal for an apply starting from the state file `state` was read from."""
    header = {"journal": FORMAT, "lineage": state.lineage, "serial": state.serial}
    data = (json.dumps(header, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def append(
    path: Path, resources: dict[str, ResourceState | None], progress: AppliedPlan, *, sync: bool
) -> None:
    """Record one change: the resources it set (None: removed) and the apply's progress."""
    entry = {
        "resources": {address: _fields(r) for address, r in resources.items()},
        "progress": progress.model_dump(mode="json"),
    }
    data = _dumps(entry) + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _fields(resource: ResourceState | None) -> dict | None:
    """A resource's fields as JSON values (its content already is JSON; read back through
    the model). Cheaper than `model_dump`, which a large apply would spend its time in."""
    return None if resource is None else dict(resource.__dict__)


def _dumps(entry: dict) -> bytes:
    """One line of JSON (the journal is read back, never digested: any valid JSON will do)."""
    try:
        return orjson.dumps(entry)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


# --- reading ------------------------------------------------------------------------------------


def _lines(path: Path) -> list[bytes]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _damaged(path, exc.strerror or "cannot be read") from None
    lines = raw.split(b"\n")
    return lines[:-1]  # the part after the last newline is a line the crash cut short


def _header(path: Path) -> dict | None:
    lines = _lines(path)
    if not lines:
        return None
    try:
        header = json.loads(lines[0])
    except ValueError:
        raise _damaged(path, "the first line is not JSON") from None
    if not isinstance(header, dict) or header.get("journal") != FORMAT:
        raise _damaged(path, "the first line is not a journal header")
    return header


def _same_base(header: dict, state: State) -> bool:
    return header.get("lineage") == state.lineage and header.get("serial") == state.serial


def _entries(path: Path, state: State) -> list[dict]:
    header = _header(path)
    if header is None or not _same_base(header, state):
        return []
    entries = []
    for number, line in enumerate(_lines(path)[1:], start=2):
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise _damaged(path, f"line {number} is not JSON") from None
    return entries


def _apply_entry(state: State, entry: dict, path: Path) -> State:
    try:
        resources = dict(state.resources)
        for address, data in entry["resources"].items():
            resources.pop(address, None)
            if data is not None:
                resource = ResourceState.model_validate(data)
                if digest_of(resource.content) != resource.digest or resource.address != address:
                    raise _damaged(path, f"{address}: its content does not match its digest")
                resources[address] = resource
        progress = AppliedPlan.model_validate(entry["progress"])
    except (KeyError, TypeError, AttributeError, ValidationError):
        raise _damaged(path, "an entry has the wrong shape") from None
    return state.model_copy(update={"resources": resources}).with_progress(progress)


def _damaged(path: Path, why: str) -> BillingSpecError:
    return BillingSpecError.single(
        "E801",
        f"apply journal {path} is damaged: {why}",
        hint="it records an apply that was interrupted; the state file itself was not changed. "
        "Moved aside, the journal's changes show as pending again: check what exists remotely "
        "before applying",
    )
