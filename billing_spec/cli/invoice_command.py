"""`billing invoice`: the invoices a catalog and usage events imply."""

from __future__ import annotations

import click

from billing_spec.cli.impact_options import (
    as_of_period_option,
    parse_as_of_period,
    parse_through,
)
from billing_spec.cli.output import echo_bytes, echo_diagnostics

FORMATS = ("json", "text", "markdown", "html")


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option(
    "--events",
    "events",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Events: a JSON Lines or JSON-array file (optionally gzip), a directory of "
    "them, or - for stdin. Repeat for several.",
)
@click.option("--customer", metavar="ID", help="Only this customer (ID or ingest alias).")
@click.option("--through", metavar="TS", help="Ignore events at or after this RFC 3339 timestamp.")
@as_of_period_option
@click.option(
    "--engine",
    default="auto",
    show_default=True,
    metavar="auto|python|duckdb",
    help="Aggregation engine: python (the reference), duckdb (SQL over the files, for large "
    "inputs), auto (duckdb from 32 MiB of event files when installed).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when the events get any warning (malformed, duplicate...).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Render with the templates in DIR instead of the built-in ones.",
)
def invoice(
    directory: str,
    events: tuple[str, ...],
    customer: str | None,
    through: str | None,
    as_of_period: str | None,
    engine: str,
    strict: bool,
    format_: str,
    templates: str | None,
) -> int:
    """Replay usage events through a catalog and print the invoices they imply.

    Exits 0 on success (warnings allowed unless --strict), 1 on any error. On failure nothing
    is printed on stdout.
    """
    from billing_spec.catalog import build_catalog
    from billing_spec.diagnostics import has_errors
    from billing_spec.evaluate import COVERAGE_CODES, evaluate
    from billing_spec.events import read_events

    cutoff = parse_through(through)
    period = parse_as_of_period(as_of_period)
    catalog, diagnostics = build_catalog(directory)
    if catalog is None:
        echo_diagnostics(diagnostics)
        return 1
    stream = read_events(events, period=period)
    if has_errors(stream.diagnostics):  # an events path that does not exist: stop before reading
        echo_diagnostics(stream.diagnostics)
        return 1
    invoices, found = evaluate(catalog, stream, through=cutoff, customer=customer, engine=engine)
    diagnostics = diagnostics + found
    if diagnostics:
        echo_diagnostics(diagnostics)
        click.echo(_counts(invoices.summary), err=True)
    event_warnings = [d for d in found if d.code not in COVERAGE_CODES]
    if has_errors(diagnostics) or (strict and event_warnings):
        if strict and not has_errors(diagnostics):
            click.echo("error: --strict: the events have warnings (see above)", err=True)
        return 1
    if format_ == "json":
        for chunk in invoices.json_chunks():  # one invoice at a time, never the whole text
            echo_bytes(chunk)
    else:
        from billing_spec.render import render_invoices

        click.echo(render_invoices(invoices.to_document(), format_, templates), nl=False)
    return 0


def _counts(summary) -> str:
    s = summary
    return (
        f"{s.events_read:,} events read: {s.events_used:,} used, {s.duplicates:,} duplicates, "
        f"{s.malformed:,} malformed, {s.unknown_customer:,} of unknown customers, "
        f"{s.outside_contracts:,} outside contracts, {s.not_billed:,} not billed"
    )
