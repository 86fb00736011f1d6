"""`billing import DIR --provider metronome`: adopt what a Metronome account holds as a catalog
(`billing_spec.providers.metronome.importer`) and a state, so that `plan` shows no changes."""

from __future__ import annotations

from pathlib import Path

import click

from billing_spec.cli.state_options import (
    env_option,
    max_retries_option,
    metronome_option,
    resolve_env,
    state_option,
)


@click.command("import")
@click.argument("directory", type=click.Path(file_okay=False))
@metronome_option("Where to read from")
@click.option(
    "--customer",
    "customers",
    multiple=True,
    metavar="ID",
    help="Import only this customer (a Metronome ID) and its contracts; repeat for several. "
    "Default: every customer.",
)
@state_option
@env_option
@max_retries_option
def import_(directory, provider_name, customers, state_path, env_name, max_retries) -> int:
    """Write DIR/catalog.yaml (in fmt's layout) from the live objects of a Metronome account,
    and a state mapping each address to its Metronome ID. Refuses (E841) a DIR that already
    holds catalog files or a state that already exists: nothing is overwritten."""
    from billing_spec.catalog import validate_catalog
    from billing_spec.catalog.fmt import format_text
    from billing_spec.cli.output import echo_diagnostics
    from billing_spec.cli.state_options import make_provider
    from billing_spec.compile import compile_catalog
    from billing_spec.diagnostics import BillingSpecError, has_errors
    from billing_spec.fileio import atomic_write_bytes
    from billing_spec.providers.base import ProviderError
    from billing_spec.providers.metronome.importer import catalog_text, read_account, to_catalog
    from billing_spec.state import LocalStateStore, ResourceState, State

    environment, state_path, _ = resolve_env(env_name, state_path, provider_name)
    target = Path(directory)
    _refuse_overwrite(target, Path(state_path))
    provider = make_provider(provider_name, max_retries, environment=environment)
    try:
        catalog, ids = to_catalog(read_account(provider, list(customers) or None))
    except ProviderError as exc:
        raise BillingSpecError.single(
            "E817", f"import: {exc}", hint="nothing was written"
        ) from None
    text, diagnostics = format_text(catalog_text(catalog), "catalog.yaml")
    if text is None:
        echo_diagnostics(diagnostics)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    path = target / "catalog.yaml"
    atomic_write_bytes(path, text.encode("utf-8"))
    spec, diagnostics = validate_catalog(target)
    if has_errors(diagnostics):  # the account holds what the catalog cannot say
        path.unlink()
        echo_diagnostics(diagnostics)
        click.echo("The imported catalog does not validate; nothing was written.", err=True)
        return 1
    echo_diagnostics(diagnostics)
    compiled = compile_catalog(spec)
    state = State(resources={a: ResourceState.of(r, ids[a]) for a, r in compiled.resources.items()})
    store = LocalStateStore(state_path)
    with store.locked("import"):
        store.write(state)
    click.echo(
        f"Imported {len(compiled.resources)} resources into {path} and the state {state_path}."
    )
    return 0


def _refuse_overwrite(target: Path, state: Path) -> None:
    from billing_spec.diagnostics import BillingSpecError

    existing = sorted(p.name for p in target.glob("*.y*ml")) if target.is_dir() else []
    if existing:
        raise BillingSpecError.single(
            "E841",
            f"{target} already holds catalog files ({', '.join(existing)}); import writes a "
            "new catalog and never overwrites one",
            hint="import into an empty directory",
        )
    if state.exists():
        raise BillingSpecError.single(
            "E841",
            f"the state {state} already exists; import writes a new state and never overwrites one",
            hint="pass --state NEW_FILE",
        )
