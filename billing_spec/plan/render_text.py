"""The human plan, in Terraform's style.

    billing-spec will perform the following actions:

      # rate_card.lang_model_list will be updated in place
      ~ rate_card "lang_model_list" {
          ~ rates = [
              + {
                  + entitled    = true
                  + price       = "45"  # $0.45
                  ...
                },
                # (1 unchanged rate hidden)
            ]
            # (3 unchanged fields hidden)
        }

    Plan: 0 to add, 1 to change, 0 to destroy.

`+` create, `~` update in place, `-/+` replace (with `# forces replacement` on the field that
forced it), `-` destroy. Unchanged fields are folded into a count; the fields that name a rate
stay visible. An amount in a credit type's base unit is followed by its major unit
(`money_paths.unit_at` says which attributes are money, and in what). The invoice impact
(`render_impact`), when the plan has one, and the findings come after the resources; the last
line is the summary, `No changes. ...`, or the refusal. Colour is opt-in (`color=True`); the
CLI turns it on only for a terminal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from billing_spec.diagnostics import format_text
from billing_spec.plan.diff import Node, expand, resource_diff
from billing_spec.plan.model import Action, Path, Plan, ResourceChange
from billing_spec.plan.money_paths import PERCENT, unit_at
from billing_spec.plan.render_impact import impact_text_lines
from billing_spec.render.display import (
    format_fraction_percent,
    format_money,
    printable,
    to_decimal,
)
from billing_spec.timestamps import format_timestamp

NO_CHANGES = "No changes. The applied state matches the catalog."
SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.NO_OP: " ",
}
HEADERS = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be destroyed",
}
LEGEND = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "destroy and then create replacement",
    Action.DELETE: "destroy",
}
_COLORS = {"+": "32", "-": "31", "~": "33", "-/+": "35", "#": "31", "bold": "1"}


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, key: str, text: str) -> str:
        if not self.color or not text.strip():
            return text
        return f"\x1b[{_COLORS[key]}m{text}\x1b[0m"

    def symbol(self, op: str) -> str:
        return self.paint(op, op) if op in _COLORS else " " * len(op)


def render_text(plan: Plan, *, color: bool = False) -> str:
    style = Style(color)
    lines: list[str] = []
    if plan.drift:
        lines += drift_lines(plan, style)
    if plan.pending:
        lines += _legend(plan.pending, style)
        lines += actions_lines(plan, style)
    if plan.impact is not None:
        lines += impact_text_lines(plan.impact)
    lines += _findings(plan, style)
    lines.append(_last_line(plan, style))
    return "\n".join(lines) + "\n"


def actions_lines(plan: Plan, style: Style | None = None) -> list[str]:
    """The resource blocks of the pending changes, each followed by a blank line."""
    style = style or Style(False)
    lines = ["billing-spec will perform the following actions:", ""]
    for change in plan.pending:
        lines += [*change_block(change, plan, style), ""]
    return lines


def _legend(pending: tuple[ResourceChange, ...], style: Style) -> list[str]:
    used = {c.action for c in pending} - {Action.NO_OP}
    if not used:
        return []
    lines = ["Resource actions are indicated with the following symbols:"]
    for action, meaning in LEGEND.items():
        if action in used:
            symbol = SYMBOLS[action]
            lines.append(" " * (3 - len(symbol)) + style.symbol(symbol) + " " + meaning)
    return [*lines, ""]


def _last_line(plan: Plan, style: Style) -> str:
    if plan.errored:
        return style.paint("bold", f"Plan refused: {plan.refusal()}. Nothing will be applied.")
    if not plan.has_changes:
        return style.paint("bold", NO_CHANGES)
    return style.paint("bold", plan.summary().line())


def _findings(plan: Plan, style: Style) -> list[str]:
    if not plan.findings:
        return []
    return [format_text([f.diagnostic], color=style.color) + "\n" for f in plan.findings]


def change_block(change: ResourceChange, plan: Plan, style: Style) -> list[str]:
    """The lines for one resource: header comments, then the diff in braces."""
    lines = [f"  # {line}" for line in _header(change, plan)]
    root = resource_diff(change)
    symbol = SYMBOLS[change.action]
    lead = style.symbol(symbol) if symbol == "-/+" else "  " + style.symbol(symbol)
    lines.append(f'{lead} {change.type} "{change.name}" {{')
    where = _Where(
        change.type,
        change.before,
        change.after,
        () if change.before is not None else None,
        () if change.after is not None else None,
    )
    lines += _children(root, 1, style, where)
    lines.append("    }")
    return lines


def resource_lines(type_: str, name: str, content: dict) -> list[str]:
    """A whole resource, nothing marked (`billing state show`)."""
    root = expand("=", None, content)
    lines = [f'{type_} "{name}" {{', *_children(root, 1, Style(False)), "}"]
    return [line[4:] if line.startswith("    ") else line for line in lines]


def _header(change: ResourceChange, plan: Plan) -> list[str]:
    if change.action is Action.NO_OP:
        return [f"{change.previous_address} has moved to {change.address}"]
    lines = [f"{change.address} {HEADERS[change.action]}"]
    if change.previous_address:
        lines.append(f"(moved from {change.previous_address})")
    if change.action is Action.DELETE:
        lines.append("(because it is no longer in the catalog)")
    if change.retroactive:
        lines.append(f"(retroactive: re-prices usage before {format_timestamp(plan.as_of)})")
    return lines


@dataclass(frozen=True)
class _Where:
    """Where a node is in its resource, on each side of the change (None: not on that side),
    so a money attribute can say its major unit (`money_paths.unit_at`)."""

    type: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    before_path: Path | None
    after_path: Path | None

    def child(self, parent: Node, child: Node) -> _Where:
        return _Where(
            self.type,
            self.before,
            self.after,
            _step(self.before_path, parent.before, child, child.before, child.op in "-~"),
            _step(self.after_path, parent.after, child, child.after, child.op in "+~="),
        )


def _step(path: Path | None, container: Any, child: Node, value: Any, on_side: bool) -> Path | None:
    """The child's path on one side: its key in a map, its index in a list."""
    if path is None or not on_side:
        return None
    if child.key is not None:
        return (*path, child.key)
    if not isinstance(container, list):
        return None
    for i, element in enumerate(container):
        if element is value:
            return (*path, i)
    return (*path, container.index(value)) if value in container else None


def _children(node: Node, depth: int, style: Style, where: _Where | None = None) -> list[str]:
    width = max((len(printable(c.key)) for c in node.children if c.key is not None), default=0)
    lines = []
    for child in node.children:
        inner = where.child(node, child) if where is not None else None
        lines += _node_lines(child, depth, width, style, inner)
    if node.hidden:
        plural = "" if node.hidden == 1 else "s"
        lines.append(f"{_pad(depth)}  # ({node.hidden} unchanged {node.noun}{plural} hidden)")
    return lines


def _pad(depth: int) -> str:
    return " " * (4 * depth + 2)


def _node_lines(
    node: Node, depth: int, width: int, style: Style, where: _Where | None = None
) -> list[str]:
    symbol = " " if node.op == "=" else node.op
    lead = f"{_pad(depth)}{style.symbol(symbol)} "
    name = f"{printable(node.key):<{width}} = " if node.key is not None else ""
    forced = style.paint("#", " # forces replacement") if node.forces else ""
    comma = "," if node.key is None else ""
    if node.kind == "scalar":
        return [f"{lead}{name}{_scalar(node)}{comma}{_major(node, where)}{forced}"]
    opener, closer = ("{", "}") if node.kind == "map" else ("[", "]")
    gone = " -> null" if node.op == "-" and node.key is not None else ""
    return [
        f"{lead}{name}{opener}{forced}",
        *_children(node, depth + 1, style, where),
        f"{_pad(depth)}  {closer}{gone}{comma}",
    ]


def _scalar(node: Node) -> str:
    if node.op == "~":
        return f"{literal(node.before)} -> {literal(node.after)}"
    if node.op == "-":
        return f"{literal(node.before)} -> null" if node.key is not None else literal(node.before)
    return literal(node.after)


def _major(node: Node, where: _Where | None) -> str:
    """`  # $25.00` after an amount in a credit type's base unit (`  # $25.00 -> $20.00` when
    it changed; a PERCENTAGE rate's price as a percent); nothing for any other value."""
    if where is None:
        return ""
    sides = []
    if node.op in "-~":
        sides.append((where.before_path, where.before, node.before))
    if node.op in "+~=":
        sides.append((where.after_path, where.after, node.after))
    shown = [_in_major(where.type, path, content, value) for path, content, value in sides]
    if not shown or None in shown:
        return ""
    return "  # " + " -> ".join(str(text) for text in shown)


def _in_major(type_: str, path: Path | None, content: Any, value: Any) -> str | None:
    if path is None or isinstance(value, bool):
        return None
    unit = unit_at(type_, path, content)
    if unit is None:
        return None
    try:
        if unit == PERCENT:
            return format_fraction_percent(to_decimal(value))
        return format_money(value, unit)
    except (ValueError, ArithmeticError):
        return None


def literal(value: Any) -> str:
    r"""A value as the plan prints it: scalars as JSON, maps and lists inline. A character that
    does not show for what it is (a bidirectional override, a zero-width space, a terminal
    escape) is written as its escape, as invoices show names (`render.display.printable`), so
    what a reviewer reads is what is there.

    >>> literal({"model": "atlas", "n": ["a", True]})
    '{ model = "atlas", n = ["a", true] }'
    >>> literal("Acme\u202egnp.exe")
    '"Acme\\u202egnp.exe"'
    """
    if isinstance(value, dict):
        inner = ", ".join(f"{printable(k)} = {literal(v)}" for k, v in sorted(value.items()))
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return printable(json.dumps(value, ensure_ascii=False))


def drift_lines(plan: Plan, style: Style | None = None) -> list[str]:
    """The changes made outside billing-spec that the refresh found."""
    style = style or Style(False)
    lines = [
        "Note: Objects have changed outside of billing-spec",
        "",
        "billing-spec detected the following changes made outside of billing-spec since the "
        "last apply:",
        "",
    ]
    for change in plan.drift:
        verb = "has been deleted" if change.action is Action.DELETE else "has changed"
        body = change_block(change, plan, style)[1:]
        lines += [f"  # {change.address} {verb}", *body, ""]
    lines += [
        "Unless you have made equivalent changes to the catalog, the plan below undoes them.",
        "",
    ]
    return lines
