"""A run's trace as data: every event, delivery, call and state transition, in time order.

Rows come from two places: the world's message trace (PutEvents, EventBridge deliveries
with their retries and dead letters, callbacks and heartbeats) and each order workflow
execution's history (states entered, tasks scheduled, timeouts). Reshaping functions here
feed the pictures in :mod:`course_lib.viz.pizza`: one order's sequence of messages, the
phases of many orders, latency percentiles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

#: The lifelines of a sequence diagram, left to right.
LANES = ("customer", "order workflow", "orders", "payments", "bus", "kitchen", "delivery")
SOURCE_DOMAIN = {
    "com.orders": "orders",
    "com.payments": "payments",
    "com.kitchen": "kitchen",
    "com.delivery": "delivery",
}
_FUNCTION_DOMAIN = {
    "pizza-orders": "orders",
    "pizza-payments": "payments",
    "pizza-kitchen": "kitchen",
    "pizza-delivery": "delivery",
}
_ENDS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
_PROBLEMS = ("TaskTimedOut", "TaskFailed", "LambdaFunctionFailed", "LambdaFunctionTimedOut")


@dataclass(frozen=True)
class TraceRow:
    """One thing that happened, at ``time`` virtual seconds (to the microsecond).

    ``kind`` is ``event`` (a PutEvents), ``delivery`` (EventBridge handing an event to a
    rule's target, or failing to), ``call`` (a direct call: StartExecution, a Lambda task,
    SendTaskSuccess, a heartbeat) or ``transition`` (the workflow entering a state or
    ending). ``outcome`` is ``ok`` or what went wrong (``failed``, ``lost``,
    ``duplicate``, ``dead-lettered``, an error name).
    """

    time: float
    order_id: str | None
    kind: str
    source: str
    target: str
    name: str
    outcome: str = "ok"
    detail: dict = field(default_factory=dict, compare=True, hash=False)


def function_domain(name: str) -> str:
    for prefix, domain in _FUNCTION_DOMAIN.items():
        if name.startswith(prefix):
            return domain
    return name


def _world_rows(run: Any) -> list[tuple]:
    workflow_publishes = run.machine is not None
    rows = []
    for index, record in enumerate(run.world.trace):
        if record.kind == "PutEvents":
            event = record.payload
            publisher = SOURCE_DOMAIN.get(event["source"], event["source"])
            if publisher == "orders" and workflow_publishes:
                publisher = "order workflow"
            row = TraceRow(
                record.time,
                event["detail"]["data"].get("order-id"),
                "event",
                publisher,
                "bus",
                event["detail-type"],
                "ok",
                {"id": event["id"], "metadata": event["detail"]["metadata"]},
            )
            rows.append((round(record.time, 6), 3, index, row))
        elif record.kind == "event":
            event = json.loads(record.payload)
            outcome = "ok" if record.outcome == "delivered" else record.outcome
            detail = {"rule": record.meta.get("rule"), "attempt": record.meta.get("attempt")}
            if "error_code" in record.meta:
                detail["error"] = record.meta["error_code"]
            if "dlq" in record.meta:
                detail["dlq"] = record.meta["dlq"]
            replayed = "replay-name" in event
            row = TraceRow(
                record.delivered_at,
                event["detail"]["data"].get("order-id"),
                "delivery",
                "bus",
                record.target,
                event["detail-type"] + (" (replayed)" if replayed else ""),
                outcome,
                detail,
            )
            rows.append((round(record.delivered_at, 6), 0, index, row))
        else:
            payload = record.payload if isinstance(record.payload, dict) else {}
            outcome = "ok" if record.outcome == "delivered" else record.outcome
            row = TraceRow(
                record.time,
                payload.get("order-id"),
                "call",
                record.source,
                record.target,
                record.kind,
                outcome,
                dict(sorted(record.meta.items())),
            )
            rows.append((round(record.time, 6), 1, index, row))
    return rows


def _history_rows(run: Any) -> list[tuple]:
    rows = []
    if run.machine is None:
        return rows
    epoch = run.world.epoch
    offset = len(run.world.trace)
    for order_id, arn in run.executions.items():
        calling = None  # the row of a Lambda call not yet answered or handed its token
        for event in run.machine.execution(arn).history:
            kind = event["type"]
            at = (event["timestamp"] - epoch).total_seconds()
            if kind in ("TaskSubmitted", "TaskSucceeded"):
                calling = None
                continue
            if kind.endswith("StateEntered"):
                name = event["stateEnteredEventDetails"]["name"]
                row = TraceRow(at, order_id, "transition", "order workflow", name, name)
            elif (
                kind == "TaskScheduled"
                and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
            ):
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                function = parameters.get("FunctionName", "")
                row = TraceRow(
                    at, order_id, "call", "order workflow", function_domain(function), function
                )
                calling = len(rows)
            elif kind in _PROBLEMS or kind in _ENDS:
                details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
                outcome = details.get("error", "ok") if kind != "ExecutionSucceeded" else "ok"
                row = TraceRow(at, order_id, "transition", "order workflow", kind, kind, outcome)
                if calling is not None and kind in _PROBLEMS:
                    # The call itself failed (the function raised or timed out).
                    at_call, rank, position, called = rows[calling]
                    rows[calling] = (at_call, rank, position, replace(called, outcome=outcome))
                    calling = None
            else:
                continue
            rank = 4 if kind in _ENDS else 2
            rows.append((round(at, 6), rank, offset + event["id"], row))
        offset += 10_000
    return rows


def build_trace(run: Any) -> list[TraceRow]:
    """Every row of a run, ordered by time.

    At one instant: deliveries, then calls, then state transitions, then the events they
    publish, then the end of an execution (cause before effect).
    """
    rows = _world_rows(run) + _history_rows(run)
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [replace(row, time=at) for at, _, _, row in rows]


def percentiles(values: Iterable[float], qs: Iterable[int] = (50, 90, 99)) -> dict[str, float]:
    """Nearest-rank percentiles of ``values`` (seconds), in minutes rounded to 0.1."""
    ordered = sorted(values)
    result = {}
    for q in qs:
        if not ordered:
            result[f"p{q}"] = float("nan")
            continue
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        result[f"p{q}"] = round(ordered[rank - 1] / 60, 1)
    return result


def milestones(run: Any, order_id: str) -> dict[str, float]:
    """When an order reached each milestone: placed, created, baked, dispatched, delivered,
    cancelled (only those it reached)."""
    found = {"placed": run.placed_at[order_id]}
    by_event = {
        "OrderCreated": "created",
        "PizzaBaked": "baked",
        "OrderDispatched": "dispatched",
        "OrderDelivered": "delivered",
        "OrderCancelled": "cancelled",
    }
    by_state = {"Bake": "created", "Deliver": "baked", "Refund": "cancelled"}
    for row in run.trace(order_id):
        if row.kind == "event" and row.name in by_event:
            found.setdefault(by_event[row.name], row.time)
        elif row.kind == "transition" and row.name in by_state:
            found.setdefault(by_state[row.name], row.time)
    if order_id in run.shop.delivered:
        found.setdefault("delivered", run.shop.delivered[order_id])
    return found


PHASES = (
    ("placed", "created", "order and payment"),
    ("created", "baked", "kitchen"),
    ("baked", "dispatched", "waiting for a courier"),
    ("dispatched", "delivered", "on the road"),
    ("baked", "delivered", "delivery"),
    ("created", "cancelled", "kitchen, then cancelled"),
    ("baked", "cancelled", "no courier, cancelled"),
)


def spans(run: Any, order_ids: Iterable[str]) -> list[dict]:
    """Bars for a timeline: ``lane`` (order id), ``start``, ``end``, ``state`` (phase)."""
    bars = []
    for order_id in order_ids:
        marks = milestones(run, order_id)
        for start, end, phase in PHASES:
            if start not in marks or end not in marks:
                continue
            if phase == "delivery" and "dispatched" in marks:
                continue
            if phase == "kitchen, then cancelled" and "baked" in marks:
                continue
            bars.append(
                {"lane": order_id, "start": marks[start], "end": marks[end], "state": phase}
            )
    return bars


def sequence(run: Any, order_id: str, *, heartbeats: bool = False) -> list[dict]:
    """One order's story as arrows: ``time``, ``source``, ``target``, ``label``, ``outcome``.

    Transitions of the workflow become notes on its lifeline (source == target).
    """
    arrows = []
    for row in run.trace(order_id):
        if row.name == "SendTaskHeartbeat" and not heartbeats:
            continue
        if row.kind == "transition":
            source = target = "order workflow"
            label = row.name if row.outcome == "ok" else f"{row.name}: {row.outcome}"
        else:
            source, target = row.source, row.target
            label = row.name
            if row.outcome != "ok":
                label = f"{label} ({row.outcome})"
        arrows.append(
            {
                "time": row.time,
                "source": source,
                "target": target,
                "label": label,
                "outcome": row.outcome,
                "kind": row.kind,
            }
        )
    return arrows


def visited_states(run: Any, order_id: str) -> list[str]:
    """The states one order's workflow entered, in order."""
    execution = run.execution(order_id)
    return [] if execution is None else list(execution.states_entered)


def token_exposure(run: Any) -> dict[str, dict]:
    """Where the workflow's task tokens travelled, per event type that carried one.

    ``published``: events with a token put on the shared bus; ``delivered to``: how many
    of them each rule target received (retries and duplicates included); ``archived``:
    copies the bus's archives keep, which a replay hands out again. Anyone holding a
    token, and allowed to call ``SendTaskSuccess``, can decide the workflow's next step.
    """
    exposure: dict[str, dict] = {}

    def entry(detail_type: str) -> dict:
        return exposure.setdefault(detail_type, {"published": 0, "delivered to": {}, "archived": 0})

    for record in run.world.trace:
        if record.kind == "PutEvents":
            event = record.payload
            if "callbackToken" in event["detail"].get("metadata", {}):
                entry(event["detail-type"])["published"] += 1
        elif record.kind == "event" and record.outcome in ("delivered", "duplicate"):
            event = json.loads(record.payload)
            if "callbackToken" in event["detail"].get("metadata", {}):
                received = entry(event["detail-type"])["delivered to"]
                received[record.target] = received.get(record.target, 0) + 1
    for archive in run.bridge.archives.values():
        for _, event in archive.events:
            if "callbackToken" in event["detail"].get("metadata", {}):
                entry(event["detail-type"])["archived"] += 1
    for seen in exposure.values():
        seen["delivered to"] = dict(sorted(seen["delivered to"].items()))
    return {name: exposure[name] for name in sorted(exposure)}
