"""make_plan(desired catalog, prior state) -> Plan: what apply must do, in order, and if it may.

    1. moves      rename applied objects per the catalog's `moved` list (`moves`)
    2. compare    per address: only desired -> create; only applied -> delete; both with equal
                  content and lifecycle -> no-op; otherwise the type's rule (`rules`) says
                  update or replace, and flags retroactive rate changes. Applied content is
                  read with references to moved resources renamed, so a resource whose only
                  difference is a renamed reference is a no-op (apply renames it in the state)
    3. refuse     retroactive rate and contract-term changes (E810, unless allowed: then
                  W980), protected or still-used resources being destroyed (`safety`); warn
                  (W981) when the last apply stopped part-way and this plan still has
                  something to do
    4. order      creates, updates and replaces in dependency order (credit types, metrics,
                  products, rate cards, customers, contracts; within a type, what is referenced
                  first: a composite after the products it covers), then deletes in reverse

The planner is pure: `as_of` is an argument (the CLI reads the clock), nothing is read or written,
and no provider is consulted (the refresh's `drift` is passed in and only recorded). The invoice
impact of a plan is computed afterwards, by `impact.with_impact`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from billing_spec.addresses import TYPE_ORDER
from billing_spec.compile import CompiledCatalog, CompiledResource, dependencies
from billing_spec.diagnostics import error, warning
from billing_spec.jsontext import digest_of
from billing_spec.plan.model import Action, Finding, Plan, ResourceChange
from billing_spec.plan.moves import rename_references, resolve_moves
from billing_spec.plan.rates import RetroactiveChange, rate_identity
from billing_spec.plan.rules import judge
from billing_spec.plan.safety import safety_findings
from billing_spec.plan.terms import RetroactiveTerm
from billing_spec.state.model import ResourceState, State
from billing_spec.timestamps import format_timestamp


def make_plan(
    desired: CompiledCatalog,
    prior: State,
    *,
    as_of: datetime,
    allow_retroactive: bool = False,
    drift: tuple[ResourceChange, ...] = (),
) -> Plan:
    """Plan the changes that turn the `prior` state into the `desired` catalog."""
    applied, previous, findings = resolve_moves(desired.moved, prior.resources)
    changes = []
    for address in applied.keys() | desired.resources.keys():
        change, retro = _compare(
            address, applied.get(address), desired.resources.get(address), as_of, previous
        )
        changes.append(change)
        findings += _retroactive_findings(change, retro, as_of, allow_retroactive)
    changes.sort(key=_apply_order)
    findings += safety_findings(changes, desired)
    if any(c.pending for c in changes):  # with nothing left to do, nothing is unfinished
        findings += _unfinished_apply(prior)
    return Plan(
        desired=desired,
        prior_lineage=prior.lineage,
        prior_serial=prior.serial,
        as_of=as_of,
        changes=tuple(changes),
        findings=tuple(sorted(findings, key=_finding_order)),
        allow_retroactive=allow_retroactive,
        drift=drift,
    )


def _compare(
    address: str,
    old: ResourceState | None,
    new: CompiledResource | None,
    as_of: datetime,
    previous: dict[str, str],
) -> tuple[ResourceChange, tuple[RetroactiveChange | RetroactiveTerm, ...]]:
    some = new or old
    # References to moved resources read under their new names: a rename changes no referrer
    before = rename_references(old.content, previous) if old else None
    base = ResourceChange(
        address=address,
        type=some.type,
        name=some.name,
        action=Action.NO_OP,
        before=before,
        after=new.content if new else None,
        prevent_destroy_before=old.prevent_destroy if old else None,
        prevent_destroy_after=new.prevent_destroy if new else None,
        previous_address=previous.get(address),
    )
    if old is None:
        return replace(base, action=Action.CREATE), ()
    if new is None:
        return replace(base, action=Action.DELETE), ()
    if old.digest == new.digest or digest_of(before) == new.digest:
        return replace(base, action=Action.UPDATE if base.lifecycle_changed else Action.NO_OP), ()
    outcome = judge(some.type, before, new.content, as_of)
    action = Action.REPLACE if outcome.replace_paths else Action.UPDATE
    change = replace(
        base,
        action=action,
        replace_paths=outcome.replace_paths,
        retroactive=bool(outcome.retroactive),
    )
    return change, outcome.retroactive


def _retroactive_findings(
    change: ResourceChange,
    retro: tuple[RetroactiveChange | RetroactiveTerm, ...],
    as_of: datetime,
    allowed: bool,
) -> list[Finding]:
    when = format_timestamp(as_of)
    findings = []
    for item in retro:
        summary = (
            f"retroactive change to {change.address}: it {item.describe()}, re-pricing "
            f"usage from {format_timestamp(item.at)}, before {when}"
        )
        if allowed:
            diagnostic = warning(
                "W980",
                summary,
                detail="allowed by --allow-retroactive: invoices for "
                "usage before then would be priced differently",
            )
        else:
            diagnostic = error("E810", summary, hint=item.hint)
        findings.append(Finding(change.address, diagnostic, _subject(item)))
    return findings


def _subject(item: RetroactiveChange | RetroactiveTerm) -> tuple[str, ...]:
    """What the finding is about inside the resource: the rate (or term) as written now."""
    if isinstance(item, RetroactiveChange):
        rate = item.after if item.after is not None else (item.before if item.ended else None)
        return ("rate", *rate_identity(rate)) if rate is not None else ()
    if item.verb == "removes":
        return ()
    return ("term", item.field, str(item.index))


def _unfinished_apply(prior: State) -> list[Finding]:
    last = prior.last_apply
    if last is None or last.complete:
        return []
    return [
        Finding(
            None,
            warning(
                "W981",
                f"the last apply stopped after {last.changes_applied} of "
                f"{last.changes_planned} changes",
                detail="the state records the changes it made; this plan shows what is left",
            ),
        )
    ]


def _apply_order(change: ResourceChange) -> tuple[int, int, int, str]:
    rank = TYPE_ORDER[change.type]
    # Within a type, what references its own type (a composite product: only ever USAGE
    # products, E408) comes after what it references.
    content = change.after if change.after is not None else change.before
    level = int(any(d.startswith(f"{change.type}.") for d in dependencies(content)))
    if change.action is Action.DELETE:
        return (1, -rank, -level, change.name)
    return (0, rank, level, change.name)


def _finding_order(finding: Finding) -> tuple:
    return (finding.address or "", finding.diagnostic.code, finding.diagnostic.summary)
