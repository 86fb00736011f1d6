"""A progress bar on stderr for long aggregation runs: drawn only on a terminal, silent otherwise.

`progress(total_bytes)` is a context manager yielding `advance(bytes_done)`; the bar (rich, imported
only when drawn) appears when stderr is a terminal and the input holds at least `MIN_BYTES`, so
pipes, CI logs and tests see nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

MIN_BYTES = 64 << 20


@contextmanager
def progress(
    total_bytes: int, label: str = "reading events", stream: TextIO | None = None
) -> Iterator[Callable[[int], None]]:
    out = stream if stream is not None else sys.stderr
    if total_bytes < MIN_BYTES or not out.isatty():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn

    console = Console(file=out)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total_bytes)
        yield lambda done: bar.update(task, advance=done)
