"""`billing validate`, `billing schema`, `billing compile`."""

from __future__ import annotations

import click

from billing_spec.cli.output import echo_diagnostics, echo_json, format_option, write_output

catalog_dir = click.argument(
    "directory", default=".", type=click.Path(file_okay=True, dir_okay=True)
)


@click.command()
@catalog_dir
@format_option("text", "json")
def validate(directory: str, format_: str) -> int:
    """Check a catalog: schema and semantic rules, every error at once.

    Exits 0 when the catalog is valid (warnings allowed), 1 otherwise.
    """
    from billing_spec.catalog import validate_catalog
    from billing_spec.diagnostics import has_errors, summary_line, to_json

    _, diagnostics = validate_catalog(directory)
    if format_ == "json":
        echo_json(to_json(diagnostics))
    else:
        echo_diagnostics(diagnostics, err=False)
        if has_errors(diagnostics):
            click.echo(f"\n{summary_line(diagnostics)}.")
        else:
            suffix = f" ({summary_line(diagnostics)})" if diagnostics else ""
            click.echo(f"Success! The catalog is valid{suffix}.")
    return 1 if has_errors(diagnostics) else 0


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the schema to FILE.")
def schema(output: str | None) -> int:
    """Print the catalog's JSON Schema (for editors and check-jsonschema)."""
    from billing_spec.catalog.schema import schema_text

    write_output(schema_text(), output)
    return 0


@click.command("compile")
@catalog_dir
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the compiled catalog to FILE (a new file is made readable by you only, 0600).",
)
def compile_(directory: str, output: str | None) -> int:
    """Print the canonical compiled catalog: resolved, normalized JSON with sha256 digests."""
    from billing_spec.catalog import build_catalog

    compiled, diagnostics = build_catalog(directory)
    echo_diagnostics(diagnostics)
    if compiled is None:
        return 1
    write_output(compiled.to_json(), output, private=True)  # a new file: 0600, like the state
    return 0
