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
        (("--fail-on-decrease", "5"), "Error: --fail-on-decrease is used with --impact"),
        (("--as-of-period", "2027-01"), "Error: --as-of-period is used with --impact"),
        (("--through", "2026-11-01T00:00:00Z"), "Error: --through is used with --impact"),
        (
            ("--events", "events", "--impact", "--fail-on-increase", "a lot"),
            "'a lot' is not an amount in major units",
        ),
        (
            ("--events", "events", "--impact", "--fail-on-decrease-pct", "-5"),
            "'-5' is not a percent",
        ),
        (
            ("--events", "events", "--impact", "--as-of-period", "2027-13"),
            "'2027-13' is not a month",
        ),
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


# --- the gates, in every format -----------------------------------------------------------------

DEARER = ("dearer", "--as-of", "2025-12-01T00:00:00Z", "--events", "events", "--impact")


@pytest.fixture
def dearer(work: Path) -> Path:
    """50 -> 60 cents per million from the start: acme and globex $1.50 -> $1.80, +20%."""
    text = (work / "before" / "catalog.yaml").read_text().replace("price: 50", "price: 60")
    (work / "dearer").mkdir()
    (work / "dearer" / "catalog.yaml").write_text(text)
    return work


# (arguments, the gate's code, whether it trips) on the scenario as planned (acme -6.67%,
# -$0.10; globex removed and initech new, neither gated) or on `dearer` (+20%, +$0.30 each)
GATES = [
    ("scenario", ("--fail-on-decrease-pct", "6.66"), "E822", ["acme_2026"]),  # -6.666...%
    ("scenario", ("--fail-on-decrease-pct", "6.67"), "E822", []),
    ("scenario", ("--fail-on-decrease", "0.05"), "E824", ["acme_2026"]),
    ("scenario", ("--fail-on-decrease", "0.10"), "E824", []),  # not more than $0.10
    ("dearer", ("--fail-on-increase", "0.25"), "E823", ["acme_2026", "globex_2026"]),
    ("dearer", ("--fail-on-increase", "$0.30"), "E823", []),
    ("dearer", ("--fail-on-increase-pct", "19.9"), "E820", ["acme_2026", "globex_2026"]),
]


@pytest.mark.parametrize("format_", ["text", "json", "markdown"])
@pytest.mark.parametrize(("case", "args", "code", "tripped"), GATES)
def test_each_gate_exits_1_listing_the_contracts_over_it(
    dearer, format_, case, args, code, tripped
):
    base = DEARER if case == "dearer" else ("after", *AS_OF, "--events", "events", "--impact")
    result = run_billing("plan", *base, *args, "--format", format_, cwd=dearer)
    assert result.code == (1 if tripped else 0), result.output
    assert "Traceback" not in result.output
    if format_ == "json":
        findings = json.loads(result.stdout)["findings"]
        listed = [f["address"] for f in findings if f["code"] == code]
        assert listed == [f"contract.{c}" for c in tripped]
    else:
        for contract in tripped:
            assert f"{code}" in result.stdout and f"contract.{contract}" in result.stdout
        assert (code in result.stdout) == bool(tripped)
    if tripped and format_ != "text":  # and on standard error, for CI logs
        assert f"error[{code}]" in result.stderr


def test_the_amount_gate_says_how_much(dearer):
    result = run_billing("plan", *DEARER, "--fail-on-increase", "0.25", cwd=dearer)
    assert (
        "error[E823]: the invoices of contract.acme_2026 rise by +$0.30, more than the $0.25 "
        "allowed" in result.stdout
    )
    assert "$1.50 → $1.80 (+$0.30) on the events replayed" in result.stdout


def test_the_decrease_gate_says_how_much(work):
    result = plan(work, "--events", "events", "--impact", "--fail-on-decrease-pct", "5")
    assert (
        "error[E822]: the invoices of contract.acme_2026 fall by -6.7%, more than the 5% "
        "allowed" in result.stdout
    )


# --- replaying in another month, and cutting the replay -----------------------------------------


def test_as_of_period_replays_the_events_in_that_month(work):
    # Every event moved into November: the new 45-cent rate prices all of acme's 3 million
    # tokens (150 -> 135), and initech's 0.5 million (new: 22.5, rounded to 23).
    result = plan(work, "--events", "events", "--impact", "--as-of-period", "2026-11")
    assert result.code == 0, result.output
    assert "Invoice impact, replaying 5 events from events moved into 2026-11 " in result.stdout
    assert "  acme      acme_2026     [2026-11-01, 2026-12-01)  $1.50 → $1.35  -$0.15" in (
        result.stdout
    )
    document = json.loads(
        plan(
            work, "--events", "events", "--impact", "--as-of-period", "2026-11", "--format", "json"
        ).stdout
    )
    assert document["invoice_impact"]["as_of_period"] == "2026-11"


def test_through_cuts_the_replay(work):
    result = plan(work, "--events", "events", "--impact", "--through", "2026-11-01T00:00:00Z")
    assert result.code == 0, result.output
    assert "from events before 2026-11-01 (used: 3 before, 3 after)" in result.stdout
    # acme's November is not replayed: the 45-cent rate from November reaches no event
    assert "acme_2026: no events from 2026-11-01 on: replay with --as-of-period 2026-11" in (
        result.stdout
    )


def test_a_bad_through_is_a_clear_error(work):
    result = plan(work, "--events", "events", "--impact", "--through", "November")
    assert result.code == 1
    assert "error[E703]: --through:" in result.stderr and "Traceback" not in result.output


# --- a change the events do not reach ---------------------------------------------------------


def test_a_change_after_the_events_says_so_instead_of_no_change(work):
    # A rate of 40 cents from January 2027, planned in December: the events (October and
    # November) never reach it.
    text = (work / "before" / "catalog.yaml").read_text()
    later = text.replace(
        "        price: 50\n",
        "        price: 50\n      - product: tokens\n        starting_at: 2027-01-01T00:00:00Z\n"
        "        entitled: true\n        rate_type: FLAT\n        price: 40\n",
        1,
    )
    (work / "later").mkdir()
    (work / "later" / "catalog.yaml").write_text(later)
    args = ("plan", "later", "--as-of", "2026-12-01T00:00:00Z", "--events", "events", "--impact")
    result = run_billing(*args, cwd=work)
    assert result.code == 0, result.output
    out = result.stdout
    assert "Invoice impact: $3.00 → $3.00 (no change on these events, see below)" in out
    assert "Changes after the events (the latest is 2026-11-10T10:00:00Z):" in out
    for contract in ("acme_2026", "globex_2026"):
        assert (
            f"  - {contract}: no events from 2027-01-01 on: replay with --as-of-period 2027-01"
            in out
        )
    markdown = run_billing(*args, "--format", "markdown", cwd=work).stdout
    assert (
        "- `acme_2026`: no events from 2027-01-01 on: replay with `--as-of-period 2027-01`"
        in markdown
    )
    document = json.loads(run_billing(*args, "--format", "json", cwd=work).stdout)
    contracts = document["invoice_impact"]["contracts"]
    assert [c["unreplayed_from"] for c in contracts] == ["2027-01-01T00:00:00Z"] * 2
    assert document["invoice_impact"]["latest_event"] == "2026-11-10T10:00:00Z"
    # ...and replayed as the note says, the change shows: 3M tokens at 40 instead of 50
    replayed = run_billing(*args, "--as-of-period", "2027-01", cwd=work)
    assert "Invoice impact: $3.00 → $2.40 (-$0.60, -20.0%) over 2 contracts" in replayed.stdout
    assert "no events from" not in replayed.stdout
