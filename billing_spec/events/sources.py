"""Where events come from: `--events` paths -> an ordered list of sources, each opened as bytes.

A path is a file (or a named pipe: `<(zcat ...)`), a directory or `-` (standard input); a path
that does not exist, or an empty one (not the current directory), is E701. A directory stands
for the event files below it (`*.jsonl`, `*.ndjson`, `*.json`, `*.csv`, each optionally `.gz`, and
`*.parquet`; none: W958),
sorted by relative path, hidden files and directories skipped, FIFOs and devices reported
(W963) and skipped; so input order — which
decides which copy of a duplicate wins — is the order of the `--events` arguments, then that
sorted order, then line order. A file given by name is read whatever its name. Compression is
detected from the content (gzip's magic bytes), not the name, and so is the layout: a file whose
first non-blank character is `[` holds JSON arrays (the body of Metronome's ingest call), any other
file is JSON Lines. A leading BOM is dropped.

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
from billing_spec.fileio import special_kind

STDIN = "-"
SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")
TABLE_SUFFIXES = (".parquet",)  # never gzip'd: Parquet compresses inside
_GZIP_MAGIC = b"\x1f\x8b"
# Compressed layouts we recognise but do not read: a clear error instead of a W950 per line.
_OTHER_COMPRESSIONS = (
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
)
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
            if any(s.path is None for s in sources):  # the second would read nothing
                diagnostics.append(
                    error("E701", "standard input (-) is given twice: it is read once")
                )
                continue
            sources.append(Source("<stdin>", None))
            continue
        if not text:  # Path("") is the current directory; `--events "$UNSET"` is a mistake
            diagnostics.append(error("E701", "an events path is empty"))
            continue
        path = Path(text)
        if path.is_dir():
            found, skipped = _event_files(path, text)
            diagnostics += skipped
            if not found and not skipped:
                diagnostics.append(
                    warning(
                        "W958",
                        f"no event files in directory {text}",
                        hint="event files are named *.jsonl, *.ndjson, *.json or *.csv, optionally"
                        " .gz, or *.parquet",
                    )
                )
            sources += [Source(os.path.join(text, rel), path / rel) for rel in found]
        elif path.exists():  # a file, or a pipe: `--events <(zcat events.jsonl.gz)`
            sources.append(Source(text, path))
        else:
            diagnostics.append(error("E701", f"events path {text} does not exist"))
    return sources, diagnostics


def _event_files(root: Path, shown: str) -> tuple[list[str], list[Diagnostic]]:
    """The event files below `root`, relative and sorted, without FIFOs and devices (reading one
    could wait forever: W963 each; a pipe named on the command line is read, as asked)."""
    found, skipped = [], []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and _is_event_file(name):
                relative = Path(folder, name).relative_to(root).as_posix()
                kind = special_kind(Path(folder, name))
                if kind is None:
                    found.append(relative)
                else:
                    where = os.path.join(shown, relative)
                    skipped.append(
                        warning("W963", f"{where} is not a regular file ({kind}): skipped")
                    )
    return sorted(found), sorted(skipped, key=lambda d: d.summary)


def _is_event_file(name: str) -> bool:
    return name.removesuffix(".gz").endswith(SUFFIXES) or name.endswith(TABLE_SUFFIXES)


def open_source(source: Source) -> BinaryIO:
    """Open a source for reading bytes, decompressing gzip. Raises OSError."""
    raw: BinaryIO = sys.stdin.buffer if source.path is None else open(source.path, "rb")  # noqa: SIM115
    stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    head = stream.peek(6)[:6]  # type: ignore[attr-defined]
    if head[:2] == _GZIP_MAGIC:
        # GzipFile buffers on its own (a second BufferedReader over it only copies: slower)
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    for magic, kind in _OTHER_COMPRESSIONS:
        if head.startswith(magic):
            if source.path is not None:
                stream.close()
            raise OSError(f"it is compressed with {kind}; billing-spec reads gzip only")
    return stream


def with_layout(stream: BinaryIO) -> tuple[BinaryIO, bool]:
    """The stream without a leading BOM (no part of the first line's text), and True when its
    first non-blank character is `[` (a file of JSON arrays). Raises OSError, EOFError.

    One peek may not reach that character (a pipe gives what it has; blank lines may fill the
    buffer): blank text is then read and put back in front of the rest."""
    if stream.peek(3)[:3] == _BOM:  # type: ignore[attr-defined]
        stream.read(3)
    newlines, tail = 0, b""  # the blank text read: kept as a count of lines and the last one
    while (head := stream.peek(1 << 16)) and not head.lstrip(b" \t\r\n"):  # type: ignore[attr-defined]
        blank = tail + stream.read(len(head))
        newlines += blank.count(b"\n")
        tail = blank[blank.rfind(b"\n") + 1 :]
    is_array = head.lstrip(b" \t\r\n")[:1] == b"["
    if newlines or tail:
        stream = io.BufferedReader(_Prefixed(newlines, tail, stream))  # type: ignore[arg-type]
    return stream, is_array


class _Prefixed(io.RawIOBase):
    """`newlines` line breaks and `tail`, then the rest of `stream` (which closing this leaves
    open): blank text put back without holding it (millions of blank lines are one int)."""

    def __init__(self, newlines: int, tail: bytes, stream: BinaryIO) -> None:
        self.newlines, self.tail, self.stream = newlines, tail, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.newlines:
            size = min(self.newlines, len(buffer))
            self.newlines -= size
            data = b"\n" * size
        elif self.tail:
            data, self.tail = self.tail[: len(buffer)], self.tail[len(buffer) :]
        else:
            data = self.stream.read1(len(buffer))  # type: ignore[attr-defined]
        buffer[: len(data)] = data
        return len(data)
