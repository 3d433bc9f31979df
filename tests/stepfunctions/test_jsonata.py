"""JSONata states: expressions, $states, Step Functions' extra functions, errors."""

from __future__ import annotations

import hashlib

from course_lib.sim.world import World
from course_lib.stepfunctions import execute


def run(state: dict, payload=None, **kw):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "S",
        "States": {"S": {**state, "End": True}},
    }
    return execute(definition, {} if payload is None else payload, **kw)


def test_output_template_with_nested_expressions():
    ex = run(
        {
            "Type": "Pass",
            "Output": {"a": "{% $states.input.x * 2 %}", "list": ["{% 'k' %}", 3], "plain": "text"},
        },
        {"x": 4},
    )
    assert ex.output == {"a": 8, "list": ["k", 3], "plain": "text"}


def test_extra_functions():
    ex = run(
        {
            "Type": "Pass",
            "Output": {
                "p": "{% $partition([1,2,3,4,5], 2) %}",
                "r": "{% $range(0, 10, 5) %}",
                "h": "{% $hash('input data', 'SHA-256') %}",
                "j": "{% $parse('{\"a\": [1, null]}') %}",
            },
        }
    )
    assert ex.output == {
        "p": [[1, 2], [3, 4], [5]],
        "r": [0, 5, 10],
        "h": hashlib.sha256(b"input data").hexdigest(),
        "j": {"a": [1, None]},
    }


def test_random_and_uuid_are_seeded():
    state = {"Type": "Pass", "Output": {"r": "{% $random() %}", "u": "{% $uuid() %}"}}
    assert run(state, world=World(seed=4)).output == run(state, world=World(seed=4)).output
    assert run(state, world=World(seed=4)).output != run(state, world=World(seed=5)).output


def test_nulls_survive_and_undefined_fails():
    assert run({"Type": "Pass", "Output": {"n": "{% $states.input.n %}"}}, {"n": None}).output == {
        "n": None
    }
    ex = run({"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}})
    assert ex.error == "States.QueryEvaluationError"
    assert (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
        in ex.cause
    )


def test_evaluation_error_names_the_jsonata_code():
    ex = run({"Type": "Pass", "Output": "{% $notAFunction(1) %}"})
    assert ex.error == "States.QueryEvaluationError"
    assert "T1006" in ex.cause


def test_task_arguments_result_and_error_output():
    def handler(event, context):
        if event["fail"]:
            raise ValueError("bad")
        return {"got": event["v"]}

    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:h",
                "Arguments": {"v": "{% $states.input.v %}", "fail": "{% $states.input.fail %}"},
                "Output": "{% $states.result.got %}",
                "Catch": [
                    {
                        "ErrorEquals": ["ValueError"],
                        "Output": "{% $states.errorOutput.Error %}",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    assert execute(definition, {"v": 5, "fail": False}, handlers={"h": handler}).output == 5
    assert (
        execute(definition, {"v": 5, "fail": True}, handlers={"h": handler}).output == "ValueError"
    )


def test_choice_condition_and_map_items():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemSelector": {
                    "v": "{% $states.context.Map.Item.Value %}",
                    "i": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {
                            "Type": "Choice",
                            "Choices": [{"Condition": "{% $states.input.v > 1 %}", "Next": "Big"}],
                            "Default": "Small",
                        },
                        "Big": {"Type": "Pass", "Output": "big", "End": True},
                        "Small": {
                            "Type": "Pass",
                            "Output": "{% 'small' & $string($states.input.i) %}",
                            "End": True,
                        },
                    },
                },
                "End": True,
            }
        },
    }
    assert execute(definition, {"xs": [1, 5]}).output == ["small0", "big"]


def test_items_must_be_an_array():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% 1 %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    ex = execute(definition, {})
    assert ex.error == "States.QueryEvaluationError"
    assert "Expected 'array', but was 'number' for value: 1" in ex.cause


def test_mixed_query_languages():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$.v"}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.x + 1 %}",
                "End": True,
            },
        },
    }
    assert execute(definition, {"v": 1}).output == 2
