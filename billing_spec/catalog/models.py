"""The catalog's resources as pydantic models, in Metronome's vocabulary.

One model per Metronome object; field names are Metronome's, except that a reference names a
catalog ID rather than a remote UUID (`billable_metric` where Metronome has `billable_metric_id`,
`applicable_products` for `applicable_product_ids`). The attribute docstrings are the field
descriptions in the published JSON Schema. These models check shapes and types only; rules that
span fields or resources (an aggregation key must be a property filter, a rate's product must
exist) are semantic checks in `billing_spec.catalog.checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictStr

from billing_spec.catalog import enums as E
from billing_spec.catalog.types import (
    Amount,
    CreditTypeRef,
    DecimalPlaces,
    Id,
    Model,
    OffsetValue,
    PeriodCount,
    Ref,
    Timestamp,
    ci_enum,
)

Strings = tuple[StrictStr, ...]
NonEmptyStrings = Annotated[tuple[StrictStr, ...], Field(min_length=1)]
StringMap = dict[StrictStr, StrictStr]


class Lifecycle(Model):
    """Terraform-style lifecycle settings; not part of the resource's content or digest."""

    prevent_destroy: StrictBool = False
    """Refuse any plan that would delete or replace this resource."""


class Resource(Model):
    lifecycle: Lifecycle | None = None
    """Plan-time protections for this resource."""


# --- credit types ---------------------------------------------------------------------------


class CreditType(Resource):
    """A custom pricing unit (Metronome: pricing unit / custom credit type). USD cents is built in
    as `USD`."""

    name: StrictStr
    decimal_places: DecimalPlaces = 0
    """Decimal places a line item in this unit rounds to (extension; default: whole units)."""


# --- billable metrics -----------------------------------------------------------------------


class EventTypeFilter(Model):
    in_values: NonEmptyStrings | None = None
    """Only events whose event_type is one of these count."""
    not_in_values: NonEmptyStrings | None = None
    """Events whose event_type is one of these do not count."""


class PropertyFilter(Model):
    name: StrictStr
    """The event property this filter reads."""
    exists: StrictBool | None = None
    """true: the property must be present; false: it must be absent; omitted: not checked."""
    in_values: NonEmptyStrings | None = None
    """The property's value must be one of these."""
    not_in_values: NonEmptyStrings | None = None
    """The property's value must not be one of these."""


class BillableMetric(Resource):
    """How events aggregate into a quantity (Metronome billable metric). Immutable once applied."""

    name: StrictStr
    event_type_filter: EventTypeFilter | None = None
    property_filters: tuple[PropertyFilter, ...] = ()
    """All must pass (AND)."""
    aggregation_type: ci_enum(E.AggregationType) | None = None
    """COUNT, SUM, MAX, UNIQUE or LATEST."""
    aggregation_key: StrictStr | None = None
    """The property aggregated (not for COUNT); must be one of the property filter names."""
    group_keys: tuple[NonEmptyStrings, ...] = ()
    """Compound keys that slice usage; each property must also be a property filter."""
    sql: StrictStr | None = None
    """A SQL billable metric; excludes the aggregation fields."""
    custom_fields: StringMap = {}


# --- products -------------------------------------------------------------------------------


class QuantityConversion(Model):
    conversion_factor: Amount
    """Positive factor applied to the aggregated quantity."""
    operation: ci_enum(E.ConversionOperation)
    """MULTIPLY or DIVIDE."""
    name: StrictStr | None = None
    """Name of the converted unit, e.g. `GB`."""


class QuantityRounding(Model):
    decimal_places: DecimalPlaces
    """Places to round to; negative rounds to tens (-1), hundreds (-2), ..."""
    rounding_method: ci_enum(E.RoundingMethod)
    """ROUND_UP (toward +inf), ROUND_DOWN (toward -inf) or ROUND_HALF_UP (ties away from zero)."""


class Product(Resource):
    """What is sold (Metronome contract product). Products carry no prices."""

    name: StrictStr
    type: ci_enum(E.ProductType)
    """USAGE, SUBSCRIPTION, FIXED or COMPOSITE. Cannot change once applied."""
    billable_metric: Ref | None = None
    """USAGE: the billable metric that meters it."""
    pricing_group_key: Strings = ()
    """USAGE: properties whose values select a price (rates' pricing_group_values)."""
    presentation_group_key: Strings = ()
    """USAGE: properties whose values split invoice line items."""
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    sql_breakdown_granularity: ci_enum(E.SqlBreakdownGranularity) | None = None
    """USAGE, SQL metrics: SERVICE_PERIOD (the default) runs the query once per statement period
    and applies its usage at the period's last instant; HOUR runs it for each hour (Metronome
    recommends it), each hour's usage at the hour's last instant."""
    composite_products: tuple[Ref, ...] = ()
    """COMPOSITE: products whose spend the percentage applies to."""
    composite_tags: Strings = ()
    """COMPOSITE: tags of products whose spend the percentage applies to."""
    exclude_free_usage: StrictBool = False
    """COMPOSITE: leave products priced at zero out of the base."""
    tags: Strings = ()
    custom_fields: StringMap = {}


# --- rate cards -----------------------------------------------------------------------------


class Tier(Model):
    size: Amount | None = None
    """Units in this tier; the last tier has none (unbounded)."""
    price: Amount
    """Price per unit in this tier."""
    flat_price: Amount | None = None
    """Charged once when usage reaches this tier (billing-spec extension)."""


class CommitRate(Model):
    """The rate used when usage draws down a commit or credit with rate_type COMMIT_RATE."""

    rate_type: ci_enum(E.RateType)
    price: Amount | None = None
    tiers: tuple[Tier, ...] | None = None


class Rate(Model):
    """A list price for a product from `starting_at` (inclusive) to `ending_before` (exclusive)."""

    product: Ref
    pricing_group_values: StringMap | None = None
    """The product's pricing_group_key values this price applies to."""
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    entitled: StrictBool
    """Whether contracts on this card get the product by default."""
    rate_type: ci_enum(E.RateType)
    """FLAT, TIERED, PERCENTAGE (composite products) or SUBSCRIPTION."""
    price: Amount | None = None
    """In the credit type's base unit (USD: cents); PERCENTAGE: a fraction 0..1."""
    tier_mode: ci_enum(E.TierMode) | None = None
    """TIERED: GRADUATED (Metronome's meaning, the default) or VOLUME (extension)."""
    tiers: tuple[Tier, ...] | None = None
    """TIERED: the tiers, in order."""
    billing_frequency: ci_enum(E.BillingFrequency) | None = None
    """SUBSCRIPTION products: MONTHLY, QUARTERLY, ANNUAL or WEEKLY."""
    quantity: Amount | None = None
    """Default quantity of a SUBSCRIPTION rate."""
    is_prorated: StrictBool | None = None
    credit_type: CreditTypeRef | None = None
    """The credit type prices are in; defaults to the card's fiat credit type."""
    commit_rate: CommitRate | None = None


class CreditTypeConversion(Model):
    custom_credit_type: Ref
    fiat_per_custom_credit: Amount
    """Fiat base units (cents) per one custom credit."""


class RateCardAlias(Model):
    name: StrictStr
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None


class RateCard(Resource):
    """List prices over time (Metronome rate card). Rates are append-only once applied."""

    name: StrictStr
    description: StrictStr | None = None
    aliases: tuple[RateCardAlias, ...] = ()
    fiat_credit_type: CreditTypeRef | None = None
    """Defaults to USD (cents)."""
    credit_type_conversions: tuple[CreditTypeConversion, ...] = ()
    rates: tuple[Rate, ...] = ()
    """In invoice order: a product's first rate places it on the card."""
    custom_fields: StringMap = {}


# --- customers ------------------------------------------------------------------------------


class Customer(Resource):
    name: StrictStr
    ingest_aliases: Strings = ()
    """Identifiers usage events may carry in `customer_id` instead of the customer's ID."""
    custom_fields: StringMap = {}


# --- contracts ------------------------------------------------------------------------------


class UsageStatementSchedule(Model):
    frequency: ci_enum(E.BillingFrequency)
    """MONTHLY, QUARTERLY, ANNUAL or WEEKLY."""
    day: ci_enum(E.StatementDay) = E.StatementDay.FIRST_OF_MONTH
    """FIRST_OF_MONTH (default), CONTRACT_START or CUSTOM_DATE."""
    billing_anchor_date: Timestamp | None = None
    """Required with CUSTOM_DATE."""
    invoice_generation_starting_at: Timestamp | None = None


class ScheduleItem(Model):
    timestamp: Timestamp
    amount: Amount | None = None
    """Alone, the unit price with quantity 1."""
    unit_price: Amount | None = None
    quantity: Amount | None = None


class RecurringSchedule(Model):
    amount_distribution: ci_enum(E.AmountDistribution)
    frequency: ci_enum(E.RecurringFrequency)
    starting_at: Timestamp
    ending_before: Timestamp
    amount: Amount | None = None
    unit_price: Amount | None = None
    quantity: Amount | None = None


class PaymentSchedule(Model):
    """When and how much is invoiced: dated items or a recurring schedule."""

    credit_type: CreditTypeRef | None = None
    schedule_items: tuple[ScheduleItem, ...] = ()
    recurring_schedule: RecurringSchedule | None = None
    do_not_invoice: StrictBool = False


class AccessScheduleItem(Model):
    amount: Amount
    starting_at: Timestamp
    ending_before: Timestamp


class AccessSchedule(Model):
    """When a commit or credit can be drawn down, and how much."""

    credit_type: CreditTypeRef | None = None
    schedule_items: Annotated[tuple[AccessScheduleItem, ...], Field(min_length=1)]


class Specifier(Model):
    product: Ref | None = None
    product_tags: Strings | None = None
    """The product must have all of these tags."""
    pricing_group_values: StringMap | None = None
    presentation_group_values: StringMap | None = None


class _Balance(Model):
    """Fields common to commits and credits."""

    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    description: StrictStr | None = None
    access_schedule: AccessSchedule
    applicable_products: tuple[Ref, ...] | None = None
    applicable_product_tags: Strings | None = None
    specifiers: tuple[Specifier, ...] | None = None
    priority: Amount | None = None
    """Lower values are drawn down first."""
    rate_type: ci_enum(E.CommitRateType) | None = None


class Commit(_Balance):
    type: ci_enum(E.CommitType)
    """PREPAID or POSTPAID."""
    invoice_schedule: PaymentSchedule | None = None
    """PREPAID: optional (none = complimentary); POSTPAID: the true-up date."""
    rollover_fraction: Amount | None = None


class Credit(_Balance):
    """Free balance; drawn down like a prepaid commit."""


class AccessAmount(Model):
    """What each recurrence grants: `unit_price` x `quantity`."""

    credit_type: CreditTypeRef | None = None
    """Defaults to the rate card's fiat credit type."""
    unit_price: Amount
    """In the credit type's base unit (USD: cents); > 0."""
    quantity: Amount | None = None
    """Defaults to 1; > 0."""


class InvoiceAmount(Model):
    """What each recurrence of a recurring commit is invoiced: `unit_price` x `quantity`."""

    credit_type: CreditTypeRef | None = None
    """Defaults to the rate card's fiat credit type."""
    unit_price: Amount
    """In the credit type's base unit (USD: cents); > 0."""
    quantity: Amount | None = None
    """Defaults to 1; > 0."""


class CommitDuration(Model):
    """How long each grant can be drawn down, counted in recurrence periods."""

    value: PeriodCount
    """Whole recurrence periods, 1..1000: 1 = each grant expires when the next one starts."""
    unit: ci_enum(E.CommitDurationUnit) = E.CommitDurationUnit.PERIODS
    """PERIODS (the only unit)."""


class _RecurringBalance(Model):
    """Fields common to recurring commits and recurring credits (Metronome's RecurringCommit and
    RecurringCredit): a new grant every recurrence period from `starting_at`."""

    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    description: StrictStr | None = None
    access_amount: AccessAmount
    """The amount each recurrence grants."""
    commit_duration: CommitDuration | None = None
    """How long each grant can be drawn down; defaults to 1 period."""
    recurrence_frequency: ci_enum(E.BillingFrequency) | None = None
    """MONTHLY, QUARTERLY, ANNUAL or WEEKLY, counted from `starting_at`. Omitted: a grant per
    usage statement period, aligned to the contract's statement dates."""
    proration: ci_enum(E.RecurringProration) | None = None
    """NONE, FIRST, LAST or FIRST_AND_LAST (the default): which partial grants are prorated by
    time."""
    starting_at: Timestamp
    """When the first grant starts."""
    ending_before: Timestamp | None = None
    """No grant reaches past it; defaults to the contract's end."""
    applicable_products: tuple[Ref, ...] | None = None
    applicable_product_tags: Strings | None = None
    specifiers: tuple[Specifier, ...] | None = None
    priority: Amount | None = None
    """Lower values are drawn down first."""
    rate_type: ci_enum(E.CommitRateType) | None = None
    """COMMIT_RATE or LIST_RATE."""


class RecurringCommit(_RecurringBalance):
    """A commit granted anew every recurrence period (Metronome's recurring commit)."""

    invoice_amount: InvoiceAmount | None = None
    """What each recurrence is invoiced; omitted: complimentary."""


class RecurringCredit(_RecurringBalance):
    """A free balance granted anew every recurrence period (Metronome's recurring credit)."""


class OverwriteRate(Model):
    rate_type: ci_enum(E.RateType)
    price: Amount | None = None
    tiers: tuple[Tier, ...] | None = None
    quantity: Amount | None = None
    is_prorated: StrictBool | None = None
    credit_type: CreditTypeRef | None = None


class OverrideTier(Model):
    multiplier: Amount
    size: Amount | None = None


class OverrideSpecifier(Model):
    product: Ref | None = None
    product_tags: Strings | None = None
    pricing_group_values: StringMap | None = None
    presentation_group_values: StringMap | None = None
    billing_frequency: ci_enum(E.BillingFrequency) | None = None


class Override(Model):
    """A contract-specific change to the rate card's prices or entitlements."""

    product: Ref | None = None
    applicable_product_tags: Strings | None = None
    override_specifiers: tuple[OverrideSpecifier, ...] | None = None
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    type: ci_enum(E.OverrideType) | None = None
    """OVERWRITE, MULTIPLIER or TIERED; may be left out when only `entitled` changes."""
    multiplier: Amount | None = None
    """MULTIPLIER: 0.9 is 10% off list."""
    overwrite_rate: OverwriteRate | None = None
    """OVERWRITE: the replacement rate."""
    tiers: tuple[OverrideTier, ...] | None = None
    """TIERED: multipliers per tier."""
    entitled: StrictBool | None = None
    priority: Amount | None = None


class ScheduledCharge(Model):
    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    schedule: PaymentSchedule


class SubscriptionRate(Model):
    product: Ref
    """A SUBSCRIPTION product with a rate on the contract's rate card."""
    billing_frequency: ci_enum(E.BillingFrequency)


class Proration(Model):
    is_prorated: StrictBool = True
    invoice_behavior: ci_enum(E.ProrationBehavior) | None = None


class QuantityUpdate(Model):
    """A change of a subscription's quantity from `starting_at` on (Metronome's contract edit
    `quantity_updates`): a new `quantity`, or a `quantity_delta` added to the one before."""

    starting_at: Timestamp
    """Inside the subscription's term."""
    quantity: Amount | None = None
    """The new quantity; >= 0."""
    quantity_delta: Amount | None = None
    """Added to the quantity in force (negative for a decrease)."""


class SeatConfig(Model):
    """The seats of a SEAT_BASED subscription at its start (Metronome's `seat_config`)."""

    initial_seat_ids: Strings
    """The seat IDs assigned at the start (may be empty); each once."""
    seat_group_key: StrictStr
    """The event property that names a usage event's seat (e.g. `user_id`)."""
    initial_unassigned_seats: Amount | None = None
    """Seats paid for but not yet assigned to an ID; >= 0, default 0."""


class SeatIdsUpdate(Model):
    """Seat IDs assigned (`add_seat_ids`) or unassigned (`remove_seat_ids`) from `starting_at`."""

    seat_ids: NonEmptyStrings
    starting_at: Timestamp
    """Inside the subscription's term."""


class UnassignedSeatsUpdate(Model):
    """Unassigned seats added or removed from `starting_at`."""

    quantity: Amount
    """How many; > 0."""
    starting_at: Timestamp
    """Inside the subscription's term."""


class SeatUpdates(Model):
    """Changes to a SEAT_BASED subscription's seats (Metronome's contract edit
    `update_subscriptions[].seat_updates`). At one instant, removals apply before additions."""

    add_seat_ids: tuple[SeatIdsUpdate, ...] = ()
    """Seat IDs assigned from `starting_at`; each fills an unassigned seat if there is one, else
    adds one to the quantity."""
    remove_seat_ids: tuple[SeatIdsUpdate, ...] = ()
    """Assigned seat IDs removed from `starting_at`; the quantity goes down by one each."""
    add_unassigned_seats: tuple[UnassignedSeatsUpdate, ...] = ()
    """Unassigned seats added from `starting_at`; the quantity goes up."""
    remove_unassigned_seats: tuple[UnassignedSeatsUpdate, ...] = ()
    """Unassigned seats removed from `starting_at`; the quantity goes down."""


_SEAT_BASED = ["SEAT_BASED", "seat_based", "Seat_based"]


class Subscription(Model):
    model_config = ConfigDict(
        **Model.model_config,
        json_schema_extra={  # initial_quantity is required unless SEAT_BASED, seat_config if so
            "if": {
                "properties": {"quantity_management_mode": {"enum": _SEAT_BASED}},
                "required": ["quantity_management_mode"],
            },
            "then": {"required": ["seat_config"]},
            "else": {"required": ["initial_quantity"]},
        },
    )

    subscription_rate: SubscriptionRate
    initial_quantity: Amount | None = None
    """Units (seats) at the start: required in the default QUANTITY_ONLY mode, not given in
    SEAT_BASED (the seats are the quantity)."""
    quantity_updates: tuple[QuantityUpdate, ...] = ()
    """Quantity changes, applied in order of `starting_at` (QUANTITY_ONLY)."""
    quantity_management_mode: ci_enum(E.QuantityManagementMode) | None = None
    """QUANTITY_ONLY (the default) or SEAT_BASED: the quantity is the assigned seat IDs plus the
    unassigned seats (`seat_config`, `seat_updates`)."""
    seat_config: SeatConfig | None = None
    """SEAT_BASED only, and required there."""
    seat_updates: SeatUpdates | None = None
    """SEAT_BASED only: seats assigned, removed, added or taken away over time."""
    collection_schedule: ci_enum(E.CollectionSchedule)
    """ADVANCE or ARREARS."""
    proration: Proration | None = None
    starting_at: Timestamp | None = None
    """Defaults to the contract's."""
    ending_before: Timestamp | None = None
    name: StrictStr | None = None
    description: StrictStr | None = None


# --- packages -------------------------------------------------------------------------------
#
# A package is a contract template (Metronome's package): a rate card (or alias) and contract
# terms whose dates are relative to the start of the contract provisioned from it. Each absolute
# timestamp of a contract term becomes a relative date, with Metronome's package field names:
# `starting_at` -> `starting_at_offset`, `ending_before` -> `duration` (counted from the term's own
# start), a schedule item's `timestamp` -> `date_offset`.


class RelativeDate(Model):
    """A length of time: DAYS, WEEKS, MONTHS or YEARS. MONTHS and YEARS are calendar months and
    years; the day of month is clamped to the month's last day (Jan 31 + 1 MONTHS = Feb 28)."""

    unit: ci_enum(E.RelativeDateUnit)
    """DAYS, WEEKS, MONTHS or YEARS."""
    value: OffsetValue
    """How many, 0..1000."""


class PackageScheduleItem(Model):
    date_offset: RelativeDate
    """When, relative to the contract's start (a contract's `timestamp`)."""
    amount: Amount | None = None
    """Alone, the unit price with quantity 1."""
    unit_price: Amount | None = None
    quantity: Amount | None = None


class PackageRecurringSchedule(Model):
    amount_distribution: ci_enum(E.AmountDistribution)
    frequency: ci_enum(E.RecurringFrequency)
    starting_at_offset: RelativeDate
    """The first charge, relative to the contract's start."""
    duration: RelativeDate
    """How long the schedule runs from its start (a contract's `ending_before`)."""
    amount: Amount | None = None
    unit_price: Amount | None = None
    quantity: Amount | None = None


class PackagePaymentSchedule(Model):
    """A payment schedule with dates relative to the contract's start."""

    credit_type: CreditTypeRef | None = None
    schedule_items: tuple[PackageScheduleItem, ...] = ()
    recurring_schedule: PackageRecurringSchedule | None = None
    do_not_invoice: StrictBool = False


class PackageAccessScheduleItem(Model):
    amount: Amount
    starting_at_offset: RelativeDate
    """When the window opens, relative to the contract's start."""
    duration: RelativeDate
    """How long the window stays open."""


class PackageAccessSchedule(Model):
    credit_type: CreditTypeRef | None = None
    schedule_items: Annotated[tuple[PackageAccessScheduleItem, ...], Field(min_length=1)]


class _PackageBalance(Model):
    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    description: StrictStr | None = None
    access_schedule: PackageAccessSchedule
    applicable_products: tuple[Ref, ...] | None = None
    applicable_product_tags: Strings | None = None
    specifiers: tuple[Specifier, ...] | None = None
    priority: Amount | None = None
    rate_type: ci_enum(E.CommitRateType) | None = None


class PackageCommit(_PackageBalance):
    type: ci_enum(E.CommitType)
    """PREPAID or POSTPAID."""
    invoice_schedule: PackagePaymentSchedule | None = None
    rollover_fraction: Amount | None = None


class PackageCredit(_PackageBalance):
    """A credit with dates relative to the contract's start."""


class _PackageRecurringBalance(Model):
    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    description: StrictStr | None = None
    access_amount: AccessAmount
    commit_duration: CommitDuration | None = None
    recurrence_frequency: ci_enum(E.BillingFrequency) | None = None
    proration: ci_enum(E.RecurringProration) | None = None
    starting_at_offset: RelativeDate
    """When the first grant starts, relative to the contract's start."""
    duration: RelativeDate | None = None
    """How long grants recur from their start; defaults to the contract's end."""
    applicable_products: tuple[Ref, ...] | None = None
    applicable_product_tags: Strings | None = None
    specifiers: tuple[Specifier, ...] | None = None
    priority: Amount | None = None
    rate_type: ci_enum(E.CommitRateType) | None = None


class PackageRecurringCommit(_PackageRecurringBalance):
    invoice_amount: InvoiceAmount | None = None


class PackageRecurringCredit(_PackageRecurringBalance):
    """A recurring credit with dates relative to the contract's start."""


class PackageOverride(Model):
    """An override with dates relative to the contract's start."""

    product: Ref | None = None
    applicable_product_tags: Strings | None = None
    override_specifiers: tuple[OverrideSpecifier, ...] | None = None
    starting_at_offset: RelativeDate
    """When the override starts, relative to the contract's start."""
    duration: RelativeDate | None = None
    """How long it lasts from its start; none: to the contract's end."""
    type: ci_enum(E.OverrideType) | None = None
    multiplier: Amount | None = None
    overwrite_rate: OverwriteRate | None = None
    tiers: tuple[OverrideTier, ...] | None = None
    entitled: StrictBool | None = None
    priority: Amount | None = None


class PackageScheduledCharge(Model):
    product: Ref
    """A FIXED product."""
    name: StrictStr | None = None
    schedule: PackagePaymentSchedule


class PackageSubscription(Model):
    subscription_rate: SubscriptionRate
    initial_quantity: Amount
    quantity_management_mode: ci_enum(E.QuantityManagementMode) | None = None
    collection_schedule: ci_enum(E.CollectionSchedule)
    proration: Proration | None = None
    starting_at_offset: RelativeDate | None = None
    """Relative to the contract's start; defaults to the contract's start."""
    duration: RelativeDate | None = None
    """How long from its start; defaults to the contract's end."""
    name: StrictStr | None = None
    description: StrictStr | None = None


class PackageUsageStatementSchedule(Model):
    frequency: ci_enum(E.BillingFrequency)
    """MONTHLY, QUARTERLY, ANNUAL or WEEKLY."""
    day: ci_enum(E.StatementDay) = E.StatementDay.FIRST_OF_MONTH
    """FIRST_OF_MONTH (default) or CONTRACT_START."""


class Package(Resource):
    """A contract template (Metronome package): a rate card and contract terms dated relative to
    the start of each contract that names it (`package:`). Compiling expands it into every such
    contract."""

    name: StrictStr
    rate_card: Ref | None = None
    """Exactly one of `rate_card` and `rate_card_alias`."""
    rate_card_alias: StrictStr | None = None
    """Resolved at each contract's start."""
    duration: RelativeDate | None = None
    """The contract's length: its `ending_before` when the contract gives none."""
    usage_statement_schedule: PackageUsageStatementSchedule | None = None
    overrides: tuple[PackageOverride, ...] = ()
    commits: tuple[PackageCommit, ...] = ()
    credits: tuple[PackageCredit, ...] = ()
    recurring_commits: tuple[PackageRecurringCommit, ...] = ()
    recurring_credits: tuple[PackageRecurringCredit, ...] = ()
    scheduled_charges: tuple[PackageScheduledCharge, ...] = ()
    subscriptions: tuple[PackageSubscription, ...] = ()
    multiplier_override_prioritization: ci_enum(E.OverridePrioritization) | None = None
    scheduled_charges_on_usage_invoices: ci_enum(E.ScheduledChargesOnUsageInvoices) | None = None
    net_payment_terms_days: Amount | None = None


class Contract(Resource):
    """A customer on a rate card, with its overrides, commits, credits, charges, subscriptions."""

    customer: Ref
    rate_card: Ref | None = None
    """Cannot change once applied. Give exactly one of `rate_card`, `rate_card_alias` and
    `package`."""
    rate_card_alias: StrictStr | None = None
    """A rate card alias, resolved at the contract's `starting_at` to the card whose alias entry of
    that name is in force then."""
    package: Ref | None = None
    """A package whose rate card and terms the contract takes; with a package the contract gives
    only `customer`, `starting_at`, `ending_before`, `name` and `custom_fields`."""
    name: StrictStr | None = None
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    usage_statement_schedule: UsageStatementSchedule | None = None
    """Defaults to MONTHLY on the FIRST_OF_MONTH. Cannot change once applied."""
    overrides: tuple[Override, ...] = ()
    commits: tuple[Commit, ...] = ()
    credits: tuple[Credit, ...] = ()
    recurring_commits: tuple[RecurringCommit, ...] = ()
    """Commits granted anew every recurrence period."""
    recurring_credits: tuple[RecurringCredit, ...] = ()
    """Credits granted anew every recurrence period."""
    scheduled_charges: tuple[ScheduledCharge, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    multiplier_override_prioritization: ci_enum(E.OverridePrioritization) | None = None
    scheduled_charges_on_usage_invoices: ci_enum(E.ScheduledChargesOnUsageInvoices) | None = None
    net_payment_terms_days: Amount | None = None
    custom_fields: StringMap = {}


class Moved(Model):
    """A rename: the resource at `from` is now at `to`, without delete and create."""

    from_: StrictStr = Field(alias="from")
    to: StrictStr


# Section name -> model, in dependency order (see billing_spec.addresses.SECTIONS).
SECTION_MODELS: dict[str, type[Resource]] = {
    "credit_types": CreditType,
    "billable_metrics": BillableMetric,
    "products": Product,
    "rate_cards": RateCard,
    "packages": Package,
    "customers": Customer,
    "contracts": Contract,
}


def _section_schema(schema: dict[str, Any]) -> None:
    """A section in the JSON Schema as `validate` reads it: a key that is not an ID is refused
    (E105), and a section left empty (`products:`, every resource commented out) is fine."""
    schema["additionalProperties"] = False
    schema["type"] = ["object", "null"]


def _list_or_empty(schema: dict[str, Any]) -> None:
    schema["type"] = ["array", "null"]


def _section() -> Any:
    return Field(default={}, json_schema_extra=_section_schema)


class CatalogFile(Model):
    """One catalog file. Every section maps resource IDs to definitions."""

    version: Literal[1]
    """The catalog schema version: 1."""
    credit_types: dict[Id, CreditType] = _section()
    billable_metrics: dict[Id, BillableMetric] = _section()
    products: dict[Id, Product] = _section()
    rate_cards: dict[Id, RateCard] = _section()
    packages: dict[Id, Package] = _section()
    customers: dict[Id, Customer] = _section()
    contracts: dict[Id, Contract] = _section()
    moved: tuple[Moved, ...] = Field(default=(), json_schema_extra=_list_or_empty)
    """Renames of resources, Terraform's `moved` blocks."""
