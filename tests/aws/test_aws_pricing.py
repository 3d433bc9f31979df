"""Prices are data with a date; estimates add them up and reject nonsense."""

import pytest

from course_lib.aws import pricing


def test_list_prices_as_read_on_the_pricing_pages():
    assert pricing.PRICES["sfn_standard_transitions"].usd * 1_000 == pytest.approx(0.025)
    assert pricing.PRICES["sfn_express_requests"].usd * 1_000_000 == pytest.approx(1.00)
    assert pricing.PRICES["eventbridge_custom_events"].usd * 1_000_000 == pytest.approx(1.00)
    assert pricing.PRICES["sqs_standard_requests"].usd * 1_000_000 == pytest.approx(0.40)
    assert all(
        price.source.startswith("https://aws.amazon.com/") for price in pricing.PRICES.values()
    )
    assert pricing.PRICES_CHECKED == "2026-11-26"


def test_estimate_adds_items_and_formats_small_amounts():
    estimate = pricing.estimate_cost(
        {"sfn_standard_transitions": 20, "eventbridge_custom_events": 4}
    )
    assert estimate.total_usd == pytest.approx(20 * 0.000025 + 4 * 0.000001)
    assert estimate.summary().startswith("$0.0005 for 4 x EventBridge custom event")
    assert pricing.estimate_cost({}).summary() == "$0"
    assert pricing.format_usd(0.00001) == "less than $0.0001"
    assert pricing.format_usd(1.25) == "$1.25"


def test_estimate_rejects_unknown_units_and_bad_counts():
    with pytest.raises(ValueError, match="unknown billed unit 'lambda'"):
        pricing.estimate_cost({"lambda": 1})
    with pytest.raises(ValueError, match="expected a count >= 0"):
        pricing.estimate_cost({"sqs_fifo_requests": -1})
