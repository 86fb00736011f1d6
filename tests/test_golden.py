"""Golden output: `billing validate --format json` of a catalog with 20 errors in 5 files,
compared byte for byte with `tests/golden/validate-twenty-errors.json`.

The JSON is a contract for CI scripts (Terraform's `validate -json` shape plus our `code` and
`hint`), so any change to it must be deliberate. After an intended change, regenerate with

    BILLING_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

and review the diff (see tests/golden/README.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_billing

GOLDEN = Path(__file__).parent / "golden"


def test_validate_json_of_twenty_errors_matches_golden():
    result = run_billing("validate", "twenty-errors", "--format", "json", cwd=GOLDEN)
    assert result.code == 1, result.output
    expected = GOLDEN / "validate-twenty-errors.json"
    if os.environ.get("BILLING_UPDATE_GOLDEN"):
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == expected.read_text(encoding="utf-8")
    report = json.loads(result.stdout)
    assert (report["valid"], report["error_count"], report["warning_count"]) == (False, 20, 0)
