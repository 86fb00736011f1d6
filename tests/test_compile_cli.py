"""`billing compile`: the canonical catalog JSON, or the diagnostics and exit 1 when invalid."""

from __future__ import annotations

import json

from conftest import CATALOGS, run_billing


def test_compile_prints_canonical_json_with_digests():
    result = run_billing("compile", CATALOGS / "quickstart")
    assert result.code == 0, result.output
    compiled = json.loads(result.stdout)
    assert compiled["digest"].startswith("sha256:")
    rate_card = compiled["resources"]["rate_card.lang_model_list"]
    assert rate_card["depends_on"] == ["product.lang_model_4"]
    # the default credit type is filled in; 50 cents per million tokens stays an exact string
    assert rate_card["content"]["rates"][0] == {
        "product": "lang_model_4",
        "starting_at": "2026-01-01T00:00:00Z",
        "entitled": True,
        "rate_type": "FLAT",
        "price": "50",
        "credit_type": "USD",
    }


def test_compile_writes_the_same_bytes_to_a_file(tmp_path):
    printed = run_billing("compile", CATALOGS / "acme-ai").stdout
    result = run_billing("compile", CATALOGS / "acme-ai", "-o", tmp_path / "catalog.json")
    assert (result.code, result.stdout) == (0, "")
    assert (tmp_path / "catalog.json").read_text("utf-8") == printed


def test_compile_refuses_an_invalid_catalog(catalog_dir, tmp_path):
    root = catalog_dir(
        {
            "catalog.yaml": """
        version: 1
        customers:
          acme: {name: Acme, ingest_aliases: [shared]}
          globex: {name: Globex, ingest_aliases: [shared]}
    """
        }
    )
    result = run_billing("compile", root, "-o", tmp_path / "out.json")
    assert result.code == 1
    assert "error[E620]" in result.stderr
    assert not (tmp_path / "out.json").exists()
