"""Writing files so that a crash never leaves one half-written: temp file, fsync, rename.

`atomic_write_bytes` / `atomic_write_text` replace a file billing-spec owns (the state, fmt's
rewrites). `write_output_text` writes a file the user named: through a symlink, keeping the
file's mode, and straight into what is not a regular file (`/dev/stdout`, a named pipe).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write `data` to a temp file next to `path` and rename it over `path` (0600 unless `mode`)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_output_text(path: str | os.PathLike[str], text: str, *, private: bool = False) -> None:
    """Write a file the user named (`-o FILE`, `--out PLANFILE`) without replacing what it is.

    A regular file (or a new one) is written atomically, through a symlink (the link stays a
    link); it keeps its mode, and a new one gets the umask's (0600 when `private`). Anything else
    (`/dev/stdout`, `/dev/null`, a named pipe) is written into, never renamed over.
    """
    data = text.encode("utf-8")
    target = Path(path)
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "wb") as fh:
            fh.write(data)
        return
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    elif private:
        mode = 0o600
    else:
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    atomic_write_bytes(target.resolve(), data, mode)


_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(path: str | os.PathLike[str]) -> str | None:
    """What `path` is when reading it could wait forever or never end (`a FIFO`, `a character
    device`, ...), through symlinks; None for a regular file, a directory or nothing at all."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return next((kind for test, kind in _SPECIAL if test(mode)), None)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
