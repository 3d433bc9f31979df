"""Lesson 03's checks accept the solutions and answer typical mistakes with a hint."""

import pytest
from exercise_checks import hint, passes

from course_lib.exercises import NOT_DONE, evaluate
from course_lib.exercises.lesson03 import CHAIN_LENGTH, NEW_CONSUMERS
from course_lib.messaging import add_consumers, exchange_latencies

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


# -- 03.2 when the DLQ starts to fill --------------------------------------------------------
@pytest.mark.parametrize("hours", [7, 7.0, 6.5])
def test_03_2_accepts_outages_just_past_the_max_age(hours):
    assert passes("03.2", hours)


def test_03_2_hints():
    assert "still empty" in hint("03.2", 6)
    assert "still empty" in hint("03.2", 3)
    assert "24 h" in hint("03.2", 25)
    assert "shorter one" in hint("03.2", 10)
    assert "seconds" in hint("03.2", 7 * 3600)
    assert "positive" in hint("03.2", -1)


# -- 03.3 who changes when a consumer is added -----------------------------------------------
RESULT = add_consumers(added=NEW_CONSUMERS)
EXPECTED = {w: RESULT[w]["producer_changes"] for w in ("command", "event")}


@pytest.mark.parametrize(
    "answer",
    [
        EXPECTED,
        {"commands": EXPECTED["command"], "events": EXPECTED["event"]},
        (EXPECTED["command"], EXPECTED["event"]),
        {"Command": EXPECTED["command"], "Event": EXPECTED["event"]},
    ],
)
def test_03_3_accepts_equivalent_forms(answer):
    assert passes("03.3", answer)


def test_03_3_hints():
    every = {w: sum(len(s.changed_components) for s in RESULT[w]["steps"]) for w in EXPECTED}
    assert "only the producer" in hint("03.3", every)
    assert "event count" in hint("03.3", {"command": EXPECTED["command"], "event": 1})
    assert "two keys" in hint("03.3", {"command": 5})
    assert "dict" in hint("03.3", 5)


# -- 03.4 how much sooner the producer is released -------------------------------------------
P = {s: r["percentiles"] for s, r in exchange_latencies().items()}
SAVED = P["request_response"]["caller_wait_s"]["p99"] - P["fire_and_forget"]["caller_wait_s"]["p99"]


def test_03_4_accepts_milliseconds():
    assert passes("03.4", SAVED * 1000)
    assert passes("03.4", round(SAVED * 1000))


def test_03_4_hints():
    assert "seconds" in hint("03.4", SAVED)
    assert "reversed" in hint("03.4", -SAVED * 1000)
    end_to_end = (
        P["request_response"]["caller_wait_s"]["p99"] - P["fire_and_forget"]["end_to_end_s"]["p99"]
    )
    assert "work is done" in hint("03.4", end_to_end * 1000)
    p50 = (
        P["request_response"]["caller_wait_s"]["p50"] - P["fire_and_forget"]["caller_wait_s"]["p50"]
    )
    assert "p50" in hint("03.4", p50 * 1000)
