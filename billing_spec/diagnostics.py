"""Diagnostics: how every stage reports a user's mistake.

A `Diagnostic` is a value, not an exception: severity, a stable code, a one-line summary, an
optional detail and hint, and the source range it points at (`file:line:col` for catalogs,
`file:line` for events). Stages return diagnostics next to their result and keep going, so one run
reports every mistake at once. `BillingSpecError` carries diagnostics out of a stage that cannot
continue (a corrupt state file, a stale plan); the CLI prints it and exits non-zero.

This module also renders diagnostics: as text (location, the source line, a caret under the range,
a hint) and as Terraform's `validate -json` shape. Nothing else in the package formats them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

JSON_FORMAT_VERSION = "1.0"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column; `column` is None where only the line is known (events)."""

    line: int
    column: int | None = None


@dataclass(frozen=True)
class SourceRange:
    """`[start, end)` in one file; `filename` is as the user gave it (relative where possible)."""

    filename: str
    start: Position
    end: Position | None = None

    def __str__(self) -> str:
        if self.start.column is None:
            return f"{self.filename}:{self.start.line}"
        return f"{self.filename}:{self.start.line}:{self.start.column}"

    @classmethod
    def at(cls, filename: str, line: int, column: int | None = None) -> SourceRange:
        return cls(filename, Position(line, column), None)


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    summary: str
    range: SourceRange | None = None
    detail: str = ""
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        r = self.range
        where = (r.filename, r.start.line, r.start.column or 0) if r else ("", 0, 0)
        return (*where, self.code, self.summary)


def error(code: str, summary: str, at: SourceRange | None = None, **kw: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, summary, at, **kw)


def warning(code: str, summary: str, at: SourceRange | None = None, **kw: str) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, summary, at, **kw)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable report order: by file, line, column, then code; exact duplicates dropped."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


@dataclass
class BillingSpecError(Exception):
    """A stage could not go on; the diagnostics say why. Raised for user mistakes only."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(d.summary for d in self.diagnostics)

    @classmethod
    def single(cls, code: str, summary: str, at: SourceRange | None = None, **kw: str):
        return cls([error(code, summary, at, **kw)])


# ---------------------------------------------------------------------------------------------
# Rendering

LineReader = Callable[[str, int], "str | None"]


def read_source_line(filename: str, line: int) -> str | None:
    """Default line reader: the 1-based line of a file, or None when it cannot be read (or is
    no regular file: a FIFO would wait forever)."""
    try:
        if not stat.S_ISREG(os.stat(filename).st_mode):
            return None
        with open(filename, encoding="utf-8-sig", errors="replace") as fh:  # no BOM shown
            for number, text in enumerate(fh, start=1):
                if number == line:
                    return text.rstrip("\r\n")
    except OSError:
        return None
    return None


def format_text(
    diagnostics: Sequence[Diagnostic],
    read_line: LineReader = read_source_line,
    *,
    color: bool = False,
) -> str:
    """Human form: `path:line:col: error[CODE]: summary`, the source line, a caret, the hint.

    With `color`, the severity is red (error) or yellow (warning), the location and summary
    bold, the caret in the severity's colour and `hint:` cyan, as ANSI escapes.
    """
    paint = _painter(color)
    shown, left_out = capped(diagnostics)
    blocks = [_format_one(d, read_line, paint) for d in shown]
    blocks += [f"... and {n:,} more {kind} not shown" for kind, n in left_out.items()]
    return "\n".join(blocks)


MAX_SHOWN_PER_CODE = 50
"""Text output shows at most this many diagnostics of one code, then `... and N more
error[CODE] not shown`: one mistake repeated a million times stays readable. Counts and JSON
output keep every diagnostic."""


def capped(
    diagnostics: Sequence[Diagnostic], limit: int = MAX_SHOWN_PER_CODE
) -> tuple[list[Diagnostic], dict[str, int]]:
    """The diagnostics text output shows (at most `limit` per severity and code, in order),
    and how many of each `severity[CODE]` it leaves out."""
    seen: dict[str, int] = {}
    shown: list[Diagnostic] = []
    for d in diagnostics:
        kind = f"{d.severity}[{d.code}]"
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= limit:
            shown.append(d)
    return shown, {kind: n - limit for kind, n in seen.items() if n > limit}


_COLORS = {"error": "1;31", "warning": "1;33", "bold": "1", "hint": "36"}


def _painter(color: bool) -> Callable[[str, str], str]:
    if not color:
        return lambda _, text: text
    return lambda key, text: f"\x1b[{_COLORS[key]}m{text}\x1b[0m" if text else text


def _format_one(d: Diagnostic, read_line: LineReader, paint: Callable[[str, str], str]) -> str:
    kind = str(d.severity)
    head = f"{paint(kind, f'{kind}[{d.code}]')}: {paint('bold', d.summary)}"
    lines = [f"{paint('bold', str(d.range))}: {head}" if d.range else head]
    if d.range is not None and d.range.start.column is not None:
        excerpt = _excerpt(d.range, read_line)
        if excerpt:
            gutter, caret = excerpt[1].split("|", 1)
            marks = caret.lstrip(" ")
            excerpt[1] = f"{gutter}|{caret[: len(caret) - len(marks)]}{paint(kind, marks)}"
        lines += excerpt
    if d.detail:
        lines += [f"  {text}" for text in d.detail.splitlines()]
    if d.hint:
        lines.append(f"  {paint('hint', 'hint:')} {d.hint}")
    return "\n".join(lines)


def _excerpt(r: SourceRange, read_line: LineReader) -> list[str]:
    text = read_line(r.filename, r.start.line)
    if text is None:
        return []
    gutter = str(r.start.line)
    pad = " " * len(gutter)
    col = r.start.column or 1
    width = 1
    if r.end is not None and r.end.line == r.start.line and r.end.column:
        width = max(1, r.end.column - col)
    width = min(width, max(1, len(text) - col + 1))
    return [f" {gutter} | {text}", f" {pad} | {' ' * (col - 1)}{'^' * width}"]


def summary_line(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def to_json(diagnostics: Sequence[Diagnostic]) -> dict:
    """Terraform's `validate -json` shape, plus our stable `code` and `hint`."""
    errors = sum(1 for d in diagnostics if d.is_error)
    return {
        "format_version": JSON_FORMAT_VERSION,
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(diagnostics) - errors,
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
    }


def diagnostic_json(d: Diagnostic) -> dict:
    out: dict = {"severity": str(d.severity), "code": d.code, "summary": d.summary}
    out["detail"] = d.detail
    if d.hint:
        out["hint"] = d.hint
    if d.range is not None:
        out["range"] = _range_json(d.range)
    return out


def _range_json(r: SourceRange) -> dict:
    end = r.end or r.start
    return {
        "filename": r.filename,
        "start": _pos_json(r.start),
        "end": _pos_json(end),
    }


def _pos_json(p: Position) -> dict:
    # Terraform's shape always has both; a position known only to its line starts the line.
    return {"line": p.line, "column": 1 if p.column is None else p.column}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest of `choices` to `word`, or "" when none is close.

    >>> did_you_mean("aggregaton_key", ["aggregation_key", "aggregation_type"])
    "did you mean 'aggregation_key'?"
    """
    import difflib

    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""
