"""jsontext writes JSON with orjson when that gives exactly json.dumps's bytes (digests, state
and plan files depend on them), and with json otherwise: the two must never differ."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from billing_spec.jsontext import canonical_json, pretty_json

scalars = st.none() | st.booleans() | st.text() | st.integers() | st.floats(allow_nan=False)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_canonical_and_pretty_json_are_json_dumps_byte_for_byte(value):
    assert canonical_json(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert (
        pretty_json(value) == json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
