"""The registry of diagnostic codes: one stable code per kind of mistake, with its title.

Codes are part of the user-facing contract (CI scripts grep for them, fixtures mark them inline),
so a code is never reused for a different mistake. `RANGES` names what each range is for; the
README's "Error codes" section is `markdown()` verbatim (a test holds it to that; run
`python -m billing_spec.codes` to print it).
"""

from __future__ import annotations

# first code of a range -> what the range is about (a range runs to the next one's start)
RANGES: dict[str, str] = {
    "E000": "Reading files: encoding, YAML syntax, tags, duplicate keys, the `version` line; `fmt`",
    "E100": "The schema: unknown or missing fields, wrong types, bad values, IDs, timestamps",
    "E200": "References and identity across files; `moved`",
    "E300": "Billable metrics",
    "E400": "Products",
    "E500": "Rate cards and rates",
    "E600": "Customers and contracts",
    "E700": "Usage events, evaluation and rendering invoices",
    "E800": "State, plans and apply",
    "W900": "Warnings about the catalog (`validate` still exits 0)",
    "W950": "Warnings about events and evaluation (`invoice` exits 0 unless `--strict`)",
    "W980": "Warnings from plan and apply",
}

CODES: dict[str, str] = {
    # Reading files: encoding, YAML syntax, tags, duplicate keys, the `version` line; `fmt`
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
    "E015": "invalid project configuration (`billing.toml`, `[tool.billing-spec]`)",
    # The schema: unknown or missing fields, wrong types, bad values, IDs, timestamps
    "E101": "unknown field",
    "E102": "missing required field",
    "E103": "wrong type",
    "E104": "invalid value",
    "E105": "invalid resource ID",
    "E106": "invalid timestamp",
    # References and identity across files; `moved`
    "E201": "unknown reference",
    "E202": "resource ID defined twice",
    "E203": "invalid `moved` address",
    "E204": "`moved` between resource types",
    "E205": "`moved` target is not defined",
    "E206": "`moved` source is still defined",
    "E207": "address moved twice",
    # Billable metrics
    "E301": "metric needs `sql` or `aggregation_type`",
    "E302": "`sql` metric with aggregation fields",
    "E303": "missing `aggregation_key`",
    "E304": "`aggregation_key` on a COUNT metric",
    "E305": "`aggregation_key` is not a property filter",
    "E306": "group key is not a property filter",
    "E307": "duplicate group key",
    "E308": "contradictory property filter",
    "E309": "SQL metric query does not parse",
    # Products
    "E401": "USAGE product without a billable metric",
    "E402": "billable metric on a product that is not USAGE",
    "E403": "USAGE-only field on another product type",
    "E404": "group keys do not match a metric group key",
    "E405": "COMPOSITE product without composite products or tags",
    "E406": "COMPOSITE-only field on another product type",
    "E407": "conversion factor not positive",
    "E408": "composite product includes a product that is not USAGE",
    # Rate cards and rates
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
    # Customers and contracts
    "E601": "contract term ends before it starts",
    "E602": "CUSTOM_DATE statement schedule without `billing_anchor_date`",
    "E603": "`billing_anchor_date` without CUSTOM_DATE",
    "E604": "product is not on the contract's rate card",
    "E605": "override fields do not match its type",
    "E606": "negative multiplier",
    "E607": "override priority missing or not positive",
    "E608": "TIERED override without EXPLICIT prioritization",
    "E609": "override must target exactly one of product, tags, specifiers",
    "E610": "commit, credit (also recurring) or scheduled charge on a product that is not FIXED",
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
    "E622": "quantity update needs exactly one of `quantity` and `quantity_delta`",
    "E623": "quantity update outside the subscription's term",
    "E624": "subscription quantity becomes negative",
    "E625": "SEAT_BASED subscription without `seat_config`",
    "E626": "OVERWRITE override targeted by product tags",
    "E627": "rate card not given exactly one way (`rate_card`, `rate_card_alias`, `package`)",
    "E628": "rate card alias not in force on exactly one rate card at the contract's start",
    "E629": "contract field not allowed with a package",
    "E630": "subscription field does not apply to its `quantity_management_mode`",
    "E631": "seat update outside the subscription's term",
    "E632": "seat ID assigned twice",
    "E633": "removed seat ID is not assigned",
    "E634": "unassigned seats become negative",
    "E635": "unassigned seat update quantity not positive",
    # Usage events, evaluation and rendering invoices
    "E701": "events path cannot be read",
    "E702": "events file is corrupt (not a complete gzip stream)",
    "E703": "invalid --through timestamp",
    "E704": "unknown customer",
    "E705": "unknown aggregation engine",
    "E707": "a quantity or amount beyond 50 significant digits",
    "E708": "Parquet or CSV events file not in the event columns' mapping",
    "E790": "templates directory not found",
    "E791": "template not found",
    "E792": "template cannot be parsed",
    "E793": "template failed while rendering",
    "E794": "invoice document not in the expected shape",
    "E795": "unknown invoice format",
    # State, plans and apply
    "E801": "state file is corrupt or unreadable",
    "E802": "state file is from a newer billing-spec",
    "E803": "state is locked",
    "E804": "lock ID does not match (force-unlock)",
    "E805": "saved plan is stale",
    "E806": "saved plan is for another state",
    "E807": "plan file is damaged",
    "E808": "plan file format not supported",
    "E809": "plan has errors",
    "E810": "retroactive rate or contract-term change",
    "E811": "prevent_destroy forbids destroying a resource",
    "E812": "resource is still referenced",
    "E814": "`moved` target already exists",
    "E815": "apply not approved",
    "E816": "options not allowed with a saved plan",
    "E817": "provider failed during apply",
    "E818": "address not in the state, or no state at the path",
    "E819": "cannot write the state or plan file",
    "E820": "invoice increase above --fail-on-increase-pct",
    "E821": "--impact events from standard input",
    "E822": "invoice decrease above --fail-on-decrease-pct",
    "E823": "invoice increase above --fail-on-increase",
    "E824": "invoice decrease above --fail-on-decrease",
    "E840": "the Metronome provider cannot express or make this change",
    "E841": "import would overwrite a catalog or a state",
    # Warnings about the catalog (`validate` exits 0)
    "W901": "unused billable metric",
    "W902": "product on no rate card",
    "W903": "FIXED product used by no contract",
    "W904": "overlapping contracts of one customer",
    "W905": "tag matches no product",
    "W906": "catalog file is not a regular file (a FIFO, a device): skipped",
    # Warnings about events and evaluation (`invoice` exits 0 unless `--strict`)
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
    "W962": "contract terms not evaluated yet",
    "W963": "event file is not a regular file (a FIFO, a device): skipped",
    "W968": "event older than Metronome's 34-day backdating window",
    # Warnings from plan and apply
    "W980": "retroactive change allowed",
    "W981": "the last apply did not finish",
    "W982": "a replaced metric's products move to the new one",
    "W983": "the Metronome refresh does not read contract terms",
    "W984": "a contract is replaced in Metronome: the new one first, then the old one archived",
}


def title(code: str) -> str:
    return CODES.get(code, "")


def _order(code: str) -> tuple[bool, str]:
    return (code[0] == "W", code)


def range_of(code: str) -> str:
    """The first code of the range `code` belongs to (a key of `RANGES`)."""
    return max((start for start in RANGES if start[0] == code[0] and start <= code), default="")


def markdown() -> str:
    """One table per range, every code in order: the README's "Error codes" tables."""
    out: list[str] = []
    current = None
    for code in sorted(CODES, key=_order):
        start = range_of(code)
        if start != current:
            current = start
            following = [s for s in sorted(RANGES, key=_order) if _order(s) > _order(start)]
            same = following and following[0][0] == start[0]
            last = (int(following[0][1:]) if same else 1000) - 1
            span = f"{start}–{start[0]}{last:03d}"
            out += ["", f"**{span}** — {RANGES[start]}.", "", "| code | meaning |", "|---|---|"]
        out.append(f"| {code} | {CODES[code].replace('|', chr(92) + '|')} |")
    return "\n".join(out[1:]) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
