"""Field-level diffs of a resource change, as a tree the renderers walk.

Computing a diff and printing it are separate (Terraform's way): `resource_diff(change)` returns
a `Node` tree; `render_text` prints it. Ops: `+` added, `-` removed, `~` changed, `=` unchanged
but shown (the fields that name a rate), and unchanged fields are only counted (`hidden`).

Maps are compared key by key. Lists with an identity (`rules.LIST_IDENTITY`: a rate by its
product, pricing group values, billing frequency and start) are matched by identity, so a new
rate shows as one `+` entry however the card is ordered; other lists are matched by position with
a longest-common-subsequence diff. Created and destroyed resources are expanded in full, except
empty values (`custom_fields: {}`), which are defaults not worth a line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

from billing_spec.jsontext import canonical_json
from billing_spec.plan.model import Action, ResourceChange
from billing_spec.plan.rules import LIST_IDENTITY

_MISSING = object()
_NOUNS = {"rates": "rate", "tiers": "tier", "credit_type_conversions": "conversion"}


@dataclass(frozen=True)
class Node:
    op: str
    key: str | None = None
    kind: str = "scalar"  # scalar | map | list
    before: Any = None
    after: Any = None
    children: tuple[Node, ...] = ()
    hidden: int = 0
    noun: str = "field"
    forces: bool = False


def resource_diff(change: ResourceChange) -> Node:
    """The root node (a map) of one change."""
    if change.action is Action.CREATE:
        root = expand("+", None, change.after)
        if change.prevent_destroy_after:
            root = _prepend(root, expand("+", "lifecycle", {"prevent_destroy": True}))
        return root
    if change.action is Action.DELETE:
        return expand("-", None, change.before)
    forces = {path[0] for path in change.replace_paths if path}
    children, hidden = diff_map(change.before or {}, change.after or {}, forces=forces)
    root = Node("~", kind="map", children=children, hidden=hidden)
    if change.lifecycle_changed:
        lifecycle = Node(
            "~",
            "lifecycle",
            kind="map",
            children=(
                Node(
                    "~",
                    "prevent_destroy",
                    before=change.prevent_destroy_before,
                    after=change.prevent_destroy_after,
                ),
            ),
        )
        root = _prepend(root, lifecycle)
    return root


def _prepend(root: Node, node: Node) -> Node:
    return replace(root, children=(node, *root.children))


def expand(op: str, key: str | None, value: Any) -> Node:
    """A whole value added (`+`) or removed (`-`), every non-empty leaf shown."""
    side = {"before": value} if op == "-" else {"after": value}
    if isinstance(value, dict):
        children = tuple(expand(op, k, v) for k, v in sorted(value.items()) if not _empty(v))
        return Node(op, key, "map", children=children, **side)
    if isinstance(value, list):
        return Node(
            op,
            key,
            "list",
            children=tuple(expand(op, None, v) for v in value),
            noun=_NOUNS.get(key or "", "element"),
            **side,
        )
    return Node(op, key, **side)


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def diff_map(
    before: dict,
    after: dict,
    *,
    forces: frozenset[str] | set[str] = frozenset(),
    shown: tuple[str, ...] = (),
) -> tuple[tuple[Node, ...], int]:
    """Children for the changed keys of two maps, and how many unchanged keys were hidden."""
    children, hidden = [], 0
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if old == new:
            if key in shown:
                children.append(Node("=", key, after=new))
            else:
                hidden += 1
            continue
        node = diff_value(key, old, new)
        children.append(replace(node, forces=True) if key in forces else node)
    return tuple(children), hidden


def diff_value(key: str | None, old: Any, new: Any) -> Node:
    if old is _MISSING:
        return expand("+", key, new)
    if new is _MISSING:
        return expand("-", key, old)
    if isinstance(old, dict) and isinstance(new, dict):
        children, hidden = diff_map(old, new)
        return Node("~", key, "map", old, new, children, hidden)
    if isinstance(old, list) and isinstance(new, list):
        children, hidden = diff_list(key, old, new)
        return Node("~", key, "list", old, new, children, hidden, _NOUNS.get(key or "", "element"))
    return Node("~", key, before=old, after=new)


def diff_list(key: str | None, old: list, new: list) -> tuple[tuple[Node, ...], int]:
    identity = LIST_IDENTITY.get(key or "")
    if identity is not None and all(isinstance(e, dict) for e in (*old, *new)):
        return _keyed(old, new, *identity)
    return _positional(old, new)


def _keyed(
    old: list[dict], new: list[dict], identify, shown: tuple[str, ...]
) -> tuple[tuple[Node, ...], int]:
    previous = {identify(e): e for e in old}
    current = {identify(e) for e in new}
    children, hidden = [], 0
    for entry in new:
        was = previous.get(identify(entry))
        if was is None:
            children.append(expand("+", None, entry))
        elif was == entry:
            hidden += 1
        else:
            inner, inner_hidden = diff_map(was, entry, shown=shown)
            children.append(Node("~", None, "map", was, entry, inner, inner_hidden))
    children += [expand("-", None, e) for e in old if identify(e) not in current]
    return tuple(children), hidden


def _positional(old: list, new: list) -> tuple[tuple[Node, ...], int]:
    matcher = SequenceMatcher(
        None, [canonical_json(e) for e in old], [canonical_json(e) for e in new], autojunk=False
    )
    children: list[Node] = []
    hidden = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            hidden += i2 - i1
        elif tag == "replace" and i2 - i1 == j2 - j1:
            children += [
                diff_value(None, a, b) for a, b in zip(old[i1:i2], new[j1:j2], strict=True)
            ]
        else:
            children += [expand("-", None, e) for e in old[i1:i2]]
            children += [expand("+", None, e) for e in new[j1:j2]]
    return tuple(children), hidden
