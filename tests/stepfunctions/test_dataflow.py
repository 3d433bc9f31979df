"""JSONPath data-flow stages, one function per stage, and payload templates."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.stepfunctions import dataflow
from course_lib.stepfunctions.dataflow import EvalContext
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.variables import Scope


def ctx(variables=None):
    return EvalContext(
        state_name="S",
        entered_event_id=2,
        context_object={"Execution": {"Id": "arn:exec"}, "State": {"Name": "S"}},
        scope=Scope(values=variables or {}),
        random=random.Random(0),
        uuid=lambda: "u-1",
    )


def test_stages_in_order():
    state = {
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "exec.$": "$$.Execution.Id", "fixed": 1, "who.$": "$user"},
        "ResultSelector": {"total.$": "$.sum"},
        "ResultPath": "$.result",
        "OutputPath": "$.result",
    }
    raw = {"order": {"id": 7}}
    c = ctx({"user": "ana"})
    effective = dataflow.apply_input_path(state, raw, c)
    assert effective == {"id": 7}
    assert dataflow.apply_parameters(state, effective, c) == {
        "id": 7,
        "exec": "arn:exec",
        "fixed": 1,
        "who": "ana",
    }
    selected = dataflow.apply_result_selector(state, {"sum": 12, "noise": True}, c)
    assert selected == {"total": 12}
    placed = dataflow.apply_result_path(state, raw, selected, c)
    assert placed == {"order": {"id": 7}, "result": {"total": 12}}
    assert dataflow.apply_output_path(state, placed, c) == {"total": 12}


def test_null_paths():
    c = ctx()
    assert dataflow.apply_input_path({"InputPath": None}, {"a": 1}, c) == {}
    assert dataflow.apply_result_path({"ResultPath": None}, {"a": 1}, "r", c) == {"a": 1}
    assert dataflow.apply_output_path({"OutputPath": None}, {"a": 1}, c) == {}
    assert dataflow.apply_result_path({}, {"a": 1}, "r", c) == "r"


def test_missing_paths_fail_like_aws():
    c = ctx()
    with pytest.raises(StatesError) as info:
        dataflow.apply_input_path({"InputPath": "$.nope"}, {"a": 1}, c)
    assert info.value.error == "States.Runtime"
    assert info.value.cause.endswith("Invalid path '$.nope' : No results for path: $['nope']")
    assert "(entered at the event id #2)" in info.value.cause
    with pytest.raises(StatesError) as info:
        dataflow.payload_template({"v.$": "$.nope"}, {"a": 1}, c)
    assert (
        "The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{\"a\":1}'"
        in info.value.cause
    )


def test_result_path_into_a_scalar_fails():
    with pytest.raises(StatesError) as info:
        dataflow.apply_result_path({"ResultPath": "$.a.b"}, {"a": 1}, 2, ctx())
    assert info.value.error == "States.ResultPathMatchFailure"


def test_nested_templates_and_intrinsics():
    template = {"list": [{"x.$": "$.a"}, 3], "nested": {"f.$": "States.Format('{}-{}', $.a, $.b)"}}
    assert dataflow.payload_template(template, {"a": 1, "b": "z"}, ctx()) == {
        "list": [{"x": 1}, 3],
        "nested": {"f": "1-z"},
    }


def test_jsonpath_assign_reads_result():
    assert dataflow.evaluate_assign_jsonpath({"n.$": "$.n", "k": "v"}, {"n": 4}, ctx()) == {
        "n": 4,
        "k": "v",
    }


keys = st.text(alphabet="abcxyz", min_size=1, max_size=5)
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(keys, values, max_size=4))
def test_template_without_dollar_keys_is_identity(document):
    assert dataflow.payload_template(document, {"anything": 1}, ctx()) == document


@given(st.dictionaries(keys, values, min_size=1, max_size=4))
def test_dollar_keys_copy_the_selected_values(document):
    template = {f"{k}.$": f"$['{k}']" for k in document}
    assert dataflow.payload_template(template, document, ctx()) == document


@given(st.dictionaries(keys, values, max_size=4), keys, values)
def test_result_path_places_and_output_path_reads_back(document, key, result):
    c = ctx()
    placed = dataflow.apply_result_path({"ResultPath": f"$.{key}"}, document, result, c)
    assert dataflow.apply_output_path({"OutputPath": f"$.{key}"}, placed, c) == result
    assert {k: v for k, v in placed.items() if k != key} == {
        k: v for k, v in document.items() if k != key
    }
