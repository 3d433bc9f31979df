"""Lesson 06's checks accept the solutions (and equivalent answers) and hint at typical mistakes."""

import copy
import json

import pytest

from course_lib import exercises
from course_lib.exercises import lesson06


def verdict(exercise_id, answer):
    return exercises.evaluate(exercise_id, answer)


def assert_hint(exercise_id, answer, hint):
    result = verdict(exercise_id, answer)
    assert not result.passed
    assert hint in result.message


def test_every_exercise_is_registered():
    assert [ex.id for ex in exercises.registered("06")] == [
        "06.1",
        "06.2",
        "06.3",
        "06.4",
        "06.5",
        "06.6",
    ]


def test_stubs_are_not_answers():
    for exercise_id in ("06.1", "06.2", "06.3", "06.4", "06.5", "06.6"):
        assert "not answered yet" in verdict(exercise_id, ...).message


@pytest.mark.parametrize(
    ("exercise_id", "stub", "still_open"),
    [
        ("06.2", {"a": ..., "b": ..., "c": ..., "d": ..., "e": ...}, "a, b, c, d, e"),
        ("06.3", {"InputPathsMap": ..., "InputTemplate": ...}, "InputPathsMap, InputTemplate"),
        ("06.4", {"Id": "tracking", "Arn": "x", "RetryPolicy": ...}, "RetryPolicy"),
    ],
)
def test_half_filled_stub_dicts_get_a_hint(exercise_id, stub, still_open):
    assert_hint(exercise_id, stub, f"replace every `...` in the dict (still open: {still_open})")


# -- 06.1 big orders --------------------------------------------------------------------------

BIG = {
    "source": ["com.orders"],
    "detail-type": ["OrderCreated"],
    "detail": {
        "data": {
            "currency": ["EUR"],
            "total-cents": [{"numeric": [">=", 3000]}],
            "items": {"size": ["large"]},
        }
    },
}


def with_data(**fields):
    pattern = copy.deepcopy(BIG)
    pattern["detail"]["data"].update(fields)
    return pattern


def without_data(name):
    pattern = copy.deepcopy(BIG)
    del pattern["detail"]["data"][name]
    return pattern


def test_06_1_accepts_the_solution_and_equivalent_patterns():
    assert verdict("06.1", BIG).passed
    assert verdict("06.1", json.dumps(BIG)).passed
    equivalent = with_data(**{"total-cents": [{"numeric": [">", 2999]}]})
    assert verdict("06.1", equivalent).passed
    ignoring_case = with_data(currency=[{"equals-ignore-case": "eur"}])
    assert verdict("06.1", ignoring_case).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (with_data(**{"total-cents": [{"numeric": [">", 3000]}]}), "exactly 3000 cents"),
        (without_data("total-cents"), "only 2999 cents"),
        (without_data("items"), "no large pizza"),
        (without_data("currency"), "paid in USD"),
        ({**BIG, "source": [{"prefix": "com.orders"}]}, "com.orders.test"),
        ({k: v for k, v in BIG.items() if k != "detail-type"}, "OrderCancelled"),
        (with_data(items={"size": ["large"], "pizza": ["margherita"]}, **{}), "not the first item"),
        ({"source": "com.orders"}, "AWS would refuse this pattern"),
        (with_data(**{"total-cents": [{"numeric": [">=", "3000"]}]}), "AWS would refuse"),
    ],
)
def test_06_1_rejects_typical_mistakes_with_a_hint(answer, hint):
    assert_hint("06.1", answer, hint)


def test_06_1_a_number_as_text_is_not_matched_by_numeric():
    pattern = {
        **BIG,
        "detail": {"data": {**BIG["detail"]["data"], "total-cents": [{"exists": True}]}},
    }
    assert_hint("06.1", pattern, "only 2999 cents")


def test_06_1_refuses_something_that_is_not_a_pattern():
    assert "could not be checked" in verdict("06.1", 42).message


# -- 06.2 operators -----------------------------------------------------------------------------

OPERATORS = {"a": "cidr", "b": "anything-but", "c": "exists", "d": "numeric", "e": "wildcard"}


def test_06_2_accepts_the_solution_with_tolerance_for_spelling():
    assert verdict("06.2", OPERATORS).passed
    loose = {"A": " CIDR ", "b": "anything_but", "c": "Exists", "d": "numeric", "e": '"wildcard"'}
    assert verdict("06.2", loose).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ({**OPERATORS, "b": "prefix"}, "4 of 5 are right; look again at b"),
        ({**OPERATORS, "d": "exists", "e": "prefix"}, "look again at d, e"),
        ({k: v for k, v in OPERATORS.items() if k != "c"}, "c is missing"),
        (["cidr", "anything-but"], "dict from letter"),
    ],
)
def test_06_2_hints_name_the_wrong_letters_not_the_operators(answer, hint):
    result = verdict("06.2", answer)
    assert not result.passed and hint in result.message
    assert "cidr" not in result.message.split("look again")[-1]


# -- 06.3 input transformer ---------------------------------------------------------------------

TRANSFORMER = {
    "InputPathsMap": {
        "order": "$.detail.data.order-id",
        "cents": "$.detail.data.amount-cents",
        "currency": "$.detail.data.currency",
    },
    "InputTemplate": (
        '{"order": <order>, "cents": <cents>, "currency": <currency>, '
        '"rule": <aws.events.rule-name>}'
    ),
}


def template(text):
    return {**TRANSFORMER, "InputTemplate": text}


def test_06_3_accepts_the_solution_and_equivalent_forms():
    assert verdict("06.3", TRANSFORMER).passed
    assert verdict("06.3", {"InputTransformer": TRANSFORMER}).passed
    spaced = template(
        '{\n  "rule": <aws.events.rule-name>,\n  "currency": "<currency>",\n'
        '  "order": "<order>",\n  "cents": <cents>\n}'
    )
    assert verdict("06.3", spaced).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (
            template(
                '{"order": <order>, "cents": "<cents>", "currency": <currency>, '
                '"rule": <aws.events.rule-name>}'
            ),
            "arrives as text",
        ),
        (
            template(
                '{"order": <order>, "cents": <cents>, "currency": <currency>, '
                '"rule": "notify-accounting"}'
            ),
            "reserved <aws.events.*> variables",
        ),
        (
            template(
                '{"order": "1073459984", "cents": <cents>, "currency": <currency>, '
                '"rule": <aws.events.rule-name>}'
            ),
            "not a constant",
        ),
        (template('{"order": <order>, "cents": <cents>}'), "it needs exactly"),
        (template("Order <order> paid <cents> cents"), "not JSON"),
        (template('{"order": <order>, "cents": <amount>}'), "PutTargets would refuse"),
        ({"InputPathsMap": TRANSFORMER["InputPathsMap"]}, "InputTemplate"),
        ("<order>", "InputPathsMap and InputTemplate"),
    ],
)
def test_06_3_rejects_typical_mistakes_with_a_hint(answer, hint):
    assert_hint("06.3", answer, hint)


# -- 06.4 retry policy and DLQ -------------------------------------------------------------------


def target(**changes):
    base = {
        "Id": "tracking",
        "Arn": lesson06.TRACKING_ARN,
        "RetryPolicy": {"MaximumEventAgeInSeconds": 600},
        "DeadLetterConfig": {"Arn": lesson06.TRACKING_DLQ_ARN},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    "policy",
    [
        {"MaximumEventAgeInSeconds": 600},
        {"MaximumEventAgeInSeconds": 300},
        {"MaximumRetryAttempts": 8},
        {"MaximumRetryAttempts": 9, "MaximumEventAgeInSeconds": 600},
    ],
)
def test_06_4_accepts_every_policy_that_meets_the_requirement(policy):
    assert verdict("06.4", target(RetryPolicy=policy)).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (target(RetryPolicy=None), "default policy keeps trying"),
        (target(RetryPolicy={"MaximumRetryAttempts": 3}), "gives up after only"),
        (target(RetryPolicy={"MaximumEventAgeInSeconds": 120}), "gives up after only"),
        (target(DeadLetterConfig=None), "add a DeadLetterConfig"),
        (
            target(DeadLetterConfig={"Arn": "arn:aws:sqs:us-east-1:123456789012:other"}),
            "TRACKING_DLQ_ARN",
        ),
        (target(Arn="arn:aws:lambda:us-east-1:123456789012:function:other"), "TRACKING_ARN"),
        (target(RetryPolicy={"MaximumEventAgeInSeconds": 30}), "PutTargets would refuse"),
        ("MaximumEventAgeInSeconds=600", "target dict"),
    ],
)
def test_06_4_rejects_typical_mistakes_with_a_hint(answer, hint):
    assert_hint("06.4", answer, hint)


def test_outage_run_reports_each_event():
    results = lesson06.outage_run(target(), seed=1, events=2)
    assert len(results) == 2
    for result in results:
        assert result["outcome"] == "dead-lettered"
        assert lesson06.MIN_TRYING <= result["last_attempt"] <= result["ended"] <= 600
        assert result["retries"] >= 3


# -- 06.5 designing a schedule -------------------------------------------------------------------

PLAN = {
    "ScheduleExpression": "cron(30 7 ? * MON-SAT *)",
    "ScheduleExpressionTimezone": "Europe/Zurich",
    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
}


def test_06_5_accepts_a_local_cron_with_a_flexible_window():
    assert verdict("06.5", PLAN).passed
    runs = lesson06.baking_plan_runs(PLAN)
    assert {(r.hour, r.minute) >= (7, 30) and (r.hour, r.minute) <= (7, 45) for r in runs} == {True}
    assert len({r.utcoffset() for r in runs}) == 2  # the year crosses both clock changes


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"ScheduleExpressionTimezone": None}, "no time zone means UTC"),
        (
            {"ScheduleExpression": "cron(30 6 ? * MON-SAT *)", "ScheduleExpressionTimezone": None},
            "daylight saving time moves a UTC schedule",
        ),
        ({"FlexibleTimeWindow": {"Mode": "OFF"}}, "spread the runs"),
        (
            {"FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 60}},
            "between 07:30 and 07:45",
        ),
        ({"ScheduleExpression": "cron(30 7 ? * MON-FRI *)"}, "Monday to Saturday"),
        ({"ScheduleExpression": "cron(30 7 * * MON-SAT *)"}, "the Scheduler refuses it"),
        ({"Target": {}}, "only the timing arguments"),
    ],
)
def test_06_5_rejects_typical_designs_with_a_hint(change, hint):
    answer = {**PLAN, **change}
    answer = {key: value for key, value in answer.items() if value is not None}
    assert_hint("06.5", answer, hint)


# -- 06.6 predicting a FIFO subscriber ------------------------------------------------------------

FIFO_ANSWER = {
    "deduplicated": [5],
    "received": ["A placed", "B placed", "B paid", "A paid", "A baked", "B paid"],
}


def test_the_fifo_prediction_is_what_the_bus_does():
    run = lesson06.fifo_run()
    assert run["codes"].count("DEDUPLICATED") == 1
    assert run["received"] == FIFO_ANSWER["received"]
    assert verdict("06.6", FIFO_ANSWER).passed


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"deduplicated": [5, 7]}, "more than 5 minutes after the first `b-paid`"),
        ({"deduplicated": []}, "which publishes repeat an id"),
        (
            {"received": ["A placed", "B placed", "B paid", "A baked", "A paid", "B paid"]},
            "never lets an event overtake",
        ),
        (
            {"received": ["A placed", "B placed", "A paid", "B paid", "A baked", "B paid"]},
            "holds up only its own group",
        ),
        ({"received": ["A placed", "B placed"]}, "one per accepted publish"),
    ],
)
def test_fifo_predictions_get_a_hint(change, hint):
    assert_hint("06.6", {**FIFO_ANSWER, **change}, hint)
