"""What the Metronome provider refuses at plan time (E840), before anything is sent.

    plan_findings(plan) -> [Finding]

Each finding names the resource and the field; the plan points it at the catalog file and line
(a rate's own line when it is about a rate). Refused:

- catalog features Metronome has no way to express (`payloads.unsupported`): VOLUME tiers, a
  tier's `flat_price`, an amount a JSON double cannot carry exactly;
- (W982, a warning) a replaced billable metric: its products move to the new metric first;
- (W983, a warning) with `plan --refresh`: what the refresh does not read back;
- changes Metronome cannot make in place: a rate removed or changed on an applied rate card
  (rates are append-only), a pricing unit rename, and a contract change no contract edit can
  make (a term removed or changed, a field the edit has no operation for; `payloads.
  contract_edit`) or a contract replace — unless `--allow-replace-contracts`, when W984 says
  the contract is replaced: the new one created first, then the old one archived.
"""

from __future__ import annotations

from billing_spec.diagnostics import error, warning
from billing_spec.plan.model import Action, Finding, Plan, ResourceChange
from billing_spec.plan.rates import rate_identity
from billing_spec.providers.base import ProviderError
from billing_spec.providers.metronome import payloads

CODE = "E840"


def plan_findings(
    plan: Plan, refreshed: bool = False, allow_replace_contracts: bool = False
) -> list[Finding]:
    findings: list[Finding] = [_metric_move(plan, address) for address in replaced_metrics(plan)]
    if refreshed:
        findings.append(_partial_refresh())
    for change in plan.pending:
        if change.action in (Action.CREATE, Action.UPDATE, Action.REPLACE) and change.after:
            findings += _inexpressible(change)
        if change.type == "contract" and change.action in (Action.UPDATE, Action.REPLACE):
            findings += _contract_change(change, allow_replace_contracts)
        elif change.action is Action.UPDATE and change.content_changed:
            findings += _not_in_place(change)
    return findings


def _contract_change(change: ResourceChange, allowed: bool) -> list[Finding]:
    """A contract change: an edit (nothing to say), else a replace that needs the flag."""
    from billing_spec.providers.metronome.provider import REPLACE_HOW, contract_refusal

    if change.action is Action.REPLACE:
        fields = ", ".join(".".join(map(str, p)) for p in change.replace_paths) or "its terms"
        refused = [(p, f"a contract edit cannot change {fields}") for p in change.replace_paths]
    else:
        if not change.content_changed:
            return []
        _, refused = payloads.contract_edit(change.before or {}, change.after or {})
    if not refused:
        return []
    protected = change.prevent_destroy_before or change.prevent_destroy_after
    if allowed and change.action is Action.UPDATE and protected:
        return [
            Finding(
                change.address,
                error(
                    CODE,
                    f"{change.address}: replacing it archives the applied contract, and it has "
                    "lifecycle: {prevent_destroy: true}",
                    detail=contract_refusal(refused),
                    hint="make the change additive, or remove prevent_destroy first",
                ),
            )
        ]
    if allowed:
        return [
            Finding(
                change.address,
                warning(
                    "W984",
                    f"{change.address} is replaced in Metronome (--allow-replace-contracts): "
                    f"{REPLACE_HOW}",
                    detail=contract_refusal(refused).split(". Metronome")[0],
                ),
            )
        ]
    path = refused[0][0]
    return [
        Finding(
            change.address,
            error(
                CODE,
                f"{change.address}: {_dotted(path)}: Metronome cannot make this change with a "
                "contract edit",
                detail=contract_refusal(refused),
                hint="make the change additive, or plan and apply with --allow-replace-contracts",
            ),
            _subject(change, path) if change.after else (),
        )
    ]


def _partial_refresh() -> Finding:
    return Finding(
        None,
        warning(
            "W983",
            "the Metronome refresh read names, tags, ingest aliases, rate cards' rates and "
            "archival only",
            detail="contract terms changed in Metronome are not compared yet, so drift in "
            "them is not reported",
        ),
    )


def replaced_metrics(plan: Plan) -> set[str]:
    return {
        c.address
        for c in plan.pending
        if c.type == "billable_metric" and c.action is Action.REPLACE
    }


def _metric_move(plan: Plan, address: str) -> Finding:
    name = address.partition(".")[2]
    users = sorted(
        r.address
        for r in plan.desired.resources.values()
        if r.type == "product" and r.content.get("billable_metric") == name
    )
    moved = ", ".join(users) if users else "no product"
    return Finding(
        address,
        warning(
            "W982",
            f"{address} is replaced in Metronome: a new metric is created, {moved} moved to it "
            "from the product updates' starting_at (--effective-at, default the next hour), "
            "then the old metric is archived",
            detail="usage before that instant stays metered by the old metric",
        ),
    )


def _inexpressible(change: ResourceChange) -> list[Finding]:
    found = []
    for path, why in payloads.unsupported(change.type, change.after):
        field = _dotted(path)
        found.append(
            Finding(
                change.address,
                error(
                    CODE,
                    f"{change.address}: {field}: the Metronome provider cannot express this",
                    detail=why,
                    hint="change the catalog, or plan with --provider local",
                ),
                _subject(change, path),
            )
        )
    return found


def _not_in_place(change: ResourceChange) -> list[Finding]:
    from billing_spec.providers.metronome.provider import _added_rates

    before, after = change.before or {}, change.after or {}
    why = None
    subject: tuple[str, ...] = ()
    if change.type == "rate_card":
        try:
            _added_rates(before.get("rates") or [], after.get("rates") or [])
        except ProviderError as exc:
            why = str(exc)
            subject = _first_edited_rate(before, after)
    elif change.type == "credit_type" and before.get("name") != after.get("name"):
        why = "Metronome cannot rename a pricing unit"
    if why is None:
        return []
    return [
        Finding(
            change.address,
            error(CODE, f"{change.address}: Metronome cannot make this change", detail=why),
            subject,
        )
    ]


def _first_edited_rate(before: dict, after: dict) -> tuple[str, ...]:
    new = {rate_identity(r): r for r in after.get("rates") or []}
    for rate in before.get("rates") or []:
        identity = rate_identity(rate)
        if new.get(identity) != rate:
            return ("rate", *identity) if identity in new else ()
    return ()


def _subject(change: ResourceChange, path: tuple) -> tuple[str, ...]:
    if change.type == "rate_card" and len(path) >= 2 and path[0] == "rates":
        rate = change.after["rates"][path[1]]
        return ("rate", *rate_identity(rate))
    if change.type == "contract" and len(path) >= 2 and isinstance(path[1], int):
        if path[1] >= len(change.after.get(path[0]) or []):
            return ()  # a removed term: the contract's own line
        return ("term", str(path[0]), str(path[1]))
    return ()


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
