"""Whether a plan holds together: the checks a saved plan passes before anything is applied.

A saved plan is a file anyone can edit and re-checksum. `plan_defects(plan)` says what in it does
not hold together by itself: a resource whose content does not match its digest, a catalog digest
that does not match its resources, an address or ID that is not one (`../../etc`), a change
naming a resource the plan's catalog does not hold. `state_defects(plan, state)` says which
changes do not fit the state they are applied to: an update, move or delete of a resource the
state does not hold, followed change by change as apply would. `planfile.load_plan` refuses a
plan with defects (E807), and `apply.apply_plan` checks both before it changes anything.
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.addresses import Address
from billing_spec.compile import CompiledCatalog
from billing_spec.jsontext import digest_of
from billing_spec.plan.model import Action, Plan, ResourceChange
from billing_spec.state.model import State

_VERB = {
    Action.CREATE: "creates",
    Action.UPDATE: "updates",
    Action.REPLACE: "replaces",
    Action.NO_OP: "moves",
    Action.DELETE: "deletes",
}


def is_address(text: object, type_: str | None = None, name: str | None = None) -> bool:
    """`text` is a resource address (`product.my_id`), of `type_` and `name` when given."""
    if not isinstance(text, str):
        return False
    try:
        address = Address.parse(text)
    except ValueError:
        return False
    return (type_ is None or address.type == type_) and (name is None or address.name == name)


def plan_defects(plan: Plan) -> Iterator[str]:
    """What in `plan` does not hold together, one reason at a time (nothing: it is intact)."""
    resources = plan.desired.resources
    for key, resource in resources.items():
        if not is_address(key, resource.type, resource.name) or key != resource.address:
            yield f"{_shown(key)} is not the address of a resource"
        elif digest_of(resource.content) != resource.digest:
            yield f"{key}: its content does not match its digest"
    for change in (*plan.changes, *plan.drift):
        yield from _change_defects(change, resources)
    rebuilt = CompiledCatalog.from_resources(resources.values(), plan.desired.moved)
    if rebuilt.digest != plan.desired.digest:
        yield "the catalog's digest does not match its resources"


def _change_defects(change: ResourceChange, resources) -> Iterator[str]:
    if not is_address(change.address, change.type) or not is_address(
        f"{change.type}.{change.name}"
    ):
        yield f"a change for {_shown(change.address)}, which is not the address of a resource"
        return
    if change.previous_address is not None and not is_address(change.previous_address, change.type):
        yield f"{change.address}: moved from {_shown(change.previous_address)}, not an address"
    needs_desired = change.action is not Action.DELETE
    if change.pending and needs_desired and change.address not in resources:
        yield (
            f"{change.address}: the change {_VERB[change.action]} a resource the plan's catalog "
            "does not hold"
        )


def state_defects(plan: Plan, state: State) -> Iterator[str]:
    """The pending changes of `plan` that do not fit `state`, followed in order."""
    present = set(state.resources)
    for change in plan.pending:
        prior = change.previous_address or change.address
        if change.action is Action.CREATE:
            if change.previous_address is not None and prior not in present:
                yield _missing(change)
            present.discard(prior)
            present.add(change.address)
            continue
        if prior not in present:
            yield _missing(change)
        present.discard(prior)
        if change.action is not Action.DELETE:
            present.add(change.address)


def _missing(change: ResourceChange) -> str:
    prior = change.previous_address or change.address
    return (
        f"{change.address}: the change {_VERB[change.action]} a resource the state does not "
        f"hold ({prior})"
    )


def _shown(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."
