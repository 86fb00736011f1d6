"""The provider interface: create, update, replace, delete and read, per resource kind.

A `Provider` has one `ResourceHandler` per resource type (`billable_metric`, `product`, ...),
because each kind maps to different remote calls (Metronome creates a metric with one endpoint,
archives it with another, and cannot update it at all). Apply calls the provider once per pending
change and records the remote ID it returns in the state:

    create(resource)               -> remote ID of the new object
    update(change, prior)          -> remote ID (the same one, unless the provider had to move it)
    replace(change, prior, new)    -> remote ID of the replacement (default: delete, then create)
    delete(prior)                  -> None
    read(prior)                    -> the object's content as it is now, or None if it is gone

`read` is the refresh: `refresh_state` reads every applied object and reports drift (changes made
outside billing-spec). `check(plan)` lets a provider refuse at plan time what it cannot express.
A provider raises `ProviderError` for a failure the user should see; apply stops there, and the
changes before it stay recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from billing_spec.compile import CompiledResource
from billing_spec.jsontext import digest_of
from billing_spec.plan.model import Action, Finding, Plan, ResourceChange
from billing_spec.state.model import ResourceState, State


class ProviderError(Exception):
    """A remote call failed; the message is for the user.

    A change that failed part-way says what it did: `remote_id` of the object that now exists
    and `applied`, its content as far as it was carried out. Apply records that in the state, so
    the next apply does only the rest.
    """

    def __init__(
        self, message: str, *, remote_id: str | None = None, applied: dict | None = None
    ) -> None:
        super().__init__(message)
        self.remote_id = remote_id
        self.applied = applied


class ResourceHandler(Protocol):
    def create(self, resource: CompiledResource) -> str: ...

    def update(self, change: ResourceChange, prior: ResourceState) -> str: ...

    def delete(self, prior: ResourceState) -> None: ...

    def read(self, prior: ResourceState) -> dict[str, Any] | None: ...


class Provider:
    """Dispatches each call to the handler for the resource's type."""

    name = "provider"
    handlers: Mapping[str, ResourceHandler] = {}
    remote = False  # True: its changes exist outside the state, so apply fsyncs each record

    def handler(self, type_: str) -> ResourceHandler:
        try:
            return self.handlers[type_]
        except KeyError:
            raise ProviderError(
                f"the {self.name} provider cannot manage {type_} resources"
            ) from None

    def create(self, resource: CompiledResource) -> str:
        return self.handler(resource.type).create(resource)

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        return self.handler(change.type).update(change, prior)

    def replace(
        self, change: ResourceChange, prior: ResourceState, resource: CompiledResource
    ) -> str:
        """The handler's own `replace` if it has one, else delete, then create."""
        own = getattr(self.handler(change.type), "replace", None)
        if own is not None:
            return own(change, prior, resource)
        self.delete(prior)
        return self.create(resource)

    def observe(self, state: State) -> None:
        """Told the state before each change (a provider that maps references to remote IDs
        reads them here); nothing by default."""

    def delete(self, prior: ResourceState) -> None:
        self.handler(prior.type).delete(prior)

    def read(self, prior: ResourceState) -> dict[str, Any] | None:
        return self.handler(prior.type).read(prior)

    def check(self, plan: Plan) -> list[Finding]:
        """Plan-time findings about what this provider cannot do (none by default)."""
        return []

    def lifts(self, finding: Finding, plan: Plan) -> bool:
        """Whether this provider makes safe what `finding` refuses (say, a replace it carries
        out by moving the referrers first); its `check` then says how. None by default."""
        return False


def refresh_state(state: State, provider: Provider) -> tuple[State, tuple[ResourceChange, ...]]:
    """Read every applied object; return the state as it really is and the drift found.

    Drift is reported as changes from the recorded content (`before`) to the remote one
    (`after`; None when the object is gone). The refreshed state is planned against, not written.
    """
    drift: list[ResourceChange] = []
    refreshed = state
    provider.observe(state)
    for address, prior in state.resources.items():
        remote = provider.read(prior)
        if remote == prior.content:
            continue
        action = Action.DELETE if remote is None else Action.UPDATE
        drift.append(
            ResourceChange(
                address=address,
                type=prior.type,
                name=prior.name,
                action=action,
                before=prior.content,
                after=remote,
            )
        )
        resource = (
            None
            if remote is None
            else prior.model_copy(update={"content": remote, "digest": digest_of(remote)})
        )
        refreshed = refreshed.with_resource(address, resource)
    return refreshed, tuple(drift)
