"""The insurmountable backlog: an outage longer than the maximum event age fills the DLQ.

A queue buys time, not infinite time. While the consumer is down, events wait; once an
event is older than the maximum event age it goes to the dead-letter queue. After the
consumer recovers it drains the backlog only as fast as its spare capacity allows.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from course_lib.facts import fact

#: A Classic bus rule's target keeps retrying an event for 24 hours by default.
DEFAULT_MAX_EVENT_AGE_S = float(fact("eventbridge.target.default_max_event_age_seconds"))


def _number(name: str, value: float, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: must be {bound}, got {value!r}")
    return float(value)


def backlog_experiment(
    *,
    outage_s: float = 30 * 3600,
    max_event_age_s: float = DEFAULT_MAX_EVENT_AGE_S,
    rate_per_s: float = 10,
    capacity_per_s: float = 12,
    outage_start_s: float = 3600,
    horizon_s: float | None = None,
    report_every_s: float = 600,
    seed: int = 0,
) -> dict:
    """Backlog, DLQ and processed counts over time around one consumer outage.

    Model: events arrive as a Poisson process at ``rate_per_s``, counted per second of
    virtual time (ages are exact to the second). The consumer is down during
    ``[outage_start_s, outage_start_s + outage_s)``; when up it handles up to
    ``capacity_per_s`` events a second, oldest first (unused capacity carries over for
    at most one second). An event still waiting when its age exceeds ``max_event_age_s`` goes to the
    DLQ. With ``capacity_per_s <= rate_per_s`` a backlog never drains.

    ``horizon_s`` defaults to the end of the outage plus twice the maximum age. Returns
    the series sampled every ``report_every_s`` and a summary: peak backlog, DLQ total,
    the longest wait of a processed event and when the backlog was back below one
    second of capacity (``None`` if it never was).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an int, got {seed!r}")
    outage = _number("outage_s", outage_s, allow_zero=True)
    max_age = _number("max_event_age_s", max_event_age_s)
    rate = _number("rate_per_s", rate_per_s)
    capacity = _number("capacity_per_s", capacity_per_s)
    start = _number("outage_start_s", outage_start_s, allow_zero=True)
    every = _number("report_every_s", report_every_s)
    end_of_outage = start + outage
    horizon = end_of_outage + 2 * max_age if horizon_s is None else _number("horizon_s", horizon_s)
    seconds = math.ceil(horizon)
    report_step = max(1, round(every))

    arrivals = np.random.default_rng([seed, *b"backlog"]).poisson(rate, seconds).tolist()
    waiting: deque[list[int]] = deque()
    backlog = dlq = processed = 0
    credit = 0.0
    peak = 0
    max_wait = 0
    recovered_at: int | None = None
    series: dict[str, list] = {"time_s": [], "backlog": [], "dlq": [], "processed": []}
    for second, count in enumerate(arrivals):
        if count:
            waiting.append([second, count])
            backlog += count
        while waiting and second - waiting[0][0] > max_age:
            dlq += waiting[0][1]
            backlog -= waiting.popleft()[1]
        if not start <= second < end_of_outage:
            credit += capacity
            while waiting and credit >= 1:
                bucket = waiting[0]
                served = min(bucket[1], int(credit))
                bucket[1] -= served
                credit -= served
                backlog -= served
                processed += served
                max_wait = max(max_wait, second - bucket[0])
                if bucket[1] == 0:
                    waiting.popleft()
            credit = min(credit, capacity)
        peak = max(peak, backlog)
        if recovered_at is None and second >= end_of_outage and backlog <= capacity:
            recovered_at = second
        if second % report_step == 0:
            for key, value in zip(series, (second, backlog, dlq, processed), strict=True):
                series[key].append(value)
    return {
        "parameters": {
            "outage_s": outage,
            "max_event_age_s": max_age,
            "rate_per_s": rate,
            "capacity_per_s": capacity,
            "outage_start_s": start,
            "horizon_s": float(seconds),
            "seed": seed,
        },
        "series": series,
        "arrived": int(sum(arrivals)),
        "processed": processed,
        "dlq": dlq,
        "backlog_at_end": backlog,
        "peak_backlog": peak,
        "max_wait_s": float(max_wait),
        "recovered_at_s": None if recovered_at is None else float(recovered_at),
    }
