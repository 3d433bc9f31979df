"""Checks for lesson 08: strong and eventual consistency."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from course_lib.exercises import exercise

#: Exercise 08.4: the order item the "my orders" page reads, how often, and what it shows.
ORDER_ITEM = {
    "pk": "order-1042",
    "customer": "alice",
    "pizzas": ["margherita", "diavola", "quattro formaggi"],
    "address": "12 Via Roma, Napoli",
    "notes": "Ring twice, the bell is broken. " * 150,
}
READS_PER_SECOND = 50
SHOWN_ON_THE_PAGE = ("pk", "customer", "pizzas", "address")

#: Exercise 08.3: a history on one register (initially 0), as call/return events.
EXERCISE_HISTORY = [
    {"type": "call", "process": "kitchen", "op": "write", "value": 1},
    {"type": "call", "process": "app", "op": "read"},
    {"type": "return", "process": "kitchen", "op": "write"},
    {"type": "call", "process": "courier", "op": "cas", "value": (1, 2)},
    {"type": "return", "process": "app", "op": "read", "value": 2},
    {"type": "return", "process": "courier", "op": "cas", "value": True},
    {"type": "call", "process": "app", "op": "read"},
    {"type": "return", "process": "app", "op": "read", "value": 2},
]


def _number(answer: Any) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return None
    value = float(answer)
    return value if math.isfinite(value) else None


def _pair(answer: Any) -> tuple[Any, Any] | None:
    if isinstance(answer, Mapping):
        lowered = {str(k).lower(): v for k, v in answer.items()}
        if "r" in lowered and "w" in lowered:
            return lowered["r"], lowered["w"]
        return None
    if isinstance(answer, list | tuple) and len(answer) == 2:
        return answer[0], answer[1]
    return None


@exercise("08.1", "A quorum that always reads the latest write")
def strict_quorum(answer: Any) -> str | None:
    pair = _pair(answer)
    if pair is None:
        return "answer with a pair `(R, W)`, for example `quorum = (2, 2)`."
    r, w = pair
    if any(isinstance(x, bool) or not isinstance(x, int) for x in (r, w)):
        return "R and W are whole numbers of replicas."
    if not (1 <= r <= 3 and 1 <= w <= 3):
        return "with N = 3, R and W each lie between 1 and 3."
    if w != 1:
        return "the exercise keeps writes fast: W must stay 1. Which R then?"
    if r + w <= 3:
        return (
            f"with R = {r} and W = 1 some read quorum can miss the one replica that has the "
            "write: try pbs_consistency at t_ms=0 and see it stay below 1. How large must "
            "R + W be compared with N?"
        )
    return None


def strong_rcu_per_second(item: Mapping[str, Any]) -> float:
    """What the page's strongly consistent reads of ``item`` cost, in RCUs a second."""
    from course_lib.consistency import item_size, read_capacity_units

    return READS_PER_SECOND * read_capacity_units(item_size(item), consistent=True)


@exercise("08.4", "Keep strong reads, halve their cost")
def page_item_design(answer: Any) -> str | None:
    from course_lib.consistency import item_size

    if not isinstance(answer, Mapping):
        return "answer with the item the page reads: a dict of attribute names and values."
    missing = [name for name in SHOWN_ON_THE_PAGE if name not in answer]
    if missing:
        them = "them" if len(missing) > 1 else "it"
        return f"the page shows {', '.join(missing)}: keep {them} in the item the page reads."
    changed = [name for name in SHOWN_ON_THE_PAGE if answer[name] != ORDER_ITEM[name]]
    if changed:
        return f"keep {', '.join(changed)} exactly as the order has it: the page shows it."
    if "notes" in answer and answer["notes"] != ORDER_ITEM["notes"]:
        return (
            "the notes are the courier's, and cutting them loses what the courier needs: "
            "keep them whole, in an item of their own."
        )
    try:
        size = item_size(answer)
    except (TypeError, ValueError) as error:
        return f"that item cannot be stored: {error}"
    target = strong_rcu_per_second(ORDER_ITEM) / 2
    if strong_rcu_per_second(answer) > target:
        return (
            f"your item is {size:,} bytes, so a strongly consistent read of it still costs "
            "more than one read unit of 4 KB. Which attribute does the page never show?"
        )
    return None


@cache
def _exercise_verdict() -> bool:
    from course_lib.consistency import check_linearizability, operations_from_events

    history = operations_from_events(EXERCISE_HISTORY)
    return check_linearizability(history, initial=0).linearizable


@exercise("08.3", "Judge a history")
def judge_history(answer: Any) -> str | None:
    verdict = getattr(answer, "linearizable", answer)
    if not isinstance(verdict, bool):
        return (
            "answer True or False (or the result of `check_linearizability`, which carries "
            "`.linearizable`)."
        )
    if verdict == _exercise_verdict():
        return None
    if verdict is False:
        return (
            "an operation takes effect at one instant anywhere between its call and its "
            "return, not necessarily when it returns. Draw the three intervals: which "
            "operations overlap the app's first read? Then run `check_linearizability` and "
            "read the order it found."
        )
    return "look for a read that returns a value no single order of the operations allows."


#: Exercise 08.2: the store, when the page reads, and the share of reads that must be fresh.
DESIGN_CONFIG = "LNKD-DISK"
READ_AFTER_MS = 20.0
TARGET = 0.999


@cache
def _designs() -> dict[tuple[int, int], tuple[float, float]]:
    """Per (R, W) with N = 3: the consistent share at READ_AFTER_MS and the 99.9th
    percentile of write plus read latency (ms)."""
    from course_lib.consistency import pbs_consistency, pbs_latency

    table = {}
    for r in (1, 2, 3):
        for w in (1, 2, 3):
            share = pbs_consistency(DESIGN_CONFIG, n=3, r=r, w=w, t_ms=READ_AFTER_MS)
            latency = pbs_latency(DESIGN_CONFIG, n=3, r=r, w=w)
            table[(r, w)] = (share, latency["write_ms"] + latency["read_ms"])
    return table


def _fastest_design() -> tuple[int, int]:
    feasible = {rw: row for rw, row in _designs().items() if row[0] >= TARGET}
    return min(feasible, key=lambda rw: feasible[rw][1])


@exercise("08.2", "Design the fastest quorum for My orders")
def fastest_quorum(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return (
            'answer with a dict `{"r": ..., "w": ..., "consistent": ..., "latency_ms": ...}`: '
            "your choice and the two numbers that defend it."
        )
    lowered = {str(k).lower(): v for k, v in answer.items()}
    missing = [k for k in ("r", "w", "consistent", "latency_ms") if k not in lowered]
    if missing:
        return f"the dict is missing {', '.join(repr(k) for k in missing)}."
    r, w = lowered["r"], lowered["w"]
    if any(isinstance(x, bool) or not isinstance(x, int) for x in (r, w)):
        return "R and W are whole numbers of replicas."
    if not (1 <= r <= 3 and 1 <= w <= 3):
        return "with N = 3, R and W each lie between 1 and 3."
    share, latency = _designs()[(r, w)]
    if share < TARGET:
        return (
            f"measure R={r}, W={w} with `pbs_consistency(..., t_ms={READ_AFTER_MS:g})`: "
            "fewer than 99.9 % of reads made that late see the order. Try the others."
        )
    if (r, w) != _fastest_design():
        strict = " (a strict quorum is always consistent)" if r + w > 3 else ""
        return (
            f"R={r}, W={w} meets the target{strict}, but another choice meets it with a "
            "lower 99.9th-percentile write + read latency. Measure every (R, W): "
            "`pbs_consistency` at 20 ms and `pbs_latency`."
        )
    consistent, latency_ms = _number(lowered["consistent"]), _number(lowered["latency_ms"])
    if consistent is None or latency_ms is None:
        return "`consistent` and `latency_ms` are numbers from your measurements."
    if 1 < consistent <= 100:
        return "give `consistent` as a share between 0 and 1, as `pbs_consistency` returns it."
    if abs(consistent - share) > 0.003:
        return (
            "the right choice, but `consistent` is not what the simulation gives for it at "
            "20 ms: measure it with `pbs_consistency(..., t_ms=20)`."
        )
    if not 0.8 * latency <= latency_ms <= 1.25 * latency:
        return (
            "the right choice, but `latency_ms` should be the 99.9th percentile of the write "
            "plus that of the read, in milliseconds: add `pbs_latency`'s two values."
        )
    return None
