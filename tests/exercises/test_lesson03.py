"""Lesson 03's checks accept the solutions and answer typical mistakes with a hint."""

import pytest
from exercise_checks import hint, passes

from course_lib.exercises import NOT_DONE, evaluate, lesson03, registered
from course_lib.exercises.lesson03 import CHAIN_LENGTH

A = 1000 / 1001


# -- 03.1 predict a synchronous chain --------------------------------------------------------
@pytest.mark.parametrize("answer", [A**CHAIN_LENGTH, round(A**CHAIN_LENGTH, 4), 1 - 7 * (1 - A)])
def test_03_1_accepts_the_prediction_and_close_approximations(answer):
    assert passes("03.1", answer)


def test_03_1_hints():
    assert "one service" in hint("03.1", A)
    assert "front door" in hint("03.1", A**2)
    assert "chain of 5" in hint("03.1", A**5)
    assert "percentage" in hint("03.1", 100 * A**CHAIN_LENGTH)
    assert "one number" in hint("03.1", "0.993")
    assert "MTBF" in hint("03.1", 0.5)
    assert "not answered" in evaluate("03.1", NOT_DONE).message


# -- 03.2 predict how many events reach the DLQ --------------------------------------------
@pytest.mark.parametrize("answer", [144_000, 4 * 3600 * 10, 143_693, 141_000.0])
def test_03_2_accepts_the_reasoned_prediction(answer):
    assert passes("03.2", answer)


def test_03_2_hints():
    assert "every event of the outage" in hint("03.2", 360_000)
    assert "6 hours of events" in hint("03.2", 216_000)
    assert "must expire" in hint("03.2", 0)
    assert "too many" in hint("03.2", 200_000)
    assert "too few" in hint("03.2", 50_000)
    assert "never negative" in hint("03.2", -1)
    assert "one number" in hint("03.2", "144000")


# -- 03.3 which change requests touch the producer -----------------------------------------
# Commands: a new consumer, a retired one and a new field are each an edit to the producer.
# Events: consumers own their rules, but only the producer can add a field to its event.
EXPECTED = {"command": 3, "event": 1}


def test_03_3_expected_counts_come_from_the_simulation():
    result = lesson03.week_of_changes()
    assert {w: result[w]["producer_changes"] for w in EXPECTED} == EXPECTED
    assert all(not step.unmet_needs for w in EXPECTED for step in result[w]["steps"])


@pytest.mark.parametrize(
    "answer",
    [
        EXPECTED,
        {"commands": 3, "events": 1},
        (3, 1),
        {"Command": 3, "Event": 1},
    ],
)
def test_03_3_accepts_equivalent_forms(answer):
    assert passes("03.3", answer)


@pytest.mark.parametrize(
    "answer, words",
    [
        ({"command": 3, "event": 0}, "who can put it there"),
        ({"command": 3, "event": 3}, "never hears of it"),
        ({"command": 1, "event": 1}, "each an edit"),
        ({"command": 6, "event": 6}, "every component"),
        ({"command": 3.0, "event": 1}, "whole number"),
        ({"command": 5}, "two keys"),
        (5, "dict"),
    ],
)
def test_03_3_hints(answer, words):
    assert words in hint("03.3", answer)


# -- 03.4 size a consumer to catch up -------------------------------------------------------
def test_03_4_accepts_the_smallest_capacity_that_drains_in_time():
    smallest = lesson03.smallest_capacity()
    assert passes("03.4", smallest)
    # Spare capacity c - 10 must clear 12 h of arrivals (10/s) within 12 h: c >= 20.
    assert smallest == 20


def test_03_4_hints():
    assert "never shrinks" in hint("03.4", 10)
    assert "takes 13.3 hours" in hint("03.4", 19)
    assert "smaller consumer" in hint("03.4", 21)
    assert "whole number" in hint("03.4", 20.5)
    assert "far more" in hint("03.4", 5000)


def test_every_lesson_03_exercise_is_registered():
    assert [e.id for e in registered("03")] == ["03.1", "03.2", "03.3", "03.4"]
