"""Property: any valid definition over any input ends in an AWS status, never a Python error."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.stepfunctions import execute, validate

keys = st.sampled_from(["a", "b", "items", "n"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(["x", "2025-01-06T09:00:00Z", ""])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
paths = st.sampled_from(
    ["$", "$.a", "$.b.n", "$.items[0]", "$.items[*]", "$..n", "$$.Execution.Input", "$v"]
)
intrinsics = st.sampled_from(
    [
        "States.Format('{}', $.a)",
        "States.ArrayLength($.items)",
        "States.MathAdd($.n, 1)",
        "States.JsonToString($)",
        "States.StringToJson($.a)",
        "States.ArrayGetItem($.items, 0)",
        "States.Hash($.a, 'MD5')",
        "States.UUID()",
    ]
)
templates = st.dictionaries(
    st.sampled_from(["p", "q.$", "r.$"]), st.one_of(paths, intrinsics, values), max_size=3
).map(
    lambda d: {
        k: (v if k.endswith(".$") and isinstance(v, str) else 1 if k.endswith(".$") else v)
        for k, v in d.items()
    }
)


@st.composite
def pass_state(draw):
    state = {"Type": "Pass"}
    if draw(st.booleans()):
        state["InputPath"] = draw(paths)
    if draw(st.booleans()):
        state["Parameters"] = draw(templates)
    if draw(st.booleans()):
        state["ResultPath"] = draw(st.sampled_from(["$.a", "$.b.c", "$", None]))
    if draw(st.booleans()):
        state["OutputPath"] = draw(paths)
    if draw(st.booleans()):
        state["Assign"] = {"v": draw(values)}
    return state


@st.composite
def machines(draw):
    states = draw(st.lists(pass_state(), min_size=1, max_size=4))
    named = {}
    for i, state in enumerate(states):
        named[f"S{i}"] = {
            **state,
            **({"Next": f"S{i + 1}"} if i < len(states) - 1 else {"End": True}),
        }
    if draw(st.booleans()):
        named[f"S{len(states) - 1}"].pop("End")
        named[f"S{len(states) - 1}"]["Next"] = "Route"
        named["Route"] = {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": draw(paths.filter(lambda p: "*" not in p and ".." not in p)),
                    draw(st.sampled_from(["IsPresent", "IsNull", "IsString"])): True,
                    "Next": "Done",
                },
                {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Done"},
            ],
            "Default": "Stop",
        }
        named["Done"] = {"Type": "Succeed"}
        named["Stop"] = {"Type": "Fail", "Error": "Stopped"}
    return {"StartAt": "S0", "States": named}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines(), values)
def test_every_execution_ends_in_an_aws_status(definition, payload):
    problems = validate(definition)
    if problems:
        return
    result = execute(definition, json.dumps(payload))
    assert result.status in ("SUCCEEDED", "FAILED")
    if result.status == "FAILED":
        assert result.error == "Stopped" or result.error.startswith("States.")
        assert result.history[-1]["type"] == "ExecutionFailed"
    else:
        assert result.history[-1]["type"] == "ExecutionSucceeded"
