"""Hypothesis strategies: valid catalogs, and the edits that break them.

`valid_catalogs()` draws a catalog a pricing team could have written — metrics of every
aggregation type, USAGE products with pricing and presentation group keys, FLAT and TIERED rates
(graduated and volume, with flat prices), a composite, a subscription, FIXED products sold as
commits, credits and scheduled charges, several customers with their contracts — split over one
to three files. `edits()` draws one change to a file's text: a deleted or duplicated line, two
scalars swapped, a junk value, a re-indented line, truncation, random bytes.
"""

from __future__ import annotations

import re
from decimal import Decimal

import yaml
from hypothesis import strategies as st

ID = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
PROPERTIES = ["model", "region", "project", "user_id", "tier"]
PRICE = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False, allow_infinity=False)
START = "2026-01-01T00:00:00Z"


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain numbers, as a person would (`price: 0.05`)."""


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", str(v)))


@st.composite
def metric(draw, id_: str) -> tuple[dict, list[list[str]]]:
    props = draw(st.lists(st.sampled_from(PROPERTIES), min_size=1, max_size=3, unique=True))
    kind = draw(st.sampled_from(["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]))
    body: dict = {
        "name": f"Metric {id_}",
        "event_type_filter": {"in_values": [id_]},
        "property_filters": [{"name": "amount", "exists": True}]
        + [{"name": p, "exists": True} for p in props],
        "aggregation_type": draw(st.sampled_from([kind, kind.lower()])),
    }
    if kind != "COUNT":
        body["aggregation_key"] = "amount"
    group_keys = [props[:n] for n in range(1, len(props) + 1)]
    body["group_keys"] = group_keys
    return body, group_keys


@st.composite
def tiers(draw) -> list[dict]:
    count = draw(st.integers(1, 4))
    out = [{"size": draw(st.integers(1, 10_000)), "price": draw(PRICE)} for _ in range(count - 1)]
    out.append({"price": draw(PRICE)})
    if draw(st.booleans()):
        out[0]["flat_price"] = draw(PRICE)
    return out


@st.composite
def usage_rates(draw, product: str, pricing_key: list[str]) -> list[dict]:
    rates = []
    for value in draw(st.lists(ID, min_size=1, max_size=2, unique=True)) if pricing_key else [None]:
        rate: dict = {"product": product, "starting_at": START, "entitled": True}
        if value is not None:
            rate["pricing_group_values"] = {key: value for key in pricing_key}
        if draw(st.booleans()):
            rate |= {"rate_type": "FLAT", "price": draw(PRICE)}
        else:
            rate |= {"rate_type": "TIERED", "tiers": draw(tiers())}
            rate["tier_mode"] = draw(st.sampled_from(["GRADUATED", "VOLUME"]))
        rates.append(rate)
    return rates


@st.composite
def pricing(draw) -> dict:
    """Metrics, products and one rate card pricing all of them."""
    metrics, products, rates = {}, {}, []
    for i in range(draw(st.integers(1, 3))):
        body, group_keys = draw(metric(f"m{i}"))
        metrics[f"m{i}"] = body
        chosen = draw(st.sampled_from(group_keys))
        cut = draw(st.integers(0, len(chosen)))
        product = {
            "name": f"Product {i}",
            "type": "USAGE",
            "billable_metric": f"m{i}",
            "tags": ["usage"],
        }
        if chosen[:cut]:
            product["pricing_group_key"] = chosen[:cut]
        if chosen[cut:]:
            product["presentation_group_key"] = chosen[cut:]
        if draw(st.booleans()):
            product["quantity_conversion"] = {"conversion_factor": 1000, "operation": "DIVIDE"}
        products[f"p{i}"] = product
        rates += draw(usage_rates(f"p{i}", chosen[:cut]))
    products["support"] = {"name": "Support", "type": "COMPOSITE", "composite_tags": ["usage"]}
    products["seats"] = {"name": "Seats", "type": "SUBSCRIPTION"}
    products["prepaid"] = {"name": "Prepaid commitment", "type": "FIXED"}
    rates.append(
        {
            "product": "support",
            "starting_at": START,
            "entitled": False,
            "rate_type": "PERCENTAGE",
            "price": Decimal("0.1"),
        }
    )
    rates.append(
        {
            "product": "seats",
            "starting_at": START,
            "entitled": True,
            "rate_type": "FLAT",
            "price": draw(PRICE),
            "billing_frequency": "MONTHLY",
        }
    )
    card = {"name": "List prices", "rates": rates}
    return {"billable_metrics": metrics, "products": products, "rate_cards": {"list": card}}


@st.composite
def contract(draw, customer: str, year: int) -> dict:
    body: dict = {
        "customer": customer,
        "rate_card": "list",
        "starting_at": f"{year}-01-01T00:00:00Z",
        "ending_before": f"{year + 1}-01-01T00:00:00Z",
        "usage_statement_schedule": {"frequency": "MONTHLY"},
    }
    window = {"starting_at": body["starting_at"], "ending_before": body["ending_before"]}
    amount = draw(st.integers(1, 10_000_000))
    body["commits"] = [
        {
            "product": "prepaid",
            "type": "PREPAID",
            "priority": 100,
            "access_schedule": {"schedule_items": [{"amount": amount, **window}]},
            "invoice_schedule": {
                "schedule_items": [{"timestamp": body["starting_at"], "amount": amount}]
            },
        }
    ]
    if draw(st.booleans()):
        body["overrides"] = [
            {"product": "support", "starting_at": body["starting_at"], "entitled": True}
        ]
    if draw(st.booleans()):
        body["subscriptions"] = [
            {
                "subscription_rate": {"product": "seats", "billing_frequency": "MONTHLY"},
                "initial_quantity": draw(st.integers(0, 500)),
                "collection_schedule": "ADVANCE",
            }
        ]
    return body


@st.composite
def valid_catalogs(draw) -> dict[str, str]:
    """`{file name: YAML text}` of a catalog that validates without errors."""
    sections = draw(pricing())
    customers, contracts = {}, {}
    for i in range(draw(st.integers(1, 3))):
        customers[f"c{i}"] = {"name": f"Customer {i}", "ingest_aliases": [f"c{i}@example.com"]}
        for year in (2026, 2027)[: draw(st.integers(1, 2))]:
            contracts[f"c{i}_{year}"] = draw(contract(f"c{i}", year))
    sections |= {"customers": customers, "contracts": contracts}
    files: dict[str, dict] = {}
    for name, content in sections.items():
        target = draw(st.sampled_from(["a.yaml", "b.yaml", "c.yml"]))
        files.setdefault(target, {"version": 1})[name] = content
    return {name: yaml.dump(data, Dumper=_Dumper, sort_keys=False) for name, data in files.items()}


# --- edits ------------------------------------------------------------------------------------

JUNK = [
    "",
    "~",
    "-1",
    "-0.5",
    "0",
    "1e999999",
    ".nan",
    ".inf",
    "0x1F",
    "[]",
    "{}",
    "[[",
    "]",
    "{a: 1}",
    "!!python/object/apply:os.system ['true']",
    "!custom x",
    "&a x",
    "*nope",
    "'unterminated",
    '"\\q"',
    "2026-02-30T00:00:00Z",
    "2026-01-01",
    "ünïcödé",
    "true",
    "no",
    "null",
    "9" * 60,
    "1e30",
    "-1e29",
    "0.0000000000000000000000000000001",
    "1_000",
    "<<: 1",
    "? complex",
    "|",
    "%TAG",
    "\t",
    "@",
    "`",
    "usage",
    "FLAT",
    "TIERED",
    "product.p0",
    "m0",
    "p0",
    "c0",
    "list",
    "prepaid",
    "[p0, p0]",
    "{model: x}",
]
_SCALAR = re.compile(r"(?<=: )[^\s{}\[\],#][^\n,}\]#]*")


@st.composite
def edits(draw, text: str) -> bytes:
    """One edit of `text`, as bytes (some edits make it invalid UTF-8)."""
    kind = draw(
        st.sampled_from(["delete", "duplicate", "swap", "junk", "indent", "truncate", "bytes"])
    )
    lines = text.splitlines(keepends=True) or [""]
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        text = "".join(lines[:i] + lines[i + 1 :])
    elif kind == "duplicate":
        text = "".join(lines[: i + 1] + lines[i:])
    elif kind == "indent":
        lines[i] = draw(st.sampled_from(["", " ", "   ", "\t"])) + lines[i].lstrip(" ")
        text = "".join(lines)
    elif kind in ("swap", "junk"):
        text = _replace_scalars(draw, text, kind)
    elif kind == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    else:
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return text.encode()


def _replace_scalars(draw, text: str, kind: str) -> str:
    spans = [m.span() for m in _SCALAR.finditer(text)]
    if not spans:
        return text
    a = draw(st.sampled_from(spans))
    if kind == "junk":
        return text[: a[0]] + draw(st.sampled_from(JUNK)) + text[a[1] :]
    b = draw(st.sampled_from(spans))
    first, second = sorted([a, b])
    if first == second or first[1] > second[0]:
        return text
    one, two = text[first[0] : first[1]], text[second[0] : second[1]]
    return text[: first[0]] + two + text[first[1] : second[0]] + one + text[second[1] :]
