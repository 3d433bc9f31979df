"""JSONPath parsing, selection and ResultPath placement."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.stepfunctions import jsonpath
from course_lib.stepfunctions.jsonpath import MISSING, PathSyntaxError, parse, select, set_reference

DOC = {
    "a": {"b": [1, 2, {"c": 3}]},
    "items": [{"p": 1, "n": "x"}, {"p": 5, "n": "y"}],
    "weird key": 7,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b[2].c", 3),
        ("$.a.b[-1]", {"c": 3}),
        ("$['weird key']", 7),
        ("$.a.b[*]", [1, 2, {"c": 3}]),
        ("$.a.b[0:2]", [1, 2]),
        ("$.a.b[0,2]", [1, {"c": 3}]),
        ("$..c", [3]),
        ("$.items[?(@.p > 2)].n", ["y"]),
        ("$.items[?(@.n == 'x')]", [{"p": 1, "n": "x"}]),
        ("$.items[*].p", [1, 5]),
        ("$.nope", MISSING),
        ("$.a.b[7]", MISSING),
        ("$.nope[*]", []),
    ],
)
def test_select(path, expected):
    assert select(parse(path), DOC) == expected


def test_roots_and_normalized_form():
    assert parse("$$.Execution.Id").root == "$$"
    assert parse("$myVar.x").root == "myVar"
    assert parse("$.a['b'][0]").normalized() == "$['a']['b'][0]"
    assert parse("$.a.b").definite and not parse("$.a[*]").definite


@pytest.mark.parametrize("bad", ["a.b", "$.", "$[", "$.a[]", "$[?(@.a ==)]", "$.a[::]"])
def test_malformed_paths_are_rejected(bad):
    with pytest.raises(PathSyntaxError):
        parse(bad)


def test_set_reference_creates_missing_objects_and_copies():
    doc = {"a": 1}
    out = set_reference(doc, parse("$.b.c"), 2)
    assert out == {"a": 1, "b": {"c": 2}}
    assert doc == {"a": 1}
    assert set_reference([1, 2], parse("$[1]"), "x") == [1, "x"]
    assert set_reference(doc, parse("$"), 5) == 5


def test_set_reference_through_a_scalar_fails():
    with pytest.raises(ValueError):
        set_reference({"a": 1}, parse("$.a.b"), 2)
    with pytest.raises(ValueError):
        set_reference({"a": 1}, parse("$.a[*]"), 2)


keys = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)


@given(
    st.lists(keys, min_size=1, max_size=4),
    json_values,
    st.dictionaries(keys, json_values, max_size=3),
)
def test_set_then_select_round_trips(path_keys, value, document):
    path = parse("$" + "".join(f"['{k}']" for k in path_keys))
    try:
        placed = set_reference(document, path, value)
    except ValueError:
        return
    assert select(path, placed) == value


@given(st.dictionaries(keys, json_values, max_size=4))
def test_wildcard_selects_every_value(document):
    assert select(parse("$.*"), document) == list(document.values())
    for key, value in document.items():
        assert select(parse(f"$['{key}']"), document) == value


@given(st.lists(st.integers(), max_size=8), st.integers(0, 10), st.integers(0, 10))
def test_slices_with_non_negative_bounds_match_python(values, start, end):
    assert select(parse(f"$[{start}:{end}]"), values) == values[start:end]


@given(st.lists(st.integers(), max_size=8), st.integers(-10, 10))
def test_open_ended_slices_match_python(values, bound):
    assert select(parse(f"$[{bound}:]"), values) == values[bound:]
    assert select(parse(f"$[:{bound}]"), values) == values[:bound]


def test_parse_is_cached():
    assert jsonpath.parse("$.a.b") is jsonpath.parse("$.a.b")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items.length()", 2),
        ("$.items[*].p.sum()", 6),
        ("$.items[*].p.max()", 5),
        ("$.items[*].p.avg()", 3),
        ("$.items[*].p.stddev()", 2),
        ("$.a.keys()", ["b"]),
        ("$.a.b.first()", 1),
        ("$.a.b.last()", {"c": 3}),
        ("$.a.b.sum()", 3),
        ("$.a.sum()", MISSING),
        ("$.nope.length()", MISSING),
    ],
)
def test_path_functions(path, expected):
    assert select(parse(path), DOC) == expected


def test_a_path_function_is_not_a_reference_path():
    assert not parse("$.items.length()").definite
    with pytest.raises(ValueError):
        set_reference(DOC, parse("$.items.length()"), 1)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items[?(@.n in ['x', 'z'])].p", [1]),
        ("$.items[?(@.n nin ['x'])].p", [5]),
        ("$.items[?(@.p in [5])].n", ["y"]),
        ("$.bags[?(@.tags anyof ['red'])].id", [1]),
        ("$.bags[?(@.tags noneof ['red'])].id", [2, 3]),
        ("$.bags[?(@.tags subsetof ['red', 'big'])].id", [1, 3]),
        ("$.bags[?(@.tags size 2)].id", [1]),
        ("$.bags[?(@.tags empty true)].id", [3]),
        ("$.items[?(@.n =~ /x|y/)].p", [1, 5]),
        ("$.items[?(@.p > 1 && @.n == 'y' || @.p == 1)].n", ["x", "y"]),
    ],
)
def test_filter_operators(path, expected):
    doc = {
        **DOC,
        "bags": [
            {"id": 1, "tags": ["red", "big"]},
            {"id": 2, "tags": ["blue"]},
            {"id": 3, "tags": []},
        ],
    }
    assert select(parse(path), doc) == expected
