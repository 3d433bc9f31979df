"""More hostile input to the Step Functions engine, found by fuzzing definitions and inputs.

Same contract as test_hostile_stepfunctions.py: every case ends in a documented outcome
(an ended execution with AWS's error name, or one of the package's exceptions naming
the field), never a Python error from inside the engine, and within a wall-clock bound.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from hostile_states import FN, INTERNAL, bounded, fails, machine, one  # noqa: F401 (bounded applies to every test)

from course_lib.sim.world import World
from course_lib.stepfunctions import (
    InvalidDefinition,
    StateMachine,
    execute,
    test_state,
    validate,
)
from course_lib.stepfunctions.machine import MAX_CHILD_DEPTH, MAX_OPEN_CHILD_EXECUTIONS
from course_lib.strict_json import JsonError

# -- a lone surrogate ("\ud800" in JSON) is a string like any other -------------------------
LONE = "\ud800"


def test_an_input_with_a_lone_surrogate_runs():
    ex = execute(one({"Type": "Pass"}), {"s": LONE})
    assert (ex.status, ex.output) == ("SUCCEEDED", {"s": LONE})
    ex = execute(one({"Type": "Pass"}), '{"s": "\\ud800"}')
    assert (ex.status, ex.output) == ("SUCCEEDED", {"s": LONE})


def test_intrinsics_encode_a_lone_surrogate_as_java_does():
    # Java's String.getBytes(UTF_8) writes an unpaired surrogate as "?".
    parameters = {"b.$": "States.Base64Encode($.s)", "h.$": "States.Hash($.s, 'SHA-256')"}
    ex = execute(one({"Type": "Pass", "Parameters": parameters}), {"s": "a" + LONE})
    assert ex.status == "SUCCEEDED", ex.to_dict()
    assert ex.output == {
        "b": base64.b64encode(b"a?").decode(),
        "h": hashlib.sha256(b"a?").hexdigest(),
    }


def test_jsonata_hash_of_a_lone_surrogate():
    state = {"Type": "Pass", "Output": "{% $hash($states.input.s, 'MD5') %}"}
    ex = execute(one(state, QueryLanguage="JSONata"), {"s": LONE})
    assert (ex.status, ex.output) == ("SUCCEEDED", hashlib.md5(b"?").hexdigest())


def test_string_comparisons_order_a_lone_surrogate_by_utf16_units():
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.s", "StringLessThan": "\ue000", "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"},
        }
    )
    assert execute(definition, {"s": LONE}).states_entered == ["C", "Yes"]
    answer = test_state(definition, {"s": LONE}, state_name="C")
    assert answer["nextState"] == "Yes"


def test_a_batch_of_items_with_a_lone_surrogate_is_measured():
    definition = one(
        {
            "Type": "Map",
            "ItemBatcher": {"MaxInputBytesPerBatch": 100},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **machine({"P": {"Type": "Pass", "End": True}}),
            },
        }
    )
    ex = execute(definition, [LONE, "b"])
    assert (ex.status, ex.output) == ("SUCCEEDED", [{"Items": [LONE, "b"]}])


# -- JSONata Map numbers: an expression must give a number of the right kind -----------------
def jsonata_map(**fields: Any) -> dict:
    return one(
        {
            "Type": "Map",
            "Items": [1, 2],
            "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
            **fields,
        },
        QueryLanguage="JSONata",
    )


@pytest.mark.parametrize(
    "field", ["MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"]
)
@pytest.mark.parametrize("expression", ["{% 'x' %}", "{% {} %}", "{% [1] %}", "{% null %}"])
def test_a_jsonata_map_number_of_the_wrong_type_is_a_query_evaluation_error(field, expression):
    ex = execute(jsonata_map(**{field: expression}), {})
    fails(ex, "States.QueryEvaluationError", f"'{field}'")
    assert INTERNAL not in ex.cause


@pytest.mark.parametrize("field", ["MaxConcurrency", "ToleratedFailureCount"])
def test_a_jsonata_map_count_must_be_whole(field):
    fails(execute(jsonata_map(**{field: "{% 1.5 %}"}), {}), "States.QueryEvaluationError", field)


def test_jsonata_map_numbers_from_expressions_work():
    definition = jsonata_map(
        MaxConcurrency="{% 2 %}",
        ToleratedFailureCount="{% 0 %}",
        ToleratedFailurePercentage="{% 12.5 %}",
    )
    ex = execute(definition, {})
    assert (ex.status, ex.output) == ("SUCCEEDED", [1, 2])


@pytest.mark.parametrize(
    "field", ["MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"]
)
def test_a_jsonata_map_number_that_is_plain_text_is_invalid(field):
    definition = jsonata_map(**{field: "ten"})
    assert [d.location for d in validate(definition)] == [f"/States/S/{field}"]
    with pytest.raises(InvalidDefinition):
        execute(definition, {})


# -- a number too large for a double is not Infinity ----------------------------------------
@pytest.mark.parametrize("text", ['{"a": 1e999}', "[-1e400]", "1e309"])
def test_input_text_with_an_overflowing_number_is_refused(text):
    with pytest.raises(JsonError) as info:
        execute(one({"Type": "Pass"}), text)
    assert info.value.field == "input" and "out of range" in info.value.reason


def test_string_to_json_of_an_overflowing_number_is_an_intrinsic_failure():
    parameters = {"x.$": "States.StringToJson('[1e999]')"}
    ex = execute(one({"Type": "Pass", "Parameters": parameters}), {})
    fails(ex, "States.IntrinsicFailure", "out of range")


def test_jsonata_parse_of_an_overflowing_number_is_a_query_evaluation_error():
    state = {"Type": "Pass", "Output": "{% $parse('1e999') %}"}
    fails(execute(one(state, QueryLanguage="JSONata"), {}), "States.QueryEvaluationError")


# -- JSONata fields that must be a string, an object or a whole number ------------------------
@pytest.mark.parametrize("field", ["Error", "Cause"])
@pytest.mark.parametrize("expression", ["{% 5 %}", "{% {} %}", "{% [] %}", "{% true %}"])
def test_a_jsonata_fail_error_or_cause_must_evaluate_to_a_string(field, expression):
    definition = machine({"F": {"Type": "Fail", field: expression}}, QueryLanguage="JSONata")
    ex = execute(definition, {})
    fails(ex, "States.QueryEvaluationError", "Expected 'string'")
    assert isinstance(ex.error, str) and isinstance(ex.cause, str)


def test_a_jsonata_fail_with_string_expressions_fails_with_them():
    state = {"Type": "Fail", "Error": "{% 'E' & 1 %}", "Cause": "{% $states.input.c %}"}
    ex = execute(machine({"F": state}, QueryLanguage="JSONata"), {"c": "why"})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "E1", "why")


def test_a_jsonata_assign_that_is_plain_text_is_invalid():
    definition = one({"Type": "Pass", "Assign": "States.Array(1)"}, QueryLanguage="JSONata")
    assert [d.location for d in validate(definition)] == ["/States/S/Assign"]
    with pytest.raises(InvalidDefinition):
        execute(definition, {})


@pytest.mark.parametrize("field", ["TimeoutSeconds", "HeartbeatSeconds"])
def test_a_jsonata_task_timeout_that_is_plain_text_is_invalid(field):
    state = {"Type": "Task", "Resource": FN, field: "ten"}
    assert [d.location for d in validate(one(state, QueryLanguage="JSONata"))] == [
        f"/States/S/{field}"
    ]


@pytest.mark.parametrize("expression", ["{% 1.5 %}", "{% 0 %}", "{% 'x' %}"])
def test_a_jsonata_task_timeout_must_evaluate_to_a_positive_whole_number(expression):
    state = {"Type": "Task", "Resource": FN, "TimeoutSeconds": expression}
    ex = execute(one(state, QueryLanguage="JSONata"), {}, handlers={"f": lambda e, c: 1})
    fails(ex, "States.Runtime", "TimeoutSeconds value must be a positive integer")


# -- a Catcher on a state with End: true still sends the execution to its Next ---------------
def raise_error(event, context):
    raise RuntimeError("down")


CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
FAILING = {
    "Task": {"Type": "Task", "Resource": FN},
    "Parallel": {
        "Type": "Parallel",
        "Branches": [machine({"B": {"Type": "Fail", "Error": "E"}})],
    },
    "Map": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": machine({"I": {"Type": "Fail", "Error": "E"}}),
    },
}


@pytest.mark.parametrize("kind", sorted(FAILING))
@pytest.mark.parametrize("query_language", ["JSONPath", "JSONata"])
def test_a_catcher_on_an_end_state_goes_to_its_next(kind, query_language):
    state = {**FAILING[kind], "Catch": CATCH_ALL, "End": True}
    if query_language == "JSONata" and kind == "Map":
        state = {**state, "Items": "{% $states.input.items %}"}
        del state["ItemsPath"]
    definition = machine(
        {"S": state, "Handled": {"Type": "Fail", "Error": "Handled"}},
        QueryLanguage=query_language,
    )
    ex = execute(definition, {"items": [1]}, handlers={"f": raise_error})
    assert ex.states_entered[0] == "S" and ex.states_entered[-1] == "Handled"
    fails(ex, "Handled")


def test_a_catcher_looping_back_to_its_end_state_meets_the_history_quota():
    state = {
        "Type": "Task",
        "Resource": FN,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}],
    }
    ex = execute(one(state), {}, handlers={"f": raise_error})
    fails(ex, "States.Runtime", "maximum number of history events")


# -- a state machine that starts itself ends; StartExecution's refusals fail the task -------
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Child"


def start_task(resource: str, **parameters: Any) -> dict:
    return one({"Type": "Task", "Resource": resource, "Parameters": parameters})


@pytest.mark.parametrize("pattern", ["", ".sync", ".sync:2"])
def test_a_state_machine_that_starts_itself_ends(pattern):
    world = World()
    definition = start_task(
        f"arn:aws:states:::states:startExecution{pattern}", StateMachineArn=CHILD_ARN
    )
    machine_ = StateMachine(definition, world=world, name="Child")
    ex = execute(definition, {}, world=world)
    assert ex.status in ("SUCCEEDED", "FAILED")
    assert len(machine_.executions) == MAX_CHILD_DEPTH
    deepest = list(machine_.executions.values())[-1]
    assert (deepest.status, deepest.error) == (
        "FAILED",
        "StepFunctions.ExecutionLimitExceededException",
    )
    if pattern:  # each parent waited for its child: the failure climbs to the top, bounded
        fails(ex, "States.TaskFailed")
        assert len(ex.cause) <= 32_768


def test_a_fan_out_of_executions_starting_themselves_stops_at_the_open_limit():
    world = World()
    definition = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"items.$": "$.items"},  # every child gets the whole list
            "ItemProcessor": machine(
                {
                    "Start": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::states:startExecution.sync:2",
                        "Parameters": {"StateMachineArn": CHILD_ARN, "Input.$": "$"},
                        "End": True,
                    }
                }
            ),
        }
    )
    machine_ = StateMachine(definition, world=world, name="Child")
    ex = execute(definition, {"items": list(range(10))}, world=world)
    fails(ex, "States.TaskFailed")
    assert len(machine_.executions) <= MAX_OPEN_CHILD_EXECUTIONS + 1


@pytest.mark.parametrize(
    "parameters,error",
    [
        ({"Name": 5}, "StepFunctions.InvalidNameException"),
        ({"Name": "a b"}, "StepFunctions.InvalidNameException"),
        ({"Name": "n" * 81}, "StepFunctions.InvalidNameException"),
        ({"Input": "{not json"}, "StepFunctions.InvalidExecutionInputException"),
        ({"Input": {"x": "y" * 300_000}}, "StepFunctions.InvalidExecutionInputException"),
    ],
)
def test_a_start_execution_aws_refuses_fails_the_task_with_its_reason(parameters, error):
    world = World()
    StateMachine(machine({"P": {"Type": "Pass", "End": True}}), world=world, name="Child")
    definition = start_task(
        "arn:aws:states:::states:startExecution.sync:2", StateMachineArn=CHILD_ARN, **parameters
    )
    ex = execute(definition, {}, world=world)
    fails(ex, error)
    assert INTERNAL not in ex.cause


def test_starting_an_execution_name_twice_fails_the_second_task():
    world = World()
    StateMachine(machine({"P": {"Type": "Pass", "End": True}}), world=world, name="Child")
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": CHILD_ARN, "Name": "same"},
    }
    definition = machine({"A": {**task, "Next": "B"}, "B": {**task, "End": True}})
    fails(execute(definition, {}, world=world), "StepFunctions.ExecutionAlreadyExistsException")


def test_a_service_that_is_not_a_state_machine_is_no_state_machine():
    world = World()
    world.register(CHILD_ARN, object())
    definition = start_task("arn:aws:states:::states:startExecution", StateMachineArn=CHILD_ARN)
    ex = execute(definition, {}, world=world)
    assert ex.status == "FAILED" and INTERNAL not in ex.cause


# -- a task token dies with its task, however the task ends ----------------------------------
WAIT_TOKEN = {
    "Type": "Task",
    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
}
SQS = {"arn:aws:states:::sqs:sendMessage": lambda e, c: {"MessageId": "m"}}


def waiting_token(definition: dict) -> tuple[World, StateMachine, str, str]:
    world = World()
    machine_ = StateMachine(definition, world=world, handlers=SQS)
    arn = machine_.start_execution({})["executionArn"]
    world.run(until=1)
    (token,) = world.service("states").pending()
    return world, machine_, arn, token


def test_a_token_of_a_stopped_execution_is_gone():
    world, machine_, arn, token = waiting_token(one(WAIT_TOKEN))
    machine_.stop_execution(arn)
    world.run(until=2)
    tokens = world.service("states")
    assert tokens.pending() == []
    with pytest.raises(LookupError, match="does not exist anymore"):
        tokens.send_task_success(token, {})


def test_a_token_of_a_branch_stopped_by_its_sibling_is_gone():
    definition = one(
        {
            "Type": "Parallel",
            "Branches": [
                machine({"T": {**WAIT_TOKEN, "End": True}}),
                machine({"W": {"Type": "Wait", "Seconds": 5, "Next": "F"}, "F": {"Type": "Fail"}}),
            ],
        }
    )
    world, machine_, arn, token = waiting_token(definition)
    world.run(until=10)
    assert machine_.execution(arn).status == "FAILED"
    assert world.service("states").pending() == []
    with pytest.raises(LookupError):
        world.service("states").send_task_heartbeat(token)


# -- counts of ItemReader and ItemBatcher: their Path forms and JSONata expressions count ------
DISTRIBUTED = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    **machine({"P": {"Type": "Pass", "End": True}}),
}
S3_GET = "arn:aws:states:::s3:getObject"


@pytest.mark.parametrize(
    "query_language,config",
    [
        ("JSONPath", {"MaxItemsPath": "$.limit"}),
        ("JSONata", {"MaxItems": "{% $states.input.limit %}"}),
    ],
)
def test_an_item_reader_limit_from_a_path_or_an_expression_limits_the_items(query_language, config):
    arguments = "Arguments" if query_language == "JSONata" else "Parameters"
    reader = {
        "Resource": S3_GET,
        "ReaderConfig": {"InputType": "JSON", **config},
        arguments: {"Bucket": "b", "Key": "k"},
    }
    definition = one(
        {"Type": "Map", "ItemReader": reader, "ItemProcessor": DISTRIBUTED},
        QueryLanguage=query_language,
    )
    assert validate(definition) == []
    ex = execute(definition, {"limit": 2}, handlers={S3_GET: lambda e, c: [1, 2, 3]})
    assert (ex.status, ex.output) == ("SUCCEEDED", [1, 2])


@pytest.mark.parametrize(
    "batcher,batches",
    [
        ({"MaxItemsPerBatch": "{% $states.input.size %}"}, [[1, 2], [3]]),
        ({"MaxInputBytesPerBatch": "{% 15 %}"}, [[1, 2], [3]]),
    ],
)
def test_jsonata_item_batcher_counts_may_be_expressions(batcher, batches):
    definition = one(
        {"Type": "Map", "Items": [1, 2, 3], "ItemBatcher": batcher, "ItemProcessor": DISTRIBUTED},
        QueryLanguage="JSONata",
    )
    assert validate(definition) == []
    ex = execute(definition, {"size": 2})
    assert (ex.status, [b["Items"] for b in ex.output or []]) == ("SUCCEEDED", batches)


@pytest.mark.parametrize("expression", ["{% 'x' %}", "{% 0 %}", "{% 1.5 %}"])
def test_a_jsonata_batch_size_that_is_not_a_positive_whole_number_fails(expression):
    definition = one(
        {
            "Type": "Map",
            "Items": [1],
            "ItemBatcher": {"MaxItemsPerBatch": expression},
            "ItemProcessor": DISTRIBUTED,
        },
        QueryLanguage="JSONata",
    )
    ex = execute(definition, {})
    assert ex.status == "FAILED" and "MaxItemsPerBatch" in ex.cause


# -- Credentials: checked, resolved, and recorded as the task's credentials -----------------
@pytest.mark.parametrize(
    "query_language,credentials",
    [
        ("JSONPath", "arn:aws:iam::123456789012:role/r"),
        ("JSONPath", {}),
        ("JSONPath", {"RoleArn": 5}),
        ("JSONPath", {"RoleArn": "r", "Other": 1}),
        ("JSONPath", {"RoleArn.$": "not a path"}),
        ("JSONata", {"RoleArn.$": "$.role"}),
    ],
)
def test_malformed_credentials_are_invalid(query_language, credentials):
    state = {"Type": "Task", "Resource": FN, "Credentials": credentials}
    problems = validate(one(state, QueryLanguage=query_language))
    assert problems and problems[0].location.startswith("/States/S/Credentials")


@pytest.mark.parametrize(
    "query_language,credentials",
    [
        ("JSONPath", {"RoleArn.$": "$.role"}),
        ("JSONata", {"RoleArn": "{% $states.input.role %}"}),
    ],
)
def test_credentials_resolve_from_the_input_into_the_history(query_language, credentials):
    state = {"Type": "Task", "Resource": FN, "Credentials": credentials}
    role = "arn:aws:iam::123456789012:role/r"
    ex = execute(
        one(state, QueryLanguage=query_language), {"role": role}, handlers={"f": lambda e, c: 1}
    )
    assert ex.status == "SUCCEEDED"
    (scheduled,) = [e for e in ex.history if e["type"] == "LambdaFunctionScheduled"]
    assert scheduled["lambdaFunctionScheduledEventDetails"]["taskCredentials"] == {"roleArn": role}


@pytest.mark.parametrize("role", [None, 5, ""])
def test_credentials_that_resolve_to_no_role_fail_the_state(role):
    state = {"Type": "Task", "Resource": FN, "Credentials": {"RoleArn.$": "$.role"}}
    ex = execute(one(state), {"role": role}, handlers={"f": lambda e, c: 1})
    fails(ex, "States.Runtime", "RoleArn")


# -- ranges past 2**63 items are counted, not measured with len() ----------------------------
@pytest.mark.parametrize(
    "call", ["States.ArrayRange(0, $.big, 3)", "States.ArrayRange($.big, 0, -1)"]
)
def test_an_array_range_past_2_to_the_63_items_is_an_intrinsic_failure(call):
    definition = one({"Type": "Pass", "Parameters": {"x.$": call}})
    fails(execute(definition, {"big": 10**20}), "States.IntrinsicFailure", "at most 1000")
    answer = test_state(definition["States"]["S"], {"big": 10**20})
    assert (answer["status"], answer["error"]) == ("FAILED", "States.IntrinsicFailure")


def test_a_jsonata_range_past_2_to_the_63_items_is_a_query_evaluation_error():
    state = {"Type": "Pass", "Output": "{% $range(0, $states.input.big, 3) %}"}
    ex = execute(one(state, QueryLanguage="JSONata"), {"big": 10**20})
    fails(ex, "States.QueryEvaluationError", "at most 1000")


# -- Map limits read from the input: negative or huge values fail the state --------------------
MAP_OF_ONE = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}}),
}


@pytest.mark.parametrize(
    "fields,value",
    [
        ({"MaxConcurrencyPath": "$.v"}, -1),
        ({"ToleratedFailurePercentagePath": "$.v"}, 10**400),
        ({"ToleratedFailureCountPath": "$.v"}, -5),
    ],
)
def test_a_map_limit_from_the_input_out_of_range_fails_the_state(fields, value):
    ex = execute(one({**MAP_OF_ONE, **fields}), {"items": [1], "v": value})
    fails(ex, "States.Runtime")
    assert INTERNAL not in ex.cause


def test_a_negative_jsonata_max_concurrency_fails_instead_of_leaving_the_execution_running():
    definition = jsonata_map(MaxConcurrency="{% -1 %}")
    fails(execute(definition, {}), "States.Runtime", "MaxConcurrency")


# -- JSONPath's numeric functions never produce Infinity ---------------------------------------
@pytest.mark.parametrize("function", ["sum", "avg", "stddev"])
def test_a_path_function_past_the_range_of_a_double_fails_the_state(function):
    definition = one({"Type": "Pass", "OutputPath": f"$.v.{function}()"})
    ex = execute(definition, {"v": [1e308, 1e308]})
    fails(ex, "States.Runtime", f"{function}()")
    ex = execute(definition, {"v": [10**400, 1]})
    fails(ex, "States.Runtime")


# -- timestamps: Java's extended offset date-time (nine fraction digits, offsets to 18 h) -----
@pytest.mark.parametrize(
    "stamp,valid",
    [
        ("2016-03-14T01:59:00.123456789Z", True),
        ("2016-03-14T01:59:00+18:00", True),
        ("2016-03-14T01:59:00-18:00", True),
        ("2016-03-14T01:59:00.1234567891Z", False),
        ("2016-03-14T01:59:00+18:01", False),
        ("2016-03-14T01:59:00+23:59", False),
        ("2016-03-14T01:59:00+05:60", False),
    ],
)
def test_timestamps_follow_javas_iso_offset_date_time(stamp, valid):
    rule = {"Variable": "$.t", "IsTimestamp": True, "Next": "Yes"}
    definition = machine(
        {
            "C": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"},
        }
    )
    assert execute(definition, {"t": stamp}).states_entered[-1] == ("Yes" if valid else "No")
    wait = one({"Type": "Wait", "Timestamp": stamp})
    assert (validate(wait) == []) == valid


# -- memory: a loop over a large document stays bounded ---------------------------------------
BIG_LOOP = {
    "Spin": {
        "Type": "Choice",
        "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
        "Default": "Pass",
    },
    "Done": {"Type": "Succeed"},
}


def test_a_loop_that_passes_a_large_input_on_unchanged_shares_its_text():
    states = {"Pass": {"Type": "Pass", "Next": "Spin"}, **BIG_LOOP}
    ex = execute(machine(states), {"s": "x" * 200_000})
    fails(ex, "States.Runtime", "maximum number of history events")
    texts = {
        id(details.get("input", details.get("output")))
        for event in ex.history
        for key, details in event.items()
        if key.startswith("state")
    }
    assert len(texts) == 1  # one copy of the 200 KB document, not 12,500


def test_a_loop_that_changes_a_large_document_at_every_turn_fails_before_memory_runs_out():
    parameters = {"s.$": "$.s", "n.$": "States.MathAdd($.n, 1)"}
    states = {"Pass": {"Type": "Pass", "Parameters": parameters, "Next": "Spin"}, **BIG_LOOP}
    ex = execute(machine(states), {"s": "x" * 200_000, "n": 0})
    fails(ex, "States.Runtime", "256 MiB")
    assert ex.history[-1]["type"] == "ExecutionFailed"


def test_send_task_success_measures_its_output_in_utf8_bytes():
    # 100,000 "é" are 200,000 bytes of UTF-8 (600,000 as \u escapes): within 256 KiB.
    world, machine_, arn, token = waiting_token(one(WAIT_TOKEN))
    world.service("states").send_task_success(token, {"s": "é" * 100_000})
    world.run(until=2)
    assert machine_.execution(arn).status == "SUCCEEDED"
    world, machine_, arn, token = waiting_token(one(WAIT_TOKEN))
    with pytest.raises(ValueError, match="256 KiB"):
        world.service("states").send_task_success(token, {"s": "é" * 140_000})
