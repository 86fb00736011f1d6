"""Where the state lives: the `StateStore` interface and the local file store.

`LocalStateStore(path)` keeps the state in one JSON file (default `./billing.state.json`):

- `read()` returns an empty `State` when the file does not exist, and refuses (E801) a file that
  is empty, truncated, not JSON, the wrong shape, or whose resources do not match their digests
  — it never guesses and never overwrites such a file;
- `write(state)` must run inside `locked(...)`; it bumps `serial` (fixing `lineage` on the first
  write), copies the file as it was before this operation's first write to `<state>.backup`, and
  replaces the file atomically (temp file, fsync, rename), so a crash leaves the old or the new
  state, never half of one;
- `begin_apply()`, `record(...)`, `finish_apply(state)`: apply's journal (`journal`): the
  backup is taken before the first change, each change is appended to `<state>.journal`, and
  the state is written once at the end; `read()` replays a journal an interrupted apply left,
  and `settle()` (an apply with nothing left to do) writes it into the state;
- `locked(operation, timeout)` holds `<state>.lock` (see `billing_spec.state.lock`); nested use
  by the same store is a no-op, so `apply DIR` can hold it across plan, prompt and apply; taking
  it removes temp files a killed writer left (`remove_stray_temps`);
- `force_unlock(lock_id)` frees a stuck lock given its exact ID.

A symlinked state is written through the link, and shares its lock and backup with the file it
points to. A remote store (a bucket, a database) would implement the same four methods.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from billing_spec.diagnostics import BillingSpecError
from billing_spec.fileio import atomic_write_bytes
from billing_spec.jsontext import digest_of
from billing_spec.plan.integrity import is_address
from billing_spec.state import journal
from billing_spec.state import lock as locking
from billing_spec.state.lock import LockInfo
from billing_spec.state.model import State
from billing_spec.state.upgrade import upgrade_state_data

DEFAULT_STATE_PATH = "billing.state.json"
# What a provider's ID for a resource may be: never a path (`../../etc`, `a/b`) or a URL.
REMOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}\Z")


class StateStore(Protocol):
    location: str

    def read(self) -> State: ...

    def write(self, state: State) -> State: ...

    def locked(self, operation: str, timeout: float = 0.0): ...

    def force_unlock(self, lock_id: str) -> LockInfo: ...

    def begin_apply(self) -> bool: ...

    def record(self, resources: dict, progress, *, sync: bool) -> None: ...

    def finish_apply(self, state: State, changed: bool) -> State: ...

    def settle(self) -> State: ...


class LocalStateStore:
    def __init__(self, path: str | Path = DEFAULT_STATE_PATH) -> None:
        self.location = str(Path(path))
        self.path = _through_symlink(Path(path))
        self.backup_path = self.path.with_name(self.path.name + ".backup")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self._lock: LockInfo | None = None
        self._backed_up = False

    def read(self) -> State:
        """The state file, with the journal of an interrupted apply replayed onto it."""
        return journal.replay(self.journal_path, self._read_file())

    def _read_file(self) -> State:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return State()
        except OSError as exc:
            raise BillingSpecError.single(
                "E801", f"cannot read state file {self.path}: {exc.strerror}"
            ) from None
        return parse_state(raw, str(self.path))

    def begin_apply(self) -> bool:
        """Under the lock, before apply's first change: back up the state file and open the
        journal. True when it carries on with the journal an interrupted apply left (whose
        changes the state file does not have yet)."""
        self._require_lock("begin_apply")
        self._back_up()
        base = self._read_file()
        if journal.continues(self.journal_path, base):
            return True
        self._io(lambda: journal.start(self.journal_path, base), "the apply journal")
        return False

    def record(self, resources: dict, progress, *, sync: bool) -> None:
        """Append one change to the journal (see `billing_spec.state.journal`)."""
        self._io(
            lambda: journal.append(self.journal_path, resources, progress, sync=sync),
            "the apply journal",
        )

    def settle(self) -> State:
        """Under the lock: fold the journal an interrupted apply left into the state file (a
        journal for another state is dropped); the state as read."""
        self._require_lock("settle")
        base = self._read_file()
        if not self.journal_path.exists():
            return base
        if not journal.continues(self.journal_path, base):
            journal.remove(self.journal_path)
            return base
        return self.finish_apply(journal.replay(self.journal_path, base), True)

    def finish_apply(self, state: State, changed: bool) -> State:
        """Write the state once (if the apply changed anything) and drop the journal it now
        contains."""
        written = self.write(state) if changed else state
        journal.remove(self.journal_path)
        return written

    def write(self, state: State) -> State:
        self._require_lock("write")
        new = state.written(lineage=str(uuid.uuid4()))
        self._back_up()
        self._write(self.path, new.to_json().encode("utf-8"), "state file")
        return new

    def _require_lock(self, what: str) -> None:
        if self._lock is None:
            raise RuntimeError(f"LocalStateStore.{what} called without holding the state lock")

    def _back_up(self) -> None:
        """Copy the state file as it was before this operation's first change, once."""
        if not self._backed_up and self.path.exists():
            self._write(self.backup_path, self.path.read_bytes(), "the backup")
        self._backed_up = True

    def _io(self, action, what: str) -> None:
        try:
            action()
        except OSError as exc:
            raise BillingSpecError.single(
                "E819",
                f"cannot write {what} for {self.path}: {exc.strerror}",
                hint="free space or fix permissions, then run `billing plan` to see what is left",
            ) from None

    def _write(self, path: Path, data: bytes, what: str) -> None:
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise BillingSpecError.single(
                "E819",
                f"cannot write {what} {path}: {exc.strerror}",
                hint="the state file was not changed by this write; free space or fix "
                "permissions, then run `billing plan` to see what is left",
            ) from None

    @contextmanager
    def locked(self, operation: str, timeout: float = 0.0) -> Iterator[LockInfo]:
        if self._lock is not None:
            yield self._lock
            return
        self._lock = locking.acquire(self.lock_path, operation, timeout, self._state_option())
        self._backed_up = False
        remove_stray_temps(self.path)
        try:
            yield self._lock
        finally:
            locking.release(self.lock_path, self._lock)
            self._lock = None

    def _state_option(self) -> str:
        """`--state PATH` for a command suggested to the user, unless PATH is the default."""
        if self.location == DEFAULT_STATE_PATH:
            return ""
        return f" --state {shlex.quote(self.location)}"

    def force_unlock(self, lock_id: str) -> LockInfo:
        return locking.force_unlock(self.lock_path, lock_id)

    def current_lock(self) -> LockInfo | None:
        return locking.read_lock(self.lock_path)


STRAY_LOCK_TEMP_SECONDS = 600  # a lock's temp file lives for a moment unless its writer died


def remove_stray_temps(path: Path) -> list[Path]:
    """Remove the temp files a killed writer of the state at `path` left behind: the state's and
    its backup's (`fileio.atomic_write_bytes`: `.<name>.<random>.tmp`), which only the lock's
    holder writes, so the caller must hold the lock; and the lock's own (`.<name>.lock.<id>.tmp`)
    once they are old, since another process may be taking the lock with one right now."""
    removed = []
    now = time.time()
    lock_prefix = f".{path.name}.lock."
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return removed
    for temp in candidates:
        try:
            young = now - temp.lstat().st_mtime < STRAY_LOCK_TEMP_SECONDS
            if temp.name.startswith(lock_prefix) and young:
                continue
            temp.unlink()
        except OSError:
            continue
        removed.append(temp)
    return removed


def _through_symlink(path: Path) -> Path:
    """The file a symlinked state points to, so that writes replace it and leave the link a
    link, and every name of one state shares one lock and one backup; else `path` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def parse_state(raw: bytes, where: str) -> State:
    """Bytes of a state file -> State, or BillingSpecError (E801/E802) saying what is wrong."""
    try:
        return _parse_state(raw, where)
    except RecursionError:
        raise _corrupt(where, "it is nested too deeply to be a state") from None


def _parse_state(raw: bytes, where: str) -> State:
    data = _json_object(raw, where)
    data = upgrade_state_data(data, where)
    _check_identity(data, where)
    if not isinstance(data.get("resources"), dict):  # a state always has them, if none: {}
        raise _corrupt(
            where,
            "`resources` is missing" if "resources" not in data else "`resources` is not an object",
        )
    try:
        state = State.from_data(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        at = ".".join(str(p) for p in first["loc"])
        raise _corrupt(where, f"{at}: {first['msg']}") from None
    _check_resources(state, where)
    return state


def _json_object(raw: bytes, where: str) -> dict:
    if not raw.strip():
        raise _corrupt(where, "the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _corrupt(where, "the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _corrupt(
            where,
            f"not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
            "it may have been truncated",
        ) from None
    if not isinstance(data, dict):
        raise _corrupt(where, "the file is not a JSON object")
    return data


def _check_identity(data: dict, where: str) -> None:
    """A written state has a UUID lineage and a serial of at least 1, exactly as written: a
    hand-edited one is refused, not coerced (`true` as 1) or given a new lineage on the next
    write."""
    serial, lineage = data.get("serial"), data.get("lineage")
    if type(serial) is not int or serial < 1:
        raise _corrupt(where, f"`serial` is {json.dumps(serial)}, not a whole number of at least 1")
    try:
        uuid.UUID(lineage)
    except (TypeError, ValueError, AttributeError):
        raise _corrupt(where, f"`lineage` is {json.dumps(lineage)}, not a UUID") from None


def _check_resources(state: State, where: str) -> None:
    for key, resource in state.resources.items():
        if key != resource.address or not is_address(key, resource.type, resource.name):
            raise _corrupt(where, f"resource {key[:60]!r} is recorded under the wrong address")
        if resource.remote_id is not None and not REMOTE_ID.match(resource.remote_id):
            raise _corrupt(where, f"{key}: its remote ID {resource.remote_id[:60]!r} is not an ID")
        if digest_of(resource.content) != resource.digest:
            raise _corrupt(where, f"{key}: its content does not match its digest")


def _corrupt(where: str, why: str) -> BillingSpecError:
    return BillingSpecError.single(
        "E801",
        f"state file {where} is corrupt: {why}",
        hint=f"the file was not changed; restore it from {where}.backup (the state before the "
        "last apply began) if that copy is intact",
    )
