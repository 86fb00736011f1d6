"""The published JSON Schema of a catalog file, generated from the pydantic models.

The models are the one source of truth; `catalog.schema.json` next to this module is the committed,
packaged copy that editors use (`# yaml-language-server: $schema=...`), and a test fails when it
drifts from the models (`make schema` regenerates it).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_ID = "https://billing-spec.dev/schemas/catalog-v1.schema.json"
PACKAGED_NAME = "catalog.schema.json"


def catalog_json_schema() -> dict[str, Any]:
    from billing_spec.catalog.models import CatalogFile

    schema = CatalogFile.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "billing-spec catalog file (version 1)",
    }


def schema_text() -> str:
    """The schema as committed: two-space indented JSON with a trailing newline."""
    return json.dumps(catalog_json_schema(), indent=2, ensure_ascii=False) + "\n"


def packaged_schema_text() -> str:
    return resources.files("billing_spec.catalog").joinpath(PACKAGED_NAME).read_text("utf-8")
