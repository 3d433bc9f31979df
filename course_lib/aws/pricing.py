"""What a live cell costs: AWS public list prices as data, and an estimate from planned usage.

Prices are US East (N. Virginia) on-demand list prices, read from the AWS pricing pages
on the date in :data:`PRICES_CHECKED`. Free tiers are left out, so the estimate is an
upper bound for an account within them. Creating the resources the course uses is
free; only the requests, transitions and events they handle are billed.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.stepfunctions import pricing as _sfn

PRICES_CHECKED = "2026-11-26"
PRICES_REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    """The list price of one billed unit, and where it was read."""

    usd: float
    unit: str
    source: str


PRICES: dict[str, Price] = {
    # Step Functions prices live with the engine that bills them (same page, same date).
    **{key: Price(usd, unit, _sfn.PRICES_SOURCE) for key, (usd, unit) in _sfn.PRICES.items()},
    "eventbridge_custom_events": Price(
        1.00 / 1_000_000,
        "EventBridge custom event published (each 64 KB chunk)",
        "https://aws.amazon.com/eventbridge/pricing/",
    ),
    "eventbridge_archive_gb": Price(
        0.10,
        "GB of events processed into an EventBridge archive",
        "https://aws.amazon.com/eventbridge/pricing/",
    ),
    "sqs_standard_requests": Price(
        0.40 / 1_000_000,
        "SQS Standard request (each 64 KB chunk)",
        "https://aws.amazon.com/sqs/pricing/",
    ),
    "sqs_fifo_requests": Price(
        0.50 / 1_000_000,
        "SQS FIFO request (each 64 KB chunk)",
        "https://aws.amazon.com/sqs/pricing/",
    ),
    "dynamodb_write_request_units": Price(
        0.625 / 1_000_000,
        "DynamoDB on-demand write request unit",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    ),
    "dynamodb_read_request_units": Price(
        0.125 / 1_000_000,
        "DynamoDB on-demand read request unit",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
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
