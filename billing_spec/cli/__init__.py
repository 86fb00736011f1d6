"""The `billing` command: a thin shell over the library API.

Each command module parses options, calls one library function and renders its result; no
billing logic lives here. Commands are imported only when invoked, so `billing --help` and every
command start without loading what they do not use.

Exit codes: 0 success; 1 any error (bad input, a refused plan, a usage mistake); 2 only for
`plan --detailed-exitcode` with changes; 3 for `fmt --check` when a file would change.
"""

from __future__ import annotations

import importlib
import signal
import sys

import click

from billing_spec import __version__

# command name -> "module:function"
COMMANDS = {
    "validate": "billing_spec.cli.catalog_commands:validate",
    "schema": "billing_spec.cli.catalog_commands:schema",
    "compile": "billing_spec.cli.catalog_commands:compile_",
    "plan": "billing_spec.cli.plan_commands:plan",
    "apply": "billing_spec.cli.plan_commands:apply",
    "show": "billing_spec.cli.plan_commands:show",
    "state": "billing_spec.cli.state_commands:state",
    "force-unlock": "billing_spec.cli.state_commands:force_unlock",
    "fmt": "billing_spec.cli.fmt_command:fmt",
    "invoice": "billing_spec.cli.invoice_command:invoice",
    "init": "billing_spec.cli.init_command:init",
    "events": "billing_spec.cli.events_command:events",
    "import": "billing_spec.cli.import_command:import_",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and command is not None:
            from billing_spec.cli.config_defaults import apply_config

            apply_config(ctx, name, rest)  # billing.toml: the commands' defaults
        return name, command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with its whole one-line summary (click cuts it to the line and adds
        `...`); a long summary wraps under its column instead."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="billing")
@click.option(
    "--no-color", is_flag=True, help="Never colour the output (also: the NO_COLOR variable)."
)
def cli(no_color: bool) -> None:
    """Billing as code: validate, plan, apply and preview Metronome-style pricing catalogs."""
    from billing_spec.cli.output import NO_COLOR

    NO_COLOR["global"] = no_color


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs `cli` and maps every outcome to an exit code."""
    from billing_spec.cli.output import OutputError, checked_stdout
    from billing_spec.diagnostics import BillingSpecError

    if hasattr(signal, "SIGXFSZ"):  # a file-size limit: a write fails (EFBIG) and is reported
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        with checked_stdout():
            code = cli.main(args=argv, prog_name="billing", standalone_mode=False)
    except OutputError as exc:  # a full disk, a file-size limit, /dev/full: never exit 0
        click.echo(f"Error: {exc}", err=True)
        code = 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = 1
    except BillingSpecError as exc:
        from billing_spec.cli.output import echo_diagnostics

        echo_diagnostics(exc.diagnostics, err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
