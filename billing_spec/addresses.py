"""Resource addresses: `billable_metric.lang_model_tokens`, `product.lang_model_4`, ...

A catalog section (`billable_metrics`) holds resources of one type (`billable_metric`); a resource's
address is `<type>.<id>`. This module owns that mapping, what an ID is (`ID_PATTERN`, and
`ID_RULE` saying it in words for hints), and the dependency order of types, which both the
planner (create in this order, delete in reverse) and the Metronome provider follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
ID_RE = re.compile(ID_PATTERN)
ID_RULE = "IDs are lower-case letters, digits, `_` and `-`, starting with a letter"  # ID_PATTERN

# Section name -> resource type, in dependency order: each may reference only earlier ones.
SECTIONS: dict[str, str] = {
    "credit_types": "credit_type",
    "billable_metrics": "billable_metric",
    "products": "product",
    "rate_cards": "rate_card",
    "packages": "package",
    "customers": "customer",
    "contracts": "contract",
}
TYPES: dict[str, str] = {type_: section for section, type_ in SECTIONS.items()}
TYPE_ORDER: dict[str, int] = {type_: i for i, type_ in enumerate(SECTIONS.values())}


@dataclass(frozen=True, order=True)
class Address:
    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """`product.lang_model_4` -> Address("product", "lang_model_4"); ValueError if malformed."""
        type_, dot, name = text.partition(".")
        if not dot or type_ not in TYPES or not ID_RE.match(name):
            kinds = ", ".join(TYPES)
            raise ValueError(f"{text!r} is not a resource address like product.my_id ({kinds})")
        return cls(type_, name)

    @property
    def section(self) -> str:
        return TYPES[self.type]


def dependency_key(address: Address) -> tuple[int, str]:
    """Sort key that puts each resource after everything it may depend on."""
    return (TYPE_ORDER[address.type], address.name)
