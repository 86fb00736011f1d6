"""A loopback stand-in for Metronome's API, for the provider tests: the real SDK talks to it.

`MetronomeServer()` starts a stdlib HTTP server in a thread on 127.0.0.1 (a free port); its
`url` is what `METRONOME_BASE_URL` is set to. It serves the endpoints the Metronome provider
uses and enforces the create rules Metronome documents (reference/metronome.md):

- required fields and enums (metric aggregation type, product type, rate type);
- references: a product's metric, a rate's product and card, a contract's customer and rate card
  must exist and not be archived;
- a metric's `aggregation_key` and every `group_keys` entry must be property filter names, and
  a product's pricing + presentation group key must be one of its metric's compound keys;
- ingest aliases belong to one customer at a time (409 otherwise);
- a product update needs an hour-aligned `starting_at`;
- a contract `uniqueness_key` is used once (409), and so is a contract edit's;
- a contract edit (v2) adds terms (each referenced product live) and appends quantity updates
  to subscriptions that exist on the contract; the contract's terms then include them, and each
  edit is kept in the contract's `edits`;
- custom field values are set and deleted on an entity that exists (`custom_fields[entity]`);
- a repeated `Idempotency-Key` on the same endpoint gets the first answer again, not a second
  object (Metronome keeps them at least 24 hours).

Every request is recorded in `calls` as `(path, body)`. `fail(path, status, times=1, at=None)`
makes the next `times` calls to `path` (or only the `at`-th call to it, counting from 1) answer
`status` with a Metronome-style `{"message": ...}` body; with `lost=True` the call is carried out
first, as when a response is lost on the way. A 5xx carries `retry-after-ms: 1` so
the SDK's retries do not sleep. The bearer token is checked against `token`.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
import uuid
from collections import defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

AGGREGATIONS = {"COUNT", "LATEST", "MAX", "SUM", "UNIQUE"}
PRODUCT_TYPES = {
    "FIXED",
    "USAGE",
    "COMPOSITE",
    "SUBSCRIPTION",
    "PROFESSIONAL_SERVICE",
    "PRO_SERVICE",
}
RATE_TYPES = {"FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"}
USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"  # Metronome's fixed ID for USD (cents)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _require(body: dict, *fields: str) -> None:
    for field in fields:
        if body.get(field) in (None, ""):
            raise ApiError(400, f"{field} is required")


def _hour_aligned(timestamp: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00(\.0+)?(Z|\+00:00)", timestamp))


class FakeMetronome:
    """The objects and rules; the HTTP layer below only routes to `handle`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.schedule_page: int | None = None  # rates per getRateSchedule page; None: one page
        self.calls: list[tuple[str, dict]] = []
        self.metrics: dict[str, dict] = {}
        self.products: dict[str, dict] = {}
        self.rate_cards: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.contracts: dict[str, dict] = {}
        self.credit_types: dict[str, dict] = {USD: {"id": USD, "name": "USD (cents)"}}
        self.events: list[dict] = []
        self.custom_fields: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        self._failures: list[dict] = []
        self._counts: dict[str, int] = defaultdict(int)
        self._uniqueness: set[str] = set()
        self.keys: list[str | None] = []  # each call's Idempotency-Key header
        self._answered: dict[tuple[str, str], tuple[int, Any]] = {}

    # --- test controls ----------------------------------------------------------------------

    def fail(
        self, path: str, status: int, times: int = 1, at: int | None = None, lost: bool = False
    ) -> None:
        """`lost`: the call is carried out, then answered `status` (a response lost on the way:
        the client cannot tell, and retries)."""
        self._failures.append(
            {"path": path, "status": status, "times": times, "at": at, "lost": lost}
        )

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    def _injected(self, path: str) -> dict | None:
        count = self._counts[path]
        for failure in self._failures:
            if failure["path"] != path or failure["times"] <= 0:
                continue
            if failure["at"] is not None and failure["at"] != count:
                continue
            failure["times"] -= 1
            return failure
        return None

    # --- dispatch ----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, body: dict, auth: str | None, key: str | None = None
    ) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((path, body))
            self.keys.append(key)
            self._counts[path] += 1
            if auth != f"Bearer {self.token}":
                return 401, {"message": "unauthorized"}
            failure = self._injected(path)
            if failure is not None and not failure["lost"]:
                status = failure["status"]
                return status, {"message": f"injected failure {status} on {path}"}
            if key is not None and (path, key) in self._answered:
                return self._answered[(path, key)]  # Idempotency-Key: the first answer again
            try:
                answer = 200, self._route(method, path, body)
            except ApiError as exc:
                answer = exc.status, {"message": exc.message}
            if key is not None:
                self._answered[(path, key)] = answer
            if failure is not None:  # done, but the answer is lost on the way
                return failure["status"], {"message": f"injected lost response on {path}"}
            return answer

    def _route(self, method: str, path: str, body: dict) -> Any:
        for pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match:
                return handler(body, *match.groups())
        raise ApiError(404, f"no such endpoint: {method} {path}")

    def _routes(self):
        return [
            (r"/v1/billable-metrics/create", self.metric_create),
            (r"/v1/billable-metrics/archive", self.metric_archive),
            (r"/v1/billable-metrics", self.metric_list),
            (r"/v1/billable-metrics/([^/]+)", self.metric_get),
            (r"/v1/contract-pricing/products/create", self.product_create),
            (r"/v1/contract-pricing/products/update", self.product_update),
            (r"/v1/contract-pricing/products/get", self.product_get),
            (r"/v1/contract-pricing/products/list", self.product_list),
            (r"/v1/contract-pricing/products/archive", self.product_archive),
            (r"/v1/contract-pricing/rate-cards/create", self.rate_card_create),
            (r"/v1/contract-pricing/rate-cards/update", self.rate_card_update),
            (r"/v1/contract-pricing/rate-cards/get", self.rate_card_get),
            (r"/v1/contract-pricing/rate-cards/list", self.rate_card_list),
            (r"/v1/contract-pricing/rate-cards/archive", self.rate_card_archive),
            (r"/v1/contract-pricing/rate-cards/addRates", self.rates_add),
            (r"/v1/contract-pricing/rate-cards/getRates", self.rates_get),
            (r"/v1/contract-pricing/rate-cards/getRateSchedule", self.rate_schedule),
            (r"/v1/customers", self.customer_create_or_list),
            (r"/v1/customers/archive", self.customer_archive),
            (r"/v1/customers/([^/]+)", self.customer_get),
            (r"/v1/customers/([^/]+)/setIngestAliases", self.customer_set_aliases),
            (r"/v1/customers/([^/]+)/setName", self.customer_set_name),
            (r"/v1/contracts/create", self.contract_create),
            (r"/v1/contracts/get", self.contract_get),
            (r"/v1/contracts/list", self.contract_list),
            (r"/v1/contracts/archive", self.contract_archive),
            (r"/v2/contracts/edit", self.contract_edit),
            (r"/v2/contracts/get", self.contract_get),
            (r"/v1/customFields/setValues", self.custom_fields_set),
            (r"/v1/customFields/deleteValues", self.custom_fields_delete),
            (r"/v1/credit-types/create", self.credit_type_create),
            (r"/v1/credit-types/list", self.credit_type_list),
            (r"/v1/credit-types/archive", self.credit_type_archive),
            (r"/v1/ingest", self.ingest),
        ]

    # --- billable metrics --------------------------------------------------------------------

    def metric_create(self, body: dict) -> dict:
        _require(body, "name")
        if body.get("sql"):
            clash = [f for f in ("aggregation_type", "aggregation_key", "group_keys") if f in body]
            if clash:
                raise ApiError(400, f"sql cannot be combined with {clash[0]}")
        else:
            kind = str(body.get("aggregation_type", "")).upper()
            if kind not in AGGREGATIONS:
                raise ApiError(400, f"aggregation_type must be one of {sorted(AGGREGATIONS)}")
            names = {f["name"] for f in body.get("property_filters") or []}
            key = body.get("aggregation_key")
            if kind != "COUNT" and not key:
                raise ApiError(400, "aggregation_key is required unless aggregation_type is COUNT")
            if key and key not in names:
                raise ApiError(
                    400, "The specified aggregation key must be one of the property filter names."
                )
            for group in body.get("group_keys") or []:
                for name in group:
                    if name not in names:
                        raise ApiError(
                            400,
                            f"Group key '{name}' does not match one of the property filter names.",
                        )
        return {"data": {"id": self._store(self.metrics, body)}}

    def metric_archive(self, body: dict) -> dict:
        return {"data": {"id": self._archive(self.metrics, body.get("id"), "billable metric")}}

    def metric_get(self, body: dict, id_: str) -> dict:
        return {"data": self._get(self.metrics, id_, "billable metric")}

    def metric_list(self, body: dict) -> dict:
        return {
            "data": [m for m in self.metrics.values() if not m.get("archived_at")],
            "next_page": None,
        }

    # --- products ----------------------------------------------------------------------------

    def product_create(self, body: dict) -> dict:
        _require(body, "name", "type")
        if str(body["type"]).upper() not in PRODUCT_TYPES:
            raise ApiError(400, f"type must be one of {sorted(PRODUCT_TYPES)}")
        self._check_product(body, body["type"].upper())
        product = {
            "type": body["type"].upper(),
            "initial": {k: v for k, v in body.items() if k != "type"},
            "updates": [],
        }
        return {"data": {"id": self._store(self.products, product)}}

    def _check_product(self, fields: dict, type_: str) -> None:
        metric_id = fields.get("billable_metric_id")
        if type_ == "USAGE" and not metric_id:
            raise ApiError(400, "billable_metric_id is required for a USAGE product")
        if metric_id:
            metric = self._live(self.metrics, metric_id, "billable metric")
            keys = [
                *(fields.get("pricing_group_key") or []),
                *(fields.get("presentation_group_key") or []),
            ]
            if keys and set(keys) not in [set(g) for g in metric.get("group_keys") or []]:
                raise ApiError(
                    400,
                    "pricing_group_key and presentation_group_key together must be one of "
                    "the billable metric's group_keys",
                )
        for product_id in fields.get("composite_product_ids") or []:
            self._live(self.products, product_id, "product")

    def product_update(self, body: dict) -> dict:
        _require(body, "product_id", "starting_at")
        if not _hour_aligned(body["starting_at"]):
            raise ApiError(400, "starting_at must be on the hour")
        product = self._live(self.products, body["product_id"], "product")
        change = {k: v for k, v in body.items() if k != "product_id"}
        self._check_product({**self._current(product), **change}, product["type"])
        product["updates"].append(change)
        return {"data": {"id": product["id"]}}

    @staticmethod
    def _current(product: dict) -> dict:
        state = dict(product["initial"])
        for update in sorted(product["updates"], key=lambda u: u["starting_at"]):
            state.update({k: v for k, v in update.items() if k != "starting_at"})
        return state

    def product_get(self, body: dict) -> dict:
        product = self._get(self.products, body.get("id"), "product")
        return {"data": self._product_view(product)}

    def _product_view(self, product: dict) -> dict:
        return {**product, "current": self._current(product)}

    def product_list(self, body: dict) -> dict:
        live = [self._product_view(p) for p in self.products.values() if not p.get("archived_at")]
        return {"data": live, "next_page": None}

    def product_archive(self, body: dict) -> dict:
        return {"data": {"id": self._archive(self.products, body.get("product_id"), "product")}}

    # --- rate cards and rates ----------------------------------------------------------------

    def rate_card_create(self, body: dict) -> dict:
        _require(body, "name")
        for conversion in body.get("credit_type_conversions") or []:
            self._get(self.credit_types, conversion.get("custom_credit_type_id"), "credit type")
        return {"data": {"id": self._store(self.rate_cards, {**body, "rates": []})}}

    def rate_card_update(self, body: dict) -> dict:
        card = self._live(self.rate_cards, body.get("rate_card_id"), "rate card")
        for field in ("name", "description", "aliases"):
            if field in body:
                card[field] = body[field]
        card.setdefault("credit_type_conversions", []).extend(
            body.get("add_credit_type_conversions") or []
        )
        return {"data": {"id": card["id"]}}

    def rate_card_get(self, body: dict) -> dict:
        card = self._get(self.rate_cards, body.get("id"), "rate card")
        return {"data": {k: v for k, v in card.items() if k != "rates"}}

    def rate_card_list(self, body: dict) -> dict:
        cards = [
            {k: v for k, v in c.items() if k != "rates"}
            for c in self.rate_cards.values()
            if not c.get("archived_at")
        ]
        return {"data": cards, "next_page": None}

    def rate_card_archive(self, body: dict) -> dict:
        return {"data": {"id": self._archive(self.rate_cards, body.get("id"), "rate card")}}

    def rates_add(self, body: dict) -> dict:
        _require(body, "rate_card_id")
        card = self._live(self.rate_cards, body["rate_card_id"], "rate card")
        rates = body.get("rates") or []
        if not rates or len(rates) > 100:
            raise ApiError(400, "rates must hold 1 to 100 rates")
        for rate in rates:
            _require(rate, "product_id", "rate_type", "starting_at")
            if "entitled" not in rate:
                raise ApiError(400, "entitled is required")
            if rate["rate_type"] not in RATE_TYPES:
                raise ApiError(400, f"rate_type must be one of {sorted(RATE_TYPES)}")
            self._live(self.products, rate["product_id"], "product")
        card["rates"].extend(rates)
        return {"data": {"rate_card_id": card["id"]}}

    def rates_get(self, body: dict) -> dict:
        card = self._get(self.rate_cards, body.get("rate_card_id"), "rate card")
        return {"data": [dict(r) for r in card["rates"]], "next_page": None}

    def rate_schedule(self, body: dict) -> dict:
        """Every rate of the card, in getRateSchedule's shape (the price under `rate`)."""
        card = self._get(self.rate_cards, body.get("rate_card_id"), "rate card")
        rate_fields = ("rate_type", "price", "tiers", "is_prorated", "quantity")
        data = []
        for rate in card["rates"]:
            item = {k: v for k, v in rate.items() if k not in rate_fields}
            item["rate"] = {k: rate[k] for k in rate_fields if k in rate}
            data.append(item)
        if self.schedule_page is None:
            return {"data": data, "next_page": None}
        start = int(body.get("next_page") or 0)
        end = start + self.schedule_page
        return {"data": data[start:end], "next_page": str(end) if end < len(data) else None}

    # --- customers ---------------------------------------------------------------------------

    def customer_create_or_list(self, body: dict) -> dict:
        if not body:  # GET /v1/customers
            live = [c for c in self.customers.values() if not c.get("archived_at")]
            return {"data": live, "next_page": None}
        _require(body, "name")
        self._check_aliases(body.get("ingest_aliases") or [], None)
        customer = {
            "name": body["name"],
            "ingest_aliases": list(body.get("ingest_aliases") or []),
            "custom_fields": body.get("custom_fields") or {},
        }
        return {"data": {**customer, "id": self._store(self.customers, customer)}}

    def _check_aliases(self, aliases: list[str], owner: str | None) -> None:
        for customer in self.customers.values():
            if customer["id"] == owner or customer.get("archived_at"):
                continue
            taken = set(aliases) & set(customer["ingest_aliases"])
            if taken:
                raise ApiError(
                    409,
                    f"ingest alias {sorted(taken)[0]!r} already belongs to customer "
                    f"{customer['id']}",
                )

    def customer_get(self, body: dict, id_: str) -> dict:
        return {"data": self._get(self.customers, id_, "customer")}

    def customer_set_aliases(self, body: dict, id_: str) -> None:
        customer = self._live(self.customers, id_, "customer")
        aliases = body.get("ingest_aliases")
        if aliases is None:
            raise ApiError(400, "ingest_aliases is required")
        self._check_aliases(aliases, id_)
        customer["ingest_aliases"] = list(aliases)

    def customer_set_name(self, body: dict, id_: str) -> dict:
        _require(body, "name")
        customer = self._live(self.customers, id_, "customer")
        customer["name"] = body["name"]
        return {"data": customer}

    def customer_archive(self, body: dict) -> dict:
        return {"data": {"id": self._archive(self.customers, body.get("id"), "customer")}}

    # --- contracts ---------------------------------------------------------------------------

    def contract_create(self, body: dict) -> dict:
        _require(body, "customer_id", "starting_at")
        self._live(self.customers, body["customer_id"], "customer")
        if body.get("rate_card_id"):
            self._live(self.rate_cards, body["rate_card_id"], "rate card")
        key = body.get("uniqueness_key")
        if key in self._uniqueness:
            raise ApiError(409, f"uniqueness_key {key!r} was already used")
        for term in (
            "commits",
            "credits",
            "scheduled_charges",
            "overrides",
            "recurring_credits",
            "recurring_commits",
        ):
            for entry in body.get(term) or []:
                if "product_id" in entry:
                    self._live(self.products, entry["product_id"], "product")
        if key:
            self._uniqueness.add(key)
        contract = dict(body)
        if body.get("subscriptions"):
            contract["subscriptions"] = [self._subscription(s) for s in body["subscriptions"]]
        contract_id = self._store(self.contracts, contract)
        return {"data": {"id": contract_id}}

    @staticmethod
    def _subscription(entry: dict) -> dict:
        if entry.get("quantity_updates"):
            raise ApiError(400, "quantity_updates are set through a contract edit")
        return {**entry, "id": str(uuid.uuid4()), "quantity_updates": []}

    EDIT_TERMS: ClassVar[dict[str, str]] = {
        "add_overrides": "overrides",
        "add_commits": "commits",
        "add_credits": "credits",
        "add_scheduled_charges": "scheduled_charges",
        "add_recurring_commits": "recurring_commits",
        "add_recurring_credits": "recurring_credits",
        "add_subscriptions": "subscriptions",
    }
    EDIT_FIELDS: ClassVar[dict[str, str]] = {
        "update_contract_name": "name",
        "update_contract_end_date": "ending_before",
        "update_net_payment_terms_days": "net_payment_terms_days",
    }

    def contract_edit(self, body: dict) -> dict:
        _require(body, "contract_id", "customer_id")
        contract = self._live(self.contracts, body["contract_id"], "contract")
        if contract["customer_id"] != body["customer_id"]:
            raise ApiError(404, "contract not found for this customer")
        known = {"contract_id", "customer_id", "uniqueness_key", "update_subscriptions"}
        unknown = set(body) - known - set(self.EDIT_TERMS) - set(self.EDIT_FIELDS)
        if unknown:
            raise ApiError(400, f"unsupported edit field {sorted(unknown)[0]}")
        key = body.get("uniqueness_key")
        if key in self._uniqueness:
            raise ApiError(409, f"uniqueness_key {key!r} was already used")
        for field in self.EDIT_TERMS:
            for entry in body.get(field) or []:
                if "product_id" in entry:
                    self._live(self.products, entry["product_id"], "product")
        subscriptions = {s["id"]: s for s in contract.get("subscriptions") or []}
        for update in body.get("update_subscriptions") or []:
            if update.get("subscription_id") not in subscriptions:
                raise ApiError(400, f"no subscription {update.get('subscription_id')}")
            for quantity in update.get("quantity_updates") or []:
                _require(quantity, "starting_at")
        if key:
            self._uniqueness.add(key)
        for field, term in self.EDIT_TERMS.items():
            added = body.get(field) or []
            if field == "add_subscriptions":
                added = [self._subscription(s) for s in added]
            if added:
                contract[term] = [*(contract.get(term) or []), *added]
        for update in body.get("update_subscriptions") or []:
            subscriptions[update["subscription_id"]]["quantity_updates"] += (
                update.get("quantity_updates") or []
            )
        for field, name in self.EDIT_FIELDS.items():
            if field in body:
                contract[name] = body[field]
        contract.setdefault("edits", []).append(body)
        return {"data": {"id": contract["id"]}}

    def contract_get(self, body: dict) -> dict:
        contract = self._get(self.contracts, body.get("contract_id"), "contract")
        if contract["customer_id"] != body.get("customer_id"):
            raise ApiError(404, "contract not found for this customer")
        return {"data": contract}

    def contract_list(self, body: dict) -> dict:
        """The customer's live contracts, each with its terms under `initial` (v1's shape)."""
        found = [
            {"id": c["id"], "customer_id": c["customer_id"], "initial": c}
            for c in self.contracts.values()
            if c["customer_id"] == body.get("customer_id") and not c.get("archived_at")
        ]
        return {"data": found}

    def contract_archive(self, body: dict) -> dict:
        _require(body, "contract_id", "customer_id")
        return {"data": {"id": self._archive(self.contracts, body["contract_id"], "contract")}}

    # --- custom fields ----------------------------------------------------------------------

    ENTITIES: ClassVar[dict[str, str]] = {
        "billable_metric": "metrics",
        "contract_product": "products",
        "rate_card": "rate_cards",
        "customer": "customers",
        "contract": "contracts",
    }

    def _entity(self, body: dict) -> dict[str, str]:
        _require(body, "entity", "entity_id")
        table = self.ENTITIES.get(body["entity"])
        if table is None:
            raise ApiError(400, f"entity must be one of {sorted(self.ENTITIES)}")
        self._get(getattr(self, table), body["entity_id"], body["entity"])
        return self.custom_fields[body["entity"]].setdefault(body["entity_id"], {})

    def custom_fields_set(self, body: dict) -> None:
        values = body.get("custom_fields")
        if not isinstance(values, dict) or not values:
            raise ApiError(400, "custom_fields is required")
        if any(len(str(v)) > 200 for v in values.values()):
            raise ApiError(400, "custom field values are limited to 200 characters")
        self._entity(body).update(values)

    def custom_fields_delete(self, body: dict) -> None:
        keys = body.get("keys")
        if not keys:
            raise ApiError(400, "keys is required")
        fields = self._entity(body)
        for key in keys:
            fields.pop(key, None)

    # --- credit types and events ------------------------------------------------------------

    def credit_type_create(self, body: dict) -> dict:
        _require(body, "name")
        return {"data": {"id": self._store(self.credit_types, {"name": body["name"]})}}

    def credit_type_list(self, body: dict) -> dict:
        return {"data": list(self.credit_types.values()), "next_page": None}

    def credit_type_archive(self, body: dict) -> dict:
        return {"data": {"id": self._archive(self.credit_types, body.get("id"), "credit type")}}

    def ingest(self, body: Any) -> None:
        events = body if isinstance(body, list) else []
        if len(events) > 100:
            raise ApiError(400, "at most 100 events per request")
        for event in events:
            _require(event, "transaction_id", "customer_id", "event_type", "timestamp")
        self.events.extend(events)

    # --- storage -----------------------------------------------------------------------------

    def _store(self, table: dict, obj: dict) -> str:
        id_ = str(uuid.uuid4())
        table[id_] = {**obj, "id": id_, "archived_at": None}
        return id_

    def _get(self, table: dict, id_: Any, what: str) -> dict:
        if not isinstance(id_, str) or id_ not in table:
            raise ApiError(404, f"{what} {id_} not found")
        return table[id_]

    def _live(self, table: dict, id_: Any, what: str) -> dict:
        obj = self._get(table, id_, what)
        if obj.get("archived_at"):
            raise ApiError(400, f"{what} {id_} is archived")
        return obj

    def _archive(self, table: dict, id_: Any, what: str) -> str:
        obj = self._get(table, id_, what)
        obj["archived_at"] = obj.get("archived_at") or "2026-12-01T00:00:00Z"
        return obj["id"]


class _Handler(BaseHTTPRequestHandler):
    api: FakeMetronome

    def log_message(self, *args) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw, parse_float=Decimal) if raw else {}
        path, _, query = self.path.partition("?")
        if path.endswith("/getRateSchedule") and query:  # its cursor travels in the query
            body = {**body, **dict(urllib.parse.parse_qsl(query))}
        status, payload = self.api.handle(
            method,
            path,
            body,
            self.headers.get("authorization"),
            self.headers.get("idempotency-key"),
        )
        data = b"" if payload is None else json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if status >= 500 or status == 409:
            self.send_header("retry-after-ms", "1")
        if status == 409:  # a client error here: do not let the SDK retry it
            self.send_header("x-should-retry", "false")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")


class MetronomeServer:
    """`with MetronomeServer(token) as server:` -> server.url, server.api (the FakeMetronome)."""

    def __init__(self, token: str = "test-token") -> None:
        self.api = FakeMetronome(token)
        handler = type("Handler", (_Handler,), {"api": self.api})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> MetronomeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
