"""`billing init`: scaffold a configured project (`billing_spec/scaffold`)."""

from __future__ import annotations

from pathlib import Path

import click

# file written (relative to DIR) -> its source in billing_spec/scaffold
FILES = {
    "billing.toml": "billing.toml",
    "catalog/catalog.yaml": "catalog/catalog.yaml",
    "fixtures/events.jsonl": "fixtures/events.jsonl",
    "docs/ci/github-actions.yml": "github-actions.yml",
}
SCAFFOLD = Path(__file__).resolve().parents[1] / "scaffold"


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def init(directory: str) -> int:
    """Start a project in DIR: a billing.toml, a commented starter catalog, events, a CI recipe.

    Never overwrites a file: when any of them exists, writes nothing and exits 1.
    """
    from billing_spec.diagnostics import BillingSpecError, error

    root = Path(directory)
    existing = [name for name in FILES if (root / name).exists()]
    if existing:
        raise BillingSpecError(
            [
                error(
                    "E014",
                    f"{_shown(root / name)} already exists; billing init never overwrites a file",
                    hint="nothing was written; run billing init in an empty directory, or move "
                    "the file away",
                )
                for name in existing
            ]
        )
    for name, source in FILES.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((SCAFFOLD / source).read_text("utf-8"), "utf-8")
        click.echo(f"created {_shown(target)}")
    where = "" if root.resolve() == Path.cwd().resolve() else f"cd {_shown(root)} && "
    click.echo(
        f"\nNext: {where}billing validate && billing plan && billing invoice --format text\n"
        "Copy docs/ci/github-actions.yml to .github/workflows/pricing.yml to plan every "
        "pricing pull request."
    )
    return 0


def _shown(path: Path) -> str:
    return path.as_posix()
