"""JSON Lines -> rows of valid, first-copy events; the reader's hot path.

Each line is decoded by orjson and, when it is a plain event — a JSON object with non-empty
string `transaction_id`, `customer_id` and `event_type`, an object (or no) `properties`, and a
timestamp spelled `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (`records.is_plain_utc`) in years 1000 to
9997 — that is orjson's own text for what it decoded, or else has as many quotes as orjson
writes back and no `\\u0022` (either way no duplicate key, `rules.quick_no_duplicates`) — taken
as it is after a few checks (the fast path). Lines come from
`rules.split_lines`: blank lines are skipped, a line over 1 MiB is reported. Anything else
(invalid JSON, a missing field, an offset timestamp) goes to `checked_line`, which decodes the
line again (exactly, with `records.exact_loads`, when orjson refuses it) and checks it in full
(`records.check_event`, then `rules.duplicate_key`): it either accepts it or says what is wrong.
Both paths accept the same events (`rules` has the rules both engines follow). Duplicates are
dropped here, as `dedupe.Seen.admit` does, inline.

A row is `(transaction_id, customer_id, event_type, timestamp, properties, line, raw)`; `raw` is
the line when its properties came from orjson (they may hold binary floats, to be decoded again
exactly when read: `records.InexactNumber`), None when they are already exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

import orjson

from billing_spec.events.dedupe import LINE_BITS, PLACE_BITS, Seen, fingerprint
from billing_spec.events.records import EMPTY, Malformed, check_event, exact_loads
from billing_spec.events.rules import (
    TOO_LONG,
    duplicate_key,
    duplicate_reason,
    quick_no_duplicates,
    split_lines,
)
from billing_spec.timestamps import EARLIEST_YEAR, END_YEAR

Row = tuple[str, str, str, datetime, dict[str, Any], int, bytes | None]
Report = Callable[[int, str], None]  # (line, reason) for a malformed record
BATCH = 256  # rows per batch, for JSON arrays too (`reader`)


def json_lines(
    stream: BinaryIO, source: int, seen: Seen, report: Report, counted: Callable[[int], None]
) -> Iterator[list[Row]]:
    """Batches of rows from one JSON Lines source; `counted(n)` adds records read. Lines come
    from `rules.split_lines` (blank runs as counts, a line over 1 MiB as None)."""
    loads, dumps, iso, first = (
        orjson.loads,
        orjson.dumps,
        datetime.fromisoformat,
        seen.first.setdefault,
    )
    base, read, batch, start = source << LINE_BITS, 0, [], 1
    first_year, end_year = EARLIEST_YEAR, END_YEAR
    for lines in split_lines(stream):
        if type(lines) is int:
            start += lines
            continue
        for number, line in enumerate(lines, start):
            if not line:
                if line is None:
                    read += 1
                    report(number, TOO_LONG)
                continue
            read += 1
            try:
                obj = loads(line)
                txid, customer = obj["transaction_id"], obj["customer_id"]
                event_type, stamp = obj["event_type"], obj["timestamp"]
                props = obj.get("properties", EMPTY)
                # `x > ""`: x is a non-empty string (any other type raises TypeError). The
                # stamp test is records.is_plain_utc, spelled out: it runs once per event; the
                # last one is rules.quick_no_duplicates, after a cheaper exact test: a line that
                # is orjson's own text for what it decoded has no key twice.
                row = (
                    (txid, customer, event_type, iso(stamp), props, number, line)
                    if (
                        txid > ""
                        and customer > ""
                        and event_type > ""
                        and type(props) is dict
                        and first_year <= stamp < end_year
                        and stamp[-1] == "Z"
                        and stamp[4:17:3] == "--T::"  # the characters at 4, 7, 10, 13, 16
                        and (
                            (size := len(stamp)) == 20
                            or (stamp[19] == "." and 21 < size < 31 and stamp[20:-1].isdigit())
                        )
                        and (
                            (written := dumps(obj)) == line
                            or (b"\\u0022" not in line and line.count(b'"') == written.count(b'"'))
                        )
                    )
                    else None
                )
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                row = None
            if row is None:
                if line.isspace():
                    read -= 1
                    continue
                row = checked_line(line, number, report)
                if row is None:
                    continue
                txid = row[0]
            # dedupe.Seen.admit, spelled out
            print_ = hash(line) if line[-1:] == b"}" else fingerprint(line)
            place = print_ << PLACE_BITS | base | number
            earlier = first(txid, place)
            if earlier is place:
                batch.append(row)
                if len(batch) >= BATCH:
                    counted(read)
                    read = 0
                    yield batch
                    batch = []
            else:
                seen.again(txid, earlier, place)
        start += len(lines)
    counted(read)
    if batch:
        yield batch


def checked_line(line: bytes, number: int, report: Report) -> Row | None:
    """One line the fast path did not take: its row, or None after reporting why not."""
    try:
        obj, raw = orjson.loads(line), line
    except orjson.JSONDecodeError:
        try:
            obj, raw = exact_loads(line), None
        except UnicodeDecodeError:
            return report(number, "the line is not valid UTF-8")
        except ValueError as exc:
            reason = getattr(exc, "msg", str(exc))
            column = getattr(exc, "colno", None)
            where = f" (column {column})" if column else ""
            return report(number, f"not valid JSON: {reason}{where}")
    try:
        event = check_event(obj, 0, number)
    except Malformed as exc:
        return report(number, str(exc))
    if raw is None or not _quick_no_duplicates(line, obj):
        key = duplicate_key(line)
        if key is not None:
            return report(number, duplicate_reason(key))
    return (
        event.transaction_id,
        event.customer_id,
        event.event_type,
        event.timestamp,
        event.properties,
        number,
        raw,
    )


def _quick_no_duplicates(line: bytes, obj: object) -> bool:
    try:
        return quick_no_duplicates(line, obj)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes
        return False
