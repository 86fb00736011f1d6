"""Properties of plan and apply over generated catalogs and sequences of edits.

For any catalog and any sequence of edits (renames, price changes and new rates, type and
definition changes that force replacement, deletions, `moved` renames, new resources):

- plan -> apply -> plan is "No changes", and the state then holds exactly the desired catalog;
- a plan the planner refuses is never applied, and refusing it changes nothing;
- the compiled catalog and the state round-trip through their JSON unchanged.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from planning import AS_OF

from billing_spec.addresses import SECTIONS
from billing_spec.apply import apply_plan
from billing_spec.catalog.models import SECTION_MODELS
from billing_spec.compile import CompiledCatalog, compile_resource
from billing_spec.plan import make_plan
from billing_spec.providers import LocalProvider
from billing_spec.state import LocalStateStore
from billing_spec.state.store import parse_state

DATES = [
    "2026-01-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
    "2027-01-01T00:00:00Z",
    "2027-06-01T00:00:00Z",
]
names = st.text(alphabet="abcdefgh ", min_size=1, max_size=6)
prices = st.integers(min_value=0, max_value=500).map(str)


def metric(aggregation: str, name: str) -> dict:
    if aggregation == "COUNT":
        return {"name": name, "aggregation_type": "COUNT"}
    return {
        "name": name,
        "aggregation_type": aggregation,
        "aggregation_key": "n",
        "property_filters": [{"name": "n", "exists": True}],
    }


@st.composite
def catalogs(draw) -> dict:
    cat: dict = {section: {} for section in SECTIONS}
    cat["moved"] = []
    for i in range(draw(st.integers(1, 3))):
        cat["billable_metrics"][f"m{i}"] = metric(
            draw(st.sampled_from(["COUNT", "SUM", "MAX"])), draw(names)
        )
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["USAGE", "FIXED", "SUBSCRIPTION"]))
        body = {"name": draw(names), "type": kind}
        if kind == "USAGE":
            body["billable_metric"] = draw(st.sampled_from(sorted(cat["billable_metrics"])))
        cat["products"][f"p{i}"] = body
    for i in range(draw(st.integers(0, 2))):
        rates = {}
        for _ in range(draw(st.integers(0, 3))):
            product, start = (
                draw(st.sampled_from(sorted(cat["products"]))),
                draw(st.sampled_from(DATES)),
            )
            rates[(product, start)] = {
                "product": product,
                "starting_at": start,
                "entitled": True,
                "rate_type": "FLAT",
                "price": draw(prices),
            }
        cat["rate_cards"][f"r{i}"] = {"name": draw(names), "rates": list(rates.values())}
    for i in range(draw(st.integers(0, 3))):
        cat["customers"][f"c{i}"] = {"name": draw(names), "ingest_aliases": [f"alias-{i}"]}
    if cat["customers"] and cat["rate_cards"]:
        for i in range(draw(st.integers(0, 3))):
            cat["contracts"][f"k{i}"] = {
                "customer": draw(st.sampled_from(sorted(cat["customers"]))),
                "rate_card": draw(st.sampled_from(sorted(cat["rate_cards"]))),
                "starting_at": draw(st.sampled_from(DATES)),
                "usage_statement_schedule": {
                    "frequency": draw(st.sampled_from(["MONTHLY", "QUARTERLY"]))
                },
            }
    return cat


def compile_dict(cat: dict) -> CompiledCatalog:
    resources = [
        compile_resource(section, id_, SECTION_MODELS[section].model_validate(body))
        for section in SECTIONS
        for id_, body in cat[section].items()
    ]
    return CompiledCatalog.from_resources(resources, cat["moved"])


# --- edits ------------------------------------------------------------------------------------


def pick(data, cat: dict, section: str) -> str | None:
    ids = sorted(cat[section])
    return data.draw(st.sampled_from(ids)) if ids else None


def referrers(cat: dict, type_: str, id_: str) -> list[tuple[str, str]]:
    compiled = compile_dict({**cat, "moved": []})
    target = f"{type_}.{id_}"
    return [
        (SECTIONS_BY_TYPE[r.type], r.name)
        for r in compiled.resources.values()
        if target in r.depends_on
    ]


SECTIONS_BY_TYPE = {type_: section for section, type_ in SECTIONS.items()}


def edit_rename(data, cat):
    section = data.draw(
        st.sampled_from(["billable_metrics", "products", "rate_cards", "customers"])
    )
    if id_ := pick(data, cat, section):
        cat[section][id_]["name"] = data.draw(names)


def edit_metric(data, cat):
    if id_ := pick(data, cat, "billable_metrics"):
        cat["billable_metrics"][id_] = metric(
            data.draw(st.sampled_from(["COUNT", "SUM", "MAX"])),
            cat["billable_metrics"][id_]["name"],
        )


def edit_product_type(data, cat):
    if id_ := pick(data, cat, "products"):
        body = cat["products"][id_]
        body.pop("billable_metric", None)
        body["type"] = data.draw(st.sampled_from(["FIXED", "SUBSCRIPTION"]))


def edit_add_rate(data, cat):
    card, product = pick(data, cat, "rate_cards"), pick(data, cat, "products")
    if card and product:
        start = data.draw(st.sampled_from(DATES))
        rates = [
            r
            for r in cat["rate_cards"][card]["rates"]
            if (r["product"], r["starting_at"]) != (product, start)
        ]
        rates.append(
            {
                "product": product,
                "starting_at": start,
                "entitled": True,
                "rate_type": "FLAT",
                "price": data.draw(prices),
            }
        )
        cat["rate_cards"][card]["rates"] = rates


def edit_schedule(data, cat):
    if id_ := pick(data, cat, "contracts"):
        cat["contracts"][id_]["usage_statement_schedule"] = {
            "frequency": data.draw(st.sampled_from(["MONTHLY", "QUARTERLY", "ANNUAL"]))
        }


def edit_delete(data, cat):
    """Delete a resource and, in cascade, everything that references it."""
    sections = sorted(s for s in SECTIONS if cat[s])
    if not sections:
        return
    section = data.draw(st.sampled_from(sections))
    doomed = [(section, pick(data, cat, section))]
    while doomed:
        section, id_ = doomed.pop()
        if id_ in cat[section]:
            doomed += referrers(cat, SECTIONS[section], id_)
            del cat[section][id_]


def edit_move(data, cat):
    section = data.draw(st.sampled_from(["products", "customers", "rate_cards"]))
    old = pick(data, cat, section)
    new = f"{old}x" if old else None
    if not old or new in cat[section]:
        return
    type_ = SECTIONS[section]
    for ref_section, ref_id in referrers(cat, type_, old):
        body = cat[ref_section][ref_id]
        for key in ("billable_metric", "customer", "rate_card"):
            if body.get(key) == old and type_ == key:
                body[key] = new
        for rate in body.get("rates", []):
            if type_ == "product" and rate["product"] == old:
                rate["product"] = new
    cat[section][new] = cat[section].pop(old)
    cat["moved"].append({"from": f"{type_}.{old}", "to": f"{type_}.{new}"})


def edit_add_customer(data, cat):
    cat["customers"][f"c{len(cat['customers']) + 5}"] = {"name": data.draw(names)}


EDITS = [
    edit_rename,
    edit_metric,
    edit_product_type,
    edit_add_rate,
    edit_schedule,
    edit_delete,
    edit_move,
    edit_add_customer,
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=catalogs(), data=st.data())
def test_plan_apply_plan_is_no_changes_for_any_edit_sequence(start, data):
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStateStore(Path(tmp) / "billing.state.json")
        cat = start
        for _ in range(data.draw(st.integers(2, 6))):
            desired = compile_dict(cat)
            assert CompiledCatalog.from_json(desired.to_json()) == desired
            before = store.path.read_bytes() if store.path.exists() else None
            plan = make_plan(desired, store.read(), as_of=AS_OF, allow_retroactive=True)
            event("refused" if plan.errored else "applied" if plan.has_changes else "no changes")
            for change in plan.pending:
                event(f"action: {change.action}" + (" (moved)" if change.previous_address else ""))
            if plan.errored:
                # Refused (a replace of something still referenced): nothing to apply.
                assert not plan.applyable
            else:
                state = apply_plan(plan, store, LocalProvider())
                assert state.catalog().resources == desired.resources
                again = make_plan(desired, state, as_of=AS_OF, allow_retroactive=True)
                assert not again.has_changes and not again.errored
                text = store.path.read_text()
                assert parse_state(text.encode(), "s") == state and state.to_json() == text
            if plan.errored or not plan.has_changes:
                assert (store.path.read_bytes() if store.path.exists() else None) == before
            cat = copy.deepcopy(cat)
            data.draw(st.sampled_from(EDITS))(data, cat)
