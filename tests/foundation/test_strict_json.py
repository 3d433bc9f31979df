"""Strict JSON at the engines' boundaries: no NaN, no Infinity, bounded depth."""

import datetime
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib import strict_json
from course_lib.strict_json import JsonError

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_round_trip(value):
    assert strict_json.loads(strict_json.dumps(value)) == value


@pytest.mark.parametrize("text", ["NaN", "[1, Infinity]", '{"a": -Infinity}'])
def test_non_finite_numbers_are_not_json(text):
    with pytest.raises(JsonError, match="is not a JSON value"):
        strict_json.loads(text, field="input")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_is_an_error_not_a_crash(opening):
    with pytest.raises(JsonError, match="nests deeper than 1000 levels"):
        strict_json.loads(opening * 100_000)


def test_brackets_inside_strings_do_not_count():
    text = '["' + "[" * 5000 + '"]'
    assert strict_json.loads(text) == ["[" * 5000]
    assert strict_json.nesting_depth(text) == 1


def test_invalid_utf8_names_the_field():
    with pytest.raises(JsonError, match=r"^Detail: is not valid UTF-8"):
        strict_json.loads(b'{"a": "\xff"}', field="Detail")


def test_syntax_errors_say_where():
    with pytest.raises(JsonError, match="at character 1"):
        strict_json.loads("{bad")


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": math.nan}, "x.a"),
        ({"a": [1, math.inf]}, "x.a[1]"),
        ({"when": datetime.datetime(2026, 1, 1)}, "x.when"),
        ({"tags": {"a"}}, "x.tags"),
        ({1: "a"}, "x"),
    ],
)
def test_values_that_are_not_json_name_their_place(value, where):
    with pytest.raises(JsonError) as caught:
        strict_json.dumps(value, field="x")
    assert caught.value.field == where


def test_checking_a_deep_value_does_not_recurse():
    value: list = []
    for _ in range(5000):
        value = [value]
    with pytest.raises(JsonError, match="nests deeper"):
        strict_json.check(value)
