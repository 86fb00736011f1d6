"""Options shared by the commands that read or write the state: --state, --lock-timeout,
--as-of, --allow-retroactive, --provider (with --max-retries, --effective-at); and when to
colour output."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import click

# billing_spec.state.DEFAULT_STATE_PATH, repeated so that `--help` need not import the state
# package (pydantic); tests/test_cli_plan_apply.py holds the two equal.
DEFAULT_STATE_PATH = "billing.state.json"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_MILLISECONDS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def state_option(func):
    return click.option(
        "--state",
        "state_path",
        default=DEFAULT_STATE_PATH,
        show_default=True,
        envvar="BILLING_STATE",
        type=click.Path(dir_okay=False),
        callback=_nonempty_state_path,
        help="The state file (env BILLING_STATE).",
    )(func)


def _nonempty_state_path(ctx, param, value: str) -> str:
    if not value:
        raise click.BadParameter("needs a file name, not an empty string", param_hint="--state")
    return value


def parse_duration(text: str) -> float:
    """`30s`, `2m`, `500ms`, `0` -> seconds.

    >>> parse_duration("1.5s"), parse_duration("2m"), parse_duration("0")
    (1.5, 120.0, 0.0)
    """
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise click.BadParameter(
            f"{text!r} is not a duration like 30s, 2m or 500ms", param_hint="--lock-timeout"
        )
    milliseconds = int(Decimal(match.group(1)) * _MILLISECONDS[match.group(2) or "s"])
    try:
        return milliseconds / 1000
    except OverflowError:  # more seconds than a float holds
        raise click.BadParameter(
            f"{text!r} is too long a duration", param_hint="--lock-timeout"
        ) from None


def lock_timeout_option(func):
    return click.option(
        "--lock-timeout",
        default="0s",
        show_default=True,
        metavar="DURATION",
        callback=lambda ctx, param, value: parse_duration(value),
        help="How long to wait for the state lock (e.g. 30s) before giving up.",
    )(func)


def _parse_as_of(ctx, param, value: str | None) -> datetime | None:
    return parse_timestamp_option(value, "--as-of")


def parse_timestamp_option(value: str | None, option: str) -> datetime | None:
    """A command-line instant (`--as-of`, `--through`), refused with the hint a catalog
    timestamp gets (`2026-11-10` -> "a date alone is not an instant: 2026-11-10T00:00:00Z ...").
    """
    if value is None:
        return None
    from billing_spec.timestamps import TimestampError, parse_timestamp, timestamp_hint

    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        hint = timestamp_hint(value)
        message = f"{exc}\n  hint: {hint}" if hint else str(exc)
        raise click.BadParameter(message, param_hint=option) from None


def as_of_option(func):
    return click.option(
        "--as-of",
        "as_of",
        metavar="TIMESTAMP",
        callback=_parse_as_of,
        help="Treat rates starting before this instant as already applied (default: now).",
    )(func)


def allow_retroactive_option(func):
    return click.option(
        "--allow-retroactive",
        is_flag=True,
        help="Allow rate changes that re-price usage before --as-of (flagged in the plan).",
    )(func)


def allow_replace_contracts_option(func):
    return click.option(
        "--allow-replace-contracts",
        is_flag=True,
        help="metronome: a contract change no contract edit can make is a replace (the new "
        "contract created, then the old one archived) instead of refused (E840).",
    )(func)


def provider_option(func):
    return click.option(
        "--provider",
        "provider_name",
        type=click.Choice(["local", "metronome"]),
        default="local",
        show_default=True,
        help="Who carries out the changes: `local` records them in the state file only; "
        "`metronome` calls Metronome's API (METRONOME_BEARER_TOKEN, METRONOME_BASE_URL).",
    )(func)


def metronome_option(what: str):
    """--provider, required, `metronome` its one choice (import, events send); `what` starts
    its help."""
    return click.option(
        "--provider",
        "provider_name",
        type=click.Choice(["metronome"]),
        required=True,
        help=f"{what}: `metronome` (METRONOME_BEARER_TOKEN, METRONOME_BASE_URL).",
    )


def max_retries_option(func):
    """--max-retries: the SDK's retries of a Metronome call (apply, import, events send)."""
    return click.option(
        "--max-retries",
        type=click.IntRange(min=0),
        default=3,
        show_default=True,
        help="metronome: retries of a call that failed with 408/409/429/5xx or no connection.",
    )(func)


def remote_options(func):
    """--max-retries and --effective-at: how the metronome provider makes its calls."""
    func = max_retries_option(func)
    return click.option(
        "--effective-at",
        metavar="TIMESTAMP",
        callback=lambda ctx, param, value: parse_timestamp_option(value, "--effective-at"),
        help="metronome: when product updates take effect (on the hour; default: the next hour).",
    )(func)


def make_provider(
    name: str,
    max_retries: int = 3,
    effective_at: datetime | None = None,
    environment=None,
    refresh: bool = False,
    allow_replace_contracts: bool = False,
):
    """The provider `--provider NAME` names, set up with the remote options (and the
    environment's endpoint and token variable); `refresh`: it reads the remote objects."""
    from billing_spec.providers import PROVIDERS

    if name == "metronome":
        return PROVIDERS[name](
            max_retries=max_retries,
            effective_at=effective_at,
            refresh=refresh,
            allow_replace_contracts=allow_replace_contracts,
            base_url=getattr(environment, "base_url", None),
            token_env=getattr(environment, "token_env", None),
        )
    return PROVIDERS[name]()


def env_option(func):
    return click.option(
        "--env",
        "env_name",
        metavar="NAME",
        envvar="BILLING_ENV",
        help="An environment of the project configuration ([environments.NAME] in "
        "billing.toml): its provider, state and endpoint (env BILLING_ENV).",
    )(func)


def resolve_env(env_name: str | None, state_path: str, provider_name: str):
    """`--env NAME` -> (environment, state path, provider name). An explicit --state or
    --provider (or BILLING_STATE) still wins over the environment's."""
    if env_name is None:
        return None, state_path, provider_name
    import os

    from click.core import ParameterSource

    from billing_spec.config import find_config

    config = find_config()
    environment = config.environment(env_name) if config else None
    if environment is None:
        known = ", ".join(e.name for e in config.environments) if config else ""
        where = f"the environments are {known}" if known else "no environment is configured"
        raise click.BadParameter(f"unknown environment {env_name!r}: {where}", param_hint="--env")
    ctx = click.get_current_context()
    given = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    if ctx.get_parameter_source("state_path") not in given:
        state_path = os.path.relpath(environment.state)
    if ctx.get_parameter_source("provider_name") not in given:
        provider_name = environment.provider
    return environment, state_path, provider_name


def now() -> datetime:
    """The CLI's clock: the default --as-of, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, never with --no-color (the command's or the global one) or
    NO_COLOR set."""
    from billing_spec.cli.output import color_wanted

    return color_wanted(no_color)
