"""Packages and rate-card aliases: resolution, expansion into the compiled contract, the rules
with a package, references, and plan/apply."""

from __future__ import annotations

import textwrap

from conftest import run_billing, write_files
from planning import AS_OF, compiled, edit, state_of

from billing_spec.catalog import validate_catalog
from billing_spec.compile import CompiledCatalog
from billing_spec.plan import make_plan

CATALOG = textwrap.dedent("""\
    version: 1
    billable_metrics:
      tokens:
        name: Tokens
        property_filters:
          - {name: tokens, exists: true}
        aggregation_type: SUM
        aggregation_key: tokens
    products:
      api:
        name: API tokens
        type: USAGE
        billable_metric: tokens
      seats:
        name: Seats
        type: SUBSCRIPTION
      free_credit:
        name: Free credit
        type: FIXED
    rate_cards:
      list_2026:
        name: List 2026
        aliases:
          - {name: self-serve, ending_before: 2026-07-01T00:00:00Z}
        rates:
          - {product: api, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT,
             price: 2}
          - product: seats
            starting_at: 2026-01-01T00:00:00Z
            entitled: true
            rate_type: FLAT
            price: 1000
            billing_frequency: MONTHLY
      list_h2:
        name: List from July
        aliases:
          - {name: self-serve, starting_at: 2026-07-01T00:00:00Z}
        rates:
          - {product: api, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT,
             price: 1}
          - product: seats
            starting_at: 2026-01-01T00:00:00Z
            entitled: true
            rate_type: FLAT
            price: 1000
            billing_frequency: MONTHLY
    PACKAGES
    customers:
      acme: {name: Acme}
      globex: {name: Globex}
    contracts:
    CONTRACTS
""")

PACKAGE = """\
packages:
  starter:
    name: Starter
    rate_card_alias: self-serve
    duration: {unit: YEARS, value: 1}
    usage_statement_schedule: {frequency: MONTHLY, day: CONTRACT_START}
    overrides:
      - product: api
        starting_at_offset: {unit: DAYS, value: 0}
        duration: {unit: MONTHS, value: 1}
        type: MULTIPLIER
        multiplier: 0.5
    credits:
      - product: free_credit
        access_schedule:
          schedule_items:
            - amount: 500
              starting_at_offset: {unit: WEEKS, value: 1}
              duration: {unit: DAYS, value: 10}
    scheduled_charges:
      - product: free_credit
        schedule:
          schedule_items:
            - {date_offset: {unit: MONTHS, value: 1}, amount: 0.01}
    subscriptions:
      - subscription_rate: {product: seats, billing_frequency: MONTHLY}
        initial_quantity: 1
        collection_schedule: ADVANCE
        duration: {unit: MONTHS, value: 6}
    net_payment_terms_days: 15
"""

ON_PACKAGE = """\
  acme_2026:
    customer: acme
    package: starter
    starting_at: 2026-01-31T00:00:00Z
"""

# What `acme_2026` is, written by hand.
BY_HAND = """\
  acme_2026:
    customer: acme
    rate_card_alias: self-serve
    starting_at: 2026-01-31T00:00:00Z
    ending_before: 2027-01-31T00:00:00Z
    usage_statement_schedule: {frequency: MONTHLY, day: CONTRACT_START}
    overrides:
      - product: api
        starting_at: 2026-01-31T00:00:00Z
        ending_before: 2026-02-28T00:00:00Z
        type: MULTIPLIER
        multiplier: 0.5
    credits:
      - product: free_credit
        access_schedule:
          schedule_items:
            - {amount: 500, starting_at: 2026-02-07T00:00:00Z, ending_before: 2026-02-17T00:00:00Z}
    scheduled_charges:
      - product: free_credit
        schedule:
          schedule_items:
            - {timestamp: 2026-02-28T00:00:00Z, amount: 0.01}
    subscriptions:
      - subscription_rate: {product: seats, billing_frequency: MONTHLY}
        initial_quantity: 1
        collection_schedule: ADVANCE
        ending_before: 2026-07-31T00:00:00Z
    net_payment_terms_days: 15
"""


def catalog(contracts: str, packages: str = PACKAGE) -> str:
    used = "free_credit" in packages or "free_credit" in contracts
    text = CATALOG.replace("PACKAGES\n", packages).replace("CONTRACTS\n", contracts)
    return (
        text
        if used
        else text.replace("  free_credit:\n    name: Free credit\n    type: FIXED\n", "")
    )


def contract(catalog_: CompiledCatalog, id_: str) -> dict:
    return catalog_.resources[f"contract.{id_}"].content


def test_the_compiled_contract_is_the_hand_written_one_plus_its_package():
    expanded = contract(compiled(catalog(ON_PACKAGE)), "acme_2026")
    by_hand = contract(compiled(catalog(BY_HAND, packages="")), "acme_2026")
    assert expanded == {**by_hand, "package": "starter"}


def test_every_offset_kind_and_month_clamping():
    content = contract(compiled(catalog(ON_PACKAGE)), "acme_2026")
    assert content["ending_before"] == "2027-01-31T00:00:00Z"  # YEARS
    assert content["overrides"][0]["ending_before"] == "2026-02-28T00:00:00Z"  # Jan 31 + 1 month
    item = content["credits"][0]["access_schedule"]["schedule_items"][0]
    assert (item["starting_at"], item["ending_before"]) == (  # WEEKS, then DAYS from there
        "2026-02-07T00:00:00Z",
        "2026-02-17T00:00:00Z",
    )
    assert content["scheduled_charges"][0]["schedule"]["schedule_items"][0]["timestamp"] == (
        "2026-02-28T00:00:00Z"
    )
    assert content["subscriptions"][0]["ending_before"] == "2026-07-31T00:00:00Z"


def test_the_contract_depends_on_its_package_and_resolved_card():
    depends_on = compiled(catalog(ON_PACKAGE)).resources["contract.acme_2026"].depends_on
    assert "package.starter" in depends_on and "rate_card.list_2026" in depends_on
    assert depends_on.index("rate_card.list_2026") < depends_on.index("package.starter")


def test_an_alias_resolves_at_the_contract_start_and_a_later_entry_moves_new_contracts_only():
    contracts = """\
  acme_2026:
    customer: acme
    rate_card_alias: self-serve
    starting_at: 2026-01-01T00:00:00Z
    ending_before: 2026-07-01T00:00:00Z
  globex_2026:
    customer: globex
    rate_card_alias: self-serve
    starting_at: 2026-07-01T00:00:00Z
"""
    built = compiled(catalog(contracts, packages=""))
    assert contract(built, "acme_2026")["rate_card"] == "list_2026"
    assert contract(built, "globex_2026")["rate_card"] == "list_h2"
    assert contract(built, "globex_2026")["rate_card_alias"] == "self-serve"
    # Moving the alias later leaves acme on its card and moves nothing applied.
    moved = edit(
        catalog(contracts, packages=""),
        ("ending_before: 2026-07-01T00:00:00Z}", "ending_before: 2026-08-01T00:00:00Z}"),
        ("starting_at: 2026-07-01T00:00:00Z}", "starting_at: 2026-08-01T00:00:00Z}"),
        ("  globex_2026:", "  globex_2026:\n    name: Globex"),
        ("starting_at: 2026-07-01T00:00:00Z\n", "starting_at: 2026-08-01T00:00:00Z\n"),
    )
    later = compiled(moved)
    assert contract(later, "acme_2026")["rate_card"] == "list_2026"
    assert contract(later, "globex_2026")["rate_card"] == "list_h2"


def test_a_package_alias_resolves_per_contract():
    contracts = ON_PACKAGE + (
        "  globex_2026:\n    customer: globex\n    package: starter\n"
        "    starting_at: 2026-09-01T00:00:00Z\n"
    )
    built = compiled(catalog(contracts))
    assert contract(built, "acme_2026")["rate_card"] == "list_2026"
    assert contract(built, "globex_2026")["rate_card"] == "list_h2"


def codes(tmp_path, text: str) -> list[tuple[str, int]]:
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    _, diagnostics = validate_catalog(tmp_path)
    return [(d.code, d.range.start.line if d.range else 0) for d in diagnostics]


def test_contract_fields_a_package_provides_are_refused_by_name(tmp_path):
    text = catalog(ON_PACKAGE + "    net_payment_terms_days: 30\n    rate_card: list_h2\n")
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    _, diagnostics = validate_catalog(tmp_path)
    summaries = sorted(d.summary for d in diagnostics if d.code == "E629")
    assert summaries == [
        "`net_payment_terms_days` is not allowed on a contract with a package",
        "`rate_card` is not allowed on a contract with a package",
    ]


def test_a_dangling_package_reference(tmp_path):
    text = catalog(ON_PACKAGE.replace("package: starter", "package: startr"))
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    _, diagnostics = validate_catalog(tmp_path)
    [problem] = [d for d in diagnostics if d.code == "E201"]
    assert problem.summary == "package 'startr' is not defined"
    assert problem.hint == "did you mean 'starter'?"


def test_a_package_term_mistake_is_reported_at_the_package_naming_the_contract(tmp_path):
    text = catalog(ON_PACKAGE, PACKAGE.replace("multiplier: 0.5", "multiplier: -1"))
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    _, diagnostics = validate_catalog(tmp_path)
    [problem] = [d for d in diagnostics if d.code == "E606"]
    line = text.splitlines()[problem.range.start.line - 1]
    assert line.strip() == "multiplier: -1"
    assert "contract.acme_2026 gets this from package 'starter'" in problem.detail


def test_deleting_a_package_a_contract_uses_is_refused(tmp_path):
    applied = compiled(catalog(ON_PACKAGE))
    # The catalog refuses it first: the contract's `package:` no longer resolves (E201) ...
    assert "E201" in [c for c, _ in codes(tmp_path, catalog(ON_PACKAGE, ""))]
    # ... and the plan does too, from the contract's depends_on (E812).
    desired = CompiledCatalog.from_resources(
        r for a, r in applied.resources.items() if a != "package.starter"
    )
    plan = make_plan(desired, state_of(applied), as_of=AS_OF)
    assert [f.diagnostic.code for f in plan.findings] == ["E812"]
    assert "contract.acme_2026" in plan.findings[0].diagnostic.summary


def test_a_package_change_updates_the_contracts_using_it():
    before = compiled(catalog(ON_PACKAGE))
    after = compiled(
        catalog(
            ON_PACKAGE, PACKAGE.replace("net_payment_terms_days: 15", "net_payment_terms_days: 30")
        )
    )
    plan = make_plan(after, state_of(before), as_of=AS_OF)
    changed = sorted(c.address for c in plan.changes if c.action.value != "no-op")
    assert changed == ["contract.acme_2026", "package.starter"]


def test_plan_apply_plan_is_idempotent(tmp_path):
    work = write_files(tmp_path, {"catalog/catalog.yaml": catalog(ON_PACKAGE)})
    first = run_billing("plan", "catalog", "--detailed-exitcode", cwd=work)
    assert first.code == 2, first.output
    assert "package.starter" in first.stdout
    applied = run_billing("apply", "catalog", "--auto-approve", cwd=work)
    assert applied.code == 0, applied.output
    again = run_billing("plan", "catalog", "--detailed-exitcode", cwd=work)
    assert again.code == 0, again.output
