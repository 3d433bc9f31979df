"""validate(): every problem at once, each with a code, a JSON-pointer location and a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_lib.stepfunctions import InvalidDefinition, execute, validate

DATA = Path(__file__).resolve().parents[2] / "data" / "statemachines"


def codes(definition, **kw):
    return {(d.code, d.location) for d in validate(definition, **kw)}


def test_example_definitions_are_valid():
    files = sorted(DATA.glob("*.asl.json"))
    assert files
    for path in files:
        assert validate(json.loads(path.read_text())) == [], path.name


def test_missing_start_at_and_states():
    assert ("SCHEMA_VALIDATION_FAILED", "/StartAt") in codes({"States": {"A": {"Type": "Succeed"}}})
    assert ("SCHEMA_VALIDATION_FAILED", "/States") in codes({"StartAt": "A"})


def test_unknown_targets():
    found = codes({"StartAt": "X", "States": {"A": {"Type": "Pass", "Next": "B"}}})
    assert ("MISSING_TRANSITION_TARGET", "/StartAt") in found
    assert ("MISSING_TRANSITION_TARGET", "/States/A/Next") in found


def test_unreachable_and_no_terminal():
    found = codes(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Next": "A"},
                "C": {"Type": "Succeed"},
            },
        }
    )
    assert ("MISSING_TRANSITION_TARGET", "/States/C") in found
    assert ("MISSING_END_STATE", "/States") in found


def test_fields_that_do_not_belong():
    found = codes(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Resource": "x", "Next": "B", "End": True},
                "B": {"Type": "Fail", "Next": "A"},
            },
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/Resource") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/B/Next") in found


def test_states_all_must_be_alone_and_last():
    found = codes(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "Retry": [{"ErrorEquals": ["States.ALL", "X"]}, {"ErrorEquals": ["Y"]}],
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "Next": "E"},
                        {"ErrorEquals": ["Z"], "Next": "E"},
                    ],
                    "End": True,
                },
                "E": {"Type": "Succeed"},
            },
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/T/Retry/0/ErrorEquals") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/T/Catch/0/ErrorEquals") in found


def test_malformed_path_and_intrinsic():
    found = codes(
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Pass",
                    "InputPath": "$.a[]",
                    "ResultPath": "$.a[*]",
                    "Parameters": {"x.$": "States.Nope(1)", "y.$": "not a path"},
                    "End": True,
                }
            },
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/InputPath") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/x.$") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/y.$") in found


def test_query_language_fields():
    found = codes(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Output": "{% 1 %}", "Next": "B"},
                "B": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "InputPath": "$.x",
                    "Output": "{% 1 + %}",
                    "End": True,
                },
            },
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/A/Output") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/B/InputPath") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/B/Output") in found


def test_choice_rules():
    found = codes(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.a", "NumericEquals": "1", "Next": "E"},
                        {
                            "Variable": "$.a",
                            "StringEquals": "x",
                            "BooleanEquals": True,
                            "Next": "E",
                        },
                        {"Not": {"Variable": "$.a", "IsNull": True, "Next": "E"}, "Next": "E"},
                        {"Variable": "$.a", "IsPresent": True},
                    ],
                    "Default": "Nowhere",
                },
                "E": {"Type": "Succeed"},
            },
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/NumericEquals") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/1") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/2/Not/Next") in found
    assert ("SCHEMA_VALIDATION_FAILED", "/States/C/Choices/3") in found
    assert ("MISSING_TRANSITION_TARGET", "/States/C/Default") in found


def test_wait_needs_exactly_one_duration():
    found = codes(
        {
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}},
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "/States/W") in found


def test_nested_graphs_are_checked_with_their_own_locations():
    found = codes(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}],
                    "End": True,
                },
            },
        }
    )
    assert ("MISSING_TRANSITION_TARGET", "/States/P/Branches/0/StartAt") in found


def test_express_rejects_callback_and_sync():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {},
                "End": True,
            }
        },
    }
    assert validate(definition) == []
    assert ("SCHEMA_VALIDATION_FAILED", "/States/T/Resource") in codes(
        definition, state_machine_type="EXPRESS"
    )


def test_bad_json_text_and_empty_definition():
    [diagnostic] = validate("{not json")
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION"
    assert validate("  ")[0].code == "MISSING_DESCRIPTION"


def test_state_names_are_unique_in_the_whole_machine_and_short():
    branch = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    found = codes(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Parallel", "Branches": [branch], "Next": "B" * 81},
                "B" * 81: {"Type": "Succeed"},
            },
        }
    )
    assert ("DUPLICATE_STATE_NAME", "/States/A/Branches/0/States/A") in found or (
        "DUPLICATE_STATE_NAME",
        "/States/A",
    ) in found
    assert ("INVALID_STATE_NAME", "/States/" + "B" * 81) in found


def test_execute_refuses_invalid_definitions_with_every_problem():
    with pytest.raises(InvalidDefinition) as info:
        execute({"StartAt": "A", "States": {"A": {"Type": "Pass"}, "B": {"Type": "Bogus"}}}, {})
    locations = {d.location for d in info.value.diagnostics}
    assert {"/States/A", "/States/B/Type"} <= locations
    assert "/States/B/Type" in str(info.value)
