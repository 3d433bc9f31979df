"""Lesson 05's checks accept the solutions (and equivalent answers) and hint at typical
mistakes; the billing helpers count transitions and price them as AWS does."""

import copy
import math

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


IDS = ["05.1", "05.2", "05.3", "05.4", "05.5", "05.6", "05.7"]


def test_every_exercise_is_registered():
    assert [ex.id for ex in exercises.registered("05")] == IDS


@pytest.mark.parametrize("exercise_id", IDS)
def test_stubs_are_not_answers(exercise_id):
    assert "not answered yet" in verdict(exercise_id, ...).message


@pytest.mark.parametrize(
    ("exercise_id", "stub", "still_open"),
    [
        ("05.4", {"transitions": ..., "monthly_usd": ...}, "monthly_usd, transitions"),
        ("05.5", {"a": ..., "b": ..., "c": ..., "d": ...}, "a, b, c, d"),
        ("05.3", {"label.$": ..., "pizzas.$": "States.ArrayLength($.order.items)"}, "label.$"),
        ("05.6", {"Parameters": ..., "ResultPath": ...}, "Parameters, ResultPath"),
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
    {"Variable": "$.method", "StringEquals": "pickup", "Next": "Counter"},
    {"Variable": "$.distance_km", "NumericLessThanEquals": 3, "Next": "Bike"},
]


def test_delivery_solution_and_equivalents():
    assert_passes("05.1", DELIVERY)
    assert_passes("05.1", {"Choices": DELIVERY})
    guarded = [
        DELIVERY[0],
        {
            "And": [
                {"Variable": "$.distance_km", "IsPresent": True},
                {"Not": {"Variable": "$.distance_km", "NumericGreaterThan": 3}},
            ],
            "Next": "Bike",
        },
    ]
    assert_passes("05.1", guarded)


def test_delivery_typical_mistakes():
    assert_hint("05.1", DELIVERY[::-1], "think about the order of your rules")
    strict = [DELIVERY[0], {**DELIVERY[1], "NumericLessThan": 3}]
    del strict[1]["NumericLessThanEquals"]
    assert_hint("05.1", strict, "a delivery exactly 3 km away went to Van")
    assert_hint("05.1", [DELIVERY[1]], '"Counter" is not reachable')
    assert_hint("05.1", [{**DELIVERY[0], "Next": "Counterr"}, DELIVERY[1]], "AWS would refuse")
    assert_hint("05.1", "pickup", "list of Choice rules")
    assert_hint("05.1", [...], "replace every `...`")


def test_route_reports_where_an_order_goes():
    assert lesson05.route(DELIVERY, {"method": "delivery", "distance_km": 9}) == "Van"
    assert lesson05.route(DELIVERY[::-1], {"method": "pickup"}).startswith("States.Runtime")


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


# -- 05.3 label parameters -----------------------------------------------------------------------

LABEL = {
    "label.$": "States.Format('Order {} for {} {}', $.order.id, $.customer.first, $.customer.last)",
    "pizzas.$": "States.ArrayLength($.order.items)",
    "kinds.$": "States.ArrayUnique($.order.items)",
}


def test_label_solution():
    assert_passes("05.3", LABEL)
    assert execute(lesson05.label_machine(LABEL), lesson05.LABEL_EXAMPLE).output == {
        "label": "Order 1073 for Ada Lovelace",
        "pizzas": 3,
        "kinds": ["margherita", "diavola"],
    }


def test_label_typical_mistakes():
    assert_hint("05.3", {**LABEL, "pizzas.$": "$.order.items"}, "pizzas should count")
    assert_hint("05.3", {**LABEL, "kinds.$": "$.order.items"}, "each kind of pizza")
    hard_coded = {
        "label": "Order 1073 for Ada Lovelace",
        "pizzas.$": LABEL["pizzas.$"],
        "kinds.$": LABEL["kinds.$"],
    }
    assert_hint("05.3", hard_coded, "end the key in `.$`")
    first_only = {
        **LABEL,
        "label.$": "States.Format('Order {} for {}', $.order.id, $.customer.first)",
    }
    assert_hint("05.3", first_only, "States.Format")
    assert_hint("05.3", {k: v for k, v in LABEL.items() if k != "kinds.$"}, "lacks kinds")
    assert_hint("05.3", {**LABEL, "extra.$": "$.order"}, "nobody asked for")
    assert_hint("05.3", {**LABEL, "pizzas.$": "$.nothing"}, "failed (States.Runtime)")
    assert_hint("05.3", ["label"], "the Parameters field")


# -- 05.4 batch cost -----------------------------------------------------------------------------


def test_batch_solution_and_typical_mistakes():
    transitions = 14
    cost = transitions * 200_000 * 0.025 / 1000
    assert_passes("05.4", {"transitions": transitions, "monthly_usd": cost})
    assert_passes("05.4", {"transitions": 14.0, "monthly_usd": round(cost, 1)})
    assert_hint("05.4", {"transitions": 12, "monthly_usd": 60.0}, "each retry")
    assert_hint("05.4", {"transitions": 13, "monthly_usd": 65.0}, "off by one")
    assert_hint("05.4", {"transitions": 30, "monthly_usd": 1.0}, "StateEntered")
    assert_hint("05.4", {"transitions": 14, "monthly_usd": cost * 1000}, "per 1,000")
    assert_hint("05.4", {"transitions": 14, "monthly_usd": 3.5}, "the transitions are right")
    assert_hint("05.4", {"transitions": 14}, "two keys")
    assert_hint("05.4", {"transitions": "14", "monthly_usd": cost}, "numbers")
    assert not math.isclose(cost, 0)


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


# -- 05.6 Parameters and ResultPath, checked with TestState --------------------------------------

CHARGE = {
    "Parameters": {
        "orderId.$": "$.order.id",
        "amountCents.$": "$.order.totalCents",
        "cardToken.$": "$.customer.cardToken",
        "currency": "EUR",
    },
    "ResultPath": "$.order.payment",
}


def with_parameters(**changes):
    answer = copy.deepcopy(CHARGE)
    for key, value in changes.items():
        if value is None:
            answer["Parameters"].pop(key)
        else:
            answer["Parameters"][key] = value
    return answer


def test_charge_solution_and_equivalents():
    assert_passes("05.6", CHARGE)
    equivalent = with_parameters(currency=None, **{"currency.$": "States.Format('EUR')"})
    assert_passes("05.6", equivalent)
    # the example in the notebook works with test_state as the prompt says
    from course_lib.stepfunctions import test_state

    response = test_state(
        lesson05.charge_state(CHARGE),
        lesson05.CHARGE_EXAMPLE,
        inspection_level="DEBUG",
        mock=lesson05.charge_mock(lesson05.CHARGE_EXAMPLE),
    )
    assert response["output"] == lesson05.charge_output(lesson05.CHARGE_EXAMPLE)
    assert response["inspectionData"]["afterParameters"] == lesson05.charge_request(
        lesson05.CHARGE_EXAMPLE
    )
    assert response["nextState"] == "SendReceipt"


def test_charge_typical_mistakes():
    assert_hint("05.6", {**CHARGE, "ResultPath": "$.payment"}, "inside the order")
    no_path = {"Parameters": CHARGE["Parameters"], "ResultPath": "$"}
    assert_hint("05.6", no_path, "order and the customer are lost")
    assert_hint("05.6", {"Parameters": CHARGE["Parameters"]}, '"Parameters" and "ResultPath"')
    assert_hint("05.6", with_parameters(currency=None), "lacks currency")
    assert_hint("05.6", with_parameters(customerId="cust"), "does not want: customerId")
    literal = with_parameters(**{"orderId.$": None, "orderId": "$.order.id"})
    assert_hint("05.6", literal, "without `.$`")
    wrong = with_parameters(**{"amountCents.$": "$.order.id"})
    assert_hint("05.6", wrong, "amountCents was")
    missing_path = with_parameters(**{"cardToken.$": "$.card"})
    assert_hint("05.6", missing_path, "failed (States.Runtime)")
    assert_hint("05.6", {**CHARGE, "ResultPath": "order.payment"}, "refused")
    assert_hint("05.6", ["Parameters"], "two keys")
    for result in (verdict("05.6", with_parameters(currency=None)),):
        assert "EUR" not in result.message


def test_charge_check_does_not_mutate_the_answer():
    answer = copy.deepcopy(CHARGE)
    verdict("05.6", answer)
    assert answer == CHARGE


# -- 05.7 predict TestState's answer -------------------------------------------------------------

PREDICTIONS = {
    "a": {"status": "RETRIABLE", "nextState": None},
    "b": {"status": "CAUGHT_ERROR", "nextState": "AlertStaff"},
    "c": {"status": "CAUGHT_ERROR", "nextState": "RejectOrder"},
    "d": {"status": "CAUGHT_ERROR", "nextState": "AlertStaff"},
}


def test_predictions_solution_and_equivalents():
    assert_passes("05.7", PREDICTIONS)
    as_pairs = {k: (v["status"].lower(), v["nextState"] or "") for k, v in PREDICTIONS.items()}
    assert_passes("05.7", {k.upper(): v for k, v in as_pairs.items()})
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
    assert_hint("05.7", {**PREDICTIONS, letter: wrong}, hint)


def test_predictions_stubs_and_shapes():
    stub = {k: {"status": ..., "nextState": ...} for k in "abcd"}
    assert_hint("05.7", stub, "replace every `...`")
    assert_hint("05.7", {"a": PREDICTIONS["a"]}, "missing: b, c, d")
    assert_hint("05.7", {**PREDICTIONS, "a": "RETRIABLE"}, '{"status": ..., "nextState": ...}')
    assert_hint("05.7", {**PREDICTIONS, "a": {"status": "RETRY", "nextState": None}}, "one of")
    assert_hint("05.7", "RETRIABLE", "dict from letter")
