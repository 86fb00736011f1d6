"""Invoice impact: the same events evaluated under the applied and the planned catalog, compared
per customer, contract, statement period and credit type. Money is in USD cents.

The scenario in `tests/fixtures/impact/` (read its three files alongside this test):

- applied (`before/`): tokens at 50 cents per million; acme and globex on monthly contracts from
  2026-10-01; initech is a customer without a contract.
- planned (`after/`): a rate of 45 cents per million from 2026-11-01; globex's contract removed;
  initech on a contract from 2026-10-01.
- events (`events/usage.jsonl`): acme 600,000 + 400,000 tokens in October and 2,000,000 in
  November; globex 3,000,000 in October; initech 500,000 in October.

So, per invoice:

    acme    Oct   1M × 50 = 50    ->  1M × 50 = 50      unchanged (the new rate starts in Nov)
    acme    Nov   2M × 50 = 100   ->  2M × 45 = 90      -10, -10%
    globex  Oct   3M × 50 = 150   ->  absent            -150, -100%   (contract removed)
    initech Oct   absent          ->  0.5M × 50 = 25    +25, no percent (a new contract)

acme's contract: 150 -> 140 (-10, -6.67%); all of them: 300 -> 165 (-135, -45%).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT
from invoicing import compile_yaml, event, write_jsonl
from planning import AS_OF, compiled, edit, plan_between

from billing_spec.diagnostics import BillingSpecError
from billing_spec.plan.impact import Impact, invoice_impact, with_impact
from billing_spec.plan.planfile import load_plan, save_plan
from billing_spec.plan.render_json import render_json
from billing_spec.plan.render_markdown import render_markdown
from billing_spec.plan.render_text import render_text
from billing_spec.timestamps import parse_timestamp

SCENARIO = ROOT / "tests" / "fixtures" / "impact"
BEFORE = (SCENARIO / "before" / "catalog.yaml").read_text()
AFTER = (SCENARIO / "after" / "catalog.yaml").read_text()
EVENTS = SCENARIO / "events"
AS_OF_OCT_15 = parse_timestamp("2026-10-15T00:00:00Z")  # the November rate is not retroactive


def scenario_impact(before: str | None = BEFORE, after: str = AFTER, **options):
    plan = plan_between(before, after, as_of=AS_OF_OCT_15)
    impacted, diagnostics = with_impact(plan, [EVENTS], **options)
    assert impacted is not None, diagnostics
    return impacted, diagnostics


def by_contract(impact: Impact) -> dict[str, dict]:
    return {c["contract"]: c for c in impact.to_json()["contracts"]}


def amounts(row: dict) -> tuple:
    """(old total, new total, delta, percent) of a contract or period, as the JSON has them."""
    return (row["old_total"], row["new_total"], row["delta"], row["percent"])


# --- the worked example -------------------------------------------------------------------------

QUICKSTART_LIKE = """
version: 1
billable_metrics:
  tokens:
    name: Tokens
    event_type_filter: {in_values: [usage]}
    property_filters:
      - {name: tokens, exists: true}
    aggregation_type: SUM
    aggregation_key: tokens
products:
  tokens:
    name: Tokens (millions)
    type: USAGE
    billable_metric: tokens
    quantity_conversion: {conversion_factor: 1000000, operation: DIVIDE}
rate_cards:
  card:
    name: Card
    rates:
      - product: tokens
        starting_at: 2026-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: PRICE
customers:
  acme:
    name: Acme
contracts:
  acme_2026:
    customer: acme
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
    usage_statement_schedule: {frequency: MONTHLY}
"""


def test_a_price_cut_over_a_whole_month(tmp_path: Path):
    # 1,000,000 tokens in October: 1 million × 50 cents = 50; at 45 cents, 45: delta -5, -10%.
    applied = compile_yaml(tmp_path / "applied", QUICKSTART_LIKE.replace("PRICE", "50"))
    desired = compile_yaml(tmp_path / "desired", QUICKSTART_LIKE.replace("PRICE", "45"))
    events = write_jsonl(
        tmp_path / "october.jsonl",
        [
            event("e1", "2026-10-01T00:00:00Z", tokens=250000),
            event("e2", "2026-10-31T23:59:59Z", tokens="750000"),
        ],
    )
    impact, diagnostics = invoice_impact(applied, desired, [events])
    assert diagnostics == []
    (contract,) = impact.to_json()["contracts"]
    assert contract["periods"] == [
        {
            "start_timestamp": "2026-10-01T00:00:00Z",
            "end_timestamp": "2026-11-01T00:00:00Z",
            "old_total": "50",
            "new_total": "45",
            "delta": "-5",
            "percent": "-10",
        }
    ]
    assert impact.to_json()["totals"] == [
        {
            "credit_type": "USD",
            "old_total": "50",
            "new_total": "45",
            "delta": "-5",
            "percent": "-10",
            "contracts": 1,
            "contracts_changed": 1,
        }
    ]


# --- the scenario -------------------------------------------------------------------------------


def test_each_invoice_old_and_new():
    plan, _ = scenario_impact()
    contracts = by_contract(plan.impact)
    assert list(contracts) == ["acme_2026", "globex_2026", "initech_2026"]  # by customer
    acme = contracts["acme_2026"]
    assert [amounts(p) for p in acme["periods"]] == [
        ("50", "50", "0", "0"),  # October: the new rate starts in November
        ("100", "90", "-10", "-10"),
    ]
    # -10 / 150 = -6.666...%, rounded to 0.01 in JSON
    assert amounts(acme) == ("150", "140", "-10", "-6.67")


def test_a_removed_contract_has_no_new_total_and_a_new_one_no_old_total():
    plan, _ = scenario_impact()
    contracts = by_contract(plan.impact)
    assert amounts(contracts["globex_2026"]) == ("150", None, "-150", "-100")
    assert amounts(contracts["initech_2026"]) == (None, "25", "25", None)  # no percent of nothing


def test_totals_per_credit_type_count_absent_as_zero():
    plan, _ = scenario_impact()
    assert plan.impact.to_json()["totals"] == [
        {
            "credit_type": "USD",
            "old_total": "300",  # 150 + 150
            "new_total": "165",  # 140 + 25
            "delta": "-135",
            "percent": "-45",
            "contracts": 3,
            "contracts_changed": 3,
        }
    ]


def test_the_event_summaries_of_both_sides():
    plan, _ = scenario_impact()
    summary = plan.impact.to_json()["summary"]
    # before: initech has no contract; after: globex has none. Either way 4 of 5 events are used.
    assert (summary["old"]["events_used"], summary["old"]["outside_contracts"]) == (4, 1)
    assert (summary["new"]["events_used"], summary["new"]["outside_contracts"]) == (4, 1)


def test_event_warnings_come_once_from_the_planned_catalog():
    _, diagnostics = scenario_impact()
    # globex's event falls outside every contract of the planned catalog: warned about once;
    # initech's, outside the applied catalog's contracts, is not news.
    assert [(d.code, str(d.range)) for d in diagnostics] == [
        ("W953", f"{EVENTS / 'usage.jsonl'}:4"),
    ]


def test_an_empty_state_has_no_old_totals():
    plan, diagnostics = scenario_impact(None, BEFORE)
    contracts = by_contract(plan.impact)
    assert {c: (v["old_total"], v["new_total"]) for c, v in contracts.items()} == {
        "acme_2026": (None, "150"),
        "globex_2026": (None, "150"),
    }
    assert plan.impact.to_json()["summary"]["old"]["unknown_customer"] == 5
    assert "W952" not in {d.code for d in diagnostics}  # every customer is unknown before: no news
    assert plan.impact.to_json()["totals"][0]["percent"] is None


def test_no_change_means_no_changed_invoice():
    plan, _ = scenario_impact(BEFORE, BEFORE)
    assert not plan.has_changes
    assert plan.impact.periods == 3 and plan.impact.periods_changed == 0
    assert "Invoice impact: $3.00 → $3.00 (no change) over 2 contracts" in render_text(plan)


def test_a_contract_whose_invoices_change_but_not_its_total_is_changed(tmp_path: Path):
    # Monthly -> quarterly: October's 50 moves from [Oct, Nov) to [Oct, Jan). Both invoices
    # change (-50, then new +50), the contract's total does not: it still changed.
    applied = compile_yaml(tmp_path / "applied", QUICKSTART_LIKE.replace("PRICE", "50"))
    quarterly = QUICKSTART_LIKE.replace("PRICE", "50").replace("MONTHLY", "QUARTERLY")
    desired = compile_yaml(tmp_path / "desired", quarterly)
    events = write_jsonl(
        tmp_path / "october.jsonl", [event("e1", "2026-10-03T00:00:00Z", tokens=1000000)]
    )
    impact, _ = invoice_impact(applied, desired, [events])
    (contract,) = impact.contracts
    assert (contract.old, contract.new, impact.periods_changed) == (50, 50, 2)
    assert contract.changed
    assert impact.to_json()["totals"][0]["contracts_changed"] == 1
    plan = replace(plan_between(None, QUICKSTART_LIKE.replace("PRICE", "50")), impact=impact)
    assert "Invoice impact: $0.50 → $0.50 ($0.00, 0.0%) over 1 contract" in render_text(plan)


def test_a_renamed_contract_is_compared_under_its_new_id():
    renamed = (
        edit(BEFORE, ("  acme_2026:\n", "  acme_main:\n"))
        + "moved:\n  - {from: contract.acme_2026, to: contract.acme_main}\n"
    )
    plan, _ = scenario_impact(BEFORE, renamed)
    contracts = by_contract(plan.impact)
    assert list(contracts) == ["acme_main", "globex_2026"]
    assert contracts["acme_main"]["old_total"] == contracts["acme_main"]["new_total"] == "150"


def test_renaming_what_contracts_and_rates_reference_changes_no_invoice():
    # The customer and the product are renamed; the contract and the rate follow them (and the
    # events still say `acme`: an alias now). Replayed under the applied catalog, acme's usage
    # is still acme's contract's, priced by the same rate.
    renamed = (
        edit(
            BEFORE,
            ("  acme:\n", "  acme_inc:\n    ingest_aliases: [acme]\n"),
            ("customer: acme\n", "customer: acme_inc\n"),
            ("  tokens:\n    name: Tokens (millions)", "  tokens_m:\n    name: Tokens (millions)"),
            ("      - product: tokens\n", "      - product: tokens_m\n"),
        )
        + "moved:\n"
        + "  - {from: customer.acme, to: customer.acme_inc}\n"
        + "  - {from: product.tokens, to: product.tokens_m}\n"
    )
    plan, _ = scenario_impact(BEFORE, renamed)
    assert plan.impact.periods_changed == 0
    assert by_contract(plan.impact)["acme_2026"]["old_total"] == "150"


def test_the_impact_does_not_depend_on_event_order(tmp_path: Path):
    lines = (EVENTS / "usage.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "b.jsonl").write_text("".join(reversed(lines[:3])))
    (tmp_path / "a.jsonl").write_text("".join(lines[3:]))
    plan = plan_between(BEFORE, AFTER, as_of=AS_OF_OCT_15)
    reordered, _ = with_impact(plan, [tmp_path])
    assert reordered.impact.contracts == scenario_impact()[0].impact.contracts


# --- the policy gate ----------------------------------------------------------------------------


def test_fail_on_increase_pct_refuses_a_larger_increase():
    # 50 -> 60 cents per million, edited before the rate starts (as of 2025-12-01): acme's
    # 150 -> 180 and globex's 150 -> 180 are +20% each.
    dearer = edit(BEFORE, ("price: 50", "price: 60"))
    before_it_starts = parse_timestamp("2025-12-01T00:00:00Z")

    def gated(percent: int):
        plan = plan_between(BEFORE, dearer, as_of=before_it_starts)
        return with_impact(plan, [EVENTS], fail_on_increase_pct=Decimal(percent))[0]

    strict = gated(10)
    assert strict.errored
    assert [(f.address, f.diagnostic.code) for f in strict.findings] == [
        ("contract.acme_2026", "E820"),
        ("contract.globex_2026", "E820"),
    ]
    assert strict.findings[0].diagnostic.summary == (
        "the invoices of contract.acme_2026 rise by +20.0%, more than the 10% allowed"
    )
    assert strict.findings[0].diagnostic.detail == "$1.50 → $1.80 (+$0.30) on the events replayed"
    assert not gated(20).errored  # +20% is not more than 20%


def test_the_gate_shows_a_percent_just_above_it_with_the_decimals_that_show_it():
    """50 -> 55.6 cents per million: acme's 150 -> 167 cents, +11.333...%. Against 11.3%
    allowed the message says +11.33% (at one decimal, +11.3% would not read as above 11.3%)."""
    dearer = edit(BEFORE, ("price: 50", "price: 55.6"))
    plan = plan_between(BEFORE, dearer, as_of=parse_timestamp("2025-12-01T00:00:00Z"))
    gated = with_impact(plan, [EVENTS], fail_on_increase_pct=Decimal("11.3"))[0]
    assert gated.findings[0].diagnostic.summary == (
        "the invoices of contract.acme_2026 rise by +11.33%, more than the 11.3% allowed"
    )


def test_invoices_that_were_free_and_are_not_any_more_trip_any_gate():
    """A free rate (price 0) becoming 50 cents: acme's invoices go from $0.00 to $1.50, a rise
    from nothing, which no percent allows (a new contract, with no old total, still never
    trips it)."""
    free = edit(BEFORE, ("price: 50", "price: 0"))
    plan = plan_between(free, BEFORE, as_of=parse_timestamp("2025-12-01T00:00:00Z"))
    gated = with_impact(plan, [EVENTS], fail_on_increase_pct=Decimal(1000))[0]
    assert gated.errored
    assert gated.findings[0].diagnostic.summary == (
        "the invoices of contract.acme_2026 rise from nothing, more than the 1000% allowed"
    )


def test_a_new_contract_never_trips_the_gate():
    plan, _ = scenario_impact(fail_on_increase_pct=Decimal(0))
    assert not plan.errored  # initech is new (no percent); the others fall


# --- bad input ----------------------------------------------------------------------------------


def test_standard_input_cannot_be_replayed_twice():
    catalog = compiled(BEFORE)
    with pytest.raises(BillingSpecError) as raised:
        invoice_impact(catalog, catalog, ["-"])
    assert raised.value.diagnostics[0].code == "E821"


def test_a_missing_events_path_is_an_error(tmp_path: Path):
    catalog = compiled(BEFORE)
    impact, diagnostics = invoice_impact(catalog, catalog, [tmp_path / "nope.jsonl"])
    assert impact is None
    assert [(d.code, d.summary) for d in diagnostics] == [
        ("E701", f"events path {tmp_path / 'nope.jsonl'} does not exist")
    ]


# --- saved plans and renderings -----------------------------------------------------------------


def test_a_saved_plan_keeps_its_impact(tmp_path: Path):
    plan, _ = scenario_impact()
    save_plan(plan, tmp_path / "p.plan")
    loaded = load_plan(tmp_path / "p.plan")
    assert loaded.impact == plan.impact
    for render in (render_json, render_markdown, render_text):
        assert render(loaded) == render(plan)


def test_a_saved_plan_of_format_1_0_reads_without_an_impact(tmp_path: Path):
    plan = plan_between(BEFORE, AFTER, as_of=AS_OF_OCT_15)
    save_plan(plan, tmp_path / "p.plan")
    envelope = json.loads((tmp_path / "p.plan").read_text())
    assert envelope["format_version"] == "1.1"
    assert envelope["body"]["plan"]["invoice_impact"] is None
    # a plan file of the earlier format has no `invoice_impact` key at all
    from billing_spec.compile import canonical_json, digest_of

    del envelope["body"]["plan"]["invoice_impact"]
    envelope["format_version"] = "1.0"
    envelope["checksum"] = digest_of(envelope["body"])
    (tmp_path / "old.plan").write_text(canonical_json(envelope))
    assert load_plan(tmp_path / "old.plan").impact is None


def test_without_impact_the_plan_json_says_null():
    plan = plan_between(BEFORE, AFTER, as_of=AS_OF_OCT_15)
    document = json.loads(render_json(plan))
    assert document["format_version"] == "1.1" and document["invoice_impact"] is None


def test_a_huge_impact_table_is_cut_to_fit_a_github_comment():
    plan, _ = scenario_impact()
    (acme, *_) = plan.impact.contracts
    many = tuple(
        replace(acme, customer=f"customer_{i:05d}", contract=f"contract_{i:05d}")
        for i in range(3000)
    )
    huge = replace(plan, impact=replace(plan.impact, contracts=many))
    comment = render_markdown(huge)
    assert len(comment) <= 65_536
    assert comment.count("</details>") == 2  # both folds closed
    assert "invoice impact rows shown. Run `billing show PLANFILE --format json`" in comment
    assert "Plan details" in comment
    assert comment == render_markdown(huge)
    assert len(render_markdown(huge, limit=5000)) <= 5000


def test_unchanged_invoices_fold_into_a_count():
    plan, _ = scenario_impact()
    text = render_text(plan)
    assert "  (1 unchanged invoice hidden)\n" in text  # acme's October
    assert "[2026-10-01, 2026-11-01)  $0.50" not in text


def test_the_plan_as_of_does_not_change_the_impact():
    early = with_impact(plan_between(BEFORE, AFTER, as_of=AS_OF_OCT_15), [EVENTS])[0]
    late = with_impact(plan_between(BEFORE, AFTER, as_of=AS_OF, allow_retroactive=True), [EVENTS])[
        0
    ]
    assert early.impact == late.impact


# --- contract terms in the impact -------------------------------------------------------------

WITH_CREDIT = QUICKSTART_LIKE.replace("PRICE", "50") + (
    "    credits:\n"
    "      - product: promo\n"
    "        access_schedule:\n"
    "          schedule_items:\n"
    "            - {amount: AMOUNT, starting_at: 2026-10-01T00:00:00Z,"
    " ending_before: 2027-01-01T00:00:00Z}\n"
    "        RATE_TYPE\n"
)
PROMO = "  promo:\n    name: Promo credit\n    type: FIXED\nrate_cards:"


def _credit_catalog(amount: int, rate_type: str = "") -> str:
    text = WITH_CREDIT.replace("AMOUNT", str(amount)).replace("rate_cards:", PROMO, 1)
    text = text.replace(  # a TIERED commit rate, which the evaluator does not price yet
        "        price: 50\n",
        "        price: 50\n        commit_rate:\n          rate_type: TIERED\n"
        "          tiers:\n            - {price: 40, size: 1}\n            - {price: 30}\n",
    )
    return text.replace(
        "        RATE_TYPE\n", f"        rate_type: {rate_type}\n" if rate_type else ""
    )


def _one_million(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "october.jsonl", [event("e1", "2026-10-05T00:00:00Z", tokens=10**6)]
    )


def test_a_bigger_credit_is_priced_in_the_impact(tmp_path: Path):
    """1M tokens at 50 cents = 50; a credit of 20 leaves 30 to pay, one of 40 leaves 10: the
    impact is 30 -> 10 (-20, -66.67%), and nothing is left out."""
    applied = compile_yaml(tmp_path / "applied", _credit_catalog(20))
    desired = compile_yaml(tmp_path / "desired", _credit_catalog(40))
    impact, diagnostics = invoice_impact(applied, desired, [_one_million(tmp_path)])
    assert diagnostics == []
    [total] = impact.to_json()["totals"]
    assert amounts(total) == ("30", "10", "-20", "-66.67")
    assert impact.to_json()["incomplete"] == []


def test_an_unpriced_term_makes_the_impact_say_it_is_incomplete(tmp_path: Path):
    """A COMMIT_RATE credit over a TIERED commit rate (not priced yet) on the desired side: the
    invoices carry a note, the impact JSON lists it under `incomplete`, the text lists it under
    the headline, and the markdown comment says the impact is incomplete."""
    applied = compile_yaml(tmp_path / "applied", _credit_catalog(20))
    desired = compile_yaml(tmp_path / "desired", _credit_catalog(20, "COMMIT_RATE"))
    impact, _ = invoice_impact(applied, desired, [_one_million(tmp_path)])
    [note] = impact.to_json()["incomplete"]
    assert note.startswith("contract acme_2026: not priced yet: TIERED commit rates of tokens")
    plan = replace(plan_between(None, QUICKSTART_LIKE.replace("PRICE", "50")), impact=impact)
    assert "incomplete, see below" in render_text(plan)
    assert note in render_text(plan)
    markdown = render_markdown(plan)
    assert "The impact is incomplete" in markdown and "TIERED commit rates" in markdown
    assert json.loads(render_json(plan))["invoice_impact"]["incomplete"] == [note]


# --- products, and changes the events do not reach (tests/fixtures/impact_products/) -----------

PRODUCTS = ROOT / "tests" / "fixtures" / "impact_products"
PRODUCTS_BEFORE = (PRODUCTS / "before" / "catalog.yaml").read_text()
PRODUCTS_AFTER = (PRODUCTS / "after" / "catalog.yaml").read_text()


def products_impact(after: str = PRODUCTS_AFTER, **options):
    plan = plan_between(PRODUCTS_BEFORE, after, as_of=AS_OF_OCT_15)
    impacted, diagnostics = with_impact(plan, [PRODUCTS / "events"], **options)
    assert impacted is not None, diagnostics
    return impacted


def test_each_contract_s_totals_per_product_and_presentation_group():
    """acme: atlas 50 -> 60 cents per million from November. Project alpha: October's 1M atlas
    (50) and 0.5M orion (100), November's 3M atlas (150 -> 180); beta: November's 1.5M atlas
    (75 -> 90). The $4.00 credit covers tokens only: October draws 150, November 225 of the 250
    left before, all 250 after (-375 -> -400). Seats: 2 × $30 a month, unchanged."""
    acme = by_contract(products_impact().impact)["acme_2026"]
    rows = {
        (
            p["product"],
            tuple(p["presentation_group_values"].items()),
            p["applied_commit_or_credit"],
        ): (
            p["old_total"],
            p["new_total"],
            p["delta"],
        )
        for p in acme["products"]
    }
    assert rows == {
        ("model_tokens", (("project", "alpha"),), False): ("300", "330", "30"),
        ("model_tokens", (("project", "beta"),), False): ("75", "90", "15"),
        ("seats", (), False): ("12000", "12000", "0"),
        ("promo_credit", (), True): ("-375", "-400", "-25"),
    }
    assert amounts(acme)[:3] == ("12000", "12020", "20")  # the products add up to the contract


def test_a_credit_absorbing_a_change_still_shows_it():
    # A $10 credit covers all of acme's tokens before and after ($3.75 -> $4.20): the invoices
    # do not move, the products do, and the contract counts as changed.
    generous = edit(PRODUCTS_AFTER, ("amount: 400,", "amount: 1000,"))
    before = edit(PRODUCTS_BEFORE, ("amount: 400,", "amount: 1000,"))
    plan = plan_between(before, generous, as_of=AS_OF_OCT_15)
    impacted, _ = with_impact(plan, [PRODUCTS / "events"])
    acme = next(c for c in impacted.impact.contracts if c.contract == "acme_2026")
    assert (acme.old, acme.new) == (12000, 12000)
    assert acme.changed and impacted.impact.periods_changed == 0
    text = render_text(impacted)
    assert "↳ promo_credit (commit or credit applied)  -$3.75 → -$4.20" in text
    assert "(no change" not in text


def test_changes_after_the_latest_event_are_noted_on_their_contracts():
    impact = products_impact().impact
    assert impact.latest_event == parse_timestamp("2026-11-30T09:00:00Z")
    # acme: orion's rate from 2027-01-01; globex: that rate and its override from 2027-01-01
    assert {c.contract: c.unreplayed_from for c in impact.unreplayed} == {
        "acme_2026": parse_timestamp("2027-01-01T00:00:00Z"),
        "globex_2026": parse_timestamp("2027-01-01T00:00:00Z"),
    }


def test_a_term_alone_after_the_events_is_noted():
    # only globex's override, from March 2027
    override = (
        "    overrides:\n      - product: model_tokens\n        starting_at: 2027-03-01T00:00:00Z\n"
        "        type: MULTIPLIER\n        multiplier: 0.9\n"
    )
    plan = plan_between(PRODUCTS_BEFORE, PRODUCTS_BEFORE + override, as_of=AS_OF_OCT_15)
    impacted, _ = with_impact(plan, [PRODUCTS / "events"])
    assert [(c.contract, c.unreplayed_from) for c in impacted.impact.unreplayed] == [
        ("globex_2026", parse_timestamp("2027-03-01T00:00:00Z"))
    ]
    assert "globex_2026: no events from 2027-03-01 on: replay with --as-of-period 2027-03" in (
        render_text(impacted)
    )
    assert "(no change on these events, see below)" in render_text(impacted)


def test_a_change_the_events_reach_has_no_note():
    # the scenario: the new November rate, with October and November events
    plan, _ = scenario_impact()
    assert plan.impact.unreplayed == ()
    assert "no events from" not in render_text(plan)


def test_a_saved_plan_keeps_products_and_notes(tmp_path: Path):
    from billing_spec.events import parse_period

    plan = products_impact(period=parse_period("2026-12"))
    save_plan(plan, tmp_path / "p.plan")
    loaded = load_plan(tmp_path / "p.plan")
    assert loaded.impact == plan.impact
    assert loaded.impact.as_of_period == "2026-12"
    for render in (render_json, render_markdown, render_text):
        assert render(loaded) == render(plan)
