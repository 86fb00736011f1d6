"""The CLI's user-facing contract (DESIGN, "User-facing contract"): JSON shapes, streams and
exit codes, checked the way a CI script meets them, through the installed console script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_billing

QUICKSTART = Path(__file__).parent.parent / "catalogs" / "quickstart"


def test_validate_json_range_always_has_line_and_column(tmp_path):
    # Terraform's validate -json: range.start and range.end are {line, column}, always both,
    # also for a problem tied to a whole file (one that cannot be read).
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    shutil.copy(QUICKSTART / "catalog.yaml", catalog / "catalog.yaml")
    (catalog / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = run_billing("validate", catalog, "--format", "json")
    assert result.code == 1, result.output
    report = json.loads(result.stdout)
    ranges = [d["range"] for d in report["diagnostics"] if "range" in d]
    assert ranges, report
    for r in ranges:
        for end in ("start", "end"):
            assert isinstance(r[end]["line"], int) and r[end]["line"] >= 1, r
            assert isinstance(r[end]["column"], int) and r[end]["column"] >= 1, r
