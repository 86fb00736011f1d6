"""The project configuration (`billing_spec.config`) as the commands' defaults.

Each command's own defaults become the configured ones through click's `default_map`, so an
argument or option given on the command line (or `BILLING_STATE`) always wins. The configured
`exclude` globs hold while the command runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

# commands that read no catalog, state or events: the configuration is not even looked for
UNCONFIGURED = frozenset({"init", "schema", "show"})
HELP = frozenset({"-h", "--help"})


def apply_config(ctx: click.Context, name: str, args: list[str]) -> None:
    """Set `ctx.default_map` for the command `name` about to run with `args`."""
    if name in UNCONFIGURED:
        return
    from billing_spec.config import find_config
    from billing_spec.diagnostics import BillingSpecError

    try:
        config = find_config()
    except BillingSpecError:
        if HELP.intersection(args):  # a broken configuration does not hide the help
            return
        raise
    if config is None:
        return
    catalog = _shown(config.catalog) if config.catalog else None
    state = _shown(config.state) if config.state else None
    events = [_shown(p) for p in config.events]
    defaults: dict[str, Any] = {
        "validate": {"directory": catalog},
        "compile": {"directory": catalog},
        "fmt": {"target": catalog},
        # --events is plan's only with --impact: the configured ones are used when it is asked for
        "plan": {
            "directory": catalog,
            "state_path": state,
            "events": events if "--impact" in args else None,
        },
        "apply": {"target": catalog, "state_path": state},
        "invoice": {"directory": catalog, "events": events},
        "force-unlock": {"state_path": state},
        "state": {"list": {"state_path": state}, "show": {"state_path": state}},
    }
    ctx.default_map = {name: _without_unset(defaults.get(name, {}))}
    if config.exclude:
        from billing_spec.catalog.load import excluding

        ctx.with_resource(excluding(config.root, config.exclude))


def _without_unset(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if isinstance(value, dict):
            value = _without_unset(value)
        if value:
            out[key] = value
    return out


def _shown(path: Path) -> str:
    """A configured path as the command shows it: relative to the working directory."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
