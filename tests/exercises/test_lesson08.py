"""Lesson 08's checks accept the solutions and answer typical mistakes with a hint."""

import pytest
from exercise_checks import hint, passes

from course_lib.consistency import (
    check_linearizability,
    item_size,
    operations_from_events,
    pbs_consistency,
    pbs_latency,
    read_capacity_units,
)
from course_lib.exercises import evaluate
from course_lib.exercises.lesson08 import (
    EXERCISE_HISTORY,
    ORDER_ITEM,
    READS_PER_SECOND,
    SHOWN_ON_THE_PAGE,
    strong_rcu_per_second,
)


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


PAGE_ITEM = {name: ORDER_ITEM[name] for name in SHOWN_ON_THE_PAGE}


def test_the_order_item_costs_two_units_per_strong_read():
    size = item_size(ORDER_ITEM)
    assert 4096 < size <= 8192
    assert READS_PER_SECOND * read_capacity_units(size, consistent=True) == 100
    assert strong_rcu_per_second(PAGE_ITEM) == 50


@pytest.mark.parametrize(
    "answer",
    [PAGE_ITEM, {**PAGE_ITEM, "status": "baked"}, {**PAGE_ITEM, "sk": "summary"}],
)
def test_page_item_accepts_every_item_that_keeps_the_page_and_fits_one_unit(answer):
    assert passes("08.4", answer)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (ORDER_ITEM, "never show"),
        ({**PAGE_ITEM, "notes": ORDER_ITEM["notes"][:100]}, "courier's"),
        ({"pk": "order-1042"}, "keep them"),
        ({name: v for name, v in PAGE_ITEM.items() if name != "address"}, "keep it"),
        ({**PAGE_ITEM, "pizzas": ["margherita"]}, "exactly"),
        ({**PAGE_ITEM, "extra": {1, 2}}, "cannot be stored"),
        ([100, 50], "dict"),
    ],
)
def test_page_item_hints(answer, words):
    assert words in hint("08.4", answer)


def test_history_verdict_accepts_bool_and_result():
    result = check_linearizability(operations_from_events(EXERCISE_HISTORY), initial=0)
    assert result.linearizable is True
    assert passes("08.3", True)
    assert passes("08.3", result)


def test_history_verdict_hints():
    assert "between its call and its return" in hint("08.3", False)
    assert "True or False" in hint("08.3", "yes")


def measured(r, w, seed=0, trials=100_000):
    """What a learner measures for (R, W): the shares and latencies the exercise asks for."""
    share = pbs_consistency("LNKD-DISK", n=3, r=r, w=w, t_ms=20, trials=trials, seed=seed)
    latency = pbs_latency("LNKD-DISK", n=3, r=r, w=w, trials=trials, seed=seed)
    return {"r": r, "w": w, "consistent": share, "latency_ms": sum(latency.values())}


def fastest(seed):
    rows = [measured(r, w, seed) for r in (1, 2, 3) for w in (1, 2, 3)]
    return min((row for row in rows if row["consistent"] >= 0.999), key=lambda x: x["latency_ms"])


def test_the_measured_design_passes_whatever_the_seed():
    for seed in (0, 8, 21):
        assert passes("08.2", fastest(seed))
    assert passes("08.2", measured(2, 1, seed=3, trials=20_000))


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (measured(1, 1), "fewer than 99.9 %"),
        (measured(1, 2), "fewer than 99.9 %"),
        (measured(3, 1), "strict quorum is always consistent"),
        (measured(2, 2), "lower 99.9th-percentile"),
        ({**measured(2, 1), "consistent": 99.99}, "between 0 and 1"),
        ({**measured(2, 1), "consistent": 0.95}, "not what the simulation gives"),
        ({**measured(2, 1), "latency_ms": 1.6}, "plus that of the read"),
        ({"r": 2, "w": 1}, "missing"),
        ((2, 1), "dict"),
        ({"r": 4, "w": 1, "consistent": 1, "latency_ms": 1}, "between 1 and 3"),
    ],
)
def test_fastest_quorum_hints(answer, words):
    message = hint("08.2", answer)
    assert words in message
    assert "R=2, W=1" not in message or answer["r"] == 2


def test_unanswered_stub_says_so():
    assert "not answered yet" in evaluate("08.1", ...).message


def test_every_exercise_is_registered():
    from course_lib import exercises

    assert [ex.id for ex in exercises.registered("08")] == ["08.1", "08.2", "08.3", "08.4"]
