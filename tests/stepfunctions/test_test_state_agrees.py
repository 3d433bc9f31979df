"""TestState agrees with a full execution, and an execution opens state by state."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.stepfunctions import ValidationException, execute, inspect_execution
from course_lib.stepfunctions import test_state as run_state

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:work"

_leaf = st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y"]), st.none(), st.booleans())
_json = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=8,
)
_documents = st.dictionaries(st.sampled_from("abc"), _json, max_size=3)
_paths = st.sampled_from(["$", "$.a", "$.b", "$.a.b", "$.c[0]", "$.a.c"])
_optional_path = st.one_of(st.just("absent"), st.none(), _paths)
_templates = st.one_of(
    st.just("absent"),
    st.fixed_dictionaries({"picked.$": _paths, "fixed": _leaf}),
    st.fixed_dictionaries(
        {"count.$": st.sampled_from(["States.ArrayLength($.a)", "$$.State.Name"])}
    ),
)


def _state(kind: str, fields: dict) -> dict:
    state = {"Type": kind, "End": True}
    if kind == "Task":
        state["Resource"] = FUNCTION
    state.update({k: v for k, v in fields.items() if v != "absent"})
    return state


def _comparable(answer: dict) -> dict:
    return {k: answer.get(k) for k in ("status", "output", "error", "cause")}


@settings(max_examples=150, deadline=None)
@given(
    document=_documents,
    result=_json,
    input_path=_optional_path,
    parameters=_templates,
    result_selector=_templates,
    result_path=_optional_path,
    output_path=_optional_path,
)
def test_a_task_answers_as_a_one_state_execution_does(
    document, result, input_path, parameters, result_selector, result_path, output_path
):
    fields = {
        "InputPath": input_path,
        "Parameters": parameters,
        "ResultSelector": result_selector,
        "ResultPath": result_path,
        "OutputPath": output_path,
    }
    if result_selector != "absent" and not isinstance(result, dict | list):
        fields["ResultSelector"] = "absent"  # the selector reads the result: it must be JSON
    state = _state("Task", fields)
    execution = execute(
        {"StartAt": "StateName", "States": {"StateName": state}},
        document,
        handlers={FUNCTION: lambda event, context: result},
    )
    answer = run_state(state, document, mock={"result": json.dumps(result)})
    expected = execution.to_dict()
    got = _comparable(answer)
    if expected["status"] == "SUCCEEDED":
        assert got == {**expected, "error": None, "cause": None}
    else:
        assert (got["status"], got["error"], got["cause"]) == (
            "FAILED",
            expected["error"],
            expected["cause"],
        )


@settings(max_examples=150, deadline=None)
@given(
    document=_documents,
    input_path=_optional_path,
    parameters=_templates,
    result_path=_optional_path,
    output_path=_optional_path,
)
def test_a_pass_state_answers_as_a_one_state_execution_does(
    document, input_path, parameters, result_path, output_path
):
    fields = {
        "InputPath": input_path,
        "Parameters": parameters,
        "ResultPath": result_path,
        "OutputPath": output_path,
    }
    state = _state("Pass", fields)
    execution = execute({"StartAt": "StateName", "States": {"StateName": state}}, document)
    answer = run_state(state, document, inspection_level="TRACE")
    expected = execution.to_dict()
    assert _comparable(answer)["status"] == expected["status"]
    if expected["status"] == "SUCCEEDED":
        assert answer["output"] == expected["output"]
        if result_path is None:
            assert answer["inspectionData"]["afterResultPath"] == document
    else:
        assert (answer["error"], answer["cause"]) == (expected["error"], expected["cause"])


# -- an execution, state by state -------------------------------------------------------------
MACHINE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n"},
            "Assign": {"start.$": "$.n"},
            "Next": "Work",
        },
        "Work": {
            "Type": "Task",
            "Resource": FUNCTION,
            "ResultSelector": {"items.$": "$.items"},
            "ResultPath": "$.work",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.work.items",
            "ItemProcessor": {
                "StartAt": "Double",
                "States": {
                    "Double": {
                        "Type": "Pass",
                        "Parameters": {"v.$": "States.MathAdd($, $)"},
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.doubled",
            "Next": "Risky",
        },
        "Risky": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:risky",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.problem", "Next": "Done"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


class Flaky(Exception):
    pass


def _run():
    calls = []

    def work(event, context):
        calls.append(event)
        if len(calls) == 1:
            raise Flaky("not yet")
        return {"items": [event["n"], 10]}

    def risky(event, context):
        raise ValueError("no")

    return execute(
        MACHINE,
        {"n": 1},
        handlers={FUNCTION: work, "arn:aws:lambda:us-east-1:123456789012:function:risky": risky},
    )


def test_every_state_entered_opens_stage_by_stage():
    execution = _run()
    assert execution.status == "SUCCEEDED"
    answers = inspect_execution(execution)
    assert [a["stateName"] for a in answers] == execution.states_entered
    prepare, work, each, *doubles, risky, done = answers
    assert prepare["inspectionData"]["variables"] == {"start": 1}
    assert work["inspectionData"]["result"] == {"items": [1, 10]}
    assert work["inspectionData"]["afterResultSelector"] == {"items": [1, 10]}
    assert work["inspectionData"]["variables"] == {"start": 1}
    assert each["inspectionData"]["afterItemsPath"] == [1, 10]
    assert [d["output"] for d in doubles] == [{"v": 2}, {"v": 20}]
    assert risky["status"] == "CAUGHT_ERROR"
    assert risky["nextState"] == "Done"
    assert risky["output"]["problem"]["Error"] == "ValueError"
    assert done["output"] == execution.output


def test_each_answer_repeats_what_the_execution_did():
    execution = _run()
    exits = [
        e["stateExitedEventDetails"]["output"]
        for e in execution.history
        if e["type"].endswith("StateExited")
    ]
    outputs = [json.dumps(a["output"], separators=(",", ":")) for a in inspect_execution(execution)]
    assert sorted(outputs) == sorted(exits)


def test_a_replayed_error_names_the_event_the_state_entered_at():
    machine = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Next": "Second"},
            "Second": {"Type": "Pass", "InputPath": "$.missing", "End": True},
        },
    }
    execution = execute(machine, {})
    assert execution.status == "FAILED"
    assert execution.inspect("Second")["cause"] == execution.cause


def test_one_state_by_name_or_position():
    execution = _run()
    assert execution.inspect("Work")["inspectionData"]["result"] == {"items": [1, 10]}
    assert execution.inspect(0)["stateName"] == "Prepare"
    assert execution.inspect(-1, inspection_level="INFO") == {
        "stateName": "Done",
        "status": "SUCCEEDED",
        "output": execution.output,
    }
    with pytest.raises(KeyError, match="never entered 'Nope'"):
        execution.inspect("Nope")
    with pytest.raises(IndexError, match="entered 7 states"):
        execution.inspect(7)
    with pytest.raises(ValidationException, match="inspectionLevel"):
        inspect_execution(execution, inspection_level="ALL")


def test_the_context_of_a_retried_task_counts_its_retries():
    machine = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": FUNCTION,
                "ResultSelector": {"retries.$": "$$.State.RetryCount"},
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1}],
                "End": True,
            }
        },
    }
    calls = []

    def work(event, context):
        calls.append(1)
        if len(calls) < 3:
            raise Flaky("again")
        return {}

    execution = execute(machine, {}, handlers={FUNCTION: work})
    assert execution.output == {"retries": 2}
    assert execution.inspect("Work")["output"] == {"retries": 2}
