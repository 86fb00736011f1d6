"""The in-memory state: what was last applied, per address, and which plans did it.

A `State` is immutable; apply derives a new one after each change (`with_resource`,
`with_progress`) and the store writes it, bumping `serial`. Its file form is `to_json()`:
key-sorted, indented JSON, so the same state always has the same bytes and diffs well.

    {"format_version": 1, "lineage": "<uuid4>", "serial": 3, "tool_version": "0.1.0",
     "resources": {"product.p": {"address": ..., "content": {...}, "digest": "sha256:...",
                                 "depends_on": [...], "prevent_destroy": false,
                                 "remote_id": "local-..."}},
     "history": [{"plan_digest": "sha256:...", "catalog_digest": "sha256:...",
                  "changes_planned": 4, "changes_applied": 4}]}

An empty state (no file yet) has no lineage and serial 0. History keeps the last
`HISTORY_LIMIT` applies; an entry with fewer changes applied than planned is an apply that was
interrupted.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from billing_spec import __version__
from billing_spec.compile import CompiledCatalog, CompiledResource
from billing_spec.jsontext import pretty_json

STATE_FORMAT_VERSION = 1
HISTORY_LIMIT = 50


class ResourceState(CompiledResource):
    """An applied resource: its compiled form plus the provider's ID for it."""

    remote_id: str | None = None

    def compiled(self) -> CompiledResource:
        return CompiledResource(**self.model_dump(exclude={"remote_id"}))

    @classmethod
    def of(cls, resource: CompiledResource, remote_id: str | None) -> ResourceState:
        """`resource`, already validated, with its remote ID (not validated again: apply makes
        one per change, and a large apply would spend its time here)."""
        fields = {name: getattr(resource, name) for name in CompiledResource.model_fields}
        return cls.model_construct(**fields, remote_id=remote_id)


class AppliedPlan(BaseModel):
    """One apply: the plan it ran and how far it got."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_digest: str
    catalog_digest: str
    changes_planned: int
    changes_applied: int

    @property
    def complete(self) -> bool:
        return self.changes_applied >= self.changes_planned


class State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = STATE_FORMAT_VERSION
    lineage: str | None = None
    serial: int = 0
    tool_version: str = __version__
    resources: dict[str, ResourceState] = {}
    history: tuple[AppliedPlan, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True before the first write (there is no state file yet)."""
        return self.lineage is None

    def catalog(self) -> CompiledCatalog:
        """The applied catalog, to plan against or to evaluate like the desired one."""
        return CompiledCatalog.from_resources(r.compiled() for r in self.resources.values())

    def to_json(self) -> str:
        return pretty_json(self.model_dump(mode="json"))

    @classmethod
    def from_data(cls, data: dict) -> State:
        return cls.model_validate(data)

    def with_resource(
        self, address: str, resource: ResourceState | None, previous_address: str | None = None
    ) -> State:
        """This state with `address` set to `resource` (None: removed); a move drops the old one."""
        resources = dict(self.resources)
        resources.pop(previous_address or address, None)
        resources.pop(address, None)
        if resource is not None:
            resources[address] = resource
        return self.model_copy(update={"resources": resources})

    def with_progress(self, entry: AppliedPlan) -> State:
        """Record `entry` as the latest apply, replacing an earlier entry for the same plan."""
        history = [h for h in self.history if h.plan_digest != entry.plan_digest]
        history = (*history, entry)[-HISTORY_LIMIT:]
        return self.model_copy(update={"history": history})

    def written(self, lineage: str) -> State:
        """The state as the next write stores it: serial + 1, lineage fixed on the first write."""
        return self.model_copy(
            update={
                "lineage": self.lineage or lineage,
                "serial": self.serial + 1,
                "tool_version": __version__,
                "format_version": STATE_FORMAT_VERSION,
            }
        )

    @property
    def last_apply(self) -> AppliedPlan | None:
        return self.history[-1] if self.history else None
