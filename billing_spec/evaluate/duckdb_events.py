"""The DuckDB engine's reading: event files -> one DuckDB relation of valid, first-copy events.

`load_events(con, stream, scans, names)` makes `ev` (a view: `drop_events` drops it and its
tables) with one row per valid, de-duplicated event, and records on the `EventStream` the same
counts and diagnostics (W950, W951) the Python reader gives.

Each JSON Lines file DuckDB can split into lines exactly (no carriage return, NUL or 0x01 byte:
`scan`, a byte scan run on another thread while DuckDB reads) is read by DuckDB's CSV reader,
one text column per line, into a table `ltext` on every core; DuckDB keeps insertion order, so
a line's number is its rowid plus one (blank lines are rows too: pinned by the tests). Each
line is then parsed once by DuckDB's JSON parser into the five fields, as JSON texts, and
classified (`_classify`).

A line is taken in SQL only when it is a *plain* event: a JSON object with the five keys (or
the four without `properties`) and no other, each once, no key twice in `properties`, no array,
no object but `properties`, no backslash (no `\\u` escape), nothing only DuckDB's parser takes
(a trailing comma, NaN, Infinity), string IDs, a `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` timestamp in
range, at most 1 MiB. The parser ignores keys it is not asked for, takes the first of a
repeated key, reads `null` as absent and drops a trailing comma from the texts it writes back;
each of these leaves a comma in the line that is in no text read, so a plain line has exactly
the commas of its texts and of the separators between its keys (`_commas`). Every other line
goes to the Python reader's own check (`jsonl.checked_line`) by its text, which accepts it or
says why not — so both engines accept and refuse the same lines with the same words. Files
DuckDB cannot split exactly (and JSON-array files) are read by the Python reader itself,
without de-duplication; their rows join the table.

De-duplication then runs in SQL over all rows: the first copy in input order (source, line) of
a `transaction_id` wins (`ev` is `rows` but the `later` copies); a later copy whose line differs
(by the lines' hashes) gets W951, as `dedupe.Seen` says.

A row of `ev`: `rid` (input order), `src`, `line`, `txid`, `cref` (customer_id), `etype`, `us`
(the timestamp, microseconds since the epoch, UTC), `pv` (the JSON texts of the properties the
plan reads), `j` (the line, where the engine needs it) and `pid` (for rows read by Python: the
index of their exact properties in `Loaded.props`).
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from isal import igzip, isal_zlib

from billing_spec.diagnostics import Diagnostic, warning
from billing_spec.events.dedupe import PLACE_BITS, fingerprint
from billing_spec.events.jsonl import checked_line
from billing_spec.events.reader import EventStream
from billing_spec.events.records import exact_loads
from billing_spec.events.rules import MAX_LINE_BYTES, TOO_LONG
from billing_spec.events.tables import table_kind, write_json_lines
from billing_spec.timestamps import EARLIEST_YEAR, END_YEAR

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCAN = 1 << 22
_NOT_SPLITTABLE = (b"\r", b"\x00", b"\x01")
_GZIP_MAGIC = b"\x1f\x8b"
_DAMAGED = (zlib.error, isal_zlib.error)  # what the inflaters raise for damaged data
MAX_LINE = MAX_LINE_BYTES  # events-rules.md: a longer line is malformed
last_by_sql: list[int] = []
"""After a run: the sources whose lines SQL classified (for tests)."""


def micros(when: datetime) -> int:
    return (when - EPOCH) // timedelta(microseconds=1)


def from_micros(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass
class Loaded:
    """What reading left in Python: the exact properties of the rows Python read."""

    props: list[dict[str, Any]] = field(default_factory=list)


class _AdmitAll(dict):
    """A stand-in for `dedupe.Seen` while Python reads a file for the DuckDB engine: it admits
    every copy (SQL de-duplicates across all files) and remembers each row's fingerprint."""

    def __init__(self) -> None:
        super().__init__()
        self.first = self
        self.duplicates = 0
        self.prints: dict[tuple[int, int], int] = {}

    def setdefault(self, txid: str, place: int) -> int:  # type: ignore[override]
        line = place & 0xFFFFFFFF
        source = (place >> 32) & 0xFFFFF
        self.prints[(source, line)] = place >> PLACE_BITS
        return place

    def admit(self, txid: str, print_: int, source: int, line: int) -> bool:
        self.prints[(source, line)] = print_
        return True


class _Collected:
    """Stands in for the stream's diagnostics while Python reads: keeps them, to be put back
    in input order."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.items.extend(diagnostics)


@dataclass
class Scanned:
    """A JSON Lines file DuckDB reads, as the byte scan found it (`scan`)."""

    path: Any  # the file DuckDB reads: the source, or its inflated (or written) copy
    later: bool = False  # a plain file not scanned yet: `finish` scans it (while DuckDB reads)

    def finish(self) -> Scanned | None:
        """This file scanned (`scan`), when it was left for later."""
        return scan(self.path) if self.later else self


def sql_readable(path: Any, inflate_to: Any = None) -> Any:
    """The file DuckDB reads for this source when its line reader splits it exactly as Python
    does (`scan`), else None."""
    found = scan(path, inflate_to)
    return None if found is None else found.path


def scan(path: Any, inflate_to: Any = None, later: bool = False) -> Scanned | None:
    """The file DuckDB reads for this source, when DuckDB's line reader splits it exactly as
    Python does (a regular file, JSON Lines, not a JSON array, with no carriage return, NUL or
    0x01 byte; a Parquet or CSV file written as JSON Lines: `_table`), else None. A gzip file
    is inflated to `inflate_to` while it is scanned, when given: DuckDB reads a plain file on
    every core, a gzip stream on one (`make bench`: gzip took twice as long as plain). `later`:
    a plain file is only looked at (not a JSON array), and scanned by `Scanned.finish` while
    DuckDB reads it (`load_events`)."""
    if path is None or not path.is_file():
        return None
    kind = table_kind(path)
    if kind is not None:  # Parquet, CSV: written as JSON Lines by SQL, then read as such
        return _table(path, kind, inflate_to)
    try:
        if later:
            with open(path, "rb") as raw:
                head = raw.read(_SCAN)
            if head[:2] != _GZIP_MAGIC:
                return None if _array(head) else Scanned(path, later=True)
        return _splittable(path, inflate_to)
    except (OSError, EOFError, *_DAMAGED):  # unreadable, not gzip, damaged: Python says which
        if inflate_to is not None and inflate_to.exists():
            inflate_to.unlink()
        return None


def _table(path: Any, kind: str, inflate_to: Any) -> Scanned | None:
    """A Parquet or CSV file, written to `inflate_to` as the JSON Lines text the Python reader
    reads it as (`tables.write_json_lines`: by SQL, byte for byte), scanned while DuckDB reads
    that; None (the Python reader reads it, and says what is wrong) without `inflate_to`, or
    when the mapping refuses the file or DuckDB cannot read it."""
    if inflate_to is None or not write_json_lines(path, kind, inflate_to):
        return None
    return Scanned(inflate_to, later=True)


def _splittable(path: Any, inflate_to: Any) -> Scanned | None:
    with open(path, "rb") as raw:
        head = raw.read(2)
        raw.seek(0)
        packed = head == _GZIP_MAGIC
        stream = _inflating(raw) if packed else raw
        out = open(inflate_to, "wb") if packed and inflate_to is not None else None  # noqa: SIM115
        try:
            splittable = _scan(stream, out)
        finally:
            if out is not None:
                out.close()
    if not splittable:
        if out is not None:
            inflate_to.unlink()
        return None
    return Scanned(inflate_to if out is not None else path)


def _inflating(raw: Any) -> Any:
    """A gzip stream over `raw`: python-isal's inflater (three times zlib's speed). Whatever it
    cannot inflate (`_DAMAGED`), the Python reader reads (with zlib), saying why."""
    return igzip.IGzipFile(fileobj=raw)


def _array(head: bytes) -> bool:
    """The first chunk of a file (`_SCAN` bytes) says it may be a JSON array (or that its
    first chunk is blank): the Python reader reads it."""
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    stripped = body.lstrip(b" \t\r\n")
    return stripped[:1] == b"[" or (not stripped and len(head) == _SCAN)


def _scan(stream: Any, out: Any) -> bool:
    """Whether DuckDB splits the file exactly (copying it to `out`, when given)."""
    first = True
    while chunk := stream.read(_SCAN):
        if first:
            if _array(chunk):
                return False
            first = False
        if any(byte in chunk for byte in _NOT_SPLITTABLE):
            return False
        if out is not None:
            out.write(chunk)
    return True


def _csv(path: str) -> str:
    """DuckDB's CSV reader reading each line of a file as one text column `j` (NULL for an
    empty line)."""
    quoted = path.replace("'", "''")
    return (
        f"read_csv('{quoted}', columns={{'j': 'VARCHAR'}}, header=false, delim='\\x01', "
        "quote='', escape='', auto_detect=false, new_line='\\n', strict_mode=true, "
        "max_line_size=4194304, compression='auto')"
    )


def _read_lines(src: int, path: str) -> str:
    """A file's lines with their numbers (`WITH ORDINALITY`: streamed, on one core)."""
    return f"SELECT {src} AS src, ordinality AS line, j FROM {_csv(path)} WITH ORDINALITY"


def fill(con: Any, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    """Create table `name` from Python rows in one statement (lists bound as parameters and
    unnested: far faster than a prepared insert per row)."""
    lists: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for values, value in zip(lists, row, strict=True):
            values.append(value)
    select = ", ".join(
        f"unnest(${i + 1}::{kind}[]) AS {column}" for i, (column, kind) in enumerate(columns)
    )
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT {select}", lists)


STAMP = r'"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z"'
"""A plain timestamp's text (in quotes): its calendar is checked by the cast to TIMESTAMP."""
INT = r"^-?(0|[1-9][0-9]{0,29})$"  # an integer within `records.LIMIT_DIGITS`: exact text
NAN = ":-?(?i:nan|inf)"
"""NaN or Infinity (any case), which DuckDB's JSON parser takes and JSON does not, as the parser
writes an object back (no blank space): a plain line's `properties` never match (one matching
in a string goes to the Python reader's check, which takes it). Elsewhere such a value is not
a string, or is an extra key's (`_commas`)."""


def _commas(text: str) -> str:
    """The commas in `text`."""
    return f"(strlen({text}) - strlen(replace({text}, ',', '')))"


def _each_once(keys: str) -> str:
    """The list `keys` (an object's keys) holds no key twice; the few-key cases spelled out
    (cheaper than `list_unique`)."""
    return f"""CASE len({keys}) WHEN 0 THEN true WHEN 1 THEN true
        WHEN 2 THEN {keys}[1] <> {keys}[2]
        WHEN 3 THEN {keys}[1] <> {keys}[2] AND {keys}[1] <> {keys}[3] AND {keys}[2] <> {keys}[3]
        ELSE list_unique({keys}) = len({keys}) END"""


def _stamp_test(t: str, cast: str) -> str:
    """`t` (a JSON text) is a plain timestamp: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in quotes, its
    shape here, its digits and calendar by `cast`, its cast to TIMESTAMP (which also takes hour
    24, which Python does not), its year in range."""
    return f"""regexp_full_match({t}, '{STAMP}') AND substr({t}, 13, 2) <> '24'
        AND {cast} IS NOT NULL AND {t} >= '"{EARLIEST_YEAR}' AND {t} < '"{END_YEAR}'"""


def _odd(values: list[str]) -> str:
    """Whether one of `values` (JSON texts the plan reads) is a value SQL cannot read exactly
    (the engine then decodes the line in Python)."""
    return (
        " OR ".join(
            f"({v} IS NOT NULL AND {v} <> 'null' AND left({v}, 1) <> '\"' AND "
            f"{v} NOT IN ('true', 'false') AND NOT regexp_matches({v}, '{INT}'))"
            for v in values
        )
        or "false"
    )


_LINES = """SELECT rowid + 1 AS line, j FROM ltext WHERE j IS NOT NULL
    AND (left(j, 1) = '{' OR ltrim(j, ' \t' || chr(11) || chr(12)) <> '')"""
"""The lines of the file in `ltext` (`_lines`) that are not blank (JSON's blank space and the
vertical tab and form feed Python's `isspace` takes), with their numbers."""
_FIELDS = (
    """'{"transaction_id": "JSON", "customer_id": "JSON", "event_type": "JSON", """
    """"timestamp": "JSON", "properties": "JSON"}'"""
)


def _classify(src: int, names: list[str]) -> str:
    """The rows of the file in `ltext`, each line parsed once by DuckDB's JSON parser into the
    five fields as JSON texts, and whether it is plain (the module docstring) and `odd`.

    A plain line's commas are those of the texts read, and one between each two of its keys:
    a key the parser did not read (another, a repeated one, `null` properties) or a trailing
    comma (which it takes and does not write back) would add one. A regular expression over
    every line for trailing commas cost a sixth of the whole classification."""
    paths = ", ".join(f"'$.\"{n}\"'" for n in names)
    nulls = ", ".join("NULL" for _ in names)
    pv = (
        f"CASE WHEN p IS NULL THEN [{nulls}]::VARCHAR[] "
        f"ELSE try(json_extract(p, [{paths}]))::VARCHAR[] END"
        if names
        else "[]::VARCHAR[]"
    )
    read = "t || c || e || s || coalesce(p, '')"  # the texts read
    test = f"""coalesce(
        strlen(j) <= {MAX_LINE} AND NOT contains(j, '\\')
        AND left(t, 1) = '"' AND left(c, 1) = '"' AND left(e, 1) = '"'
        AND t <> '""' AND c <> '""' AND e <> '""' AND {_stamp_test("s", "ts")}
        AND (p IS NULL OR (left(p, 1) = '{{' AND NOT contains(substr(p, 2), '{{')
             AND NOT contains(p, '[') AND {_each_once("k")} AND NOT regexp_matches(p, '{NAN}')))
        AND {_commas("j")} = 3 + (p IS NOT NULL)::INTEGER + {_commas(read)},
        false)"""
    odd = _odd([f"pv[{i + 1}]" for i in range(len(names))])
    # Each value once, whatever the row: a row that is not plain is deleted before it is used
    return f"""SELECT {src} AS src, line, {src} * 4294967296 + line AS rid,
        substr(t, 2, length(t) - 2) AS txid, substr(c, 2, length(c) - 2) AS cref,
        substr(e, 2, length(e) - 2) AS etype, epoch_us(ts) AS us, pv,
        CASE WHEN odd OR NOT plain THEN j END AS j, hash(j) AS fp, plain, odd FROM (
        SELECT *, {test} AS plain, {odd} AS odd FROM (
        SELECT *, CASE WHEN left(p, 1) = '{{' THEN try(json_keys(p)) END AS k, {pv} AS pv,
            try_cast(substr(s, 2, strlen(s) - 3) AS TIMESTAMP) AS ts FROM (
        SELECT line, j, x.transaction_id::VARCHAR AS t, x.customer_id::VARCHAR AS c,
            x.event_type::VARCHAR AS e, x."timestamp"::VARCHAR AS s, x.properties::VARCHAR AS p
        FROM (SELECT line, j, try(from_json(j, {_FIELDS})) AS x FROM ({_LINES})))))"""


_COLUMNS = "(src, line, rid, txid, cref, etype, us, pv, j, fp, plain, odd)"


def _read(con: Any, src: int, found: Scanned, names: list[str]) -> Scanned | None:
    """Read a file's lines into `ltext` (`_lines`), scanning it meanwhile when it was left for
    later (`Scanned.finish`: DuckDB reads on its own threads, without Python's lock), and
    classify them into `rows` (`_classify`); the file scanned (None: DuckDB cannot split it
    exactly: nothing read)."""
    outcome: list[BaseException | None] = []
    reading = threading.Thread(target=_lines_aside, args=(con, str(found.path), outcome))
    reading.start()
    try:
        found = found.finish()
    finally:
        reading.join()
    if found is None:  # whatever DuckDB made of it: Python reads it
        con.execute("DROP TABLE IF EXISTS ltext")
        return None
    if outcome[0] is not None:
        raise outcome[0]
    con.execute(f"INSERT INTO rows {_COLUMNS} {_classify(src, names)}")
    con.execute("DROP TABLE ltext")
    return found


def _lines(con: Any, path: str) -> None:
    """`ltext`: the file's lines (`j`; NULL for an empty one), read on every core into a table
    that keeps the file's order (DuckDB keeps insertion order: pinned by the tests), so a line's
    number is its rowid plus one."""
    con.execute(f"CREATE TEMP TABLE ltext AS SELECT j FROM {_csv(path)}")


def _lines_aside(con: Any, path: str, outcome: list) -> None:
    """`_lines` on this thread; `outcome` gets None, or the exception to raise."""
    try:
        _lines(con, path)
        outcome.append(None)
    except BaseException as exc:  # raised again by the caller
        outcome.append(exc)


def texts(con: Any, src: int, path: str, table: str, sets: str) -> None:
    """Set `sets` (from `t.j`, the line's text) on the rows of `table` from source `src` whose
    lines are in the table `want` (then dropped): the file read again as lines, when any."""
    if con.execute("SELECT count(*) FROM want").fetchone()[0]:
        con.execute(
            f"""UPDATE {table} SET {sets} FROM (SELECT f.line, f.j FROM ({_read_lines(src, path)})
                f SEMI JOIN want w ON w.line = f.line) t
                WHERE {table}.src = {src} AND {table}.line = t.line"""
        )
    con.execute("DROP TABLE want")


def load_events(
    con: Any,
    stream: EventStream,
    scans: dict[int, Scanned],
    names: list[str],
    progress: Any = None,
) -> Loaded:
    """Fill `ev` (see the module docstring) from the stream's sources; `scans`: the sources
    DuckDB reads itself, by index (`scan`); `names`: the properties the plan reads (`pv`, their
    JSON texts, in this order)."""
    loaded = Loaded()
    con.execute(
        "CREATE TEMP TABLE rows (src INTEGER, line BIGINT, rid BIGINT, txid VARCHAR, "
        "cref VARCHAR, etype VARCHAR, us BIGINT, pv VARCHAR[], j VARCHAR, fp UBIGINT, "
        "plain BOOLEAN, odd BOOLEAN, pfp BIGINT, pid INTEGER)"
    )
    by_sql = []
    for n, src in enumerate(list(scans)):
        found = _read(con, src, scans[src], names)
        if found is not None:  # else a file DuckDB cannot split exactly: Python reads it
            by_sql.append(src)
            scans[src] = found
        if progress is not None:
            progress(n)
    last_by_sql[:] = by_sql
    read = con.execute("SELECT count(*) FROM rows").fetchone()[0]
    collected = _Collected()
    pyrows: list[tuple] = []
    others = con.execute(
        "SELECT src, line, j FROM rows WHERE NOT plain ORDER BY src, line"
    ).fetchall()
    if others:
        con.execute("DELETE FROM rows WHERE NOT plain")
    where = stream.where
    for src, line, text in others:
        data = text.encode("utf-8", "surrogateescape")  # as `rules.split_lines` gives a line

        def report(number: int, reason: str, src: int = src) -> None:
            collected.add(warning("W950", f"malformed event skipped: {reason}", where(src, number)))

        if len(data) > MAX_LINE:
            report(line, TOO_LONG)
            continue
        row = checked_line(data, line, report)
        if row is not None:
            pyrows.append((src, row, fingerprint(data)))
    read += _python_sources(stream, by_sql, collected, pyrows)
    malformed = sum(1 for d in collected.items if d.code == "W950")
    _insert_python_rows(con, pyrows, loaded)
    duplicates, w951 = _dedupe(con, stream, scans)
    order = {s.name: i for i, s in enumerate(stream.sources)}
    found = sorted(
        collected.items + w951,
        key=lambda d: (order.get(d.range.filename, -1), d.range.start.line) if d.range else (-1, 0),
    )
    stream._diagnostics.extend(found)
    stream._read += read
    stream._malformed_count += malformed
    stream._seen.duplicates += duplicates
    stream._consumed = True
    return loaded


def _python_sources(
    stream: EventStream, by_sql: list[int], collected: _Collected, pyrows: list[tuple]
) -> int:
    """Read the sources DuckDB does not, with the Python reader, admitting every copy."""
    others = [i for i in range(len(stream.sources)) if i not in set(by_sql)]
    if not others:
        return 0
    saved = stream._seen, stream._diagnostics, stream._read, stream._malformed_count
    admit = _AdmitAll()
    stream._seen, stream._diagnostics = admit, collected  # type: ignore[assignment]
    stream._read = stream._malformed_count = 0
    try:
        for index in others:
            for batch in stream._from_source(index, stream.sources[index]):
                for row in batch.rows:
                    pyrows.append((index, row, admit.prints[(index, row[5])]))
        read = stream._read
    finally:
        stream._seen, stream._diagnostics, stream._read, stream._malformed_count = saved
    return read


def _insert_python_rows(con: Any, pyrows: list[tuple], loaded: Loaded) -> None:
    records = []
    for src, (txid, cref, etype, when, props, line, raw), print_ in pyrows:
        exact = exact_loads(raw).get("properties", {}) if raw is not None else props
        loaded.props.append(exact)
        pid = len(loaded.props) - 1
        records.append(
            (src, line, src * 4294967296 + line, txid, cref, etype, micros(when), print_, pid)
        )
    columns = [("src", "INTEGER"), ("line", "BIGINT"), ("rid", "BIGINT"), ("txid", "VARCHAR"),
               ("cref", "VARCHAR"), ("etype", "VARCHAR"), ("us", "BIGINT"), ("pfp", "BIGINT"),
               ("pid", "INTEGER")]  # fmt: skip
    fill(con, "pyrows", columns, records)
    con.execute(
        "INSERT INTO rows (src, line, rid, txid, cref, etype, us, plain, pfp, pid) "
        "SELECT src, line, rid, txid, cref, etype, us, true, pfp, pid FROM pyrows"
    )
    con.execute("DROP TABLE pyrows")


def _dedupe(
    con: Any, stream: EventStream, scans: dict[int, Scanned]
) -> tuple[int, list[Diagnostic]]:
    """`ev` from `rows`: the first copy of each transaction_id (every row but the `later`
    copies); the duplicates' count, and W951 for each later copy whose text differs from the
    first's. `ev` is a view (not built twice):
    `drop_events` drops it and its tables once it has been read."""
    con.execute(
        "CREATE TEMP TABLE firsts AS SELECT txid, min(rid) AS first, count(*) AS n "
        "FROM rows GROUP BY txid"
    )
    con.execute("CREATE TEMP TABLE later (rid BIGINT)")  # the copies that are not the first
    con.execute(
        """CREATE TEMP VIEW ev AS SELECT r.rid, r.src, r.line, r.txid, r.cref, r.etype, r.us,
            r.pv, r.j, r.pid FROM rows r ANTI JOIN later l ON l.rid = r.rid"""
    )
    duplicates = con.execute(
        "SELECT count(*) - (SELECT count(*) FROM firsts) FROM rows"
    ).fetchone()[0]
    pairs = []
    if duplicates:
        con.execute(
            """CREATE TEMP TABLE dups AS SELECT r.rid, r.src, r.line, r.txid, r.j, r.fp, r.pfp,
               f.first FROM rows r JOIN firsts f USING (txid) WHERE f.n > 1"""
        )
        con.execute("INSERT INTO later SELECT rid FROM dups WHERE rid <> first")
        pairs = con.execute(
            """SELECT d.txid, f.src, f.line, f.j, f.fp, f.pfp, d.src, d.line, d.j, d.fp, d.pfp
               FROM dups d JOIN dups f ON f.rid = d.first WHERE d.rid <> d.first
               AND NOT (d.fp IS NOT NULL AND f.fp IS NOT NULL AND d.fp = f.fp) ORDER BY d.rid"""
        ).fetchall()
        con.execute("DROP TABLE dups")
    con.execute("DROP TABLE firsts")
    texts = _texts_wanted(scans, pairs)
    found = []
    for txid, fsrc, fline, fj, ffp, fpfp, dsrc, dline, dj, dfp, dpfp in pairs:
        if ffp is not None and dfp is not None:
            differs = True  # two lines SQL read: their hashes differ
        else:
            differs = _print(fsrc, fline, fj, fpfp, texts) != _print(dsrc, dline, dj, dpfp, texts)
        if differs:
            found.append(
                warning(
                    "W951",
                    f"transaction_id {txid!r} was already used by a different event at "
                    f"{stream.where(fsrc, fline)}; this copy is ignored (the first one counts)",
                    stream.where(dsrc, dline),
                )
            )
    return duplicates, found


def drop_events(con: Any) -> None:
    """Drop `ev` and the tables it is a view of."""
    con.execute("DROP VIEW ev")
    con.execute("DROP TABLE later")
    con.execute("DROP TABLE rows")


def _print(src: int, line: int, text: str | None, pfp: int | None, texts: dict) -> int:
    """A copy's fingerprint as the Python reader computes it (`dedupe.fingerprint`)."""
    if pfp is not None:
        return pfp
    if text is None:
        text = texts[(src, line)]
    return fingerprint(text.encode("utf-8", "surrogateescape"))


def _texts_wanted(scans: dict[int, Scanned], pairs: list[tuple]) -> dict[tuple[int, int], str]:
    """The lines of plain copies whose text SQL did not keep, read again from the files SQL
    read (`scans`: a gzip or table file's JSON Lines copy)."""
    wanted: dict[int, set[int]] = {}
    for _, fsrc, fline, fj, ffp, fpfp, dsrc, dline, dj, dfp, dpfp in pairs:
        if ffp is not None and dfp is not None:
            continue
        if fj is None and fpfp is None:
            wanted.setdefault(fsrc, set()).add(fline)
        if dj is None and dpfp is None:
            wanted.setdefault(dsrc, set()).add(dline)
    texts = {}
    for src, lines in wanted.items():
        with open(scans[src].path, "rb") as lines_:
            for number, data in enumerate(lines_, 1):
                if number in lines:
                    text = data.rstrip(b"\r\n")
                    if number == 1 and text.startswith(b"\xef\xbb\xbf"):
                        text = text[3:]
                    texts[(src, number)] = text.decode("utf-8", "surrogateescape")
    return texts


__all__ = [
    "INT",
    "MAX_LINE",
    "Loaded",
    "drop_events",
    "fill",
    "from_micros",
    "load_events",
    "micros",
    "sql_readable",
]
