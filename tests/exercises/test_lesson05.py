"""Lesson 05's checks accept the solutions (and equivalent answers) and hint at typical
mistakes; the billing helpers count transitions and price them as AWS does."""

import copy

import pytest

from course_lib import exercises
from course_lib.exercises import lesson05
from course_lib.sim import World
from course_lib.stepfunctions import execute


def verdict(exercise_id, answer):
    return exercises.evaluate(exercise_id, answer)


def assert_passes(exercise_id, answer):
    result = verdict(exercise_id, answer)
    assert result.passed, result.message


def assert_hint(exercise_id, answer, hint):
    result = verdict(exercise_id, answer)
    assert not result.passed
    assert hint in result.message, result.message


IDS = ["05.1", "05.2", "05.3", "05.4", "05.5", "05.6"]


def test_every_exercise_is_registered():
    assert [ex.id for ex in exercises.registered("05")] == IDS


@pytest.mark.parametrize("exercise_id", IDS)
def test_stubs_are_not_answers(exercise_id):
    assert "not answered yet" in verdict(exercise_id, ...).message


@pytest.mark.parametrize(
    ("exercise_id", "stub", "still_open"),
    [
        (
            "05.4",
            {"max_inline": ..., "child_type": "STANDARD", "nightly_usd": ...},
            "max_inline, nightly_usd",
        ),
        ("05.5", {"a": ..., "b": ..., "c": ..., "d": ...}, "a, b, c, d"),
        ("05.3", {"state": "PriceDelivery", "field": ..., "value": ...}, "field, value"),
    ],
)
def test_half_filled_stub_dicts_get_a_hint(exercise_id, stub, still_open):
    assert_hint(exercise_id, stub, f"still open: {still_open}")


# -- billing helpers ---------------------------------------------------------------------------


def test_transitions_count_states_entered_and_retries():
    calls = {"n": 0}

    def flaky(event, context):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ConnectionError("down")
        return {}

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [{"ErrorEquals": ["ConnectionError"], "MaxAttempts": 3}],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    run = execute(definition, {}, handlers={"flaky": flaky})
    assert lesson05.retries(run) == 2
    assert lesson05.state_transitions(run) == 4
    assert lesson05.state_transitions({"events": run.history}) == 4
    assert lesson05.state_transitions(run.history) == 4


def test_transitions_inside_a_map_and_a_batch():
    run = execute(
        lesson05.BATCH_DEFINITION, lesson05.BATCH_ORDER, handlers=lesson05.batch_handlers()
    )
    pizzas = len(lesson05.BATCH_ORDER["pizzas"])
    assert lesson05.retries(run) == 2
    assert lesson05.state_transitions(run) == 1 + 2 * pizzas + 2 + 1


def test_prices():
    assert lesson05.standard_cost(1000) == pytest.approx(0.025)
    assert lesson05.express_billed_gb_seconds(0.25, 64) == pytest.approx(0.3 / 16)
    assert lesson05.express_billed_gb_seconds(0.3, 65) == pytest.approx(0.3 * 128 / 1024)
    assert lesson05.express_billed_gb_seconds(0.0, 64) == pytest.approx(0.1 / 16)
    assert lesson05.express_cost(1_000_000, 1.0, 1024) == pytest.approx(1.0 + 16.67)
    with pytest.raises(ValueError):
        lesson05.express_billed_gb_seconds(-1, 64)


# -- 05.1 delivery choices -----------------------------------------------------------------------

DELIVERY = [
    {"Condition": "{% $states.input.method = 'pickup' %}", "Next": "Counter"},
    {"Condition": "{% $states.input.distance_km <= 3 %}", "Next": "Bike"},
]


def test_delivery_solution_and_equivalents():
    assert_passes("05.1", DELIVERY)
    assert_passes("05.1", {"Choices": DELIVERY})
    guarded = [
        {
            "Condition": "{% $exists($states.input.distance_km) and $states.input.method != 'pickup'"
            " and $states.input.distance_km <= 3 %}",
            "Next": "Bike",
        },
        {"Condition": "{% $states.input.method = 'pickup' %}", "Next": "Counter"},
    ]
    assert_passes("05.1", guarded)


def test_delivery_typical_mistakes():
    assert_hint("05.1", DELIVERY[::-1], "think about the order of your rules")
    strict = [DELIVERY[0], {**DELIVERY[1], "Condition": "{% $states.input.distance_km < 3 %}"}]
    assert_hint("05.1", strict, "a delivery exactly 3 km away went to Van")
    assert_hint("05.1", [DELIVERY[1]], '"Counter" is not reachable')
    assert_hint("05.1", [{**DELIVERY[0], "Next": "Counterr"}, DELIVERY[1]], "AWS would refuse")
    jsonpath = [{"Variable": "$.method", "StringEquals": "pickup", "Next": "Counter"}, DELIVERY[1]]
    assert_hint("05.1", jsonpath, "write each rule in JSONata")
    assert_hint("05.1", "pickup", "list of Choice rules")
    assert_hint("05.1", [...], "replace every `...`")


def test_route_reports_where_an_order_goes():
    assert lesson05.route(DELIVERY, {"method": "delivery", "distance_km": 9}) == "Van"
    assert lesson05.route(DELIVERY[::-1], {"method": "pickup"}).startswith(
        "States.QueryEvaluationError"
    )
    jsonpath = [
        {"Variable": "$.method", "StringEquals": "pickup", "Next": "Counter"},
        {"Variable": "$.distance_km", "NumericLessThanEquals": 3, "Next": "Bike"},
    ]
    assert lesson05.route(jsonpath, {"method": "delivery", "distance_km": 1}) == "Bike"


# -- 05.2 oven retry -----------------------------------------------------------------------------

RETRY = [{"ErrorEquals": ["OvenBusy"], "IntervalSeconds": 2, "MaxAttempts": 4, "BackoffRate": 2.0}]


def test_oven_solution_and_equivalents():
    assert_passes("05.2", RETRY)
    assert_passes("05.2", RETRY[0])
    assert_passes(
        "05.2",
        [
            {
                "ErrorEquals": ["OvenBusy"],
                "IntervalSeconds": 1,
                "MaxAttempts": 10,
                "BackoffRate": 1.5,
                "MaxDelaySeconds": 5,
            }
        ],
    )
    assert_passes("05.2", [{**RETRY[0], "IntervalSeconds": 3, "JitterStrategy": "FULL"}])


def test_oven_typical_mistakes():
    assert_hint(
        "05.2", [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 4}], "out of dough was tried again"
    )
    assert_hint("05.2", [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 4}], "out of dough")
    assert_hint("05.2", [{"ErrorEquals": ["OvenBusy"]}], "busy for 4 attempts")
    assert_hint("05.2", [{**RETRY[0], "IntervalSeconds": 10}], "keep it within 60 s")
    assert_hint("05.2", [{"ErrorEquals": ["OvenBusy"], "MaxAttempts": -1}], "AWS would refuse")
    assert_hint("05.2", "OvenBusy", "the Retry field")


def test_try_oven_reports_attempts_and_time():
    assert lesson05.try_oven(RETRY, busy=2) == {
        "status": "SUCCEEDED",
        "error": None,
        "attempts": 3,
        "seconds": pytest.approx(9.0),  # three 1 s attempts (failed ones take their time too)
    }
    assert lesson05.try_oven(RETRY, out_of_dough=True)["attempts"] == 1


# -- 05.3 diagnose the receipt workflow ---------------------------------------------------------

FIX = {"state": "PriceDelivery", "field": "ResultPath", "value": "$.delivery"}


def test_the_receipt_workflow_fails_where_the_lesson_says():
    run = execute(
        lesson05.RECEIPT_DEFINITION, lesson05.RECEIPT_ORDER, handlers=lesson05.receipt_handlers()
    )
    assert (run.status, run.error) == ("FAILED", "States.Runtime")
    assert run.states_entered[-1] == "TakePayment"
    fixed = execute(
        lesson05.receipt_fixed(FIX), lesson05.RECEIPT_ORDER, handlers=lesson05.receipt_handlers()
    )
    assert fixed.output == {"orderId": "1073", "paidCents": 3450}


def test_receipt_solution_and_typical_mistakes():
    assert_passes("05.3", FIX)
    assert_hint("05.3", {**FIX, "state": "TakePayment"}, "where the error surfaced")
    assert_hint("05.3", {**FIX, "state": "ValidateOrder"}, "look at a later state")
    assert_hint("05.3", {**FIX, "state": "Bake"}, "there is no state")
    assert_hint("05.3", {**FIX, "field": "OutputPath"}, "which of the five fields")
    assert_hint("05.3", {**FIX, "value": "$.price"}, "where does it look for the delivery price")
    assert_hint("05.3", {**FIX, "value": None}, "where does it look for the delivery price")
    assert_hint("05.3", {"state": "PriceDelivery"}, "one change")
    assert_hint("05.3", {**FIX, "state": ["PriceDelivery"]}, "there is no state")


# -- 05.4 inline or distributed ------------------------------------------------------------------


def test_nightly_batch_reports_events_usage_and_cost():
    small = lesson05.nightly_batch(5)
    assert small["status"] == "SUCCEEDED" and small["events"] == 8 + 9 * 5
    assert small["usage"]["sfn_standard_transitions"] == 1 + 2 * 5 + 1
    express = lesson05.nightly_batch(10, "DISTRIBUTED", "EXPRESS")
    assert express["events"] == 8  # the children keep histories of their own
    assert express["usage"]["sfn_express_requests"] == 10
    assert express["usage"]["sfn_express_gb_seconds"] == pytest.approx(10 * 240 * 64 / 1024)
    standard = lesson05.nightly_batch(10, "DISTRIBUTED", "STANDARD")
    assert standard["usage"]["sfn_standard_transitions"] == 2 + 10 * 3
    assert standard["usd"] < express["usd"]
    with pytest.raises(ValueError):
        lesson05.nightly_batch(10, "SIDEWAYS")
    with pytest.raises(ValueError):
        lesson05.nightly_batch(0)


def test_the_inline_limit_is_where_the_quota_stops_the_batch():
    limit = lesson05.inline_limit()
    assert limit == (25_000 - 8) // 9
    assert lesson05.nightly_batch(limit + 1)["error"] == "States.Runtime"


def test_nightly_solution_and_typical_mistakes():
    usd = lesson05.nightly_batch(lesson05.NIGHTLY_PIZZAS, "DISTRIBUTED", "STANDARD")["usd"]
    answer = {"max_inline": 2776, "child_type": "STANDARD", "nightly_usd": usd}
    assert_passes("05.4", answer)
    assert_passes("05.4", {**answer, "max_inline": 2770, "child_type": "standard"})
    assert_hint("05.4", {**answer, "max_inline": 6000}, "do not fit")
    assert_hint("05.4", {**answer, "max_inline": 2000}, "more pizzas fit")
    assert_hint("05.4", {**answer, "child_type": "EXPRESS"}, "compare")
    assert_hint("05.4", {**answer, "child_type": "LAMBDA"}, '"STANDARD" or "EXPRESS"')
    assert_hint("05.4", {**answer, "nightly_usd": usd * 3}, "the child type is right")
    assert_hint("05.4", {**answer, "nightly_usd": "0.45"}, "numbers")
    assert_hint("05.4", {"max_inline": 2776}, "three keys")
    assert_hint("05.4", {**answer, "max_inline": float("nan")}, "fit")
    assert_hint("05.4", {**answer, "max_inline": True}, "numbers")
    assert_hint("05.4", {**answer, "nightly_usd": float("nan")}, "the child type is right")


# -- billing of a Distributed Map ----------------------------------------------------------------


def test_a_distributed_map_bills_its_children_by_their_type():
    import json

    from course_lib.events import data_dir

    definition = json.loads((data_dir() / "statemachines" / "map_fan_out.asl.json").read_text())
    order = {"orderId": "1", "pizzas": ["margherita", "diavola", "burnt", "funghi", "marinara"]}
    run = execute(definition, order)
    usage = lesson05.billed_usage(run, definition)
    assert usage == {
        "sfn_standard_transitions": 1 + 5,
        "sfn_express_requests": 5,
        "sfn_express_gb_seconds": pytest.approx(5 * 240 * 64 / 1024),
    }
    assert lesson05.state_transitions(run, definition) == 6
    assert lesson05.state_transitions(run) == 16  # without the definition: all as inline
    assert lesson05.usage_cost(usage) == pytest.approx(6 * 0.000025 + 5 * 1e-6 + 75 * 0.00001667)
    with pytest.raises(ValueError, match="unknown billed unit"):
        lesson05.usage_cost({"lambda": 1})


# -- 05.5 workflow types -------------------------------------------------------------------------


def test_types_solution_and_mistakes():
    assert_passes("05.5", {"a": "STANDARD", "b": "EXPRESS", "c": "STANDARD", "d": "EXPRESS"})
    assert_passes("05.5", {"A": "standard", "b": " Express", "c": "Standard", "d": "express"})
    assert_hint("05.5", {"a": "EXPRESS", "b": "EXPRESS", "c": "STANDARD", "d": "EXPRESS"}, "(a)")
    assert_hint("05.5", {"a": "STANDARD", "b": "STANDARD", "c": "STANDARD", "d": "EXPRESS"}, "(b)")
    assert_hint("05.5", {"a": "STANDARD", "b": "EXPRESS", "c": "STANDARD"}, "missing: d")
    assert_hint(
        "05.5",
        {"a": "SYNC", "b": "EXPRESS", "c": "STANDARD", "d": "EXPRESS"},
        '"STANDARD" or "EXPRESS"',
    )
    assert_hint("05.5", ["STANDARD"], "dict from letter")


def test_checks_do_not_mutate_answers():
    answer = copy.deepcopy(DELIVERY)
    verdict("05.1", answer)
    assert answer == DELIVERY
    retry = copy.deepcopy(RETRY)
    verdict("05.2", retry)
    assert retry == RETRY


def test_seeded_world_is_used():
    assert World(seed=5).rng("x").random() == World(seed=5).rng("x").random()


# -- 05.6 predict TestState's answer -------------------------------------------------------------

PREDICTIONS = {
    "a": {"status": "RETRIABLE", "nextState": None},
    "b": {"status": "CAUGHT_ERROR", "nextState": "AlertStaff"},
    "c": {"status": "CAUGHT_ERROR", "nextState": "RejectOrder"},
    "d": {"status": "CAUGHT_ERROR", "nextState": "AlertStaff"},
}


def test_predictions_solution_and_equivalents():
    assert_passes("05.6", PREDICTIONS)
    as_pairs = {k: (v["status"].lower(), v["nextState"] or "") for k, v in PREDICTIONS.items()}
    assert_passes("05.6", {k.upper(): v for k, v in as_pairs.items()})
    for letter, prediction in PREDICTIONS.items():
        answer = lesson05.payment_answer(letter)
        assert (answer["status"], answer.get("nextState")) == tuple(prediction.values())


@pytest.mark.parametrize(
    ("letter", "wrong", "hint"),
    [
        ("a", {"status": "FAILED", "nextState": None}, "(a)"),
        ("a", {"status": "RETRIABLE", "nextState": "TakePayment"}, "(a)"),
        ("b", {"status": "RETRIABLE", "nextState": None}, "used up its attempts"),
        ("b", {"status": "FAILED", "nextState": None}, "(b)"),
        ("c", {"status": "CAUGHT_ERROR", "nextState": "AlertStaff"}, "which catcher matches first"),
        ("d", {"status": "FAILED", "nextState": None}, "States.Timeout"),
    ],
)
def test_predictions_typical_mistakes(letter, wrong, hint):
    assert_hint("05.6", {**PREDICTIONS, letter: wrong}, hint)


def test_predictions_stubs_and_shapes():
    stub = {k: {"status": ..., "nextState": ...} for k in "abcd"}
    assert_hint("05.6", stub, "replace every `...`")
    assert_hint("05.6", {"a": PREDICTIONS["a"]}, "missing: b, c, d")
    assert_hint("05.6", {**PREDICTIONS, "a": "RETRIABLE"}, '{"status": ..., "nextState": ...}')
    assert_hint("05.6", {**PREDICTIONS, "a": {"status": "RETRY", "nextState": None}}, "one of")
    assert_hint("05.6", "RETRIABLE", "dict from letter")
