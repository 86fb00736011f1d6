"""What `billing apply` prints while it works, Terraform's way:

product.lang_model_4: Creating...
product.lang_model_4: Creation complete [id=local-3f2a...]

Apply complete! Resources: 1 added, 0 changed, 0 destroyed.

On a terminal (standard error is a TTY) a progress bar on standard error counts the changes as
well (`rich`, imported only then); off a terminal nothing more is printed than the lines above.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from billing_spec.apply import StepEvent
from billing_spec.cli import fault_hook
from billing_spec.plan.model import Action, Plan

_VERBS = {
    Action.CREATE: ("Creating...", "Creation complete"),
    Action.UPDATE: ("Modifying...", "Modifications complete"),
    Action.REPLACE: ("Replacing...", "Replacement complete"),
    Action.DELETE: ("Destroying...", "Destruction complete"),
    Action.NO_OP: ("Moving...", "Move complete"),
}


class Progress:
    def __init__(self, plan: Plan, color: bool, stderr: IO[str] | None = None) -> None:
        self.plan = plan
        self.color = color
        self.done = 0
        self.hook = fault_hook.step_hook()
        self.bar = ProgressBar.on(stderr if stderr is not None else sys.stderr, plan)

    def __call__(self, event: StepEvent) -> None:
        change = event.change
        starting, finished = _VERBS[change.action]
        if event.phase == "start":
            moved = f" (from {change.previous_address})" if change.previous_address else ""
            click.echo(f"{change.address}: {starting}{moved}")
            return
        self.done = event.index
        if self.bar is not None:
            self.bar.advance(event.index)
        suffix = f" [id={event.remote_id}]" if event.remote_id else ""
        click.echo(f"{change.address}: {finished}{suffix}")
        if self.hook is not None:
            self.hook(event)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def finish(self) -> None:
        self.close()
        summary = self.plan.summary()
        line = (
            f"Apply complete! Resources: {summary.add} added, {summary.change} changed, "
            f"{summary.destroy} destroyed."
        )
        click.echo("\n" + (click.style(line, fg="green", bold=True) if self.color else line))


class ProgressBar:
    """`n of N changes` as a bar on a terminal's standard error (rich, imported lazily)."""

    def __init__(self, stream: IO[str], total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        console = Console(file=stream, force_terminal=True)
        self.progress: Any = RichProgress(
            TextColumn("Applying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("changes"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=_stdout_is_terminal(),  # the change lines print above the bar
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("apply", total=total)
        self.progress.start()

    @classmethod
    def on(cls, stream: IO[str], plan: Plan) -> ProgressBar | None:
        """A bar when `stream` is a terminal and there is something to apply; else None."""
        isatty = getattr(stream, "isatty", None)
        if not plan.pending or isatty is None or not isatty():
            return None
        return cls(stream, len(plan.pending))

    def advance(self, done: int) -> None:
        self.progress.update(self.task, completed=done)

    def stop(self) -> None:
        self.progress.stop()


def _stdout_is_terminal() -> bool:
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())
