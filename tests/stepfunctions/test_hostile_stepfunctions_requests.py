"""Hostile requests to the Step Functions engine: TestState's and validate's arguments, and
grammars of intrinsic calls, JSONata expressions and filter regexes.

Same contract as test_hostile_stepfunctions.py: a documented outcome (an ended
execution or answer with AWS's error name, or one of the package's exceptions naming
the field), never a Python error from inside the engine, within a wall-clock bound.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest
from hostile_states import FN, INTERNAL, bounded, fails, machine, one  # noqa: F401 (bounded applies to every test)
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.stepfunctions import (
    InvalidDefinition,
    ValidationException,
    execute,
    test_state,
    validate,
)
from course_lib.stepfunctions.regex_linear import compile_pattern


def raise_error(event, context):
    raise RuntimeError("down")


# -- TestState's mocks are JSON, read strictly ----------------------------------------------
LAMBDA_TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "f"},
    "End": True,
}


@pytest.mark.parametrize("result", ["NaN", "[Infinity]", "1e999", "[" * 3000 + "]" * 3000])
def test_a_mocked_result_that_is_not_json_is_a_validation_exception(result):
    with pytest.raises(ValidationException, match="Mocked result must be valid JSON"):
        test_state(LAMBDA_TASK, {}, mock={"result": result, "fieldValidationMode": "NONE"})


# -- TestState's request fields keep the API's limits; its answer keeps the payload limit ---
PASS = {"Type": "Pass", "End": True}
BIG = "x" * 262_145


@pytest.mark.parametrize(
    "state,arguments,field",
    [
        (PASS, {"input": {"a": BIG}}, "input"),
        (PASS, {"input": {}, "variables": {"v": BIG}}, "variables"),
        (PASS, {"input": {}, "context": {"Execution": {"Name": BIG}}}, "context"),
        (PASS, {"input": {}, "role_arn": ""}, "roleArn"),
        (PASS, {"input": {}, "role_arn": "r" * 257}, "roleArn"),
        ({**PASS, "Result": "x" * 1_048_577}, {"input": {}}, "definition"),
        (LAMBDA_TASK, {"input": {}, "mock": {"result": json.dumps(BIG)}}, "mock.result"),
        (LAMBDA_TASK, {"input": {}, "mock": {"errorOutput": {"error": "E" * 257}}}, "error"),
        (LAMBDA_TASK, {"input": {}, "mock": {"errorOutput": {"cause": "c" * 32_769}}}, "cause"),
    ],
)
def test_test_state_refuses_fields_longer_than_the_api_allows(state, arguments, field):
    with pytest.raises(ValidationException, match="failed to satisfy constraint") as info:
        test_state(state, **arguments)
    assert field in str(info.value)


@pytest.mark.parametrize(
    "arguments",
    [
        {"role_arn": 5},
        {"reveal_secrets": "yes"},
        {"mock": {"result": "1"}, "state_configuration": {"retrierRetryCount": 2**31}},
    ],
)
def test_test_state_refuses_arguments_of_the_wrong_type_or_range(arguments):
    state = LAMBDA_TASK if "mock" in arguments else PASS
    with pytest.raises(ValidationException):
        test_state(state, {}, **arguments)


@pytest.mark.parametrize(
    "state,mock",
    [
        ({"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": True}, None),
        (
            {**LAMBDA_TASK, "ResultSelector": {"a.$": "$", "b.$": "$"}},
            {"result": json.dumps("x" * 200_000), "fieldValidationMode": "NONE"},
        ),
    ],
)
def test_test_state_fails_an_output_over_256_kib_as_an_execution_does(state, mock):
    answer = test_state(state, {"s": "x" * 200_000}, mock=mock)
    assert (answer["status"], answer["error"]) == ("FAILED", "States.DataLimitExceeded")
    ex = execute(
        one({k: v for k, v in state.items() if k != "End"}),
        {"s": "x" * 200_000},
        handlers={"f": lambda e, c: "x" * 200_000},
    )
    fails(ex, "States.DataLimitExceeded")


# -- regular expressions in JSONPath filters match without backtracking ----------------------
@pytest.mark.parametrize(
    "pattern",
    ["(a+)+b", "(a|aa)*c", "^(\\w+\\s?)*$x", "(x+x+)+y", "(.*a){8}b", "(.{2,50})+b"],
)
def test_a_filter_regex_is_linear_on_adversarial_input(pattern):
    definition = one({"Type": "Pass", "OutputPath": f"$.v[?(@ =~ /{pattern}/)]"})
    ex = execute(definition, {"v": ["a" * 50_000 + "c", "ab"]})
    assert ex.status == "SUCCEEDED", ex.to_dict()


regex_atoms = st.sampled_from(
    ["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "[a-c]", "^", "$", "\\b", "\\B",
     "(?=a)", "(?!b)", "(?<=a)", "(?<!b)", "A"]
)  # fmt: skip
regexes = st.recursive(
    regex_atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}|{p[1]})"),
        st.tuples(inner, st.sampled_from(["*", "+", "?", "*?", "{2}", "{1,3}", "{2,}"])).map(
            lambda p: f"(?:{p[0]}){p[1]}"
        ),
    ),
    max_leaves=8,
)


@given(regexes, st.sampled_from([0, re.I, re.S, re.M]), st.text("abcA1 \n._", max_size=8))
@settings(max_examples=300, deadline=None)
def test_the_linear_matcher_agrees_with_re(pattern, flags, text):
    try:
        expected = re.compile(pattern, flags).fullmatch(text) is not None
    except (re.error, SystemError):
        return
    if text == "" and "\\B" in pattern and sys.version_info < (3, 14):
        return  # re before 3.14 never matched \B in an empty text; Java and 3.14 do
    assert compile_pattern(pattern, flags).fullmatch(text) == expected


def test_a_non_boundary_matches_an_empty_text_as_in_java():
    assert compile_pattern(r"\B", 0).fullmatch("")
    assert not compile_pattern(r"\b", 0).fullmatch("")


# -- a definition over 1 MB is refused, as CreateStateMachine refuses it -----------------------
def test_a_definition_longer_than_a_megabyte_is_invalid():
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(40_000)}
    states["S40000"] = {"Type": "Pass", "End": True}
    definition = {"StartAt": "S0", "States": states}
    for form in (definition, json.dumps(definition)):
        (problem,) = validate(form)
        assert "1048576" in problem.message
    with pytest.raises(InvalidDefinition):
        execute(definition, {})


# -- TestState: a catcher whose own ResultPath cannot apply fails the state, as executions do --
def test_test_state_answers_a_failing_catcher_result_path_as_an_execution_does():
    state = {
        "Type": "Task",
        "Resource": FN,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": "$.a.x.y"}],
        "End": True,
    }
    answer = test_state(state, {"a": {"x": 1}}, mock={"errorOutput": {"error": "E"}})
    assert (answer["status"], answer["error"]) == ("FAILED", "States.ResultPathMatchFailure")
    ex = execute(
        machine({"S": state, "H": {"Type": "Pass", "End": True}}),
        {"a": {"x": 1}},
        handlers={"f": raise_error},
    )
    fails(ex, "States.ResultPathMatchFailure")


@pytest.mark.parametrize("key", ["retrierRetryCount", "errorCausedByState"])
def test_a_null_state_configuration_field_counts_as_absent(key):
    state = {**LAMBDA_TASK, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]}
    answer = test_state(
        state, {}, mock={"errorOutput": {"error": "E"}}, state_configuration={key: None}
    )
    assert answer["status"] == "RETRIABLE"


@pytest.mark.parametrize("condition", ["true", 1, None, {"a": 1}, ["{% true %}"]])
def test_a_jsonata_condition_that_is_neither_an_expression_nor_a_boolean_is_invalid(condition):
    definition = machine(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": condition, "Next": "D"}]},
            "D": {"Type": "Succeed"},
        },
        QueryLanguage="JSONata",
    )
    assert [d.location for d in validate(definition)] == ["/States/C/Choices/0/Condition"]


def test_a_pass_with_result_and_an_input_path_that_selects_nothing_fails_in_both_engines():
    state = {"Type": "Pass", "InputPath": "$.missing", "Result": 1, "End": True}
    answer = test_state(state, {})
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime")
    fails(execute(machine({"S": state}), {}), "States.Runtime", "$.missing")


@pytest.mark.parametrize("kind", ["express", "BOGUS", None])
def test_validate_refuses_an_unknown_state_machine_type(kind):
    with pytest.raises(ValueError, match="state_machine_type"):
        validate(one({"Type": "Pass"}), state_machine_type=kind)


# -- any intrinsic call or JSONata expression ends in a documented outcome ----------------------
INTRINSIC_ARITY = {
    "States.Format": 3, "States.StringToJson": 1, "States.JsonToString": 1, "States.Array": 3,
    "States.ArrayPartition": 2, "States.ArrayContains": 2, "States.ArrayRange": 3,
    "States.ArrayGetItem": 2, "States.ArrayLength": 1, "States.ArrayUnique": 1,
    "States.Base64Encode": 1, "States.Base64Decode": 1, "States.Hash": 2, "States.JsonMerge": 3,
    "States.MathRandom": 2, "States.MathAdd": 2, "States.StringSplit": 2, "States.UUID": 0,
}  # fmt: skip
ATOMS = ["1", "-1", "0", "2147483647", "1.5", "1e300", "true", "null", "'a,b'", "''", "'{}'",
         "'[1e999]'", "'SHA-256'", "'\\\\'", "$", "$.s", "$.n", "$.a", "$.o", "$.a[*]", "$$.State"]  # fmt: skip
intrinsic_calls = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.builds(
        lambda name, args: f"{name}({', '.join(args)})",
        st.sampled_from(sorted(INTRINSIC_ARITY)),
        st.lists(inner, max_size=4),
    ),
    max_leaves=6,
).filter(lambda text: text.startswith("States."))
DOC = {"s": "a,b", "n": 2**40, "a": [1, "x", None, [2]], "o": {"k": {"k": 1}}}


def ended_documented(definition: dict, value: Any) -> None:
    try:
        ex = execute(definition, value)
    except InvalidDefinition:
        return
    assert ex.status in ("SUCCEEDED", "FAILED"), ex.to_dict()
    assert INTERNAL not in (ex.cause or ""), ex.cause
    assert isinstance(ex.error, str | None) and isinstance(ex.cause, str | None)
    json.dumps(ex.output, allow_nan=False)


@given(intrinsic_calls)
@settings(max_examples=150, deadline=None)
def test_any_intrinsic_call_ends_documented(call):
    ended_documented(one({"Type": "Pass", "Parameters": {"x.$": call}}), DOC)


JSONATA_ATOMS = ["$states.input", "$states.input.a", "$states.input.n", "1", "1e300", "'x'",
                 "[1,2]", "{}", "null", "$missing", "/a+/", "$v"]  # fmt: skip
JSONATA_FUNCTIONS = ["$string", "$number", "$sum", "$count", "$keys", "$split", "$join",
                     "$pad", "$substring", "$round", "$power", "$formatNumber", "$range",
                     "$partition", "$hash", "$parse", "$each", "$sort", "$match", "$replace",
                     "$fromMillis", "$toMillis", "$base64decode", "$decodeUrl", "$single"]  # fmt: skip
jsonata_expressions = st.recursive(
    st.sampled_from(JSONATA_ATOMS),
    lambda inner: st.one_of(
        st.builds(
            lambda f, args: f"{f}({', '.join(args)})",
            st.sampled_from(JSONATA_FUNCTIONS),
            st.lists(inner, max_size=3),
        ),
        st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            inner,
            st.sampled_from(["+", "*", "/", "&", "=", "<", "..", "and"]),
            inner,
        ),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def jsonata_loaded():
    """JSONata loads (and sets its recursion limit) once, before hypothesis watches."""
    execute(one({"Type": "Pass", "Output": "{% 1 %}"}, QueryLanguage="JSONata"), {})


@given(expression=jsonata_expressions)
@settings(max_examples=150, deadline=None)
def test_any_jsonata_expression_ends_documented(jsonata_loaded, expression):
    state = {"Type": "Pass", "Output": "{% " + expression + " %}"}
    ended_documented(one(state, QueryLanguage="JSONata"), DOC)


# -- TestState keeps the limits an execution's states keep -------------------------------------
def test_test_state_fails_an_output_nested_past_the_engines_depth_as_an_execution_does():
    state = {"Type": "Pass", "ResultPath": "$" + ".a" * 600, "End": True}
    answer = test_state(state, {})
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime")
    ex = execute(machine({"S": state}), {})
    assert ex.error == "States.Runtime" and answer["cause"].split(". ", 1)[1] in ex.cause


def test_test_state_returns_a_cause_of_at_most_32768_characters():
    state = {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": True}
    answer = test_state(state, {"big": "x" * 200_000})
    assert answer["status"] == "FAILED" and len(answer["cause"]) == 32_768
    ex = execute(machine({"S": state}), {"big": "x" * 200_000})
    assert len(ex.cause) == 32_768
