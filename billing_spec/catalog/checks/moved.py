"""`moved` rules (E203-E207): a rename, as Terraform's `moved` blocks do it.

`{from: product.old_id, to: product.new_id}` tells the planner that the resource applied as
`product.old_id` is now written as `product.new_id`, so it is renamed instead of destroyed and
created. For that to mean anything:

- both are resource addresses `<type>.<id>` (E203) of the same type (E204);
- `to` is defined in the catalog, or is itself moved on (a chain a -> b, b -> c, as Terraform
  allows, so old moved blocks can stay) (E205); `from` is not defined any more (E206);
- no address is moved twice, neither from nor to (E207).
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.addresses import Address
from billing_spec.catalog.load import CatalogSpec, Definition
from billing_spec.catalog.models import Moved
from billing_spec.diagnostics import Diagnostic, did_you_mean, error


def check_moved(spec: CatalogSpec) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, Address], Definition] = {}
    sources = {moved.from_ for moved in spec.moved}
    for moved, where in zip(spec.moved, spec.moved_definitions, strict=True):
        addresses = yield from _parse(moved, where)
        if addresses is None:
            continue
        source, target = addresses
        if source.type != target.type:
            yield error(
                "E204",
                f"cannot move a {source.type} to a {target.type}",
                where.range("to"),
                hint="a moved block renames a resource within its type",
            )
            continue
        yield from _defined(spec, where, source, target, chained=str(target) in sources)
        for side, address in (("from", source), ("to", target)):
            first = seen.setdefault((side, address), where)
            if first is not where:
                yield error(
                    "E207",
                    f"{address} is moved twice (also at {first.range(side)})",
                    where.range(side),
                    hint="keep one moved block per address; write a chain a -> b -> c as a -> c",
                )


def _parse(moved: Moved, where: Definition):
    parsed = []
    for side, text in (("from", moved.from_), ("to", moved.to)):
        try:
            parsed.append(Address.parse(text))
        except ValueError as exc:
            yield error(
                "E203",
                f"`{side}`: {exc}",
                where.range(side),
                hint="write `<type>.<id>`, e.g. `product.lang_model_4`",
            )
    return tuple(parsed) if len(parsed) == 2 else None


def _defined(
    spec: CatalogSpec, where: Definition, source: Address, target: Address, *, chained: bool
) -> Iterator[Diagnostic]:
    if not spec.defined(target.section, target.name) and not chained:
        known = list(spec.section(target.section))
        yield error(
            "E205",
            f"{target} is not defined in the catalog",
            where.range("to"),
            hint=did_you_mean(target.name, known)
            or f"define {target} (the resource's new ID), or fix `to`",
        )
    if spec.defined(source.section, source.name):
        yield error(
            "E206",
            f"{source} is still defined; `from` is the resource's old address",
            where.range("from"),
            hint=f"rename the definition of {source} to {target.name}, or remove this moved block",
        )
