"""`plan`'s invoice-impact options: --events PATH (repeatable), --impact, --fail-on-increase-pct.

They go together: `--impact` needs `--events`, and `--events` and `--fail-on-increase-pct` mean
nothing without `--impact`; any other combination is a usage error (exit 1).
"""

from __future__ import annotations

from decimal import Decimal

import click


def impact_options(func):
    func = click.option(
        "--fail-on-increase-pct",
        "fail_on_increase_pct",
        metavar="N",
        help="With --impact: refuse the plan (exit 1) when a contract's invoices rise by more "
        "than N percent.",
    )(func)
    func = click.option(
        "--impact",
        is_flag=True,
        help="Replay the --events under the applied and the planned catalog and show the "
        "invoice impact: old total -> new total, delta and percent per customer and contract.",
    )(func)
    return click.option(
        "--events",
        "events",
        multiple=True,
        metavar="PATH",
        help="With --impact: usage events (a JSON Lines or JSON-array file, optionally gzip, "
        "or a directory of them). Repeat for several.",
    )(func)


def check_impact_options(
    events: tuple[str, ...], impact: bool, fail_on_increase_pct: str | None
) -> Decimal | None:
    """Refuse a combination that makes no sense; the threshold as a Decimal."""
    if impact and not events:
        raise click.UsageError("--impact needs the events to replay: --events PATH")
    if events and not impact:
        raise click.UsageError("--events is used with --impact (the invoice impact of the plan)")
    if fail_on_increase_pct is None:
        return None
    if not impact:
        raise click.UsageError("--fail-on-increase-pct is used with --impact and --events")
    return _percent(fail_on_increase_pct)


def _percent(text: str) -> Decimal:
    from billing_spec.money import NotADecimal, parse_decimal

    try:
        value = parse_decimal(text.removesuffix("%"))
    except NotADecimal:
        value = None
    if value is None or value < 0:
        raise click.BadParameter(
            f"{text!r} is not a percent (a number such as 10 or 2.5, at least 0)",
            param_hint="--fail-on-increase-pct",
        )
    return value
