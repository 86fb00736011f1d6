"""Saved plans (`plan --out FILE`): self-contained, checksummed, refused when damaged.

A plan file is one JSON object:

    {"format": "billing-spec plan", "format_version": "1.1", "tool_version": "0.1.0",
     "checksum": "sha256:<hex of the canonical JSON of body>",
     "body": {"plan": <the JSON plan, see render_json>, "catalog": <the desired compiled catalog>}}

`body` holds everything apply needs: the desired catalog, the prior lineage and serial the plan
was made against, `as_of`, and every change with its before and after. The checksum is also the
plan's digest, recorded in the state's history when it is applied. Like Terraform's, the file
contains the whole catalog in clear text (customer names, negotiated prices): treat it as
sensitive, and do not give it a `.yaml` suffix the catalog loader would pick up.

`load_plan` refuses (E807) a file that is not a plan, is not JSON, was truncated, whose
checksum does not match, or whose contents do not hold together (`integrity.plan_defects`: a
resource edited and re-checksummed, an address that is no address), and (E808) one written in
a newer major format. Minor versions only add keys: 1.1 added the plan's `invoice_impact`
(`plan --impact`); a 1.0 file reads as a plan without one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from billing_spec import __version__
from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import BillingSpecError, Diagnostic, Position, Severity, SourceRange
from billing_spec.fileio import write_output_text
from billing_spec.jsontext import canonical_json, digest_of
from billing_spec.plan.impact_model import Impact
from billing_spec.plan.integrity import plan_defects
from billing_spec.plan.model import ACTIONS_JSON, Finding, Plan, ResourceChange
from billing_spec.plan.render_json import plan_json
from billing_spec.timestamps import parse_written_timestamp

FORMAT = "billing-spec plan"
FORMAT_VERSION = "1.1"
_ACTIONS = {tuple(v): k for k, v in ACTIONS_JSON.items()}


def plan_body(plan: Plan) -> dict[str, Any]:
    return {"plan": plan_json(plan), "catalog": plan.desired.model_dump(mode="json")}


def plan_digest(plan: Plan) -> str:
    """The plan's identity: the checksum its saved file carries."""
    return digest_of(plan_body(plan))


def save_plan(plan: Plan, path: str | Path) -> str:
    """Write `plan` to `path` (atomically, 0600 when new); returns its digest."""
    body = plan_body(plan)
    checksum = digest_of(body)
    envelope = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "checksum": checksum,
        "body": body,
    }
    try:
        write_output_text(path, canonical_json(envelope) + "\n", private=True)
    except OSError as exc:
        raise BillingSpecError.single(
            "E819", f"cannot write plan file {path}: {exc.strerror}"
        ) from None
    return checksum


def load_plan(path: str | Path) -> Plan:
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BillingSpecError.single(
            "E807", f"cannot read plan file {where}: {exc.strerror}"
        ) from None
    try:
        envelope = _envelope(raw, where)
        body = envelope["body"]
        if digest_of(body) != envelope["checksum"]:
            raise _damaged(where, "its checksum does not match its contents")
        try:
            plan = plan_from_body(body)
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise _damaged(where, f"its contents are not a plan ({type(exc).__name__})") from None
        for defect in plan_defects(plan):  # the first: what is edited is refused whole
            raise _damaged(where, defect)
    except RecursionError:
        raise _damaged(where, "it is nested too deeply to be a plan") from None
    return plan


def _envelope(raw: bytes, where: str) -> dict[str, Any]:
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(where, "it is not valid JSON (truncated or not a plan file)") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise _damaged(where, "it is not a billing-spec plan file")
    major = str(envelope.get("format_version", "")).split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        raise BillingSpecError.single(
            "E808",
            f"plan file {where} has format {envelope.get('format_version')!r}, which this "
            f"billing-spec ({__version__}) cannot read",
            hint="apply it with the billing-spec version that made it, or make a new plan",
        )
    if not isinstance(envelope.get("body"), dict) or not isinstance(envelope.get("checksum"), str):
        raise _damaged(where, "its body or checksum is missing")
    return envelope


def _damaged(where: str, why: str) -> BillingSpecError:
    return BillingSpecError.single(
        "E807",
        f"plan file {where} is damaged: {why}",
        hint="make a new plan with `billing plan --out`; nothing was applied",
    )


def plan_from_body(body: dict[str, Any]) -> Plan:
    data = body["plan"]
    return Plan(
        desired=CompiledCatalog.model_validate(body["catalog"]),
        prior_lineage=data["prior_state"]["lineage"],
        prior_serial=int(data["prior_state"]["serial"]),
        as_of=parse_written_timestamp(data["as_of"]),
        changes=tuple(_change(c) for c in data["resource_changes"]),
        findings=tuple(_finding(f) for f in data["findings"]),
        allow_retroactive=bool(data["allow_retroactive"]),
        drift=tuple(_change(c) for c in data["resource_drift"]),
        tool_version=data["tool_version"],
        impact=_impact(data.get("invoice_impact")),
    )


def _impact(data: dict[str, Any] | None) -> Impact | None:
    return None if data is None else Impact.from_json(data)


def _change(data: dict[str, Any]) -> ResourceChange:
    change = data["change"]
    return ResourceChange(
        address=data["address"],
        type=data["type"],
        name=data["name"],
        action=_ACTIONS[tuple(change["actions"])],
        before=change["before"],
        after=change["after"],
        replace_paths=tuple(tuple(p) for p in change["replace_paths"]),
        previous_address=data.get("previous_address"),
        prevent_destroy_before=_prevent_destroy(change["before_lifecycle"]),
        prevent_destroy_after=_prevent_destroy(change["after_lifecycle"]),
        retroactive=bool(data.get("retroactive", False)),
    )


def _prevent_destroy(lifecycle: dict[str, bool] | None) -> bool | None:
    return None if lifecycle is None else bool(lifecycle["prevent_destroy"])


def _finding(data: dict[str, Any]) -> Finding:
    diagnostic = Diagnostic(
        severity=Severity(data["severity"]),
        code=data["code"],
        summary=data["summary"],
        range=_range(data.get("range")),
        detail=data.get("detail", ""),
        hint=data.get("hint", ""),
    )
    return Finding(data["address"], diagnostic)


def _range(data: dict[str, Any] | None) -> SourceRange | None:
    if data is None:
        return None

    def position(p: dict[str, Any]) -> Position:
        return Position(p["line"], p.get("column"))

    return SourceRange(data["filename"], position(data["start"]), position(data["end"]))
