"""apply's progress bar: on a terminal's standard error, a bar counting the changes (rich);
off a terminal, nothing but the per-change lines.

Driven through the library (`Progress` with a fake terminal stream) and, off a terminal, through
the installed CLI against the loopback Metronome.
"""

from __future__ import annotations

import io
import sys

from planning import AS_OF, BASE, compiled
from test_metronome_provider import TOKEN, apply, work  # noqa: F401 (the server's token; a fixture)

from billing_spec.apply import apply_plan
from billing_spec.cli.apply_progress import Progress
from billing_spec.plan import make_plan
from billing_spec.providers import LocalProvider
from billing_spec.state import LocalStateStore


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def apply_with(stream, tmp_path) -> Progress:
    store = LocalStateStore(tmp_path / "billing.state.json")
    plan = make_plan(compiled(BASE), store.read(), as_of=AS_OF)
    progress = Progress(plan, color=False, stderr=stream)
    apply_plan(plan, store, LocalProvider(), on_step=progress)
    progress.finish()
    return progress


def test_on_a_terminal_a_bar_counts_the_changes(tmp_path, capsys):
    terminal = Terminal()
    progress = apply_with(terminal, tmp_path)
    drawn = terminal.getvalue()
    total = len(progress.plan.pending)
    assert total > 1
    assert f"{total}/{total}" in drawn and "Applying" in drawn
    assert progress.bar is None  # stopped when the apply finished
    assert "Apply complete!" in capsys.readouterr().out


def test_off_a_terminal_nothing_more_is_printed(tmp_path, capsys):
    pipe = io.StringIO()
    progress = apply_with(pipe, tmp_path)
    assert progress.bar is None
    assert pipe.getvalue() == ""
    out = capsys.readouterr()
    assert out.err == ""
    lines = out.out.strip().splitlines()
    assert all(": " in line for line in lines[:-2]) and lines[-1].startswith("Apply complete!")


def test_rich_is_imported_only_for_the_bar(tmp_path):
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        del sys.modules[name]
    apply_with(io.StringIO(), tmp_path)
    assert "rich" not in sys.modules


def test_the_cli_off_a_terminal_prints_no_bar(work, server):  # noqa: F811 (fixtures)
    result = apply(work, server)
    assert result.code == 0, result.output
    assert result.stderr == ""
    assert "Applying" not in result.output
