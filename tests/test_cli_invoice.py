"""`billing invoice` through the installed console script, as a user or CI job runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_billing
from invoicing import FLAT_50, catalog, event, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "catalogs" / "quickstart"


def test_the_quickstart_invoice():
    result = run_billing("invoice", QUICKSTART, "--events", QUICKSTART / "events")
    assert result.code == 0, result.output
    assert result.stderr == ""
    document = json.loads(result.stdout)
    [invoice] = document["invoices"]
    assert [
        (li["presentation_group_values"]["user_id"], li["total"]) for li in invoice["line_items"]
    ] == [("u1", "30"), ("u2", "20")]
    assert invoice["total"] == "50"
    assert result.stdout == json.dumps(document, indent=2, sort_keys=True) + "\n"


def test_the_same_bytes_every_time():
    first = run_billing("invoice", QUICKSTART, "--events", QUICKSTART / "events")
    second = run_billing("invoice", QUICKSTART, "--events", QUICKSTART / "events")
    assert first.stdout == second.stdout


def test_events_from_stdin():
    text = (QUICKSTART / "events" / "october.jsonl").read_text()
    result = run_billing("invoice", QUICKSTART, "--events", "-", input=text)
    assert result.code == 0 and json.loads(result.stdout)["invoices"][0]["total"] == "50"


def test_standard_input_given_twice_is_an_error_not_an_empty_second_read():
    text = (QUICKSTART / "events" / "october.jsonl").read_text()
    result = run_billing("invoice", QUICKSTART, "--events", "-", "--events", "-", input=text)
    assert result.code == 1 and result.stdout == ""
    assert "error[E701]: standard input (-) is given twice: it is read once" in result.stderr


def _catalog_dir(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    root.mkdir()
    (root / "catalog.yaml").write_text(catalog(FLAT_50).lstrip("\n"))
    return root


def test_malformed_events_warn_and_strict_fails(tmp_path):
    """A malformed line is reported (file:line: reason) with the counts at the end; exit 0, the
    invoice on stdout. --strict: exit 1 and nothing on stdout."""
    path = write_jsonl(tmp_path / "e.jsonl", [event("t1", "2026-10-05T00:00:00Z", units=2)])
    with path.open("a") as fh:
        fh.write('{"transaction_id": "t2"}\n')
    root = _catalog_dir(tmp_path)
    result = run_billing("invoice", root, "--events", path)
    assert result.code == 0
    assert f"{path}:2: warning[W950]: malformed event skipped: missing customer_id" in result.stderr
    assert "2 events read: 1 used, 0 duplicates, 1 malformed" in result.stderr
    assert json.loads(result.stdout)["invoices"][0]["total"] == "100"

    strict = run_billing("invoice", root, "--events", path, "--strict")
    assert strict.code == 1 and strict.stdout == ""
    assert "--strict" in strict.stderr


def test_customer_and_through(tmp_path):
    path = write_jsonl(
        tmp_path / "e.jsonl",
        [
            event("t1", "2026-10-05T00:00:00Z", units=2),
            event("t2", "2026-10-25T00:00:00Z", units=3),
        ],
    )
    root = _catalog_dir(tmp_path)
    result = run_billing(
        "invoice",
        root,
        "--events",
        path,
        "--customer",
        "acme-prod",
        "--through",
        "2026-10-20T00:00:00+02:00",
    )
    assert result.code == 0, result.output
    document = json.loads(result.stdout)
    assert document["invoices"][0]["total"] == "100"
    assert document["summary"]["not_billed"] == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--events", "nope.jsonl"], "E701", "events path nope.jsonl does not exist"),
        (["--events", "EVENTS", "--through", "tomorrow"], "E703", "--through"),
        (["--events", "EVENTS", "--customer", "acm"], "E704", "unknown customer 'acm'"),
        (["--events", "EVENTS", "--engine", "spark"], "E705", "unknown aggregation engine 'spark'"),
    ],
)
def test_usage_errors_exit_1_with_nothing_on_stdout(tmp_path, args, code, message):
    path = write_jsonl(tmp_path / "e.jsonl", [event("t1", "2026-10-05T00:00:00Z", units=2)])
    args = [str(path) if a == "EVENTS" else a for a in args]
    result = run_billing("invoice", _catalog_dir(tmp_path), *args, cwd=tmp_path)
    assert result.code == 1 and result.stdout == ""
    assert f"error[{code}]" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_catalog_exits_1(tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    (root / "catalog.yaml").write_text(
        "version: 1\nproducts:\n  p: {name: P, type: usage, billable_metric: missing}\n"
    )
    result = run_billing("invoice", root, "--events", QUICKSTART / "events")
    assert result.code == 1 and result.stdout == "" and "E201" in result.stderr


def test_events_is_required():
    result = run_billing("invoice", QUICKSTART)
    assert result.code == 1 and "--events" in result.output


def test_the_readme_example_is_what_the_command_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Usage events and `billing invoice`") :]
    block = section[
        section.index("```json\n") + 8 : section.index("\n```", section.index("```json"))
    ]
    result = run_billing("invoice", QUICKSTART, "--events", QUICKSTART / "events")
    assert json.loads(block) == json.loads(result.stdout)


ACME = ROOT / "catalogs" / "acme-ai"


@pytest.mark.skipif(not (ACME / "events").is_dir(), reason="no acme-ai event fixtures here")
def test_the_acme_ai_example():
    """The richer example's October fixtures, with every contract term priced.

    Acme (enterprise): MULTIPLIER 0.8 on tokens, e.g. atlas/search 107,744 thousand tokens =
    100,000 × 0.16 + 7,744 × 0.12 = 16,929.28 -> 16,929; token lines 16,929 + 3,999 + 55 + 50 +
    776 + 741 = 22,550, all drawn from the Q4 prepaid commit (tag `inference`: -22,550, 477,450
    left). Storage 11,925, users 11,200, seats 25 × 3,000 = 75,000 plus 5 more from Oct 16,
    prorated 5 × 3,000 × 16/31 = 7,741.9 -> 7,742, premium support (switched on by an override)
    10% of the tokens and storage 34,475 = 3,447.5 -> 3,448: total 109,315. Its SCHEDULED
    invoice of Oct 1: the platform fee 20,000 and the commit's purchase 500,000.
    Globex (self-serve, CONTRACT_START periods on the 15th): $20 of free usage each period
    (priority 10) is drawn before the launch credit (priority 50): 5,202 = 2,000 + 3,202, then
    5,873 = 2,000 + 3,873 (2,925 left of 10,000): both invoices 0.
    Initech: storage at an OVERWRITE 20 cents (8 GB = 160), but its complimentary COMMIT_RATE
    storage allowance of 100 pays the card's commit rate, 15: it covers 100 / 15 = 6.67 GB
    (133.33 of list money: a part of 6.666666666667 GB at 15 = 100, the allowance's -100), the
    other 1.333333333333 GB cost 160 - 133 = 27. Usage 87 + 67 + 50 + 27 + 900 = 1,131, which
    counts toward its POSTPAID minimum (8,869 to go; trued up on 2027-01-01, after this
    preview); its onboarding charge is a SCHEDULED invoice of 50,000."""
    result = run_billing("invoice", ACME, "--events", ACME / "events")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [
        (i["customer"], i["type"], i["start_timestamp"][:10], i["end_timestamp"][:10], i["total"])
        for i in document["invoices"]
    ] == [
        ("acme_corp", "USAGE", "2026-10-01", "2026-11-01", "109315"),
        ("acme_corp", "SCHEDULED", "2026-10-01", "2026-10-01", "520000"),
        ("globex", "USAGE", "2026-09-15", "2026-10-15", "0"),
        ("globex", "USAGE", "2026-10-15", "2026-11-15", "0"),
        ("initech", "USAGE", "2026-10-01", "2026-11-01", "1131"),
        ("initech", "SCHEDULED", "2026-10-01", "2026-10-01", "50000"),
    ]
    acme = document["invoices"][0]
    search = acme["line_items"][0]
    assert (search["presentation_group_values"], search["quantity"], search["total"]) == (
        {"project": "search"},
        "107744",
        "16929",
    )
    assert search["override"] == {"type": "MULTIPLIER", "index": 0} and "list_price" not in search
    assert search["commit_id"] == "commits[0]"
    assert [(li["type"], li["quantity"], li["total"]) for li in acme["line_items"][-3:]] == [
        ("subscription", "25", "75000"),
        ("subscription", "5", "7742"),
        ("composite", "34475", "3448"),
    ]
    assert [(b["name"], b["applied"], b["remaining"]) for b in acme["balances"]] == [
        ("Q4 prepaid usage", "22550", "477450")
    ]
    assert acme["due_timestamp"] == "2026-12-01T00:00:00Z"
    assert [
        [(b["id"], b["applied"], b["remaining"]) for b in i["balances"]]
        for i in document["invoices"]
        if i["customer"] != "acme_corp"
    ] == [
        [("recurring_credits[0]/3", "2000", "0"), ("credits[0]", "3202", "6798")],
        [("recurring_credits[0]/4", "2000", "0"), ("credits[0]", "3873", "2925")],
        [("commits[1]", "100", "0"), ("commits[0]", "1131", "8869")],
        [],
    ]
    assert all(i["notes"] == [] for i in document["invoices"])
    assert document["summary"] == {
        "events_read": 2674,
        "events_used": 2668,
        "duplicates": 5,
        "malformed": 0,
        "unknown_customer": 1,
        "outside_contracts": 0,
        "not_billed": 0,
    }
    assert "W952" in result.stderr and "hooli-prod" in result.stderr


def test_strict_ignores_notes_about_what_is_not_evaluated_yet(tmp_path):
    """acme-ai with its Q4 commit drawn at a TIERED commit rate (not priced yet: W962) and its
    events' one unknown customer (W952): --strict fails because of the event, not because of
    the note."""
    acme = tmp_path / "acme-ai"
    shutil.copytree(ROOT / "catalogs" / "acme-ai", acme)
    contracts = acme / "contracts.yaml"
    text = contracts.read_text().replace(
        "        priority: 100\n", "        priority: 100\n        rate_type: COMMIT_RATE\n", 1
    )
    contracts.write_text(text)
    cards = acme / "rate_cards.yaml"  # a TIERED commit rate for atlas tokens
    text = cards.read_text().replace(
        "          - {price: 0.15}               # beyond: $1.50 per million\n",
        "          - {price: 0.15}               # beyond: $1.50 per million\n"
        "        commit_rate:\n          rate_type: TIERED\n          tiers:\n"
        "            - {price: 0.1, size: 100000}\n            - {price: 0.05}\n",
        1,
    )
    cards.write_text(text)
    result = run_billing("invoice", acme, "--events", acme / "events", "--strict")
    assert result.code == 1 and "W962" in result.stderr and "W952" in result.stderr
    lines = (acme / "events" / "2026-10.jsonl").read_text().splitlines(keepends=True)
    known = tmp_path / "known.jsonl"
    known.write_text("".join(line for line in lines if "hooli" not in line))
    clean = run_billing("invoice", acme, "--events", known, "--strict")
    assert clean.code == 0, clean.stderr
    assert "W962" in clean.stderr and "W952" not in clean.stderr


def test_a_lone_surrogate_in_an_event_is_no_traceback(tmp_path):
    """A presentation group value `"u\\ud800"` used to crash printing the JSON document."""
    lines = (QUICKSTART / "events" / "october.jsonl").read_text().splitlines(keepends=True)
    path = tmp_path / "e.jsonl"
    path.write_text(lines[0].replace('"u1"', '"u\\ud800"') + "".join(lines[1:]))
    result = run_billing("invoice", QUICKSTART, "--events", path)
    assert result.code == 0, result.stderr
    assert f"{path}:1: warning[W950]" in result.stderr and "surrogate" in result.stderr
    assert json.loads(result.stdout)["invoices"][0]["total"] == "38"


def test_events_from_a_pipe_given_by_name():
    """`--events <(zcat events.jsonl.gz)` names a pipe (/dev/fd/63), as /dev/stdin does: it is
    read, not refused as a path that does not exist."""
    text = (QUICKSTART / "events" / "october.jsonl").read_text()
    result = run_billing("invoice", QUICKSTART, "--events", "/dev/stdin", input=text)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["invoices"][0]["total"] == "50"


def test_as_of_period_moves_the_events_into_that_month(tmp_path):
    # the quickstart's October events, invoiced as February 2027's (events of October 31 would
    # land on February 28); --through cuts the moved timestamps
    result = run_billing(
        "invoice", QUICKSTART, "--events", QUICKSTART / "events", "--as-of-period", "2027-02"
    )
    assert result.code == 0, result.output
    [invoice] = json.loads(result.stdout)["invoices"][-1:]
    assert (invoice["start_timestamp"], invoice["total"]) == ("2027-02-01T00:00:00Z", "50")

    def usage(txid: str, when: str) -> dict:
        return event(txid, when, "team_example", "langModel4", user_id="u1", tokens=1000000)

    events = write_jsonl(
        tmp_path / "e.jsonl",
        [usage("e1", "2027-01-31T12:00:00Z"), usage("e2", "2026-11-15T08:00:00Z")],
    )
    cut = run_billing(
        "invoice", QUICKSTART, "--events", events, "--as-of-period", "2027-02",
        "--through", "2027-02-28T12:00:00Z",
    )  # fmt: skip
    assert cut.code == 0, cut.output
    summary = json.loads(cut.stdout)["summary"]
    # January 31 moved to February 28, 12:00: at --through, so not billed; November 15 billed
    assert (summary["events_used"], summary["not_billed"]) == (1, 1)


def test_a_bad_as_of_period_is_a_usage_error():
    result = run_billing(
        "invoice", QUICKSTART, "--events", QUICKSTART / "events", "--as-of-period", "2027-2"
    )
    assert result.code == 1
    assert "'2027-2' is not a month" in result.stderr and result.stdout == ""
