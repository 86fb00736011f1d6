"""Providers: who carries out a plan's changes. `base` is the interface, `local` the first one.

The planner never imports a provider: it decides *what* changes by Metronome's rules; a provider
decides *how* (API calls, IDs). A Metronome provider (metronome-sdk) plugs in here later.
"""

from __future__ import annotations

from billing_spec.providers.base import Provider, ProviderError, ResourceHandler, refresh_state
from billing_spec.providers.local import LocalProvider

PROVIDERS = {"local": LocalProvider}

__all__ = [
    "PROVIDERS",
    "LocalProvider",
    "Provider",
    "ProviderError",
    "ResourceHandler",
    "refresh_state",
]
