"""Task resources: ARN parsing, handler lookup by any function reference, Lambda results."""

from __future__ import annotations

import json

import pytest

from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.integrations import (
    DataLimit,
    Handlers,
    call_lambda,
    function_name,
    lambda_invoke_result,
    parse_resource,
    put_events_entries,
)


@pytest.mark.parametrize(
    "reference",
    [
        "orders",
        "orders:prod",
        "123456789012:function:orders",
        "function:orders",
        "arn:aws:lambda:us-east-1:123456789012:function:orders",
        "arn:aws:lambda:us-east-1:123456789012:function:orders:7",
        "arn:aws:lambda:eu-west-1:123456789012:function:orders:$LATEST",
    ],
)
def test_every_function_reference_finds_the_handler(reference):
    assert function_name(reference) == "orders"

    def handler(event, context):
        return event

    assert Handlers({"orders": handler}).lambda_handler(reference) is handler


def test_parse_resource_kinds():
    assert (
        parse_resource("arn:aws:lambda:us-east-1:123456789012:function:f").kind == "lambda_function"
    )
    target = parse_resource("arn:aws:states:::lambda:invoke.waitForTaskToken")
    assert (target.kind, target.service, target.action, target.pattern) == (
        "service",
        "lambda",
        "invoke",
        "waitForTaskToken",
    )
    sdk = parse_resource("arn:aws:states:::aws-sdk:dynamodb:getItem")
    assert (sdk.service, sdk.action, sdk.resource_type) == (
        "aws-sdk:dynamodb",
        "getItem",
        "dynamodb",
    )
    assert parse_resource("arn:aws:states:::states:startExecution.sync:2").pattern == "sync:2"
    assert (
        parse_resource("arn:aws:states:us-east-1:123456789012:activity:review").kind == "activity"
    )
    assert parse_resource("not an arn") is None


def test_handlers_must_be_callable():
    with pytest.raises(TypeError, match="handlers\\['f'\\]"):
        Handlers({"f": 42})


def test_call_lambda_results_and_errors():
    assert call_lambda(lambda e, c: b'"raw"', "arn", {}, "req", None).result == "raw"
    assert call_lambda(lambda e, c: None, "arn", {}, "req", None).result is None

    def sleepy(event, context):
        context.sleep(3)
        return context.function_name

    outcome = call_lambda(
        sleepy, "arn:aws:lambda:us-east-1:123456789012:function:sleepy", {}, "req", None
    )
    assert (outcome.result, outcome.duration) == ("sleepy", 3)

    def broken(event, context):
        context.sleep(2)
        raise KeyError("missing")

    failed = call_lambda(broken, "arn", {}, "req-1", None)
    assert failed.duration == 2  # a failed invocation spends its time too
    with pytest.raises(StatesError) as info:
        failed.value()
    cause = json.loads(info.value.cause)
    assert info.value.error == "KeyError"
    assert cause["requestId"] == "req-1"
    assert cause["stackTrace"] and "broken" in cause["stackTrace"][0]
    assert "raise KeyError" in cause["stackTrace"][0]
    with pytest.raises(DataLimit):
        call_lambda(lambda e, c: "x" * (300 * 1024), "arn", {}, "req", None).value()
    for unmarshallable in (object(), {1, 2}, float("nan"), {"x": float("inf")}):
        with pytest.raises(StatesError) as info:
            call_lambda(lambda e, c, v=unmarshallable: v, "arn", {}, "req", None).value()
        assert info.value.error == "Runtime.MarshalError"


def test_lambda_invoke_result_shape():
    result = lambda_invoke_result({"a": 1}, "req", log_tail=True)
    assert result["Payload"] == {"a": 1}
    assert result["StatusCode"] == 200
    assert result["ExecutedVersion"] == "$LATEST"
    assert result["SdkResponseMetadata"] == {"RequestId": "req"}
    assert "LogResult" in result


def test_put_events_entries():
    entries = put_events_entries(
        {"Entries": [{"Source": "s", "DetailType": "d", "Detail": {"a": 1}}]}
    )
    assert entries == [{"Source": "s", "DetailType": "d", "Detail": '{"a":1}'}]
    with pytest.raises(StatesError):
        put_events_entries({"Entry": []})
