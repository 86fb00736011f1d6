"""The shipped CI recipes work: docs/ci/github-actions.yml is a valid GitHub Actions workflow
(check-jsonschema's vendored schema, no network) doing what README "CI recipe" says, and
.pre-commit-hooks.yaml's hooks run through `pre-commit try-repo` on a sample repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CATALOGS, ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent


def test_the_workflow_is_valid_against_githubs_workflow_schema():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", WORKFLOW],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_validates_checks_plans_comments_uploads_and_applies():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    runs = "\n".join(step.get("run", "") for step in plan["steps"])
    assert "billing validate" in runs and "billing fmt --check" in runs
    assert "billing plan --impact --detailed-exitcode --out pricing.plan --format markdown" in runs
    # one comment, found by its marker and edited in place
    assert "<!-- billing-spec:plan -->" in runs and "--method PATCH" in runs
    uploads = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [s["with"]["path"] for s in uploads] == ["pricing.plan"]
    assert "merged" in apply["if"]
    applied = "\n".join(step.get("run", "") for step in apply["steps"])
    assert "gh run download" in applied and "billing apply pricing.plan" in applied
    assert workflow[True]["pull_request"]["branches"] == ["main"]  # YAML 1.1: `on` is True


def test_the_readme_points_at_the_recipes():
    readme = (ROOT / "README.md").read_text()
    ci = readme[readme.index("\n## CI recipe\n") :]
    ci = ci[: ci.index("\n## ", 1)]
    assert "docs/ci/github-actions.yml" in ci and ".pre-commit-hooks.yaml" in ci


def test_the_hooks_file_offers_validate_and_fmt():
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"billing-validate", "billing-fmt"}
    assert hooks["billing-validate"]["entry"] == "billing validate"
    assert hooks["billing-fmt"]["entry"] == "billing fmt"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["files"] == r"\.ya?ml$"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="pre-commit try-repo needs a git checkout")
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_runs_both_hooks(tmp_path):
    """pre-commit builds a virtualenv and pip-installs this repository into it (from PyPI):
    slow, so both hooks run in this one test. try-repo takes HEAD plus the uncommitted changes
    to tracked (or staged) files, so it tests the hooks of this checkout."""
    sample = tmp_path / "sample"
    shutil.copytree(CATALOGS / "quickstart", sample / "catalog")
    (sample / "billing.toml").write_text('catalog = "catalog"\nexclude = ["docker-compose.yml"]\n')
    (sample / "catalog" / "docker-compose.yml").write_text("services: {web: {image: x}}\n")
    catalog = sample / "catalog" / "catalog.yaml"
    canonical = catalog.read_text()
    catalog.write_text(canonical.replace("version: 1\n", "version:   1\n"))  # fmt rewrites it
    _git("init", "-q", cwd=sample)
    _git("add", ".", cwd=sample)
    _git("commit", "-q", "-m", "sample", cwd=sample)
    result = subprocess.run(
        [BIN / "pre-commit", "try-repo", ROOT, "--all-files", "--color", "never"],
        cwd=sample,
        capture_output=True,
        text=True,
        timeout=1500,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"},
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out  # fmt changed a file
    assert "billing validate" in out and "Passed" in out, out
    assert "billing fmt" in out and "files were modified by this hook" in out, out
    assert catalog.read_text() == canonical
