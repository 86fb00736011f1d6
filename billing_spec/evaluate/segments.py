"""Rate segments: the rates of one product and one set of pricing group values -> which rate is
in force when.

A rate applies from `starting_at` (inclusive) to `ending_before` (exclusive, or forever). Rates
are append-only, so a price change is a new rate with a later start; where two rates overlap, the
one that starts later supersedes the other for the overlap (two with the same start: the later in
the rate card). The result is a list of non-overlapping segments in time order; gaps, where no
rate is in force, are simply absent. Example, rate A from Jan 1 and rate B from Oct 16:

    A: [Jan 1, ∞)       B: [Oct 16, ∞)      ->  [Jan 1, Oct 16) A,  [Oct 16, ∞) B

Only this module decides supersession; statement periods cut the segments further (`plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from billing_spec.catalog.models import Rate


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime | None
    rate: Rate


def rate_segments(rates: Sequence[Rate]) -> list[Segment]:
    """Which of `rates` (one product, one pricing group values, card order) is in force when."""
    spans = [(r.starting_at, r.ending_before, order, r) for order, r in enumerate(rates)]
    cuts = sorted({s for s, _, _, _ in spans} | {e for _, e, _, _ in spans if e is not None})
    segments: list[Segment] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else None
        live = [span for span in spans if span[0] <= start and (span[1] is None or span[1] > start)]
        if not live:
            continue
        rate = max(live, key=lambda span: (span[0], span[2]))[3]
        last = segments[-1] if segments else None
        if last is not None and last.rate is rate and last.end == start:
            segments[-1] = Segment(last.start, end, rate)
        else:
            segments.append(Segment(start, end, rate))
    return segments
