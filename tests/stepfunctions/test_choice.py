"""Choice rules: every operator family, Path variants, type tests, and StringMatches."""

from __future__ import annotations

import fnmatch
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.stepfunctions.choice import rule_matches, string_matches
from course_lib.stepfunctions.dataflow import EvalContext
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.variables import Scope


def ctx(variables=None):
    return EvalContext(
        "C",
        2,
        {"Execution": {"Name": "run"}},
        Scope(values=variables or {}),
        random.Random(0),
        lambda: "u",
    )


def holds(rule, value, variables=None):
    return rule_matches(rule, value, ctx(variables))


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"Variable": "$.v", "NumericEquals": 1}, {"v": 1.0}, True),
        ({"Variable": "$.v", "NumericEquals": 1}, {"v": "1"}, False),
        ({"Variable": "$.v", "NumericLessThanEquals": 1}, {"v": 1}, True),
        ({"Variable": "$.v", "NumericGreaterThanPath": "$.w"}, {"v": 2, "w": 1}, True),
        ({"Variable": "$.v", "StringEquals": "a"}, {"v": "a"}, True),
        ({"Variable": "$.v", "StringLessThan": "b"}, {"v": "a"}, True),
        ({"Variable": "$.v", "StringGreaterThanEqualsPath": "$.w"}, {"v": "b", "w": "b"}, True),
        ({"Variable": "$.v", "BooleanEquals": True}, {"v": 1}, False),
        ({"Variable": "$.v", "BooleanEqualsPath": "$.w"}, {"v": False, "w": False}, True),
        (
            {"Variable": "$.v", "TimestampEquals": "2025-01-06T09:00:00Z"},
            {"v": "2025-01-06T10:00:00+01:00"},
            True,
        ),
        (
            {"Variable": "$.v", "TimestampLessThan": "2025-01-06T09:00:00Z"},
            {"v": "2025-01-06 08:00:00Z"},
            False,
        ),
        ({"Variable": "$.v", "IsNull": True}, {"v": None}, True),
        ({"Variable": "$.v", "IsPresent": False}, {}, True),
        ({"Variable": "$.v", "IsNumeric": True}, {"v": True}, False),
        ({"Variable": "$.v", "IsString": True}, {"v": "x"}, True),
        ({"Variable": "$.v", "IsBoolean": False}, {"v": 0}, True),
        ({"Variable": "$.v", "IsTimestamp": True}, {"v": "2016-03-14T01:59:00.123Z"}, True),
        ({"Variable": "$.v", "IsTimestamp": True}, {"v": "2016-13-14T01:59:00Z"}, False),
        ({"Variable": "$$.Execution.Name", "StringEquals": "run"}, {}, True),
        ({"Variable": "$limit", "NumericGreaterThan": 5}, {}, True),
        (
            {"Or": [{"Variable": "$.v", "IsNull": True}, {"Variable": "$.v", "NumericEquals": 3}]},
            {"v": 3},
            True,
        ),
        ({"Not": {"Variable": "$.v", "StringMatches": "*.jpg"}}, {"v": "a.png"}, True),
    ],
)
def test_operators(rule, value, expected):
    assert holds(rule, value, {"limit": 10}) is expected


def test_missing_variable_is_a_runtime_error_except_for_is_present():
    with pytest.raises(StatesError) as info:
        holds({"Variable": "$.nope", "StringEquals": "x"}, {})
    assert info.value.error == "States.Runtime"
    with pytest.raises(StatesError):
        holds({"Variable": "$.v", "NumericEqualsPath": "$.nope"}, {"v": 1})


def test_string_matches_escapes():
    assert string_matches("log*.txt", "log\\*.txt")
    assert not string_matches("log1.txt", "log\\*.txt")
    assert string_matches("a\\b", "a\\\\b")
    assert string_matches("", "*")
    assert not string_matches(3, "*")


@given(st.text(alphabet="ab*.", max_size=8), st.text(alphabet="ab.", max_size=8))
def test_string_matches_agrees_with_a_star_only_glob(pattern, text):
    glob = pattern.replace("[", "[[]")
    assert string_matches(text, pattern) == fnmatch.fnmatchcase(text, glob)


@given(st.integers(-100, 100) | st.floats(-100, 100, allow_nan=False), st.integers(-100, 100))
def test_numeric_comparisons_are_consistent(value, bound):
    lt = holds({"Variable": "$.v", "NumericLessThan": bound}, {"v": value})
    eq = holds({"Variable": "$.v", "NumericEquals": bound}, {"v": value})
    gt = holds({"Variable": "$.v", "NumericGreaterThan": bound}, {"v": value})
    assert [lt, eq, gt].count(True) == 1
    assert holds({"Variable": "$.v", "NumericLessThanEquals": bound}, {"v": value}) == (lt or eq)


@given(st.text(max_size=6), st.text(max_size=6))
def test_string_order_is_total(a, b):
    lt = holds({"Variable": "$.a", "StringLessThanPath": "$.b"}, {"a": a, "b": b})
    gt = holds({"Variable": "$.a", "StringGreaterThanPath": "$.b"}, {"a": a, "b": b})
    eq = holds({"Variable": "$.a", "StringEqualsPath": "$.b"}, {"a": a, "b": b})
    assert [lt, eq, gt].count(True) == 1
