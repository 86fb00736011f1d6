"""The state lock: `<state>.lock`, created atomically (link of a complete file) so exactly one
writer holds it and nobody reads it half-written.

The lock file is JSON naming its holder, so a refused writer can say who is in the way:

    {"ID": "6f1c...", "Who": "ana@ci-runner-7", "PID": 4242, "Operation": "apply",
     "Created": "2026-11-25T17:30:00.123456Z"}

`acquire` fails at once when the lock is held (E803), or polls until `timeout` seconds have
passed; a lock that cannot be created at all (a read-only directory, no hard links) is E819.
`release` removes the file only if it still holds our ID. A process killed with SIGKILL leaves
its lock behind; `force_unlock` frees it, but only given the exact lock ID (printed in every
"state is locked" message), so nobody frees someone else's live lock by accident. A damaged lock
file (empty, truncated, wrong types) still counts as a lock: its ID is `unreadable-` and a hash
of its bytes (`read_lock`), shell-safe and naming that file only; so is a symlink to a missing
file at the lock's path (which would otherwise make every writer wait forever: the name is taken).

The clock is read here (the lock's creation time, the wait), never in the pure stages.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from billing_spec.diagnostics import BillingSpecError
from billing_spec.timestamps import format_timestamp

POLL_SECONDS = 0.1
UNREADABLE = "unreadable-"  # the ID of a lock file that is not a lock (see `read_lock`)
DANGLING = b"dangling symlink to "
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*\Z")


@dataclass(frozen=True)
class LockInfo:
    ID: str
    Who: str
    PID: int
    Operation: str
    Created: str

    def describe(self) -> str:
        return f"{self.Who} (pid {self.PID}, operation {self.Operation}, since {self.Created})"

    @classmethod
    def new(cls, operation: str) -> LockInfo:
        return cls(
            ID=str(uuid.uuid4()),
            Who=f"{_user()}@{socket.gethostname()}",
            PID=os.getpid(),
            Operation=operation,
            Created=format_timestamp(datetime.now(UTC)),
        )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read_lock(path: Path) -> LockInfo | None:
    """The lock's holder, or None when there is no lock file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not path.is_symlink():
            return None
        # A symlink to nothing: creating the lock fails (the name is taken), so it is a lock,
        # freed with force-unlock like a damaged one; its ID comes from where it points.
        raw = DANGLING + os.readlink(path).encode("utf-8", "surrogateescape")
    try:
        info = LockInfo(**json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, RecursionError):
        info = None
    if info is None or not _well_formed(info):
        # Damaged by hand or by the file system: still a lock, freed with force-unlock. Its ID
        # comes from its bytes, so it is shell-safe and names this damaged file and no other.
        digest = hashlib.sha256(raw).hexdigest()[:16]
        return LockInfo(
            ID=f"{UNREADABLE}{digest}", Who="unknown", PID=0, Operation="unknown", Created="unknown"
        )
    return info


def _well_formed(info: LockInfo) -> bool:
    """Right types, and an ID fit to be pasted into the force-unlock command every "state is
    locked" message prints (never `$(...)`, `; rm`, `../../etc`), and printable text."""
    texts = (info.ID, info.Who, info.Operation, info.Created)
    return (
        all(isinstance(t, str) and t.isprintable() and len(t) <= 200 for t in texts)
        and type(info.PID) is int
        and _SAFE_ID.match(info.ID) is not None
    )


def acquire(path: Path, operation: str, timeout: float = 0.0, unlock_options: str = "") -> LockInfo:
    """Take the lock or raise BillingSpecError: E803 naming its holder, E819 when the lock
    cannot be created at all (a read-only directory, a file system without hard links).
    `unlock_options` (say ` --state s.json`) completes the force-unlock command E803 suggests."""
    info = LockInfo.new(operation)
    deadline = time.monotonic() + timeout
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            created = _try_create(path, info)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if isinstance(exc, FileExistsError):  # from mkdir: a file where a directory should be
                reason = f"{exc.filename} is not a directory"
            raise BillingSpecError.single(
                "E819",
                f"cannot create the state lock {path}: {reason}",
                hint="the state was not changed; check that its directory exists and is writable",
            ) from None
        if created:
            return info
        if time.monotonic() >= deadline:
            raise _locked_error(path, timeout, unlock_options)
        time.sleep(POLL_SECONDS)


def _try_create(path: Path, info: LockInfo) -> bool:
    """Create the lock with its content in one step: a complete temp file, hard-linked into
    place (link fails if the lock exists), so nobody ever reads a half-written lock."""
    text = json.dumps(asdict(info), indent=2, sort_keys=True) + "\n"
    tmp = path.with_name(f".{path.name}.{info.ID}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _locked_error(path: Path, timeout: float, unlock_options: str) -> BillingSpecError:
    holder = read_lock(path)
    if holder is None:  # released just now; the caller may simply retry
        return BillingSpecError.single("E803", f"the state lock {path} was busy; try again")
    waited = f" after waiting {timeout:g}s" if timeout else ""
    if holder.ID.startswith(UNREADABLE):
        why = "empty or damaged"
        if path.is_symlink() and not path.exists():
            why = f"it is a symlink to a missing file, {os.readlink(path)}"
        return BillingSpecError.single(
            "E803",
            f"the state is locked, but its lock file {path} cannot be read ({why}){waited}",
            detail=f"Lock ID: {holder.ID}",
            hint="if no other billing command is using this state, free the lock with "
            f"`billing force-unlock {holder.ID}{unlock_options}`",
        )
    detail = f"Lock ID: {holder.ID}\nHeld by: {holder.describe()}"
    if not _alive_here(holder):
        detail += (
            "\nThat process is no longer running on this host: if no other billing "
            "command is using this state, free the lock with force-unlock."
        )
    return BillingSpecError.single(
        "E803",
        f"the state is locked by {holder.Who} (pid {holder.PID}, {holder.Operation}){waited}",
        detail=detail,
        hint=f"wait and retry, pass --lock-timeout to wait for it, or run "
        f"`billing force-unlock {holder.ID}{unlock_options}` if its holder is gone",
    )


def _alive_here(holder: LockInfo) -> bool:
    if not holder.Who.endswith("@" + socket.gethostname()) or holder.PID <= 0:
        return True  # another host: we cannot tell, assume it is alive
    try:
        os.kill(holder.PID, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(path: Path, info: LockInfo) -> None:
    """Remove the lock if it is still ours (a force-unlock may have taken it away)."""
    current = read_lock(path)
    if current is not None and current.ID == info.ID:
        path.unlink(missing_ok=True)


def force_unlock(path: Path, lock_id: str) -> LockInfo:
    """Remove the lock only when `lock_id` is its exact ID; returns the lock that was freed."""
    current = read_lock(path)
    if current is None:
        raise BillingSpecError.single("E804", f"the state is not locked (no {path})")
    if lock_id != current.ID:
        raise BillingSpecError.single(
            "E804",
            f"lock ID {lock_id!r} does not match the lock on the state",
            detail=f"Lock ID: {current.ID}\nHeld by: {current.describe()}",
            hint="pass the exact lock ID shown above; the lock was not changed",
        )
    path.unlink(missing_ok=True)
    return current
