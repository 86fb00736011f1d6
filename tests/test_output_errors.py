"""Output that could not be written is an error (issue 13, item 1).

A full disk, a file-size limit or `/dev/full` used to give exit 0 with the output cut short (or
a traceback). Every command's standard output is checked to the last byte, and `-o` files are
written whole or not at all: exit 1, one line on stderr, no traceback.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import BILLING, CATALOGS

QUICKSTART = CATALOGS / "quickstart"
LIMIT = 200  # bytes: every command below writes more


def _limited(limit: int):
    def setup() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as the shell would not: be sure
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return setup


def _run(args, stdout, *, limit: int | None = None, cwd: Path | None = None):
    return subprocess.run(
        [str(BILLING), *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=_limited(limit) if limit else None,
        timeout=300,
    )


COMMANDS = [
    ("compile", QUICKSTART),
    ("plan", QUICKSTART, "--format", "json"),
    ("invoice", QUICKSTART, "--events", QUICKSTART / "events"),
    ("invoice", QUICKSTART, "--events", QUICKSTART / "events", "--format", "text"),
    ("schema",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(map(str, a[:1] + a[2:])))
def test_a_file_size_limit_on_stdout_is_exit_1_with_one_line(tmp_path, args):
    with open(tmp_path / "out", "w") as out:
        proc = _run(args, out, limit=LIMIT)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == ["Error: cannot write the output: File too large"]


@pytest.mark.parametrize("args", COMMANDS[:3], ids=lambda a: a[0])
def test_dev_full_is_exit_1_with_one_line(args):
    with open("/dev/full", "w") as out:
        proc = _run(args, out)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == ["Error: cannot write the output: No space left on device"]


@pytest.mark.parametrize("command", ["compile", "schema"])
def test_an_output_file_that_cannot_be_written_whole_is_not_written_at_all(tmp_path, command):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    args = (command, QUICKSTART) if command == "compile" else (command,)
    proc = _run((*args, "-o", target), subprocess.DEVNULL, limit=LIMIT, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"Error: cannot write {target}: File too large"]
    assert target.read_text() == "old\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp file left


def test_a_saved_plan_that_cannot_be_written_whole_is_not_written(tmp_path):
    proc = _run(
        ("plan", QUICKSTART, "--state", tmp_path / "s.json", "--out", tmp_path / "p.plan"),
        subprocess.DEVNULL,
        limit=LIMIT,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_compile_output_is_private_like_the_state(tmp_path):
    """The compiled catalog holds what the state holds: a new `-o` file is 0600 (item 6)."""
    proc = _run(("compile", QUICKSTART, "-o", tmp_path / "c.json"), subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c.json").stat().st_mode & 0o777 == 0o600


def test_init_on_a_full_disk_is_an_error_not_a_traceback(tmp_path):
    proc = _run(("init", tmp_path / "project"), subprocess.DEVNULL, limit=LIMIT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "error[E014]: cannot write" in proc.stderr and "File too large" in proc.stderr
    leftovers = [p.name for p in (tmp_path / "project").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
