"""Where the shipped invoice templates are found: `billing_spec/templates/` in a wheel (pyproject
force-includes the repo's `templates/` there), else the repo's `templates/` beside the package
(an editable install or a source checkout)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from billing_spec.diagnostics import BillingSpecError
from billing_spec.render import FORMATS
from billing_spec.render.templates import default_templates_dir

ROOT = Path(__file__).resolve().parents[1]


def fake_tree(root: Path, *template_dirs: str) -> Path:
    """A package directory `root/pkg/billing_spec` with templates in the given relative places."""
    package = root / "pkg" / "billing_spec"
    package.mkdir(parents=True)
    for relative in template_dirs:
        directory = package / relative
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "invoice.txt.j2").write_text("x")
    return package


def test_installed_wheel_layout_uses_package_data(tmp_path):
    package = fake_tree(tmp_path, "templates")
    assert default_templates_dir(package) == package / "templates"


def test_editable_layout_uses_the_repo_templates_beside_the_package(tmp_path):
    package = fake_tree(tmp_path, "../templates")
    assert default_templates_dir(package) == package.parent / "templates"


def test_package_data_wins_over_a_templates_folder_beside_the_package(tmp_path):
    package = fake_tree(tmp_path, "templates", "../templates")
    assert default_templates_dir(package) == package / "templates"


def test_a_stray_templates_folder_without_invoice_templates_is_ignored(tmp_path):
    package = fake_tree(tmp_path, "templates")
    (package.parent / "templates").mkdir()  # e.g. site-packages/templates of another project
    assert default_templates_dir(package) == package / "templates"


def test_no_templates_anywhere_is_a_diagnostic(tmp_path):
    package = fake_tree(tmp_path)
    with pytest.raises(BillingSpecError) as info:
        default_templates_dir(package)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E790"
    assert "--templates DIR" in diagnostic.hint


def test_this_checkout_finds_the_repo_templates_with_every_format():
    directory = default_templates_dir()
    assert directory.resolve() == ROOT / "templates"
    for name in FORMATS.values():
        assert (directory / name).is_file(), name


def test_the_wheel_ships_the_templates_where_the_lookup_expects_them():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force_include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["templates"] == "billing_spec/templates"
