"""`billing init`: scaffold a configured project (`billing_spec/scaffold`)."""

from __future__ import annotations

import os
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
    from billing_spec.fileio import atomic_write_text

    for name, source in FILES.items():
        target = root / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, (SCAFFOLD / source).read_text("utf-8"))  # whole or not at all
            os.chmod(target, 0o666 & ~_umask())
        except OSError as exc:
            raise BillingSpecError.single(
                "E014",
                f"cannot write {_shown(target)}: {exc.strerror or exc}",
                hint="the files listed above were written; free space or fix permissions",
            ) from None
        click.echo(f"created {_shown(target)}")
    where = "" if root.resolve() == Path.cwd().resolve() else f"cd {_shown(root)} && "
    click.echo(
        f"\nNext: {where}billing validate && billing plan && billing invoice --format text\n"
        "Copy docs/ci/github-actions.yml to .github/workflows/pricing.yml to plan every "
        "pricing pull request."
    )
    return 0


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _shown(path: Path) -> str:
    return path.as_posix()
