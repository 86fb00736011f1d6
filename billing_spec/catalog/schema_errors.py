"""pydantic's validation errors -> diagnostics at the exact key or value they concern.

An unknown field points at its key with a "did you mean" drawn from the fields the model allows
there; a missing field points at its parent's key; a wrong type says what YAML value was found
("expected a list, got the text 'x'"); an enum value gets the closest spelling as a hint.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from billing_spec.addresses import ID_PATTERN, ID_RE, ID_RULE
from billing_spec.catalog.types import USD_ID, TimestampValueError
from billing_spec.catalog.yaml_source import describe_value
from billing_spec.diagnostics import Diagnostic, did_you_mean, error
from billing_spec.money import NotADecimal
from billing_spec.timestamps import timestamp_hint

if TYPE_CHECKING:
    from billing_spec.catalog.load import Definition


_TYPE_ERRORS = {
    "string_type",
    "int_type",
    "bool_type",
    "decimal_type",
    "dict_type",
    "tuple_type",
    "list_type",
    "model_type",
    "model_attributes_type",
    "int_from_float",
    "int_parsing",
    "decimal_parsing",
    "float_type",
    "mapping_type",
    "iterable_type",
    "datetime_type",
}


def schema_diagnostics(exc: ValidationError, where: Definition, model: Any) -> list[Diagnostic]:
    """Turn a pydantic ValidationError about the value at `where` into located diagnostics.

    `model` is the type the value was validated as (a model, or `tuple[Moved, ...]`): it names
    the fields a "did you mean" may suggest. A list whose only item is invalid is also "too
    short" for pydantic; that echo is dropped.
    """
    errors = exc.errors(include_url=False)
    locs = [tuple(err["loc"]) for err in errors]
    misspelt = _misspellings(errors)
    return [
        _misspelt(err, misspelt[tuple(err["loc"])], where)
        if tuple(err["loc"]) in misspelt
        else _one(err, where, model)
        for err in errors
        if not (err["type"] == "too_short" and _has_inner(tuple(err["loc"]), locs))
        and tuple(err["loc"]) not in misspelt.values()
    ]


def _misspellings(errors: list[Any]) -> dict[tuple, tuple]:
    """`{loc of an unknown field: loc of the missing field it misspells}`, in one mapping.

    `stating_at` beside a missing `starting_at` is one mistake, reported once at the key written.
    """
    missing: dict[tuple, list[str]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc and isinstance(loc[-1], str):
            missing.setdefault(loc[:-1], []).append(loc[-1])
    found: dict[tuple, tuple] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] != "extra_forbidden" or not loc or not isinstance(loc[-1], str):
            continue
        left = [
            name for name in missing.get(loc[:-1], []) if (*loc[:-1], name) not in found.values()
        ]
        close = difflib.get_close_matches(loc[-1], left, n=1, cutoff=0.6)
        if close:
            found[loc] = (*loc[:-1], close[0])
    return found


def _misspelt(err: Mapping[str, Any], meant: tuple, where: Definition) -> Diagnostic:
    loc = tuple(err["loc"])
    return error(
        "E101",
        f"unknown field {loc[-1]!r} in {_label(where.path + loc[:-1])}, where the required "
        f"field {meant[-1]!r} is missing",
        where.range(*loc, key=True),
        hint=f"did you mean {meant[-1]!r}?",
    )


def _has_inner(loc: tuple, locs: list[tuple]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)


def _one(err: Mapping[str, Any], where: Definition, model: Any) -> Diagnostic:
    loc = tuple(err["loc"])
    kind = err["type"]
    label = _label((*where.path, *loc))
    if kind == "extra_forbidden":
        fields = _field_names(model, loc[:-1])
        return error(
            "E101",
            f"unknown field {loc[-1]!r} in {_label(where.path + loc[:-1])}",
            where.range(*loc, key=True),
            hint=did_you_mean(str(loc[-1]), fields) or _split_number(loc[-1]),
        )
    if kind == "missing":
        parent = _label(where.path + loc[:-1])
        return error(
            "E102",
            f"missing required field {loc[-1]!r} in {parent}",
            where.range(*loc[:-1], key=True),
        )
    message = _message(err)
    if kind == "value_error" and isinstance(err.get("ctx", {}).get("error"), TimestampValueError):
        hint = timestamp_hint(err.get("input"))
        return error("E106", f"{label}: {message}", where.range(*loc), hint=hint)
    value = err.get("input")
    if kind in _TYPE_ERRORS:
        hint = ""
        if kind == "string_type" and isinstance(value, Decimal | bool):
            read = "a boolean" if isinstance(value, bool) else "a number"
            hint = f"put it in quotes: YAML reads it as {read}, not text"
        elif kind == "bool_type" and isinstance(value, str):
            hint = _YAML_11_BOOLEANS.get(value.lower(), "")
        return error(
            "E103",
            f"{label}: {_type_message(kind, value, message)}",
            where.range(*loc),
            hint=hint,
        )
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        return _not_an_id(label, value, err.get("ctx", {}).get("pattern", ""), where, loc)
    hint = ""
    if kind == "value_error" and isinstance(err.get("ctx", {}).get("error"), NotADecimal):
        hint = _number_hint(value)
    if kind == "enum" or kind == "literal_error":
        text = err.get("ctx", {}).get("expected", "").replace(" or ", ",")
        expected = [e.strip(" '") for e in text.split(",")]
        hint = did_you_mean(value.upper(), expected) if isinstance(value, str) else ""
        if loc and loc[-1] == "rate_type" and isinstance(value, str):
            hint = _TIER_MODES.get(value.strip().upper(), hint)
    return error("E104", f"{label}: {message}", where.range(*loc), hint=hint)


_TIER_MODES = {
    mode: f"{mode} is a tier mode, not a rate type: write `rate_type: TIERED` and "
    f"`tier_mode: {mode}`"
    for mode in ("GRADUATED", "VOLUME")
}

_NUMBER_RULE = (
    "write the number alone, without a currency sign or thousands separators; money "
    "is in the credit type's base unit (USD: cents)"
)


def _number_hint(value: Any) -> str:
    """`"$25"` is 2500 cents; `"1,000"` is 1000: the number the text most likely means."""
    if not isinstance(value, str):
        return _NUMBER_RULE
    text = value.strip().replace(",", "").replace("_", "").replace(" ", "")
    dollars = text.startswith("$") or text.upper().startswith("USD")
    text = text.lstrip("$").removeprefix("USD").removeprefix("usd").lstrip("$")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return _NUMBER_RULE
    if not number.is_finite():
        return _NUMBER_RULE
    if dollars:
        cents = (number * 100).normalize()
        cents = cents.quantize(Decimal(1)) if cents == cents.to_integral_value() else cents
        return (
            f"money is in the credit type's base unit, cents for USD: write {cents} for "
            f"{value.strip()}"
        )
    return f"write {number} (no thousands separators); " + _NUMBER_RULE.split("; ")[1]


_BOOLEANS = "only true and false are booleans (YAML 1.2): write "
_YAML_11_BOOLEANS = {
    **{word: _BOOLEANS + "true" for word in ("yes", "y", "on")},
    **{word: _BOOLEANS + "false" for word in ("no", "n", "off")},
}


def _split_number(key: Any) -> str:
    """`{size: 9,000}` is `size: 9` and a key `000`: the comma split a number."""
    if isinstance(key, str) and key.isdigit():
        return (
            "in a flow mapping `{...}` a comma separates entries: write numbers without "
            "thousands separators (9000, not 9,000)"
        )
    return ""


def _not_an_id(label: str, value: str, pattern: str, where: Definition, loc: tuple) -> Diagnostic:
    """A reference (or credit type) that cannot be an ID, with the ID it most likely means."""
    if pattern != ID_PATTERN:  # a credit type: USD or a custom credit type's ID
        guess = did_you_mean(value.upper(), [USD_ID]) or _id_guess(value)
        rule = "a credit type is USD or the ID of one under `credit_types`"
        summary = f"{label}: {value!r} is not a credit type"
    else:
        guess, rule, summary = _id_guess(value), ID_RULE, f"{label}: {value!r} is not an ID"
    hint = f"{guess} {rule}" if guess else rule
    return error("E104", summary, where.range(*loc), hint=hint)


def _id_guess(value: str) -> str:
    guess = value.strip().lower()
    return f"did you mean {guess!r}?" if ID_RE.match(guess) else ""


_EXPECTED = {
    "tuple_type": "a list",
    "list_type": "a list",
    "iterable_type": "a list",
    "dict_type": "a mapping",
    "mapping_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "float_type": "a number",
}


def _type_message(kind: str, value: Any, fallback: str) -> str:
    """`expected a list, got the text 'hooli-prod'`, in YAML's words rather than Python's."""
    expected = _EXPECTED.get(kind)
    return f"expected {expected}, got {describe_value(value)}" if expected else fallback


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg[:1].lower() + msg[1:]


def _label(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return f"`{out}`" if out else "the file"


def _field_names(model: Any, loc: tuple) -> list[str]:
    """The field names allowed at `loc` inside `model` (for "did you mean")."""
    current = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    target = _unwrap_model(current)
    if target is None:
        return []
    return [f.alias or name for name, f in target.model_fields.items()]


def _step(tp: Any, part: Any) -> Any:
    model = _unwrap_model(tp)
    if model is not None and isinstance(part, str):
        info = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        return info.annotation if info else None
    for arg in _args(tp):
        origin = typing.get_origin(arg)
        if origin is tuple and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _args(tp: Any) -> list[Any]:
    """`tp` with Annotated/Optional peeled off: the candidate types it may hold."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _args(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(tp) for a in _args(arg)]
    return [tp]


def _unwrap_model(tp: Any) -> type[BaseModel] | None:
    for arg in _args(tp):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
