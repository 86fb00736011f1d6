"""Sending usage events to Metronome's ingest endpoint (`billing events send`).

    ingest_body(event)                 -> the JSON Metronome's /v1/ingest takes for one event
    stale(events, now, days=34)        -> the events older than `now - days` (Metronome does not
                                          accept events backdated further)
    send_events(provider, events, on_batch) -> how many were sent, in batches of at most 100

`now` is always given: the CLI reads the clock, nothing here does. Property values keep their
JSON types; a decimal is sent only when a JSON double carries it exactly (`wire_number`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_spec.events import UsageEvent
from billing_spec.providers.base import ProviderError
from billing_spec.providers.metronome.payloads import NotExpressible, batches, wire_number
from billing_spec.timestamps import format_timestamp

EVENTS_PER_CALL = 100
BACKDATING_DAYS = 34


def ingest_body(event: UsageEvent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_id": event.transaction_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "timestamp": format_timestamp(event.timestamp),
    }
    if event.properties:
        body["properties"] = _json_values(event.properties)
    return body


def _json_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_values(v) for v in value]
    if isinstance(value, Decimal):
        return wire_number(value)
    return value


def stale(
    events: Iterable[UsageEvent], now: datetime, days: int = BACKDATING_DAYS
) -> list[UsageEvent]:
    cutoff = now - timedelta(days=days)
    return [e for e in events if e.timestamp < cutoff]


def send_events(
    provider, events: Sequence[UsageEvent], on_batch: Callable[[int, int], None] | None = None
) -> int:
    """Send `events` in order, 100 a call; `on_batch(sent so far, total)` after each call."""
    sent = 0
    try:
        bodies = [ingest_body(e) for e in events]
    except NotExpressible as exc:
        raise ProviderError(f"an event property {exc}") from None
    for batch in batches(bodies, EVENTS_PER_CALL):
        usage = provider.client.v1.usage
        provider.call(f"ingest of events {sent + 1}-{sent + len(batch)}", usage.ingest, usage=batch)
        sent += len(batch)
        if on_batch is not None:
            on_batch(sent, len(bodies))
    return sent
