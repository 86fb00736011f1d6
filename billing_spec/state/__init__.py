"""State: what was last applied, kept in a versioned file behind a small store interface.

Three layers, as Terraform keeps them apart:

- `model`   the in-memory `State`: format version, `lineage` (fixed at creation), `serial` (+1 per
            write), and per address the applied compiled resource, its remote ID, plus a short
            history of applied plans. `State.catalog()` rebuilds the applied `CompiledCatalog`.
- `upgrade` the file format's version chain: older files are upgraded step by step, newer ones
            refused.
- `store` / `lock`  where the bytes live: `LocalStateStore` writes atomically (temp file, fsync,
            rename), keeps `<state>.backup`, and takes `<state>.lock` around every write.

Deciding what to change (the planner) and changing it (apply, providers) live elsewhere.
"""

from __future__ import annotations

from billing_spec.state.lock import LockInfo
from billing_spec.state.model import STATE_FORMAT_VERSION, AppliedPlan, ResourceState, State
from billing_spec.state.store import DEFAULT_STATE_PATH, LocalStateStore, StateStore

__all__ = [
    "DEFAULT_STATE_PATH",
    "STATE_FORMAT_VERSION",
    "AppliedPlan",
    "LocalStateStore",
    "LockInfo",
    "ResourceState",
    "State",
    "StateStore",
]
