"""Rendering plans: pull-request comments stay under GitHub's limit; colour is opt-in."""

from __future__ import annotations

from planning import AS_OF, BASE, compiled, edit, plan_between

from billing_spec.plan import make_plan
from billing_spec.plan.render_markdown import MAX_CHARS, render_markdown
from billing_spec.plan.render_text import render_text
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
