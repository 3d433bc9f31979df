"""The compiled matcher agrees with the reference matcher; the validator never crashes."""

from __future__ import annotations

import pytest
from hostile_events import ENVELOPE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.eventbridge import InvalidEvent, InvalidEventPattern, test_event_pattern
from course_lib.eventbridge.compiled import PatternMatcher
from course_lib.eventbridge.pattern_language import CompiledPattern, compile_pattern
from course_lib.eventbridge.reference import pattern_matches

KEYS = ["a", "b", "c.d", "", "a.b", "b."]  # empty and dotted keys: two spellings of a path
STRINGS = ["", "x", "xy", "Xy", "yx", "10.0.0.1", "10.0.1.7", "a*b", "ab"]
NUMBERS = [0, 1, 1.5, -2, 5, 300, 5e9, 6e9]
LEAVES = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.none(), st.booleans())

json_values = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    ),
    max_leaves=12,
)
events = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3)

numeric_specs = st.one_of(
    st.tuples(st.sampled_from(["=", "<", "<=", ">", ">="]), st.sampled_from(NUMBERS[:6])).map(list),
    st.tuples(st.sampled_from([0, 1]), st.sampled_from([2, 300])).map(
        lambda bounds: [">", bounds[0], "<=", bounds[1]]
    ),
)
operators = st.one_of(
    st.sampled_from(STRINGS),
    st.sampled_from(NUMBERS[:6]),
    st.none(),
    st.booleans(),
    st.builds(lambda s: {"prefix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"equals-ignore-case": s}, st.sampled_from(STRINGS)),
    st.builds(
        lambda s: {"wildcard": s},
        st.sampled_from(["*", "x*", "*y", "a\\*b", "*.*", "", "*x*y*", "x*y", "*a*", "1*.*.7"]),
    ),
    st.builds(lambda s: {"cidr": s}, st.sampled_from(["10.0.0.0/24", "10.0.0.0/8", "::/0"])),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda n: {"numeric": n}, numeric_specs),
    st.builds(lambda s: {"anything-but": s}, st.sampled_from(["x", ["x", "y"], [1, 5], 0])),
    st.builds(
        lambda k, s: {"anything-but": {k: s}},
        st.sampled_from(["prefix", "suffix", "equals-ignore-case", "wildcard"]),
        st.sampled_from(["x", ["x", "y"]]),
    ),
)
patterns = st.recursive(
    st.dictionaries(
        st.sampled_from(KEYS), st.lists(operators, min_size=1, max_size=3), min_size=1, max_size=2
    ),
    lambda children: st.one_of(
        st.dictionaries(st.sampled_from(KEYS), children, min_size=1, max_size=2),
        st.builds(lambda branches: {"$or": branches}, st.lists(children, min_size=2, max_size=3)),
    ),
    max_leaves=5,
)


@pytest.mark.filterwarnings("ignore::course_lib.eventbridge.pattern_language.PatternWarning")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns, min_size=1, max_size=6), st.lists(events, min_size=1, max_size=4))
def test_compiled_matcher_agrees_with_reference(rule_patterns, sample_events):
    compiled = {f"r{i}": compile_pattern(p) for i, p in enumerate(rule_patterns)}
    matcher = PatternMatcher(compiled)
    for event in sample_events:
        expected = sorted(name for name, c in compiled.items() if pattern_matches(c, event))
        assert matcher.matching(event) == expected
        full = {**event, **ENVELOPE}
        for name, pattern in zip(compiled, rule_patterns, strict=True):
            assert test_event_pattern(pattern, full) == (name in matcher.matching(full))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.one_of(LEAVES, st.sampled_from(["prefix", "numeric", "$or", "anything-but", ">", "<="])),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.sampled_from(
                    [
                        "a",
                        "$or",
                        "prefix",
                        "suffix",
                        "numeric",
                        "anything-but",
                        "exists",
                        "cidr",
                        "wildcard",
                        "equals-ignore-case",
                        "NUMERIC",
                    ]
                ),
                children,
                max_size=3,
            ),
        ),
        max_leaves=15,
    )
)
def test_validator_returns_or_rejects(document):
    try:
        compiled = compile_pattern(document)
    except InvalidEventPattern:
        return
    assert isinstance(compiled, CompiledPattern)


def test_add_and_remove_rules():
    matcher = PatternMatcher({"one": {"a": ["x"]}})
    matcher.add_rule("two", {"a": [{"prefix": "x"}]})
    assert matcher.matching({"a": "xy"}) == ["two"]
    assert matcher.matching({"a": "x"}) == ["one", "two"]
    matcher.remove_rule("one")
    assert matcher.matching({"a": "x"}) == ["two"]
    assert "one" not in matcher and len(matcher) == 1


def test_exists_false_only_rules_match_without_hits():
    matcher = PatternMatcher(
        {"absent": {"a": [{"exists": False}]}, "present": {"a": [{"exists": True}]}}
    )
    assert matcher.matching({"b": 1}) == ["absent"]
    assert matcher.matching({"a": 1}) == ["present"]


any_json = st.recursive(
    st.one_of(
        st.text(max_size=12),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.booleans(),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=6), st.sampled_from(["$or", "numeric", "wildcard", "cidr"])),
            children,
            max_size=3,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_json, st.text(max_size=40)))
def test_validator_never_crashes_on_arbitrary_input(document):
    try:
        compiled = compile_pattern(document)
    except InvalidEventPattern:
        return
    assert isinstance(compiled, CompiledPattern)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["wildcard", "cidr", "prefix", "equals-ignore-case"]),
    st.text(max_size=30),
    st.dictionaries(st.sampled_from(KEYS), any_json, max_size=3),
)
def test_string_operators_with_arbitrary_text(operator, text, event):
    try:
        compiled = compile_pattern({"a": [{operator: text}]})
    except InvalidEventPattern:
        return
    matcher = PatternMatcher({"r": compiled})
    try:
        expected = ["r"] if pattern_matches(compiled, event) else []
    except InvalidEvent:  # NaN or Infinity somewhere: not JSON
        with pytest.raises(InvalidEvent):
            matcher.matching({"a": float("nan")})
        return
    assert matcher.matching(event) == expected


def test_rule_names_are_sorted():
    matcher = PatternMatcher({"b": {"a": [1]}, "a": {"a": [2]}})
    assert matcher.rule_names == ["a", "b"]
