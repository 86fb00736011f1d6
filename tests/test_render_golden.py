"""Golden renderings: each invoice document in tests/fixtures/render/ renders, in each format, to
exactly the bytes of tests/golden/render/<document>.<txt|md|html>.

`invoices.json` is the rich example: three invoices (USD and a custom credit type), pricing and
presentation groups, graduated tiers crossing a boundary, a volume tier with a flat price, a
mid-period price change (two zephyr lines with different windows and prices), a zero quantity, a
negative LATEST quantity and total, a sub-cent unit price, an applied credit, a non-midnight
segment boundary, and a customer named `Globex <script>alert("x")</script> & Sons`.
`empty.json` has no invoices and no summary; `quickstart.json` is DESIGN's walkthrough (the
README shows its text rendering).

After a deliberate change to the templates or the view, regenerate and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py && git diff tests/golden/
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from billing_spec.render import FORMATS, render_invoices

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "render"
GOLDEN = ROOT / "tests" / "golden" / "render"
EXTENSIONS = {"text": "txt", "markdown": "md", "html": "html"}
DOCUMENTS = ("invoices", "empty", "quickstart")


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", DOCUMENTS)
def test_rendering_matches_golden_file_byte_for_byte(name, fmt):
    rendered = render_invoices(load(name), fmt).encode("utf-8")
    golden = GOLDEN / f"{name}.{EXTENSIONS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered)
    assert golden.read_bytes() == rendered, f"regenerate with UPDATE_GOLDEN=1 if {golden} is stale"


def test_same_document_with_keys_in_another_order_renders_the_same_bytes():
    document = load("invoices")
    shuffled = _reverse_keys(document)
    assert list(shuffled) != list(document)
    for fmt in FORMATS:
        assert render_invoices(shuffled, fmt) == render_invoices(document, fmt)


def _reverse_keys(value):
    if isinstance(value, dict):
        return {key: _reverse_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(item) for item in value]
    return value


def test_readme_shows_the_quickstart_text_rendering_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (GOLDEN / "quickstart.txt").read_text(encoding="utf-8")
    assert f"```text\n{golden}```" in readme


def test_quickstart_rendering_shows_the_walkthrough_numbers():
    # u1 used 0.6M tokens and u2 0.4M at 50 cents per million: 30 + 20 = 50 cents.
    text = render_invoices(load("quickstart"), "text")
    assert re.search(r"\[user_id=u1\]\s+0\.6\s+\$0\.50\s+\$0\.30\n", text)
    assert re.search(r"\[user_id=u2\]\s+0\.4\s+\$0\.50\s+\$0\.20\n", text)
    assert re.search(r"\n\s+Total  \$0\.50\n", text)
