"""The plan as a pull-request comment: summary first, warnings next, the full diff folded.

    ### Plan: 1 to add, 1 to change, 1 to destroy.

    > [!WARNING]
    > **This plan destroys or replaces resources:**
    > - `billable_metric.m` must be replaced (`aggregation_type` forces replacement)

    **Update (1):** `rate_card.list`
    ...
    <details><summary>Plan details</summary>

    ```diff
    ... the text plan, with `+` / `-` / `!` moved to column 0 so GitHub colours it ...
    ```

    </details>

GitHub refuses comments over 65,536 characters: the diff is cut at a line boundary to fit, with
a note saying so. Address lists are capped per action. The output is byte-stable (no clock but
`as_of`), so a CI job can update its comment only when the plan really changed.
"""

from __future__ import annotations

import re

from billing_spec.plan.model import Action, Finding, Plan, ResourceChange
from billing_spec.plan.render_text import NO_CHANGES, actions_lines, drift_lines
from billing_spec.timestamps import format_timestamp

MAX_CHARS = 65_536
MAX_LISTED = 50
_GROUPS = (
    ("Create", Action.CREATE),
    ("Update", Action.UPDATE),
    ("Replace", Action.REPLACE),
    ("Delete", Action.DELETE),
)
_SYMBOL = re.compile(r"^( *)(-/\+|[-+~]) ")
_DIFF_SYMBOLS = {"+": "+", "-": "-", "~": "!", "-/+": "!"}


def render_markdown(plan: Plan, *, limit: int = MAX_CHARS) -> str:
    head = _head(plan)
    if not plan.pending and not plan.drift:
        return head + "\n"
    diff = [_diff_line(line) for line in _diff_text(plan)]
    return _fit(head, diff, limit)


def _diff_text(plan: Plan) -> list[str]:
    lines = drift_lines(plan) if plan.drift else []
    if plan.pending:
        lines += actions_lines(plan)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _head(plan: Plan) -> str:
    parts = [f"### {_title(plan)}", ""]
    parts += _banner(plan)
    parts += _findings(plan)
    parts += _groups(plan)
    return "\n".join(parts)


def _title(plan: Plan) -> str:
    if plan.errored:
        return f"❌ Plan refused: {plan.refusal()}"
    if not plan.has_changes:
        return NO_CHANGES
    return plan.summary().line()


def _banner(plan: Plan) -> list[str]:
    destroyed = [c for c in plan.pending if c.action in (Action.DELETE, Action.REPLACE)]
    retroactive = [c for c in plan.pending if c.retroactive]
    if not destroyed and not retroactive:
        return []
    lines = ["> [!WARNING]"]
    if destroyed:
        lines.append("> **⚠️ This plan destroys or replaces resources:**")
        lines += [f"> - {_destroy_line(c)}" for c in destroyed[:MAX_LISTED]]
        lines += _more(len(destroyed), prefix="> ")
    if retroactive:
        if destroyed:
            lines.append(">")
        lines.append(
            f"> **⚠️ Retroactive rate changes:** these re-price usage before "
            f"{format_timestamp(plan.as_of)}:"
        )
        lines += [f"> - `{c.address}`" for c in retroactive[:MAX_LISTED]]
        lines += _more(len(retroactive), prefix="> ")
    return [*lines, ""]


def _destroy_line(change: ResourceChange) -> str:
    if change.action is Action.DELETE:
        return f"`{change.address}` will be destroyed"
    fields = ", ".join(f"`{'.'.join(map(str, p))}`" for p in change.replace_paths)
    verb = "forces" if len(change.replace_paths) == 1 else "force"
    return f"`{change.address}` must be replaced ({fields} {verb} replacement)"


def _findings(plan: Plan) -> list[str]:
    lines = []
    for finding in plan.findings[:MAX_LISTED]:
        lines.append(_finding_line(finding))
    lines += _more(len(plan.findings))
    return [*lines, ""] if lines else []


def _finding_line(finding: Finding) -> str:
    d = finding.diagnostic
    mark = "❌" if finding.is_error else "⚠️"
    hint = f" — {d.hint}" if d.hint else ""
    return f"- {mark} **{d.code}** {_escape(d.summary)}{_escape(hint)}"


def _groups(plan: Plan) -> list[str]:
    lines = []
    for label, action in _GROUPS:
        addresses = [f"`{c.address}`" for c in plan.pending if c.action is action]
        if addresses:
            lines.append(
                f"**{label} ({len(addresses)}):** "
                + ", ".join(addresses[:MAX_LISTED])
                + (
                    f", … and {len(addresses) - MAX_LISTED} more"
                    if len(addresses) > MAX_LISTED
                    else ""
                )
            )
    moved = [f"`{c.previous_address}` → `{c.address}`" for c in plan.pending if c.previous_address]
    if moved:
        lines.append(f"**Move ({len(moved)}):** " + ", ".join(moved[:MAX_LISTED]))
    return [*lines, ""] if lines else []


def _more(count: int, prefix: str = "") -> list[str]:
    return [f"{prefix}- … and {count - MAX_LISTED} more"] if count > MAX_LISTED else []


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _diff_line(line: str) -> str:
    """Move the action symbol to column 0 (`~` becomes `!`), so a ```diff block colours it."""
    match = _SYMBOL.match(line)
    if not match:
        return line
    indent, symbol = match.groups()
    body = line[match.end() :]
    padding = " " * max(0, len(indent) + len(symbol) - 1)
    return f"{_DIFF_SYMBOLS[symbol]}{padding} {body}"


def _fit(head: str, diff: list[str], limit: int) -> str:
    opening = head + "\n<details><summary>Plan details</summary>\n\n```diff\n"
    closing = "```\n\n</details>\n"
    full = opening + "".join(line + "\n" for line in diff) + closing
    if len(full) <= limit:
        return full
    budget = limit - len(opening) - len(closing) - len(_note(len(diff), len(diff), limit))
    kept = 0
    while kept < len(diff) and len(diff[kept]) + 1 <= budget:
        budget -= len(diff[kept]) + 1
        kept += 1
    body = "".join(line + "\n" for line in diff[:kept])
    return opening + body + closing + _note(kept, len(diff), limit)


def _note(shown: int, total: int, limit: int) -> str:
    return (
        f"\n_Truncated to fit a GitHub comment ({limit:,} characters): {shown:,} of "
        f"{total:,} plan lines shown. Run `billing show PLANFILE` for the whole plan._\n"
    )
