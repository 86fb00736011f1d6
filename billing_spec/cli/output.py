"""Shared CLI plumbing: options defined once, diagnostics and JSON printed one way, and
standard output checked: output that could not be written is an error (`checked_stdout`)."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

from billing_spec.diagnostics import Diagnostic, format_text
from billing_spec.jsontext import pretty_json


def format_option(*choices: str, default: str = "text"):
    return click.option(
        "--format",
        "format_",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def no_color_option(func):
    return click.option("--no-color", is_flag=True, help="Never colour the output.")(func)


# Set by the global `billing --no-color`, before any command runs.
NO_COLOR = {"global": False}


def color_wanted(no_color: bool = False, *, err: bool = False) -> bool:
    """Colour only on a terminal, never with --no-color (the command's or the global one) or
    with NO_COLOR set (https://no-color.org)."""
    if no_color or NO_COLOR["global"] or os.environ.get("NO_COLOR"):
        return False
    stream = sys.stderr if err else sys.stdout
    return stream.isatty()


def echo_diagnostics(diagnostics: Sequence[Diagnostic], *, err: bool = True) -> None:
    if diagnostics:
        click.echo(format_text(diagnostics, color=color_wanted(err=err)), err=err, color=True)


def echo_json(value: Any) -> None:
    click.echo(pretty_json(value), nl=False)


def echo_bytes(data: bytes) -> None:
    """Write UTF-8 `data` to stdout as it is: to the binary buffer under a real stream, decoded
    where stdout is text only (a caller that swapped in a `StringIO`)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode())
        return
    stream.flush()
    buffer.write(data)


def write_output(text: str, path: str | None, *, private: bool = False) -> None:
    """Write `text` to `path` (see `write_output_text`), or to stdout when no path or `-`."""
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    from billing_spec.fileio import write_output_text

    try:
        write_output_text(path, text, private=private)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


class OutputError(Exception):
    """Standard output could not be written (a full disk, a file-size limit, /dev/full, a closed
    pipe): the command's output is incomplete, so it fails."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(f"cannot write the output: {cause.strerror or cause}")


class _CheckedRaw(io.RawIOBase):
    """Standard output's file descriptor; the first failed write raises `OutputError`, and
    later ones (the interpreter flushing at exit) are dropped, so the error is said once."""

    def __init__(self, fd: int) -> None:
        self.fd, self.failed = fd, False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        if self.failed:
            return len(data)
        try:
            return os.write(self.fd, data)
        except OSError as exc:
            self.failed = True
            raise OutputError(exc) from None


@contextlib.contextmanager
def checked_stdout() -> Iterator[None]:
    """Run a command with standard output checked: every write, and a flush at the end, raises
    `OutputError` when the bytes could not be written (`main` makes that exit 1)."""
    original = sys.stdout
    try:
        fd = original.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (an embedding's own stream)
        yield
        return
    original.flush()
    raw = _CheckedRaw(fd)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=original.encoding,
        errors=original.errors,
        line_buffering=original.line_buffering,
    )
    try:
        yield
    finally:
        try:
            sys.stdout.flush()  # after a failed write, dropped: nothing more is said about it
        finally:
            sys.stdout = original
