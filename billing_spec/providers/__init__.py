"""Providers: who carries out a plan's changes. `base` is the interface, `local` the first one.

The planner never imports a provider: it decides *what* changes by Metronome's rules; a provider
decides *how* (API calls, IDs). `metronome` carries them out in Metronome
(through metronome-sdk, imported only when a call is made).
"""

from __future__ import annotations

from billing_spec.providers.base import Provider, ProviderError, ResourceHandler, refresh_state
from billing_spec.providers.local import LocalProvider
from billing_spec.providers.metronome import MetronomeProvider

PROVIDERS = {"local": LocalProvider, "metronome": MetronomeProvider}

__all__ = [
    "PROVIDERS",
    "LocalProvider",
    "MetronomeProvider",
    "Provider",
    "ProviderError",
    "ResourceHandler",
    "refresh_state",
]
