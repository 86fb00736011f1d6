"""The published JSON Schema: generated from the models, committed, and usable by standard tools.

- The committed `billing_spec/catalog/catalog.schema.json` is exactly what the models generate;
  after a model change `make schema` regenerates it, and this test says so until then.
- `check-jsonschema` (what editors and pre-commit hooks use) accepts every example catalog file,
  and rejects a bad enum value and an unknown key.
- `billing schema` prints it; `billing schema -o FILE` writes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CATALOGS, ROOT, run_billing, write_files

from billing_spec.catalog import validate_catalog
from billing_spec.catalog.schema import catalog_json_schema, packaged_schema_text, schema_text

COMMITTED = ROOT / "billing_spec" / "catalog" / "catalog.schema.json"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
EXAMPLE_FILES = sorted(CATALOGS.rglob("*.yaml"))


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(COMMITTED), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_committed_schema_matches_the_models():
    assert COMMITTED.read_text("utf-8") == schema_text(), "the schema drifted: run `make schema`"
    assert packaged_schema_text() == schema_text()


def test_schema_is_draft_2020_12_with_every_section():
    schema = catalog_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {
        "version",
        "credit_types",
        "billable_metrics",
        "products",
        "rate_cards",
        "packages",
        "customers",
        "contracts",
        "moved",
    }
    assert schema["required"] == ["version"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.relative_to(CATALOGS).as_posix())
def test_check_jsonschema_accepts_the_examples(path):
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_rejects_a_bad_enum_and_an_unknown_key(tmp_path):
    write_files(
        tmp_path,
        {
            "bad_enum.yaml": """
            version: 1
            products:
              api: {name: API, type: USAGEE, billable_metric: tokens}
        """,
            "unknown_key.yaml": """
            version: 1
            products:
              api: {name: API, type: usage, billable_metric: tokens, colour: red}
        """,
        },
    )
    for name, complaint in [
        ("bad_enum.yaml", "'USAGEE' is not one of"),
        ("unknown_key.yaml", "'colour' was unexpected"),
    ]:
        result = check_jsonschema(tmp_path / name)
        assert result.returncode == 1, name
        assert complaint in result.stdout


def test_billing_schema_prints_it():
    result = run_billing("schema")
    assert result.code == 0
    assert result.stdout == schema_text()
    assert json.loads(result.stdout)["$id"].endswith("catalog-v1.schema.json")


def test_billing_schema_writes_it(tmp_path):
    target = tmp_path / "schemas" / "catalog.schema.json"
    target.parent.mkdir()
    result = run_billing("schema", "-o", target)
    assert (result.code, result.stdout) == (0, "")
    assert target.read_text("utf-8") == schema_text()


def test_billing_schema_into_a_missing_directory_fails_cleanly(tmp_path):
    result = run_billing("schema", "-o", tmp_path / "no" / "such" / "dir" / "schema.json")
    assert result.code == 1
    assert "Traceback" not in result.output


def test_check_jsonschema_agrees_with_validate_on_ids_and_empty_sections(tmp_path):
    """An ID validate refuses (E105) is refused by the schema too, and an empty section that
    validate accepts (`products:` with every resource commented out) is accepted by it."""
    write_files(
        tmp_path,
        {
            "bad_id.yaml": """
            version: 1
            products:
              API Tokens: {name: API, type: FIXED}
        """,
            "empty.yaml": """
            version: 1
            products:
              # api: {name: API, type: FIXED}
            moved:
        """,
        },
    )
    assert [d.code for d in validate_catalog(tmp_path / "bad_id.yaml")[1]] == ["E105"]
    assert validate_catalog(tmp_path / "empty.yaml")[1] == []
    result = check_jsonschema(tmp_path / "bad_id.yaml")
    assert result.returncode == 1
    assert "API Tokens" in result.stdout
    result = check_jsonschema(tmp_path / "empty.yaml")
    assert result.returncode == 0, result.stdout
