"""Planning: the desired compiled catalog against the applied state -> an ordered, checked Plan.

- `model`     Plan, ResourceChange, Action, Finding, Summary: the plan as data
- `planner`   `make_plan`: compare, apply Metronome's rules, refuse what is unsafe, order
- `rules`     the change rules per resource type (update in place or replace)
- `rates`     when a rate-card edit is retroactive
- `moves`     `moved` renames;  `safety`: prevent_destroy and still-referenced resources
- `diff`      field-level diff trees for the renderers
- `impact`    invoice impact: the same events evaluated under the applied and the desired
              catalog, compared (`impact_model`: the comparison as data, and its JSON)
- `render_text`, `render_json`, `render_markdown`: the three ways to show a plan
  (`render_impact`: the impact's table and headlines in them)
- `planfile`  saving a plan (`plan --out`) and loading it back, checksummed

Apply (carrying a plan out) is `billing_spec.apply`; providers are `billing_spec.providers`.
"""

from __future__ import annotations

from billing_spec.plan.model import Action, Finding, Plan, ResourceChange, Summary
from billing_spec.plan.planner import make_plan

__all__ = ["Action", "Finding", "Plan", "ResourceChange", "Summary", "make_plan"]
