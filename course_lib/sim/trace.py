"""Read a world's message trace as data for a sequence diagram or a timeline.

The drawing lives in :mod:`course_lib.viz`; these functions only reshape the trace
(participants in order, arrows with send and arrival times, per-node events).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from course_lib.sim.world import TraceRecord

#: How a message can end: arrived, arrived again (an extra copy), arrived altered, lost on
#: the way, refused (nobody at the address), or still travelling.
OUTCOMES = ("delivered", "duplicate", "tampered", "lost", "failed", "in_flight")


def participants(trace: Iterable[TraceRecord]) -> list[str]:
    """Everyone who sent or received, in order of first appearance (the diagram's columns)."""
    seen: dict[str, None] = {}
    for record in trace:
        seen.setdefault(record.source, None)
        seen.setdefault(record.target, None)
    return list(seen)


def sequence_arrows(trace: Iterable[TraceRecord]) -> list[dict]:
    """One arrow per message, ordered by send time.

    Keys: ``source``, ``target``, ``kind``, ``sent_at``, ``arrived_at`` (``None`` when
    the message never arrived), ``outcome`` and ``label``.
    """
    records = sorted(enumerate(trace), key=lambda pair: (pair[1].time, pair[0]))
    return [
        {
            "source": record.source,
            "target": record.target,
            "kind": record.kind,
            "sent_at": record.time,
            "arrived_at": record.delivered_at,
            "outcome": record.outcome,
            "label": record.kind
            if record.outcome == "delivered"
            else f"{record.kind} ({record.outcome})",
        }
        for _, record in records
    ]


def timeline(trace: Iterable[TraceRecord]) -> list[dict]:
    """Per-participant events for a timeline: each send, and each arrival or loss.

    Keys: ``participant``, ``time``, ``event`` (``send``, ``receive``, ``lost``,
    ``failed``), ``kind`` and ``peer``; ordered by time. A loss is shown at the
    intended receiver, when the message would have arrived. A loss is placed at the
    intended receiver, at the moment the message would have arrived.
    """
    events = []
    for order, record in enumerate(trace):
        events.append((record.time, order, 0, record.source, "send", record.kind, record.target))
        if record.delivered_at is not None:
            arrival = (record.delivered_at, "receive")
        elif record.outcome in ("lost", "failed"):
            arrival = (record.meta.get("lost_at", record.time), record.outcome)
        else:
            continue
        events.append((arrival[0], order, 1, record.target, arrival[1], record.kind, record.source))
    events.sort(key=lambda event: event[:3])
    return [
        {"participant": who, "time": time, "event": event, "kind": kind, "peer": peer}
        for time, _, _, who, event, kind, peer in events
    ]


def outcome_counts(trace: Iterable[TraceRecord]) -> dict[str, int]:
    """How many messages ended each way, every known outcome listed (zero included)."""
    counts = Counter(record.outcome for record in trace)
    return {
        outcome: counts.get(outcome, 0)
        for outcome in (*OUTCOMES, *sorted(set(counts) - set(OUTCOMES)))
    }
