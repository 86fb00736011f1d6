"""How billing-spec writes JSON: one canonical compact form (for digests and comparisons) and one
pretty form (for files and output). Both sort keys and keep non-ASCII text as it is, so the same
value always gives the same bytes.

The pretty form is written by orjson (many times faster than the standard library on a large
invoice document), byte for byte what `json.dumps(value, sort_keys=True, indent=2,
ensure_ascii=False)` writes for the values billing-spec outputs: text, integers, booleans, null,
lists and objects with text keys (never a float: amounts are decimal strings). A value orjson
refuses (an integer beyond 64 bits, a lone surrogate, a non-text key) is written by the standard
library instead, and so is any value holding a float (which the two spell differently; `_plain`),
so the bytes never depend on which writer ran. Digests (`canonical_json`) follow the same rule.
A property test holds the two writers to the same bytes."""

from __future__ import annotations

import contextlib
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
    return pretty_json_bytes(value).decode()


def pretty_json_bytes(value: Any, depth: int = 0) -> bytes:
    """`pretty_json` as UTF-8 bytes. With `depth` > 0: without the final newline, every line
    after the first indented `depth` levels more, to stand inside a larger document written
    piece by piece (a JSON text never holds a raw newline inside a string)."""
    text = None
    if _plain(value):
        # orjson.JSONEncodeError (a TypeError): beyond what orjson writes; json's bytes are the same
        with contextlib.suppress(TypeError):
            text = orjson.dumps(value, option=_PRETTY)
    if text is None:
        text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False).encode()
    if depth:
        return text.replace(b"\n", b"\n" + b"  " * depth)
    return text + b"\n"


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
