"""The credits-and-commits burn-down (`evaluate.balances`), Metronome's rules.

metronome-contracts.md 1.6 (eligibility) and 1.7 (burn-down and line order). Amounts are cents.
In the tie-break tests the grant that should lose is listed first, with the smaller `order` and
the id that sorts first, so the test fails if the level under test stops deciding.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_spec.evaluate.balances import (
    Application,
    Charge,
    Grant,
    GrantSpecifier,
    burn_down,
    eligible,
)

D = Decimal
JAN, FEB, MAR, APR = (datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3, 4))
PRODUCTS = {
    "a": frozenset({"x"}),
    "b": frozenset({"x", "y"}),
    "c": frozenset({"z"}),
    "seat": frozenset(),
    "bundle": frozenset(),
}


def grant(id="g", amount="1000", **fields) -> Grant:
    values = dict(type="PREPAID", product="commit", name=id, credit_type="USD")
    values |= dict(starting_at=JAN, ending_before=APR)
    return Grant(id=id, amount=D(amount), **(values | fields))


def charge(id="line", amount="100", **fields) -> Charge:
    values = dict(kind="usage", product="a", name=str(id), credit_type="USD", unit_price=None)
    values |= dict(product_tags=PRODUCTS.get(fields.get("product", "a"), frozenset()))
    values |= dict(pricing_group_values={}, presentation_group_values={})
    values |= dict(starting_at=JAN, ending_before=FEB)
    return Charge(id=id, amount=D(amount), **(values | fields))


def drawn(result, charge_id) -> list[tuple[str, Decimal]]:
    """A charge's applications as (grant id, amount)."""
    return [(a.grant.id, a.amount) for a in result.applied.get(charge_id, ())]


def first_grant(*grants: Grant, products=PRODUCTS, line=None) -> str:
    """Which grant a 100-cent usage line draws, each grant holding 1000."""
    result = burn_down([[line or charge()]], grants, products)
    return drawn(result, "line")[0][0]


# --- eligibility (1.6) ---------------------------------------------------------------------


def test_window_must_contain_the_whole_line():
    """Grant window [Feb 1, Mar 1). A February line draws 100; a line from Jan 15 (starts
    before) and one to Mar 15 (ends after) draw nothing; a line ending exactly at Mar 1 is in."""
    g = grant(starting_at=FEB, ending_before=MAR)
    mid_jan, mid_mar = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
    lines = [
        charge("feb", starting_at=FEB, ending_before=MAR),
        charge("early", starting_at=mid_jan, ending_before=MAR),
        charge("late", starting_at=FEB, ending_before=mid_mar),
    ]
    result = burn_down([lines], [g], PRODUCTS)
    assert drawn(result, "feb") == [("g", 100)]
    assert "early" not in result.applied and "late" not in result.applied
    assert result.remaining == {"g": 900}


def test_credit_type_must_match():
    """A grant in a custom credit type 'tokens' is not drawn by a USD line: remaining 1000."""
    result = burn_down([[charge()]], [grant(credit_type="tokens")], PRODUCTS)
    assert result.applied == {} and result.remaining == {"g": 1000}


def test_applicable_products_by_id():
    """applicable_products {a}: the line on a draws 100, the line on c nothing."""
    g = grant(applicable_products=frozenset({"a"}))
    result = burn_down([[charge("on_a"), charge("on_c", product="c")]], [g], PRODUCTS)
    assert drawn(result, "on_a") == [("g", 100)] and "on_c" not in result.applied


def test_applicable_tags_any_of_or_listed_product():
    """applicable_products {c} + applicable_product_tags {y, w}: b carries y (one of them is
    enough), c is listed without any tag, a carries only x: b and c draw 100 each, a nothing."""
    g = grant(applicable_products=frozenset({"c"}), applicable_product_tags=frozenset({"y", "w"}))
    lines = [charge(p, product=p) for p in ("a", "b", "c")]
    result = burn_down([lines], [g], PRODUCTS)
    assert drawn(result, "b") == [("g", 100)] and drawn(result, "c") == [("g", 100)]
    assert "a" not in result.applied


def test_specifiers_fields_and_specifiers_or():
    """Specifiers (product a AND region us) OR (product c): a/us and c/eu draw; a/eu fails the
    AND, b/us matches neither."""
    g = grant(
        specifiers=(
            GrantSpecifier(product="a", pricing_group_values={"region": "us"}),
            GrantSpecifier(product="c"),
        )
    )
    lines = [
        charge("a_us", pricing_group_values={"region": "us"}),
        charge("a_eu", pricing_group_values={"region": "eu"}),
        charge("c_eu", product="c", pricing_group_values={"region": "eu"}),
        charge("b_us", product="b", pricing_group_values={"region": "us"}),
    ]
    result = burn_down([lines], [g], PRODUCTS)
    assert set(result.applied) == {"a_us", "c_eu"}


def test_group_values_are_a_subset_match():
    """Presentation values {user: u1} match a line with {user: u1, team: t}; not {user: u2},
    not a line without the key, not a null value."""
    g = grant(specifiers=(GrantSpecifier(presentation_group_values={"user": "u1"}),))
    lines = [
        charge("more", presentation_group_values={"user": "u1", "team": "t"}),
        charge("other", presentation_group_values={"user": "u2"}),
        charge("missing", presentation_group_values={"team": "t"}),
        charge("null", presentation_group_values={"user": None}),
    ]
    assert set(burn_down([lines], [g], PRODUCTS).applied) == {"more"}


def test_specifier_product_tags_need_all():
    """Specifier product_tags {x, y}: b carries x and y and draws; a carries only x."""
    g = grant(specifiers=(GrantSpecifier(product_tags=frozenset({"x", "y"})),))
    result = burn_down([[charge("a"), charge("b", product="b")]], [g], PRODUCTS)
    assert set(result.applied) == {"b"}


@pytest.mark.parametrize("kind", ["subscription", "composite"])
@pytest.mark.parametrize("field", ["pricing_group_values", "presentation_group_values"])
def test_specifier_group_values_never_match_subscription_or_composite(kind, field):
    """A specifier with group values {plan: pro} skips a subscription or composite line even with
    those very values; the same line draws from a product-only specifier, and a usage line with
    the values draws (so it is the group values that exclude it)."""
    values = {field: {"plan": "pro"}}
    with_groups = grant("groups", specifiers=(GrantSpecifier(product="seat", **values),))
    product_only = grant("plain", specifiers=(GrantSpecifier(product="seat"),))
    line = charge(kind=kind, product="seat", **values)
    usage = charge(kind="usage", product="seat", **values)
    assert not eligible(line, with_groups)
    assert eligible(line, product_only)
    assert eligible(usage, with_groups)


def test_no_applicability_takes_every_kind():
    """No applicable products, tags or specifiers: usage, subscription and composite lines on
    three different products each draw 100 of 1000: remaining 700."""
    lines = [
        charge("u", product="c"),
        charge("s", kind="subscription", product="seat"),
        charge("k", kind="composite", product="bundle"),
    ]
    result = burn_down([lines], [grant()], PRODUCTS)
    assert set(result.applied) == {"u", "s", "k"} and result.remaining == {"g": 700}


@pytest.mark.parametrize("amount", ["0", "-250"])
def test_zero_and_negative_lines_are_never_drawn(amount):
    """A line of 0 or -250 (a credit line) draws nothing: remaining stays 1000."""
    assert not eligible(charge(amount=amount), grant())
    result = burn_down([[charge(amount=amount)]], [grant()], PRODUCTS)
    assert result.applied == {} and result.remaining == {"g": 1000} and result.statements == ({},)


# --- grant order (1.7.1-1.7.3) -------------------------------------------------------------


def test_type_over_priority_postpaid_last():
    """POSTPAID priority 1 vs CREDIT priority 5: type wins, the credit is drawn first."""
    post = grant("a_post", type="POSTPAID", priority=D(1))
    credit = grant("b_credit", type="CREDIT", priority=D(5), order=1)
    assert first_grant(post, credit) == "b_credit"


def test_rollover_before_prepaid_whatever_the_priority():
    """A rollover commit with priority 9 before a prepaid commit with priority 1."""
    prepaid = grant("a_prepaid", priority=D(1))
    rolled = grant("b_rolled", priority=D(9), rollover=True, order=1)
    assert first_grant(prepaid, rolled) == "b_rolled"


def test_postpaid_rollover_before_prepaid_rollover():
    """Among rollover commits, postpaid first (1.7.3), even with a worse priority."""
    prepaid = grant("a_prepaid", rollover=True, priority=D(1))
    postpaid = grant("b_postpaid", type="POSTPAID", rollover=True, priority=D(9), order=1)
    assert first_grant(prepaid, postpaid) == "b_postpaid"


def test_prepaid_and_credit_are_one_pool():
    """PREPAID priority 2 vs CREDIT priority 1: one pool, so priority decides: the credit."""
    prepaid = grant("a_prepaid", priority=D(2))
    credit = grant("b_credit", type="CREDIT", priority=D(1), order=1)
    assert first_grant(prepaid, credit) == "b_credit"


def test_priority_lower_first_none_last():
    """Priority 2 vs 1.5: 1.5 first. Priority none vs 100: 100 first."""
    assert first_grant(grant("a", priority=D(2)), grant("b", priority=D("1.5"), order=1)) == "b"
    assert first_grant(grant("a"), grant("b", priority=D(100), order=1)) == "b"


def test_cost_basis_free_first():
    """Same type and priority 1: the free commit (no invoice schedule) before the paid one."""
    paid = grant("a_paid", priority=D(1))
    free = grant("b_free", priority=D(1), free=True, order=1)
    assert first_grant(paid, free) == "b_free"


def test_cost_basis_is_no_level_among_rollovers():
    """Rollover commits skip cost basis (1.7.3): a paid one applying to product a only (1 of 5
    products) before a free one applying to all 5."""
    paid_narrow = grant("b_paid", rollover=True, applicable_products=frozenset({"a"}), order=1)
    free_wide = grant("a_free", rollover=True, free=True)
    assert first_grant(free_wide, paid_narrow) == "b_paid"


def test_fewest_applicable_products_first():
    """Both free, priority 1. Tags {x} reach a and b (2 products); products {a} reach 1: the
    latter first. No applicability reaches all 5 products: after tags {x}."""
    by_tag = grant("a_tag", free=True, priority=D(1), applicable_product_tags=frozenset({"x"}))
    by_id = grant("b_id", free=True, priority=D(1), applicable_products=frozenset({"a"}), order=1)
    everything = grant("a_all", free=True, priority=D(1))
    assert first_grant(by_tag, by_id) == "b_id"
    tag_later = grant(
        "b_tag", free=True, priority=D(1), applicable_product_tags=frozenset({"x"}), order=1
    )
    assert first_grant(everything, tag_later) == "b_tag"


def test_specifier_product_count_uses_products_and_tags():
    """Specifiers count products by product and tags: product_tags {x, y} reaches only b (1
    product); specifiers for b or c reach 2. A line on b is eligible for both: the 1 first."""
    two = grant("a_two", specifiers=(GrantSpecifier(product="b"), GrantSpecifier(product="c")))
    one = grant("b_one", specifiers=(GrantSpecifier(product_tags=frozenset({"x", "y"})),), order=1)
    assert first_grant(two, one, line=charge("line", product="b")) == "b_one"


def test_fewest_group_value_specifiers_first():
    """Both reach product a only (1 product). Specifiers carrying group values: 2 (us, eu) vs 1
    (us): the one with 1 first for an a/us line."""
    us = GrantSpecifier(product="a", pricing_group_values={"region": "us"})
    eu = GrantSpecifier(product="a", presentation_group_values={"region": "eu"})
    two = grant("a_two", specifiers=(us, eu))
    one = grant("b_one", specifiers=(us,), order=1)
    line = charge("line", pricing_group_values={"region": "us"})
    assert first_grant(two, one, line=line) == "b_one"


def test_earlier_ending_before_first():
    """Equal up to here: the grant ending Mar 1 before the one ending Apr 1, though that one
    starts earlier (Dec 1, 2025): the end decides before the start."""
    dec = datetime(2025, 12, 1, tzinfo=UTC)
    later = grant("a_apr", starting_at=dec)
    assert first_grant(later, grant("b_mar", ending_before=MAR, order=1)) == "b_mar"


def test_earlier_starting_at_first():
    """Equal up to here, same end Apr 1: the grant starting Dec 1, 2025 before the one starting
    Jan 1, 2026."""
    dec = datetime(2025, 12, 1, tzinfo=UTC)
    assert first_grant(grant("a_jan"), grant("b_dec", starting_at=dec, order=1)) == "b_dec"


def test_caller_order_then_id():
    """Tied on every Metronome level: the smaller `order` first; same order: the smaller id."""
    assert first_grant(grant("a", order=2), grant("b", order=1)) == "b"
    assert first_grant(grant("b"), grant("a")) == "a"


# --- line order (1.7.4) ----------------------------------------------------------------------


def test_usage_then_subscription_then_composite():
    """A 150 grant, three 100 lines listed composite, subscription, usage: usage 100,
    subscription 50, composite nothing."""
    lines = [
        charge("k", kind="composite", product="bundle"),
        charge("s", kind="subscription", product="seat"),
        charge("u"),
    ]
    result = burn_down([lines], [grant(amount="150")], PRODUCTS)
    assert drawn(result, "u") == [("g", 100)] and drawn(result, "s") == [("g", 50)]
    assert "k" not in result.applied


def test_earlier_line_start_first():
    """Two usage lines of 100 in a 100 grant, listed Feb then Jan: the January line draws."""
    lines = [charge("feb", starting_at=FEB, ending_before=MAR), charge("jan")]
    assert set(burn_down([lines], [grant(amount="100")], PRODUCTS).applied) == {"jan"}


def test_higher_unit_price_first_tiered_as_zero():
    """Same start: unit price 5 before 2. A tiered line (no unit price, ranks 0) after 0.01,
    and tied with price 0, so the name decides: 'Alpha' (tiered) before 'Beta' (price 0)."""
    one = grant(amount="100")
    cheap, dear = charge("cheap", unit_price=D(2)), charge("dear", unit_price=D(5))
    assert set(burn_down([[cheap, dear]], [one], PRODUCTS).applied) == {"dear"}
    tiered, cent = charge("tiered"), charge("cent", unit_price=D("0.01"))
    assert set(burn_down([[tiered, cent]], [one], PRODUCTS).applied) == {"cent"}
    zero, tiered = charge("zero", name="Beta", unit_price=D(0)), charge("tiered", name="Alpha")
    assert set(burn_down([[zero, tiered]], [one], PRODUCTS).applied) == {"tiered"}  # a tie: name


def test_name_a_to_z_then_input_order():
    """Equal kind, start and price: 'Alpha' before 'Beta' (listed second). Same name too: the
    line listed first (id 2 before id 1)."""
    one = grant(amount="100")
    beta, alpha = charge("b", name="Beta"), charge("a", name="Alpha")
    assert set(burn_down([[beta, alpha]], [one], PRODUCTS).applied) == {"a"}
    first, second = charge(2, name="Same"), charge(1, name="Same")
    assert set(burn_down([[first, second]], [one], PRODUCTS).applied) == {2}


# --- across invoices, statements, remaining ----------------------------------------------------


def test_carry_over_then_expiry():
    """Grant 1000 for [Jan 1, Mar 1). January: two lines 200 + 100 => (300, 700). February: 200
    => (200, 500). March: 400 draws nothing, the grant expired => empty statement; 500 remain."""
    g = grant(ending_before=MAR)
    jan = [charge("j1", amount="200"), charge("j2")]
    feb = [charge("f", amount="200", starting_at=FEB, ending_before=MAR)]
    mar = [charge("m", amount="400", starting_at=MAR, ending_before=APR)]
    result = burn_down([jan, feb, mar], [g], PRODUCTS)
    assert result.statements == ({"g": (300, 700)}, {"g": (200, 500)}, {})
    assert result.remaining == {"g": 500} and "m" not in result.applied


def test_line_spills_into_the_next_grant():
    """Line 250; prepaid p1 (priority 1) holds 100, p2 (priority 2) 1000: p1 100 then p2 150.
    Statement: p1 (100, 0), p2 (150, 850); an untouched credit in EUR is in `remaining` only."""
    grants = [grant("p2", priority=D(2)), grant("p1", "100", priority=D(1))]
    grants.append(grant("eur", credit_type="EUR"))
    result = burn_down([[charge(amount="250")]], grants, PRODUCTS)
    assert drawn(result, "line") == [("p1", 100), ("p2", 150)]
    assert result.statements == ({"p1": (100, 0), "p2": (150, 850)},)
    assert result.remaining == {"p2": 850, "p1": 0, "eur": 1000}


def test_metronome_example_prepaid_then_postpaid():
    """D-CC: $500 usage, $400 prepaid + $400 postpaid: prepaid 40000 drawn (0 left), postpaid
    counts the other 50000 - 40000 = 10000 (30000 left)."""
    post = grant("postpaid", "40000", type="POSTPAID")
    pre = grant("prepaid", "40000")
    result = burn_down([[charge(amount="50000")]], [post, pre], PRODUCTS)
    assert result.applied == {"line": (Application(pre, D(40000)), Application(post, D(10000)))}
    assert result.remaining == {"prepaid": 0, "postpaid": 30000}


def test_amounts_are_exact():
    """A line of 1234.5678901234567890123456789012345 cents (35 digits, more than Decimal's
    default 28) from a 10^10 grant: remaining is 9999998765.4321098765432109876543210987655."""
    amount = "1234.5678901234567890123456789012345"
    result = burn_down([[charge(amount=amount)]], [grant(amount="10000000000")], PRODUCTS)
    assert drawn(result, "line") == [("g", D(amount))]
    assert result.remaining["g"] == D("9999998765.4321098765432109876543210987655")


def test_refuses_what_it_cannot_decide():
    """Repeated grant or charge ids, unknown kinds or types, and specifiers mixed with
    applicable products are errors, not guesses."""
    bad = [
        ([[charge()]], [grant(), grant()]),
        ([[charge()], [charge()]], [grant()]),
        ([[charge(kind="scheduled")]], [grant()]),
        ([[charge()]], [grant(type="TRUEUP")]),
        ([[charge()]], [grant(applicable_products={"a"}, specifiers=(GrantSpecifier(),))]),
    ]
    for invoices, grants in bad:
        with pytest.raises(ValueError):
            burn_down(invoices, grants, PRODUCTS)


# --- properties --------------------------------------------------------------------------------

TIMES = [JAN, FEB, MAR, APR]
# Strategies are built once here: building them inside the composites is most of the run time.
windows = st.sampled_from([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])
amounts = st.integers(-50, 500).map(D)
grant_amounts = st.integers(0, 400).map(D)
tag_sets = st.frozensets(st.sampled_from(["x", "y", "z"]), max_size=2)
product_sets = st.frozensets(st.sampled_from(list(PRODUCTS)))
credit_types = st.sampled_from(["USD", "USD", "EUR"])
grant_types = st.sampled_from(["PREPAID", "POSTPAID", "CREDIT"])
kinds = st.sampled_from(["usage", "subscription", "composite"])
products = st.sampled_from(list(PRODUCTS))
pricing_values = st.sampled_from([{}, {"region": "us"}, {"region": "eu"}])
unit_prices = st.none() | st.integers(0, 3).map(D)
specifiers = st.builds(
    GrantSpecifier,
    product=st.none() | products,
    product_tags=st.none() | tag_sets,
    pricing_group_values=st.none() | pricing_values,
)
applicabilities = st.one_of(
    st.just({}),
    product_sets.map(lambda p: {"applicable_products": p}),
    tag_sets.map(lambda t: {"applicable_product_tags": t}),
    st.lists(specifiers, min_size=1, max_size=2).map(lambda s: {"specifiers": tuple(s)}),
)
shared_priority = st.none() | st.just(D(1))


@st.composite
def grant_lists(draw, distinct_priorities=False):
    n = draw(st.integers(0, 5))
    if distinct_priorities:
        unique = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n, unique=True))
        priorities = [D(p) for p in unique]
    else:
        priorities = [draw(shared_priority) for _ in range(n)]
    grants = []
    for i, priority in enumerate(priorities):
        start, end = draw(windows)
        grants.append(
            grant(
                f"g{i}",
                draw(grant_amounts),
                type=draw(grant_types),
                credit_type=draw(credit_types),
                starting_at=TIMES[start],
                ending_before=TIMES[end],
                priority=priority,
                free=draw(st.booleans()),
                rollover=draw(st.booleans()),
                order=i,
                **draw(applicabilities),
            )
        )
    return grants


@st.composite
def invoice_lists(draw):
    invoices, k = [], 0
    for month in range(draw(st.integers(1, 3))):
        lines = []
        for _ in range(draw(st.integers(0, 4))):
            product = draw(products)
            lines.append(
                charge(
                    k,
                    draw(amounts),
                    kind=draw(kinds),
                    product=product,
                    product_tags=PRODUCTS[product],
                    pricing_group_values=draw(pricing_values),
                    credit_type=draw(credit_types),
                    starting_at=TIMES[month],
                    ending_before=TIMES[month + 1],
                    unit_price=draw(unit_prices),
                )
            )
            k += 1
        invoices.append(lines)
    return invoices


PROPERTY = settings(max_examples=100, deadline=None)


def _given_by_grant(result) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for applications in result.applied.values():
        for a in applications:
            total[a.grant.id] = total.get(a.grant.id, D(0)) + a.amount
    return total


@PROPERTY
@given(invoice_lists(), grant_lists())
def test_no_line_covered_beyond_its_amount(invoices, grants):
    """Each line's applications are > 0, eligible, and sum to at most its amount (0 if <= 0)."""
    result = burn_down(invoices, grants, PRODUCTS)
    for line in (line for lines in invoices for line in lines):
        applications = result.applied.get(line.id, ())
        assert all(a.amount > 0 and eligible(line, a.grant) for a in applications)
        assert sum(a.amount for a in applications) <= max(line.amount, D(0))


@PROPERTY
@given(invoice_lists(), grant_lists())
def test_grants_give_at_most_their_amount_and_account_for_it(invoices, grants):
    """Per grant: given <= amount, given + remaining == amount, and the statements' applied sum
    to what was given, each statement's remaining being the amount minus all given so far."""
    result = burn_down(invoices, grants, PRODUCTS)
    given_total = _given_by_grant(result)
    for g in grants:
        given_here = given_total.get(g.id, D(0))
        assert given_here <= g.amount
        assert given_here + result.remaining[g.id] == g.amount
        so_far = D(0)
        for statement in result.statements:
            if g.id in statement:
                applied, left = statement[g.id]
                so_far += applied
                assert applied > 0 and left == g.amount - so_far
        assert so_far == given_here


@PROPERTY
@given(invoice_lists(), grant_lists())
def test_an_uncovered_line_leaves_no_eligible_balance(invoices, grants):
    """A line drawing less than its amount emptied every grant it was eligible for (balances
    only go down, so they are still empty at the end)."""
    result = burn_down(invoices, grants, PRODUCTS)
    for line in (line for lines in invoices for line in lines):
        if sum(a.amount for a in result.applied.get(line.id, ())) < line.amount:
            assert all(result.remaining[g.id] == 0 for g in grants if eligible(line, g))


@PROPERTY
@given(invoice_lists(), grant_lists(distinct_priorities=True), st.randoms())
def test_listing_order_of_grants_does_not_matter(invoices, grants, random):
    """With all priorities different, shuffling the grant list changes nothing."""
    shuffled = list(grants)
    random.shuffle(shuffled)
    assert burn_down(invoices, shuffled, PRODUCTS) == burn_down(invoices, grants, PRODUCTS)
