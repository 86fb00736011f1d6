"""The operations the CLI runs, end to end, as library calls.

    plan_catalog(directory, state, provider, as_of=..., allow_retroactive=...,
                 impact_events=None, impact_through=None, impact_period=None, gates=None,
                 fail_on_increase_pct=None)
        -> (Plan | None, diagnostics)

validates and compiles the catalog (None and the diagnostics when it has errors), refreshes the
applied state through the provider (`read`), makes the plan, drops the findings the provider
lifts (it does safely what the planner refuses in general) and adds the provider's own
plan-time findings, with `impact_events` replays those events under the applied and the desired
catalog (`plan.impact`; cut at `impact_through`, moved into `impact_period`, gated by `gates`;
None and the diagnostics when the events cannot be read), and points each finding at the
resource's definition in the catalog files. Applying is
`billing_spec.apply.apply_plan`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from billing_spec.addresses import Address
from billing_spec.catalog import validate_catalog
from billing_spec.catalog.load import CatalogSpec
from billing_spec.compile import compile_catalog
from billing_spec.diagnostics import Diagnostic, has_errors
from billing_spec.events import Period
from billing_spec.plan.impact import Gates, with_impact
from billing_spec.plan.model import Finding, Plan
from billing_spec.plan.planner import make_plan
from billing_spec.plan.rates import rate_identity
from billing_spec.providers.base import Provider, refresh_state
from billing_spec.state.model import State
from billing_spec.timestamps import parse_timestamp


def plan_catalog(
    directory: str | os.PathLike[str],
    state: State,
    provider: Provider,
    *,
    as_of: datetime,
    allow_retroactive: bool = False,
    impact_events: Sequence[str | os.PathLike[str]] | None = None,
    impact_through: datetime | None = None,
    impact_period: Period | None = None,
    gates: Gates | None = None,
    fail_on_increase_pct: Decimal | None = None,
) -> tuple[Plan | None, list[Diagnostic]]:
    spec, diagnostics = validate_catalog(directory)
    if has_errors(diagnostics):
        return None, diagnostics
    desired = compile_catalog(spec)
    refreshed, drift = refresh_state(state, provider)
    plan = make_plan(
        desired, refreshed, as_of=as_of, allow_retroactive=allow_retroactive, drift=drift
    )
    kept = tuple(f for f in plan.findings if not provider.lifts(f, plan))
    plan = replace(plan, findings=(*kept, *provider.check(plan)))
    if impact_events is not None:
        impacted, found = with_impact(
            plan,
            impact_events,
            through=impact_through,
            period=impact_period,
            gates=gates,
            fail_on_increase_pct=fail_on_increase_pct,
        )
        diagnostics = [*diagnostics, *found]
        if impacted is None:
            return None, diagnostics
        plan = impacted
    return replace(plan, findings=tuple(_locate(f, spec) for f in plan.findings)), diagnostics


def _locate(finding: Finding, spec: CatalogSpec) -> Finding:
    """Point a finding at the definition of its resource, when the catalog still has one."""
    if finding.address is None or finding.diagnostic.range is not None:
        return finding
    try:
        address = Address.parse(finding.address)
    except ValueError:
        return finding
    where = _subject_range(spec, address, finding.subject) or spec.where(
        address.section, address.name, key=True
    )
    if where is None:
        return finding
    return Finding(finding.address, replace(finding.diagnostic, range=where), finding.subject)


def _subject_range(spec: CatalogSpec, address: Address, subject: tuple[str, ...]):
    """Where the rate or contract term a finding is about is written, if it can be found.

    Compile sorts a card's rates, so a rate is found by its identity among the rates as written;
    a contract's terms keep their order, but only when the contract writes them itself (not
    through a package).
    """
    if not subject:
        return None
    if subject[0] == "rate" and address.section == "rate_cards":
        card = spec.section("rate_cards").get(address.name)
        for index, rate in enumerate(getattr(card, "rates", None) or ()):
            written = rate.model_dump(mode="json", exclude_none=True, by_alias=True)
            if _same_rate(rate_identity(written), subject[1:]):
                return spec.where("rate_cards", address.name, "rates", index)
        return None
    if subject[0] == "term" and address.section == "contracts":
        contract = spec.section("contracts").get(address.name)
        if contract is None or getattr(contract, "package", None) is not None:
            return None
        field, index = subject[1], int(subject[2])
        written = getattr(contract, field, None)
        if written is not None and index < len(written):
            return spec.where("contracts", address.name, field, index)
    return None


def _same_rate(written: tuple[str, ...], compiled: tuple[str, ...]) -> bool:
    if len(written) != len(compiled) or written[:3] != compiled[:3]:
        return False
    try:
        return parse_timestamp(written[3]) == parse_timestamp(compiled[3])
    except ValueError:
        return False
