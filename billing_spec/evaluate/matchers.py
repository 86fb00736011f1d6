"""Matchers: a billable metric's filters, compiled into one small Python function per product.

The aggregation engine asks, for each event and each product whose metric could count it:
does the event pass the metric's `property_filters`, what are its pricing and presentation group
values, and what value does it contribute? Interpreting the filter list for every one of millions
of events is slow, so `compile_matcher` writes the answer as straight-line Python once per product
(as a query engine compiles a predicate) and `exec`s it. For the quickstart metric it writes:

    def match(props):
        v0 = props.get('tokens')
        v1 = props.get('user_id')
        if v0 is None: return None
        if v1 is None: return None
        n = v0 if type(v0) is int else number_of(v0)
        if n is None: return BadValue('tokens', v0)
        return ((), (v1 if type(v1) is str else text_of(v1),), n)

The function returns None when the event does not match, `BadValue` when it matches but the
aggregated property is missing or not a number, else `(pricing values, presentation values,
value)`: 1 for COUNT, the exact number for SUM/MAX/LATEST, the text for UNIQUE. Property names and
filter values enter the code only as `repr` literals and constants, never as code.

Semantics (Metronome's; all filters must pass): `exists: true` needs the property, `exists: false`
needs it absent; `in_values` needs it present with its text in the list; `not_in_values` fails
only when it is present with its text in the list. JSON null counts as absent. Group values are
texts (`records.text_of`); an absent group property gives the group value None (null).
`reference_match` is the same logic, interpreted: the tests hold the two to each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing_spec.events.records import number_of, text_of

Matcher = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class BadValue:
    """The event matched, but its aggregated property is missing or not a number."""

    name: str
    value: Any


@dataclass(frozen=True)
class MetricShape:
    """What a matcher needs from a metric and a product (compiled content of each)."""

    aggregation_type: str
    aggregation_key: str | None
    property_filters: tuple[dict[str, Any], ...]
    pricing_key: tuple[str, ...]
    presentation_key: tuple[str, ...]

    @classmethod
    def of(cls, metric: dict[str, Any], product: dict[str, Any]) -> MetricShape:
        return cls(
            aggregation_type=metric.get("aggregation_type") or "COUNT",
            aggregation_key=metric.get("aggregation_key"),
            property_filters=tuple(metric.get("property_filters", ())),
            pricing_key=tuple(product.get("pricing_group_key", ())),
            presentation_key=tuple(product.get("presentation_group_key", ())),
        )


def accepts_event_type(metric: dict[str, Any], event_type: str) -> bool:
    """The metric's `event_type_filter` (in_values and not_in_values, both when given)."""
    spec = metric.get("event_type_filter") or {}
    allowed, denied = spec.get("in_values"), spec.get("not_in_values")
    if allowed is not None and event_type not in allowed:
        return False
    return denied is None or event_type not in denied


def compile_matcher(shape: MetricShape) -> Matcher:
    """The straight-line `match(props)` function for one metric and product (see above)."""
    names: list[str] = []

    def var(name: str) -> str:
        if name not in names:
            names.append(name)
        return f"v{names.index(name)}"

    constants: dict[str, Any] = {"number_of": number_of, "text_of": text_of, "BadValue": BadValue}
    body = _filter_lines(shape, var, constants)
    body += _value_lines(shape, var)
    pricing = _tuple_code([var(k) for k in shape.pricing_key])
    presentation = _tuple_code([var(k) for k in shape.presentation_key])
    body.append(f"return ({pricing}, {presentation}, n)")
    reads = [f"v{i} = props.get({name!r})" for i, name in enumerate(names)]
    source = "def match(props):\n" + "".join(f"    {line}\n" for line in reads + body)
    namespace = dict(constants)
    exec(compile(source, f"<matcher {shape.aggregation_type}>", "exec"), namespace)
    match = namespace["match"]
    match.source = source  # for debugging and tests
    return match


def _filter_lines(shape: MetricShape, var: Callable[[str], str], constants: dict) -> list[str]:
    lines = []
    for i, spec in enumerate(shape.property_filters):
        v = var(spec["name"])
        text = f"({v} if type({v}) is str else text_of({v}))"
        if spec.get("exists") is True:
            lines.append(f"if {v} is None: return None")
        elif spec.get("exists") is False:
            lines.append(f"if {v} is not None: return None")
        if spec.get("in_values") is not None:
            constants[f"IN{i}"] = frozenset(spec["in_values"])
            lines.append(f"if {v} is None or {text} not in IN{i}: return None")
        if spec.get("not_in_values") is not None:
            constants[f"OUT{i}"] = frozenset(spec["not_in_values"])
            lines.append(f"if {v} is not None and {text} in OUT{i}: return None")
    return lines


def _value_lines(shape: MetricShape, var: Callable[[str], str]) -> list[str]:
    kind, key = shape.aggregation_type, shape.aggregation_key
    if kind == "COUNT" or key is None:
        return ["n = 1"]
    v = var(key)
    if kind == "UNIQUE":
        read = f"n = {v} if type({v}) is str else text_of({v})"
    else:
        read = f"n = {v} if type({v}) is int else number_of({v})"
    return [read, f"if n is None: return BadValue({key!r}, {v})"]


def _tuple_code(variables: list[str]) -> str:
    items = [f"{v} if type({v}) is str else text_of({v})" for v in variables]
    return "(" + "".join(f"{item}, " for item in items).rstrip(" ") + ")" if items else "()"


def reference_match(shape: MetricShape, props: dict[str, Any]) -> Any:
    """The same answer as the compiled matcher, by interpretation (the specification)."""
    for spec in shape.property_filters:
        value = props.get(spec["name"])
        text = text_of(value)
        if spec.get("exists") is True and value is None:
            return None
        if spec.get("exists") is False and value is not None:
            return None
        if spec.get("in_values") is not None and (value is None or text not in spec["in_values"]):
            return None
        if spec.get("not_in_values") is not None and value is not None \
                and text in spec["not_in_values"]:
            return None
    n: Any = 1
    if shape.aggregation_type != "COUNT" and shape.aggregation_key is not None:
        raw = props.get(shape.aggregation_key)
        n = text_of(raw) if shape.aggregation_type == "UNIQUE" else number_of(raw)
        if n is None:
            return BadValue(shape.aggregation_key, raw)
    pricing = tuple(text_of(props.get(k)) for k in shape.pricing_key)
    presentation = tuple(text_of(props.get(k)) for k in shape.presentation_key)
    return (pricing, presentation, n)
