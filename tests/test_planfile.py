"""Saved plans: self-contained, checksummed, and refused when damaged."""

from __future__ import annotations

import json

import pytest
from planning import BASE, edit, plan_between

from billing_spec.diagnostics import BillingSpecError
from billing_spec.plan.planfile import load_plan, plan_digest, save_plan
from billing_spec.plan.render_json import render_json
from billing_spec.plan.render_markdown import render_markdown
from billing_spec.plan.render_text import render_text

MIXED = edit(
    BASE, ("name: Acme\n", "name: Acme Inc.\n"), ("{frequency: MONTHLY}", "{frequency: QUARTERLY}")
)


def code_of(call) -> str:
    with pytest.raises(BillingSpecError) as info:
        call()
    return info.value.diagnostics[0].code


def test_a_saved_plan_loads_back_as_the_same_plan(tmp_path):
    plan = plan_between(BASE, MIXED, allow_retroactive=True)
    digest = save_plan(plan, tmp_path / "p.plan")
    loaded = load_plan(tmp_path / "p.plan")
    assert digest == plan_digest(plan) == plan_digest(loaded)
    for render in (render_json, render_text, render_markdown):
        assert render(loaded) == render(plan)
    assert loaded.desired == plan.desired and loaded.changes == plan.changes


def test_a_plan_file_holds_the_catalog_and_the_prior_state(tmp_path):
    save_plan(plan_between(BASE, MIXED), tmp_path / "p.plan")
    envelope = json.loads((tmp_path / "p.plan").read_text())
    assert envelope["format"] == "billing-spec plan" and envelope["checksum"].startswith("sha256:")
    body = envelope["body"]
    assert body["plan"]["prior_state"] == {
        "lineage": "00000000-0000-4000-8000-000000000001",
        "serial": 1,
    }
    assert "contract.acme_2026" in body["catalog"]["resources"]
    assert body["plan"]["tool_version"]


@pytest.mark.parametrize(
    "damage, code",
    [
        (lambda text: text.replace('"Acme Inc."', '"Acme Evil"'), "E807"),  # checksum
        (lambda text: text[: len(text) - 200], "E807"),  # truncated
        (lambda text: "version: 1\n", "E807"),  # not a plan
        (lambda text: json.dumps({"format": "something else"}), "E807"),
        (lambda text: json.dumps({**json.loads(text), "format_version": "2.0"}), "E808"),
    ],
)
def test_a_damaged_plan_file_is_refused(tmp_path, damage, code):
    path = tmp_path / "p.plan"
    save_plan(plan_between(BASE, MIXED), path)
    path.write_text(damage(path.read_text()))
    assert code_of(lambda: load_plan(path)) == code


def test_a_missing_plan_file_is_an_error_not_a_traceback(tmp_path):
    assert code_of(lambda: load_plan(tmp_path / "nope.plan")) == "E807"
