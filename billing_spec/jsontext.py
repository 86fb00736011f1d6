"""How billing-spec writes JSON: one canonical compact form (for digests and comparisons) and one
pretty form (for files and output). Both sort keys and keep non-ASCII text as it is, so the same
value always gives the same bytes.

The pretty form is written by orjson (many times faster than the standard library on a large
invoice document), byte for byte what `json.dumps(value, sort_keys=True, indent=2,
ensure_ascii=False)` writes for the values billing-spec outputs: text, integers, booleans, null,
lists and objects with text keys (never a float: amounts are decimal strings). A value orjson
refuses (an integer beyond 64 bits, a lone surrogate, a non-text key) is written by the standard
library instead, so the bytes never depend on which writer ran."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

_PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON: the bytes digests are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pretty_json(value: Any) -> str:
    """Two-space indented, key-sorted JSON with a final newline: what files and stdout get."""
    return pretty_json_bytes(value).decode()


def pretty_json_bytes(value: Any, depth: int = 0) -> bytes:
    """`pretty_json` as UTF-8 bytes. With `depth` > 0: without the final newline, every line
    after the first indented `depth` levels more, to stand inside a larger document written
    piece by piece (a JSON text never holds a raw newline inside a string)."""
    try:
        text = orjson.dumps(value, option=_PRETTY)
    except TypeError:  # orjson.JSONEncodeError: beyond what orjson writes; same bytes anyway
        text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False).encode()
    if depth:
        return text.replace(b"\n", b"\n" + b"  " * depth)
    return text + b"\n"


def digest_of(value: Any) -> str:
    """`sha256:<hex>` of the value's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()
