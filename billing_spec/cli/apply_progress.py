"""What `billing apply` prints while it works, Terraform's way:

product.lang_model_4: Creating...
product.lang_model_4: Creation complete [id=local-3f2a...]

Apply complete! Resources: 1 added, 0 changed, 0 destroyed.
"""

from __future__ import annotations

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
    def __init__(self, plan: Plan, color: bool) -> None:
        self.plan = plan
        self.color = color
        self.done = 0
        self.hook = fault_hook.step_hook()

    def __call__(self, event: StepEvent) -> None:
        change = event.change
        starting, finished = _VERBS[change.action]
        if event.phase == "start":
            moved = f" (from {change.previous_address})" if change.previous_address else ""
            click.echo(f"{change.address}: {starting}{moved}")
            return
        self.done = event.index
        suffix = f" [id={event.remote_id}]" if event.remote_id else ""
        click.echo(f"{change.address}: {finished}{suffix}")
        if self.hook is not None:
            self.hook(event)

    def finish(self) -> None:
        summary = self.plan.summary()
        line = (
            f"Apply complete! Resources: {summary.add} added, {summary.change} changed, "
            f"{summary.destroy} destroyed."
        )
        click.echo("\n" + (click.style(line, fg="green", bold=True) if self.color else line))
