"""How billing-spec writes JSON: one canonical compact form (for digests and comparisons) and one
pretty form (for files and output). Both sort keys and keep non-ASCII text as it is, so the same
value always gives the same bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON: the bytes digests are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pretty_json(value: Any) -> str:
    """Two-space indented, key-sorted JSON with a final newline: what files and stdout get."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def digest_of(value: Any) -> str:
    """`sha256:<hex>` of the value's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()
