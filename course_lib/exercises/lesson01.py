"""Checks for lesson 01, the fallacies of distributed computing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from course_lib.exercises import exercise

#: Exercise 1: a request crosses this many hops, each losing this share of messages.
HOPS = 8
HOP_LOSS = 0.03

#: Exercise 2: the entry the kitchen publishes (Time set, so it counts 14 bytes).
PHOTO_SOURCE = "com.kitchen"
PHOTO_DETAIL_TYPE = "PizzaBaked"

#: Exercise 3: the budget at 100 clients (mean write calls, ms until the last is done).
BUDGET_CLIENTS = 100
BUDGET_RUNS = 20
BUDGET_SEED = 2024
BUDGET_CALLS = 900
BUDGET_MS = 4_000

#: Exercise 4: the SDK retry mode, and the error the service answers during the outage.
OUTAGE_MODE = "standard"
OUTAGE_ERROR = "throttling"


def _is_number(answer: Any) -> bool:
    return isinstance(answer, int | float) and not isinstance(answer, bool)


@exercise("01.1", "Success over many lossy hops")
def success_over_hops(answer: Any) -> str | None:
    if not _is_number(answer) or math.isnan(answer):
        return "the answer is a probability: one number between 0 and 1."
    expected = (1 - HOP_LOSS) ** HOPS
    if 1 < answer <= 100 and abs(answer / 100 - expected) <= 0.015:
        return "that looks like a percentage; give the probability as a number between 0 and 1."
    if not 0 <= answer <= 1:
        return "a probability lies between 0 and 1."
    if abs(answer - expected) <= 0.015:
        return None
    if math.isclose(answer, 1 - HOPS * HOP_LOSS, abs_tol=1e-6):
        return (
            "subtracting the loss of each hop is only an approximation; a message survives "
            "a hop with probability (1 - loss), and it has to survive every hop."
        )
    if math.isclose(answer, HOP_LOSS**HOPS, rel_tol=1e-3) or math.isclose(
        answer, 1 - (1 - HOP_LOSS) ** HOPS, abs_tol=1e-3
    ):
        return "that is a chance of losing, not of arriving; what must happen at every hop?"
    if math.isclose(answer, 1 - HOP_LOSS, abs_tol=1e-6):
        return "that is the chance for one hop; the request crosses several."
    return (
        "multiply the chance of surviving one hop over all the hops, and compare with "
        "`cl.fallacies.lossy_hops(...)` run with many messages."
    )


@exercise("01.2", "The largest photo that fits in a PutEvents request")
def largest_detail(answer: Any) -> str | None:
    from course_lib.events.put_events import (
        MAX_REQUEST_BYTES,
        PREVIOUS_MAX_REQUEST_BYTES,
        TIME_BYTES,
    )

    if not _is_number(answer) or answer != int(answer):
        return "the answer is a whole number of bytes."
    answer = int(answer)
    overhead = len(PHOTO_SOURCE.encode()) + len(PHOTO_DETAIL_TYPE.encode()) + TIME_BYTES
    expected = MAX_REQUEST_BYTES - overhead
    if answer == expected:
        return None
    if answer == MAX_REQUEST_BYTES:
        return "the Detail is not the only field EventBridge counts in an entry's size."
    if answer == expected + TIME_BYTES:
        return "nearly: the entry sets Time, and a Time costs bytes too."
    if answer <= PREVIOUS_MAX_REQUEST_BYTES:
        return (
            "that is within the old 256 KB limit; which limit applies to PutEvents today? "
            "See `cl.events.MAX_REQUEST_BYTES`."
        )
    if answer > expected:
        return (
            "a Detail that big makes the request too large: build the entry and measure it "
            "with `cl.events.entry_size(entry)`."
        )
    return (
        "that fits, but a larger Detail would fit too: find the size at which "
        "`cl.events.entry_size(entry)` reaches the limit exactly."
    )


def _backoff_choice(answer: Any) -> tuple[str, float, float] | str:
    from course_lib.sim import BACKOFF_NAMES

    if isinstance(answer, str):
        answer = {"algorithm": answer}
    if not isinstance(answer, Mapping):
        return 'give a dict such as {"algorithm": ..., "base_ms": ..., "cap_ms": ...}.'
    unknown = sorted(set(answer) - {"algorithm", "base_ms", "cap_ms"})
    if unknown:
        return f"unexpected keys {unknown}: use algorithm, base_ms and cap_ms."
    algorithm = answer.get("algorithm")
    if algorithm not in BACKOFF_NAMES:
        return f"algorithm must be one of {', '.join(BACKOFF_NAMES)}; got {algorithm!r}."
    base = answer.get("base_ms", 5.0)
    cap = answer.get("cap_ms", 2000.0)
    for name, value in (("base_ms", base), ("cap_ms", cap)):
        if not _is_number(value) or not 0 <= value <= 60_000:
            return f"{name} must be a number of milliseconds between 0 and 60000."
    if cap < base:
        return "cap_ms must not be smaller than base_ms."
    return algorithm, float(base), float(cap)


@exercise("01.3", "A retry policy within budget at 100 clients")
def backoff_within_budget(answer: Any) -> str | None:
    from course_lib.fallacies import backoff_experiment

    choice = _backoff_choice(answer)
    if isinstance(choice, str):
        return choice
    algorithm, base, cap = choice
    (row,) = backoff_experiment(
        BUDGET_CLIENTS,
        runs=BUDGET_RUNS,
        seed=BUDGET_SEED,
        algorithms=[algorithm],
        base_ms=base,
        cap_ms=cap,
    )
    calls, ms = row["calls"], row["time"]
    measured = f"your policy made {calls:,.0f} calls and finished after {ms / 1000:,.2f} s"
    too_many, too_slow = calls > BUDGET_CALLS, ms > BUDGET_MS
    if too_many and too_slow and algorithm in ("none", "exponential"):
        return f"{measured}: over both budgets. Which family of algorithms spreads clients out?"
    if too_many and too_slow:
        return (
            f"{measured}: over both budgets. Compare the algorithms at 100 clients, then tune "
            "the one you pick: base_ms sets the first sleeps, cap_ms the longest one."
        )
    if too_many and algorithm == "none":
        return (
            f"{measured}: too many calls. Clients that retry at once collide again at once: "
            "let them sleep before a retry."
        )
    if too_many:
        return (
            f"{measured}: too many calls. Clients still collide: retries need to be spread "
            "out more (look at the calls plot, and at what base_ms does)."
        )
    if too_slow:
        return (
            f"{measured}: too slow. One unlucky client can sleep up to the cap on a single "
            "retry: what does cap_ms do to the completion time?"
        )
    return None


@cache
def _outage_attempts(mode: str, error: str) -> int:
    from course_lib.fallacies import retry_modes_outage

    (row,) = retry_modes_outage([mode], error=error)
    return row["attempts_during_outage"]


@exercise("01.4", "Attempts at a throttling service")
def attempts_while_throttled(answer: Any) -> str | None:
    if not _is_number(answer) or math.isnan(answer) or answer != int(answer):
        return "the answer is a whole number of attempts."
    answer = int(answer)
    if answer == _outage_attempts(OUTAGE_MODE, OUTAGE_ERROR):
        return None
    if answer == _outage_attempts(OUTAGE_MODE, "transient"):
        return (
            "that is the transient outage, where a retry costs 14 tokens. What does a retry "
            "after a throttling error cost, and how many retries does the quota pay for then?"
        )
    if answer == _outage_attempts("legacy", OUTAGE_ERROR):
        return "that is legacy mode, which has no quota; the client here is in standard mode."
    first_attempts = 10 * 30
    if answer == first_attempts:
        return (
            "every call that arrives during the outage makes its first attempt, and the quota "
            "pays for some retries on top until it is empty."
        )
    if answer == 3 * first_attempts:
        return "three attempts for every call would need more retries than 500 tokens can pay for."
    return (
        "add the first attempts of the calls made during the outage (10 a second) to the "
        "retries the 500-token quota pays for at the price of a throttling retry, then run "
        '`cl.fallacies.retry_modes_outage(["standard"], error="throttling")`.'
    )
