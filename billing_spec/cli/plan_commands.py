"""`billing plan`, `billing apply`, `billing show`: thin shells over workflow, apply, planfile."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from billing_spec.cli.impact_options import check_impact_options, impact_options
from billing_spec.cli.output import echo_diagnostics, format_option, no_color_option
from billing_spec.cli.state_options import (
    DEFAULT_STATE_PATH,
    allow_replace_contracts_option,
    allow_retroactive_option,
    as_of_option,
    env_option,
    lock_timeout_option,
    make_provider,
    now,
    provider_option,
    remote_options,
    resolve_env,
    state_option,
    use_color,
)

catalog_or_plan = click.argument("target", default=".", type=click.Path(exists=True))


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=True, dir_okay=True))
@state_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    callback=lambda ctx, param, value: _plan_file_name(value),
    help="Save the plan to FILE for `billing apply FILE`.",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when something does."
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Read the applied objects from the provider first and report what changed outside "
    "the catalog (drift) apart from the pending changes.",
)
@format_option("text", "json", "markdown")
@as_of_option
@allow_retroactive_option
@impact_options
@provider_option
@allow_replace_contracts_option
@env_option
@no_color_option
def plan(
    directory,
    state_path,
    out,
    detailed_exitcode,
    refresh,
    format_,
    as_of,
    allow_retroactive,
    events,
    impact,
    through,
    as_of_period,
    fail_on_increase_pct,
    fail_on_decrease_pct,
    fail_on_increase,
    fail_on_decrease,
    provider_name,
    allow_replace_contracts,
    env_name,
    no_color,
) -> int:
    """Show what apply would change, compared with the applied state.

    With --events PATH --impact, also the invoice impact of the change on those usage events.
    Exits 0 on success (with --detailed-exitcode: 0 no changes, 2 changes), 1 on any error.
    """
    from billing_spec.plan.planfile import save_plan
    from billing_spec.state import LocalStateStore

    impact_options = check_impact_options(
        events,
        impact,
        through=through,
        as_of_period=as_of_period,
        fail_on_increase_pct=fail_on_increase_pct,
        fail_on_decrease_pct=fail_on_decrease_pct,
        fail_on_increase=fail_on_increase,
        fail_on_decrease=fail_on_decrease,
    )
    environment, state_path, provider_name = resolve_env(env_name, state_path, provider_name)
    made = _make_plan(
        directory,
        LocalStateStore(state_path),
        make_provider(
            provider_name,
            environment=environment,
            refresh=refresh,
            allow_replace_contracts=allow_replace_contracts,
        ),
        as_of,
        allow_retroactive,
        impact=impact_options,
    )
    if made is None:
        return 1
    click.echo(_render(made, format_, use_color(no_color), env_name), nl=False)
    if made.errored:
        _findings_to_stderr(made, format_)
        return 1
    if out:
        save_plan(made, out)
    _next_steps(made, out, format_, state_path)
    return 2 if detailed_exitcode and (made.has_changes or made.drift) else 0


@click.command()
@catalog_or_plan
@state_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for `yes`.")
@lock_timeout_option
@as_of_option
@allow_retroactive_option
@provider_option
@remote_options
@allow_replace_contracts_option
@env_option
@no_color_option
def apply(
    target,
    state_path,
    auto_approve,
    lock_timeout,
    as_of,
    allow_retroactive,
    provider_name,
    max_retries,
    effective_at,
    allow_replace_contracts,
    env_name,
    no_color,
) -> int:
    """Carry out a saved plan (PLANFILE), or plan a catalog (DIR) and carry that out once approved.

    A saved plan runs exactly as it was made, without a prompt; it is refused if the state has
    changed since. Exits 0 on success, 1 on any error or refusal.
    """
    from billing_spec.state import LocalStateStore

    environment, state_path, provider_name = resolve_env(env_name, state_path, provider_name)
    store = LocalStateStore(state_path)
    color = use_color(no_color)
    provider = make_provider(
        provider_name,
        max_retries,
        effective_at,
        environment,
        allow_replace_contracts=allow_replace_contracts,
    )
    if _is_plan_file(target):
        _refuse_planning_options(as_of, allow_retroactive)
        from billing_spec.plan.planfile import load_plan

        saved = load_plan(target)
        if _refused_by(provider, saved):
            return 1
        return _run_apply(saved, store, provider, lock_timeout, color)
    with store.locked("apply", lock_timeout):
        made = _make_plan(target, store, provider, as_of, allow_retroactive)
        if made is None:
            return 1
        click.echo(_render(made, "text", color), nl=False)
        if made.errored:
            return 1
        if not made.has_changes:
            store.settle()  # an interrupted apply's journal, if any, goes into the state
            return 0
        if not auto_approve and not _approved():
            return 1
        return _run_apply(made, store, provider, lock_timeout, color)


@click.command()
@click.argument("planfile", type=click.Path(exists=True, dir_okay=False))
@format_option("text", "json", "markdown")
@no_color_option
def show(planfile, format_, no_color) -> int:
    """Show a saved plan, as text, JSON (Terraform's plan shape) or a pull-request comment."""
    from billing_spec.plan.planfile import load_plan

    click.echo(_render(load_plan(planfile), format_, use_color(no_color)), nl=False)
    return 0


# --- helpers ------------------------------------------------------------------------------------


def _make_plan(
    directory,
    store,
    provider,
    as_of,
    allow_retroactive,
    impact=None,
):
    from billing_spec.workflow import plan_catalog

    made, diagnostics = plan_catalog(
        directory,
        store.read(),
        provider,
        as_of=as_of or now(),
        allow_retroactive=allow_retroactive,
        impact_events=None if impact is None else impact.events,
        impact_through=None if impact is None else impact.through,
        impact_period=None if impact is None else impact.period,
        gates=None if impact is None else impact.gates,
    )
    echo_diagnostics(diagnostics)
    return made


def _render(made, format_: str, color: bool, environment: str | None = None) -> str:
    from billing_spec.plan.render_json import render_json
    from billing_spec.plan.render_markdown import render_markdown
    from billing_spec.plan.render_text import render_text

    if format_ == "json":
        return render_json(made)
    if format_ == "markdown":
        return render_markdown(made, environment=environment)
    return render_text(made, color=color)


def _findings_to_stderr(made, format_: str) -> None:
    if format_ != "text":
        echo_diagnostics([f.diagnostic for f in made.findings if f.is_error])


def _next_steps(made, out: str | None, format_: str, state_path: str) -> None:
    err = format_ != "text"
    if out:
        state = "" if state_path == DEFAULT_STATE_PATH else f" --state {shlex.quote(state_path)}"
        click.echo(
            f"\nSaved the plan to: {out}\n\nTo perform exactly these actions, run:\n"
            f"    billing apply {shlex.quote(out)}{state}",
            err=err,
        )
    elif made.has_changes:
        click.echo(
            "\nNote: you didn't use the --out option to save this plan, so `billing apply` "
            "cannot guarantee to take exactly these actions if you run it later.",
            err=err,
        )


def _is_plan_file(target: str) -> bool:
    """A directory or a .yaml/.yml file is a catalog; any other file is a saved plan."""
    path = Path(target)
    return path.is_file() and path.suffix not in (".yaml", ".yml")


def _refuse_planning_options(as_of, allow_retroactive) -> None:
    if as_of is not None or allow_retroactive:
        from billing_spec.diagnostics import BillingSpecError

        raise BillingSpecError.single(
            "E816",
            "--as-of and --allow-retroactive cannot be used with a saved plan",
            hint="they were fixed when the plan was made; make a new plan to change them",
        )


def _refused_by(provider, made) -> bool:
    """A saved plan made for another provider is checked by this one (what it cannot express
    is refused here as it would have been at plan time)."""
    errors = [f.diagnostic for f in provider.check(made) if f.is_error]
    echo_diagnostics(errors, err=True)
    if errors:
        click.echo("Nothing was applied.", err=True)
    return bool(errors)


def _approved() -> bool:
    from billing_spec.diagnostics import BillingSpecError

    if not sys.stdin.isatty():
        raise BillingSpecError.single(
            "E815",
            "apply needs approval, but the input is not a terminal",
            hint="pass --auto-approve, or apply a saved plan (`billing plan --out FILE`); "
            "nothing was applied",
        )
    click.echo(
        "\nDo you want to perform these actions?\n"
        "  billing-spec will perform the actions described above.\n"
        "  Only 'yes' will be accepted to approve.\n"
    )
    answer = click.prompt("  Enter a value", default="", show_default=False, prompt_suffix=": ")
    if answer.strip() != "yes":
        click.echo("\nApply cancelled.", err=True)
        return False
    click.echo("")
    return True


def _run_apply(made, store, provider, lock_timeout: float, color: bool) -> int:
    from billing_spec.apply import apply_plan
    from billing_spec.cli.apply_progress import Progress

    progress = Progress(made, color)
    try:
        apply_plan(made, store, provider, lock_timeout=lock_timeout, on_step=progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo(
            f"\nInterrupted after {progress.done} of {len(made.pending)} changes; the state "
            "records them. Run `billing plan` to see what is left.",
            err=True,
        )
        return 1
    finally:
        progress.close()
    progress.finish()
    return 0


def _plan_file_name(value: str | None) -> str | None:
    """A saved plan is a file: `--out ""` and `--out -` (not standard output) are usage errors."""
    if value is not None and value in ("", "-"):
        shown = "an empty string" if not value else "'-' (a plan is a file, not standard output)"
        raise click.BadParameter(f"needs a file name, not {shown}", param_hint="--out")
    return value
