"""Checks for lesson 03, synchronous commands versus asynchronous events."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from course_lib.exercises import exercise

#: The chain of exercise 1 and the consumers of exercise 3.
CHAIN_LENGTH = 7
NEW_CONSUMERS = ("payments", "delivery", "loyalty", "analytics", "fraud")
#: The maximum event age of exercise 2, in hours.
SHORT_MAX_AGE_H = 6


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
def _dlq_after(outage_h: float) -> int:
    from course_lib.messaging import backlog_experiment

    return backlog_experiment(outage_s=outage_h * 3600, max_event_age_s=SHORT_MAX_AGE_H * 3600)[
        "dlq"
    ]


@exercise("03.2", "When the DLQ starts to fill")
def dlq_threshold(answer: Any) -> str | None:
    value = _number(answer)
    if value is None:
        return "the answer is one number: the length of the outage in hours."
    if value > 1000:
        return "that looks like seconds; give hours."
    if math.isclose(value, 25) or math.isclose(value, 24):
        return "that is the threshold for the default maximum age of 24 h; use 6 h."
    if value <= 0:
        return "an outage lasts a positive number of hours."
    if _dlq_after(value) == 0:
        return (
            "after an outage that long the DLQ is still empty: "
            "look at the `dlq` count of `backlog_experiment` for longer outages."
        )
    if value > SHORT_MAX_AGE_H + 1:
        return "events reach the DLQ after that outage, but a shorter one already does it."
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


@exercise("03.3", "Who changes when a consumer is added")
def producer_changes(answer: Any) -> str | None:
    from course_lib.messaging import add_consumers

    counts = _counts(answer)
    if isinstance(counts, str):
        return counts
    result = add_consumers(added=NEW_CONSUMERS)
    expected = {wiring: result[wiring]["producer_changes"] for wiring in ("command", "event")}
    every_change = {
        wiring: sum(len(step.changed_components) for step in result[wiring]["steps"])
        for wiring in ("command", "event")
    }
    if counts == expected:
        return None
    if counts == every_change:
        return "you counted every component that changed; count only the producer's changes."
    wrong = [w for w in ("command", "event") if counts[w] != expected[w]]
    return (
        f"the {' and '.join(wrong)} count is off. Run `add_consumers` with the five new "
        "consumers and read `producer_changes` (or count the steps with `producer_changed`)."
    )


@cache
def _latencies() -> dict:
    from course_lib.messaging import exchange_latencies

    return exchange_latencies()


@exercise("03.4", "How much sooner the producer is released")
def released_sooner(answer: Any) -> str | None:
    value = _number(answer)
    if value is None:
        return "the answer is one number of milliseconds."
    lat = _latencies()
    rr = lat["request_response"]["percentiles"]
    ff = lat["fire_and_forget"]["percentiles"]
    expected = (rr["caller_wait_s"]["p99"] - ff["caller_wait_s"]["p99"]) * 1000
    if math.isclose(value, expected, rel_tol=0.01, abs_tol=0.5):
        return None
    if math.isclose(value, expected / 1000, rel_tol=0.01):
        return "that is in seconds; give milliseconds."
    if math.isclose(value, -expected, rel_tol=0.01):
        return "the sign is reversed: request/response minus fire-and-forget."
    end_to_end = (rr["caller_wait_s"]["p99"] - ff["end_to_end_s"]["p99"]) * 1000
    if math.isclose(value, end_to_end, rel_tol=0.01, abs_tol=0.5):
        return "you used when the work is done; the producer is released by the broker's ack."
    for q in ("p50", "p90", "p99.9"):
        other = (rr["caller_wait_s"][q] - ff["caller_wait_s"][q]) * 1000
        if math.isclose(value, other, rel_tol=0.01, abs_tol=0.5):
            return f"you compared the {q}; the question asks for the p99."
    return (
        "take `caller_wait_s` p99 of each style from `exchange_latencies()` (default "
        "arguments) and subtract, in milliseconds."
    )
