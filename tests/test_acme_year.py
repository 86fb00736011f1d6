"""Golden year: `catalogs/acme-ai`'s invoices from October 2026 through September 2027,
`billing invoice catalogs/acme-ai --events catalogs/acme-ai/events --through 2027-10-01T00:00:00Z`,
pinned byte for byte in `tests/golden/invoice/acme-ai-year.{json,txt}`. After a deliberate
change, regenerate with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_acme_year.py` and review
the diff.

Besides the golden bytes, the year's shape is spelled out: every month after October has
Acme's 30 seats (30 × 3,000 = 90,000, ADVANCE) and its platform fee (20,000, a SCHEDULED
invoice on the 1st) and nothing else (the fixtures hold October's events only); Initech's
POSTPAID Q4 minimum of 10,000 is trued up on 2027-01-01 for what October's 1,131 left short:
8,869; Globex has no invoice after its October periods (no usage; its free monthly credit
alone bills nothing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import ROOT, run_billing

GOLDEN = Path(__file__).parent / "golden" / "invoice"
ACME = ROOT / "catalogs" / "acme-ai"
THROUGH = "2027-10-01T00:00:00Z"


def _invoice(format_: str) -> str:
    result = run_billing(
        "invoice", ACME, "--events", ACME / "events", "--through", THROUGH, "--format", format_
    )
    assert result.code == 0, result.stderr
    return result.stdout


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"regenerate {path} if the change is meant"


def test_the_acme_ai_year_matches_its_golden_files():
    _golden("acme-ai-year.json", _invoice("json"))
    _golden("acme-ai-year.txt", _invoice("text"))


def test_the_acme_ai_year_month_by_month():
    document = json.loads((GOLDEN / "acme-ai-year.json").read_text(encoding="utf-8"))
    acme = [i for i in document["invoices"] if i["customer"] == "acme_corp"]
    later = [i for i in acme if i["start_timestamp"] >= "2026-11-01"]
    assert len(later) == 22  # November to September: a usage and a scheduled invoice each
    assert {(i["type"], i["total"]) for i in later} == {("USAGE", "90000"), ("SCHEDULED", "20000")}
    initech = [
        (i["type"], i["start_timestamp"][:10], i["total"])
        for i in document["invoices"]
        if i["customer"] == "initech"
    ]
    assert initech == [
        ("USAGE", "2026-10-01", "1131"),
        ("SCHEDULED", "2026-10-01", "50000"),
        ("SCHEDULED", "2027-01-01", "8869"),
    ]
    assert [
        i["start_timestamp"][:10] for i in document["invoices"] if i["customer"] == "globex"
    ] == [
        "2026-09-15",
        "2026-10-15",
    ]
