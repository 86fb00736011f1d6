"""The plan as data: what apply will do to each address, and why, before anything is printed.

A `Plan` is made against one state (`prior_lineage`, `prior_serial`) and holds the desired
`CompiledCatalog`, every `ResourceChange` in the order apply carries them out (no-ops included,
so the plan also describes what stays), the `Finding`s the planner raised (errors refuse the
plan; warnings are shown) and, when asked for, the invoice `Impact` of the change on some usage
events (`impact`). Renderers (`render_text`, `render_json`, `render_markdown`) and the plan
file (`planfile`) read this; none of them decides anything.

Actions follow Terraform's JSON plan: `["no-op"]`, `["create"]`, `["update"]`,
`["delete", "create"]` (a replace: the old object goes, a new one comes), `["delete"]`. A `moved`
resource keeps its action and records `previous_address`. A change of `lifecycle` settings alone
is an update of the state only: providers are not called for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from billing_spec import __version__
from billing_spec.compile import CompiledCatalog, CompiledResource, dependencies
from billing_spec.diagnostics import Diagnostic, Severity
from billing_spec.jsontext import digest_of

if TYPE_CHECKING:
    from billing_spec.plan.impact_model import Impact

Path = tuple[str | int, ...]


class Action(StrEnum):
    NO_OP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


ACTIONS_JSON: dict[Action, list[str]] = {
    Action.NO_OP: ["no-op"],
    Action.CREATE: ["create"],
    Action.UPDATE: ["update"],
    Action.REPLACE: ["delete", "create"],
    Action.DELETE: ["delete"],
}
ACTION_REASONS: dict[Action, str] = {
    Action.REPLACE: "replace_because_cannot_update",
    Action.DELETE: "delete_because_no_resource_config",
}


@dataclass(frozen=True)
class ResourceChange:
    address: str
    type: str
    name: str
    action: Action
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    replace_paths: tuple[Path, ...] = ()
    previous_address: str | None = None
    prevent_destroy_before: bool | None = None
    prevent_destroy_after: bool | None = None
    retroactive: bool = False

    @property
    def pending(self) -> bool:
        """Whether apply has anything to do here (a move alone still renames the state)."""
        return self.action is not Action.NO_OP or self.previous_address is not None

    @property
    def content_changed(self) -> bool:
        return self.before != self.after

    @property
    def lifecycle_changed(self) -> bool:
        return (
            None not in (self.prevent_destroy_before, self.prevent_destroy_after)
            and self.prevent_destroy_before != self.prevent_destroy_after
        )

    @property
    def action_reason(self) -> str | None:
        return ACTION_REASONS.get(self.action)


@dataclass(frozen=True)
class Finding:
    """A diagnostic the planner raised about one address (or the whole plan).

    `subject` says what inside the resource the finding is about, so the CLI can point at it in
    the catalog: `("rate", product, pricing group values JSON, billing frequency, starting_at)`
    or `("term", field, index)`; empty for the resource as a whole. It is not saved in a plan
    file (the diagnostic's range, once located, is).
    """

    address: str | None
    diagnostic: Diagnostic
    subject: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.diagnostic.severity is Severity.ERROR


@dataclass(frozen=True)
class Summary:
    add: int = 0
    change: int = 0
    replace: int = 0
    destroy: int = 0
    move: int = 0

    def line(self) -> str:
        """Terraform's last line; a replace counts as one add and one destroy."""
        return f"Plan: {self.add} to add, {self.change} to change, {self.destroy} to destroy."

    def as_json(self) -> dict[str, int]:
        return {
            "add": self.add,
            "change": self.change,
            "replace": self.replace,
            "destroy": self.destroy,
            "move": self.move,
        }


@dataclass(frozen=True)
class Plan:
    desired: CompiledCatalog
    prior_lineage: str | None
    prior_serial: int
    as_of: datetime
    changes: tuple[ResourceChange, ...]
    findings: tuple[Finding, ...] = ()
    allow_retroactive: bool = False
    drift: tuple[ResourceChange, ...] = ()
    tool_version: str = __version__
    impact: Impact | None = None  # with `plan --events PATH --impact` (`plan.impact`)

    @property
    def errored(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def pending(self) -> tuple[ResourceChange, ...]:
        """The changes apply carries out, in order."""
        return tuple(c for c in self.changes if c.pending)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    @property
    def applyable(self) -> bool:
        return self.has_changes and not self.errored

    def summary(self) -> Summary:
        count = {a: 0 for a in Action}
        for change in self.changes:
            count[change.action] += 1
        return Summary(
            add=count[Action.CREATE] + count[Action.REPLACE],
            change=count[Action.UPDATE],
            replace=count[Action.REPLACE],
            destroy=count[Action.DELETE] + count[Action.REPLACE],
            move=sum(1 for c in self.changes if c.previous_address),
        )

    def refusal(self) -> str:
        """`1 error` / `3 errors`: why the plan cannot be applied."""
        count = sum(1 for f in self.findings if f.is_error)
        return f"{count} error{'s' if count != 1 else ''}"

    def prior_catalog(self) -> CompiledCatalog:
        """The catalog the plan was made against (what is applied), rebuilt from the changes.

        With `desired`, this is what the invoice impact compares (`impact.with_impact`). A
        change's `before` names moved resources by their new IDs; here they keep the IDs they
        were applied under, so that the applied catalog's references resolve.
        """
        from billing_spec.plan.moves import rename_references  # moves imports this module

        # rename_references takes {new address: old address}; swapped, it renames back
        applied_names = {c.previous_address: c.address for c in self.changes if c.previous_address}
        resources = []
        for change in self.changes:
            if change.before is None:
                continue
            address = change.previous_address or change.address
            type_, _, name = address.partition(".")
            content = rename_references(change.before, applied_names)
            resources.append(
                CompiledResource(
                    address=address,
                    type=type_,
                    name=name,
                    content=content,
                    digest=digest_of(content),
                    depends_on=dependencies(content),
                    prevent_destroy=bool(change.prevent_destroy_before),
                )
            )
        return CompiledCatalog.from_resources(resources)
