"""The progress bar: drawn on a terminal for large inputs, silent otherwise (pipes, CI, tests)."""

from __future__ import annotations

import io

from billing_spec.evaluate.progress import MIN_BYTES, progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with progress(MIN_BYTES * 2, stream=out) as advance:
        advance(MIN_BYTES)
    assert out.getvalue() == ""


def test_silent_for_small_inputs_even_on_a_terminal():
    out = _Terminal()
    with progress(MIN_BYTES - 1, stream=out) as advance:
        advance(10)
    assert out.getvalue() == ""


def test_drawn_on_a_terminal_for_large_inputs():
    out = _Terminal()
    with progress(MIN_BYTES * 2, stream=out) as advance:
        advance(MIN_BYTES)
    assert "reading events" in out.getvalue()
