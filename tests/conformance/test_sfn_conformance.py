"""The AWS-recorded Step Functions executions (cases.jsonl) run against the local engine.

Each case's Lambda handlers (``task_stub``) run as local functions for their ARNs.
Cases listed under ``"stepfunctions"`` in known_failures.json are strict xfails.
"""

from __future__ import annotations

import json
import re

import pytest
from recorded_cases import case_params, load_cases, masked_equal, unknown_failures

from course_lib.stepfunctions.conformance import execute

CASES = load_cases("stepfunctions/cases.jsonl")


def _mismatch(case: dict, result: dict) -> str | None:
    """Why ``result`` differs from the recorded execution, or None when it matches."""
    expected, compare = case["expected"], case.get("compare", {})
    masks = {tuple(m["path"]): m for m in compare.get("output_masks", [])}
    if result["status"] != expected["status"]:
        return f"status {result['status']} != {expected['status']} ({result.get('error')}: {result.get('cause')})"
    if expected["status"] == "SUCCEEDED":
        mode = compare.get("output", "exact")
        if mode == "none":
            return None
        if mode == "raw_string":
            same = json.dumps(result["output"], sort_keys=True) == json.dumps(
                expected.get("output"), sort_keys=True
            )
        else:
            same = masked_equal(expected.get("output"), result["output"], masks)
        return None if same else f"output {result['output']!r} != {expected.get('output')!r}"
    for key in ("error", "cause"):
        mode = compare.get(key, "exact")
        if mode == "none":
            continue
        got = result.get(key) or None
        if key not in expected:
            if got is not None:
                return f"{key} {got!r} but AWS reported none"
            continue
        if mode == "masked":
            ok = (
                isinstance(got, str)
                and re.fullmatch(compare[f"{key}_pattern"], got, re.S) is not None
            )
        else:
            ok = got == expected[key]
        if not ok:
            return f"{key} {got!r} != {expected[key]!r}"
    checks_output = "output" in expected and compare.get("output") in ("exact", "masked")
    if checks_output and not masked_equal(expected["output"], result.get("output"), masks):
        return "output differs"
    return None


@pytest.mark.parametrize("case", case_params(CASES, "stepfunctions"))
def test_recorded_execution(case: dict) -> None:
    result = execute(
        case["definition"],
        case["input"],
        task_stub=case.get("task_stub"),
        state_machine_type=case["state_machine_type"],
    )
    problem = _mismatch(case, result)
    assert problem is None, problem


def test_known_failures_name_real_cases() -> None:
    assert unknown_failures(CASES, "stepfunctions") == set()
