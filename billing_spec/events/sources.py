"""Where events come from: `--events` paths -> an ordered list of sources, each opened as bytes.

A path is a file, a directory or `-` (standard input). A directory stands for the event files
below it (`*.jsonl`, `*.ndjson`, `*.json`, each optionally `.gz`), sorted by relative path, hidden
files and directories skipped; so input order — which decides which copy of a duplicate wins — is
the order of the `--events` arguments, then that sorted order, then line order. A file given by
name is read whatever its name. Compression is detected from the content (gzip's magic bytes), not
the name, and so is the layout: a file whose first character is `[` holds JSON arrays (the body of
Metronome's ingest call), any other file is JSON Lines.

This module knows nothing about what an event is (see `records`) or about duplicates (`reader`).
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from billing_spec.diagnostics import Diagnostic, error, warning

STDIN = "-"
SUFFIXES = (".jsonl", ".ndjson", ".json")
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Source:
    """One input: `name` as diagnostics show it; `path` None for standard input."""

    name: str
    path: Path | None


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Source], list[Diagnostic]]:
    """The sources the `--events` arguments stand for, in input order."""
    sources: list[Source] = []
    diagnostics: list[Diagnostic] = []
    for given in paths:
        text = os.fspath(given)
        if text == STDIN:
            sources.append(Source("<stdin>", None))
            continue
        path = Path(text)
        if path.is_dir():
            found = _event_files(path)
            if not found:
                diagnostics.append(
                    warning(
                        "W958",
                        f"no event files in directory {text}",
                        hint="event files are named *.jsonl, *.ndjson or *.json, optionally .gz",
                    )
                )
            sources += [Source(os.path.join(text, rel), path / rel) for rel in found]
        elif path.is_file():
            sources.append(Source(text, path))
        else:
            diagnostics.append(error("E701", f"events path {text} does not exist"))
    return sources, diagnostics


def _event_files(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.removesuffix(".gz").endswith(SUFFIXES):
                found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def open_source(source: Source) -> BinaryIO:
    """Open a source for reading bytes, decompressing gzip. Raises OSError."""
    raw: BinaryIO = sys.stdin.buffer if source.path is None else open(source.path, "rb")  # noqa: SIM115
    stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    if stream.peek(2)[:2] == _GZIP_MAGIC:
        return io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"), buffer_size=1 << 16)  # type: ignore[arg-type]
    return stream


def is_array_layout(stream: BinaryIO) -> bool:
    """True when the first non-blank character is `[` (a file of JSON arrays)."""
    head = stream.peek(4096)  # type: ignore[attr-defined]
    head = head.removeprefix(_BOM).lstrip()
    return head[:1] == b"["


def strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(_BOM) else data
