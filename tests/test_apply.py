"""apply_plan: the plan, exactly, one recorded change at a time; refusals change nothing."""

from __future__ import annotations

import pytest
from planning import AS_OF, BASE, compiled, edit

from billing_spec.apply import apply_plan
from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import BillingSpecError
from billing_spec.plan import make_plan
from billing_spec.providers import LocalProvider, ProviderError, refresh_state
from billing_spec.state import LocalStateStore

MIXED = edit(
    BASE,
    ("  onboarding:\n    name: Onboarding\n    type: FIXED\n", ""),
    ("name: Acme\n", "name: Acme Inc.\n"),
    ("{frequency: MONTHLY}", "{frequency: QUARTERLY}"),
    ("customers:\n", "customers:\n  globex:\n    name: Globex\n"),
)


class Recording(LocalProvider):
    """The local provider, noting every call; fails on the address in `fail_on`."""

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def _note(self, verb: str, address: str) -> None:
        if address == self.fail_on:
            raise ProviderError("the remote said no")
        self.calls.append((verb, address))

    def create(self, resource):
        self._note("create", resource.address)
        return super().create(resource)

    def update(self, change, prior):
        self._note("update", change.address)
        return super().update(change, prior)

    def replace(self, change, prior, resource):
        self._note("replace", change.address)
        return LocalProvider.create(self, resource)

    def delete(self, prior):
        self._note("delete", prior.address)
        super().delete(prior)


def plan_for(store, text, **options):
    return make_plan(compiled(text), store.read(), as_of=AS_OF, **options)


def applied(tmp_path, text=BASE) -> LocalStateStore:
    store = LocalStateStore(tmp_path / "billing.state.json")
    apply_plan(plan_for(store, text), store, LocalProvider())
    return store


def refused(call) -> str:
    with pytest.raises(BillingSpecError) as info:
        call()
    return info.value.diagnostics[0].summary


def test_apply_records_each_change_and_the_plan(tmp_path):
    store = LocalStateStore(tmp_path / "billing.state.json")
    plan = plan_for(store, BASE)
    state = apply_plan(plan, store, LocalProvider())
    assert state.serial == 1  # the state is written once per apply: the journal had the steps
    assert not (tmp_path / "billing.state.json.journal").exists()
    assert state.catalog().resources == compiled(BASE).resources
    assert state.history[-1].changes_applied == state.history[-1].changes_planned == 7
    assert store.read() == state
    assert not plan_for(store, BASE).has_changes


def test_apply_runs_the_changes_in_plan_order_through_the_provider(tmp_path):
    store = applied(tmp_path)
    provider = Recording()
    apply_plan(plan_for(store, MIXED), store, provider)
    assert provider.calls == [
        ("update", "customer.acme"),
        ("create", "customer.globex"),
        ("replace", "contract.acme_2026"),
        ("delete", "product.onboarding"),
    ]


def test_remote_ids_survive_updates_and_moves_but_not_replaces(tmp_path):
    store = applied(tmp_path)
    ids = {a: r.remote_id for a, r in store.read().resources.items()}
    moved = edit(
        MIXED, ("  seats:\n", "  team_seats:\n"), ("product: seats", "product: team_seats")
    )
    moved += "moved:\n  - {from: product.seats, to: product.team_seats}\n"
    after = apply_plan(plan_for(store, moved), store, LocalProvider()).resources
    assert after["customer.acme"].remote_id == ids["customer.acme"]
    assert after["product.team_seats"].remote_id == ids["product.seats"]
    assert after["contract.acme_2026"].remote_id != ids["contract.acme_2026"]
    assert "product.seats" not in after


def test_a_lifecycle_change_alone_never_calls_the_provider(tmp_path):
    protected = edit(
        BASE, ("  onboarding:\n", "  onboarding:\n    lifecycle: {prevent_destroy: true}\n")
    )
    store = applied(tmp_path, protected)
    provider = Recording()
    state = apply_plan(plan_for(store, BASE), store, provider)
    assert provider.calls == [] and not state.resources["product.onboarding"].prevent_destroy


def test_a_stale_plan_is_refused_and_the_state_left_as_it_is(tmp_path):
    store = applied(tmp_path)
    stale = plan_for(store, MIXED)
    apply_plan(
        plan_for(store, edit(BASE, ("name: Acme\n", "name: ACME\n"))), store, LocalProvider()
    )
    before = store.path.read_bytes()
    assert refused(lambda: apply_plan(stale, store, LocalProvider())) == (
        "saved plan is stale: the state changed, serial 1 -> 2, since it was made"
    )
    assert store.path.read_bytes() == before


def test_a_plan_for_another_state_is_refused(tmp_path):
    first, second = applied(tmp_path / "a"), applied(tmp_path / "b")
    plan = plan_for(first, MIXED)
    before = second.path.read_bytes()
    summary = refused(lambda: apply_plan(plan, second, LocalProvider()))
    assert summary.startswith(
        "saved plan is for another state: it was made against lineage "
        f"{first.read().lineage}, but the state has lineage {second.read().lineage}"
    )
    assert second.path.read_bytes() == before


def test_a_plan_made_against_no_state_is_stale_once_a_state_exists(tmp_path):
    store = LocalStateStore(tmp_path / "billing.state.json")
    first, second = plan_for(store, BASE), plan_for(store, BASE)
    apply_plan(first, store, LocalProvider())
    assert refused(lambda: apply_plan(second, store, LocalProvider())) == (
        "saved plan is stale: the state changed, serial 0 -> 1, since it was made"
    )


def test_a_plan_with_errors_is_never_applied(tmp_path):
    store = applied(tmp_path)
    plan = plan_for(store, edit(BASE, ("price: 50", "price: 45")))
    assert plan.errored
    assert refused(lambda: apply_plan(plan, store, LocalProvider())) == (
        "the plan has errors and cannot be applied"
    )


def test_a_failure_midway_keeps_what_was_done_and_the_next_plan_shows_the_rest(tmp_path):
    store = applied(tmp_path)
    ids = {a: r.remote_id for a, r in store.read().resources.items()}
    failing = Recording(fail_on="contract.acme_2026")  # the third of four changes
    with pytest.raises(BillingSpecError) as info:
        apply_plan(plan_for(store, MIXED), store, failing)
    assert (
        info.value.diagnostics[0].detail
        == "2 of 4 changes were applied and are recorded in the state"
    )
    state = store.read()
    assert state.serial == 2 and not state.history[-1].complete  # written once, on the failure
    rest = plan_for(store, MIXED)
    assert [(c.address, str(c.action)) for c in rest.pending] == [
        ("contract.acme_2026", "replace"),
        ("product.onboarding", "delete"),
    ]
    assert [f.diagnostic.code for f in rest.findings] == ["W981"]
    finishing = Recording()
    apply_plan(rest, store, finishing)
    assert finishing.calls == [("replace", "contract.acme_2026"), ("delete", "product.onboarding")]
    assert store.read().resources["customer.acme"].remote_id == ids["customer.acme"]
    assert not plan_for(store, MIXED).has_changes


def test_progress_is_reported_before_and_after_each_change(tmp_path):
    store = LocalStateStore(tmp_path / "billing.state.json")
    events = []
    apply_plan(
        plan_for(store, BASE),
        store,
        LocalProvider(),
        on_step=lambda e: events.append((e.index, e.phase, e.change.address)),
    )
    assert events[:3] == [
        (1, "start", "billable_metric.tokens"),
        (1, "done", "billable_metric.tokens"),
        (2, "start", "product.model_tokens"),
    ]
    assert len(events) == 14


class Drifting(LocalProvider):
    """A provider whose remote copy of the customer was renamed by hand."""

    def read(self, prior):
        if prior.address == "customer.acme":
            return {**prior.content, "name": "Renamed in the UI"}
        return super().read(prior)


def test_refresh_reports_drift_and_the_plan_restores_the_catalog(tmp_path):
    store = applied(tmp_path)
    refreshed, drift = refresh_state(store.read(), Drifting())
    assert [(d.address, d.after["name"]) for d in drift] == [("customer.acme", "Renamed in the UI")]
    plan = make_plan(compiled(BASE), refreshed, as_of=AS_OF, drift=drift)
    assert [(c.address, c.before["name"], c.after["name"]) for c in plan.pending] == [
        ("customer.acme", "Renamed in the UI", "Acme")
    ]
    assert refresh_state(store.read(), LocalProvider())[1] == ()  # the local state never drifts


def test_a_resource_moved_and_deleted_in_one_plan_leaves_the_state(tmp_path):
    """A library caller moves product.onboarding to product.setup and drops setup from the
    catalog in one go (`billing validate` would refuse that catalog: E205). The plan deletes
    product.setup with previous address product.onboarding; afterwards the state holds
    neither address, and the next plan has no changes."""
    store = applied(tmp_path)
    without = compiled(edit(BASE, ("  onboarding:\n    name: Onboarding\n    type: FIXED\n", "")))
    desired = CompiledCatalog.from_resources(
        without.resources.values(), [{"from": "product.onboarding", "to": "product.setup"}]
    )
    plan = make_plan(desired, store.read(), as_of=AS_OF)
    [change] = plan.pending
    assert (change.address, change.previous_address) == ("product.setup", "product.onboarding")
    state = apply_plan(plan, store, Recording())
    assert not {"product.setup", "product.onboarding"} & set(state.resources)
    assert not make_plan(desired, state, as_of=AS_OF).has_changes


def test_a_move_renames_its_referrers_in_the_state_without_touching_them(tmp_path):
    """Rename the priced product `seats` (with `moved`) and add a 2027 price for it: the card's
    update shows, and sends the provider, the new rate only (the 2026 rate is the same rate under
    the product's new name, not a rate removed); the state then names `team_seats` in the card
    and its dependencies, and the next plan, `moved` still in the catalog, has nothing to do."""
    store = applied(tmp_path)
    renamed = edit(
        BASE,
        ("  seats:\n", "  team_seats:\n"),
        ("product: seats", "product: team_seats"),
        (
            "        billing_frequency: MONTHLY\n",
            "        billing_frequency: MONTHLY\n"
            "      - {product: team_seats, starting_at: 2027-01-01T00:00:00Z, entitled: true,\n"
            "         rate_type: FLAT, price: 3500, billing_frequency: MONTHLY}\n",
        ),
    )
    renamed += "moved:\n  - {from: product.seats, to: product.team_seats}\n"
    plan = plan_for(store, renamed)
    card = next(c for c in plan.changes if c.address == "rate_card.list")
    added = [r for r in card.after["rates"] if r not in card.before["rates"]]
    assert [(r["product"], r["price"]) for r in added] == [("team_seats", "3500")]
    assert all(r in card.after["rates"] for r in card.before["rates"])  # nothing removed
    provider = Recording()
    apply_plan(plan, store, provider)
    assert provider.calls == [("update", "rate_card.list")]
    state = store.read()
    assert "product.team_seats" in state.resources["rate_card.list"].depends_on
    assert "product.seats" not in state.resources["rate_card.list"].depends_on
    assert state.catalog().resources == compiled(renamed).resources
    assert not plan_for(store, renamed).has_changes
