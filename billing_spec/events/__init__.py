"""Usage events: reading, validating and de-duplicating Metronome ingest events.

`read_events(paths)` streams events from JSON Lines and JSON-array files, directories, gzip and
stdin (`sources`, `arrays`), validates each record (`records`) and drops duplicate
`transaction_id`s (`reader`). What events mean for billing is `billing_spec.evaluate`'s business.
"""

from billing_spec.events.periods import Period, parse_period
from billing_spec.events.reader import EventStream, ReadCounts, events_from_records, read_events
from billing_spec.events.records import JsonNumber, UsageEvent, number_of, text_of

__all__ = [
    "EventStream",
    "JsonNumber",
    "Period",
    "ReadCounts",
    "UsageEvent",
    "events_from_records",
    "number_of",
    "parse_period",
    "read_events",
    "text_of",
]
