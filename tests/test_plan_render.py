"""Rendering plans: pull-request comments stay under GitHub's limit; colour is opt-in."""

from __future__ import annotations

from planning import AS_OF, BASE, compiled, edit, plan_between

from billing_spec.plan import make_plan
from billing_spec.plan.model import Action, ResourceChange
from billing_spec.plan.render_json import render_json
from billing_spec.plan.render_markdown import MAX_CHARS, render_markdown
from billing_spec.plan.render_text import Style, change_block, render_text
from billing_spec.state import State


def many_customers(count: int) -> str:
    body = "".join(
        f"  customer_{i:05d}:\n    name: Customer number {i}\n    ingest_aliases: [c{i}]\n"
        for i in range(count)
    )
    return f"version: 1\ncustomers:\n{body}"


def test_a_huge_plan_is_truncated_to_fit_a_github_comment_with_a_note():
    plan = make_plan(compiled(many_customers(3000)), State(), as_of=AS_OF)
    comment = render_markdown(plan)
    assert len(comment) <= MAX_CHARS
    assert comment.startswith("### Plan: 3000 to add, 0 to change, 0 to destroy.\n")
    assert "**Create (3000):** `customer.customer_00000`" in comment
    assert ", … and 2950 more" in comment  # the address list is capped too
    assert comment.endswith("Run `billing show PLANFILE` for the whole plan._\n")
    assert "```\n\n</details>\n" in comment  # the fence and the details are closed
    assert comment == render_markdown(plan)  # byte-stable


def test_a_long_move_list_is_capped_with_a_count_like_the_others():
    before = many_customers(60)
    after = (
        before.replace("customer_", "client_")
        + "moved:\n"
        + "".join(
            f"  - {{from: customer.customer_{i:05d}, to: customer.client_{i:05d}}}\n"
            for i in range(60)
        )
    )
    comment = render_markdown(plan_between(before, after))
    assert "**Move (60):** `customer.customer_00000` → `customer.client_00000`" in comment
    assert "`customer.customer_00050`" not in comment.split("<details>")[0]
    assert ", … and 10 more" in comment.split("<details>")[0]


def test_very_long_ids_cannot_push_the_comment_past_the_limit():
    """IDs have no length limit. Deleting 60 customers with 1,000-character IDs lists 50 of
    them in the warning banner and 50 again under "Delete": a summary of 100,000 characters
    on its own, cut at a line boundary like the diff."""
    body = "".join(f"  c{i:02d}{'x' * 1000}:\n    name: C{i}\n" for i in range(60))
    plan = plan_between(f"version: 1\ncustomers:\n{body}", "version: 1\n")
    comment = render_markdown(plan)
    assert len(comment) <= MAX_CHARS
    assert comment.startswith("### Plan: 0 to add, 0 to change, 60 to destroy.\n")
    assert "_Summary truncated to fit a GitHub comment." in comment
    assert comment.endswith("Run `billing show PLANFILE` for the whole plan._\n")


def test_a_plan_that_fits_is_not_truncated():
    comment = render_markdown(plan_between(None, BASE))
    assert "Truncated" not in comment and comment.endswith("</details>\n")


def test_a_tight_limit_is_honoured():
    plan = plan_between(None, BASE)
    assert len(render_markdown(plan, limit=2000)) <= 2000


def test_colour_marks_symbols_only_when_asked():
    plan = plan_between(BASE, edit(BASE, ("name: Acme\n", "name: Acme Inc.\n")))
    assert "\x1b[" not in render_text(plan)
    coloured = render_text(plan, color=True)
    assert "\x1b[33m~\x1b[0m customer" in coloured
    assert coloured.replace("\x1b[33m", "").replace("\x1b[1m", "").replace(
        "\x1b[0m", ""
    ) == render_text(plan)


# --- money: amounts in a credit type's base unit carry their major unit ---------------------

NEW_RATE = """\
price: 50
      - product: model_tokens
        pricing_group_values: {model: atlas}
        starting_at: 2027-01-01T00:00:00Z
        entitled: true
        rate_type: FLAT
        price: 2500
"""


def body(type_: str, before: dict | None, after: dict | None) -> str:
    """One resource's block in the text plan, for content that need not be a valid catalog."""
    if before is None:
        action = Action.CREATE
    elif after is None:
        action = Action.DELETE
    else:
        action = Action.UPDATE
    change = ResourceChange(f"{type_}.x", type_, "x", action, before, after)
    return "\n".join(change_block(change, plan_between(BASE, BASE), Style(False)))


def rate(**fields) -> dict:
    return {
        "product": "p",
        "starting_at": "2026-01-01T00:00:00Z",
        "entitled": True,
        **fields,
    }


def card(*rates: dict, **fields) -> dict:
    return {"name": "List", "fiat_credit_type": "USD", "rates": list(rates), **fields}


def test_a_new_price_shows_its_major_unit():
    text = render_text(plan_between(BASE, edit(BASE, ("price: 50\n", NEW_RATE))))
    assert '+ price                = "2500"  # $25.00\n' in text
    assert 'credit_type          = "USD"\n' in text  # other fields get no comment


def test_a_changed_price_shows_both_sides():
    plan = plan_between(BASE, edit(BASE, ("price: 50", "price: 45")), allow_retroactive=True)
    assert '~ price                = "50" -> "45"  # $0.50 -> $0.45\n' in render_text(plan)


def test_the_markdown_diff_shows_the_major_unit_and_the_json_plan_stays_raw():
    plan = plan_between(BASE, edit(BASE, ("price: 50\n", NEW_RATE)))
    assert '+               price                = "2500"  # $25.00\n' in render_markdown(plan)
    assert "$25.00" not in render_json(plan)


def test_a_destroyed_price_shows_its_major_unit():
    text = body("rate_card", card(rate(rate_type="FLAT", price="3000", credit_type="USD")), None)
    assert '- price       = "3000" -> null  # $30.00' in text


def test_a_percentage_rates_price_is_a_percent():
    text = body("rate_card", None, card(rate(rate_type="PERCENTAGE", price="0.1")))
    assert '+ price       = "0.1"  # 10%' in text


def test_tier_prices_and_flat_prices_in_a_custom_credit_type():
    tiers = [{"size": "1000", "price": "10", "flat_price": "500"}, {"price": "2.5"}]
    text = body("rate_card", None, card(rate(rate_type="TIERED", credit_type="gpu", tiers=tiers)))
    assert '+ flat_price = "500"  # 500 gpu' in text
    assert '+ price      = "10"  # 10 gpu' in text
    assert '+ price = "2.5"  # 2.5 gpu' in text
    assert '+ size       = "1000",' not in text and '+ size       = "1000"\n' in text + "\n"


def test_a_rate_without_credit_type_is_in_the_cards_fiat_credit_type():
    text = body(
        "rate_card", None, card(rate(rate_type="FLAT", price="150"), fiat_credit_type="eur")
    )
    assert '+ price       = "150"  # 150 eur' in text


def test_a_change_of_credit_type_shows_each_side_in_its_own():
    before = card(rate(rate_type="FLAT", price="50", credit_type="USD"))
    after = card(rate(rate_type="FLAT", price="60", credit_type="gpu"))
    assert '~ price       = "50" -> "60"  # $0.50 -> 60 gpu' in body("rate_card", before, after)


def test_a_commit_rate_and_a_conversion_are_money():
    commit_rate = {"rate_type": "TIERED", "tiers": [{"size": "10", "price": "40"}, {"price": "30"}]}
    before = card(
        rate(rate_type="FLAT", price="50", credit_type="USD", commit_rate=commit_rate),
        credit_type_conversions=[{"custom_credit_type": "gpu", "fiat_per_custom_credit": "250"}],
    )
    after = card(
        rate(rate_type="FLAT", price="50", credit_type="USD", commit_rate=commit_rate),
        credit_type_conversions=[{"custom_credit_type": "gpu", "fiat_per_custom_credit": "300"}],
    )
    assert '~ fiat_per_custom_credit = "250" -> "300"  # $2.50 -> $3.00' in body(
        "rate_card", before, after
    )
    created = body("rate_card", None, before)
    assert '+ price = "40"  # $0.40' in created and '+ price = "30"  # $0.30' in created


def contract(**fields) -> dict:
    return {
        "customer": "acme",
        "rate_card": "list",
        "starting_at": "2026-10-01T00:00:00Z",
        **fields,
    }


def test_a_contracts_override_commit_and_credit_amounts():
    overrides = [
        {"type": "OVERWRITE", "overwrite_rate": {"rate_type": "FLAT", "price": "40"}},
        {"type": "MULTIPLIER", "multiplier": "0.9"},
    ]
    access = {"credit_type": "gpu", "schedule_items": [{"amount": "7", "starting_at": "a"}]}
    invoice = {"schedule_items": [{"timestamp": "t", "unit_price": "100000", "quantity": "2"}]}
    commits = [{"product": "c", "access_schedule": access, "invoice_schedule": invoice}]
    credits = [{"product": "c", "access_schedule": {"schedule_items": [{"amount": "300"}]}}]
    text = body("contract", None, contract(overrides=overrides, commits=commits, credits=credits))
    assert '+ price     = "40"  # $0.40' in text
    assert '+ multiplier = "0.9"\n' in text  # a multiplier is not money
    assert '+ amount      = "7"  # 7 gpu' in text
    assert '+ unit_price = "100000"  # $1,000.00' in text
    assert '+ quantity   = "2"\n' in text
    assert '+ amount = "300"  # $3.00' in text


def test_scheduled_charges_and_recurring_amounts_show_both_sides_of_a_change():
    def terms(amount: str, unit_price: str) -> dict:
        recurring = {"amount_distribution": "DIVIDED", "amount": amount}
        return contract(
            scheduled_charges=[
                {
                    "product": "c",
                    "schedule": {"credit_type": "USD", "recurring_schedule": recurring},
                }
            ],
            recurring_commits=[
                {
                    "product": "c",
                    "access_amount": {"unit_price": unit_price, "quantity": "1"},
                    "invoice_amount": {"unit_price": unit_price, "quantity": "1"},
                }
            ],
        )

    text = body("contract", terms("1000", "500"), terms("1200", "600"))
    assert '~ amount = "1000" -> "1200"  # $10.00 -> $12.00' in text
    assert text.count('~ unit_price = "500" -> "600"  # $5.00 -> $6.00') == 2
