"""The shared JSONata evaluator: plain JSON in and out, the virtual clock, and its bounds."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import jsonata_eval
from course_lib.jsonata_eval import (
    MAX_STRING,
    UNDEFINED,
    Clock,
    EvaluationError,
    ExpressionSyntaxError,
    NonFiniteError,
    NotJsonError,
)

# jsonata-python raises the recursion limit when it loads: load it before hypothesis runs.
jsonata_eval.library()


def clock(millis: int = 1_736_154_000_123, seed: int = 1) -> Clock:
    counter = iter(range(10**6))
    return Clock(lambda: millis, random.Random(seed), lambda: f"uuid-{next(counter)}")


def run(body: str, **variables):
    return jsonata_eval.evaluate(body, variables, clock())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_json_crosses_both_ways_unchanged(value):
    assert run("$v", v=value) == value


def test_null_is_json_and_undefined_is_absent():
    assert run("$v", v=None) is None
    assert run("$v.missing", v={}) is UNDEFINED
    assert run('{"a": $v.missing, "b": null}', v={}) == {"b": None}


def test_clock_and_streams_are_the_worlds():
    assert run("$now()") == "2025-01-06T09:00:00.123Z"
    assert run("$millis()") == 1_736_154_000_123
    assert run("[$uuid(), $uuid()]") == ["uuid-0", "uuid-1"]
    assert run("$random()") == random.Random(1).random()
    assert run("$now('[Y0001]-[M01]')") == "2025-01"


def test_engine_functions_are_added_per_evaluation():
    body = "$double(21)"
    assert jsonata_eval.evaluate(body, {}, clock(), {"double": lambda x: x * 2}) == 42
    with pytest.raises(EvaluationError):
        jsonata_eval.evaluate(body, {}, clock())  # the compiled expression kept nothing


def test_errors_say_which_stage_failed():
    with pytest.raises(ExpressionSyntaxError):
        run("1 +")
    with pytest.raises(EvaluationError) as raised:
        run("$error('no')")
    assert str(raised.value) == "no"
    with pytest.raises(NotJsonError):
        run("function($x) { $x }")
    with pytest.raises(NonFiniteError):
        jsonata_eval.from_jsonata({"a": [float("inf")]})


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("($f := function($x) { $f($x + 1) }; $f(0))", "timeout"),
        ("($f := function($x) { 1 + $f($x + 1) }; $f(0))", "Stack overflow"),
        (f"$pad('x', {MAX_STRING + 1})", "exceeds"),
    ],
)
def test_every_evaluation_is_bounded(body, fragment):
    with pytest.raises(EvaluationError, match=fragment):
        run(body)


def test_pad_within_the_bound_is_jsonatas():
    assert run("$pad('x', 3, '-')") == "x--"
    assert run("$pad('x', -3)") == "  x"


def test_the_library_loads_on_first_use():
    code = "import sys, json, course_lib.jsonata_eval; print(json.dumps('jsonata' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is False


# -- regexes match without backtracking --------------------------------------------------------
def test_a_catastrophic_regex_answers_at_once():
    # /(a+)+b/ against 40 a's and a c: about 2**40 steps for a backtracking engine.
    assert run("$match($s, /(a+)+b/)", s="a" * 40 + "c") is UNDEFINED
    assert run("$contains($s, /^(a|aa)+$/)", s="a" * 5000 + "!") is False


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('$contains("xxAAAbyy", /a+b/i)', True),
        ('$replace("banana", /(a)(n)/, "$2$1")', "bnanaa"),
        ('$split("a1b2c", /[0-9]/)', ["a", "b", "c"]),
        ('$match("l1\\nl2", /^l/m).index', [0, 3]),
        # RE2 has no backreferences: such a pattern still works, through Python's re
        ('$match("abab", /(ab)\\1/).groups', ["ab"]),
    ],
)
def test_regexes_keep_jsonata_meaning(body, expected):
    assert run(body) == expected


def test_a_python_without_re2_falls_back_to_re(monkeypatch):
    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 raises ImportError
    flags = jsonata_eval.library().regex_engine.RegexFlags(case_insensitive=True)
    assert jsonata_eval.linear_regex("a+b", flags).search("xAAb").group() == "AAb"
