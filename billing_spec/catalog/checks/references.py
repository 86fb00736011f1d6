"""Every reference names a resource of the right kind that the catalog defines (E201)."""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.addresses import TYPES
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
            known = list(spec.section(target_section))
            hint = did_you_mean(target, known)
            if not hint and target_type == "credit_type":
                hint = "use USD for US dollars (cents), or define it under `credit_types`"
            yield error("E201", f"{target_type} {target!r} is not defined",
                        spec.where(section, id_, *path), hint=hint)
