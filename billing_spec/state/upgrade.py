"""The state file format's version chain: read any older format, refuse a newer one.

Each entry of `UPGRADES` turns the raw JSON data of format N into format N + 1; reading a state
runs the chain from the file's version to `STATE_FORMAT_VERSION`, one step at a time, so a
format change is one small function and every older file keeps working. Format 1 is the first,
so the chain is empty today; the mechanism is tested with a chain of its own.

A file from a newer billing-spec (a higher version) is refused, never guessed at: writing it back
in the older format would lose whatever the newer one added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from billing_spec.diagnostics import BillingSpecError
from billing_spec.state.model import STATE_FORMAT_VERSION

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

# format version N -> function turning N's data into N + 1's
UPGRADES: dict[int, Upgrade] = {}


def upgrade_state_data(
    data: dict[str, Any],
    where: str,
    *,
    current: int = STATE_FORMAT_VERSION,
    upgrades: Mapping[int, Upgrade] = UPGRADES,
) -> dict[str, Any]:
    """Bring raw state data to format `current`; BillingSpecError when it cannot be done."""
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BillingSpecError.single(
            "E801",
            f"state file {where} is corrupt: `format_version` is {version!r}, not a version number",
            hint=f"restore it from {where}.backup if that copy is intact",
        )
    if version > current:
        raise BillingSpecError.single(
            "E802",
            f"state file {where} has format version {version}, newer than this billing-spec "
            f"reads ({current})",
            hint="upgrade billing-spec; the file was not changed",
        )
    while version < current:
        data = {**upgrades[version](data), "format_version": version + 1}
        version += 1
    return data
