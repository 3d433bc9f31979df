"""Lesson 08's checks accept the solutions and answer typical mistakes with a hint."""

import pytest
from exercise_checks import hint, passes

from course_lib.consistency import (
    check_linearizability,
    item_size,
    operations_from_events,
    pbs_staleness_window,
    read_capacity_units,
)
from course_lib.exercises import evaluate
from course_lib.exercises.lesson08 import EXERCISE_HISTORY, ORDER_ITEM, READS_PER_SECOND


@pytest.mark.parametrize("answer", [(3, 1), [3, 1], {"R": 3, "W": 1}, {"r": 3, "w": 1}])
def test_quorum_accepts_equivalent_forms(answer):
    assert passes("08.1", answer)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ((2, 1), "R + W"),
        ((1, 1), "R + W"),
        ((2, 2), "W must stay 1"),
        ((4, 1), "between 1 and 3"),
        ("3,1", "pair"),
        ((3.0, 1), "whole numbers"),
    ],
)
def test_quorum_hints(answer, words):
    message = hint("08.1", answer)
    assert words in message
    assert "(3, 1)" not in message and "R = 3" not in message


def test_read_capacity_accepts_the_solution_computed_with_the_library():
    size = item_size(ORDER_ITEM)
    answer = {
        "strong": READS_PER_SECOND * read_capacity_units(size, consistent=True),
        "eventual": READS_PER_SECOND * read_capacity_units(size, consistent=False),
    }
    assert passes("08.4", answer)
    assert passes("08.4", {"strong": int(answer["strong"]), "eventual": int(answer["eventual"])})


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"strong": 50, "eventual": 100}, "swapped"),
        ({"strong": 100, "eventual": 100}, "half"),
        ({"strong": 2, "eventual": 1}, "reads per second"),
        ({"strong": 59.8, "eventual": 29.9}, "round the 4 KB"),
        ({"strong": 100, "eventual": 40}, "half as much"),
        ([100, 50], "dict"),
        ({"strong": "100", "eventual": 50}, "numbers"),
    ],
)
def test_read_capacity_hints(answer, words):
    message = hint("08.4", answer)
    assert words in message
    assert "100" not in message.split("Hint:")[1]


def test_history_verdict_accepts_bool_and_result():
    result = check_linearizability(operations_from_events(EXERCISE_HISTORY), initial=0)
    assert result.linearizable is True
    assert passes("08.3", True)
    assert passes("08.3", result)


def test_history_verdict_hints():
    assert "between its call and its return" in hint("08.3", False)
    assert "True or False" in hint("08.3", "yes")


def test_lnkd_disk_window_accepts_other_seeds_and_trial_counts():
    for seed in range(3):
        assert passes("08.2", pbs_staleness_window("LNKD-DISK", 0.999, trials=20_000, seed=seed))


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (0.999, "milliseconds"),
        (pbs_staleness_window("LNKD-DISK", 0.99), "too short"),
        (pbs_staleness_window("LNKD-SSD", 0.999), "too short"),
        (pbs_staleness_window("WAN", 0.999), "too long"),
        ("57 ms", "number"),
    ],
)
def test_lnkd_disk_window_hints(answer, words):
    assert words in hint("08.2", answer)


def test_unanswered_stub_says_so():
    assert "not answered yet" in evaluate("08.1", ...).message
