"""What a Step Functions workflow costs: its billed state transitions, and list prices as data.

A **Standard** execution is billed per state transition: one for every state it enters
(inside inline Map iterations and Parallel branches too) and one for every retry of a task.
An **Express** execution is billed per request and per GB-second of duration, the
duration rounded up to 100 ms and the memory to 64 MB steps. A **Distributed Map** bills
one transition for every child execution it starts; the children are billed by their own
type (``ProcessorConfig.ExecutionType``): a Standard child per transition, an Express child
per request and duration (:func:`billed_usage`, given the definition).

Prices are AWS's public US East (N. Virginia) list prices, read on the Step Functions
pricing page (https://aws.amazon.com/step-functions/pricing/) on 2026-11-26
(:data:`PRICES_CHECKED`). Free tiers (4,000 Standard transitions a month) and the cheaper
Express duration tiers after the first 1,000 GB-hours a month are left out, so the
figures are an upper bound. ``course_lib.aws.PRICES`` reads the same figures from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from course_lib.stepfunctions import errors

PRICES_CHECKED = "2026-11-26"
PRICES_REGION = "us-east-1"
PRICES_SOURCE = "https://aws.amazon.com/step-functions/pricing/"

#: Billed unit -> (US dollars per unit, what the unit is).
PRICES: dict[str, tuple[float, str]] = {
    "sfn_standard_transitions": (0.025 / 1_000, "Step Functions Standard state transition"),
    "sfn_express_requests": (1.00 / 1_000_000, "Step Functions Express request"),
    "sfn_express_gb_seconds": (
        0.00001667,
        "Step Functions Express GB-second (duration rounded up to 100 ms, memory in 64 MB steps)",
    ),
}

_SCHEDULED = ("LambdaFunctionScheduled", "TaskScheduled", "ActivityScheduled")


def history_events(execution_or_history: Any) -> list[dict]:
    """The history events of an :class:`~course_lib.stepfunctions.Execution`, a list of
    events, or a GetExecutionHistory response (``{"events": [...]}``)."""
    if isinstance(execution_or_history, Mapping) and "events" in execution_or_history:
        return list(execution_or_history["events"])
    return list(getattr(execution_or_history, "history", execution_or_history))


def _error_of(event: dict) -> str | None:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping) and "error" in value:
            return value["error"]
    return None


def retry_attempts(execution_or_history: Any) -> list[dict]:
    """Every retry of a task, in history order: ``{"state", "error", "event_id"}``, the
    state retried, the error that made it retry and the id of the repeated Scheduled event.

    A retry is a task attempt scheduled after an earlier attempt of the same state visit
    (found by following ``previousEventId``, so Map iterations and Parallel branches
    running side by side are told apart)."""
    events = history_events(execution_or_history)
    by_id = {e["id"]: e for e in events}
    found = []
    for event in events:
        if event["type"] not in _SCHEDULED:
            continue
        error = None
        earlier = by_id.get(event.get("previousEventId"))
        retried = False
        while earlier is not None:
            if error is None:
                error = _error_of(earlier)
            if earlier["type"] in _SCHEDULED:
                retried = True
            if earlier["type"].endswith("StateEntered"):
                break
            earlier = by_id.get(earlier.get("previousEventId"))
        if retried and earlier is not None:
            found.append(
                {
                    "state": earlier["stateEnteredEventDetails"]["name"],
                    "error": error,
                    "event_id": event["id"],
                }
            )
    return found


def retries(execution_or_history: Any) -> int:
    """How many task attempts were retries (every attempt after a state visit's first)."""
    return len(retry_attempts(execution_or_history))


def retries_by_state(execution_or_history: Any) -> dict[str, int]:
    """Retries per state name (states never retried are left out)."""
    counts: dict[str, int] = {}
    for attempt in retry_attempts(execution_or_history):
        counts[attempt["state"]] = counts.get(attempt["state"], 0) + 1
    return counts


def retries_by_rule(state: Mapping, attempts: list[dict]) -> list[int]:
    """For one state's ``Retry`` rules, how many of ``attempts`` (its entries of
    :func:`retry_attempts`) each rule made: the first rule whose ErrorEquals matches the
    error counts it, as the engine chooses."""
    rules = [r for r in state.get("Retry", []) or [] if isinstance(r, Mapping)]
    counts = [0] * len(rules)
    for attempt in attempts:
        for index, rule in enumerate(rules):
            if attempt["error"] is not None and errors.error_matches(
                attempt["error"], list(rule.get("ErrorEquals", []))
            ):
                counts[index] += 1
                break
    return counts


def _distributed_maps(definition: Mapping | None) -> dict[str, tuple[str, str]]:
    """State name -> (the Distributed Map it runs inside, that Map's child execution type).

    State names are unique in a whole state machine, so a name says where a state lives."""
    found: dict[str, tuple[str, str]] = {}

    def inner_names(graph: Mapping) -> list[str]:
        names = []
        for name, state in (graph.get("States") or {}).items():
            names.append(name)
            if not isinstance(state, Mapping):
                continue
            for branch in state.get("Branches") or []:
                if isinstance(branch, Mapping):
                    names.extend(inner_names(branch))
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if isinstance(processor, Mapping):
                names.extend(inner_names(processor))
        return names

    def walk(graph: Mapping) -> None:
        for name, state in (graph.get("States") or {}).items():
            if not isinstance(state, Mapping):
                continue
            processor = state.get("ItemProcessor") or state.get("Iterator")
            config = processor.get("ProcessorConfig", {}) if isinstance(processor, Mapping) else {}
            if isinstance(config, Mapping) and config.get("Mode") == "DISTRIBUTED":
                kind = str(config.get("ExecutionType", "STANDARD"))
                found[name] = (name, kind)  # the Map state itself is the parent's
                for inner in inner_names(processor):
                    found[inner] = (name, kind)
                continue
            for branch in state.get("Branches") or []:
                if isinstance(branch, Mapping):
                    walk(branch)
            if isinstance(processor, Mapping):
                walk(processor)

    if isinstance(definition, Mapping):
        walk(definition)
    return found


def _event_name(event: dict) -> str | None:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping) and "name" in value:
            return value["name"]
    return None


def billed_usage(
    execution_or_history: Any, definition: Mapping | None = None, *, memory_mb: float = 64
) -> dict[str, float]:
    """What AWS bills one Standard execution for, as :data:`PRICES` keys and counts.

    Without ``definition`` every state entered and every retry is a Standard transition.
    With it, each Distributed Map child execution costs the parent one transition; an
    Express child is billed one request and its duration (from its start to its end in the
    history, at ``memory_mb``), a Standard child its own transitions."""
    events = history_events(execution_or_history)
    where = _distributed_maps(definition)
    express = {n for n, (m, kind) in where.items() if kind == "EXPRESS" and n != m}
    transitions = sum(
        1 for e in events if e["type"].endswith("StateEntered") and _event_name(e) not in express
    )
    transitions += sum(1 for a in retry_attempts(events) if a["state"] not in express)
    requests, gb_seconds, started = 0, 0.0, {}
    for e in events:
        name = _event_name(e)
        if name not in where or where[name][0] != name or not e["type"].startswith("MapIteration"):
            continue
        index = e.get("mapIterationStartedEventDetails", {}).get("index")
        if e["type"] == "MapIterationStarted":
            transitions += 1
            started[(name, index)] = e["timestamp"]
            continue
        details = next((v for k, v in e.items() if k.endswith("EventDetails")), {})
        begun = started.pop((name, details.get("index")), None)
        if begun is not None and where[name][1] == "EXPRESS":
            requests += 1
            seconds = (e["timestamp"] - begun).total_seconds()
            gb_seconds += express_billed_gb_seconds(seconds, memory_mb)
    return {
        "sfn_standard_transitions": transitions,
        "sfn_express_requests": requests,
        "sfn_express_gb_seconds": gb_seconds,
    }


def usage_cost(usage: Mapping[str, float]) -> float:
    """US dollars for ``usage`` (a mapping from a :data:`PRICES` key to a count)."""
    unknown = sorted(set(usage) - set(PRICES))
    if unknown:
        raise ValueError(f"usage: unknown billed unit {unknown[0]!r}; use one of {sorted(PRICES)}")
    return sum(count * PRICES[key][0] for key, count in usage.items())


def state_transitions(execution_or_history: Any, definition: Mapping | None = None) -> int:
    """The state transitions a Standard execution is billed for: one for every state it
    entered (in inline Map iterations and Parallel branches too) and one for every retry;
    with ``definition``, a Distributed Map's children as :func:`billed_usage` counts them."""
    return int(billed_usage(execution_or_history, definition)["sfn_standard_transitions"])


def standard_cost(transitions: float) -> float:
    """US dollars for ``transitions`` Standard state transitions (free tier not counted)."""
    return transitions * PRICES["sfn_standard_transitions"][0]


def express_billed_gb_seconds(duration_seconds: float, memory_mb: float = 64) -> float:
    """The GB-seconds one Express execution is billed for: its duration rounded up to
    100 ms, its memory rounded up to 64 MB."""
    if duration_seconds < 0 or memory_mb <= 0:
        raise ValueError("duration_seconds must be >= 0 and memory_mb > 0")
    tenths = math.ceil(round(duration_seconds * 10, 9))
    chunks = math.ceil(memory_mb / 64)
    return max(tenths, 1) / 10 * chunks * 64 / 1024


def express_cost(requests: float, duration_seconds: float, memory_mb: float = 64) -> float:
    """US dollars for ``requests`` Express executions of ``duration_seconds`` each, at the
    first tier of duration prices (free tier not counted)."""
    per_request = PRICES["sfn_express_requests"][0]
    per_gb_second = PRICES["sfn_express_gb_seconds"][0]
    gb_seconds = express_billed_gb_seconds(duration_seconds, memory_mb)
    return requests * (per_request + gb_seconds * per_gb_second)
