"""billing-spec: billing as code, in Metronome's vocabulary.

The library API, one function per pipeline stage (each returns its value with diagnostics):

    validate_catalog(path)         -> (CatalogSpec, diagnostics)      load + semantic checks
    build_catalog(path)            -> (CompiledCatalog | None, diagnostics)
    compile_catalog(spec)          -> CompiledCatalog
    make_plan(desired, state, as_of=...)         -> Plan       compare, Metronome's rules, order
    apply_plan(plan, store, provider)            -> State      one recorded change at a time
    plan_catalog(dir, state, provider, as_of=...) -> (Plan | None, diagnostics)
    LocalStateStore(path), LocalProvider(), save_plan(plan, path), load_plan(path)

Names are imported on first use, so `import billing_spec` (and the CLI's start) stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "validate_catalog": "billing_spec.catalog",
    "build_catalog": "billing_spec.catalog",
    "load_catalog": "billing_spec.catalog.load",
    "CatalogSpec": "billing_spec.catalog.load",
    "compile_catalog": "billing_spec.compile",
    "CompiledCatalog": "billing_spec.compile",
    "make_plan": "billing_spec.plan",
    "Plan": "billing_spec.plan",
    "apply_plan": "billing_spec.apply",
    "plan_catalog": "billing_spec.workflow",
    "State": "billing_spec.state",
    "LocalStateStore": "billing_spec.state",
    "LocalProvider": "billing_spec.providers",
    "save_plan": "billing_spec.plan.planfile",
    "load_plan": "billing_spec.plan.planfile",
    "Diagnostic": "billing_spec.diagnostics",
    "BillingSpecError": "billing_spec.diagnostics",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'billing_spec' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
