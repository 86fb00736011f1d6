"""The catalog language: YAML files -> validated `CatalogSpec`, with diagnostics.

`validate_catalog(path)` is load + semantic checks; `build_catalog(path)` also compiles when
there are no errors. Both return `(value, diagnostics)` and never raise on bad input.
"""

from __future__ import annotations

import os

from billing_spec.catalog.checks import run_checks
from billing_spec.catalog.load import CatalogSpec, load_catalog
from billing_spec.diagnostics import Diagnostic, has_errors, sort_diagnostics

__all__ = ["CatalogSpec", "build_catalog", "load_catalog", "validate_catalog"]


def validate_catalog(path: str | os.PathLike[str]) -> tuple[CatalogSpec, list[Diagnostic]]:
    spec, diagnostics = load_catalog(path)
    if spec.files:
        diagnostics += run_checks(spec)
    return spec, sort_diagnostics(diagnostics)


def build_catalog(path: str | os.PathLike[str]):
    """Validate and compile: `(CompiledCatalog | None, diagnostics)`; None when there are errors."""
    from billing_spec.compile import compile_catalog

    spec, diagnostics = validate_catalog(path)
    if has_errors(diagnostics):
        return None, diagnostics
    return compile_catalog(spec), diagnostics
