"""Golden plans: for every action and every Metronome rule, the text, JSON and markdown renderings.

Each case is the BASE catalog applied (or an empty state), then one edit planned at a fixed
`as_of`. The `impact*` cases are the invoice-impact scenario of `tests/test_plan_impact.py`
(`tests/fixtures/impact/`), planned with its events; `impact_products` is the multi-product one
(`tests/fixtures/impact_products/`: products per contract, presentation groups, a credit drawn
down, and changes the events do not reach). The expected outputs live in
`tests/golden/plan/<case>.{txt,json,md}`; read them to see what a reviewer sees. After an
intended change of the output, regenerate them with `UPDATE_GOLDEN=1 make test` and review the
diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT
from planning import BASE, edit, plan_between

from billing_spec.plan.impact import with_impact
from billing_spec.plan.render_json import render_json
from billing_spec.plan.render_markdown import render_markdown
from billing_spec.plan.render_text import render_text
from billing_spec.timestamps import parse_timestamp

GOLDEN = Path(__file__).parent / "golden" / "plan"
FIXTURES = Path("tests", "fixtures")  # relative to the repository: the outputs show it

PROTECTED = edit(
    BASE, ("  onboarding:\n", "  onboarding:\n    lifecycle: {prevent_destroy: true}\n")
)
WITHOUT_ONBOARDING = edit(BASE, ("  onboarding:\n    name: Onboarding\n    type: FIXED\n", ""))
NEW_RATE = """\
price: 50
      - product: model_tokens
        pricing_group_values: {model: atlas}
        starting_at: 2027-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 45
"""

CASES = {
    # action: create, on an empty state
    "create": (None, BASE, {}),
    "no_changes": (BASE, BASE, {}),
    # customers update in place
    "update_customer": (
        BASE,
        edit(
            BASE,
            ("name: Acme\n", "name: Acme Inc.\n"),
            ("[acme-prod]", "[acme-prod, acme-staging]"),
        ),
        {},
    ),
    # a metric's name may change
    "update_metric_name": (BASE, edit(BASE, ("name: Tokens\n", "name: Tokens processed\n")), {}),
    # rates are append-only: a price change scheduled for later is one rate-card update
    "scheduled_price_change": (BASE, edit(BASE, ("price: 50\n", NEW_RATE)), {}),
    # ...and changing a price already in force is retroactive: refused, or flagged when allowed
    "retroactive_refused": (BASE, edit(BASE, ("price: 50", "price: 45")), {}),
    "retroactive_allowed": (
        BASE,
        edit(BASE, ("price: 50", "price: 45")),
        {"allow_retroactive": True},
    ),
    # a metric's definition never changes: replace, refused while a product uses the metric
    "replace_metric_refused": (
        BASE,
        edit(BASE, ("aggregation_type: SUM", "aggregation_type: MAX")),
        {},
    ),
    # a product's type never changes: replace
    "replace_product_type": (
        BASE,
        edit(
            BASE,
            (
                "name: Onboarding\n    type: FIXED",
                "name: Onboarding\n    type: USAGE\n    billable_metric: tokens",
            ),
        ),
        {},
    ),
    # a contract's usage statement schedule (and rate card) never change: replace
    "replace_contract": (BASE, edit(BASE, ("{frequency: MONTHLY}", "{frequency: QUARTERLY}")), {}),
    "delete": (BASE, WITHOUT_ONBOARDING, {}),
    # prevent_destroy, as last applied, refuses the delete
    "delete_protected_refused": (PROTECTED, WITHOUT_ONBOARDING, {}),
    # lifting the protection is an update of the state only
    "lift_prevent_destroy": (PROTECTED, BASE, {}),
    # moved: a rename, neither delete nor create
    "moved": (
        BASE,
        edit(BASE, ("  onboarding:\n", "  setup:\n"))
        + "moved:\n  - {from: product.onboarding, to: product.setup}\n",
        {},
    ),
    # every symbol at once: create, update, replace, delete
    "mixed": (
        BASE,
        edit(
            WITHOUT_ONBOARDING,
            ("name: Acme\n", "name: Acme Inc.\n"),
            ("{frequency: MONTHLY}", "{frequency: QUARTERLY}"),
            ("customers:\n", "customers:\n  globex:\n    name: Globex\n"),
        ),
        {},
    ),
}

# the scenario, the applied catalog (None: an empty state), the planned one, as of
IMPACT_CASES = {
    # a rate of 45 from November instead of 50, a contract removed, another added
    "impact": ("impact", "before", "after", "2026-10-15T00:00:00Z"),
    # the first plan: nothing invoiced before
    "impact_empty_state": ("impact", None, "before", "2026-10-15T00:00:00Z"),
    # atlas dearer from November (a credit absorbs part of it), orion cheaper and an override
    # from January 2027, after the latest event
    "impact_products": ("impact_products", "before", "after", "2026-10-15T00:00:00Z"),
}

RENDERERS = {
    "txt": lambda plan: render_text(plan),
    "json": render_json,
    "md": render_markdown,
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("ext", sorted(RENDERERS))
def test_golden_plan(case: str, ext: str):
    before, after, options = CASES[case]
    rendered = RENDERERS[ext](plan_between(before, after, **options))
    path = GOLDEN / f"{case}.{ext}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(IMPACT_CASES))
@pytest.mark.parametrize("ext", sorted(RENDERERS))
def test_golden_impact(case: str, ext: str, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario, before, after, as_of = IMPACT_CASES[case]

    def catalog(name: str | None) -> str | None:
        return None if name is None else (FIXTURES / scenario / name / "catalog.yaml").read_text()

    plan = plan_between(catalog(before), catalog(after), as_of=parse_timestamp(as_of))
    impacted, _ = with_impact(plan, [str(FIXTURES / scenario / "events")])
    rendered = RENDERERS[ext](impacted)
    path = GOLDEN / f"{case}.{ext}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_renderings_are_byte_stable():
    before, after, options = CASES["mixed"]
    first, second = plan_between(before, after, **options), plan_between(before, after, **options)
    for render in RENDERERS.values():
        assert render(first) == render(second)
