"""The Metronome provider: `provider` makes the calls (the only importer of metronome-sdk, and
only when a call is made), `payloads` builds their bodies, `checks` refuses at plan time what
Metronome cannot express."""

from __future__ import annotations

from billing_spec.providers.metronome.provider import MetronomeProvider

__all__ = ["MetronomeProvider"]
