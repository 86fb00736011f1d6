"""compile: one canonical catalog, whatever the files look like."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import CATALOGS, run_billing

from billing_spec.catalog import build_catalog
from billing_spec.catalog.yaml_source import read_yaml_file
from billing_spec.compile import CompiledCatalog, digest_of


def _sections(directory: Path) -> dict[str, dict]:
    """All resources of a catalog directory, by section, as plain data."""
    merged: dict[str, dict] = {}
    for path in sorted(directory.glob("*.yaml")):
        document, problems = read_yaml_file(str(path), path.name)
        assert not problems
        for section, resources in document.data.items():
            if section != "version":
                merged.setdefault(section, {}).update(resources)
    return merged


def _plain(value):
    """YAML data with Decimals as JSON numbers or strings (YAML 1.2 reads JSON)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    raise TypeError(value)


def test_the_same_catalog_gives_the_same_bytes_however_it_is_split_or_ordered(tmp_path):
    # acme-ai is five files; rewrite it as one file per resource, every mapping in reverse order,
    # numbers as strings where they have decimals (`0.2` and `"0.2"` are the same price).
    original, _ = build_catalog(CATALOGS / "acme-ai")
    for section, resources in reversed(list(_sections(CATALOGS / "acme-ai").items())):
        for id_, body in reversed(list(resources.items())):
            body = dict(reversed(list(body.items())))
            text = json.dumps({section: {id_: body}, "version": 1}, default=_plain, indent=1)
            (tmp_path / f"z{len(list(tmp_path.iterdir())):03d}_{id_}.yaml").write_text(text)
    reshuffled, diagnostics = build_catalog(tmp_path)
    assert reshuffled is not None, [d.summary for d in diagnostics]
    assert reshuffled.to_json() == original.to_json()


def test_compiled_json_round_trips_unchanged():
    compiled, _ = build_catalog(CATALOGS / "acme-ai")
    again = CompiledCatalog.from_json(compiled.to_json())
    assert again == compiled and again.to_json() == compiled.to_json()


def test_digests_are_sha256_of_canonical_content():
    compiled, _ = build_catalog(CATALOGS / "quickstart")
    card = compiled.resources["rate_card.lang_model_list"]
    assert card.digest == digest_of(card.content)
    # Decimals are canonical strings, never floats, with the defaults filled in.
    assert card.content["rates"][0]["price"] == "50"
    assert card.content["rates"][0]["credit_type"] == "USD"


def test_billing_compile_writes_the_catalog(tmp_path):
    result = run_billing("compile", CATALOGS / "quickstart", "-o", tmp_path / "out.json")
    assert result.code == 0, result.output
    written = CompiledCatalog.from_json((tmp_path / "out.json").read_text())
    assert "contract.team_example_2026" in written.resources
