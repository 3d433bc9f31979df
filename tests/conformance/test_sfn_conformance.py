"""The AWS-recorded Step Functions executions (cases.jsonl) run against the local engine.

Each case's Lambda handlers (``task_stub``) run as local functions for their ARNs.
Cases listed under ``"stepfunctions"`` in known_failures.json are strict xfails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib.stepfunctions.conformance import execute

HERE = Path(__file__).parent
CASES = [
    json.loads(line)
    for line in (HERE / "stepfunctions" / "cases.jsonl").read_text().splitlines()
    if line.strip()
]
KNOWN = json.loads((HERE / "known_failures.json").read_text()).get("stepfunctions", {})


def _masked_equal(expected, actual, masks, path=()):
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
            same = _masked_equal(expected.get("output"), result["output"], masks)
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
    if checks_output and not _masked_equal(expected["output"], result.get("output"), masks):
        return "output differs"
    return None


def _params():
    for case in CASES:
        marks = []
        if case["id"] in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[case["id"]], strict=True))
        yield pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", list(_params()))
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
    ids = {case["id"] for case in CASES}
    assert set(KNOWN) <= ids
