"""Shared test helpers: write a catalog from a dict of files, run the installed `billing`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "catalogs"
BILLING = Path(sys.executable).with_name("billing")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_billing(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """Run the installed console script, as a user or CI job would."""
    proc = subprocess.run(
        [str(BILLING), *map(str, args)],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write `{relative path: text}` below `root` (text is dedented) and return `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def catalog_dir(tmp_path: Path):
    """A function writing a catalog's files into a fresh directory and returning it."""

    def make(files: dict[str, str]) -> Path:
        return write_files(tmp_path / "catalog", files)

    return make


@pytest.fixture
def server(request):
    """The loopback Metronome (`tests/metronome_server.py`) for the test module's own `TOKEN`
    (each module greps its outputs for its token)."""
    from metronome_server import MetronomeServer

    with MetronomeServer(request.module.TOKEN) as running:
        yield running
