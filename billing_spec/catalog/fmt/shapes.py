"""What the catalog models say about each place in a file: key order and enum fields.

`billing fmt` walks a file alongside the pydantic models in `billing_spec.catalog.models`: at each
mapping it looks up the model for that path and writes the keys in the order the model declares
its fields; at an enum-typed field it writes the value in Metronome's upper case. A `Shape` is
that knowledge for one path. fmt does not validate: a key no model knows has no shape, keeps its
place after the known keys, and everything below it is left as written.

The root follows `billing_spec.addresses.SECTIONS`: `version`, the sections in dependency order,
then `moved`. A resource's `lifecycle` goes last, as Terraform writes its lifecycle blocks.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from billing_spec.addresses import SECTIONS
from billing_spec.catalog.models import CatalogFile, Resource


@dataclass(eq=False)
class Shape:
    kind: str  # "model", "list", "dict", "enum" or "any"
    fields: dict[str, Shape] = field(default_factory=dict)  # model: key -> shape, in order
    item: Shape | None = None  # list items, dict values
    adapter: TypeAdapter | None = None  # enum: the field's own validator
    _ranks: dict[str, int] | None = None

    def child(self, key: str | None) -> Shape:
        """The shape of the value at `key` (a mapping key) or of an item (key None)."""
        if self.kind == "model" and key is not None:
            return self.fields.get(key, ANY)
        if self.kind in ("list", "dict") and self.item is not None:
            return self.item
        return ANY

    def rank(self, key: str | None) -> int | None:
        """Where `key` goes among this model's fields; None for a key the model does not know."""
        if self._ranks is None:
            self._ranks = {name: index for index, name in enumerate(self.fields)}
        return self._ranks.get(key) if self.kind == "model" and key is not None else None

    def canonical_enum(self, value: Any) -> str | None:
        """Metronome's spelling of `value` when this is an enum field that accepts it, else None."""
        if self.kind != "enum" or not isinstance(value, str) or self.adapter is None:
            return None
        try:
            return self.adapter.validate_python(value).value
        except ValidationError:
            return None


ANY = Shape("any")


@cache
def catalog_shape() -> Shape:
    """The shape of a whole catalog file."""
    shape = _model_shape(CatalogFile)
    order = ["version", *SECTIONS, "moved"]
    shape.fields = {key: shape.fields[key] for key in order} | shape.fields
    return shape


_models: dict[type, Shape] = {}


def _model_shape(model: type[BaseModel]) -> Shape:
    if model in _models:
        return _models[model]
    shape = _models[model] = Shape("model")
    names = list(model.model_fields)
    if issubclass(model, Resource):
        inherited = list(Resource.model_fields)
        names = [n for n in names if n not in inherited] + inherited
    for name in names:
        info = model.model_fields[name]
        annotation = info.annotation  # pydantic keeps Annotated[...] metadata apart: put it back
        if info.metadata:
            annotation = typing.Annotated[(annotation, *info.metadata)]
        shape.fields[info.alias or name] = _shape_of(annotation)
    return shape


def _shape_of(tp: Any) -> Shape:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner = typing.get_args(tp)[0]
        return _enum_shape(inner, tp) if _is_enum(inner) else _shape_of(inner)
    if origin in (typing.Union, types.UnionType):
        shapes = [_shape_of(arg) for arg in typing.get_args(tp)]
        return next((s for s in shapes if s is not ANY), ANY)
    if origin is tuple:
        return Shape("list", item=_shape_of(typing.get_args(tp)[0]))
    if origin is dict:
        return Shape("dict", item=_shape_of(typing.get_args(tp)[1]))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _model_shape(tp)
    if _is_enum(tp):
        return _enum_shape(tp, tp)
    return ANY


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Enum)


_adapters: dict[type, TypeAdapter] = {}


def _enum_shape(enum: type, annotated: Any) -> Shape:
    if enum not in _adapters:
        _adapters[enum] = TypeAdapter(annotated)
    return Shape("enum", adapter=_adapters[enum])


def canonical_data(data: Any, shape: Shape | None = None) -> Any:
    """`data` as the loader read it, with every enum value spelled the canonical way."""
    shape = catalog_shape() if shape is None else shape
    if isinstance(data, dict):
        return {key: canonical_data(value, shape.child(key)) for key, value in data.items()}
    if isinstance(data, list):
        return [canonical_data(item, shape.child(None)) for item in data]
    canonical = shape.canonical_enum(data)
    return data if canonical is None else canonical
