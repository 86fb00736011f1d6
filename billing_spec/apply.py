"""apply(plan): carry out a plan's changes through a provider, journaling each one.

    apply_plan(plan, store, provider) -> State

Under the state lock, apply first checks that the plan was made against the state as it is now:
the same `lineage` (else "saved plan is for another state") and the same `serial` (else "saved
plan is stale: the state changed, serial N -> M, since it was made"). A plan with errors is
refused, and so is one that does not hold together or does not fit the state (E807,
`check_plan_intact`: every resource's digest is verified first). Nothing is changed by a refusal.

Then, after the store has backed up the state (before the first remote call), it runs the
pending changes in plan order. Each one is appended to the apply journal beside the state
(`billing_spec.state.journal`) with the plan's progress, and the state is written once at the
end (atomic rename, serial + 1) — also when a change fails. An interruption at any point —
Ctrl-C, kill -9, a provider error — leaves a state file and journal that together are valid and
true to what was done: every read of the state replays the journal, so the next plan shows
exactly what is left, and nothing is done twice. A change the provider carried out in part
(`ProviderError.remote_id`/`applied`) is recorded as far as it got. `on_step(event)` is told
before and after each change (the CLI prints progress from it).

A moved resource is recorded under its new address, and the applied resources that reference it
have the reference renamed in their state (content, digest, `depends_on`); nothing remote changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from billing_spec.compile import CompiledResource, dependencies
from billing_spec.diagnostics import BillingSpecError
from billing_spec.jsontext import digest_of
from billing_spec.plan.integrity import plan_defects, state_defects
from billing_spec.plan.model import Action, Plan, ResourceChange
from billing_spec.plan.moves import rename_references
from billing_spec.plan.planfile import plan_digest
from billing_spec.providers.base import Provider, ProviderError
from billing_spec.state.model import AppliedPlan, ResourceState, State
from billing_spec.state.store import StateStore


@dataclass(frozen=True)
class StepEvent:
    """Progress of one change: `phase` is "start" or "done"; `remote_id` is set when done."""

    index: int
    total: int
    change: ResourceChange
    phase: str
    remote_id: str | None = None
    state: State | None = None


StepCallback = Callable[[StepEvent], None]


def apply_plan(
    plan: Plan,
    store: StateStore,
    provider: Provider,
    *,
    lock_timeout: float = 0.0,
    on_step: StepCallback | None = None,
) -> State:
    """Apply `plan` to the state in `store`; returns the final state."""
    with store.locked("apply", lock_timeout):
        state = store.read()
        check_plan_applies(plan, state, store.location)
        check_plan_intact(plan, state)
        pending = plan.pending
        if not pending:
            return store.settle()  # a journal an interrupted apply left goes into the state
        progress = AppliedPlan(
            plan_digest=plan_digest(plan),
            catalog_digest=plan.desired.digest,
            changes_planned=len(pending),
            changes_applied=0,
        )
        resumed = store.begin_apply()  # the backup, before the first remote call
        # One map of the applied resources, updated in place as changes are made (a copy per
        # change would make a large apply quadratic); `live` is the state that reads it.
        resources = dict(state.resources)
        live = state.model_copy(update={"resources": resources})
        recorded = False
        try:
            for index, change in enumerate(pending, start=1):
                _notify(on_step, StepEvent(index, len(pending), change, "start"))
                provider.observe(live)
                try:
                    updates = _carry_out(live, change, plan, provider, index, len(pending))
                except _Stopped as stop:
                    if stop.partial:  # what the failed change did before it failed
                        _record(store, resources, stop.partial, progress, provider)
                        recorded = True
                    raise stop.error from None
                progress = progress.model_copy(update={"changes_applied": index})
                _record(store, resources, updates, progress, provider)
                recorded = True
                remote = resources.get(change.address)
                _notify(
                    on_step,
                    StepEvent(
                        index,
                        len(pending),
                        change,
                        "done",
                        remote.remote_id if remote else None,
                        live,
                    ),
                )
        finally:
            final = state.model_copy(update={"resources": dict(resources)})
            if recorded:
                final = final.with_progress(progress)
            state = store.finish_apply(final, recorded or resumed)
        return state


Updates = dict[str, ResourceState | None]


def _record(
    store: StateStore,
    resources: dict[str, ResourceState],
    updates: Updates,
    progress: AppliedPlan,
    provider: Provider,
) -> None:
    """Journal the resources one change set (None: removed), then set them in `resources`."""
    store.record(updates, progress, sync=provider.remote)
    for address, resource in updates.items():
        resources.pop(address, None)
        if resource is not None:
            resources[address] = resource


def _notify(callback: StepCallback | None, event: StepEvent) -> None:
    if callback is not None:
        callback(event)


def check_plan_applies(plan: Plan, state: State, location: str) -> None:
    """Refuse a plan made against another state, a stale one, or one with errors."""
    if plan.errored:
        raise BillingSpecError.single(
            "E809",
            "the plan has errors and cannot be applied",
            hint="fix the errors the plan reports and plan again",
        )
    if plan.prior_lineage is not None and plan.prior_lineage != state.lineage:
        now = (
            f"the state has lineage {state.lineage}"
            if state.lineage
            else f"there is no state at {location}"
        )
        raise BillingSpecError.single(
            "E806",
            f"saved plan is for another state: it was made against lineage {plan.prior_lineage}, "
            f"but {now}",
            hint="check --state (or BILLING_STATE), or make a new plan against this state",
        )
    if plan.prior_serial != state.serial or plan.prior_lineage != state.lineage:
        raise BillingSpecError.single(
            "E805",
            f"saved plan is stale: the state changed, serial {plan.prior_serial} -> "
            f"{state.serial}, since it was made",
            hint="make a new plan and review it; nothing was applied",
        )


def check_plan_intact(plan: Plan, state: State) -> None:
    """Refuse (E807), before any change, a plan that does not hold together or whose changes
    do not fit the state (`plan.integrity`): a saved plan edited and re-checksummed."""
    for defect in (*plan_defects(plan), *state_defects(plan, state)):
        raise BillingSpecError.single(
            "E807",
            f"the plan is damaged: {defect}",
            hint="make a new plan with `billing plan --out`; nothing was applied",
        )


def _carry_out(
    state: State, change: ResourceChange, plan: Plan, provider: Provider, index: int, total: int
) -> Updates:
    """Make one change; the resources it sets, by address (None: removed)."""
    prior = state.resources.get(change.previous_address or change.address)
    desired = plan.desired.resources.get(change.address)
    try:
        resource = _STEPS[change.action](change, prior, desired, provider)
    except ProviderError as exc:
        done = f"{index - 1} of {total} changes were applied and are recorded in the state"
        partial = _partial(change, desired, exc)
        if partial:
            done += "; this one was applied in part, and the part done is recorded too"
        error = BillingSpecError.single(
            "E817",
            f"{change.address}: {exc}",
            detail=done,
            hint="fix the cause and run `billing plan`: it shows what is left",
        )
        raise _Stopped(error, partial) from None
    updates: Updates = {}
    if change.previous_address:
        updates[change.previous_address] = None
    updates[change.address] = resource
    return {**updates, **_follow_move(state, change)}


class _Stopped(Exception):
    """A change failed: the user's error, and what of it was done."""

    def __init__(self, error: BillingSpecError, partial: Updates) -> None:
        self.error = error
        self.partial = partial


def _partial(
    change: ResourceChange, desired: CompiledResource | None, exc: ProviderError
) -> Updates:
    """What a failed change did (`exc.remote_id`, `exc.applied`), if anything."""
    if exc.remote_id is None or exc.applied is None or desired is None:
        return {}
    done = desired.model_copy(
        update={
            "content": exc.applied,
            "digest": digest_of(exc.applied),
            "depends_on": dependencies(exc.applied),
        }
    )
    updates: Updates = {}
    if change.previous_address:
        updates[change.previous_address] = None
    updates[change.address] = ResourceState.of(done, exc.remote_id)
    return updates


Step = Callable[
    [ResourceChange, ResourceState | None, CompiledResource | None, Provider],
    ResourceState | None,
]


def _follow_move(state: State, change: ResourceChange) -> Updates:
    """After `change` moved a resource, the other applied resources name it by its new address
    (in their content, digest and `depends_on`), as the plan read them: nothing remote changes,
    and the next plan compares like with like."""
    if not change.previous_address:
        return {}
    renames = {change.address: change.previous_address}
    updates: Updates = {}
    for address, resource in state.resources.items():
        if address in (change.address, change.previous_address):
            continue
        content = rename_references(resource.content, renames)
        if content != resource.content:
            updates[address] = resource.model_copy(
                update={
                    "content": content,
                    "digest": digest_of(content),
                    "depends_on": dependencies(content),
                }
            )
    return updates


def _create(change, prior, desired, provider) -> ResourceState:
    return ResourceState.of(desired, provider.create(desired))


def _update(change, prior, desired, provider) -> ResourceState:
    remote_id = provider.update(change, prior) if change.content_changed else prior.remote_id
    return ResourceState.of(desired, remote_id)


def _replace(change, prior, desired, provider) -> ResourceState:
    return ResourceState.of(desired, provider.replace(change, prior, desired))


def _delete(change, prior, desired, provider) -> None:
    provider.delete(prior)  # `prior` was found under its previous address if it moved


_STEPS: dict[Action, Step] = {
    Action.CREATE: _create,
    Action.UPDATE: _update,
    Action.NO_OP: _update,  # a move alone: rename in the state, nothing remote
    Action.REPLACE: _replace,
    Action.DELETE: _delete,
}
