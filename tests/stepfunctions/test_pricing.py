"""Step Functions billing: transitions with retries, Standard and Express prices as data."""

from __future__ import annotations

import pytest

from course_lib.aws import PRICES as AWS_PRICES
from course_lib.exercises.lesson05 import BATCH_DEFINITION, BATCH_ORDER, batch_handlers
from course_lib.stepfunctions import execute, pricing

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


def flaky(failures):
    calls = {"n": 0}

    def handler(event, context):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError("down")
        return {"ok": True}

    return handler


RETRYING = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": FUNCTION + "t",
            "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_prices_are_data_with_a_source_and_a_date():
    assert pricing.PRICES["sfn_standard_transitions"][0] * 1_000 == pytest.approx(0.025)
    assert pricing.PRICES["sfn_express_requests"][0] * 1_000_000 == pytest.approx(1.00)
    assert pricing.PRICES["sfn_express_gb_seconds"][0] == pytest.approx(0.00001667)
    assert pricing.PRICES_SOURCE == "https://aws.amazon.com/step-functions/pricing/"
    assert pricing.PRICES_CHECKED in pricing.__doc__
    assert pricing.PRICES_SOURCE in pricing.__doc__


def test_the_aws_layer_reads_the_same_figures():
    for key, (usd, unit) in pricing.PRICES.items():
        assert AWS_PRICES[key].usd == usd
        assert AWS_PRICES[key].unit == unit
        assert AWS_PRICES[key].source == pricing.PRICES_SOURCE


def test_transitions_count_states_entered_and_retries():
    run = execute(RETRYING, {}, handlers={"t": flaky(2)})
    assert pricing.retries(run) == 2
    assert pricing.retries_by_state(run) == {"T": 2}
    assert [a["error"] for a in pricing.retry_attempts(run)] == ["ConnectionError"] * 2
    assert pricing.state_transitions(run) == 2 + 2
    assert pricing.state_transitions({"events": run.history}) == 4
    assert pricing.state_transitions(run.history) == 4
    clean = execute(RETRYING, {}, handlers={"t": flaky(0)})
    assert pricing.retries(clean) == 0 and pricing.state_transitions(clean) == 2


def test_retries_in_map_iterations_running_side_by_side():
    run = execute(BATCH_DEFINITION, BATCH_ORDER, handlers=batch_handlers())
    assert pricing.retries(run) == 2  # the diavola twice, not every later iteration
    pizzas = len(BATCH_ORDER["pizzas"])
    assert pricing.state_transitions(run) == 1 + 2 * pizzas + 1 + 2


def test_retries_by_rule_picks_the_first_matching_rule():
    state = {
        "Retry": [
            {"ErrorEquals": ["Busy"]},
            {"ErrorEquals": ["States.ALL"]},
        ]
    }
    attempts = [{"error": "Busy"}, {"error": "Other"}, {"error": "Busy"}, {"error": None}]
    assert pricing.retries_by_rule(state, attempts) == [2, 1]
    assert pricing.retries_by_rule({}, attempts) == []


def test_standard_and_express_costs():
    assert pricing.standard_cost(1_000) == pytest.approx(0.025)
    assert pricing.express_billed_gb_seconds(0.25, 64) == pytest.approx(0.3 * 64 / 1024)
    assert pricing.express_billed_gb_seconds(0.0, 100) == pytest.approx(0.1 * 128 / 1024)
    per_million = pricing.express_cost(1_000_000, 0.25, 64)
    assert per_million == pytest.approx(1.00 + 1_000_000 * 0.3 * 0.0625 * 0.00001667)
    with pytest.raises(ValueError, match="memory_mb"):
        pricing.express_billed_gb_seconds(1, 0)
