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


# -- Jayway's grammar: what it accepts and how it reads it ----------------------------
@pytest.mark.parametrize(
    ("path", "same_as"),
    [
        ("$.[0]", "$[0]"),
        ("$.[0].body", "$[0].body"),
        ("$.['a']", "$['a']"),
        ('$["a"]', "$.a"),
        ("$['a']['b']", "$.a.b"),
        ("$.[*]", "$.*"),
        ("$[ * ]", "$[*]"),
        ("$[ 0 , 1 ]", "$[0,1]"),
        ("$[ 'a' ]", "$.a"),
        ("$..['a']", "$..a"),
        ("$.[?(@.OU > 0)]", "$[?(@.OU > 0)]"),
        ("$.a.b  ", "$.a.b"),  # trailing blanks are trimmed
        ("$['a']x", "$['a']"),  # Jayway stops before a single stray last character
        ("$.a[", "$.a"),
        ("$[1:2:3]", "$[1:2]"),  # Jayway slices have no step: the third part is ignored
        ("$[0:1:]", "$[0:1]"),
    ],
)
def test_jayway_reads_these_forms_alike(path, same_as):
    assert parse(path).steps == parse(same_as).steps


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("$.[*].['bucket','key']", (jsonpath.Wildcard(), jsonpath.Fields(("bucket", "key")))),
        ('$["a", "b"]', (jsonpath.Fields(("a", "b")),)),
        ("$[0,-1]", (jsonpath.Indexes((0, -1)),)),
        ("$[-2:]", (jsonpath.Slice(-2, None),)),
        ("$[:2]", (jsonpath.Slice(None, 2),)),
        ("$..*", (jsonpath.DeepScan(jsonpath.Wildcard()),)),
        ("$['a.b']['c d']", (jsonpath.Field("a.b"), jsonpath.Field("c d"))),
        ("$.a-b.c$d", (jsonpath.Field("a-b"), jsonpath.Field("c$d"))),
        ('$[\'Test\\""Name"\']', (jsonpath.Field('Test\\""Name"'),)),  # kept as written
        ("$.a.length()", (jsonpath.Field("a"), jsonpath.Function("length"))),
    ],
)
def test_steps_of_jayway_paths(path, steps):
    assert parse(path).steps == steps


@pytest.mark.parametrize(
    "bad",
    [
        "$.",  # a path must not end with '.'
        "$..",  # nor with a scan
        "$.a.",
        "$.a..",
        "$...a",  # '.' after '..'
        "$ .a",  # '$' must be followed by '.' or '['
        "$1",
        "$.a b",  # a space in a dot name needs brackets
        "$. a",
        "$[]",  # empty brackets
        "$.a[]",
        "$[a]",  # a name in brackets must be quoted
        "$['a",  # unterminated quotes
        "$['a'",
        "$[\"a']",
        "$['a',]",  # empty name in a list
        "$['a', \"b\"]",  # the first quote delimits every name
        "$['a' 'b']",
        "$[:]",  # a slice needs a bound
        "$[1 :2]",  # Jayway's slice allows no blanks inside
        "$[0,]",  # an empty index
        "$[--1]",
        "$[99999999999]",  # beyond a Java int
        "$[*,1]",
        "$.a(",  # function arguments not closed
        "$[?(@.a ==)]",  # a comparison needs a right-hand value
        "$[?(1)]",  # a value alone is not a condition
        "$[?(@.a == 'x)]",  # unterminated string
        "$[?(@.a =~ /x)]",  # unterminated regular expression
        "$[?(@.a > 1 &&)]",
        "$[?(@.a)",  # unclosed filter
        "a.b",  # a path starts with '$'
        "@.a",
    ],
)
def test_jayway_rejections(bad):
    with pytest.raises(PathSyntaxError):
        parse(bad)


def test_roots_of_asl_paths():
    assert parse("$$.Map.Item.Value").root == "$$"
    assert parse("$$.Map.Item.Value").steps == parse("$.Map.Item.Value").steps
    assert parse("$items[0]").root == "items"
    assert parse("$items[0]").steps == (jsonpath.Index(0),)


# -- evaluation as Step Functions shows it ----------------------------------------------
OBJECTS = [
    {"bucket": "b1", "key": "k1", "size": 3},
    {"bucket": "b2", "key": "k2"},
    {"bucket": "b3"},
]


@pytest.mark.parametrize(
    ("path", "document", "expected"),
    [
        # several names last give one object of those present, per item
        (
            "$.[*].['bucket', 'key']",
            OBJECTS,
            [{"bucket": "b1", "key": "k1"}, {"bucket": "b2", "key": "k2"}, {"bucket": "b3"}],
        ),
        ("$['a','b']", {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2}),  # definite: one object
        ("$['a','b'].x", {"a": {"x": 1}, "b": {"x": 2}}, [1, 2]),  # not last: each name
        ("$.[0].bucket", OBJECTS, "b1"),
        ("$.[?(@.OU > 0)]", {"OU": 2}, [{"OU": 2}]),  # a filter on an object tests the object
        ("$.[?(@.OU > 0)]", {"OU": 0}, []),
        ("$.[?(@.OU > 0)]", [{"OU": 1}, {"OU": 0}, {}], [{"OU": 1}]),
        ("$[?(@.size)]", OBJECTS, [OBJECTS[0]]),
        ("$[?(!@.key)].bucket", OBJECTS, ["b3"]),
        ("$[?(@.size != 3)].bucket", OBJECTS, ["b2", "b3"]),  # a missing member is not equal
        ("$[?(@.bucket IN ['b1', 'b3'])].bucket", OBJECTS, ["b1", "b3"]),
        ("$[?(@.bucket =~ /B[12]/i)].bucket", OBJECTS, ["b1", "b2"]),
        ("$[?(@.bucket contains '3')].bucket", OBJECTS, ["b3"]),
        # Jayway's equality: a number and a string compare as the left side's kind
        ("$[?(@.n == '5')].n", [{"n": 5}, {"n": 6}], [5]),
        ("$[?(@.s == 5)].s", [{"s": "5"}, {"s": "5.0"}], ["5"]),
        ("$[?(@.n === '5')]", [{"n": 5}], []),
        ("$[?(@.n in ['5', 6])].n", [{"n": 5}, {"n": 6}, {"n": 7}], [5, 6]),
        ("$[?(@.missing nin ['x'])].bucket", OBJECTS, ["b1", "b2", "b3"]),
        ("$[?(@.missing =~ /.*/)].bucket", OBJECTS, ["b1", "b2", "b3"]),  # matches ''
        ("$[?(@.size =~ /3/)].bucket", OBJECTS, ["b1"]),  # a number matches as text
        ("$[?(/b[12]/ =~ @.bucket)].bucket", OBJECTS, ["b1", "b2"]),
        (
            "$[?(@.tags subsetof ['x', 'y'])].id",
            [{"id": 1, "tags": ["x"]}, {"id": 2, "tags": ["z"]}],
            [1],
        ),
        ("$[?(@.tags empty false)].id", [{"id": 1, "tags": {"a": 1}}, {"id": 2, "tags": ""}], [1]),
        ("$[?(@.a =~ /(?<first>b)c/)].a", [{"a": "bc"}, {"a": "c"}], ["bc"]),  # Java group
        # operators Jayway cannot evaluate here fail the whole path, as Jayway's exception does
        ("$[?(@.a =~ /\\p{Alpha}+/)]", [{"a": "bc"}], MISSING),  # Java-only regex syntax
        ("$[?(@.size exists true)].bucket", OBJECTS, MISSING),
        ("$[?(@.bucket subsetof ['b1'])]", OBJECTS, MISSING),
        ("$[?(@.key == 'k2' || @.size == 3 && @.key == 'k1')].bucket", OBJECTS, ["b1", "b2"]),
        ("$[?(!(@.bucket == 'b1'))].bucket", OBJECTS, ["b2", "b3"]),
        ("$.items[?(@.p > $.limit)].p", {"limit": 2, "items": [{"p": 1}, {"p": 3}]}, [3]),
        ("$.s[?(@ == 'x\\'y')]", {"s": ["x'y", "z"]}, ["x'y"]),
        ("$.a[?(@.length() > 1)]", {"a": [[1], [1, 2]]}, [[1, 2]]),
        # deep scan: every depth, objects before their members, no item twice
        ("$..a", {"a": 1, "b": {"a": 2, "c": [{"a": 3}]}}, [1, 2, 3]),
        ("$..[?(@.a)].a", {"x": [{"a": 1}, {"b": {"a": 2}}]}, [1, 2]),
        ("$..[0]", {"x": [[1, 2], [3]]}, [[1, 2], 1, 3]),
        # a member missing on the way of an indefinite path selects nothing
        ("$.nope[*]", {}, []),
        ("$.nope[1:5].x", {}, []),
        ("$.a.b[*]", {"a": 5}, []),
        # Jayway's slices: negative bounds resolve only for [n:] and [:n]
        ("$[1:-1]", [1, 2, 3], []),
        ("$[-2:]", [1, 2, 3], [2, 3]),
        ("$[:-1]", [1, 2, 3], [1, 2]),
        ("$[0,5,-1]", [1, 2, 3], [1, 3]),
        # functions apply to what the path selected before them
        ("$.a.sum()", {"a": [1, "x", 2.5]}, 3.5),
        ("$.a.avg()", {"a": [1, 3]}, 2),
        ("$.a.max(10)", {"a": [1, 3]}, 10),
        ("$.a.size()", {"a": "abc"}, 3),
        ("$.a.nope()", {"a": [1]}, MISSING),
        ("$.a.min()", {"a": []}, MISSING),
    ],
)
def test_jayway_evaluation(path, document, expected):
    assert select(parse(path), document) == expected


# -- properties ---------------------------------------------------------------------------
names = st.text(
    alphabet=st.characters(categories=["L", "N"], include_characters="_-$ "), min_size=1, max_size=6
)
steps_strategy = st.lists(st.one_of(names, st.integers(-3, 2)), min_size=1, max_size=4)


def _bracket(step) -> str:
    return f"[{step}]" if isinstance(step, int) else f"['{step}']"


def _documents(steps):
    """A document in which the steps lead somewhere, plus one where they may not."""
    value: object = "leaf"
    for step in reversed(steps):
        if isinstance(step, int):
            items = ["pad", "pad", "pad"]
            items[step] = value
            value = items
        else:
            value = {step: value, "other": 1}
    return value


@given(steps_strategy, json_values)
def test_dot_before_bracket_equals_bracket(steps, noise):
    plain = "$" + "".join(_bracket(s) for s in steps)
    dotted = "$" + "".join("." + _bracket(s) for s in steps)
    for document in (_documents(steps), noise):
        assert select(parse(dotted), document) == select(parse(plain), document)
    assert select(parse(dotted), _documents(steps)) == "leaf"


@given(
    st.lists(st.text(alphabet="abcxyz_", min_size=1, max_size=5), min_size=1, max_size=4),
    json_values,
)
def test_dot_names_equal_quoted_names_in_either_quote(keys, noise):
    dotted = "$." + ".".join(keys)
    single = "$" + "".join(f"['{k}']" for k in keys)
    double = "$" + "".join(f'["{k}"]' for k in keys)
    for document in (_documents(keys), noise):
        expected = select(parse(single), document)
        assert select(parse(dotted), document) == expected
        assert select(parse(double), document) == expected


@given(st.lists(st.integers(), max_size=6), st.lists(st.integers(-8, 8), min_size=2, max_size=4))
def test_an_index_list_is_its_indexes_in_order(values, indexes):
    listed = select(parse("$[" + ",".join(map(str, indexes)) + "]"), values)
    one_by_one = [select(parse(f"$[{i}]"), values) for i in indexes]
    assert listed == [v for v in one_by_one if v is not MISSING]


@given(
    st.dictionaries(keys, json_values, max_size=4),
    st.lists(keys, min_size=2, max_size=3, unique=True),
)
def test_several_names_last_give_the_object_of_those_present(document, wanted):
    path = parse("$[" + ",".join(f"'{k}'" for k in wanted) + "]")
    assert select(path, document) == {k: document[k] for k in wanted if k in document}


@given(json_values)
def test_a_deep_scan_for_a_wildcard_visits_every_member(document):
    def members(value):
        children = (
            list(value.values())
            if isinstance(value, dict)
            else value
            if isinstance(value, list)
            else []
        )
        return [m for c in children for m in [c, *members(c)]]

    assert sorted(map(repr, select(parse("$..*"), document))) == sorted(
        map(repr, members(document))
    )


@given(st.text(alphabet=list("$@.[]()?*'\",:-0123 abx=<>!&|~/"), max_size=16), json_values)
def test_any_text_parses_or_is_rejected_with_a_reason(text, document):
    try:
        path = parse("$" + text)
    except PathSyntaxError as exc:
        assert str(exc)
        return
    select(path, document)


# -- hostile input: long paths and deep documents neither crash nor overflow -------------
def test_a_path_of_thousands_of_steps_and_a_document_as_deep():
    document: object = "x"
    for _ in range(3000):
        document = {"a": document}
    assert select(parse("$" + ".a" * 3000), document) == "x"
    assert len(select(parse("$..a"), document)) == 3000
    assert len(select(parse("$..*"), document)) == 3000


@pytest.mark.parametrize(
    "filter_text",
    ["(" * 3000 + "@.a" + ")" * 3000, "!" * 3000 + "@.a", "!(" * 3000 + "@.a" + ")" * 3000],
)
def test_filters_nested_beyond_reason_are_rejected_with_a_reason(filter_text):
    with pytest.raises(PathSyntaxError, match="nested too deeply"):
        parse(f"$[?({filter_text})]")
