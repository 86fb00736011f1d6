"""`moved: [{from: product.a, to: product.b}]`: renames applied to the prior state before planning.

Like Terraform's `moved` blocks, a move renames the applied object, so the plan compares it with
the desired resource at its new address and shows at most an update, never a delete and a create.
Moves chain (a -> b, then b -> c) in any order. A move whose `from` is not in the state has
already been applied (or never mattered) and is skipped, so old `moved` entries can stay in the
catalog. Refused: a `to` the state already holds (E814), also when a later entry moves it on:
with `a -> b` and `b -> c` and both `a` and `b` applied, which object becomes `c` is ambiguous.
The entries themselves (addresses, types, what the catalog defines) were checked when the
catalog was validated (E203-E207).

A referrer of a moved resource (a contract of a renamed customer) is compared with its references
renamed (`rename_references`), so the rename alone makes it a no-op, not an update or a replace;
apply renames the reference in its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from billing_spec.catalog.references import REFERENCE_FIELDS
from billing_spec.diagnostics import error
from billing_spec.plan.model import Finding
from billing_spec.state.model import ResourceState


def resolve_moves(
    moved: Sequence[Mapping[str, str]],
    prior: Mapping[str, ResourceState],
) -> tuple[dict[str, ResourceState], dict[str, str], list[Finding]]:
    """Return the prior resources under their new addresses, {new: original address}, findings."""
    current = dict(prior)
    origin = {address: address for address in prior}
    findings: list[Finding] = []
    pending = list(moved)
    progress = True
    while pending and progress:
        progress = False
        for entry in list(pending):
            source, target = entry["from"], entry["to"]
            if source not in current:
                continue
            pending.remove(entry)
            # the applied state holding `to` as well is a conflict, even if `to` moves on later
            # in the list: which object should end up where would depend on the list's order
            problem = _conflict(source, target, current) or _conflict(source, target, prior)
            if problem:
                findings.append(problem)
                continue
            current[target] = current.pop(source)
            origin[target] = origin.pop(source)
            progress = True
    previous = {new: old for new, old in origin.items() if new != old}
    return current, previous, findings


def _conflict(source: str, target: str, current: Mapping[str, object]) -> Finding | None:
    if target in current:
        return Finding(
            target,
            error(
                "E814",
                f"cannot move {source} to {target}: the state already has {target}",
                hint=f"remove the `moved` entry, or delete {target} first",
            ),
        )
    return None


def rename_references(content: Any, previous: Mapping[str, str]) -> Any:
    """`content` with references to moved resources renamed to their new IDs.

    Referrers of a moved resource are compared this way, so that a rename never looks like a
    change of what they reference (a contract's customer, say, which could not change in place).

    >>> rename_references({"customer": "acme", "n": 1}, {"customer.acme_inc": "customer.acme"})
    {'customer': 'acme_inc', 'n': 1}
    """
    renames = {tuple(old.split(".", 1)): new.split(".", 1)[1] for new, old in previous.items()}
    return _rename(content, renames) if renames else content


def _rename(value: Any, renames: Mapping[tuple[str, str], str], target: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _rename(v, renames, REFERENCE_FIELDS.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, renames, target) for v in value]
    if target is not None and isinstance(value, str):
        return renames.get((target, value), value)
    return value
