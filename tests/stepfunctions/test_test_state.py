"""The local TestState: every stage, mocks, Retry and Catch outcomes, rejected requests."""

from __future__ import annotations

import json

import pytest

from course_lib.stepfunctions import InvalidDefinition, ValidationException
from course_lib.stepfunctions import test_state as run_state

LAMBDA = "arn:aws:states:::lambda:invoke"


def ok(result) -> dict:
    return {"result": json.dumps(result)}


# -- the stages of a JSONPath state ----------------------------------------------------------
def test_each_jsonpath_stage_of_a_pass_state_is_shown():
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "fixed": 1},
        "ResultPath": "$.picked",
        "OutputPath": "$.picked",
        "End": True,
    }
    answer = run_state(state, {"order": {"id": 7}, "other": 0}, inspection_level="DEBUG")
    assert answer == {
        "status": "SUCCEEDED",
        "output": {"id": 7, "fixed": 1},
        "inspectionData": {
            "input": {"order": {"id": 7}, "other": 0},
            "afterInputPath": {"id": 7},
            "afterParameters": {"id": 7, "fixed": 1},
            "afterResultSelector": {"id": 7, "fixed": 1},
            "afterResultPath": {"order": {"id": 7}, "other": 0, "picked": {"id": 7, "fixed": 1}},
        },
    }


def test_a_pass_result_replaces_input_path_and_parameters_in_the_stages():
    state = {"Type": "Pass", "Result": {"r": 1}, "ResultPath": "$.r", "Next": "N"}
    answer = run_state(state, {"a": 1}, inspection_level="TRACE")
    assert answer["nextState"] == "N"
    assert answer["inspectionData"] == {
        "input": {"a": 1},
        "result": {"r": 1},
        "afterResultSelector": {"r": 1},
        "afterResultPath": {"a": 1, "r": {"r": 1}},
    }


def test_a_task_shows_parameters_result_and_result_selector():
    state = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "ResultSelector": {"body.$": "$.Payload"},
        "ResultPath": "$.out",
        "End": True,
    }
    answer = run_state(
        state, {"n": 1}, inspection_level="DEBUG", mock=ok({"Payload": {"v": 2}, "StatusCode": 200})
    )
    stages = answer["inspectionData"]
    assert stages["afterParameters"] == {"FunctionName": "f", "Payload": {"n": 1}}
    assert stages["result"] == {"Payload": {"v": 2}, "StatusCode": 200}
    assert stages["afterResultSelector"] == {"body": {"v": 2}}
    assert answer["output"] == {"n": 1, "out": {"body": {"v": 2}}}


def test_info_level_has_no_inspection_data():
    answer = run_state({"Type": "Pass", "End": True}, {"a": 1})
    assert answer == {"status": "SUCCEEDED", "output": {"a": 1}}


def test_a_failing_stage_fails_the_state_and_keeps_the_stages_before_it():
    state = {"Type": "Pass", "InputPath": "$.a", "Parameters": {"x.$": "$.missing"}, "End": True}
    answer = run_state(state, {"a": {}}, inspection_level="DEBUG")
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.Runtime"
    assert "$.missing" in answer["cause"]
    assert answer["inspectionData"] == {"input": {"a": {}}, "afterInputPath": {}}


def test_a_result_path_that_cannot_be_applied_fails_with_aws_error():
    state = {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": True}
    answer = run_state(state, {"a": [1]})
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.ResultPathMatchFailure"


# -- JSONata ----------------------------------------------------------------------------------
def test_a_jsonata_task_shows_arguments_and_result_and_assigns_variables():
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Arguments": {"FunctionName": "f", "Payload": "{% $states.input.n * 2 %}"},
        "Output": "{% $states.result.Payload %}",
        "Assign": {"last": "{% $states.result.Payload %}"},
        "Next": "After",
    }
    answer = run_state(
        state, {"n": 2}, inspection_level="DEBUG", mock=ok({"Payload": 5}), variables={"seen": 1}
    )
    assert answer == {
        "status": "SUCCEEDED",
        "output": 5,
        "nextState": "After",
        "inspectionData": {
            "input": {"n": 2},
            "afterArguments": {"FunctionName": "f", "Payload": 4},
            "result": {"Payload": 5},
            "variables": {"seen": 1, "last": 5},
        },
    }


def test_variables_are_read_by_jsonpath_and_jsonata():
    jsonpath = {"Type": "Pass", "Parameters": {"v.$": "$limit"}, "End": True}
    jsonata = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": "{% $limit + 1 %}",
        "End": True,
    }
    assert run_state(jsonpath, {}, variables={"limit": 3})["output"] == {"v": 3}
    assert run_state(jsonata, {}, variables='{"limit": 3}')["output"] == 4


# -- context object ---------------------------------------------------------------------------
def test_the_default_context_is_a_fresh_express_execution_named_as_aws_names_it():
    state = {"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": True}
    context = run_state(state, {"a": 1}, role_arn="arn:aws:iam::123456789012:role/r")["output"]["c"]
    assert context["State"]["Name"] == "StateName"
    assert "RetryCount" not in context["State"]
    assert context["Execution"]["Input"] == {"a": 1}
    assert context["Execution"]["RoleArn"] == "arn:aws:iam::123456789012:role/r"
    assert ":express:" in context["Execution"]["Id"]


def test_a_task_context_counts_the_configured_retries():
    state = {
        "Type": "Task",
        "Resource": LAMBDA,
        "ResultSelector": {"n.$": "$$.State.RetryCount"},
        "End": True,
    }
    answer = run_state(state, {}, mock=ok({}), state_configuration={"retrierRetryCount": 2})
    assert answer["output"] == {"n": 2}


def test_a_mocked_context_replaces_the_context_object():
    state = {"Type": "Pass", "Parameters": {"name.$": "$$.Execution.Name"}, "End": True}
    answer = run_state(state, {}, context={"Execution": {"Name": "mine"}})
    assert answer["output"] == {"name": "mine"}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"Pokedex": {}}, "Field 'Pokedex' is not allowed"),
        ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
        ({"State": {"RetryCount": "0"}}, "State.RetryCount must be a number"),
        ({"Task": {"Token": "t"}}, "Context object contains 'Task'"),
    ],
)
def test_an_invalid_context_is_rejected(context, message):
    state = {"Type": "Task", "Resource": LAMBDA, "End": True}
    with pytest.raises(ValidationException) as caught:
        run_state(state, {}, mock=ok({}), context=context)
    assert message in caught.value.message
    assert caught.value.message.startswith("Invalid Context object provided: ")


def test_a_wait_for_task_token_task_sees_a_token():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    answer = run_state(state, {}, inspection_level="DEBUG", mock=ok({"anything": 1}))
    assert answer["inspectionData"]["afterParameters"]["MessageBody"]["token"]


# -- mocks and field validation ---------------------------------------------------------------
START = {
    "Type": "Task",
    "Resource": "arn:aws:states:::states:startExecution",
    "Parameters": {"StateMachineArn": "arn"},
    "End": True,
}
KMS = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:kms:encrypt", "End": True}


@pytest.mark.parametrize(
    ("state", "result", "mode", "message"),
    [
        (START, {}, "STRICT", "Required field 'ExecutionArn' is missing"),
        (
            {**START, "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution"},
            {"ExecutionArn": "a"},
            "STRICT",
            "Required field 'StartDate' is missing",
        ),
        (
            START,
            {"ExecutionArn": 1, "StartDate": "d"},
            "STRICT",
            "Field 'ExecutionArn' must be a string",
        ),
        (START, {"StartDate": True}, "PRESENT", "Field 'StartDate' must be a string"),
        (
            KMS,
            {"CiphertextBlob": ""},
            "STRICT",
            "Field 'CiphertextBlob' is smaller than the minimum length",
        ),
        (
            KMS,
            {"EncryptionAlgorithm": "ROT13"},
            "STRICT",
            "Field 'EncryptionAlgorithm' is not an expected value",
        ),
        (
            {**KMS, "Resource": "arn:aws:states:::events:putEvents"},
            {"Entries": [{"EventId": "a"}, {"EventId": ["b"]}]},
            "STRICT",
            "Field 'EventId' must be a string",
        ),
        (
            {**KMS, "Resource": "arn:aws:states:::events:putEvents"},
            {"Entries": "x"},
            "PRESENT",
            "Field 'Entries' must be an array",
        ),
        (
            {**KMS, "Resource": LAMBDA},
            {"StatusCode": "200"},
            "PRESENT",
            "Field 'StatusCode' must be a number",
        ),
        (
            {**KMS, "Resource": "arn:aws:states:::aws-sdk:lambda:getFunction"},
            {"Configuration": {"MemorySize": 1}},
            "STRICT",
            "Field 'MemorySize' is less than the minimum value",
        ),
    ],
)
def test_a_mocked_result_is_checked_against_the_service_shape(state, result, mode, message):
    with pytest.raises(ValidationException) as caught:
        run_state(state, {}, mock={"result": json.dumps(result), "fieldValidationMode": mode})
    assert caught.value.message == f"Mock result schema validation error: {message}"
    assert caught.value.code == "ValidationException"


@pytest.mark.parametrize(
    ("state", "result", "mode"),
    [
        (START, {}, "PRESENT"),
        (START, {"StartDate": True}, "NONE"),
        (START, {"ExecutionArn": "a", "StartDate": "d", "extra": [1]}, "STRICT"),
        ({**KMS, "Resource": LAMBDA}, {"Payload": {"json": "not a blob"}}, "STRICT"),
        ({**KMS, "Resource": "arn:aws:states:::apigateway:invoke"}, {"anything": 1}, "STRICT"),
        ({**KMS, "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken"}, [1], "STRICT"),
        ({**KMS, "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}, "text", "STRICT"),
    ],
)
def test_a_mocked_result_that_fits_its_mode_passes(state, result, mode):
    answer = run_state(state, {}, mock={"result": json.dumps(result), "fieldValidationMode": mode})
    assert answer == {"status": "SUCCEEDED", "output": result}


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"result": "{}", "errorOutput": {}}, "only one of the following fields"),
        ({"result": "{not json"}, "Mocked result must be valid JSON"),
        ({"result": {"a": 1}}, "must be JSON text"),
        ({"result": "{}", "fieldValidationMode": "LOOSE"}, "fieldValidationMode"),
        ({"errorOutput": {"error": 1}}, "mock.errorOutput.error: must be a string"),
        ({"outcome": "{}"}, "unknown field"),
        ({}, "needs one of the fields"),
    ],
)
def test_a_malformed_mock_is_rejected(mock, message):
    with pytest.raises(ValidationException) as caught:
        run_state(START, {}, mock=mock)
    assert message in caught.value.message


# -- Retry and Catch --------------------------------------------------------------------------
RETRYING = {
    "Type": "Task",
    "Resource": LAMBDA,
    "Retry": [
        {"ErrorEquals": ["Other"]},
        {
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 2,
            "BackoffRate": 3,
            "MaxAttempts": 3,
            "MaxDelaySeconds": 10,
        },
    ],
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handle"}],
    "End": True,
}
BOOM = {"errorOutput": {"error": "Boom", "cause": "it broke"}}


@pytest.mark.parametrize(("retried", "interval"), [(0, 2), (1, 6), (2, 10)])
def test_a_retry_that_would_fire_is_retriable_with_its_interval(retried, interval):
    answer = run_state(
        RETRYING, {}, inspection_level="DEBUG", mock=BOOM,
        state_configuration={"retrierRetryCount": retried},
    )  # fmt: skip
    assert answer["status"] == "RETRIABLE"
    assert (answer["error"], answer["cause"]) == ("Boom", "it broke")
    assert answer["inspectionData"]["errorDetails"] == {
        "retryIndex": 1,
        "retryBackoffIntervalSeconds": interval,
    }
    assert "output" not in answer


def test_spent_retries_fall_through_to_the_catcher():
    answer = run_state(
        RETRYING, {"a": 1}, inspection_level="DEBUG", mock=BOOM,
        state_configuration={"retrierRetryCount": 3},
    )  # fmt: skip
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Handle"
    assert answer["output"] == {"a": 1, "error": {"Error": "Boom", "Cause": "it broke"}}
    assert answer["inspectionData"]["errorDetails"] == {"retryIndex": 1, "catchIndex": 0}


def test_a_catcher_assigns_its_variables():
    state = {
        **RETRYING,
        "Catch": [{"ErrorEquals": ["Boom"], "Assign": {"why.$": "$.Cause"}, "Next": "H"}],
    }
    config = {"retrierRetryCount": 3}
    answer = run_state(state, {}, inspection_level="DEBUG", mock=BOOM, state_configuration=config)
    assert answer["inspectionData"]["variables"] == {"why": "it broke"}


def test_an_error_nobody_handles_fails_the_state():
    state = {**RETRYING, "Catch": [{"ErrorEquals": ["Other"], "Next": "Handle"}]}
    answer = run_state(state, {}, mock=BOOM, state_configuration={"retrierRetryCount": 3})
    assert answer == {"status": "FAILED", "error": "Boom", "cause": "it broke"}


def test_a_jsonata_catcher_sees_the_error_output():
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Catch": [
            {"ErrorEquals": ["Boom"], "Output": "{% $states.errorOutput.Cause %}", "Next": "H"}
        ],
        "End": True,
    }
    answer = run_state(state, {}, mock=BOOM)
    assert answer["output"] == "it broke"
    assert answer["status"] == "CAUGHT_ERROR"


def test_states_runtime_is_not_retried_by_states_all():
    state = {
        "Type": "Task",
        "Resource": LAMBDA,
        "InputPath": "$.missing",
        "Retry": [{"ErrorEquals": ["States.ALL"]}],
        "End": True,
    }
    answer = run_state(state, {}, mock=ok({}))
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.Runtime"


# -- other state types ------------------------------------------------------------------------
def test_a_choice_names_the_next_state():
    state = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
        "Default": "Small",
    }
    assert run_state(state, {"n": 2})["nextState"] == "Big"
    assert run_state(state, {"n": 0})["nextState"] == "Small"
    no_default = {k: v for k, v in state.items() if k != "Default"}
    assert run_state(no_default, {"n": 0})["error"] == "States.NoChoiceMatched"


def test_a_wait_answers_at_once():
    state = {"Type": "Wait", "Seconds": 3600, "Next": "N"}
    assert run_state(state, {"a": 1}) == {
        "status": "SUCCEEDED",
        "output": {"a": 1},
        "nextState": "N",
    }
    bad = {"Type": "Wait", "SecondsPath": "$.s", "Next": "N"}
    assert run_state(bad, {"s": -1})["error"] == "States.Runtime"


def test_a_fail_state_reads_error_and_cause_paths():
    state = {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}
    answer = run_state(state, {"e": "E", "c": "C"}, inspection_level="DEBUG")
    assert answer == {
        "status": "FAILED",
        "error": "E",
        "cause": "C",
        "inspectionData": {"input": {"e": "E", "c": "C"}, "afterInputPath": {"e": "E", "c": "C"}},
    }


# -- Map and Parallel -------------------------------------------------------------------------
MAP = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
    "ItemBatcher": {"MaxItemsPerBatch": 2},
    "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}},
    "MaxConcurrency": 2,
    "ToleratedFailureCount": 1,
    "ResultPath": "$.results",
    "End": True,
}


def test_a_map_shows_items_selector_batches_and_limits():
    answer = run_state(MAP, {"items": ["a", "b", "c"]}, inspection_level="DEBUG", mock=ok([1, 2]))
    stages = answer["inspectionData"]
    assert stages["afterItemsPath"] == ["a", "b", "c"]
    assert stages["afterItemSelector"] == [
        {"value": "a", "index": 0},
        {"value": "b", "index": 1},
        {"value": "c", "index": 2},
    ]
    assert [len(batch["Items"]) for batch in stages["afterItemBatcher"]] == [2, 1]
    assert (stages["maxConcurrency"], stages["toleratedFailureCount"]) == (2, 1)
    assert answer["output"] == {"items": ["a", "b", "c"], "results": [1, 2]}


def test_map_iteration_failures_beyond_the_tolerance_fail_the_map():
    config = {"mapIterationFailureCount": 2}
    answer = run_state(MAP, {"items": [1, 2, 3]}, mock=ok([0, 0, 1]), state_configuration=config)
    assert answer["error"] == "States.ExceedToleratedFailureThreshold"
    config = {"mapIterationFailureCount": 1}
    answer = run_state(MAP, {"items": [1, 2, 3]}, mock=ok([0, 1, 1]), state_configuration=config)
    assert answer["status"] == "SUCCEEDED"
    with pytest.raises(ValidationException, match="less than or equal to the number"):
        run_state(
            MAP, {"items": [1]}, mock=ok([1]), state_configuration={"mapIterationFailureCount": 2}
        )


def test_an_item_reader_takes_its_items_from_the_configuration():
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "Parameters": {"Bucket": "b", "Key": "k"},
        },
        "ItemSelector": {"v.$": "$$.Map.Item.Value"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "W",
            "States": {"W": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    config = {"mapItemReaderData": "[1, 2]"}
    answer = run_state(
        state, {}, inspection_level="DEBUG", mock=ok([1, 2]), state_configuration=config
    )
    assert answer["inspectionData"]["afterItemSelector"] == [{"v": 1}, {"v": 2}]


def test_a_map_error_caused_by_an_inner_state_meets_the_map_catcher():
    state = {**MAP, "Catch": [{"ErrorEquals": ["Boom"], "Next": "H"}]}
    config = {"errorCausedByState": "Work"}
    answer = run_state(state, {"items": []}, mock=BOOM, state_configuration=config)
    assert (answer["status"], answer["nextState"]) == ("CAUGHT_ERROR", "H")
    with pytest.raises(ValidationException, match="errorCausedByState"):
        run_state(
            state, {"items": []}, mock=BOOM, state_configuration={"errorCausedByState": "Nope"}
        )


def test_a_parallel_result_has_one_item_per_branch():
    branches = [{"StartAt": n, "States": {n: {"Type": "Pass", "End": True}}} for n in "PQ"]
    state = {
        "Type": "Parallel",
        "Branches": branches,
        "ResultSelector": {"first.$": "$[0]"},
        "End": True,
    }
    answer = run_state(state, {}, inspection_level="DEBUG", mock=ok([1, 2]))
    assert answer["output"] == {"first": 1}
    assert answer["inspectionData"]["afterResultSelector"] == {"first": 1}
    with pytest.raises(ValidationException, match="same number of items"):
        run_state(state, {}, mock=ok([1]))


# -- rejected requests ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"definition": MAP}, InvalidDefinition, "TestState API does not support Map or Parallel"),
        ({"mock": BOOM}, ValidationException, "State type 'Pass' is not supported when a mock"),
        ({"definition": START}, ValidationException, "A Task state needs a mock"),
        (
            {"definition": START, "mock": ok({}), "reveal_secrets": True},
            ValidationException,
            "RevealSecrets",
        ),
        ({"inspection_level": "LOUD"}, ValidationException, "inspectionLevel"),
        (
            {"definition": {"Type": "Pass", "Next": "X", "End": True}},
            InvalidDefinition,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED",
        ),
        (
            {"definition": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}},
            ValidationException,
            "stateName: required",
        ),
        ({"state_name": "A"}, ValidationException, "only for a whole state machine"),
        (
            {
                "definition": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                "state_name": "B",
            },
            ValidationException,
            "no state named 'B'",
        ),
        ({"state_configuration": {"retries": 1}}, ValidationException, "unknown field"),
        (
            {"state_configuration": {"mapItemReaderData": "[]"}},
            ValidationException,
            "only for a Map state",
        ),
        ({"input": "{oops"}, ValidationException, "input: is not valid JSON"),
        ({"variables": [1]}, ValidationException, "variables: must be a JSON object"),
    ],
)
def test_a_request_aws_would_refuse_raises_its_code(kwargs, error, message):
    kwargs = {"definition": {"Type": "Pass", "End": True}, "input": {}, **kwargs}
    with pytest.raises(error) as caught:
        run_state(kwargs.pop("definition"), kwargs.pop("input"), **kwargs)
    assert message in caught.value.message
    assert caught.value.code == type(caught.value).__name__


def test_a_state_is_found_at_any_depth_of_a_machine():
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {"Type": "Pass", "Output": "{% $states.input + 1 %}", "End": True}
                    },
                },
                "End": True,
            }
        },
    }
    assert run_state(machine, 1, state_name="Inner")["output"] == 2


def test_definitions_and_values_may_be_json_text():
    answer = run_state('{"Type": "Pass", "End": true}', '"text"')
    assert answer["output"] == "text"
