"""Streaming a file of JSON arrays element by element, with the line each element starts on.

A JSON-array file (the body of Metronome's ingest call, `[{...}, {...}]`) is decoded one element
at a time from a growing text buffer with the standard library's `raw_decode`, so memory holds
one element, not the file, and every number keeps its exact text (`records.exact_decode_at`).
Several arrays may follow one another (one ingest body per line). A syntax error stops
the file: after a broken element nothing can be trusted to start where it seems to; so does an
element longer than 1 MiB (`rules`), which is never held whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from billing_spec.events.records import exact_decode_at
from billing_spec.events.rules import MAX_LINE_BYTES, TOO_LONG_ELEMENT

_BLANK = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 16


class ArraySyntaxError(ValueError):
    """The file stops being a JSON array at `line`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class _Buffer:
    """Text read so far, a position in it, and the line number at that position."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.pos > _CHUNK:
            self.text, self.pos = self.text[self.pos :], 0
        self.text += chunk
        return True

    def advance_to(self, end: int) -> None:
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def next_char(self) -> str:
        """The next non-blank character ('' at the end), leaving the position on it."""
        while True:
            self.advance_to(_BLANK.match(self.text, self.pos).end())
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos : self.pos + 1]

    def value(self) -> tuple[Any, str]:
        """Decode the JSON value at the position: (value, its text)."""
        while True:
            try:
                value, end = exact_decode_at(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if _cut_short(exc) and len(self.text) - self.pos > MAX_LINE_BYTES:
                    raise ArraySyntaxError(TOO_LONG_ELEMENT, self.line) from None
                if _cut_short(exc) and self.more():
                    continue
                line = self.line + self.text.count("\n", self.pos, exc.pos)
                column = exc.pos - self.text.rfind("\n", 0, exc.pos)
                raise ArraySyntaxError(
                    f"not valid JSON: {exc.msg} (line {line}, column {column})", self.line
                ) from None
            except ValueError as exc:  # NaN, Infinity, too deep
                raise ArraySyntaxError(f"not valid JSON: {exc}", self.line) from None
            if end >= len(self.text) - 2 and self.more():
                continue  # a number may go on in the next chunk (`12` of `12.5`, `1` of `1e+3`)
            raw = self.text[self.pos : end]
            self.advance_to(end)
            return value, raw


def _cut_short(exc: json.JSONDecodeError) -> bool:
    """Whether the error may only mean the buffer ends inside the value: then more text may
    mend it. An error well before the end is final (reading on would hold the rest of the
    file); a string runs on until its closing quote."""
    return exc.pos >= len(exc.doc) - _CUT or exc.msg.startswith("Unterminated string")


_CUT = 16  # the furthest an error in a cut value is from the cut: `false`, `\ud800\udc`


def array_elements(stream: TextIO) -> Iterator[tuple[Any, str, int]]:
    """(element, its text, its line) for every element of every array in the file."""
    buf = _Buffer(stream)
    while (char := buf.next_char()) != "":
        if char != "[":
            raise ArraySyntaxError(f"expected '[' to start a JSON array, found {char!r}", buf.line)
        buf.advance_to(buf.pos + 1)
        yield from _elements(buf)


def _elements(buf: _Buffer) -> Iterator[tuple[Any, str, int]]:
    if buf.next_char() == "]":
        buf.advance_to(buf.pos + 1)
        return
    while True:
        line = buf.line
        value, raw = buf.value()
        yield value, raw, line
        char = buf.next_char()
        if char == "]":
            buf.advance_to(buf.pos + 1)
            return
        if char != ",":
            found = repr(char) if char else "the end of the file"
            raise ArraySyntaxError(
                f"expected ',' or ']' after an array element, found {found}", buf.line
            )
        buf.advance_to(buf.pos + 1)
        buf.next_char()
