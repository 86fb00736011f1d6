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
        n = v0 if type(v0) is int and -BEYOND < v0 < BEYOND else number_of(v0)
        if n is None: return BadValue('tokens', v0)
        s1 = v1 if type(v1) is str else text_of(v1)
        return ((), (s1,), n)

The function returns None when the event does not match, `BadValue` when it matches but the
aggregated property is missing or not a number, else `(pricing values, presentation values,
value)`: 1 for COUNT, the exact number for SUM/MAX/LATEST, the text for UNIQUE. Property names and
filter values enter the code only as `repr` literals and constants, never as code. An engine may
take the pieces (`matcher_code`) and write its own function around them: the Python engine
appends the window lookup and the accumulator update, so one call does all of an event's work
for one product.

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

from billing_spec.events.records import BEYOND, number_of, text_of

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


@dataclass(frozen=True)
class MatcherCode:
    """The pieces of a compiled matcher, for engines that build their own function around them:
    `lines` bind `v0, v1, ...` (property values) and `s0, s1, ...` (their texts) from `props`,
    run `no_match` when a filter fails, bind `n` (the value) or run `bad_value`; `pricing` and
    `presentation` name the text variables of the group keys, in key order."""

    lines: tuple[str, ...]
    pricing: tuple[str, ...]
    presentation: tuple[str, ...]
    constants: dict[str, Any]

    def function(
        self, name: str, params: str, tail: list[str], constants: dict[str, Any], label: str
    ) -> Callable[..., Any]:
        """`def name(params):` with the matcher's lines, then `tail`, compiled and returned."""
        return define(name, params, [*self.lines, *tail], {**self.constants, **constants}, label)


def define(
    name: str, params: str, body: list[str], namespace: dict[str, Any], label: str
) -> Callable[..., Any]:
    """Compile `def name(params):` with `body` (lines, indented relative to the body) in
    `namespace`; the function keeps its text in `.source`, for debugging and tests."""
    source = f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)
    namespace = dict(namespace)
    exec(compile(source, f"<{label}>", "exec"), namespace)
    function = namespace[name]
    function.source = source
    return function


class _Writer:
    """Names variables and collects statements while a matcher is written."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.texts: set[str] = set()
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {
            "number_of": number_of,
            "BEYOND": BEYOND,
            "text_of": text_of,
            "BadValue": BadValue,
        }

    def value(self, name: str) -> str:
        if name not in self.names:
            self.names.append(name)
        return f"v{self.names.index(name)}"

    def text(self, name: str) -> str:
        v = self.value(name)
        s = "s" + v[1:]
        if s not in self.texts:
            self.texts.add(s)
            self.lines.append(f"{s} = {v} if type({v}) is str else text_of({v})")
        return s


def matcher_code(
    shape: MetricShape,
    no_match: str = "return None",
    bad_value: str = "return BadValue({name!r}, {var})",
) -> MatcherCode:
    """The matcher's statements; `bad_value` is formatted with the property `name` and `var`."""
    w = _Writer()
    _filter_lines(shape, w, no_match)
    _value_lines(shape, w, bad_value)
    pricing = tuple(w.text(k) for k in shape.pricing_key)
    presentation = tuple(w.text(k) for k in shape.presentation_key)
    reads = [f"v{i} = props.get({name!r})" for i, name in enumerate(w.names)]
    return MatcherCode(tuple(reads + w.lines), pricing, presentation, w.constants)


def compile_matcher(shape: MetricShape) -> Matcher:
    """The straight-line `match(props)` function for one metric and product (see above)."""
    code = matcher_code(shape)
    tail = [f"return ({tuple_code(code.pricing)}, {tuple_code(code.presentation)}, n)"]
    return code.function("match", "props", tail, {}, f"matcher {shape.aggregation_type}")


def tuple_code(names: tuple[str, ...]) -> str:
    """`()`, `(s0,)`, `(s0, s1)`."""
    if len(names) == 1:
        return f"({names[0]},)"
    return f"({', '.join(names)})"


def _filter_lines(shape: MetricShape, w: _Writer, fail: str) -> None:
    for i, spec in enumerate(shape.property_filters):
        v = w.value(spec["name"])
        if spec.get("exists") is True:
            w.lines.append(f"if {v} is None: {fail}")
        elif spec.get("exists") is False:
            w.lines.append(f"if {v} is not None: {fail}")
        if spec.get("in_values") is not None:
            w.constants[f"IN{i}"] = frozenset(spec["in_values"])
            w.lines.append(f"if {v} is None or {w.text(spec['name'])} not in IN{i}: {fail}")
        if spec.get("not_in_values") is not None:
            w.constants[f"OUT{i}"] = frozenset(spec["not_in_values"])
            w.lines.append(f"if {v} is not None and {w.text(spec['name'])} in OUT{i}: {fail}")


def _value_lines(shape: MetricShape, w: _Writer, bad: str) -> None:
    kind, key = shape.aggregation_type, shape.aggregation_key
    if kind == "COUNT" or key is None:
        w.lines.append("n = 1")
        return
    v = w.value(key)
    if kind == "UNIQUE":
        w.lines.append(f"n = {w.text(key)}")
    else:
        # an int within the limits is its own value; anything else goes through number_of
        w.lines.append(
            f"n = {v} if type({v}) is int and -BEYOND < {v} < BEYOND else number_of({v})"
        )
    w.lines.append(f"if n is None: {bad.format(name=key, var=v)}")


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
        if (
            spec.get("not_in_values") is not None
            and value is not None
            and text in spec["not_in_values"]
        ):
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
