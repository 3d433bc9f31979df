"""Fallacy 3, bandwidth is infinite: payload transfer times, the event size limit and the claim check."""

from __future__ import annotations

import json
from collections.abc import Iterable

from course_lib.facts import fact
from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
    _check_positive,
)
from course_lib.sim.network import Link, Network
from course_lib.sim.world import World

#: Largest PutEvents request EventBridge accepts since 29 January 2026 (1 MB).
EVENT_SIZE_LIMIT: int = fact("eventbridge.put_events.max_request_bytes")
#: The limit before that date (256 KB), still quoted in older material.
PREVIOUS_EVENT_SIZE_LIMIT: int = fact("eventbridge.put_events.previous_max_request_bytes")


def payload_transfer(
    sizes: Iterable[int] = (1_024, 65_536, 262_144, 1_048_576, 10_485_760, 104_857_600),
    *,
    bandwidth: float = 125_000_000 / 8,
    latency: float = 0.02,
    limit: int = EVENT_SIZE_LIMIT,
    seed: int = 2024,
) -> list[dict]:
    """Time to move payloads of each size, and whether each fits in one event.

    ``bandwidth`` is bytes per second (default: a 125 Mbit/s path). A payload over
    ``limit`` cannot travel in the event itself; the claim-check pattern stores it
    (in S3, say) and sends a small reference instead, which the consumer uses to
    fetch the payload. Rows: ``payload_bytes``, ``transfer_seconds`` (simulated,
    ``latency + size / bandwidth``), ``fits_in_event``, ``pattern``, ``event_bytes``
    (what the bus carries) and ``claim_check_seconds`` (the payload uploaded to the
    store, the reference sent, then the payload fetched: the payload crosses twice).
    """
    _check_positive("bandwidth", bandwidth)
    _check_non_negative("latency", latency)
    _check_int("limit", limit, 1)
    payloads = list(sizes)
    if not payloads:
        raise ValueError("sizes: need at least one payload size")
    for size in payloads:
        _check_int("sizes", size, 0)
    rows = []
    for size in payloads:
        reference = _claim_check_reference(size)
        world = World(seed)
        network = Network(world, default=Link(latency=latency, bandwidth=bandwidth))
        network.add_node("producer")
        network.add_node("consumer")
        network.add_node("bucket")
        network.send("producer", "consumer", "payload", size=size, kind="event")
        world.run()
        direct = world.trace[-1].delivered_at
        start = world.now
        network.send("producer", "bucket", "payload", size=size, kind="upload")
        world.run()
        network.send("producer", "consumer", reference, size=len(reference), kind="reference")
        world.run()
        network.send("bucket", "consumer", "payload", size=size, kind="object")
        world.run()
        fits = size <= limit
        rows.append(
            {
                "payload_bytes": size,
                "transfer_seconds": direct,
                "fits_in_event": fits,
                "pattern": "inline" if fits else "claim check",
                "event_bytes": size if fits else len(reference),
                "claim_check_seconds": world.now - start,
            }
        )
    return rows


def _claim_check_reference(size: int) -> bytes:
    reference = {"bucket": "pizza-payloads", "key": f"orders/{size}.json", "size": size}
    return json.dumps(reference, sort_keys=True).encode()
