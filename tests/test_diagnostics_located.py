"""Plan findings point at what they are about: a retroactive rate at the rate's list entry, not
at its rate card's key (the plan is built from compiled content, which sorts the rates)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from conftest import CATALOGS
from planning import state_of

from billing_spec.providers import PROVIDERS
from billing_spec.state import State
from billing_spec.workflow import plan_catalog

AS_OF = datetime(2026, 11, 15, tzinfo=UTC)
RATE = """\
      - product: lang_model_4
        starting_at: 2026-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 50  # in the credit type's base unit: USD cents
"""


def _plan(root: Path, state: State):
    made, diagnostics = plan_catalog(root, state, PROVIDERS["local"](), as_of=AS_OF)
    assert made is not None, diagnostics
    return made


def test_a_retroactive_rate_is_located_at_the_rate(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(CATALOGS / "quickstart", "cat", ignore=shutil.ignore_patterns("events"))
    catalog = Path("cat/catalog.yaml")
    text = catalog.read_text()
    assert RATE in text
    state = state_of(_plan(Path("cat"), State()).desired)
    # A rate written first but sorted last by compile, starting before --as-of: E810.
    catalog.write_text(
        text.replace(
            "    rates:\n" + RATE,
            "    rates:\n"
            + RATE.replace("2026-01-01", "2026-11-01").replace("50  #", "45  #")
            + RATE,
        )
    )
    made = _plan(Path("cat"), state)
    [finding] = [f for f in made.findings if f.diagnostic.code == "E810"]
    where = finding.diagnostic.range
    lines = catalog.read_text().splitlines()
    assert lines[where.start.line - 1] == "      - product: lang_model_4"
    assert "2026-11-01" in lines[where.start.line]  # the new rate, not the first one
    # The pull-request comment names the place too.
    from billing_spec.plan.render_markdown import render_markdown

    assert f"- ❌ **E810** `cat/catalog.yaml:{where.start.line}` retroactive change" in (
        render_markdown(made)
    )
