"""How billing-spec writes JSON: one canonical compact form (for digests and comparisons) and one
pretty form (for files and output). Both sort keys and keep non-ASCII text as it is, so the same
value always gives the same bytes.

orjson writes them when its bytes are exactly `json.dumps`'s (no floats, which the two spell
differently; str keys and 64-bit integers, else orjson refuses), many times faster; `json`
otherwise. A property test holds the two to the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

_COMPACT = orjson.OPT_SORT_KEYS
_PRETTY = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON: the bytes digests are computed over."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=_COMPACT).decode()
        except TypeError:  # a key that is not a string, an integer beyond 64 bits
            pass
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pretty_json(value: Any) -> str:
    """Two-space indented, key-sorted JSON with a final newline: what files and stdout get."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=_PRETTY).decode() + "\n"
        except TypeError:
            pass
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether `value` holds only what orjson writes exactly as `json.dumps` does: no floats
    (spelt differently) and nothing json cannot write (which orjson might)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        elif kind not in _SCALARS:
            return False
    return True


def digest_of(value: Any) -> str:
    """`sha256:<hex>` of the value's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()
