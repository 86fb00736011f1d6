"""`billing import DIR --provider metronome`: what a Metronome account holds, as a catalog.

    read_account(provider, customers=None) -> Account      the live objects, through the SDK
    to_catalog(account) -> (catalog dict, {address: Metronome ID})
    catalog_text(catalog) -> YAML in fmt's canonical layout

Each object becomes a resource whose ID is made from its name (`Language model tokens` ->
`language_model_tokens`, with `_2`, `_3` ... when names repeat); references by Metronome ID
become references by those IDs. Amounts come back from the API as JSON numbers and are written
as the shortest decimal that reads back as the same number. Archived objects are left out.

Not imported (refused with the contract's name, so nothing is silently left out): a contract's
terms (overrides, commits, credits, scheduled charges, subscriptions...). The CLI writes the
catalog, compiles it, and writes the state mapping each address to its Metronome ID, so the next
`plan` shows no changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billing_spec.providers.base import ProviderError
from billing_spec.providers.metronome.payloads import USD_CREDIT_TYPE_ID

CONTRACT_TERMS = (
    "overrides",
    "commits",
    "credits",
    "recurring_commits",
    "recurring_credits",
    "scheduled_charges",
    "subscriptions",
    "discounts",
    "professional_services",
)


@dataclass
class Account:
    metrics: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    rate_cards: list[dict] = field(default_factory=list)  # each with its "rates"
    customers: list[dict] = field(default_factory=list)
    contracts: list[dict] = field(default_factory=list)


def _dump(item: Any) -> dict:
    return item.model_dump(mode="json") if hasattr(item, "model_dump") else dict(item)


def read_account(provider, customers: list[str] | None = None) -> Account:
    from billing_spec.providers.metronome.provider import rate_schedule

    v1 = provider.client.v1
    account = Account()
    account.metrics = _live(provider.call("billable metric list", v1.billable_metrics.list))
    account.products = _live(provider.call("product list", v1.contracts.products.list))
    for card in _live(provider.call("rate card list", v1.contracts.rate_cards.list)):
        account.rate_cards.append({**card, "rates": rate_schedule(provider, card["id"])})
    if customers:
        found = [
            provider.call("customer get", v1.customers.retrieve, customer_id=c).data
            for c in customers
        ]
        account.customers = _live(found)
    else:
        account.customers = _live(provider.call("customer list", v1.customers.list))
    for customer in account.customers:
        listed = provider.call("contract list", v1.contracts.list, customer_id=customer["id"])
        account.contracts += _live(listed.data)
    return account


def _live(items) -> list[dict]:
    return [d for d in (_dump(i) for i in items) if not d.get("archived_at")]


# --- the catalog --------------------------------------------------------------------------------


class _Names:
    """Catalog IDs made from names, unique per section."""

    def __init__(self) -> None:
        self.taken: dict[str, set[str]] = {}
        self.by_remote: dict[str, str] = {}

    def give(self, section: str, remote_id: str, name: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "unnamed"
        if not base[0].isalpha():
            base = f"x_{base}"
        taken = self.taken.setdefault(section, set())
        chosen, n = base, 1
        while chosen in taken:
            n += 1
            chosen = f"{base}_{n}"
        taken.add(chosen)
        self.by_remote[remote_id] = chosen
        return chosen

    def of(self, remote_id: str, what: str) -> str:
        try:
            return self.by_remote[remote_id]
        except KeyError:
            raise ProviderError(f"{what} {remote_id} is not among the imported objects") from None


def amount(value: Any) -> Decimal:
    """A JSON number from the API as the decimal it stands for (0.2, not 0.20000000000000001)."""
    if isinstance(value, bool) or value is None:
        raise ProviderError(f"expected an amount, got {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def to_catalog(account: Account) -> tuple[dict[str, dict], dict[str, str]]:
    names = _Names()
    ids: dict[str, str] = {}
    catalog: dict[str, dict] = {}

    def add(section: str, type_: str, remote: dict, body: dict) -> None:
        name = names.give(section, remote["id"], remote.get("name") or remote["id"])
        catalog.setdefault(section, {})[name] = body
        ids[f"{type_}.{name}"] = remote["id"]

    for metric in account.metrics:
        add("billable_metrics", "billable_metric", metric, _metric(metric))
    for product in account.products:
        current = product.get("current") or product.get("initial") or {}
        add("products", "product", {**current, "id": product["id"]}, None)
    for product in account.products:  # composites may name products listed after them
        current = product.get("current") or product.get("initial") or {}
        catalog["products"][names.of(product["id"], "product")] = _product(product, current, names)
    for card in account.rate_cards:
        add("rate_cards", "rate_card", card, _rate_card(card, names))
    for customer in account.customers:
        add("customers", "customer", customer, _customer(customer))
    for contract in account.contracts:
        terms = contract.get("initial") or contract
        named = {
            **terms,
            "id": contract["id"],
            "name": terms.get("name") or _contract_name(terms, names),
        }
        add("contracts", "contract", named, _contract(terms, names))
    return catalog, ids


def _metric(metric: dict) -> dict:
    body: dict[str, Any] = {"name": metric["name"]}
    for key in ("event_type_filter", "property_filters", "aggregation_key", "group_keys", "sql"):
        if metric.get(key):
            body[key] = metric[key]
    if metric.get("aggregation_type"):
        body["aggregation_type"] = str(metric["aggregation_type"]).upper()
    if metric.get("custom_fields"):
        body["custom_fields"] = metric["custom_fields"]
    if body.get("property_filters"):
        body["property_filters"] = [
            {k: v for k, v in f.items() if v is not None} for f in body["property_filters"]
        ]
    return body


def _product(product: dict, current: dict, names: _Names) -> dict:
    body: dict[str, Any] = {"name": current["name"], "type": product["type"]}
    if current.get("billable_metric_id"):
        body["billable_metric"] = names.of(current["billable_metric_id"], "billable metric")
    for key in ("pricing_group_key", "presentation_group_key", "tags", "composite_tags"):
        if current.get(key):
            body[key] = current[key]
    if current.get("composite_product_ids"):
        body["composite_products"] = [
            names.of(p, "product") for p in current["composite_product_ids"]
        ]
    if current.get("exclude_free_usage"):
        body["exclude_free_usage"] = True
    conversion = current.get("quantity_conversion")
    if conversion:
        body["quantity_conversion"] = {
            k: amount(v) if k == "conversion_factor" else v
            for k, v in conversion.items()
            if v is not None
        }
    if current.get("sql_breakdown_granularity") == "HOUR":
        body["sql_breakdown_granularity"] = "HOUR"
    rounding = current.get("quantity_rounding")
    if rounding:
        body["quantity_rounding"] = {
            "decimal_places": int(rounding["decimal_places"]),
            "rounding_method": rounding["rounding_method"],
        }
    return body


def _rate_card(card: dict, names: _Names) -> dict:
    body: dict[str, Any] = {"name": card["name"]}
    if card.get("description"):
        body["description"] = card["description"]
    body["rates"] = [_rate(r, names) for r in card.get("rates") or []]
    return body


def _rate(item: dict, names: _Names) -> dict:
    rate = item.get("rate") or item
    body: dict[str, Any] = {
        "product": names.of(item["product_id"], "product"),
        "starting_at": item["starting_at"],
        "entitled": item.get("entitled", True),
        "rate_type": rate["rate_type"],
    }
    if item.get("ending_before"):
        body["ending_before"] = item["ending_before"]
    if item.get("pricing_group_values"):
        body["pricing_group_values"] = item["pricing_group_values"]
    if item.get("billing_frequency"):
        body["billing_frequency"] = item["billing_frequency"]
    if rate.get("price") is not None:
        body["price"] = amount(rate["price"])
    if rate.get("tiers"):
        body["tiers"] = [
            {k: amount(v) for k, v in tier.items() if v is not None} for tier in rate["tiers"]
        ]
    if rate.get("quantity") is not None:
        body["quantity"] = amount(rate["quantity"])
    if rate.get("is_prorated") is not None:
        body["is_prorated"] = rate["is_prorated"]
    credit = rate.get("credit_type") or {}
    credit_id = credit.get("id") if isinstance(credit, dict) else None
    if credit_id and credit_id != USD_CREDIT_TYPE_ID:
        raise ProviderError(
            f"rate card {item.get('product_name')}: custom credit types are not imported yet"
        )
    return body


def _customer(customer: dict) -> dict:
    body: dict[str, Any] = {"name": customer["name"]}
    if customer.get("ingest_aliases"):
        body["ingest_aliases"] = list(customer["ingest_aliases"])
    if customer.get("custom_fields"):
        body["custom_fields"] = customer["custom_fields"]
    return body


def _contract_name(terms: dict, names: _Names) -> str:
    return f"{names.of(terms['customer_id'], 'customer')} {str(terms['starting_at'])[:4]}"


def _contract(terms: dict, names: _Names) -> dict:
    held = [t for t in CONTRACT_TERMS if terms.get(t)]
    if held:
        raise ProviderError(
            f"contract {terms.get('id')} has {', '.join(held)}: importing contract terms is not "
            "supported yet (nothing was written); import without its customer (--customer)"
        )
    body: dict[str, Any] = {
        "customer": names.of(terms["customer_id"], "customer"),
        "starting_at": terms["starting_at"],
    }
    if terms.get("rate_card_id"):
        body["rate_card"] = names.of(terms["rate_card_id"], "rate card")
    for key in ("name", "ending_before", "usage_statement_schedule"):
        if terms.get(key):
            body[key] = terms[key]
    if terms.get("net_payment_terms_days") is not None:
        body["net_payment_terms_days"] = int(amount(terms["net_payment_terms_days"]))
    return body


# --- the YAML -----------------------------------------------------------------------------------

SECTION_ORDER = ("billable_metrics", "products", "rate_cards", "customers", "contracts")


def catalog_text(catalog: dict[str, dict]) -> str:
    """The catalog as block YAML (amounts as plain numbers); fmt then lays it out."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def decimal(dumper, value: Decimal):
        text = str(int(value)) if value == value.to_integral_value() else _plain(value)
        tag = "int" if value == value.to_integral_value() else "float"
        return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", text)

    Dumper.add_representer(Decimal, decimal)
    body = {"version": 1, **{s: catalog[s] for s in SECTION_ORDER if catalog.get(s)}}
    return yaml.dump(
        _without_none(body), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=10_000
    )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
