"""What every conformance test file shares: reading the recorded cases, marking the
known failures, and comparing JSON the way the recordings must be compared."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).parent
KNOWN_FAILURES = json.loads((HERE / "known_failures.json").read_text())


def load_cases(relative_path: str) -> list[dict]:
    """The cases of one JSON Lines file in this folder (e.g. ``"stepfunctions/cases.jsonl"``)."""
    lines = (HERE / relative_path).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def case_params(cases: list[dict], suite: str, *, case_id: Callable[[str], str] = str) -> list:
    """One pytest param per case; a case listed under ``suite`` is a strict xfail."""
    known = KNOWN_FAILURES.get(suite, {})
    return [
        pytest.param(
            case,
            id=case_id(case["id"]),
            marks=[pytest.mark.xfail(reason=known[case["id"]], strict=True)]
            if case["id"] in known
            else [],
        )
        for case in cases
    ]


def unknown_failures(cases: list[dict], suite: str) -> set[str]:
    """Ids listed as known failures of ``suite`` that name no case (should be empty)."""
    return set(KNOWN_FAILURES.get(suite, {})) - {case["id"] for case in cases}


def masked_equal(expected, actual, masks: dict, path: tuple = ()) -> bool:
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
            masked_equal(expected[k], actual[k], masks, (*path, k)) for k in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            masked_equal(e, a, masks, (*path, i))
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
        )
    return type(expected) is type(actual) and expected == actual
