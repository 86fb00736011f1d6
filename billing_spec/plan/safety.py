"""What a plan may not destroy: protected resources and resources something still uses.

Two refusals, checked on every delete and every replace (a replace destroys the old object):

- E811 `lifecycle: {prevent_destroy: true}`, as the catalog has it now or as it was last applied.
  The applied setting counts too, so deleting a protected resource's definition does not delete
  it (Terraform's known hole): lift the protection in one apply, delete in the next.
- E812 a resource that another resource in the desired catalog still references (a contract's
  rate card, a rate's product, a product's metric), unless that referrer is created or replaced
  in the same plan (apply creates it after what it references, so it uses the new object). The
  referrers are named. Metronome keeps remote references by ID, so a replaced metric would
  leave its products metering the archived one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import error
from billing_spec.plan.model import Action, Finding, ResourceChange

_DESTROYING = (Action.DELETE, Action.REPLACE)

_REPLACE_HINTS = {
    "billable_metric": "Metronome never changes a billable metric: define a new metric, point "
    "{referrers} at it, and delete this one once nothing uses it",
    "product": "define a new product and move the rates and contracts to it, or keep `type` "
    "as it was",
}
_DEFAULT_HINT = (
    "change {referrers} in the same plan so that nothing references {address}, or keep it as it is"
)


def safety_findings(changes: Iterable[ResourceChange], desired: CompiledCatalog) -> list[Finding]:
    changes = list(changes)
    destroying = [c for c in changes if c.action in _DESTROYING]
    if not destroying:
        return []
    renewed = {c.address for c in changes if c.action in (Action.CREATE, Action.REPLACE)}
    referrers = _referrers(desired)
    findings = [f for c in destroying for f in _protected(c)]
    for change in destroying:
        users = [r for r in referrers.get(change.address, ()) if r not in renewed]
        if users:
            findings.append(_still_used(change, users))
    return findings


def _referrers(desired: CompiledCatalog) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for resource in desired.resources.values():
        for target in resource.depends_on:
            index[target].append(resource.address)
    return index


def _protected(change: ResourceChange) -> list[Finding]:
    if not (change.prevent_destroy_before or change.prevent_destroy_after):
        return []
    verb = "destroy" if change.action is Action.DELETE else "replace"
    if change.action is Action.DELETE:
        hint = (
            "put it back with `lifecycle: {prevent_destroy: false}` and apply that first; "
            "then delete it"
        )
    else:
        hint = (
            "undo the change that forces replacement, or lift `prevent_destroy` in an apply "
            "of its own first"
        )
    return [
        Finding(
            change.address,
            error(
                "E811",
                f"{change.address} has lifecycle.prevent_destroy set, but the plan would {verb} it",
                hint=hint,
            ),
        )
    ]


def _still_used(change: ResourceChange, users: list[str]) -> Finding:
    names = ", ".join(users)
    verb = "delete" if change.action is Action.DELETE else "replace"
    template = (
        _DEFAULT_HINT
        if change.action is Action.DELETE
        else _REPLACE_HINTS.get(change.type, _DEFAULT_HINT)
    )
    return Finding(
        change.address,
        error(
            "E812",
            f"cannot {verb} {change.address}: {names} still {_reference(len(users))} it",
            hint=template.format(referrers=names, address=change.address),
        ),
    )


def _reference(count: int) -> str:
    return "references" if count == 1 else "reference"
