"""Environments: one catalog, promoted from a Metronome sandbox to production.

billing.toml names two environments, each with its own state, endpoint and token variable;
`--env NAME` picks one. Two loopback Metronome servers stand in for the two accounts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing
from metronome_server import MetronomeServer

SANDBOX_TOKEN = "mtk_SANDBOX_secret_1a2b"
PROD_TOKEN = "mtk_PROD_secret_9z8y"


@pytest.fixture
def accounts():
    with MetronomeServer(SANDBOX_TOKEN) as sandbox, MetronomeServer(PROD_TOKEN) as production:
        yield sandbox, production


@pytest.fixture
def project(tmp_path: Path, accounts) -> Path:
    sandbox, production = accounts
    shutil.copytree(
        CATALOGS / "quickstart", tmp_path / "catalog", ignore=shutil.ignore_patterns("events")
    )
    (tmp_path / "billing.toml").write_text(
        'catalog = "catalog"\n\n'
        "[environments.sandbox]\n"
        'provider = "metronome"\n'
        'state = "states/sandbox.state.json"\n'
        f'base_url = "{sandbox.url}"\n'
        'token_env = "METRONOME_SANDBOX_TOKEN"\n\n'
        "[environments.production]\n"
        'provider = "metronome"\n'
        'state = "states/production.state.json"\n'
        f'base_url = "{production.url}"\n'
        'token_env = "METRONOME_PRODUCTION_TOKEN"\n'
    )
    (tmp_path / "states").mkdir()
    return tmp_path


def billing(project: Path, *args: str):
    env = {
        "METRONOME_SANDBOX_TOKEN": SANDBOX_TOKEN,
        "METRONOME_PRODUCTION_TOKEN": PROD_TOKEN,
        "METRONOME_BEARER_TOKEN": "",
        "METRONOME_BASE_URL": "http://127.0.0.1:9",  # unused: each environment names its own
    }
    return run_billing(*args, cwd=project, env=env)


def test_a_catalog_is_applied_to_the_sandbox_then_promoted_to_production(project, accounts):
    sandbox, production = accounts
    reviewed = billing(project, "plan", "--env", "sandbox", "--format", "markdown")
    assert reviewed.code == 0, reviewed.output
    assert "Environment: **sandbox**" in reviewed.stdout
    assert "Plan: 5 to add, 0 to change, 0 to destroy." in reviewed.stdout

    assert billing(project, "apply", "--env", "sandbox", "--auto-approve").code == 0
    assert len(sandbox.api.contracts) == 1 and production.api.calls == []
    assert (project / "states/sandbox.state.json").exists()
    assert billing(project, "plan", "--env", "sandbox", "--detailed-exitcode").code == 0

    # Promotion: the same catalog, planned and applied against the next environment.
    assert billing(project, "plan", "--env", "production", "--detailed-exitcode").code == 2
    saved = billing(project, "plan", "--env", "production", "--out", "production.plan")
    assert saved.code == 0
    applied = billing(project, "apply", "production.plan", "--env", "production")
    assert applied.code == 0, applied.output
    assert len(production.api.contracts) == 1 and len(sandbox.api.contracts) == 1
    sandbox_state = (project / "states/sandbox.state.json").read_text()
    production_state = (project / "states/production.state.json").read_text()
    [contract_id] = production.api.contracts
    assert contract_id in production_state and contract_id not in sandbox_state
    assert billing(project, "plan", "--env", "production", "--detailed-exitcode").code == 0
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert SANDBOX_TOKEN.encode() not in text and PROD_TOKEN.encode() not in text


def test_an_unknown_environment_names_the_configured_ones(project):
    result = billing(project, "plan", "--env", "staging")
    assert result.code == 1
    assert "unknown environment 'staging'" in result.output
    assert "production, sandbox" in result.output


def test_an_environment_without_its_own_state_is_a_configuration_error(project):
    (project / "billing.toml").write_text('[environments.sandbox]\nprovider = "metronome"\n')
    result = billing(project, "plan", "--env", "sandbox")
    assert result.code == 1
    assert "E015" in result.output and "needs a `state`" in result.output
