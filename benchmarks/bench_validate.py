"""Validating a catalog with 20 errors in 5 files (issue 2: "reports all 20 ... in under a second").

The catalog is `tests/golden/twenty-errors/`, the one `tests/test_validate_catalog.py` checks
error by error. Two timings: the library call (`validate_catalog`), and the installed command a
user or pre-commit hook runs (`billing validate`, including interpreter start-up).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.harness import best_of

CATALOG = Path(__file__).resolve().parents[1] / "tests" / "golden" / "twenty-errors"
BILLING = Path(sys.executable).with_name("billing")


def run(report) -> None:
    from billing_spec.catalog import validate_catalog

    _, diagnostics = validate_catalog(CATALOG)
    errors = sum(d.is_error for d in diagnostics)
    files = len({d.range.filename for d in diagnostics if d.range})
    label = f"{errors} errors in {files} files"
    seconds = best_of(lambda: validate_catalog(CATALOG))
    report(f"validate_catalog: {label}", seconds, target_seconds=1.0)
    command = [str(BILLING), "validate", str(CATALOG)]
    seconds = best_of(lambda: subprocess.run(command, capture_output=True, check=False))
    report(f"billing validate: {label}", seconds, target_seconds=1.0)
