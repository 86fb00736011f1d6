"""`billing fmt`: rewrite catalog files in the canonical layout (`billing_spec.catalog.fmt`)."""

from __future__ import annotations

import click

from billing_spec.cli.output import echo_diagnostics


@click.command("fmt")
@click.argument("target", metavar="[DIR|FILE]", default=".", type=click.Path())
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 3 and list the files when any file would change.",
)
@click.option("--diff", is_flag=True, help="Print a unified diff of each change.")
def fmt(target: str, check: bool, diff: bool) -> int:
    """Rewrite every *.yaml/*.yml file below DIR in the canonical layout, comments kept.

    Lists the files it rewrote (with --check: the files that would change). A file that does
    not parse is never rewritten. Exits 0 when done, 3 with --check when a file would change,
    1 on errors.
    """
    from billing_spec.catalog.fmt import format_catalog, write_formatted
    from billing_spec.diagnostics import has_errors

    report = format_catalog(target)
    changed = report.changed
    problems = list(report.diagnostics)
    if not check:
        failed = write_formatted(changed)
        unwritten = {d.range.filename for d in failed if d.range is not None}
        changed = tuple(f for f in changed if f.name not in unwritten)
        problems += failed
    for file in changed:
        click.echo(file.name)
        if diff:
            click.echo(file.diff(), nl=False)
    echo_diagnostics(problems)
    if has_errors(problems):
        return 1
    return 3 if check and changed else 0
