"""`billing plan --events PATH --impact` through the installed command, as CI runs it.

The scenario is `tests/fixtures/impact/` (worked out in `tests/test_plan_impact.py`): `before/`
is applied, `after/` is planned, and the events total $3.00 before and $1.65 after.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CATALOGS, ROOT, run_billing

SCENARIO = ROOT / "tests" / "fixtures" / "impact"
AS_OF = ("--as-of", "2026-10-15T00:00:00Z")  # the new November rate is not retroactive
HEADLINE = "Invoice impact: $3.00 → $1.65 (-$1.35, -45.0%) over 3 contracts"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(SCENARIO, tmp_path, dirs_exist_ok=True)
    applied = run_billing("apply", "before", "--auto-approve", *AS_OF, cwd=tmp_path)
    assert applied.code == 0, applied.output
    return tmp_path


def plan(work: Path, *args: str, **kw):
    return run_billing("plan", "after", *AS_OF, *args, cwd=work, **kw)


def test_the_impact_follows_the_plan_in_text(work):
    result = plan(work, "--events", "events", "--impact")
    assert result.code == 0, result.output
    out = result.stdout
    assert out.index("  # rate_card.list will be updated in place") < out.index(HEADLINE)
    assert out.index(HEADLINE) < out.index("Plan: 1 to add, 1 to change, 1 to destroy.")
    assert (
        "  acme      acme_2026     [2026-11-01, 2026-12-01)  $1.00 → $0.90  -$0.10   -10.0%\n"
        in out
    )
    # globex's October event is outside every contract of the new catalog: warned once
    assert result.stderr.count("warning[W953]") == 1
    assert "Traceback" not in result.output


def test_the_impact_does_not_change_the_exit_code(work):
    assert plan(work, "--events", "events", "--impact", "--detailed-exitcode").code == 2
    unchanged = run_billing(
        "plan", "before", *AS_OF, "--events", "events", "--impact", "--detailed-exitcode", cwd=work
    )
    assert unchanged.code == 0
    assert "Invoice impact: $3.00 → $3.00 (no change) over 2 contracts" in unchanged.stdout


def test_json_has_an_invoice_impact_object(work):
    result = plan(work, "--events", "events", "--impact", "--format", "json")
    assert result.code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format_version"] == "1.1"
    impact = document["invoice_impact"]
    assert impact["events"] == ["events"]
    assert impact["totals"][0]["old_total"] == "300" and impact["totals"][0]["new_total"] == "165"


def test_markdown_puts_the_headline_under_the_summary_line(work):
    result = plan(work, "--events", "events", "--impact", "--format", "markdown")
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "### Plan: 1 to add, 1 to change, 1 to destroy."
    assert lines[2] == (
        "💰 **Invoice impact: `$3.00` → `$1.65` (`-$1.35`, -45.0%) over 3 contracts** 📉"
    )
    assert "<details><summary>Invoice impact: 3 of 4 invoices changed</summary>" in lines


def test_a_saved_plan_shows_its_impact(work):
    made = plan(work, "--events", "events", "--impact", "--out", "p.plan", "--format", "json")
    assert made.code == 0, made.output
    shown = run_billing("show", "p.plan", "--format", "json", cwd=work)
    assert shown.stdout == made.stdout
    assert HEADLINE in run_billing("show", "p.plan", cwd=work).stdout
    # the impact is a preview: the saved plan applies as any other
    assert run_billing("apply", "p.plan", cwd=work).code == 0


def test_fail_on_increase_pct_refuses_and_saves_nothing(work):
    dearer = (work / "before" / "catalog.yaml").read_text().replace("price: 50", "price: 60")
    (work / "dearer").mkdir()
    (work / "dearer" / "catalog.yaml").write_text(dearer)
    args = ("dearer", "--as-of", "2025-12-01T00:00:00Z", "--events", "events", "--impact")
    refused = run_billing(
        "plan", *args, "--fail-on-increase-pct", "10", "--out", "p.plan", cwd=work
    )
    assert refused.code == 1
    assert "error[E820]: the invoices of contract.acme_2026 rise by +20.0%" in refused.stdout
    assert "Plan refused: 2 errors. Nothing will be applied." in refused.stdout
    assert not (work / "p.plan").exists()
    allowed = run_billing("plan", *args, "--fail-on-increase-pct", "20", cwd=work)
    assert allowed.code == 0, allowed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--impact",), "Error: --impact needs the events to replay: --events PATH"),
        (("--events", "events"), "Error: --events is used with --impact"),
        (("--fail-on-increase-pct", "5"), "Error: --fail-on-increase-pct is used with --impact"),
        (
            ("--events", "events", "--impact", "--fail-on-increase-pct", "lots"),
            "'lots' is not a percent",
        ),
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(work, args, message):
    result = plan(work, *args)
    assert result.code == 1
    assert message in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


def test_a_bad_events_path_is_a_clear_error(work):
    result = plan(work, "--events", "no-such-events", "--impact", "--format", "markdown")
    assert result.code == 1
    assert "error[E701]: events path no-such-events does not exist" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


def test_standard_input_is_refused(work):
    result = plan(work, "--events", "-", "--impact", input="")
    assert result.code == 1
    assert "error[E821]: --impact cannot read events from standard input (-)" in result.stderr
    assert "Traceback" not in result.output


def test_event_warnings_are_printed_once(work):
    (work / "events" / "broken.jsonl").write_text('{"transaction_id": "x"\n')
    result = plan(work, "--events", "events", "--impact")
    assert result.code == 0, result.output
    assert result.stderr.count("warning[W950]: malformed event skipped") == 1
    assert "Invoice impact, replaying 6 events from events" in result.stdout


def test_the_readme_example_is_what_the_command_prints(tmp_path: Path):
    readme = (ROOT / "README.md").read_text()
    command = (
        "billing plan my-prices --events catalogs/quickstart/events --impact "
        "--as-of 2025-12-01T00:00:00Z"
    )
    assert command in readme
    start = readme.index("```text\nInvoice impact, replaying 3 events")
    shown = readme[start + len("```text\n") : readme.index("```", start + 3)]
    shutil.copytree(CATALOGS / "quickstart", tmp_path / "my-prices")
    shutil.copytree(CATALOGS / "quickstart" / "events", tmp_path / "catalogs/quickstart/events")
    assert run_billing("apply", "my-prices", "--auto-approve", cwd=tmp_path).code == 0
    catalog = tmp_path / "my-prices" / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("price: 50 ", "price: 45 "))
    result = run_billing(*command.split()[1:], cwd=tmp_path)
    assert result.code == 0, result.output
    assert shown in result.stdout
