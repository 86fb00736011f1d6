"""No traceback on any catalog number, and fmt touches only catalogs (issue 13, items 4 and 7)."""

from __future__ import annotations

import shutil

import pytest
from conftest import CATALOGS, run_billing

QUICKSTART = CATALOGS / "quickstart"
HUGE = "1e1000000000000000000"  # beyond Decimal's exponent range: Decimal() itself refuses it


def _quickstart_with_price(tmp_path, price: str):
    root = tmp_path / "catalog"
    shutil.copytree(QUICKSTART, root)
    path = root / "catalog.yaml"
    text = path.read_text()
    assert "price: 50 " in text
    path.write_text(text.replace("price: 50 ", f"price: {price} ", 1))
    line = text[: text.index("price: 50 ")].count("\n") + 1
    return root, line


@pytest.mark.parametrize("command", ["validate", "fmt", "compile", "plan"])
@pytest.mark.parametrize("price", [HUGE, "-1E-99999999999999999999"])
def test_a_number_beyond_any_range_is_a_located_error(tmp_path, command, price):
    root, line = _quickstart_with_price(tmp_path, price)
    result = run_billing(command, root, cwd=tmp_path)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert f"catalog.yaml:{line}:16: error[E010]: {price} is out of range" in result.output


@pytest.mark.parametrize("option", ["--fail-on-increase-pct", "--fail-on-increase"])
def test_a_threshold_beyond_any_range_is_a_usage_error(option):
    result = _impact(option, "1e99999999999999999999")
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert f"Invalid value for {option}: '1e99999999999999999999' is not" in result.stderr


def test_a_huge_threshold_within_range_is_simply_never_reached():
    result = _impact("--fail-on-increase-pct", "1e999999999")
    assert result.code == 0, result.output


def _impact(option, value):
    return run_billing(
        "plan", QUICKSTART, "--events", QUICKSTART / "events", "--impact", option, value
    )


# --- item 7: fmt touches only catalogs -----------------------------------------------------------

COMPOSE = 'services:\n  web:\n      image: nginx\n      ports: ["80:80"]\n'
PASSWD = "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/:/sbin/nologin\n"


@pytest.mark.parametrize(
    "name, text, code",
    [
        ("compose.yml", COMPOSE, "E008"),
        ("passwd.yaml", PASSWD, "E007"),
        ("old.yaml", "version: 2\nproducts: {}\n", "E009"),
    ],
)
@pytest.mark.parametrize("check", [False, True])
def test_fmt_refuses_a_yaml_file_that_is_not_a_catalog_and_never_rewrites_it(
    tmp_path, name, text, code, check
):
    root = tmp_path / "dir"
    root.mkdir()
    (root / name).write_text(text)
    for target in (root, root / name):
        result = run_billing("fmt", *(["--check"] if check else []), target, cwd=tmp_path)
        assert result.code == 1, result.output
        assert f"dir/{name}:1:" in result.output and f"error[{code}]" in result.output
        assert "Traceback" not in result.output
        assert (root / name).read_text() == text
