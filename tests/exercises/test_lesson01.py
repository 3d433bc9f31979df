"""Lesson 01's checks accept the solutions (and equivalent answers) and hint at typical mistakes."""

import pytest

from course_lib import exercises
from course_lib.exercises import lesson01
from course_lib.facts import fact
from course_lib.fallacies import lossy_hops, retry_modes_outage


def verdict(exercise_id, answer):
    return exercises.evaluate(exercise_id, answer)


def assert_hint(exercise_id, answer, *words):
    result = verdict(exercise_id, answer)
    assert not result.passed, answer
    assert "Hint:" in result.message
    for word in words:
        assert word in result.message, (word, result.message)
    return result.message


def test_the_lesson_registers_four_exercises():
    assert [ex.id for ex in exercises.registered("01")] == ["01.1", "01.2", "01.3", "01.4"]


# --- 01.1 success over hops ---------------------------------------------------------------


def test_hops_accepts_the_formula_and_the_simulation():
    assert verdict("01.1", (1 - 0.03) ** 8).passed
    simulated = lossy_hops(max_hops=8, loss=0.03, messages=10_000)[-1]["success_rate"]
    assert verdict("01.1", simulated).passed
    assert verdict("01.1", round(0.97**8, 2)).passed


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        (1 - 8 * 0.03, "approximation"),
        (0.03**8, "losing"),
        (1 - 0.97**8, "losing"),
        (0.97, "one hop"),
        (78.37, "percentage"),
        (1.5, "between 0 and 1"),
        (0.5, "lossy_hops"),
        ("0.78", "number"),
        (True, "number"),
    ],
)
def test_hops_hints_at_typical_mistakes(answer, word):
    message = assert_hint("01.1", answer, word)
    assert "0.78" not in message


# --- 01.2 largest Detail ----------------------------------------------------------------


def test_largest_detail_matches_entry_size():
    from course_lib.events import MAX_REQUEST_BYTES, entry_size

    entry = {
        "Source": lesson01.PHOTO_SOURCE,
        "DetailType": lesson01.PHOTO_DETAIL_TYPE,
        "Time": "2026-03-01T12:00:00Z",
    }
    largest = MAX_REQUEST_BYTES - entry_size(entry)
    assert entry_size({**entry, "Detail": "x" * largest}) == MAX_REQUEST_BYTES
    assert verdict("01.2", largest).passed
    assert verdict("01.2", float(largest)).passed


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        (1_048_576, "not the only field"),
        (1_048_555, "Time"),
        (262_109, "256 KB"),
        (1_048_542, "too large"),
        (1_000_000, "larger Detail would fit"),
        (1.5, "whole number"),
        ("1048541", "whole number"),
    ],
)
def test_largest_detail_hints(answer, word):
    message = assert_hint("01.2", answer, word)
    assert "1048541" not in message and "1,048,541" not in message


# --- 01.3 retry policy within budget ---------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"algorithm": "full_jitter", "base_ms": 5, "cap_ms": 1000},
        {"algorithm": "full_jitter", "base_ms": 10, "cap_ms": 500},
        {"algorithm": "equal_jitter", "base_ms": 10, "cap_ms": 500},
    ],
)
def test_budget_accepts_policies_that_meet_it(answer):
    assert verdict("01.3", answer).passed


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        ("full_jitter", "too slow"),
        ({"algorithm": "none"}, "sleep before a retry"),
        ({"algorithm": "exponential"}, "both budgets"),
        ({"algorithm": "decorrelated_jitter", "base_ms": 1, "cap_ms": 500}, "too many calls"),
        ({"algorithm": "decorrelated_jitter", "base_ms": 1, "cap_ms": 2000}, "tune"),
        ({"algorithm": "linear"}, "must be one of"),
        ({"algorithm": "full_jitter", "base_ms": 50, "cap_ms": 10}, "cap_ms must not"),
        ({"algorithm": "full_jitter", "base_ms": -1}, "base_ms"),
        ({"algorithm": "full_jitter", "jitter": True}, "unexpected keys"),
        (["full_jitter", 5, 1000], "dict"),
    ],
)
def test_budget_hints(answer, word):
    assert_hint("01.3", answer, word)


# --- 01.4 attempts at a throttling service ----------------------------------------------


def test_throttled_attempts_match_the_simulation_and_the_arithmetic():
    (row,) = retry_modes_outage(["standard"], error="throttling")
    assert verdict("01.4", row["attempts_during_outage"]).passed
    quota = fact("sdk.retry.standard.quota_tokens")
    cost = fact("sdk.retry.standard.throttling_retry_cost")
    assert verdict("01.4", float(10 * 30 + quota // cost)).passed


@pytest.mark.parametrize(
    ("answer", "word"),
    [
        (335, "14 tokens"),
        (300, "first attempt"),
        (900, "500 tokens"),
        (1357, "legacy"),
        (123, "retry_modes_outage"),
        (2.5, "whole number"),
        (None, "whole number"),
        (float("nan"), "whole number"),
    ],
)
def test_throttled_attempts_hints(answer, word):
    message = assert_hint("01.4", answer, word)
    assert "400" not in message
