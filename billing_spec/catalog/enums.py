"""Metronome's enumerations, spelled as its API spells them (catalogs may use any of the
three spellings `USAGE`, `usage`, `Usage`; `billing fmt` writes the upper-case one).

`TierMode` is ours: Metronome's TIERED is graduated only; VOLUME is a billing-spec extension.
"""

from __future__ import annotations

from enum import StrEnum


class AggregationType(StrEnum):
    COUNT = "COUNT"
    SUM = "SUM"
    MAX = "MAX"
    UNIQUE = "UNIQUE"
    LATEST = "LATEST"


class ProductType(StrEnum):
    USAGE = "USAGE"
    SUBSCRIPTION = "SUBSCRIPTION"
    FIXED = "FIXED"
    COMPOSITE = "COMPOSITE"


class SqlBreakdownGranularity(StrEnum):
    HOUR = "HOUR"
    SERVICE_PERIOD = "SERVICE_PERIOD"


class ConversionOperation(StrEnum):
    MULTIPLY = "MULTIPLY"
    DIVIDE = "DIVIDE"


class RoundingMethod(StrEnum):
    ROUND_UP = "ROUND_UP"
    ROUND_DOWN = "ROUND_DOWN"
    ROUND_HALF_UP = "ROUND_HALF_UP"


class RateType(StrEnum):
    FLAT = "FLAT"
    TIERED = "TIERED"
    PERCENTAGE = "PERCENTAGE"
    SUBSCRIPTION = "SUBSCRIPTION"


class TierMode(StrEnum):
    GRADUATED = "GRADUATED"
    VOLUME = "VOLUME"


class BillingFrequency(StrEnum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    ANNUAL = "ANNUAL"
    WEEKLY = "WEEKLY"


class StatementDay(StrEnum):
    FIRST_OF_MONTH = "FIRST_OF_MONTH"
    CONTRACT_START = "CONTRACT_START"
    CUSTOM_DATE = "CUSTOM_DATE"


class RecurringFrequency(StrEnum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMI_ANNUAL = "SEMI_ANNUAL"
    ANNUAL = "ANNUAL"


class AmountDistribution(StrEnum):
    DIVIDED = "DIVIDED"
    DIVIDED_ROUNDED = "DIVIDED_ROUNDED"
    EACH = "EACH"


class CommitType(StrEnum):
    PREPAID = "PREPAID"
    POSTPAID = "POSTPAID"


class CommitRateType(StrEnum):
    COMMIT_RATE = "COMMIT_RATE"
    LIST_RATE = "LIST_RATE"


class OverrideType(StrEnum):
    OVERWRITE = "OVERWRITE"
    MULTIPLIER = "MULTIPLIER"
    TIERED = "TIERED"


class OverridePrioritization(StrEnum):
    LOWEST_MULTIPLIER = "LOWEST_MULTIPLIER"
    EXPLICIT = "EXPLICIT"


class CollectionSchedule(StrEnum):
    ADVANCE = "ADVANCE"
    ARREARS = "ARREARS"


class ProrationBehavior(StrEnum):
    BILL_IMMEDIATELY = "BILL_IMMEDIATELY"
    BILL_ON_NEXT_COLLECTION_DATE = "BILL_ON_NEXT_COLLECTION_DATE"


class RecurringProration(StrEnum):
    """Which partial grants of a recurring commit or credit are prorated by time."""

    NONE = "NONE"
    FIRST = "FIRST"
    LAST = "LAST"
    FIRST_AND_LAST = "FIRST_AND_LAST"


class CommitDurationUnit(StrEnum):
    PERIODS = "PERIODS"


class QuantityManagementMode(StrEnum):
    QUANTITY_ONLY = "QUANTITY_ONLY"
    SEAT_BASED = "SEAT_BASED"


class ScheduledChargesOnUsageInvoices(StrEnum):
    ALL = "ALL"


class RelativeDateUnit(StrEnum):
    """The unit of a package's relative date (Metronome's package `starting_at_offset`,
    `duration`, `date_offset`)."""

    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"
