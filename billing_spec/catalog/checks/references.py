"""Every reference names a resource of the right kind that the catalog defines (E201).

The hint suggests the closest ID of the right kind, or says when the ID names a resource of
another kind (`product: tokens` where `tokens` is a billable metric).
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.addresses import SECTIONS, TYPES
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.references import iter_references
from billing_spec.diagnostics import Diagnostic, did_you_mean, error


def check_references(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for section, id_, resource in spec.resources():
        content = resource.model_dump(mode="json", exclude_none=True, by_alias=True)
        for path, target_type, target in iter_references(content):
            target_section = TYPES[target_type]
            if spec.defined(target_section, target):
                continue
            if spec.unread_files:
                unread = ", ".join(spec.unread_files)
                yield error(
                    "E201",
                    f"{target_type} {target!r} is unknown: {unread} could not be read and may "
                    "define it",
                    spec.where(section, id_, *path),
                    hint=_hint(spec, target_type, target),
                    detail="fix the errors in that file first; this reference is checked again "
                    "once it reads",
                )
                continue
            yield error(
                "E201",
                f"{target_type} {target!r} is not defined",
                spec.where(section, id_, *path),
                hint=_hint(spec, target_type, target),
            )


def _hint(spec: CatalogSpec, target_type: str, target: str) -> str:
    hint = did_you_mean(target, spec.section(TYPES[target_type]))
    if hint:
        return hint
    others = [type_ for section, type_ in SECTIONS.items() if spec.defined(section, target)]
    if others:
        return f"{target!r} is a {others[0]}, not a {target_type}"
    if target_type == "credit_type":
        return "use USD for US dollars (cents), or define it under `credit_types`"
    return f"define it under `{TYPES[target_type]}`, or fix the ID"
