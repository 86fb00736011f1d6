"""Reading the invoice JSON document with checks that name where a value is wrong.

The renderer takes the document `billing invoice --format json` prints (DESIGN.md, "Commands") as
plain data, possibly loaded from a file someone edited. Rather than fail deep inside a template,
each value is read through a `Node` that knows its path (`invoices[0].line_items[2].total`), and
a value of the wrong shape raises `BillingSpecError` E794 naming that path. This module only
reads and checks; how values look is `display`'s concern, what goes on the page is `view`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing_spec import money
from billing_spec.diagnostics import BillingSpecError
from billing_spec.render.display import to_decimal
from billing_spec.timestamps import TimestampError, parse_written_timestamp

SUPPORTED_MAJOR_VERSION = "1"


def shape_error(
    path: str, expected: str, value: Any = None, *, missing: bool = False
) -> BillingSpecError:
    got = "it is missing" if missing else f"got {_describe(value)}"
    return BillingSpecError.single(
        "E794",
        f"invoice document: {path} should be {expected}, {got}",
        hint="pass the JSON that `billing invoice --format json` prints (format_version 1.x)",
    )


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"{value!r}"
    return {dict: "an object", list: "a list", float: "a float"}.get(
        type(value), type(value).__name__
    )


@dataclass(frozen=True)
class Node:
    """A JSON object inside the document, with its path for messages."""

    value: dict
    path: str

    @classmethod
    def root(cls, document: Any) -> Node:
        if not isinstance(document, dict):
            raise shape_error("the document", "an object", document)
        node = cls(document, "document")
        version = node.text("format_version")
        if version.split(".")[0] != SUPPORTED_MAJOR_VERSION:
            raise shape_error("format_version", "1.x (this version renders format 1)", version)
        return node

    def _where(self, key: str) -> str:
        return key if self.path == "document" else f"{self.path}.{key}"

    def raw(self, key: str, *, optional: bool = False) -> Any:
        if key not in self.value:
            if optional:
                return None
            raise shape_error(self._where(key), "present", missing=True)
        return self.value[key]

    def text(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.raw(key, optional=nullable)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise shape_error(self._where(key), "a string", value)
        return value

    def decimal(self, key: str, *, nullable: bool = False) -> Decimal | None:
        value = self.raw(key, optional=nullable)
        if value is None and nullable:
            return None
        try:
            return to_decimal(value)
        except money.NotADecimal:
            raise shape_error(self._where(key), "a decimal string", value) from None

    def instant(self, key: str) -> datetime:
        value = self.text(key)
        try:
            return parse_written_timestamp(value)
        except TimestampError:
            raise shape_error(self._where(key), "an RFC 3339 timestamp", value) from None

    def count(self, key: str) -> int:
        value = self.raw(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise shape_error(self._where(key), "a count (a whole number >= 0)", value)
        return value

    def mapping(self, key: str, *, optional: bool = False) -> dict:
        value = self.raw(key, optional=optional)
        if value is None and optional:
            return {}
        if not isinstance(value, dict):
            raise shape_error(self._where(key), "an object", value)
        return value

    def child(self, key: str, *, optional: bool = False) -> Node | None:
        value = self.raw(key, optional=optional)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise shape_error(self._where(key), "an object", value)
        return Node(value, self._where(key))

    def children(self, key: str, *, optional: bool = False) -> list[Node]:
        value = self.raw(key, optional=optional)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise shape_error(self._where(key), "a list", value)
        where = self._where(key)
        nodes = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise shape_error(f"{where}[{index}]", "an object", item)
            nodes.append(Node(item, f"{where}[{index}]"))
        return nodes
