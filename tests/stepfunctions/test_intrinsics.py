"""The 18 intrinsic functions: results, argument rules, parsing."""

from __future__ import annotations

import base64
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.stepfunctions import intrinsics
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.intrinsics import Env, IntrinsicSyntaxError, evaluate, parse

INPUT = {
    "s": "a,b,,c",
    "arr": [1, 2, 2, {"k": 1}, {"k": 1}],
    "n": 3,
    "obj": {"x": 1},
    "text": "Data to encode",
}


def env(document=None):
    document = INPUT if document is None else document

    def resolve(path):
        assert path.startswith("$.")
        return document[path[2:]]

    counter = iter(range(1000))
    return Env(resolve, random.Random(1), lambda: f"uuid-{next(counter)}")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("States.Format('Hello {} and {}', $.n, 'x')", "Hello 3 and x"),
        ("States.Format('esc \\{\\} \\' {}', null)", "esc {} ' null"),
        ("States.StringToJson('{\"a\": [1]}')", {"a": [1]}),
        ("States.JsonToString($.obj)", '{"x":1}'),
        ("States.Array(1, 'two', true, null)", [1, "two", True, None]),
        ("States.ArrayPartition(States.Array(1,2,3,4,5), 2)", [[1, 2], [3, 4], [5]]),
        ("States.ArrayContains($.arr, 2)", True),
        ("States.ArrayContains($.arr, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.arr, 3)", {"k": 1}),
        ("States.ArrayLength($.arr)", 5),
        ("States.ArrayUnique($.arr)", [1, 2, {"k": 1}]),
        ("States.Base64Encode($.text)", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'MD5')", "812f45842bc6d66ee14572ce20db8e86"),
        ("States.JsonMerge($.obj, States.StringToJson('{\"y\": 2}'), false)", {"x": 1, "y": 2}),
        ("States.MathAdd(1.5, -2.5)", 0),
        ("States.StringSplit($.s, ',')", ["a", "b", "c"]),
        ("States.UUID()", "uuid-0"),
    ],
)
def test_functions(call, expected):
    assert evaluate(call, env()) == expected


def test_math_random_is_in_range_and_seeded():
    e = env()
    values = [evaluate("States.MathRandom(1, 5)", e) for _ in range(50)]
    assert set(values) <= {1, 2, 3, 4}
    assert evaluate("States.MathRandom(0, 1000, 7)", env()) == evaluate(
        "States.MathRandom(0, 1000, 7)", env()
    )


@pytest.mark.parametrize(
    "call",
    [
        "States.Format('{} {}', 1)",
        "States.ArrayPartition($.arr, 0)",
        "States.ArrayRange(1, 2, 0)",
        "States.ArrayRange(0, 5000, 1)",
        "States.ArrayGetItem($.arr, 9)",
        "States.ArrayLength($.obj)",
        "States.Base64Decode('***')",
        "States.Hash('x', 'SHA-3')",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.MathAdd('1', 2)",
        "States.MathRandom(5, 1)",
        "States.StringToJson('{')",
        "States.UUID(1)",
    ],
)
def test_argument_errors_are_intrinsic_failures(call):
    with pytest.raises(StatesError) as info:
        evaluate(call, env())
    assert info.value.error == "States.IntrinsicFailure"
    assert call.split("(")[0] in info.value.cause


@pytest.mark.parametrize(
    "bad",
    ["States.Nope()", "States.Format('x'", "States.Array(1 2)", "States.Format('unterminated)"],
)
def test_syntax_errors(bad):
    with pytest.raises(IntrinsicSyntaxError):
        parse(bad)


def test_all_18_functions_exist():
    assert len(intrinsics.FUNCTION_NAMES) == 18


@given(st.text(max_size=200))
def test_base64_round_trip(text):
    e = env({"t": text})
    encoded = evaluate("States.Base64Encode($.t)", e)
    assert encoded == base64.b64encode(text.encode()).decode()
    assert evaluate("States.Base64Decode($.t)", env({"t": encoded})) == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(json_values)
def test_json_to_string_and_back(value):
    text = evaluate("States.JsonToString($.v)", env({"v": value}))
    assert json.loads(text) == value
    assert evaluate("States.StringToJson($.t)", env({"t": text})) == value


@given(st.lists(st.integers(), max_size=20), st.integers(1, 6))
def test_partition_preserves_order(values, size):
    parts = evaluate("States.ArrayPartition($.a, $.n)", env({"a": values, "n": size}))
    assert [v for part in parts for v in part] == values
    assert all(len(p) == size for p in parts[:-1])


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(bool))
def test_array_range_matches_inclusive_range(start, end, step):
    got = evaluate("States.ArrayRange($.a, $.b, $.c)", env({"a": start, "b": end, "c": step}))
    assert got == list(range(start, end + (1 if step > 0 else -1), step))


@given(st.lists(st.integers(0, 5), max_size=15))
def test_array_unique_keeps_first_occurrences(values):
    assert evaluate("States.ArrayUnique($.a)", env({"a": values})) == list(dict.fromkeys(values))


any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(st.sampled_from(intrinsics.FUNCTION_NAMES), st.lists(any_json, max_size=4))
def test_any_arguments_give_a_value_or_an_intrinsic_failure(name, args):
    document = {f"a{i}": v for i, v in enumerate(args)}
    call = f"{name}({', '.join(f'$.a{i}' for i in range(len(args)))})"
    try:
        result = evaluate(call, env(document))
    except StatesError as err:
        assert err.error == "States.IntrinsicFailure"
        return
    json.dumps(result, allow_nan=False)


def test_format_writes_objects_and_arrays_as_java_does():
    """Recorded on AWS (TestGeneric::test_format_2, test_context_json_path): Format
    writes an object as Java's Map.toString and a string inside it without quotes."""
    got = evaluate(
        "States.Format('a={} b={}', $.obj, $.arr)",
        Env(
            lambda p: {"$.obj": {"Arg1": 1, "Arg2": []}, "$.arr": [1, "x", None, True]}[p],
            None,
            lambda: "u",
        ),
    )
    assert got == "a={Arg1=1, Arg2=[]} b=[1, x, null, true]"


@pytest.mark.parametrize(
    "number,text",
    [
        (1e10, "1.0E10"),
        (1e-4, "1.0E-4"),
        (0.001, "0.001"),
        (2.0, "2.0"),
        (1.1, "1.1"),
        (12345678.0, "1.2345678E7"),
        (9999999.0, "9999999.0"),
        (-0.0, "-0.0"),
        (7, "7"),
    ],
)
def test_numbers_are_written_as_aws_writes_them(number, text):
    """AWS serialises with Jackson: a double reads as Java's Double.toString."""
    values = Env(lambda p: number, None, lambda: "u")
    assert evaluate("States.JsonToString($.n)", values) == text
    assert evaluate("States.Format('{}', $.n)", values) == text


def test_json_to_string_round_trips_through_string_to_json():
    document = {"a": [1, 2.5, 1e10, 'x"y', None, True], "é": {"k": -3e-7}}
    values = Env(lambda p: document, None, lambda: "u")
    text = evaluate("States.JsonToString($)", values)
    assert json.loads(text) == document
