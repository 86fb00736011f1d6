"""`billing events send`: fixture usage events to Metronome's ingest endpoint."""

from __future__ import annotations

import click

from billing_spec.cli.output import echo_diagnostics
from billing_spec.cli.state_options import (
    max_retries_option,
    metronome_option,
    now,
    parse_timestamp_option,
)


@click.group()
def events() -> None:
    """Usage events: send fixture events to a billing system."""


@events.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@metronome_option("Where to send them")
@max_retries_option
@click.option(
    "--now",
    "now_",
    metavar="TIMESTAMP",
    callback=lambda ctx, param, value: parse_timestamp_option(value, "--now"),
    help="The instant event ages are measured from (default: the clock).",
)
def send(paths, provider_name, max_retries, now_) -> int:
    """Send the events in PATH... (JSON Lines or JSON-array files, directories, -) to the
    ingest endpoint, at most 100 a call. Events older than 34 days are sent with a warning
    (W968): Metronome does not accept events backdated further. Exits 0 when every event was
    sent, 1 on an unreadable input or a refused call (events before it were sent)."""
    from billing_spec.cli.state_options import make_provider
    from billing_spec.diagnostics import BillingSpecError, has_errors
    from billing_spec.events import read_events
    from billing_spec.providers.base import ProviderError
    from billing_spec.providers.metronome.ingest import send_events

    stream = read_events(paths)
    found = list(stream)
    diagnostics = stream.diagnostics
    echo_diagnostics(diagnostics)
    if has_errors(diagnostics):
        click.echo("No events were sent.", err=True)
        return 1
    _warn_stale(stream, found, now_ or now())
    provider = make_provider(provider_name, max_retries)

    def progress(sent: int, total: int) -> None:
        click.echo(f"sent {sent:,} of {total:,} events", err=True)

    try:
        sent = send_events(provider, found, progress)
    except ProviderError as exc:
        raise BillingSpecError.single(
            "E817",
            str(exc),
            hint="the events before this batch were sent; Metronome de-duplicates by "
            "transaction_id, so sending the same files again is safe",
        ) from None
    click.echo(f"Sent {sent:,} events.")
    return 0


def _warn_stale(stream, found, moment) -> None:
    from billing_spec.diagnostics import warning
    from billing_spec.providers.metronome.ingest import BACKDATING_DAYS, stale
    from billing_spec.timestamps import format_timestamp

    old = stale(found, moment)
    if not old:
        return
    oldest = min(old, key=lambda e: e.timestamp)
    echo_diagnostics(
        [
            warning(
                "W968",
                f"{len(old):,} event{'s are' if len(old) != 1 else ' is'} older than "
                f"{BACKDATING_DAYS} days (before {format_timestamp(moment)} minus "
                f"{BACKDATING_DAYS} days); the oldest is {oldest.transaction_id} at "
                f"{format_timestamp(oldest.timestamp)}",
                stream.where(oldest.source, oldest.line),
                detail="Metronome does not accept events backdated more than 34 days; they "
                "are sent, but may not be billed",
            )
        ]
    )
