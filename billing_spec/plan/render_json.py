"""The machine-readable plan (`plan --format json`, `show PLANFILE --format json`).

Terraform's JSON plan shape where it fits, byte-stable (sorted keys, no clock but `as_of`):

    {"format_version": "1.0", "tool_version": "0.1.0", "as_of": "2026-11-25T00:00:00Z",
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
     "applyable": false, "errored": true, "complete": true}

`resource_changes` lists every address, no-ops included, in apply order. `summary` counts a
replace in `add`, `destroy` and `replace`. Minor format versions only add keys.
"""

from __future__ import annotations

import json
from typing import Any

from billing_spec.diagnostics import diagnostic_json
from billing_spec.plan.model import ACTIONS_JSON, Finding, Plan, ResourceChange
from billing_spec.timestamps import format_timestamp

JSON_FORMAT_VERSION = "1.0"


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
