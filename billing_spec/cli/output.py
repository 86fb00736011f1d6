"""Shared CLI plumbing: options defined once, diagnostics and JSON printed one way."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
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


def write_output(text: str, path: str | None) -> None:
    """Write `text` to `path` (see `write_output_text`), or to stdout when no path or `-`."""
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    from billing_spec.fileio import write_output_text

    try:
        write_output_text(path, text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
