"""Shared CLI plumbing: options defined once, diagnostics and JSON printed one way."""

from __future__ import annotations

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


def echo_diagnostics(diagnostics: Sequence[Diagnostic], *, err: bool = True) -> None:
    if diagnostics:
        click.echo(format_text(diagnostics), err=err)


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
