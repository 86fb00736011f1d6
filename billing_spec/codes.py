"""The registry of diagnostic codes: one stable code per kind of mistake, with its title.

Codes are part of the user-facing contract (CI scripts grep for them, fixtures mark them inline),
so a code is never reused for a different mistake. Ranges:

- E0xx  reading files: encoding, YAML syntax, tags, duplicate keys, the `version` line
- E1xx  the schema: unknown or missing fields, wrong types, bad enum values, bad IDs
- E2xx  references and identity across files
- E3xx  billable metrics        E4xx  products        E5xx  rate cards and rates
- E6xx  customers and contracts
- E7xx  usage events and evaluation                E8xx  state, plans and apply
- W9xx  warnings (exit 0): W900-W949 catalog, W950-W979 events/evaluation, W980-W999 plan/apply
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # reading files
    "E001": "file cannot be read",
    "E002": "file is not UTF-8",
    "E003": "YAML syntax error",
    "E004": "duplicate key in a mapping",
    "E005": "unsupported YAML tag",
    "E006": "empty catalog file",
    "E007": "catalog file is not a mapping",
    "E008": "missing `version`",
    "E009": "unsupported catalog version",
    "E010": "not a finite decimal number",
    "E011": "no catalog files found",
    "E012": "invalid YAML merge key",
    # schema
    "E101": "unknown field",
    "E102": "missing required field",
    "E103": "wrong type",
    "E104": "invalid value",
    "E105": "invalid resource ID",
    "E106": "invalid timestamp",
    # references and identity
    "E201": "unknown reference",
    "E202": "resource ID defined twice",
    # usage events and evaluation
    "E701": "events path cannot be read",
    "E702": "events file is corrupt (not a complete gzip stream)",
    "E703": "invalid --through timestamp",
    "E704": "unknown customer",
    "E705": "unknown aggregation engine",
    "E706": "rendering not available",
    # warnings: events and evaluation
    "W950": "malformed event skipped",
    "W951": "duplicate transaction_id with different content",
    "W952": "events of an unknown customer",
    "W953": "events outside every contract",
    "W954": "several contracts active at once",
    "W955": "no rate in force",
    "W956": "aggregated property missing or not a number",
    "W957": "SQL billable metric not evaluated",
    "W958": "no event files in a directory",
    "W959": "ingest alias names two customers",
    "W960": "rate ignored by the evaluator",
    "W961": "quantity conversion factor is not positive",
}


def title(code: str) -> str:
    return CODES.get(code, "")
