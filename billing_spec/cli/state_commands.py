"""`billing state list|show` and `billing force-unlock`: read the state, free a stuck lock."""

from __future__ import annotations

import click

from billing_spec.cli.output import echo_json, format_option
from billing_spec.cli.state_options import state_option


@click.group()
def state() -> None:
    """Inspect the applied state."""


@state.command("list")
@state_option
def list_(state_path: str) -> int:
    """List the addresses in the state, in dependency order."""
    from billing_spec.state import LocalStateStore

    _require_state(state_path)
    for address in LocalStateStore(state_path).read().catalog().resources:
        click.echo(address)
    return 0


def _require_state(state_path: str) -> None:
    """`state list|show` read a state; a path with none is a mistake, not an empty state."""
    import os

    from billing_spec.diagnostics import BillingSpecError

    if not os.path.lexists(state_path):
        raise BillingSpecError.single(
            "E818",
            f"there is no state at {state_path}",
            hint="nothing has been applied with this state file yet (`billing apply` creates "
            "it); pass --state PATH or set BILLING_STATE to read another",
        )


@state.command("show")
@click.argument("address")
@state_option
@format_option("text", "json")
def show(address: str, state_path: str, format_: str) -> int:
    """Show one applied resource: its content, digest and remote ID."""
    from billing_spec.state import LocalStateStore

    _require_state(state_path)
    resource = _find(LocalStateStore(state_path).read(), address, state_path)
    if format_ == "json":
        echo_json(resource.model_dump(mode="json"))
        return 0
    from billing_spec.plan.render_text import resource_lines

    click.echo(f"# {resource.address}:")
    click.echo("\n".join(resource_lines(resource.type, resource.name, resource.content)))
    click.echo(f"\n  remote_id = {resource.remote_id or '(none)'}\n  digest    = {resource.digest}")
    return 0


def _find(current, address: str, state_path: str):
    from billing_spec.diagnostics import BillingSpecError, did_you_mean

    resource = current.resources.get(address)
    if resource is None:
        raise BillingSpecError.single(
            "E818",
            f"{address} is not in the state {state_path}",
            hint=did_you_mean(address, current.resources)
            or "run `billing state list` to see what is there",
        )
    return resource


@click.command("force-unlock")
@click.argument("lock_id")
@state_option
def force_unlock(lock_id: str, state_path: str) -> int:
    """Free the state lock left by a process that died; needs the exact LOCK_ID."""
    from billing_spec.state import LocalStateStore

    freed = LocalStateStore(state_path).force_unlock(lock_id)
    click.echo(f"The state lock {freed.ID} held by {freed.describe()} has been removed.")
    return 0
