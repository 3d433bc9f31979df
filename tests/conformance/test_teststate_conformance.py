"""The AWS-recorded TestState calls (test_state.jsonl) against the local TestState.

Each case is one call of AWS's TestState API: the response must match AWS's status,
output, error, cause, nextState and every inspectionData field AWS returned (and no
stage AWS did not return); a rejected request must raise AWS's error code with AWS's
message. Cases under ``"test_state"`` in known_failures.json are strict xfails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib.stepfunctions import test_state as run_test_state

HERE = Path(__file__).parent
CASES = [
    json.loads(line)
    for line in (HERE / "stepfunctions" / "test_state.jsonl").read_text().splitlines()
    if line.strip()
]
KNOWN = json.loads((HERE / "known_failures.json").read_text()).get("test_state", {})
SCALARS = ("status", "error", "cause", "nextState")
OPTIONAL_ARGUMENTS = ("context", "state_configuration", "reveal_secrets", "role_arn")


def _masked_equal(expected, actual, masks, path=()):
    """JSON equality where the recorder's redactions are wildcards (1 == 1.0, True != 1)."""
    mask = masks.get(path)
    if mask is not None:
        if mask["kind"] == "any":
            return True
        if mask["kind"] == "regex":
            return (
                isinstance(actual, str) and re.fullmatch(mask["pattern"], actual, re.S) is not None
            )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _masked_equal(expected[k], actual[k], masks, (*path, k)) for k in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _masked_equal(e, a, masks, (*path, i))
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
        )
    return type(expected) is type(actual) and expected == actual


def _call(case: dict) -> dict:
    kwargs = {
        "inspection_level": case["inspection_level"],
        "state_name": case.get("state_name"),
        "mock": case.get("mock"),
        "variables": case.get("variables"),
    }
    kwargs.update({key: case[key] for key in OPTIONAL_ARGUMENTS if key in case})
    return run_test_state(case["state_definition"], case["input"], **kwargs)


def _mismatch(case: dict, response: dict) -> str | None:
    """Why ``response`` differs from AWS's, or None when it matches."""
    expected = case["expected"]
    masks = {tuple(m["path"]): m for m in case["compare"]["wildcards"]}
    for key in (*SCALARS, "output"):
        if key not in expected:
            if response.get(key) is not None:
                return f"{key}: AWS returned none, got {response[key]!r}"
        elif not _masked_equal(expected[key], response.get(key), masks, (key,)):
            return f"{key}: expected {expected[key]!r}, got {response.get(key)!r}"
    got = response.get("inspectionData") or {}
    want = expected.get("inspectionData", {})
    if sorted(got) != sorted(want):
        return f"inspectionData fields {sorted(got)} != AWS's {sorted(want)}"
    for key, value in want.items():
        if not _masked_equal(value, got[key], masks, ("inspectionData", key)):
            return f"inspectionData.{key}: expected {value!r}, got {got[key]!r}"
    return None


def _params():
    for case in CASES:
        marks = []
        if case["id"] in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[case["id"]], strict=True))
        yield pytest.param(case, id=case["id"].split("::", 1)[1], marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_recorded_call(case: dict) -> None:
    expected = case["expected"]
    if "exception" in expected:
        with pytest.raises(Exception) as caught:
            _call(case)
        assert caught.value.code == expected["exception"]["code"]
        assert type(caught.value).__name__ == expected["exception"]["code"]
        assert caught.value.message == expected["exception"]["message"]
        return
    problem = _mismatch(case, _call(case))
    assert problem is None, problem


def test_known_failures_name_real_cases() -> None:
    ids = {case["id"] for case in CASES}
    assert set(KNOWN) <= ids
