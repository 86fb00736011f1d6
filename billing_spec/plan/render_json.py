"""The machine-readable plan (`plan --format json`, `show PLANFILE --format json`).

Terraform's JSON plan shape where it fits, byte-stable (sorted keys, no clock but `as_of`):

    {"format_version": "1.1", "tool_version": "0.1.0", "as_of": "2026-11-25T00:00:00Z",
     "allow_retroactive": false,
     "prior_state": {"lineage": "<uuid>" | null, "serial": 3},
     "catalog_digest": "sha256:...",
     "resource_changes": [
        {"address": "product.p", "type": "product", "name": "p",
         "previous_address": "product.old",             # only for a `moved` resource
         "action_reason": "replace_because_cannot_update",   # replace / delete only
         "retroactive": true,                           # only for a retroactive rate change
         "change": {"actions": ["delete", "create"], "before": {...}, "after": {...},
                    "replace_paths": [["type"]],
                    "before_lifecycle": {"prevent_destroy": false}, "after_lifecycle": {...}}}],
     "resource_drift": [...same shape...],
     "summary": {"add": 1, "change": 0, "replace": 1, "destroy": 1, "move": 0},
     "findings": [{"address": "rate_card.r", "severity": "error", "code": "E810", "summary": ...}],
     "applyable": false, "errored": true, "complete": true,
     "invoice_impact": null}                            # or the object below (1.1)

`resource_changes` lists every address, no-ops included, in apply order. `summary` counts a
replace in `add`, `destroy` and `replace`. Minor format versions only add keys: 1.1 added
`invoice_impact`, null unless the plan was made with `--events PATH --impact`:

    {"events": ["fixtures/"], "through": null,
     "summary": {"old": {"events_read": 3, "events_used": 3, ...}, "new": {...}},
     "totals": [{"credit_type": "USD", "old_total": "50", "new_total": "45", "delta": "-5",
                 "percent": "-10", "contracts": 1, "contracts_changed": 1}],
     "contracts": [{"customer": "team_example", "customer_name": "Team Example",
                    "contract": "team_example_2026", "contract_name": null, "credit_type": "USD",
                    "old_total": "50", "new_total": "45", "delta": "-5", "percent": "-10",
                    "periods": [{"start_timestamp": "2026-10-01T00:00:00Z",
                                 "end_timestamp": "2026-11-01T00:00:00Z", "old_total": "50",
                                 "new_total": "45", "delta": "-5", "percent": "-10"}]}]}

Money is in the credit type's base unit (USD cents) as decimal strings. `old_total` /
`new_total` are null where that catalog makes no invoice (a new or removed contract); `delta`
counts null as zero; `percent` is the change in percent of the old total, rounded to 0.01, null
when the old total is null or zero. Every contract with an invoice under either catalog is
listed, unchanged ones included; `summary` counts the events under each catalog, as
`billing invoice` does.
"""

from __future__ import annotations

import json
from typing import Any

from billing_spec.diagnostics import diagnostic_json
from billing_spec.plan.model import ACTIONS_JSON, Finding, Plan, ResourceChange
from billing_spec.timestamps import format_timestamp

JSON_FORMAT_VERSION = "1.1"


def render_json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": JSON_FORMAT_VERSION,
        "tool_version": plan.tool_version,
        "as_of": format_timestamp(plan.as_of),
        "allow_retroactive": plan.allow_retroactive,
        "prior_state": {"lineage": plan.prior_lineage, "serial": plan.prior_serial},
        "catalog_digest": plan.desired.digest,
        "resource_changes": [change_json(c) for c in plan.changes],
        "resource_drift": [change_json(c) for c in plan.drift],
        "summary": plan.summary().as_json(),
        "findings": [finding_json(f) for f in plan.findings],
        "applyable": plan.applyable,
        "errored": plan.errored,
        "complete": True,
        "invoice_impact": None if plan.impact is None else plan.impact.to_json(),
    }


def change_json(change: ResourceChange) -> dict[str, Any]:
    out: dict[str, Any] = {
        "address": change.address,
        "type": change.type,
        "name": change.name,
        "change": {
            "actions": ACTIONS_JSON[change.action],
            "before": change.before,
            "after": change.after,
            "replace_paths": [list(path) for path in change.replace_paths],
            "before_lifecycle": _lifecycle(change.prevent_destroy_before),
            "after_lifecycle": _lifecycle(change.prevent_destroy_after),
        },
    }
    if change.previous_address:
        out["previous_address"] = change.previous_address
    if change.action_reason:
        out["action_reason"] = change.action_reason
    if change.retroactive:
        out["retroactive"] = True
    return out


def _lifecycle(prevent_destroy: bool | None) -> dict[str, bool] | None:
    return None if prevent_destroy is None else {"prevent_destroy": prevent_destroy}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {"address": finding.address, **diagnostic_json(finding.diagnostic)}
