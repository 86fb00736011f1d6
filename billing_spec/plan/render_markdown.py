"""The plan as a pull-request comment: summary first, warnings next, the full diff folded.

    ### Plan: 1 to add, 1 to change, 1 to destroy.

    💰 **Invoice impact: `$0.50` → `$0.45` (`-$0.05`, -10.0%) over 1 contract** 📉

    > [!WARNING]
    > **This plan destroys or replaces resources:**
    > - `billable_metric.m` must be replaced (`aggregation_type` forces replacement)

    **Update (1):** `rate_card.list`
    ...
    <details><summary>Invoice impact: 1 of 1 invoices changed</summary>
    ... a table of the changed invoices (`render_impact`) ...
    </details>

    <details><summary>Plan details</summary>

    ```diff
    ... the text plan, with `+` / `-` / `!` moved to column 0 so GitHub colours it ...
    ```

    </details>

The invoice impact (its headline and table) is there only for a plan made with `--impact`.
GitHub refuses comments over 65,536 characters: the diff is cut at a line boundary to fit, with
a note saying so, and then, if that is not enough, the impact table. Address lists are capped
per action, and a summary still longer than half the limit (very long IDs) is cut as well.
The output is byte-stable (no clock but `as_of`), so a CI job can update its comment only when
the plan really changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from billing_spec.plan.model import Action, Finding, Plan, ResourceChange
from billing_spec.plan.render_impact import impact_markdown, markdown_headlines
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


def render_markdown(plan: Plan, *, limit: int = MAX_CHARS, environment: str | None = None) -> str:
    """The comment; `environment` (`plan --env NAME`) is named under the title."""
    head = _cut_head(_head(plan, environment), limit)
    folds = []
    if plan.impact is not None:
        table = impact_markdown(plan.impact)
        folds.append(_Fold(table.opening, table.rows, table.closing, _IMPACT_NOTE))
    if plan.pending or plan.drift:
        diff = [_diff_line(line) for line in _diff_text(plan)]
        folds.append(_Fold(_DIFF_OPENING, diff, _DIFF_CLOSING, _DIFF_NOTE))
    if not folds:
        return head + "\n"
    return _fit(head, folds, limit)


def _cut_head(head: str, limit: int) -> str:
    """The head alone must leave room for the folds' openings: past half the limit (only very
    long IDs get there, since lists are capped), it is cut at a line boundary, with a note."""
    room = limit // 2 - len(_HEAD_NOTE)
    if len(head) <= limit // 2:
        return head
    lines, size = [], 0
    for line in head.split("\n"):
        if size + len(line) + 1 > room:
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + _HEAD_NOTE


def _diff_text(plan: Plan) -> list[str]:
    lines = drift_lines(plan) if plan.drift else []
    if plan.pending:
        lines += actions_lines(plan)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _head(plan: Plan, environment: str | None = None) -> str:
    parts = [f"### {_title(plan)}", ""]
    if environment:
        parts += [f"Environment: **{environment}**", ""]
    if plan.impact is not None:
        parts += [*markdown_headlines(plan.impact), ""]
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
    where = f" `{d.range.filename}:{d.range.start.line}`" if d.range is not None else ""
    return f"- {mark} **{d.code}**{where} {_escape(d.summary)}{_escape(hint)}"


def _groups(plan: Plan) -> list[str]:
    groups = [
        (label, [f"`{c.address}`" for c in plan.pending if c.action is action])
        for label, action in _GROUPS
    ]
    moved = [f"`{c.previous_address}` → `{c.address}`" for c in plan.pending if c.previous_address]
    lines = []
    for label, items in [*groups, ("Move", moved)]:
        if items:
            lines.append(
                f"**{label} ({len(items)}):** "
                + ", ".join(items[:MAX_LISTED])
                + (f", … and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")
            )
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


@dataclass(frozen=True)
class _Fold:
    """A `<details>` block whose lines may be cut to fit, with a note saying so."""

    opening: str
    lines: list[str]
    closing: str
    note: str  # formatted with shown, total and limit

    def render(self, shown: int, limit: int) -> str:
        body = "".join(line + "\n" for line in self.lines[:shown])
        cut = shown < len(self.lines)
        note = self.note.format(shown=shown, total=len(self.lines), limit=limit) if cut else ""
        return self.opening + body + self.closing + note

    def most_lines_within(self, budget: int, limit: int) -> int:
        if len(self.render(len(self.lines), limit)) <= budget:
            return len(self.lines)
        total = len(self.lines)
        budget -= len(
            self.opening + self.closing + self.note.format(shown=total, total=total, limit=limit)
        )
        kept = 0
        while kept < total and len(self.lines[kept]) + 1 <= budget:
            budget -= len(self.lines[kept]) + 1
            kept += 1
        return kept


def _fit(head: str, folds: list[_Fold], limit: int) -> str:
    """The comment within `limit` characters: the last fold (the plan diff) is cut first,
    then the one before it (the invoice impact table)."""
    shown = [len(fold.lines) for fold in folds]

    def text() -> str:
        return head + "".join(f.render(n, limit) for f, n in zip(folds, shown, strict=True))

    for i in reversed(range(len(folds))):
        if len(text()) <= limit:
            break
        others = len(text()) - len(folds[i].render(shown[i], limit))
        shown[i] = folds[i].most_lines_within(limit - others, limit)
    return text()


_HEAD_NOTE = (
    "\n_Summary truncated to fit a GitHub comment. Run `billing show PLANFILE` for the whole "
    "plan._\n"
)
_DIFF_OPENING = "\n<details><summary>Plan details</summary>\n\n```diff\n"
_DIFF_CLOSING = "```\n\n</details>\n"
_DIFF_NOTE = (
    "\n_Truncated to fit a GitHub comment ({limit:,} characters): {shown:,} of "
    "{total:,} plan lines shown. Run `billing show PLANFILE` for the whole plan._\n"
)
_IMPACT_NOTE = (
    "\n_Truncated to fit a GitHub comment ({limit:,} characters): {shown:,} of "
    "{total:,} invoice impact rows shown. Run `billing show PLANFILE --format json` for "
    "every contract._\n"
)
