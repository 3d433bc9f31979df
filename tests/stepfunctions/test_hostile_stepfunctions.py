"""Hostile input to the Step Functions engine: every case ends in a documented outcome, fast.

A documented outcome is an execution that ends (SUCCEEDED, FAILED or TIMED_OUT) with
AWS's error name and cause, or one of the package's exceptions naming the field and the
reason: InvalidDefinition, ValidationException, JsonError (a ValueError), ValueError
for a request AWS refuses (InvalidName, SendTaskFailure's arguments). Each case runs
under a wall-clock bound, so a regression to a hang or a runaway fails instead of
freezing the run.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from hostile_states import FN, bounded, fails, machine, one  # noqa: F401 (bounded applies to every test)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.sim.world import World
from course_lib.stepfunctions import (
    InvalidDefinition,
    StateMachine,
    ValidationException,
    execute,
    test_state,
    validate,
)
from course_lib.stepfunctions import dataflow as dataflow_module
from course_lib.stepfunctions.choice import string_matches
from course_lib.stepfunctions.history import LIMIT_CAUSE, MAX_EVENTS
from course_lib.stepfunctions.machine import EXPRESS_MAX_SECONDS, STANDARD_MAX_SECONDS
from course_lib.strict_json import JsonError

DOCUMENTED = (InvalidDefinition, ValidationException, ValueError, LookupError)
ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT")
SDK = "arn:aws:states:::aws-sdk:s3:getObject"


def pass_with(**fields: Any) -> dict:
    return one({"Type": "Pass", **fields})


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def raise_error(event, context):
    raise RuntimeError("down")


# -- the 25,000-event history quota ---------------------------------------------------
LOOP = machine(
    {
        "Spin": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
            "Default": "Spin",
        },
        "Done": {"Type": "Succeed"},
    }
)


def test_a_choice_loop_fails_at_the_history_quota_as_aws_does():
    ex = execute(LOOP, {})
    fails(ex, "States.Runtime", LIMIT_CAUSE)
    assert ex.cause == "The execution reached the maximum number of history events (25000)."
    assert len(ex.history) == MAX_EVENTS
    last, before = ex.history[-1], ex.history[-2]
    assert (last["id"], last["type"], last["previousEventId"]) == (25000, "ExecutionFailed", 24999)
    assert before["type"] == "ChoiceStateExited"


def test_a_retry_with_a_huge_max_attempts_meets_the_quota():
    definition = one(
        {
            "Type": "Task",
            "Resource": SDK,
            "Retry": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "MaxAttempts": 99_999_999,
                    "IntervalSeconds": 1,
                    "BackoffRate": 1,
                }
            ],
        }
    )
    fails(execute(definition, {}, handlers={SDK: raise_error}), "States.Runtime", LIMIT_CAUSE)


def test_an_inline_map_over_60000_items_meets_the_quota():
    definition = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
        }
    )
    ex = execute(definition, {"items": [0] * 60_000})
    fails(ex, "States.Runtime", LIMIT_CAUSE)
    assert ex.history[-1]["id"] == MAX_EVENTS


def test_a_distributed_maps_children_keep_histories_of_their_own():
    # Each child execution has its own history on AWS: 7,000 items (28,000 events inline)
    # do not fill the parent's.
    definition = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **machine({"P": {"Type": "Pass", "End": True}}),
            },
        }
    )
    ex = execute(definition, {"items": [0] * 7_000})
    assert ex.status == "SUCCEEDED" and len(ex.output) == 7_000
    assert ex.history[-1]["id"] > 25_000


def test_an_express_loop_runs_until_its_five_minutes_are_up():
    ex = execute(LOOP, {}, state_machine_type="EXPRESS")
    assert (ex.status, ex.error, ex.cause) == ("TIMED_OUT", None, None)
    assert ex.stop_date - ex.start_date == timedelta(seconds=EXPRESS_MAX_SECONDS)


def test_an_execution_that_ends_at_event_25000_succeeds():
    # 1 start + 4 events per Pass... chosen so the last event lands exactly on 25,000.
    states = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(12_498)}
    states["P12498"] = {"Type": "Pass", "End": True}
    ex = execute({"StartAt": "P0", "States": states}, {})
    assert ex.status == "SUCCEEDED"
    assert (ex.history[-1]["id"], ex.history[-1]["type"]) == (25000, "ExecutionSucceeded")


# -- a year (Standard), five minutes (Express) ------------------------------------------
@pytest.mark.parametrize("seconds", [10**11, 10**30, 400 * 24 * 3600])
def test_a_wait_past_a_year_times_the_execution_out_at_the_year(seconds):
    ex = execute(one({"Type": "Wait", "SecondsPath": "$.s"}), {"s": seconds})
    assert (ex.status, ex.error) == ("TIMED_OUT", None)
    assert ex.stop_date - ex.start_date == timedelta(seconds=STANDARD_MAX_SECONDS)
    assert ex.history[-1]["type"] == "ExecutionTimedOut"


def test_a_wait_beyond_what_aws_can_count_fails():
    ex = execute(one({"Type": "Wait", "TimestampPath": "$.t"}), {"t": "9999-12-31T23:59:59Z"})
    fails(ex, "States.Runtime", "TimestampPath")


def test_wait_timestamps_count_whole_seconds():
    world = World()
    ex = execute(one({"Type": "Wait", "Timestamp": "2025-01-06T09:00:05.900Z"}), {}, world=world)
    assert ex.status == "SUCCEEDED"
    assert world.now == 5


@pytest.mark.parametrize(
    "retrier",
    [
        {"IntervalSeconds": 1, "BackoffRate": 10, "MaxAttempts": 2000},
        {"IntervalSeconds": 99_999_999, "BackoffRate": 2, "MaxAttempts": 5},
        {"IntervalSeconds": 1, "BackoffRate": 99_999_999, "MaxAttempts": 50},
    ],
)
def test_retry_backoff_never_overflows_and_meets_the_year(retrier):
    definition = one(
        {"Type": "Task", "Resource": SDK, "Retry": [{"ErrorEquals": ["States.ALL"], **retrier}]}
    )
    ex = execute(definition, {}, handlers={SDK: raise_error})
    assert ex.status == "TIMED_OUT"


def test_max_delay_caps_the_backoff_before_it_grows():
    definition = one(
        {
            "Type": "Task",
            "Resource": SDK,
            "Retry": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "IntervalSeconds": 3,
                    "BackoffRate": 10,
                    "MaxAttempts": 1000,
                    "MaxDelaySeconds": 5,
                }
            ],
        }
    )
    world = World()
    ex = execute(definition, {}, handlers={SDK: raise_error}, world=world)
    fails(ex, "RuntimeError")
    assert world.now == 3 + 5 * 999  # 3 s, then every interval capped at 5 s


@pytest.mark.parametrize(
    "field,value",
    [
        ("Seconds", 10**11),
        ("TimeoutSeconds", 10**20),
    ],
)
def test_numbers_past_aws_bounds_are_rejected_with_the_field(field, value):
    kind = {"Seconds": "Wait", "TimeoutSeconds": "Task"}[field]
    state = {"Type": kind, field: value}
    if kind == "Task":
        state["Resource"] = FN
    with pytest.raises(InvalidDefinition) as info:
        execute(one(state), {})
    assert field in str(info.value) and "99999999" in str(info.value)


@pytest.mark.parametrize(
    "retrier,field",
    [
        ({"IntervalSeconds": 10**30}, "IntervalSeconds"),
        ({"MaxAttempts": 10**9}, "MaxAttempts"),
        ({"MaxDelaySeconds": 10**9}, "MaxDelaySeconds"),
        ({"BackoffRate": 1e308}, "BackoffRate"),
    ],
)
def test_retriers_past_aws_bounds_are_rejected(retrier, field):
    definition = one(
        {"Type": "Task", "Resource": FN, "Retry": [{"ErrorEquals": ["States.ALL"], **retrier}]}
    )
    codes = {(d.location.rsplit("/", 1)[-1]) for d in validate(definition)}
    assert field in codes


def test_a_handler_that_sleeps_forever_meets_the_year():
    ex = execute(
        one({"Type": "Task", "Resource": FN}), {}, handlers={"f": lambda e, c: c.sleep(1e20)}
    )
    assert ex.status == "TIMED_OUT"


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), "10", None])
def test_a_handler_sleeping_a_non_number_fails_its_invocation(seconds):
    ex = execute(
        one({"Type": "Task", "Resource": FN}), {}, handlers={"f": lambda e, c: c.sleep(seconds)}
    )
    assert ex.status == "FAILED" and ex.error in ("ValueError", "TypeError")


# -- Lambda time: a failed invocation spends its time, a slow one times out -------------
def slow_then_fail(event, context):
    context.sleep(2.5)
    raise RuntimeError("flaky")


def test_a_failed_invocation_takes_the_time_it_spent():
    definition = one(
        {
            "Type": "Task",
            "Resource": FN,
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
        }
    )
    world = World()
    ex = execute(definition, {}, handlers={"f": slow_then_fail}, world=world)
    fails(ex, "RuntimeError")
    assert world.now == 2.5 + 1 + 2.5


@pytest.mark.parametrize("resource", [FN, "arn:aws:states:::lambda:invoke"])
def test_a_slow_failing_handler_under_timeout_seconds_times_out(resource):
    state = {"Type": "Task", "Resource": resource, "TimeoutSeconds": 1}
    if resource.endswith("invoke"):
        state["Parameters"] = {"FunctionName": "f", "Payload": {}}
    world = World()
    ex = execute(one(state), {}, handlers={"f": slow_then_fail}, world=world)
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "States.Timeout", None)
    assert world.now == 1
    timed_out = [e for e in ex.history if e["type"].endswith("TimedOut")]
    details = next(v for k, v in timed_out[0].items() if k.endswith("EventDetails"))
    assert details["error"] == "States.Timeout" and "cause" not in details


def test_a_caught_timeout_keeps_an_empty_cause():
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "TimeoutSeconds": 1,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Pass", "End": True},
        }
    )
    ex = execute(definition, {}, handlers={"f": slow_then_fail})
    assert ex.output == {"Error": "States.Timeout", "Cause": ""}


# -- linear matchers ------------------------------------------------------------------
def wildcard_reference(value: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S) is not None


@given(st.text("ab*", max_size=8), st.text("ab", max_size=10))
@settings(max_examples=150, deadline=None)
def test_string_matches_agrees_with_a_regex_on_small_cases(pattern, value):
    assert string_matches(value, pattern) == wildcard_reference(value, pattern)


@pytest.mark.parametrize("pattern", ["*a*a*a*a*a*a*b", "a*" * 200 + "b", "*" * 1000 + "b"])
def test_string_matches_is_linear_on_adversarial_input(pattern):
    value = "a" * 100_000
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "StringMatches": pattern, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"},
        }
    )
    ex = execute(definition, {"v": value})
    assert ex.states_entered == ["C", "No"]


def test_string_matches_honours_escapes():
    assert string_matches("a*b", "a\\*b") and not string_matches("axb", "a\\*b")
    assert string_matches("a\\b", "a\\\\b")


# -- JSONata and intrinsics stay bounded -------------------------------------------------
@pytest.mark.parametrize(
    "expression,reason",
    [
        ("($f := function($n){ $f($n + 1) }; $f(0))", "timeout"),
        ("($f := function($n){ 1 + $f($n + 1) }; $f(0))", "Stack overflow"),
        ("$range(0, 100000000, 1)", "at most 1000"),
        ("$range(0, 1000000000000000000, 1)", "at most 1000"),
        ("$pad('x', 1000000000)", "exceeds"),
        ("$parse('NaN')", "NaN"),
        ("$parse('[1, Infinity]')", "Infinity"),
        ("[1..100000000]", "D2014"),
    ],
)
def test_runaway_jsonata_fails_the_state(expression, reason):
    ex = execute(pass_with(QueryLanguage="JSONata", Output="{% " + expression + " %}"), {})
    fails(ex, "States.QueryEvaluationError", reason)


@pytest.mark.parametrize(
    "call,reason",
    [
        ("States.ArrayRange(0, 1000000000000000000, 1)", "at most 1000"),
        ("States.ArrayRange(0, 100000000, 1)", "at most 1000"),
        ("States.StringToJson('NaN')", "NaN"),
        ("States.StringToJson('-Infinity')", "Infinity"),
        ("States.MathAdd(States.StringToJson('NaN'), 1)", "NaN"),
        ("States.MathAdd(2147483647, 1)", "outside"),
        ("States.MathRandom(0, 1e300)", "between"),
    ],
)
def test_intrinsic_limits_fail_with_intrinsic_failure(call, reason):
    fails(execute(pass_with(Parameters={"x.$": call}), {}), "States.IntrinsicFailure", reason)


@pytest.mark.parametrize(
    "call",
    [
        "States.Array(" * 3000 + ")" * 3000,
        "States.MathAdd(" + "9" * 5000 + ", 1)",
        "States.MathAdd(1e999, 1)",
    ],
)
def test_unreadable_intrinsics_are_rejected_with_the_field(call):
    with pytest.raises(InvalidDefinition) as info:
        execute(pass_with(Parameters={"x.$": call}), {})
    assert "Parameters/x.$" in str(info.value)


# -- NaN and Infinity never cross a boundary ---------------------------------------------
@pytest.mark.parametrize("text", ['{"a": NaN}', "[Infinity]", '{"a": -Infinity}'])
def test_input_text_with_nan_is_refused(text):
    with pytest.raises(JsonError) as info:
        execute(pass_with(), text)
    assert info.value.field == "input"


def test_input_values_with_nan_are_refused():
    with pytest.raises(JsonError) as info:
        execute(pass_with(), {"a": [1, float("nan")]})
    assert info.value.field == "input.a[1]"


@pytest.mark.parametrize("value", [float("nan"), {"x": float("inf")}, {1, 2}, object()])
def test_a_lambda_result_json_cannot_carry_is_a_marshal_error(value):
    ex = execute(one({"Type": "Task", "Resource": FN}), {}, handlers={"f": lambda e, c: value})
    fails(ex, "Runtime.MarshalError")


def test_a_service_result_json_cannot_carry_fails_the_task():
    ex = execute(
        one({"Type": "Task", "Resource": SDK}), {}, handlers={SDK: lambda e, c: {"x": float("inf")}}
    )
    fails(ex, "States.TaskFailed", "inf")


def test_send_task_success_refuses_nan_and_failure_refuses_non_strings():
    world = World()
    sm = StateMachine(
        one(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f", "Payload": {"t.$": "$$.Task.Token"}},
            }
        ),
        world=world,
        handlers={"f": lambda e, c: None},
    )
    sm.start_execution({})
    world.run(until=1)
    tokens = world.service("states")
    token = tokens.pending()[0]
    for bad in ('{"a": NaN}', float("inf"), {"a": {1}}):
        with pytest.raises(ValueError, match="output"):
            tokens.send_task_success(token, bad)
    with pytest.raises(ValueError, match="error"):
        tokens.send_task_failure(token, error=5)
    with pytest.raises(ValueError, match="cause"):
        tokens.send_task_failure(token, error="E", cause="x" * 40_000)
    tokens.send_task_failure(token, error="E", cause="c")  # the token still works
    world.run(until=2)


# -- validation gaps end in InvalidDefinition, never a Python error ------------------------
@pytest.mark.parametrize(
    "definition",
    [
        {"StartAt": ["A"], "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": 5, "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "A", "States": [{"Type": "Pass", "End": True}]},
        one(
            {
                "Type": "Map",
                "ItemReader": 5,
                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
            }
        ),
        one(
            {
                "Type": "Map",
                "ItemBatcher": [1],
                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
            }
        ),
        one(
            {
                "Type": "Map",
                "ItemReader": {"Resource": SDK, "ReaderConfig": 3},
                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
            }
        ),
        one(
            {
                "Type": "Map",
                "ItemReader": {"Resource": ["x"]},
                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
            }
        ),
        pass_with(Result=nested(5000)),
        pass_with(Parameters={"deep": nested(990)}),
        b'{"StartAt": "\xff"}',
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": NaN, "End": true}}}',
        json.dumps(pass_with(Result=nested(600))),
    ],
)
def test_malformed_definitions_are_invalid_definitions(definition):
    with pytest.raises(InvalidDefinition) as info:
        execute(definition, {})
    assert info.value.diagnostics


def test_deeply_nested_parallels_get_a_clear_answer():
    branch: dict = machine({"Leaf": {"Type": "Pass", "End": True}})
    for level in range(150):
        branch = machine({f"Par{level}": {"Type": "Parallel", "Branches": [branch], "End": True}})
    with pytest.raises(InvalidDefinition) as info:
        execute(branch, {})
    assert "nest" in str(info.value)


@pytest.mark.parametrize(
    "parameters,cause",
    [
        ({"FunctionName": 5}, "must be a string"),
        ({"FunctionName.$": "$"}, "must be a string"),
    ],
)
def test_a_function_name_that_is_not_a_string_fails_the_state(parameters, cause):
    definition = one(
        {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": parameters}
    )
    fails(execute(definition, [1]), "States.Runtime", cause)


def test_a_state_machine_arn_that_is_not_a_string_fails_the_task():
    definition = one(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync",
            "Parameters": {"StateMachineArn": 5},
        }
    )
    fails(execute(definition, {}), "States.TaskFailed", "StateMachineArn")


def test_an_item_reader_that_raises_fails_the_map():
    definition = one(
        {
            "Type": "Map",
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {}},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **machine({"P": {"Type": "Pass", "End": True}}),
            },
        }
    )
    handlers = {"arn:aws:states:::s3:getObject": lambda e, c: 1 / 0}
    fails(
        execute(definition, {}, handlers=handlers), "States.ItemReaderFailed", "ZeroDivisionError"
    )


@pytest.mark.parametrize("name", ["x" * 81, "", "a b", "a/b", "tab\there", "nul\x00", "ctl\x85", 5])
def test_execution_names_follow_aws_rules(name):
    with pytest.raises(ValueError, match="InvalidName"):
        execute(pass_with(), {}, name=name)


def test_an_eighty_character_name_is_fine():
    assert execute(pass_with(), {}, name="n" * 80).status == "SUCCEEDED"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"state_name": ["S"]},
        {"state_name": ""},
        {"input": '{"a": NaN}'},
        {"input": "[" * 5000 + "]" * 5000},
        {"input": b"\xff"},
        {"variables": {"v": float("nan")}},
        {"context": "{"},
    ],
)
def test_test_state_refuses_hostile_requests_with_validation_exception(kwargs):
    definition = machine({"S": {"Type": "Pass", "End": True}})
    if "state_name" not in kwargs:
        definition = {"Type": "Pass", "End": True}
    arguments = {"input": {}, **kwargs}
    with pytest.raises(ValidationException):
        test_state(definition, arguments.pop("input"), **arguments)


def test_test_state_refuses_a_definition_that_is_not_utf8():
    with pytest.raises((ValidationException, InvalidDefinition)):
        test_state(b'{"Type": "Pass", "End": true, "Comment": "\xff"}', {})


# -- an engine error surfaces as a failed execution, never RUNNING --------------------------
def test_an_internal_error_fails_the_execution_with_its_name(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("engine bug")

    monkeypatch.setattr(dataflow_module, "apply_parameters", broken)
    ex = execute(pass_with(Parameters={"a": 1}), {})
    fails(ex, "States.Runtime", "KeyError")
    assert ex.history[-1]["type"] == "ExecutionFailed"


def test_values_that_grow_too_deep_fail_clearly():
    # Each turn wraps the input once more; the quota or the depth bound ends it.
    definition = machine(
        {
            "Wrap": {"Type": "Pass", "Parameters": {"inner.$": "$"}, "Next": "Wrap2"},
            "Wrap2": {"Type": "Pass", "Parameters": {"inner.$": "$"}, "Next": "Wrap"},
        }
    )
    definition["States"]["Wrap2"]["Next"] = "Check"
    definition["States"]["Check"] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.never", "IsPresent": True, "Next": "Done"}],
        "Default": "Wrap",
    }
    definition["States"]["Done"] = {"Type": "Succeed"}
    ex = execute(definition, {})
    assert ex.status == "FAILED" and ex.error in ("States.Runtime", "States.DataLimitExceeded")


# -- any definition, any input: an AWS status or a documented exception -------------------
KEYS = ["Type", "Next", "End", "Result", "Parameters", "Seconds", "Choices", "Default",
        "Resource", "Retry", "Catch", "ItemsPath", "ItemProcessor", "Branches", "InputPath",
        "OutputPath", "ResultPath", "TimeoutSeconds", "QueryLanguage", "Output"]  # fmt: skip
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [
            "Pass",
            "Wait",
            "Choice",
            "Task",
            "Map",
            "Parallel",
            "Fail",
            "Succeed",
            "S",
            "$",
            "$.a",
            "$$",
            "{% $ %}",
            "States.ALL",
            FN,
            "JSONata",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(KEYS), junk, max_size=6), junk)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_state_and_input_end_documented(state, value):
    definition = {"StartAt": "S", "States": {"S": state}}
    try:
        ex = execute(definition, value, handlers={"f": lambda e, c: e})
    except DOCUMENTED:
        return
    assert ex.status in ENDED
    if ex.status == "FAILED":
        assert isinstance(ex.error, str)


# -- no quadratic corners ----------------------------------------------------------------
def test_batching_many_items_by_bytes_is_linear():
    definition = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemBatcher": {"MaxInputBytesPerBatch": 200_000},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **machine({"P": {"Type": "Pass", "End": True}}),
            },
        }
    )
    ex = execute(definition, {"items": [1] * 50_000})
    assert ex.status == "SUCCEEDED" and len(ex.output) == 1


def test_batches_stay_within_their_byte_limit():
    definition = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemBatcher": {"MaxInputBytesPerBatch": 60},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **machine({"P": {"Type": "Pass", "End": True}}),
            },
        }
    )
    items = ["abc", 12345, {"k": "v"}, [1, 2], "x" * 30, 7, 8, 9]
    ex = execute(definition, {"items": items})
    assert [len(json.dumps(b, separators=(",", ":"))) for b in ex.output] == [39, 50]
    assert [i for b in ex.output for i in b["Items"]] == items


def test_array_unique_over_a_large_array_is_linear():
    values = [*range(40_000), 1.0, True, {"b": 1, "a": 2}, {"a": 2, "b": 1}]
    ex = execute(pass_with(Parameters={"u.$": "States.ArrayUnique($.v)"}), {"v": values})
    assert ex.output["u"] == [*range(40_000), True, {"b": 1, "a": 2}]


@pytest.mark.parametrize("seconds", [10**400, 10**9, 0, -1, "x", True])
def test_a_timeout_from_the_input_outside_aws_bounds_fails_the_state(seconds):
    definition = one({"Type": "Task", "Resource": FN, "TimeoutSecondsPath": "$.t"})
    ex = execute(definition, {"t": seconds}, handlers={"f": lambda e, c: 1})
    fails(ex, "States.Runtime", "TimeoutSeconds value must be a positive integer")


@pytest.mark.parametrize("token", [None, 5, [], {}, ""])
def test_a_task_token_that_is_not_a_string_is_an_invalid_token(token):
    world = World()
    StateMachine(pass_with(), world=world)
    with pytest.raises(ValueError, match="InvalidToken"):
        world.service("states").send_task_heartbeat(token)


@pytest.mark.parametrize("handlers", [{5: lambda e, c: 1}, {"f": 5}, ["f"], "f"])
def test_handlers_of_the_wrong_shape_are_a_type_error(handlers):
    with pytest.raises(TypeError, match="handlers"):
        execute(pass_with(), {}, handlers=handlers)
