"""The Metronome provider: apply's changes as calls to Metronome's API through `metronome-sdk`.

The only module that imports the SDK. Credentials and endpoint come from the environment, as the
SDK reads them (`METRONOME_BEARER_TOKEN`, `METRONOME_BASE_URL`); the token is never printed,
stored or put in an error message. Retries (408/409/429/5xx, connection errors) are the SDK's,
`max_retries` times.

The mapping (README, "The Metronome provider"):

    credit_type      create a pricing unit; delete = archive; a rename is refused (no endpoint)
    billable_metric  create; rename in place; delete = archive; replace = create the new one,
                     move every product using it to the new one (product update at
                     `effective_at`), then archive the old one (never archive first)
    product          create; update = products/update of the changed fields at `effective_at`
                     (hour-aligned; default the next hour); delete = archive
    rate_card        create, then its rates through addRates, 100 a call; later rates are
                     appended the same way; removing or changing a rate is refused (append-only);
                     name, description and aliases update in place; delete = archive
    customer         create with its ingest aliases; setName, setIngestAliases; an alias moving
                     from one customer to another is removed from the giver first
    contract         create with a uniqueness_key from address and digest; delete = archive;
                     an edit is refused (contract edits are not sent yet)

A change that stops part-way (a rate card whose second batch of rates was rejected, a metric
whose replacement exists but whose old one is not archived yet) raises `ProviderError` with
what was done (`remote_id`, `applied`), and apply records that, so the next apply carries on
without creating anything twice. Each handler's `read` is the refresh (`plan --refresh`); without
`refresh=True` it returns what the state recorded, so a plan makes no remote calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from billing_spec.compile import CompiledResource
from billing_spec.plan.model import ResourceChange
from billing_spec.plan.rates import describe_rate, rate_identity
from billing_spec.providers.base import Provider, ProviderError
from billing_spec.providers.metronome import payloads
from billing_spec.state.model import ResourceState, State

TOKEN_ENV = "METRONOME_BEARER_TOKEN"
BASE_URL_ENV = "METRONOME_BASE_URL"


def next_hour(now: datetime) -> datetime:
    """The first hour boundary after `now` (a product update's default `starting_at`)."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour if hour == now else hour + timedelta(hours=1)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MetronomeProvider(Provider):
    name = "metronome"
    remote = True

    def __init__(
        self,
        *,
        max_retries: int = 3,
        effective_at: datetime | None = None,
        refresh: bool = False,
        client: Any = None,
        base_url: str | None = None,
        token_env: str | None = None,
        allow_replace_contracts: bool = False,
    ) -> None:
        self.allow_replace_contracts = allow_replace_contracts
        self.max_retries = max_retries
        self.base_url = base_url
        self.token_env = token_env or TOKEN_ENV
        self.effective_at = effective_at
        self.refresh = refresh
        self._client = client
        self.state = State()
        self.handlers = {
            "credit_type": CreditTypes(self),
            "billable_metric": Metrics(self),
            "product": Products(self),
            "rate_card": RateCards(self),
            "customer": Customers(self),
            "contract": Contracts(self),
        }

    # --- what every handler shares --------------------------------------------------------

    def observe(self, state: State) -> None:
        self.state = state

    @property
    def client(self):
        if self._client is None:
            self._client = _make_client(self.max_retries, self.token_env, self.base_url)
        return self._client

    def id_of(self, address: str) -> str:
        resource = self.state.resources.get(address)
        if resource is None or not resource.remote_id:
            raise ProviderError(f"{address} has no Metronome ID in the state yet")
        return resource.remote_id

    def starting_at(self) -> str:
        """When a product update takes effect: --effective-at, else the next hour."""
        if self.effective_at is not None:
            moment = self.effective_at
            if moment != moment.replace(minute=0, second=0, microsecond=0):
                raise ProviderError(
                    f"--effective-at {timestamp(moment)} is not on the hour; Metronome "
                    "schedules product changes at hour boundaries"
                )
            return timestamp(moment)
        return timestamp(next_hour(datetime.now(UTC)))

    def call(self, what: str, function, /, *, key: str | None = None, **kwargs) -> Any:
        """One API call; the SDK's errors become `ProviderError`s with Metronome's message.
        `key` is sent as the Idempotency-Key header, so the SDK's retry of a call whose answer
        was lost gets the first answer again instead of making a second object."""
        import metronome

        if key is not None:
            kwargs["extra_headers"] = {"Idempotency-Key": key}
        try:
            return function(**kwargs)
        except metronome.APIStatusError as exc:
            raise ProviderError(
                f"Metronome refused {what} ({exc.status_code}): {_message(exc)}"
            ) from None
        except metronome.APIConnectionError as exc:
            raise ProviderError(f"cannot reach Metronome for {what}: {_safe(str(exc))}") from None
        except metronome.MetronomeError as exc:
            raise ProviderError(f"{what} failed: {_safe(str(exc))}") from None

    def custom_fields(
        self, entity: str, entity_id: str, before: dict, after: dict, *, done: dict
    ) -> None:
        """A resource's custom_fields changed in place: customFields setValues for the new and
        changed values, deleteValues for the removed keys. On a failure, `done` (the content
        with the old custom fields) is what is recorded, so the next apply sends them again."""
        values, removed = payloads.custom_field_changes(before, after)
        fields = self.client.v1.custom_fields
        try:
            if values:
                self.call(
                    f"customFields setValues on the {entity}",
                    fields.set_values,
                    entity=entity,
                    entity_id=entity_id,
                    custom_fields=values,
                )
            if removed:
                self.call(
                    f"customFields deleteValues on the {entity}",
                    fields.delete_values,
                    entity=entity,
                    entity_id=entity_id,
                    keys=removed,
                )
        except ProviderError as exc:
            raise ProviderError(str(exc), remote_id=entity_id, applied=done) from None

    def check(self, plan) -> list:
        from billing_spec.providers.metronome.checks import plan_findings

        return plan_findings(
            plan, refreshed=self.refresh, allow_replace_contracts=self.allow_replace_contracts
        )

    def lifts(self, finding, plan) -> bool:
        """A replaced metric is safe here: its products move to the new one before the old
        one is archived (`check` says so with W982)."""
        from billing_spec.providers.metronome.checks import replaced_metrics

        return finding.diagnostic.code == "E812" and finding.address in replaced_metrics(plan)


def _make_client(max_retries: int, token_env: str, base_url: str | None):
    """The SDK client; the token is read from `token_env` (METRONOME_BEARER_TOKEN unless an
    environment names another variable), the endpoint from `base_url` or METRONOME_BASE_URL."""
    import os

    token = os.environ.get(token_env)
    if not token:
        raise ProviderError(
            f"{token_env} is not set: the metronome provider needs an API token "
            f"(and {BASE_URL_ENV} for anything but https://api.metronome.com)"
        )
    import metronome

    _TOKENS.add(token)
    return metronome.Metronome(bearer_token=token, base_url=base_url, max_retries=max_retries)


_TOKENS: set[str] = set()  # the tokens in use, masked in every message


def _message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and body.get("message"):
        return _safe(str(body["message"]))
    return _safe(getattr(exc, "message", "") or str(exc))


def _safe(text: str) -> str:
    """An error text with the bearer token (should Metronome ever echo it) masked."""
    import os

    for token in {os.environ.get(TOKEN_ENV), *_TOKENS} - {None, ""}:
        text = text.replace(token, "***")
    return text


def _id(response: Any) -> str:
    return response.data.id


def _key(resource: CompiledResource) -> str:
    """The Idempotency-Key of a resource's create: the same content at the same address."""
    return payloads.idempotency_key(resource.address, "create", resource.digest)


class _Handler:
    def __init__(self, provider: MetronomeProvider) -> None:
        self.p = provider

    @property
    def v1(self):
        return self.p.client.v1

    def read(self, prior: ResourceState) -> dict[str, Any] | None:
        """The object as Metronome has it now, in catalog terms (None: archived or gone).
        Without `refresh` (`plan --refresh`), what the state recorded: no remote call."""
        if not self.p.refresh or not prior.remote_id:
            return prior.content
        found = self.fetch(prior)
        if found is None or found.get("archived_at"):
            return None
        return self.patched(prior.content, found)

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        return None

    def patched(self, content: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        """`content` with the fields a refresh reads (`REFRESHED`) as Metronome has them."""
        out = dict(content)
        for field in self.REFRESHED:
            if field in found and found[field] is not None:
                out[field] = found[field]
        return out

    REFRESHED: tuple[str, ...] = ("name",)

    def get(self, what: str, function, /, **kwargs) -> dict[str, Any] | None:
        """A read; a 404 means the object is gone."""
        import metronome

        try:
            response = function(**kwargs)
        except metronome.NotFoundError:
            return None
        except metronome.MetronomeError:
            return self.p.call(what, function, **kwargs)  # raises, with Metronome's message
        return response.data.model_dump(mode="json")

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        raise ProviderError(f"Metronome cannot update a {prior.type} in place")


class CreditTypes(_Handler):
    def create(self, resource: CompiledResource) -> str:
        body = {"name": resource.content["name"]}
        return _id(
            self.p.call(
                "pricing unit create", self.v1.pricing_units.create, key=_key(resource), **body
            )
        )

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        raise ProviderError(
            "Metronome cannot rename a pricing unit; keep its name, or add a new credit type"
        )

    def delete(self, prior: ResourceState) -> None:
        self.p.call("pricing unit archive", self.v1.pricing_units.archive, id=prior.remote_id)

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        for unit in self.p.call("pricing unit list", self.v1.pricing_units.list):
            data = unit.model_dump(mode="json")
            if data.get("id") == prior.remote_id:
                return data
        return None


class Metrics(_Handler):
    def create(self, resource: CompiledResource) -> str:
        body = payloads.metric_body(resource.content)
        create = self.v1.billable_metrics.create
        return _id(self.p.call("billable metric create", create, key=_key(resource), **body))

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        before, after = change.before or {}, change.after or {}
        if before.get("name") != after.get("name"):
            self.p.call(
                "billable metric rename",
                self.v1.billable_metrics.update,
                billable_metric_id=prior.remote_id,
                name=after["name"],
            )
        self.p.custom_fields(
            "billable_metric", prior.remote_id, before, after, done=_old_fields(before, after)
        )
        return prior.remote_id

    def replace(self, change: ResourceChange, prior: ResourceState, new: CompiledResource) -> str:
        """Create the new metric, move its products to it, then archive the old one."""
        new_id = self.create(new)
        try:
            products = self.p.handlers["product"]
            for address, product in sorted(self.p.state.resources.items()):
                if product.type == "product" and product.content.get("billable_metric") in (
                    prior.name,
                    new.name,
                ):
                    products.move_metric(address, product, new_id)
            self.delete(prior)
        except ProviderError as exc:
            raise ProviderError(str(exc), remote_id=new_id, applied=new.content) from None
        return new_id

    def delete(self, prior: ResourceState) -> None:
        self.p.call("billable metric archive", self.v1.billable_metrics.archive, id=prior.remote_id)

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        return self.get(
            "billable metric get",
            self.v1.billable_metrics.retrieve,
            billable_metric_id=prior.remote_id,
        )


class Products(_Handler):
    def create(self, resource: CompiledResource) -> str:
        body = payloads.product_body(resource.content, self.p.id_of)
        create = self.v1.contracts.products.create
        return _id(self.p.call("product create", create, key=_key(resource), **body))

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        fields = payloads.product_update_body(change.before, change.after, self.p.id_of)
        if fields:
            self.p.call(
                "product update",
                self.v1.contracts.products.update,
                product_id=prior.remote_id,
                starting_at=self.p.starting_at(),
                **fields,
            )
        before, after = change.before or {}, change.after or {}
        self.p.custom_fields(
            "contract_product", prior.remote_id, before, after, done=_old_fields(before, after)
        )
        return prior.remote_id

    def move_metric(self, address: str, product: ResourceState, metric_id: str) -> None:
        self.p.call(
            f"product update of {address}",
            self.v1.contracts.products.update,
            product_id=product.remote_id,
            starting_at=self.p.starting_at(),
            billable_metric_id=metric_id,
        )

    def delete(self, prior: ResourceState) -> None:
        self.p.call(
            "product archive", self.v1.contracts.products.archive, product_id=prior.remote_id
        )

    REFRESHED = ("name", "tags")

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        found = self.get("product get", self.v1.contracts.products.retrieve, id=prior.remote_id)
        if found is None:
            return None
        return {**(found.get("current") or {}), "archived_at": found.get("archived_at")}


class RateCards(_Handler):
    def create(self, resource: CompiledResource) -> str:
        body = payloads.rate_card_body(resource.content, self.p.id_of)
        create = self.v1.contracts.rate_cards.create
        card_id = _id(self.p.call("rate card create", create, key=_key(resource), **body))
        empty = {**resource.content, "rates": []}
        self._add_rates(card_id, empty, resource.content.get("rates") or [])
        return card_id

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        before, after = change.before or {}, change.after or {}
        added = _added_rates(before.get("rates") or [], after.get("rates") or [])
        fields = {k: after.get(k) for k in ("name", "description") if before.get(k) != after.get(k)}
        if before.get("aliases") != after.get("aliases"):
            fields["aliases"] = payloads.translate(after.get("aliases") or [], _none)
        conversions = _added_conversions(before, after)
        if conversions:
            fields["add_credit_type_conversions"] = payloads.translate(conversions, self.p.id_of)
        if fields:
            self.p.call(
                "rate card update",
                self.v1.contracts.rate_cards.update,
                rate_card_id=prior.remote_id,
                **fields,
            )
        recorded = {**after, "rates": before.get("rates") or []}
        self._add_rates(prior.remote_id, recorded, added)
        self.p.custom_fields(
            "rate_card", prior.remote_id, before, after, done=_old_fields(before, after)
        )
        return prior.remote_id

    def _add_rates(self, card_id: str, recorded: dict, rates: list[dict]) -> None:
        """addRates in batches; on a failure, what is on the card so far is recorded."""
        done = list(recorded.get("rates") or [])
        for batch in payloads.batches(rates):
            body = [payloads.rate_body(rate, self.p.id_of) for rate in batch]
            try:
                self.p.call(
                    "addRates",
                    self.v1.contracts.rate_cards.rates.add_many,
                    key=payloads.idempotency_key(card_id, "addRates", body),
                    rate_card_id=card_id,
                    rates=body,
                )
            except ProviderError as exc:
                applied = {**recorded, "rates": sorted(done, key=_rate_order)}
                raise ProviderError(str(exc), remote_id=card_id, applied=applied) from None
            done += batch

    def delete(self, prior: ResourceState) -> None:
        self.p.call("rate card archive", self.v1.contracts.rate_cards.archive, id=prior.remote_id)

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        card = self.get("rate card get", self.v1.contracts.rate_cards.retrieve, id=prior.remote_id)
        if card is None or card.get("archived_at"):
            return card
        return {**card, "rates": self._schedule(prior.remote_id)}

    def _schedule(self, card_id: str) -> list[dict]:
        return rate_schedule(self.p, card_id)

    def patched(self, content: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        """The name as Metronome has it, and the rates: those recorded that Metronome still
        has, in their order, then the ones added outside the catalog."""
        out = super().patched(content, found)
        remote = [_remote_rate_key(r) for r in found.get("rates") or []]
        kept = []
        for rate in content.get("rates") or []:
            key = self._rate_key(rate)
            if key in remote:
                remote.remove(key)
                kept.append(rate)
        extra = [r for r in found.get("rates") or [] if _remote_rate_key(r) in remote]
        out["rates"] = kept + [self._catalog_rate(r) for r in extra]
        return out

    def _rate_key(self, rate: dict) -> str:
        try:
            return _wire_rate_key(payloads.rate_body(rate, self.p.id_of))
        except (ProviderError, payloads.NotExpressible):
            return ""  # never sent as such: it cannot match a rate Metronome has

    def _catalog_rate(self, item: dict) -> dict:
        """A rate added in Metronome, in catalog terms (a product the state does not know is
        named by its Metronome ID)."""
        from billing_spec.providers.metronome.importer import _Names, _rate

        names = _Names()
        for address, resource in self.p.state.resources.items():
            if resource.remote_id:
                names.by_remote[resource.remote_id] = address.partition(".")[2]
        names.by_remote.setdefault(item["product_id"], item["product_id"])
        terms = dict(item.get("rate") or {})
        credit = terms.pop("credit_type", None) or {}
        credit_id = credit.get("id") if isinstance(credit, dict) else None
        rate = _jsonable(_rate({**item, "rate": terms}, names))
        if not credit_id or credit_id == payloads.USD_CREDIT_TYPE_ID:
            rate["credit_type"] = payloads.USD_CREDIT_TYPE
        else:
            rate["credit_type"] = names.by_remote.get(credit_id, credit_id)
        return rate


def _old_fields(before: dict, after: dict) -> dict:
    """`after` with `before`'s custom fields: what is done when only they failed."""
    done = {k: v for k, v in after.items() if k != "custom_fields"}
    if "custom_fields" in before:
        done["custom_fields"] = before["custom_fields"]
    return done


# the fields that tell two rates apart, as sent to addRates (a getRateSchedule item has its
# price, tiers and the like under `rate`)
_RATE_FIELDS = (
    "product_id",
    "starting_at",
    "ending_before",
    "entitled",
    "pricing_group_values",
    "billing_frequency",
    "rate_type",
    "price",
    "tiers",
    "quantity",
    "is_prorated",
)


def _wire_rate_key(body: dict) -> str:
    """A rate's identity and terms, normalised: numbers as decimals, instants in UTC."""
    from billing_spec.jsontext import canonical_json

    return canonical_json({f: _norm(body.get(f)) for f in _RATE_FIELDS if body.get(f) is not None})


def _remote_rate_key(item: dict) -> str:
    flat = {**item, **(item.get("rate") or {})}
    return _wire_rate_key(flat)


def _norm(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return str(Decimal(repr(value) if isinstance(value, float) else value).normalize())
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return timestamp(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if isinstance(value, str):
        try:
            from decimal import Decimal, InvalidOperation

            return str(Decimal(value).normalize())
        except InvalidOperation:
            return value
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Decimals as the decimal strings the compiled catalog holds."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        from billing_spec.providers.metronome.importer import _plain

        return _plain(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _rate_order(rate: dict) -> tuple[str, ...]:
    return rate_identity(rate)


def _added_rates(before: list[dict], after: list[dict]) -> list[dict]:
    """The rates to append; a rate removed or changed is refused (rates are append-only)."""
    old = {rate_identity(r): r for r in before}
    new = {rate_identity(r): r for r in after}
    for identity, rate in old.items():
        if new.get(identity) != rate:
            what = "removed" if identity not in new else "changed"
            raise ProviderError(append_only_reason(rate, what))
    return [rate for identity, rate in new.items() if identity not in old]


def append_only_reason(rate: dict, what: str) -> str:
    return (
        f"the rate for {describe_rate(rate)} would be {what}, but Metronome's rates are "
        "append-only (no endpoint edits or deletes a rate); leave it as it is and add a rate "
        "with a later starting_at that supersedes it"
    )


def _added_conversions(before: dict, after: dict) -> list[dict]:
    old = before.get("credit_type_conversions") or []
    return [c for c in after.get("credit_type_conversions") or [] if c not in old]


def _none(address: str) -> str:
    raise ProviderError(f"unexpected reference to {address}")


class Customers(_Handler):
    def create(self, resource: CompiledResource) -> str:
        aliases = resource.content.get("ingest_aliases") or []
        self._take_aliases(resource.address, aliases)
        body = payloads.customer_body(resource.content)
        create = self.v1.customers.create
        return _id(self.p.call("customer create", create, key=_key(resource), **body))

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        before, after = change.before or {}, change.after or {}
        if before.get("name") != after.get("name"):
            self.p.call(
                "customer setName",
                self.v1.customers.set_name,
                customer_id=prior.remote_id,
                name=after["name"],
            )
        aliases = after.get("ingest_aliases") or []
        if (before.get("ingest_aliases") or []) != aliases:
            self._take_aliases(change.address, aliases)
            self.p.call(
                "customer setIngestAliases",
                self.v1.customers.set_ingest_aliases,
                customer_id=prior.remote_id,
                ingest_aliases=aliases,
            )
        self.p.custom_fields(
            "customer", prior.remote_id, before, after, done=_old_fields(before, after)
        )
        return prior.remote_id

    def _take_aliases(self, taker: str, aliases: list[str]) -> None:
        """Remove from other customers the aliases `taker` is about to get (giver first)."""
        wanted = set(aliases)
        for address, giver in sorted(self.p.state.resources.items()):
            if giver.type != "customer" or address == taker or not giver.remote_id:
                continue
            held = giver.content.get("ingest_aliases") or []
            if wanted & set(held):
                self.p.call(
                    f"customer setIngestAliases of {address}",
                    self.v1.customers.set_ingest_aliases,
                    customer_id=giver.remote_id,
                    ingest_aliases=[a for a in held if a not in wanted],
                )

    def delete(self, prior: ResourceState) -> None:
        self.p.call("customer archive", self.v1.customers.archive, id=prior.remote_id)

    REFRESHED = ("name", "ingest_aliases")

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        return self.get("customer get", self.v1.customers.retrieve, customer_id=prior.remote_id)


class Contracts(_Handler):
    """Contracts: create; additive changes through one v2 contract edit; anything else is a
    replace (`--allow-replace-contracts`): the new contract first, then the old one archived."""

    def create(self, resource: CompiledResource) -> str:
        content, seats = _without_quantity_updates(resource.content)
        body = payloads.contract_body(resource.address, resource.digest, content, self.p.id_of)
        create = self.v1.contracts.create
        contract_id = _id(self.p.call("contract create", create, key=_key(resource), **body))
        if seats:  # later seat counts: a contract edit once the contract exists
            try:
                self._edit(resource.address, contract_id, content, resource.content)
            except ProviderError as exc:
                raise ProviderError(str(exc), remote_id=contract_id, applied=content) from None
        return contract_id

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        before, after = change.before or {}, change.after or {}
        _, refused = payloads.contract_edit(before, after)
        if refused:
            if not self.p.allow_replace_contracts:
                raise ProviderError(contract_refusal(refused))
            return self._replace(change.address, prior, after)
        self._edit(change.address, prior.remote_id, before, after, prior)
        self.p.custom_fields(
            "contract",
            prior.remote_id,
            before,
            after,
            done=_old_fields(before, after),
        )
        return prior.remote_id

    def replace(self, change: ResourceChange, prior: ResourceState, new: CompiledResource) -> str:
        if not self.p.allow_replace_contracts:
            raise ProviderError(
                f"replacing a contract needs --allow-replace-contracts ({REPLACE_HOW})"
            )
        return self._replace(change.address, prior, new.content)

    def _replace(self, address: str, prior: ResourceState, content: dict) -> str:
        """Create the new contract (a new uniqueness_key: new content), then archive the old."""
        from billing_spec.compile import dependencies
        from billing_spec.jsontext import digest_of

        digest = digest_of(content)
        new = CompiledResource(
            address=address,
            type=prior.type,
            name=prior.name,
            content=content,
            digest=digest,
            depends_on=dependencies(content),
        )
        new_id = self.create(new)
        try:
            self.delete(prior)
        except ProviderError as exc:
            raise ProviderError(
                f"{exc}; the new contract {new_id} exists, the old one {prior.remote_id} is "
                "not archived yet: archive it in Metronome",
                remote_id=new_id,
                applied=content,
            ) from None
        return new_id

    def _edit(
        self,
        address: str,
        contract_id: str,
        before: dict,
        after: dict,
        prior: ResourceState | None = None,
    ) -> None:
        """One v2 contract edit; its uniqueness_key and Idempotency-Key come from the contract
        and the change, so a retried or resumed edit is not made twice."""
        edit, _ = payloads.contract_edit(before, after)
        if not edit:
            return
        customer_id = self.p.id_of(f"customer.{after['customer']}")
        subscriptions = []
        if "quantity_updates" in edit:
            subscriptions = self._subscription_ids(contract_id, customer_id)
        body = payloads.contract_edit_body(edit, self.p.id_of, subscriptions)
        if not body:
            return
        key = payloads.idempotency_key(address, "edit", contract_id, before, after)
        self.p.call(
            "contract edit",
            self.p.client.v2.contracts.edit,
            key=key,
            contract_id=contract_id,
            customer_id=customer_id,
            uniqueness_key=key,
            **body,
        )

    def _subscription_ids(self, contract_id: str, customer_id: str) -> list[str]:
        found = self.p.call(
            "contract get",
            self.p.client.v2.contracts.retrieve,
            contract_id=contract_id,
            customer_id=customer_id,
        )
        return [s.id for s in found.data.subscriptions or []]

    REFRESHED = ("name",)

    def fetch(self, prior: ResourceState) -> dict[str, Any] | None:
        customer = self.p.state.resources.get(f"customer.{prior.content['customer']}")
        if customer is None or not customer.remote_id:
            return None
        return self.get(
            "contract get",
            self.v1.contracts.retrieve,
            contract_id=prior.remote_id,
            customer_id=customer.remote_id,
        )

    def patched(self, content: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        if "name" not in content:  # Metronome names an unnamed contract itself
            return content
        return super().patched(content, found)

    def delete(self, prior: ResourceState) -> None:
        customer = f"customer.{prior.content['customer']}"
        self.p.call(
            "contract archive",
            self.v1.contracts.archive,
            contract_id=prior.remote_id,
            customer_id=self.p.id_of(customer),
            void_invoices=False,
        )


REPLACE_HOW = "the new contract is created first, then the old one is archived"


def contract_refusal(refused: list) -> str:
    """Why a contract change cannot be an edit, and the way out."""
    what = "; ".join(why for _, why in refused)
    return (
        f"{what}. Metronome's contract edit cannot make this change; plan and apply with "
        f"--allow-replace-contracts to replace the contract ({REPLACE_HOW}), or make the "
        "change additive"
    )


def _without_quantity_updates(content: dict) -> tuple[dict, bool]:
    """The contract without its subscriptions' quantity_updates (sent by an edit after the
    create), and whether it had any."""
    subscriptions = content.get("subscriptions") or []
    if not any(s.get("quantity_updates") for s in subscriptions):
        return content, False
    stripped = [{k: v for k, v in s.items() if k != "quantity_updates"} for s in subscriptions]
    return {**content, "subscriptions": stripped}, True


def rate_schedule(provider: Any, card_id: str) -> list[dict]:
    """Every rate on a rate card (getRateSchedule from the epoch), page by page, as JSON."""
    v1 = provider.client.v1
    rates: list[dict] = []
    page: str | None = None
    while True:
        extra = {"next_page": page} if page else {}
        found = provider.call(
            "rate schedule",
            v1.contracts.rate_cards.retrieve_rate_schedule,
            rate_card_id=card_id,
            starting_at="1970-01-01T00:00:00Z",
            **extra,
        )
        rates += [r.model_dump(mode="json") for r in found.data]
        page = getattr(found, "next_page", None)
        if not page:
            return rates
