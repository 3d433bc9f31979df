"""Checks for lesson 03, synchronous commands versus asynchronous events."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from course_lib.exercises import exercise

#: The chain of exercise 1.
CHAIN_LENGTH = 7
#: Exercise 3: the order service's consumers, and one week of change requests.
CONSUMERS = ("kitchen", "payments", "delivery", "loyalty", "analytics")
WEEK_OF_REQUESTS = (("add", "fraud"), ("remove", "delivery"), ("needs", "loyalty", "email"))
#: Exercise 2: the maximum event age and the outage, in hours, at the default 10 events/s.
SHORT_MAX_AGE_H = 6
DLQ_OUTAGE_H = 10
#: Exercise 4: the outage to recover from, and how soon after the repair, in hours.
DESIGN_OUTAGE_H = 12
DESIGN_DRAIN_H = 12


def _number(answer: Any) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return None
    value = float(answer)
    return value if math.isfinite(value) else None


@exercise("03.1", "Predict a synchronous chain")
def predict_chain(answer: Any) -> str | None:
    from course_lib.messaging.availability import MTBF_S, MTTR_S

    value = _number(answer)
    if value is None:
        return "the answer is one number: the fraction of requests that succeed."
    a = MTBF_S / (MTBF_S + MTTR_S)
    if 1 < value <= 100:
        return "give a fraction between 0 and 1, not a percentage."
    if math.isclose(value, a**CHAIN_LENGTH, abs_tol=5e-4):
        return None
    if math.isclose(value, a, abs_tol=5e-5):
        return "that is one service; a request needs every service in the chain to be up."
    if math.isclose(value, a**2, abs_tol=5e-5):
        return "that is what the asynchronous front door and queue give; the call chain is longer."
    for k in range(1, 21):
        if k != CHAIN_LENGTH and math.isclose(value, a**k, abs_tol=5e-5):
            return f"that is a chain of {k} services; count again."
    return (
        "each service is up a fraction a = MTBF / (MTBF + MTTR) of the time, independently; "
        "a synchronous request succeeds only if all of them are up at once."
    )


@cache
def _dlq_count() -> int:
    from course_lib.messaging import backlog_experiment

    return backlog_experiment(outage_s=DLQ_OUTAGE_H * 3600, max_event_age_s=SHORT_MAX_AGE_H * 3600)[
        "dlq"
    ]


@exercise("03.2", "Predict how many events reach the DLQ")
def dlq_prediction(answer: Any) -> str | None:
    value = _number(answer)
    if value is None:
        return "the answer is one number: how many events end in the DLQ."
    if value < 0:
        return "a count of events is never negative."
    simulated = _dlq_count()
    if math.isclose(value, simulated, rel_tol=0.03):
        return None
    rate = 10 * 3600
    if math.isclose(value, DLQ_OUTAGE_H * rate, rel_tol=0.03):
        return (
            "that is every event of the outage. Only events that wait longer than the maximum "
            "age leave; which of them still get their turn after the repair?"
        )
    if math.isclose(value, SHORT_MAX_AGE_H * rate, rel_tol=0.03):
        return "that is 6 hours of events; how long is the outage longer than the maximum age?"
    if value == 0:
        return "the outage lasts longer than the maximum event age: some events must expire."
    if value > simulated:
        return (
            "too many. After the repair the consumer takes the oldest events first, faster "
            "than they arrived: does the oldest waiting event still get older?"
        )
    return (
        "too few. Which events are older than the maximum age while the consumer is still "
        "down? Count them at 10 a second."
    )


@cache
def _drain_hours(capacity: float) -> float | None:
    from course_lib.messaging import backlog_experiment

    result = backlog_experiment(
        outage_s=DESIGN_OUTAGE_H * 3600,
        capacity_per_s=capacity,
        horizon_s=(DESIGN_OUTAGE_H + 3 * DESIGN_DRAIN_H) * 3600,
    )
    start = result["parameters"]["outage_start_s"] + DESIGN_OUTAGE_H * 3600
    done = result["recovered_at_s"]
    return None if done is None else (done - start) / 3600


def smallest_capacity() -> int:
    """The smallest whole capacity (events/s) that drains the backlog in time (exercise 4)."""
    capacity = 11
    while True:
        hours = _drain_hours(float(capacity))
        if hours is not None and hours <= DESIGN_DRAIN_H:
            return capacity
        capacity += 1


@exercise("03.4", "Size a consumer to catch up")
def consumer_capacity(answer: Any) -> str | None:
    value = _number(answer)
    if value is None:
        return "the answer is one number: the consumer's capacity in events a second."
    if value != int(value):
        return "give a whole number of events a second."
    if value <= 10:
        return "at or below the arrival rate (10 a second) the backlog never shrinks."
    if value > 1000:
        return "that is far more than needed; work out the spare capacity the backlog needs."
    hours = _drain_hours(float(value))
    if hours is None or hours > DESIGN_DRAIN_H:
        taken = "more than" if hours is None else f"{hours:.1f}"
        return (
            f"with {int(value)} events a second the backlog takes {taken} hours to drain after "
            f"the repair; it must take at most {DESIGN_DRAIN_H}."
        )
    if value > smallest_capacity():
        return "that drains in time, but a smaller consumer would too: find the smallest."
    return None


def _counts(answer: Any) -> dict[str, Any] | str:
    if isinstance(answer, Mapping):
        found = {}
        for key, value in answer.items():
            name = str(key).lower().rstrip("s")
            name = {"directed command": "command", "observable event": "event"}.get(name, name)
            found[name] = value
        if set(found) != {"command", "event"}:
            return "use a dict with two keys, 'command' and 'event'."
        return found
    if isinstance(answer, Sequence) and not isinstance(answer, str) and len(answer) == 2:
        return {"command": answer[0], "event": answer[1]}
    return "give a dict: {'command': ..., 'event': ...}."


@cache
def week_of_changes() -> dict:
    """Exercise 3's requests applied under both wirings (:func:`change_requests`)."""
    from course_lib.messaging import change_requests

    return change_requests(WEEK_OF_REQUESTS, CONSUMERS)


@exercise("03.3", "Which change requests touch the producer")
def producer_changes(answer: Any) -> str | None:
    counts = _counts(answer)
    if isinstance(counts, str):
        return counts
    if any(isinstance(v, bool) or not isinstance(v, int) for v in counts.values()):
        return "each count is a whole number of requests, from 0 to 3."
    result = week_of_changes()
    expected = {wiring: result[wiring]["producer_changes"] for wiring in ("command", "event")}
    every_change = {
        wiring: sum(len(step.changed_components) for step in result[wiring]["steps"])
        for wiring in ("command", "event")
    }
    if counts == expected:
        return None
    if counts == every_change:
        return (
            "you counted every component that changed; count the requests that change "
            "the order service."
        )
    if counts["event"] < expected["event"]:
        return (
            "with events, teams that join or leave only add or delete their own rules. But "
            "the loyalty team reads the e-mail address from the event: who can put it there?"
        )
    if counts["event"] > expected["event"]:
        return (
            "with events, a team that joins or leaves adds or deletes its own rule; the "
            "order service never hears of it. Which request still needs the producer?"
        )
    return (
        "with commands, the order service calls each consumer and passes it the fields it "
        "needs: a new consumer, a retired one and a new field are each an edit to it."
    )
