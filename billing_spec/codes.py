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
    "E013": "fmt cannot lay out the file without changing it",
    "E014": "file cannot be written",
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
    # rendering invoices (E790-E799)
    "E790": "templates directory not found",
    "E791": "template not found",
    "E792": "template cannot be parsed",
    "E793": "template failed while rendering",
    "E794": "invoice document not in the expected shape",
    "E795": "unknown invoice format",
    # state, plans and apply
    "E801": "state file is corrupt or unreadable",
    "E802": "state file is from a newer billing-spec",
    "E803": "state is locked",
    "E804": "lock ID does not match (force-unlock)",
    "E805": "saved plan is stale",
    "E806": "saved plan is for another state",
    "E807": "plan file is damaged",
    "E808": "plan file format not supported",
    "E809": "plan has errors",
    "E810": "retroactive rate change",
    "E811": "prevent_destroy forbids destroying a resource",
    "E812": "resource is still referenced",
    "E814": "`moved` target already exists",
    "E815": "apply not approved",
    "E816": "options not allowed with a saved plan",
    "E817": "provider failed during apply",
    "E818": "address not in the state",
    "E819": "cannot write the state or plan file",
    "W980": "retroactive rate change allowed",
    "W981": "the last apply did not finish",
    "E203": "invalid `moved` address",
    "E204": "`moved` between resource types",
    "E205": "`moved` target is not defined",
    "E206": "`moved` source is still defined",
    "E207": "address moved twice",
    # billable metrics
    "E301": "metric needs `sql` or `aggregation_type`",
    "E302": "`sql` metric with aggregation fields",
    "E303": "missing `aggregation_key`",
    "E304": "`aggregation_key` on a COUNT metric",
    "E305": "`aggregation_key` is not a property filter",
    "E306": "group key is not a property filter",
    "E307": "duplicate group key",
    "E308": "contradictory property filter",
    # products
    "E401": "USAGE product without a billable metric",
    "E402": "billable metric on a product that is not USAGE",
    "E403": "USAGE-only field on another product type",
    "E404": "group keys do not match a metric group key",
    "E405": "COMPOSITE product without composite products or tags",
    "E406": "COMPOSITE-only field on another product type",
    "E407": "conversion factor not positive",
    "E408": "composite product includes a product that is not USAGE",
    # rate cards and rates
    "E501": "negative price",
    "E502": "PERCENTAGE price outside 0..1",
    "E503": "rate without `price`",
    "E504": "`tiers` on a rate that is not TIERED",
    "E505": "TIERED rate without `tiers`",
    "E506": "`price` on a TIERED rate",
    "E507": "tier without a positive size",
    "E508": "last tier has a size",
    "E509": "`tier_mode` on a rate that is not TIERED",
    "E510": "rate ends before it starts",
    "E511": "two rates start at the same instant",
    "E512": "pricing_group_values do not match the product's pricing_group_key",
    "E513": "rate type not allowed for the product type",
    "E514": "SUBSCRIPTION product rate without `billing_frequency`",
    "E515": "`billing_frequency` on a rate of a product that is not SUBSCRIPTION",
    "E516": "FIXED product on a rate card",
    "E517": "custom credit type without a conversion on the rate card",
    "E518": "invalid credit type conversion",
    "E519": "negative quantity",
    # customers and contracts
    "E601": "contract term ends before it starts",
    "E602": "CUSTOM_DATE statement schedule without `billing_anchor_date`",
    "E603": "`billing_anchor_date` without CUSTOM_DATE",
    "E604": "product is not on the contract's rate card",
    "E605": "override fields do not match its type",
    "E606": "negative multiplier",
    "E607": "override priority missing or not positive",
    "E608": "TIERED override without EXPLICIT prioritization",
    "E609": "override must target exactly one of product, tags, specifiers",
    "E610": "commit, credit or scheduled charge on a product that is not FIXED",
    "E611": "`applicable_*` together with `specifiers`",
    "E612": "amount not positive",
    "E613": "schedule item needs `amount` or `unit_price` and `quantity`",
    "E614": "schedule needs `schedule_items` or `recurring_schedule`",
    "E615": "POSTPAID commit needs one access item and one matching invoice item",
    "E616": "`rollover_fraction` outside 0..1",
    "E617": "subscription rate not on the rate card",
    "E618": "subscription on a product that is not SUBSCRIPTION",
    "E619": "negative `initial_quantity`",
    "E620": "ingest alias used by two customers",
    "E621": "BILL_IMMEDIATELY proration on an ARREARS subscription",
    # catalog warnings
    "W901": "unused billable metric",
    "W902": "product on no rate card",
    "W903": "FIXED product used by no contract",
    "W904": "overlapping contracts of one customer",
    "W905": "tag matches no product",
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
