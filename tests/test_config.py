"""Project configuration (`billing.toml`, `[tool.billing-spec]`) and `billing init`.

The configuration is found from the working directory up; its paths are relative to it; an
argument on the command line wins; its `exclude` globs keep other YAML out of the catalog; a
malformed file is E015 at its line, exit 1. `billing init` scaffolds a project that validates,
is fmt-stable, plans and invoices with no arguments, and never overwrites a file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing, write_files

from billing_spec.catalog.load import catalog_files, excluding
from billing_spec.config import find_config, parse_config
from billing_spec.diagnostics import BillingSpecError

QUICKSTART = CATALOGS / "quickstart"
CONFIG = """\
catalog = "pricing"
exclude = ["docker-compose.yml"]
state = "state/billing.state.json"
events = ["pricing/events"]
"""


def project(tmp_path: Path, config: str = CONFIG, name: str = "billing.toml") -> Path:
    shutil.copytree(QUICKSTART, tmp_path / "pricing")
    (tmp_path / "state").mkdir()
    (tmp_path / name).write_text(config, "utf-8")
    return tmp_path


# --- discovery ----------------------------------------------------------------------------------


def test_the_config_is_found_walking_up_and_its_paths_are_relative_to_it(tmp_path):
    project(tmp_path)
    below = tmp_path / "pricing" / "events"
    config = find_config(below)
    assert config is not None and config.path == tmp_path / "billing.toml"
    assert config.catalog == tmp_path / "pricing"
    assert config.state == tmp_path / "state" / "billing.state.json"
    assert config.events == (tmp_path / "pricing" / "events",)
    assert config.exclude == ("docker-compose.yml",)


def test_a_pyproject_table_is_a_config_and_a_pyproject_without_one_is_passed_by(tmp_path):
    write_files(tmp_path, {"pyproject.toml": '[tool.billing-spec]\ncatalog = "pricing"\n'})
    write_files(tmp_path / "sub", {"pyproject.toml": '[project]\nname = "other"\n'})
    config = find_config(tmp_path / "sub")
    assert config is not None and config.path == tmp_path / "pyproject.toml"
    assert config.catalog == tmp_path / "pricing"


def test_billing_toml_wins_over_a_pyproject_table_beside_it(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.billing-spec]\ncatalog = "a"\n',
            "billing.toml": 'catalog = "b"\n',
        },
    )
    assert find_config(tmp_path).catalog == tmp_path / "b"


def test_no_config_changes_nothing(tmp_path):
    shutil.copytree(QUICKSTART, tmp_path / "c")
    result = run_billing("validate", cwd=tmp_path / "c")
    assert result.code == 0, result.output


# --- the commands with no arguments -------------------------------------------------------------


def test_plan_validate_fmt_invoice_run_with_no_arguments_in_a_subdirectory(tmp_path):
    root = project(tmp_path)
    (root / "pricing" / "docker-compose.yml").write_text("services: {web: {image: x}}\n")
    here = root / "pricing" / "events"  # anywhere below the config
    assert run_billing("validate", cwd=here).stdout == "Success! The catalog is valid.\n"
    assert run_billing("fmt", "--check", cwd=here).code == 0
    planned = run_billing("plan", "--out", "p.plan", cwd=here)
    assert planned.code == 0 and "Plan: 5 to add" in planned.stdout, planned.output
    # the configured state, named relative to the working directory
    assert "billing apply p.plan --state ../../state/billing.state.json" in planned.stdout
    assert run_billing("apply", "p.plan", cwd=here).code == 0
    assert (root / "state" / "billing.state.json").is_file()
    assert "product.lang_model_4" in run_billing("state", "list", cwd=here).stdout
    assert run_billing("plan", "--detailed-exitcode", cwd=root).code == 0  # applied: no changes
    invoiced = run_billing("invoice", "--format", "text", cwd=root)  # the configured events
    assert invoiced.code == 0 and "$0.50" in invoiced.stdout, invoiced.output
    impact = run_billing("plan", "--impact", cwd=root)
    assert impact.code == 0 and "Invoice impact" in impact.stdout, impact.output


def test_command_line_arguments_win_over_the_config(tmp_path):
    root = project(tmp_path, CONFIG.replace('catalog = "pricing"', 'catalog = "missing"'))
    assert run_billing("validate", cwd=root).code == 1  # the configured catalog is used
    assert run_billing("validate", "pricing", cwd=root).code == 0
    other = root / "elsewhere.json"
    assert run_billing("apply", "pricing", "--auto-approve", "--state", other, cwd=root).code == 0
    assert other.is_file() and not (root / "state" / "billing.state.json").exists()
    by_env = run_billing(
        "plan", "pricing", "--detailed-exitcode", cwd=root, env={"BILLING_STATE": str(other)}
    )
    assert by_env.code == 0  # BILLING_STATE wins over the config too


def test_excluded_files_are_not_catalog_files(tmp_path):
    root = project(tmp_path)
    (root / "pricing" / "docker-compose.yml").write_text("services: {web: {image: x}}\n")
    assert run_billing("validate", "pricing", cwd=root).code == 0  # an explicit DIR too
    (root / "billing.toml").write_text(CONFIG.replace('["docker-compose.yml"]', "[]"))
    broken = run_billing("validate", cwd=root)
    assert broken.code == 1 and "docker-compose.yml" in broken.stdout


def test_exclude_globs_match_names_at_any_depth_or_paths_from_the_config(tmp_path):
    files = {
        "c/a.yaml": "",
        "c/x/docker-compose.yml": "",
        "c/drafts/b.yaml": "",
        "c/keep/drafts.yaml": "",
        "c/z.local.yml": "",
    }
    write_files(tmp_path, files)
    with excluding(tmp_path, ["docker-compose.yml", "c/drafts", "*.local.yml"]):
        names = [p.relative_to(tmp_path).as_posix() for p in catalog_files(tmp_path / "c")]
    assert names == ["c/a.yaml", "c/keep/drafts.yaml"]
    assert len(catalog_files(tmp_path / "c")) == 5  # outside the block nothing is excluded


# --- malformed configuration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('catalog = "c"\nstate = \n', "billing.toml:2:9", "invalid TOML"),
        ('catalog = "c"\n  stat = "s.json"\n', "billing.toml:2:3", "unknown key 'stat'"),
        ("exclude = 'docker-compose.yml'\n", "billing.toml:1:1", "`exclude` must be a list"),
        ('catalog = ""\n', "billing.toml:1:1", "`catalog` must be a path"),
        ("events = [1]\n", "billing.toml:1:1", "`events` must be a list of paths"),
    ],
)
def test_a_malformed_config_is_an_error_at_its_line(tmp_path, text, where, message):
    (tmp_path / "billing.toml").write_text(text)
    result = run_billing("validate", cwd=tmp_path)
    assert result.code == 1
    assert f"{where}: error[E015]: " in result.stderr and message in result.stderr, result.stderr
    assert run_billing("validate", "--help", cwd=tmp_path).code == 0  # help still shows


def test_an_unknown_key_suggests_the_known_one(tmp_path):
    assert parse_config('[project]\nname = "x"\n', "pyproject.toml", ("tool", "x")) is None
    text = '[project]\nname = "x"\n[tool.billing-spec]\ncatlog = "c"\n'
    with pytest.raises(BillingSpecError) as caught:
        parse_config(text, "pyproject.toml", ("tool", "billing-spec"))
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic.range) == "pyproject.toml:4:1"
    assert diagnostic.hint == "did you mean 'catalog'?"


# --- billing init -------------------------------------------------------------------------------


def test_init_scaffolds_a_project_that_works_with_no_arguments(tmp_path):
    made = run_billing("init", "proj", cwd=tmp_path)
    assert made.code == 0, made.output
    root = tmp_path / "proj"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "billing.toml",
        "catalog/catalog.yaml",
        "docs/ci/github-actions.yml",
        "fixtures/events.jsonl",
    ]
    assert run_billing("validate", cwd=root).stdout == "Success! The catalog is valid.\n"
    assert run_billing("fmt", "--check", cwd=root).code == 0  # fmt-stable
    assert "# " in (root / "catalog" / "catalog.yaml").read_text()  # commented
    assert run_billing("plan", "--detailed-exitcode", cwd=root).code == 2
    invoiced = run_billing("invoice", "--format", "text", cwd=root)
    assert invoiced.code == 0 and "$41.00" in invoiced.stdout, invoiced.output
    workflow = (root / "docs" / "ci" / "github-actions.yml").read_text()
    assert workflow == (Path(__file__).parents[1] / "docs/ci/github-actions.yml").read_text()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "billing.toml").write_text("# mine\n")
    refused = run_billing("init", cwd=tmp_path)
    assert refused.code == 1
    assert "billing.toml already exists; billing init never overwrites a file" in refused.stderr
    assert (tmp_path / "billing.toml").read_text() == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["billing.toml"]
