"""TEST HOOK, not a user feature: interrupt `billing apply` at an exact step.

The crash-safety tests need to stop an apply right after its Nth change is recorded, the way a
kill -9 or a lost CI runner would, and two applies need to overlap for the locking test. The
environment variable `BILLING_TEST_HOOK` is read here and nowhere else:

    BILLING_TEST_HOOK=kill-after-step=N          SIGKILL this process after change N is recorded
    BILLING_TEST_HOOK=pause-after-step=N:PATH    after change N, wait (lock held) for PATH to exist

It is active only when BOTH the variable is set AND `MARKER` exists: the test suite's
`tests/conftest.py` beside the package in a source checkout. An installed billing-spec has no
such file, so no environment a user sets can pause or kill an apply; outside the test suite
`step_hook()` returns None and apply runs untouched. A malformed value is ignored.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

ENV = "BILLING_TEST_HOOK"
MARKER = Path(__file__).resolve().parents[2] / "tests" / "conftest.py"


def step_hook() -> Callable[[object], None] | None:
    spec = os.environ.get(ENV)
    if not spec or not MARKER.is_file():
        return None
    kind, _, argument = spec.partition("=")
    step, _, path = argument.partition(":")
    if not step.isdigit() or kind not in ("kill-after-step", "pause-after-step"):
        return None
    target = int(step)

    def kill(event) -> None:
        if event.index == target:
            os.kill(os.getpid(), signal.SIGKILL)

    def pause(event) -> None:
        if event.index == target:
            while not Path(path).exists():
                time.sleep(0.05)

    return {"kill-after-step": kill, "pause-after-step": pause}[kind]
