"""The aggregation engine interface: events + an `AggregationPlan` -> `Aggregates`, and the
registry of engines by name (`--engine python`, `--engine duckdb`; `auto` picks one by the
catalog's SQL metrics and the size of the JSON Lines files, inflated: `choose_engine`).

Every engine must give the same `Aggregates` for the same plan and events:

- `quantities[(window, presentation values)]` — the metric's aggregate over the events of that
  window and group, before quantity conversion: COUNT, SUM, MAX, UNIQUE (distinct texts) as
  Decimals; LATEST as the sum of the window's increments (`latest_increments`).
- `tally` — what happened to each event: used on a billed line, not billed, unknown customer,
  outside every contract.
- diagnostics — the warnings about events (unknown customers, no rate in force, ...).

Pricing never looks at events; engines never look at prices.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from billing_spec.diagnostics import BillingSpecError, Diagnostic, did_you_mean
from billing_spec.evaluate.plan import AggregationPlan, GroupValues, Window
from billing_spec.events.reader import EventStream

Key = tuple[Window, GroupValues]

ENGINES: dict[str, str] = {
    "python": "billing_spec.evaluate.python_engine:PythonEngine",
    "duckdb": "billing_spec.evaluate.duckdb_engine:DuckDBEngine",
}


AUTO = "auto"
AUTO_BYTES = 32 << 20
"""`--engine auto` uses DuckDB from this many bytes of JSON Lines (uncompressed: a gzip file
counts by the size its trailer gives) when duckdb is installed: above it the DuckDB engine was
measured faster (`make bench`, README "Performance"). A Parquet or CSV file counts by its size
(2M events: 38 MB of Parquet, DuckDB 11 s, Python 28 s); JSON-array files and standard input
count for nothing: DuckDB does not read those itself."""
_GZIP_MAGIC = b"\x1f\x8b"


def choose_engine(name: str, events: EventStream, sql_metrics: bool = False) -> str:
    """The engine `name` stands for: itself, or for `auto` DuckDB (when it is installed) if the
    catalog has SQL billable metrics (`sql_metrics`; only DuckDB runs them) and events come from
    files, or if the JSON Lines, Parquet and CSV files hold at least `AUTO_BYTES`; else Python."""
    if name != AUTO:
        return name
    files = [s.path for s in events.sources if s.path is not None and s.path.is_file()]
    if not files or importlib.util.find_spec("duckdb") is None:
        return "python"
    if sql_metrics:
        return "duckdb"
    return "duckdb" if sum(_lines_bytes(path) for path in files) >= AUTO_BYTES else "python"


def _lines_bytes(path: Any) -> int:
    """The bytes of JSON Lines the file holds (a gzip file: its trailer's size, the inflated
    size modulo 4 GiB, or the file's size if larger), a Parquet or CSV file's size, 0 for a
    JSON-array file."""
    from billing_spec.events.tables import table_kind

    try:
        if table_kind(path) is not None:
            return path.stat().st_size
        with open(path, "rb") as raw:
            head = raw.read(1 << 12)
            size = raw.seek(0, 2)
            if head[:2] == _GZIP_MAGIC and size >= 4:
                raw.seek(-4, 2)
                return max(int.from_bytes(raw.read(4), "little"), size)
    except OSError:
        return 0
    return 0 if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[" else size


@dataclass
class Tally:
    used: int = 0
    not_billed: int = 0
    unknown_customer: int = 0
    outside_contracts: int = 0
    latest: datetime | None = None
    """The latest timestamp of an event inside a contract (before `through`): how far the
    invoices run (`statements`)."""


@dataclass
class Aggregates:
    quantities: dict[Key, Decimal]
    tally: Tally
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Engine(Protocol):
    name: str

    def aggregate(self, plan: AggregationPlan, events: EventStream) -> Aggregates: ...


def get_engine(name: str) -> Engine:
    """The engine registered under `name`; a usage error (E705) for an unknown one."""
    target = ENGINES.get(name)
    if target is None:
        raise BillingSpecError.single(
            "E705",
            f"unknown aggregation engine {name!r}; known: {', '.join(sorted([*ENGINES, AUTO]))}",
            hint=did_you_mean(name, ENGINES),
        )
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)()


def latest_increments(lasts: dict[Key, tuple[Any, ...]]) -> dict[Key, Decimal]:
    """LATEST: from each window's last reported value to the sum of its increments.

    Metronome bills a LATEST metric by the change between reports (values 7, 9, 10, 5 bill +7,
    +2, +1, -5). Increments start from zero at each statement period's start, so a window's
    increments add up to its last value minus the last value reported earlier in the same
    period (0 if none). `lasts[key]` is `(..., value)`: the value is the last item.
    """
    out: dict[Key, Decimal] = {}
    for key in lasts:
        window, presentation = key
        previous = _previous_last(lasts, window, presentation)
        out[key] = Decimal(lasts[key][-1]) - Decimal(previous)
    return out


def _previous_last(
    lasts: dict[Key, tuple[Any, ...]], window: Window, presentation: GroupValues
) -> Any:
    windows = window.table.windows
    for index in range(window.index - 1, -1, -1):
        earlier = windows[index]
        if earlier.period is not window.period:
            break
        found = lasts.get((earlier, presentation))
        if found is not None:
            return found[-1]
    return 0
