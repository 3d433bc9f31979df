"""EventBridge conformance: the recorded AWS pattern and transformer cases.

Every case in ``tests/conformance/eventbridge/`` runs; a case listed under
``eventbridge_patterns`` or ``eventbridge_transformers`` in ``known_failures.json`` is
expected to fail (xfail, strict) until the engine models that AWS behaviour.
"""

from __future__ import annotations

import json

import pytest
from recorded_cases import case_params, load_cases

from course_lib.eventbridge import InvalidEvent, InvalidEventPattern, InvalidInputTransformer
from course_lib.eventbridge import test_event_pattern as matches


def _pattern_argument(case: dict):
    if case.get("pattern") is not None:
        return case["pattern"]
    raw = case["pattern_raw"]
    if case.get("requires_raw"):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


@pytest.mark.parametrize(
    "case", case_params(load_cases("eventbridge/patterns.jsonl"), "eventbridge_patterns")
)
def test_pattern_case(case: dict) -> None:
    pattern = _pattern_argument(case)
    if case["expected"] == "error":
        rejected = InvalidEvent if case["category"] == "event-validation" else InvalidEventPattern
        with pytest.raises(rejected):
            matches(pattern, case["event"])
    else:
        assert matches(pattern, case["event"]) is case["expected"]


TRANSFORMER_CASES = [
    c for c in load_cases("eventbridge/transformers.jsonl") if c["kind"] == "input_transformer"
]


def _parse_output(text: str):
    try:
        return ("json", json.loads(text))
    except json.JSONDecodeError:
        return ("raw", text)


@pytest.mark.parametrize("case", case_params(TRANSFORMER_CASES, "eventbridge_transformers"))
def test_transformer_case(case: dict) -> None:
    from course_lib.eventbridge.transformer import transform_with_context

    def run() -> str:
        return transform_with_context(
            case["input_paths_map"], case["input_template"], case["event"], case["context"]
        )

    if case.get("expected_error"):
        with pytest.raises(InvalidInputTransformer):
            run()
        return
    expected = case["expected_output"]
    got = run()
    if expected["type"] == "raw":
        assert got == expected["value"] or (
            _parse_output(got)[0] == "json"
            and _parse_output(got) == _parse_output(expected["value"])
        )
    else:
        assert _parse_output(got) == ("json", expected["value"])
