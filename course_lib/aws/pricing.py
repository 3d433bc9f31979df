"""What a live cell costs: AWS public list prices as data, and an estimate from planned usage.

Prices are US East (N. Virginia) on-demand list prices, read from the AWS pricing pages
on the date in :data:`PRICES_CHECKED`. Free tiers are left out, so the estimate is an
upper bound for an account within them. Creating the resources the course uses is
free; only the requests, transitions and events they handle are billed.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.facts import fact, source
from course_lib.stepfunctions import pricing as _sfn

PRICES_CHECKED = "2026-11-26"
PRICES_REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    """The list price of one billed unit, and where it was read."""

    usd: float
    unit: str
    source: str


def _per_million(fact_id: str, unit: str) -> Price:
    return Price(fact(fact_id) / 1_000_000, unit, source(fact_id))


PRICES: dict[str, Price] = {
    # Step Functions prices live with the engine that bills them (same page, same date).
    **{key: Price(usd, unit, _sfn.PRICES_SOURCE) for key, (usd, unit) in _sfn.PRICES.items()},
    "eventbridge_custom_events": _per_million(
        "eventbridge.pricing.custom_events_usd_per_million",
        "EventBridge custom event published (each 64 KB chunk)",
    ),
    "eventbridge_archive_gb": Price(
        fact("eventbridge.pricing.archive_usd_per_gb"),
        "GB of events processed into an EventBridge archive",
        source("eventbridge.pricing.archive_usd_per_gb"),
    ),
    "sqs_standard_requests": _per_million(
        "sqs.pricing.standard_usd_per_million", "SQS Standard request (each 64 KB chunk)"
    ),
    "sqs_fifo_requests": _per_million(
        "sqs.pricing.fifo_usd_per_million", "SQS FIFO request (each 64 KB chunk)"
    ),
    "dynamodb_write_request_units": Price(
        fact("dynamodb.pricing.write_request_unit_usd"),
        "DynamoDB on-demand write request unit",
        source("dynamodb.pricing.write_request_unit_usd"),
    ),
    "dynamodb_read_request_units": Price(
        fact("dynamodb.pricing.read_request_unit_usd"),
        "DynamoDB on-demand read request unit",
        source("dynamodb.pricing.read_request_unit_usd"),
    ),
}


@dataclass(frozen=True)
class CostEstimate:
    """The estimated cost of some usage, item by item, in US dollars."""

    total_usd: float
    items: tuple[tuple[str, float, float], ...]

    def summary(self) -> str:
        """One line such as ``$0.0005 for 20 x Step Functions Standard state transition``."""
        if not self.items:
            return "$0"
        parts = ", ".join(f"{count:g} x {PRICES[key].unit}" for key, count, _ in self.items)
        return f"{format_usd(self.total_usd)} for {parts}"


def format_usd(amount: float) -> str:
    """Dollars with enough digits to show a fraction of a cent: ``$0.0005``, ``$1.25``."""
    if amount == 0:
        return "$0"
    if amount < 0.0001:
        return "less than $0.0001"
    if amount < 0.01:
        return f"${amount:.4f}"
    return f"${amount:.2f}"


def estimate_cost(usage: dict[str, float] | None) -> CostEstimate:
    """Estimate the cost of ``usage``, a mapping from a :data:`PRICES` key to a count."""
    items = []
    for key, count in sorted((usage or {}).items()):
        if key not in PRICES:
            raise ValueError(
                f"usage: unknown billed unit {key!r}; use one of {', '.join(sorted(PRICES))}"
            )
        if not isinstance(count, int | float) or isinstance(count, bool) or count < 0:
            raise ValueError(f"usage[{key!r}]: expected a count >= 0, got {count!r}")
        items.append((key, float(count), float(count) * PRICES[key].usd))
    return CostEstimate(sum(cost for _, _, cost in items), tuple(items))
