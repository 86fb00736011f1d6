"""Compiled catalog content -> Metronome API request bodies, and what Metronome cannot express.

Pure functions, no SDK: the provider (`provider.py`) sends what these build. References by
catalog ID (`product: lang_model_4`) become Metronome IDs through `ids(address)`; amounts, kept
as decimal strings in the catalog, become JSON numbers (`wire_number`).

    metric_body(content)                 billable-metrics/create
    product_body(content, ids)           contract-pricing/products/create (and update fields)
    rate_card_body(content, ids)         contract-pricing/rate-cards/create (no rates)
    rate_body(rate, ids)                 one entry of rate-cards/addRates
    customer_body(content)               customers create
    contract_body(address, digest, content, ids)   contracts/create, with its uniqueness_key
    unsupported(resource)                [(field path, why)] Metronome has no way to express

Numbers: Metronome's API carries amounts as JSON numbers and its SDK types them as `float`.
`wire_number` sends a whole number as an integer and any other amount only when the double
nearest to it prints back as exactly the same decimal (15 significant digits or fewer); an amount
that would change in transit is refused (`unsupported` reports it at plan time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from billing_spec.jsontext import canonical_json

USD_CREDIT_TYPE = "USD"
USD_CREDIT_TYPE_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"  # Metronome's fixed ID for USD cents
RATES_PER_CALL = 100  # addRates takes at most 100 rates a call

Ids = Callable[[str], str]

# content keys holding amounts (decimal strings in the compiled catalog)
NUMERIC_KEYS = frozenset(
    {
        "amount",
        "price",
        "multiplier",
        "priority",
        "quantity",
        "unit_price",
        "initial_quantity",
        "size",
        "conversion_factor",
        "fiat_per_custom_credit",
        "net_payment_terms_days",
        "value",
        "decimal_places",
        "rollover_fraction",
    }
)
# content key -> (API key, the resource type it references)
REFERENCE_KEYS = {
    "product": ("product_id", "product"),
    "billable_metric": ("billable_metric_id", "billable_metric"),
    "customer": ("customer_id", "customer"),
    "rate_card": ("rate_card_id", "rate_card"),
    "credit_type": ("credit_type_id", "credit_type"),
    "custom_credit_type": ("custom_credit_type_id", "credit_type"),
    "fiat_credit_type": ("fiat_credit_type_id", "credit_type"),
}
REFERENCE_LIST_KEYS = {
    "applicable_products": ("applicable_product_ids", "product"),
    "composite_products": ("composite_product_ids", "product"),
}
# renamed without a reference: catalog key -> API key, where the API names it differently
RENAMED_KEYS = {"tiers@overrides": "override_tiers"}
# catalog-only keys (billing-spec extensions the evaluator reads; Metronome has no field)
DROPPED_KEYS = frozenset({"tier_mode"})
# maps whose keys are the user's own names (event properties, custom fields): sent as they are
OPAQUE_KEYS = frozenset({"pricing_group_values", "custom_fields", "event_type_filter"})


class NotExpressible(ValueError):
    """A value Metronome's API cannot carry exactly."""


def wire_number(text: Any) -> int | float:
    """`"50"` -> 50, `"0.2"` -> 0.2; refuses what a JSON double would change.

    >>> wire_number("100"), wire_number("0.15")
    (100, 0.15)
    """
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise NotExpressible(f"{text!r} is not a number") from None
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise NotExpressible(
            f"{text} cannot be sent exactly: Metronome's API carries amounts as JSON doubles "
            f"(it would arrive as {as_float!r})"
        )
    return as_float


def reference(ids: Ids, type_: str, name: str) -> str:
    if type_ == "credit_type" and name == USD_CREDIT_TYPE:
        return USD_CREDIT_TYPE_ID
    return ids(f"{type_}.{name}")


def translate(value: Any, ids: Ids, *, parent: str = "") -> Any:
    """Catalog content -> API JSON: references to IDs, amounts to numbers, keys renamed."""
    if isinstance(value, list):
        return [translate(item, ids, parent=parent) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in DROPPED_KEYS:
            continue
        if key in OPAQUE_KEYS:
            out[key] = item
        elif key in REFERENCE_KEYS and isinstance(item, str):
            api_key, type_ = REFERENCE_KEYS[key]
            out[api_key] = reference(ids, type_, item)
        elif key in REFERENCE_LIST_KEYS:
            api_key, type_ = REFERENCE_LIST_KEYS[key]
            out[api_key] = [reference(ids, type_, name) for name in item]
        elif key in NUMERIC_KEYS and isinstance(item, (str, int)) and not isinstance(item, bool):
            out[key] = wire_number(item)
        else:
            out[RENAMED_KEYS.get(f"{key}@{parent}", key)] = translate(item, ids, parent=key)
    return out


def _without_empty(body: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty lists and maps and false flags the catalog fills in by default."""
    return {k: v for k, v in body.items() if v not in ([], {}, None)}


def metric_body(content: dict[str, Any]) -> dict[str, Any]:
    return _without_empty(translate(content, _no_ids))


def product_body(content: dict[str, Any], ids: Ids) -> dict[str, Any]:
    body = _without_empty(translate(content, ids))
    if not body.get("exclude_free_usage"):
        body.pop("exclude_free_usage", None)
    return body


def product_update_body(before: dict[str, Any], after: dict[str, Any], ids: Ids) -> dict[str, Any]:
    """The fields of a product update: those that changed (`type` never does)."""
    old, new = translate(before, ids), translate(after, ids)
    body = {k: v for k, v in new.items() if old.get(k) != v and k not in ("type", "custom_fields")}
    for key in old.keys() - new.keys():  # a field removed: cleared, or back to the default
        if key in ("quantity_conversion", "quantity_rounding"):
            body[key] = None
        elif key == "sql_breakdown_granularity":  # back to Metronome's default
            body[key] = "SERVICE_PERIOD"
    return body


def rate_card_body(content: dict[str, Any], ids: Ids) -> dict[str, Any]:
    body = translate({k: v for k, v in content.items() if k != "rates"}, ids)
    return _without_empty(body)


def rate_body(rate: dict[str, Any], ids: Ids) -> dict[str, Any]:
    body = translate(rate, ids)
    if body.get("credit_type_id") == USD_CREDIT_TYPE_ID:
        body.pop("credit_type_id")  # USD cents is the default
    return _without_empty(body)


def batches(items: list[Any], size: int = RATES_PER_CALL) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def customer_body(content: dict[str, Any]) -> dict[str, Any]:
    return _without_empty(dict(content))


def idempotency_key(*parts: Any) -> str:
    """An Idempotency-Key header from what identifies a call (the same call, the same key)."""
    text = "\n".join(p if isinstance(p, str) else canonical_json(p) for p in parts)
    return "billing-spec-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def uniqueness_key(address: str, digest: str) -> str:
    """The same contract content at the same address always gets the same key, so a create
    retried after a lost response is refused by Metronome (409) instead of done twice."""
    return "billing-spec-" + hashlib.sha256(f"{address}\n{digest}".encode()).hexdigest()[:40]


def contract_body(address: str, digest: str, content: dict[str, Any], ids: Ids) -> dict[str, Any]:
    body = _without_empty(translate(content, ids))
    body["uniqueness_key"] = uniqueness_key(address, digest)
    return body


def _no_ids(address: str) -> str:
    raise NotExpressible(f"unexpected reference to {address}")


# --- what Metronome cannot express -------------------------------------------------------------

Path = tuple[str | int, ...]


def unsupported(type_: str, content: dict[str, Any]) -> list[tuple[Path, str]]:
    """The fields of one resource that the Metronome provider cannot send, and why."""
    found: list[tuple[Path, str]] = []
    if type_ == "rate_card":
        for index, rate in enumerate(content.get("rates") or []):
            found += _unsupported_rate(rate, ("rates", index))
    found += _inexact_numbers(content, ())
    return found


def _unsupported_rate(rate: dict[str, Any], at: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if rate.get("tier_mode") == "VOLUME":
        found.append(
            (
                (*at, "tier_mode"),
                "Metronome prices TIERED rates graduated only (each tier's units at that "
                "tier's price); a VOLUME tier mode has no Metronome equivalent",
            )
        )
    for index, tier in enumerate(rate.get("tiers") or []):
        if "flat_price" in tier:
            found.append(
                (
                    (*at, "tiers", index, "flat_price"),
                    "Metronome's rate tiers have a per-unit price only; a flat price per tier "
                    "has no Metronome equivalent",
                )
            )
    return found


def _inexact_numbers(value: Any, at: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in OPAQUE_KEYS:
                continue
            if key in NUMERIC_KEYS and isinstance(item, str):
                try:
                    wire_number(item)
                except NotExpressible as exc:
                    found.append(((*at, key), str(exc)))
            else:
                found += _inexact_numbers(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _inexact_numbers(item, (*at, index))
    return found


# --- contract edits ----------------------------------------------------------------------------

# a term list whose new entries a contract edit adds -> the edit's field
ADDED_TERMS = {
    "overrides": "add_overrides",
    "commits": "add_commits",
    "credits": "add_credits",
    "scheduled_charges": "add_scheduled_charges",
    "recurring_commits": "add_recurring_commits",
    "recurring_credits": "add_recurring_credits",
    "subscriptions": "add_subscriptions",
}
# a contract field a contract edit sets -> the edit's field
EDITED_FIELDS = {
    "name": "update_contract_name",
    "ending_before": "update_contract_end_date",
    "net_payment_terms_days": "update_net_payment_terms_days",
}
# set through the custom-field endpoints, not the contract edit
CUSTOM_FIELDS = "custom_fields"


def contract_edit(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, list]:
    """The contract edit that turns `before` into `after`, in catalog terms, and what no edit
    can do (`[(path, why)]`: then the contract can only be replaced).

    The edit: `add_*` -> the new entries of each term list; `update_contract_*` -> the new
    value; `quantity_updates` -> [(subscription index, the quantity updates appended to it)].
    """
    edit: dict[str, Any] = {}
    refused: list[tuple[Path, str]] = []
    for field in sorted(before.keys() | after.keys()):
        old, new = before.get(field), after.get(field)
        if old == new or field == CUSTOM_FIELDS:
            continue
        if field == "subscriptions":
            added, updates, why = _subscription_edit(old or [], new or [])
            refused += why
            if added:
                edit[ADDED_TERMS[field]] = added
            if updates:
                edit["quantity_updates"] = updates
        elif field in ADDED_TERMS:
            added, why = _added_terms(field, old or [], new or [])
            refused += why
            if added:
                edit[ADDED_TERMS[field]] = added
        elif field in EDITED_FIELDS:
            edit[EDITED_FIELDS[field]] = new
        else:
            refused.append(((field,), f"a contract edit cannot change {field}"))
    return edit, refused


def _added_terms(field: str, old: list, new: list) -> tuple[list, list]:
    """The entries of `new` not in `old`; an entry of `old` missing from `new` is refused
    (a contract edit adds terms; removing or changing one is not an addition)."""
    left = list(new)
    refused = []
    for index, entry in enumerate(old):
        if entry in left:
            left.remove(entry)
        else:
            refused.append(
                (
                    (field, index),
                    f"{field}[{index}] is removed or changed; a contract edit only adds "
                    f"{field.replace('_', ' ')}",
                )
            )
    return left, refused


def _subscription_edit(old: list, new: list) -> tuple[list, list, list]:
    """Subscriptions: new ones are added; an existing one may only gain quantity updates."""
    refused: list[tuple[Path, str]] = []
    updates: list[tuple[int, list]] = []
    for index, entry in enumerate(old):
        if index >= len(new):
            refused.append(
                (
                    ("subscriptions", index),
                    f"subscriptions[{index}] is removed; a contract "
                    "edit only adds subscriptions and quantity updates",
                )
            )
            continue
        other = new[index]
        if other == entry:
            continue
        before_updates = entry.get("quantity_updates") or []
        after_updates = other.get("quantity_updates") or []
        same_rest = _without(entry, "quantity_updates") == _without(other, "quantity_updates")
        if same_rest and after_updates[: len(before_updates)] == before_updates:
            updates.append((index, after_updates[len(before_updates) :]))
        else:
            refused.append(
                (
                    ("subscriptions", index),
                    f"subscriptions[{index}] is changed; a contract edit only appends its "
                    "quantity_updates",
                )
            )
    return list(new[len(old) :]), updates, refused


def _without(entry: dict, key: str) -> dict:
    return {k: v for k, v in entry.items() if k != key}


def contract_edit_body(edit: dict[str, Any], ids: Ids, subscription_ids: list[str]) -> dict:
    """v2 contracts/edit's fields for `contract_edit`'s edit: references to IDs, amounts to
    numbers; `subscription_ids[i]` is the Metronome ID of the contract's i-th subscription."""
    body: dict[str, Any] = {}
    for field, value in edit.items():
        if field == "quantity_updates":
            body["update_subscriptions"] = [
                {
                    "subscription_id": subscription_ids[index],
                    "quantity_updates": translate(added, ids),
                }
                for index, added in value
                if added
            ]
        elif field == "update_net_payment_terms_days" and value is not None:
            body[field] = wire_number(value)
        else:
            body[field] = translate(value, ids)
    return body


def custom_field_changes(before: dict, after: dict) -> tuple[dict[str, str], list[str]]:
    """(values to set, keys to delete) that turn `before`'s custom_fields into `after`'s."""
    old = before.get(CUSTOM_FIELDS) or {}
    new = after.get(CUSTOM_FIELDS) or {}
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    return changed, sorted(old.keys() - new.keys())
