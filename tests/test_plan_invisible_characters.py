"""What a reviewer sees is what is there (issue 13, item 8): a bidirectional override, a
zero-width space or a terminal escape in a name is shown escaped in the plan's text and in its
markdown comment, as invoices show it (`render.display.printable`)."""

from __future__ import annotations

import shutil

import pytest
from conftest import CATALOGS, run_billing

HIDDEN = {
    "\u202e": "\\u202e",  # RIGHT-TO-LEFT OVERRIDE: `Team elpmaxE` reads as `Team Example`
    "\u2066": "\\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u200b": "\\u200b",  # ZERO WIDTH SPACE
    "\x1b": "\\u001b",  # ESC: a terminal escape
    "\x85": "\\x85",  # NEXT LINE
}


@pytest.fixture
def catalog(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(CATALOGS / "quickstart", root, ignore=shutil.ignore_patterns("events"))
    path = root / "catalog.yaml"
    text = path.read_text()
    escaped = "".join(f"\\u{ord(c):04x}" for c in HIDDEN)
    path.write_text(text.replace("name: Team Example", f'name: "Team {escaped}elpmaxE"', 1))
    return root


@pytest.mark.parametrize("format_", ["text", "markdown"])
def test_invisible_characters_in_a_name_are_shown_escaped_in_the_plan(catalog, format_):
    result = run_billing("plan", catalog, "--format", format_, cwd=catalog.parent)
    assert result.code == 0, result.output
    assert not set(HIDDEN) & set(result.stdout), [c for c in HIDDEN if c in result.stdout]
    assert "Team " + "".join(HIDDEN.values()) + "elpmaxE" in result.stdout


def test_a_key_with_an_invisible_character_is_shown_escaped():
    from billing_spec.plan.render_text import literal

    assert literal({"user\u202eid": "a\u200bb"}) == '{ user\\u202eid = "a\\u200bb" }'
