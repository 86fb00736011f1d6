"""The event reader: sources -> valid, de-duplicated `UsageEvent`s, streamed, with counts.

`read_events(paths)` returns an `EventStream`: iterate it once to get every valid event in input
order; afterwards `counts` says how many records were read, malformed and duplicated, and
`diagnostics` holds the reasons (`file:line: ...`). Nothing is held but one record at a time and
one entry per distinct `transaction_id`.

Duplicates (Metronome's rule: a `transaction_id` counts once, the first accepted wins): every
`transaction_id` seen is remembered with where it first appeared and a fingerprint of its text
(the record with surrounding blanks trimmed). A later record with the same ID is dropped and
counted; when its text differs from the first copy's, a warning names both places. Copies are
compared by text, so the same event written with different spacing counts as differing: that
only adds a warning, since the first copy wins either way.

JSON Lines are decoded by orjson (the fast path) and fall back to the exact decoder when a
property holds a float or the line is not something orjson accepts (`records`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from billing_spec.diagnostics import Diagnostic, SourceRange, error, warning
from billing_spec.events.arrays import ArraySyntaxError, array_elements
from billing_spec.events.capped import CappedDiagnostics
from billing_spec.events.records import (
    EMPTY,
    Malformed,
    UsageEvent,
    check_event,
    exact_loads,
    has_float,
    parse_event_timestamp,
)
from billing_spec.events.sources import Source, expand_paths, is_array_layout, open_source
from billing_spec.timestamps import TimestampError

_LINE_BITS = 32
_SOURCE_BITS = 20
_PLACE_BITS = _LINE_BITS + _SOURCE_BITS
_MASK64 = (1 << 64) - 1


@dataclass
class ReadCounts:
    read: int = 0
    malformed: int = 0
    duplicates: int = 0


class EventStream:
    """Valid, de-duplicated events from some sources; iterate once."""

    def __init__(self, sources: list[Source], diagnostics: Iterable[Diagnostic] = (),
                 records: Iterable[Mapping[str, Any]] | None = None) -> None:
        self.sources = sources
        self.counts = ReadCounts()
        self._diagnostics = CappedDiagnostics()
        self._diagnostics.extend(list(diagnostics))
        self._records = records
        self._seen: dict[str, int] = {}
        self._consumed = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self._diagnostics.finish()

    def where(self, source: int, line: int) -> SourceRange:
        return SourceRange.at(self.sources[source].name, line)

    def __iter__(self) -> Iterator[UsageEvent]:
        if self._consumed:
            raise RuntimeError("an EventStream can be iterated only once")
        self._consumed = True
        if self._records is not None:
            yield from self._from_records(self._records)
            return
        for index, source in enumerate(self.sources):
            yield from self._from_source(index, source)
        self._seen.clear()

    # --- per source ---------------------------------------------------------------------------

    def _from_source(self, index: int, source: Source) -> Iterator[UsageEvent]:
        try:
            stream = open_source(source)
        except OSError as exc:
            reason = exc.strerror or exc
            self._diagnostics.add(error("E701", f"cannot read {source.name}: {reason}"))
            return
        try:
            if is_array_layout(stream):
                yield from self._from_arrays(stream, index)
            else:
                yield from self._from_lines(stream, index)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError; truncated: EOFError
            self._diagnostics.add(error("E702", f"cannot read {source.name}: {exc}",
                                        hint="is the file a complete gzip stream?"))
        finally:
            if source.path is not None:
                stream.close()

    def _from_lines(self, stream: BinaryIO, index: int) -> Iterator[UsageEvent]:
        """JSON Lines. The hot path: one orjson call and a few type checks per line."""
        loads, iso, counts, seen = orjson.loads, parse_event_timestamp, self.counts, self._seen
        for number, line in enumerate(stream, 1):
            try:
                obj = loads(line)
            except orjson.JSONDecodeError:
                obj = None
            event = None
            if type(obj) is dict:
                txid = obj.get("transaction_id")
                customer = obj.get("customer_id")
                event_type = obj.get("event_type")
                stamp = obj.get("timestamp")
                props = obj.get("properties", EMPTY)
                if (type(txid) is str and type(customer) is str and type(event_type) is str
                        and type(stamp) is str and type(props) is dict and txid and customer
                        and event_type and not (props and has_float(props))):
                    try:
                        event = UsageEvent(txid, customer, event_type, iso(stamp), props,
                                           index, number)
                    except TimestampError:
                        event = None
            if event is None:
                if not line.strip():
                    continue
                event = self._slow_line(line, index, number)
                if event is None:
                    continue
            else:
                counts.read += 1
            place = (hash(line.strip()) & _MASK64) << _PLACE_BITS | index << _LINE_BITS | number
            first = seen.setdefault(event.transaction_id, place)
            if first is place:
                yield event
            else:
                self._duplicate(event.transaction_id, first, place)

    def _slow_line(self, line: bytes, index: int, number: int) -> UsageEvent | None:
        """A line the fast path did not accept: decode exactly, then say what is wrong."""
        self.counts.read += 1
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            obj = exact_loads(line)
        except UnicodeDecodeError:
            return self._malformed(index, number, "the line is not valid UTF-8")
        except ValueError as exc:
            reason = getattr(exc, "msg", str(exc))
            column = getattr(exc, "colno", None)
            where = f" (column {column})" if column else ""
            return self._malformed(index, number, f"not valid JSON: {reason}{where}")
        try:
            return check_event(obj, index, number)
        except Malformed as exc:
            return self._malformed(index, number, str(exc))

    def _from_arrays(self, stream: BinaryIO, index: int) -> Iterator[UsageEvent]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig")  # type: ignore[arg-type]
        try:
            for obj, raw, number in array_elements(text):
                event = self._checked(obj, index, number)
                if event is not None and self._first(event, raw.encode(), index, number):
                    yield event
        except ArraySyntaxError as exc:
            self.counts.read += 1
            self._malformed(index, exc.line, f"{exc} (the rest of the file is skipped)")
        except UnicodeDecodeError:
            self.counts.read += 1
            self._malformed(index, 1, "the file is not valid UTF-8 (the file is skipped)")
        finally:
            text.detach()

    def _from_records(self, records: Iterable[Mapping[str, Any]]) -> Iterator[UsageEvent]:
        for number, record in enumerate(records, 1):
            obj = dict(record) if isinstance(record, Mapping) else record
            event = self._checked(obj, 0, number)
            fingerprint = orjson.dumps(record, default=str, option=orjson.OPT_SORT_KEYS) \
                if event is not None else b""
            if event is not None and self._first(event, fingerprint, 0, number):
                yield event

    # --- shared steps -------------------------------------------------------------------------

    def _checked(self, obj: Any, index: int, number: int) -> UsageEvent | None:
        self.counts.read += 1
        try:
            return check_event(obj, index, number)
        except Malformed as exc:
            return self._malformed(index, number, str(exc))

    def _first(self, event: UsageEvent, raw: bytes, index: int, number: int) -> bool:
        place = (hash(raw.strip()) & _MASK64) << _PLACE_BITS | index << _LINE_BITS | number
        first = self._seen.setdefault(event.transaction_id, place)
        if first is place:
            return True
        self._duplicate(event.transaction_id, first, place)
        return False

    def _duplicate(self, txid: str, first: int, again: int) -> None:
        self.counts.duplicates += 1
        if first >> _PLACE_BITS == again >> _PLACE_BITS:
            return  # an identical copy: counted, silently
        was, now = self._place(first), self._place(again)
        self._diagnostics.add(warning(
            "W951", f"transaction_id {txid!r} was already used by a different event at {was}; "
                    "this copy is ignored (the first one counts)", now))

    def _place(self, packed: int) -> SourceRange:
        line = packed & ((1 << _LINE_BITS) - 1)
        source = (packed >> _LINE_BITS) & ((1 << _SOURCE_BITS) - 1)
        return self.where(source, line)

    def _malformed(self, index: int, number: int, reason: str) -> None:
        self.counts.malformed += 1
        self._diagnostics.add(warning("W950", f"malformed event skipped: {reason}",
                                      self.where(index, number)))
        return None


def read_events(paths: Iterable[str | os.PathLike[str]]) -> EventStream:
    """Events from files, directories and `-` (stdin), in input order."""
    sources, diagnostics = expand_paths(paths)
    return EventStream(sources, diagnostics)


def events_from_records(records: Iterable[Mapping[str, Any]],
                        name: str = "<records>") -> EventStream:
    """Events from decoded records (dicts), e.g. built in Python. Numbers: int, str or Decimal."""
    return EventStream([Source(name, None)], records=records)
