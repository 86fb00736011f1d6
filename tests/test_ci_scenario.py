"""The CI scenario of issue 3, step by step as the README's "billing plan" walkthrough tells it:
plan (exit 2), apply, plan (exit 0), a scheduled price change shown as one rate-card update, a
saved plan refused as stale after another apply, an immutable metric change shown as a replace
naming the field. Each command run here is quoted from the README, so the two cannot drift."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import CATALOGS, ROOT, run_billing

README = (ROOT / "README.md").read_text()
NEW_RATE = """\
      - product: lang_model_4
        starting_at: 2030-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 45
"""


def step(work: Path, command: str):
    """Run a `billing ...` command that the README shows."""
    assert command in README, f"the README no longer shows {command!r}"
    return run_billing(*command.split()[1:], cwd=work)


def test_the_readme_walkthrough(tmp_path: Path):
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "my-catalog"
    )  # cp -r catalogs/quickstart my-catalog
    catalog = tmp_path / "my-catalog" / "catalog.yaml"

    first = step(tmp_path, "billing plan my-catalog --detailed-exitcode --out pricing.plan")
    assert first.code == 2 and "Plan: 5 to add, 0 to change, 0 to destroy." in first.stdout

    applied = step(tmp_path, "billing apply pricing.plan")
    assert (
        applied.code == 0
        and "Apply complete! Resources: 5 added, 0 changed, 0 destroyed." in applied.stdout
    )

    again = step(tmp_path, "billing plan my-catalog --detailed-exitcode")
    assert (
        again.code == 0
        and again.stdout.strip() == "No changes. The applied state matches the catalog."
    )

    # A scheduled price change: one new rate, one rate-card update.
    assert NEW_RATE in README
    text = catalog.read_text()
    anchor = "        price: 50  # in the credit type's base unit: USD cents\n"
    catalog.write_text(text.replace(anchor, anchor + NEW_RATE))
    scheduled = step(tmp_path, "billing plan my-catalog --out pricing.plan")
    assert scheduled.code == 0
    assert "  # rate_card.lang_model_list will be updated in place\n" in scheduled.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in scheduled.stdout
    shown = scheduled.stdout[
        scheduled.stdout.index("  # rate_card") : scheduled.stdout.index("\nSaved")
    ]
    assert shown in README  # the README shows this very output

    # Someone applies first: the saved plan is stale.
    assert step(tmp_path, "billing apply my-catalog --auto-approve").code == 0
    stale = step(tmp_path, "billing apply pricing.plan")
    assert stale.code == 1
    assert (
        "saved plan is stale: the state changed, serial 1 -> 2, since it was made" in stale.stderr
    )
    assert stale.stderr.strip() in README

    # A billable metric's definition never changes: a replace naming the field, refused while
    # the product still meters with it.
    catalog.write_text(
        catalog.read_text().replace("aggregation_type: SUM", "aggregation_type: MAX")
    )
    metric = step(tmp_path, "billing plan my-catalog")
    assert metric.code == 1
    assert '      ~ aggregation_type = "SUM" -> "MAX" # forces replacement\n' in metric.stdout
    assert '-/+ billable_metric "lang_model_tokens" {' in metric.stdout
    assert (
        "cannot replace billable_metric.lang_model_tokens: product.lang_model_4 still references it"
        in (metric.stdout)
    )
    assert metric.stdout.splitlines()[-1] == "Plan refused: 1 error. Nothing will be applied."
