"""The AWS-recorded TestState calls (test_state.jsonl) against the local TestState.

Each case is one call of AWS's TestState API: the response must match AWS's status,
output, error, cause, nextState and every inspectionData field AWS returned (and no
stage AWS did not return); a rejected request must raise AWS's error code with AWS's
message. Cases under ``"test_state"`` in known_failures.json are strict xfails.
"""

from __future__ import annotations

import pytest
from recorded_cases import case_params, load_cases, masked_equal, unknown_failures

from course_lib.stepfunctions import test_state as run_test_state

CASES = load_cases("stepfunctions/test_state.jsonl")
SCALARS = ("status", "error", "cause", "nextState")
OPTIONAL_ARGUMENTS = ("context", "state_configuration", "reveal_secrets", "role_arn")


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
        elif not masked_equal(expected[key], response.get(key), masks, (key,)):
            return f"{key}: expected {expected[key]!r}, got {response.get(key)!r}"
    got = response.get("inspectionData") or {}
    want = expected.get("inspectionData", {})
    if sorted(got) != sorted(want):
        return f"inspectionData fields {sorted(got)} != AWS's {sorted(want)}"
    for key, value in want.items():
        if not masked_equal(value, got[key], masks, ("inspectionData", key)):
            return f"inspectionData.{key}: expected {value!r}, got {got[key]!r}"
    return None


@pytest.mark.parametrize(
    "case", case_params(CASES, "test_state", case_id=lambda i: i.split("::", 1)[1])
)
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
    assert unknown_failures(CASES, "test_state") == set()
