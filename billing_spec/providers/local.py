"""The local provider: the state file is the applied catalog; there is nothing remote to call.

Every handler only hands out IDs: a new `local-<uuid>` on create (and so on replace), the same ID
on update. `read` returns what the state recorded, so a local state never drifts. This is the
provider `plan` and `apply` use by default, and the reference the Metronome provider must match
in everything but the remote calls.
"""

from __future__ import annotations

import uuid
from typing import Any

from billing_spec.addresses import TYPES
from billing_spec.compile import CompiledResource
from billing_spec.plan.model import ResourceChange
from billing_spec.providers.base import Provider
from billing_spec.state.model import ResourceState


def new_id() -> str:
    return f"local-{uuid.uuid4().hex}"


class LocalHandler:
    def create(self, resource: CompiledResource) -> str:
        return new_id()

    def update(self, change: ResourceChange, prior: ResourceState) -> str:
        return prior.remote_id or new_id()

    def delete(self, prior: ResourceState) -> None:
        return None

    def read(self, prior: ResourceState) -> dict[str, Any] | None:
        return prior.content


class LocalProvider(Provider):
    name = "local"

    def __init__(self) -> None:
        handler = LocalHandler()
        self.handlers = {type_: handler for type_ in TYPES}
