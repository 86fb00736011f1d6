"""Validating a catalog with 20 errors spread over 5 files (issue: "in under a second")."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import best_of

BROKEN = """\
version: 1
billable_metrics:
  m{n}:
    name: M
    aggregation_type: SUMM
    aggregaton_key: x
products:
  p{n}:
    name: P
    type: usage
    billable_metric: missing_{n}
    quantity_rounding: {{decimal_places: 1.5, rounding_method: ROUND_UP}}
"""


def run(report) -> None:
    from billing_spec.catalog import validate_catalog

    with tempfile.TemporaryDirectory() as tmp:
        for n in range(5):
            Path(tmp, f"file{n}.yaml").write_text(BROKEN.format(n=n))
        _, diagnostics = validate_catalog(tmp)
        errors = sum(d.is_error for d in diagnostics)
        seconds = best_of(lambda: validate_catalog(tmp))
        report(f"validate: {errors} errors in 5 files", seconds, target_seconds=1.0)
