"""`plan`'s invoice-impact options: --events PATH (repeatable), --impact, --through TS,
--as-of-period YYYY-MM, and the gates --fail-on-increase-pct N, --fail-on-decrease-pct N,
--fail-on-increase AMOUNT, --fail-on-decrease AMOUNT.

They go together: `--impact` needs `--events`, and the others mean nothing without `--impact`;
any other combination is a usage error (exit 1). `--as-of-period` and `--through` are also
`invoice`'s (`as_of_period_option`, `parse_as_of_period`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from billing_spec.events import Period
    from billing_spec.plan.impact import Gates

AS_OF_PERIOD_HELP = (
    "Move every event into the month YYYY-MM before replaying it (same day and time, the day "
    "clamped to the month's last: Jan 31 -> Feb 28), e.g. to replay last month's fixtures "
    "against a price change dated next month."
)

# option, parameter name, metavar, help
_GATES = (
    (
        "--fail-on-increase-pct",
        "fail_on_increase_pct",
        "N",
        "With --impact: refuse the plan (exit 1) when a contract's invoices rise by more than "
        "N percent.",
    ),
    (
        "--fail-on-decrease-pct",
        "fail_on_decrease_pct",
        "N",
        "With --impact: refuse the plan (exit 1) when a contract's invoices fall by more than "
        "N percent.",
    ),
    (
        "--fail-on-increase",
        "fail_on_increase",
        "AMOUNT",
        "With --impact: refuse the plan (exit 1) when a contract's invoices rise by more than "
        "AMOUNT, in major units (100.00 is $100.00; a custom credit type's own units).",
    ),
    (
        "--fail-on-decrease",
        "fail_on_decrease",
        "AMOUNT",
        "With --impact: refuse the plan (exit 1) when a contract's invoices fall by more than "
        "AMOUNT, in major units (100.00 is $100.00; a custom credit type's own units).",
    ),
)


@dataclass(frozen=True)
class ImpactOptions:
    events: tuple[str, ...]
    through: datetime | None
    period: Period | None
    gates: Gates


def as_of_period_option(func):
    return click.option(
        "--as-of-period", "as_of_period", metavar="YYYY-MM", help=AS_OF_PERIOD_HELP
    )(func)


def impact_options(func):
    for option, name, metavar, text in reversed(_GATES):
        func = click.option(option, name, metavar=metavar, help=text)(func)
    func = as_of_period_option(func)
    func = click.option(
        "--through",
        metavar="TS",
        help="With --impact: ignore events at or after this RFC 3339 timestamp.",
    )(func)
    func = click.option(
        "--impact",
        is_flag=True,
        help="Replay the --events under the applied and the planned catalog and show the "
        "invoice impact: old total -> new total, delta and percent per customer and contract, "
        "and per product.",
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
    events: tuple[str, ...], impact: bool, **given: str | None
) -> ImpactOptions | None:
    """Refuse a combination that makes no sense; the options parsed (None without --impact).

    `given`: `through`, `as_of_period` and each gate's parameter name, as typed."""
    from billing_spec.plan.impact import Gates

    if impact and not events:
        raise click.UsageError("--impact needs the events to replay: --events PATH")
    if events and not impact:
        raise click.UsageError("--events is used with --impact (the invoice impact of the plan)")
    for name, value in given.items():
        if value is not None and not impact:
            option = "--" + name.replace("_", "-")
            raise click.UsageError(f"{option} is used with --impact and --events")
    if not impact:
        return None
    gates = Gates(
        increase_pct=_number(given.get("fail_on_increase_pct"), "--fail-on-increase-pct"),
        decrease_pct=_number(given.get("fail_on_decrease_pct"), "--fail-on-decrease-pct"),
        increase=_number(given.get("fail_on_increase"), "--fail-on-increase"),
        decrease=_number(given.get("fail_on_decrease"), "--fail-on-decrease"),
    )
    return ImpactOptions(
        events=events,
        through=parse_through(given.get("through")),
        period=parse_as_of_period(given.get("as_of_period")),
        gates=gates,
    )


def parse_as_of_period(text: str | None) -> Period | None:
    if text is None:
        return None
    from billing_spec.events import parse_period

    try:
        return parse_period(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of-period") from None


def parse_through(text: str | None) -> datetime | None:
    if text is None:
        return None
    from billing_spec.diagnostics import BillingSpecError
    from billing_spec.timestamps import TimestampError, parse_timestamp, timestamp_hint

    try:
        return parse_timestamp(text)
    except TimestampError as exc:
        raise BillingSpecError.single(
            "E703", f"--through: {exc}", hint=timestamp_hint(text)
        ) from None


def _number(text: str | None, option: str) -> Decimal | None:
    """A percent (`10`, `2.5`, `10%`) or an amount (`100.00`, `$100`), at least 0."""
    if text is None:
        return None
    from billing_spec.money import NotADecimal, parse_decimal

    percent = option.endswith("-pct")
    cleaned = text.strip().removesuffix("%") if percent else text.strip().lstrip("$")
    try:
        value = parse_decimal(cleaned.replace(",", "") if not percent else cleaned)
    except NotADecimal:
        value = None
    if value is None or value < 0:
        what = (
            "a percent (a number such as 10 or 2.5, at least 0)"
            if percent
            else "an amount in major units (such as 100 or 100.00 for $100.00, at least 0)"
        )
        raise click.BadParameter(f"{text!r} is not {what}", param_hint=option)
    return value
