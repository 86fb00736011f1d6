"""The event reader: sources -> valid, de-duplicated events, streamed, with counts.

`read_events(paths)` returns an `EventStream`: iterate it once to get every valid event in input
order (`UsageEvent`s with exact properties), or take `batches()` (rows, for engines); afterwards
`counts` says how many records were read, malformed and duplicated, and `diagnostics` holds the
reasons (`file:line: ...`). Reading files, only one batch of events (`jsonl.BATCH` rows) is
held at a time, plus one entry per distinct `transaction_id` (`dedupe`); records from Python
(`events_from_records`) make a single batch.

JSON Lines are decoded by `jsonl` (orjson, the hot path), JSON-array files element by element
(`arrays`), records from Python one by one. Either way a record is counted once in `read`, and
ends up valid, malformed or a duplicate (`dedupe`).

With a `period` (`--as-of-period YYYY-MM`, `periods`), every valid event's timestamp is moved
into that month as its batch is read; nothing else about the event changes.
"""

from __future__ import annotations

import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from billing_spec.diagnostics import Diagnostic, SourceRange, error, warning
from billing_spec.events.arrays import ArraySyntaxError, array_elements
from billing_spec.events.capped import CappedDiagnostics
from billing_spec.events.dedupe import Seen, fingerprint
from billing_spec.events.jsonl import BATCH, Row, json_lines
from billing_spec.events.periods import Period, into_period
from billing_spec.events.records import Malformed, UsageEvent, check_event, exact_loads, has_float
from billing_spec.events.rules import duplicate_key, duplicate_reason
from billing_spec.events.sources import Source, expand_paths, open_source, with_layout
from billing_spec.events.tables import LinesIO, TableError, table_kind, table_lines


@dataclass(frozen=True)
class EventBatch:
    """Valid events of one source: rows `(transaction_id, customer_id, event_type, timestamp,
    properties, line, raw)` (`jsonl.Row`)."""

    source: int
    rows: list[Row]

    def events(self) -> Iterator[tuple[UsageEvent, bytes | None]]:
        for txid, customer, event_type, when, props, line, raw in self.rows:
            yield UsageEvent(txid, customer, event_type, when, props, self.source, line), raw


@dataclass
class ReadCounts:
    read: int = 0
    malformed: int = 0
    duplicates: int = 0


class EventStream:
    """Valid, de-duplicated events from some sources; iterate once.

    Engines use `batches()`: `EventBatch`es whose properties may still hold binary floats from
    the fast decoder (`records.InexactNumber` when read); `exact(raw, properties)` then gives
    that record's exact properties. Iterating the stream does this for every event.
    """

    def __init__(
        self,
        sources: list[Source],
        diagnostics: Iterable[Diagnostic] = (),
        records: Iterable[Mapping[str, Any]] | None = None,
        period: Period | None = None,
    ) -> None:
        self.sources = sources
        self.period = period
        self._diagnostics = CappedDiagnostics()
        self._diagnostics.extend(list(diagnostics))
        self._records = records
        self._seen = Seen(self.where, self._diagnostics.add)
        self._read = self._malformed_count = 0
        self._consumed = False

    @property
    def counts(self) -> ReadCounts:
        return ReadCounts(self._read, self._malformed_count, self._seen.duplicates)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._diagnostics.finish()

    def where(self, source: int, line: int) -> SourceRange:
        return SourceRange.at(self.sources[source].name, line)

    @staticmethod
    def exact(raw: bytes | None, properties: dict[str, Any]) -> dict[str, Any]:
        """The record's properties with every number exact (decoded again from `raw`)."""
        if raw is None:
            return properties
        return exact_loads(raw)["properties"]

    def __iter__(self) -> Iterator[UsageEvent]:
        for batch in self.batches():
            for event, raw in batch.events():
                if raw is not None and has_float(event.properties):
                    event = event._replace(properties=self.exact(raw, event.properties))
                yield event

    def batches(self) -> Iterator[EventBatch]:
        if self._consumed:
            raise RuntimeError("an EventStream can be iterated only once")
        self._consumed = True
        if self._records is not None:
            batches = self._from_records(self._records)
        else:
            batches = (b for i, s in enumerate(self.sources) for b in self._from_source(i, s))
        yield from batches if self.period is None else self._moved(batches, self.period)
        self._seen.first.clear()

    @staticmethod
    def _moved(batches: Iterable[EventBatch], period: Period) -> Iterator[EventBatch]:
        """`--as-of-period`: each event's timestamp moved into `period` (`periods`)."""
        move = into_period(period)
        for batch in batches:
            rows = [(t, c, e, move(w), p, n, r) for t, c, e, w, p, n, r in batch.rows]
            yield EventBatch(batch.source, rows)

    # --- per source ---------------------------------------------------------------------------

    def _from_source(self, index: int, source: Source) -> Iterator[EventBatch]:
        kind = table_kind(source.path)
        if kind is not None:
            yield from self._from_table(index, source, kind)
            return
        try:
            stream = open_source(source)
        except OSError as exc:
            reason = exc.strerror or exc
            self._diagnostics.add(error("E701", f"cannot read {source.name}: {reason}"))
            return
        try:
            events, is_array = with_layout(stream)
            if is_array:
                yield from self._from_arrays(events, index)
            else:
                yield from self._from_lines(events, index)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile: OSError; truncated: EOFError
            self._diagnostics.add(
                error(
                    "E702",
                    f"cannot read {source.name}: {exc}",
                    hint="is the file a complete gzip stream?",
                )
            )
        finally:
            if source.path is not None:
                stream.close()

    def _from_table(self, index: int, source: Source, kind: str) -> Iterator[EventBatch]:
        """A Parquet or CSV file: its rows as JSON Lines (`tables`), row N as line N."""
        import duckdb

        try:
            lines = LinesIO(table_lines(source.path, kind))  # type: ignore[arg-type]
            yield from self._from_lines(io.BufferedReader(lines, 1 << 16), index)  # type: ignore[arg-type]
        except TableError as exc:
            self._diagnostics.add(error("E708", f"cannot read {source.name}: {exc}"))
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0]
            self._diagnostics.add(error("E702", f"cannot read {source.name}: {reason}"))

    def _from_lines(self, stream: BinaryIO, index: int) -> Iterator[EventBatch]:
        def report(line: int, reason: str) -> None:
            return self._malformed(index, line, reason)

        def counted(records: int) -> None:
            self._read += records

        for rows in json_lines(stream, index, self._seen, report, counted):
            yield EventBatch(index, rows)

    def _from_arrays(self, stream: BinaryIO, index: int) -> Iterator[EventBatch]:
        # Bytes that are not UTF-8 become lone surrogates: the element holding them is malformed.
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape")  # type: ignore[arg-type]
        rows: list[Row] = []
        try:
            for obj, raw, number in array_elements(text):
                try:
                    data = raw.encode()
                except UnicodeEncodeError:
                    self._read += 1
                    self._malformed(index, number, "the element is not valid UTF-8")
                    continue
                event = self._checked(obj, index, number)
                if event is not None and (key := duplicate_key(raw)) is not None:
                    event = self._malformed(index, number, duplicate_reason(key))
                if event is not None and self._seen.admit(
                    event.transaction_id, fingerprint(data), index, number
                ):
                    rows.append((*event[:5], number, None))
                    if len(rows) >= BATCH:
                        yield EventBatch(index, rows)
                        rows = []
        except ArraySyntaxError as exc:
            self._read += 1
            self._malformed(index, exc.line, f"{exc} (the rest of the file is skipped)")
        finally:
            text.detach()
        if rows:
            yield EventBatch(index, rows)

    def _from_records(self, records: Iterable[Mapping[str, Any]]) -> Iterator[EventBatch]:
        rows: list[Row] = []
        for number, record in enumerate(records, 1):
            obj = dict(record) if isinstance(record, Mapping) else record
            event = self._checked(obj, 0, number)
            if event is not None and has_float(event.properties):
                event = self._malformed(
                    0, number, "properties hold a binary float; pass numbers as int, str or Decimal"
                )
            if event is None:
                continue
            if self._seen.admit(event.transaction_id, fingerprint(_record_text(record)), 0, number):
                rows.append((*event[:5], number, None))
        yield EventBatch(0, rows)

    # --- shared steps -------------------------------------------------------------------------

    def _checked(self, obj: Any, index: int, number: int) -> UsageEvent | None:
        self._read += 1
        try:
            return check_event(obj, index, number)
        except Malformed as exc:
            return self._malformed(index, number, str(exc))

    def _malformed(self, index: int, number: int, reason: str) -> None:
        self._malformed_count += 1
        self._diagnostics.add(
            warning("W950", f"malformed event skipped: {reason}", self.where(index, number))
        )
        return None


def _record_text(record: Mapping[str, Any]) -> bytes:
    """A record's text for its fingerprint: sorted keys; ints beyond 64 bits through `json`."""
    try:
        return orjson.dumps(record, default=str, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(record, default=str, sort_keys=True, separators=(",", ":")).encode()


def read_events(
    paths: Iterable[str | os.PathLike[str]], *, period: Period | None = None
) -> EventStream:
    """Events from files, directories and `-` (stdin), in input order; with `period`
    (`--as-of-period`), each moved into that month (`periods.into_period`)."""
    sources, diagnostics = expand_paths(paths)
    return EventStream(sources, diagnostics, period=period)


def events_from_records(
    records: Iterable[Mapping[str, Any]], name: str = "<records>"
) -> EventStream:
    """Events from decoded records (dicts), e.g. built in Python. Numbers: int, str or Decimal."""
    return EventStream([Source(name, None)], records=records)
