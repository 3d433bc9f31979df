"""Fallacy 2, latency is zero: chatty calls pay one round trip each."""

from __future__ import annotations

import math
from collections.abc import Mapping

import simpy

from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
)
from course_lib.sim.network import Link, Message, Network
from course_lib.sim.world import World

#: "Latency numbers every programmer should know" (Jeff Dean, after Peter Norvig), in ns.
LATENCY_NUMBERS: tuple[dict, ...] = (
    {"operation": "L1 cache reference", "ns": 0.5},
    {"operation": "Branch mispredict", "ns": 5},
    {"operation": "L2 cache reference", "ns": 7},
    {"operation": "Mutex lock/unlock", "ns": 25},
    {"operation": "Main memory reference", "ns": 100},
    {"operation": "Compress 1K bytes with Zippy", "ns": 3_000},
    {"operation": "Send 1K bytes over 1 Gbps network", "ns": 10_000},
    {"operation": "Read 4K randomly from SSD", "ns": 150_000},
    {"operation": "Read 1 MB sequentially from memory", "ns": 250_000},
    {"operation": "Round trip within same datacenter", "ns": 500_000},
    {"operation": "Read 1 MB sequentially from SSD", "ns": 1_000_000},
    {"operation": "Disk seek", "ns": 10_000_000},
    {"operation": "Read 1 MB sequentially from disk", "ns": 20_000_000},
    {"operation": "Send packet CA->Netherlands->CA", "ns": 150_000_000},
)

#: Round trips used by :func:`chatty_vs_batched`, taken from :data:`LATENCY_NUMBERS`.
ROUND_TRIPS: dict[str, float] = {
    "same datacenter": 0.0005,
    "California to Netherlands": 0.150,
}


def chatty_vs_batched(
    items: int = 100,
    batch_size: int = 25,
    round_trips: Mapping[str, float] | None = None,
    *,
    seconds_per_item: float = 0.0,
    seed: int = 2024,
) -> list[dict]:
    """Fetch ``items`` one call at a time (chatty) or ``batch_size`` per call (batched).

    Each call waits a full round trip, so chatty code pays ``items`` round trips and
    batched code ``ceil(items / batch_size)``. Rows: ``link``, ``round_trip_ms``,
    ``style``, ``calls`` and ``seconds`` (simulated).
    """
    _check_int("items", items, 1)
    _check_int("batch_size", batch_size, 1)
    _check_non_negative("seconds_per_item", seconds_per_item)
    trips = dict(ROUND_TRIPS if round_trips is None else round_trips)
    if not trips:
        raise ValueError("round_trips: need at least one named round trip")
    rows = []
    for link_name, round_trip in trips.items():
        _check_non_negative(f"round_trips[{link_name!r}]", round_trip)
        for style, per_call in (("chatty", 1), ("batched", batch_size)):
            world = World(seed)
            network = Network(world, default=Link(latency=round_trip / 2))
            replies: simpy.Store = simpy.Store(world.env)

            def serve(message: Message, network=network, world=world):
                yield world.env.timeout(seconds_per_item * message.payload)
                network.send("service", "client", message.payload, kind="reply")

            network.add_node("client", handler=replies.put)
            network.add_node("service", handler=serve)

            def client(network=network, replies=replies, per_call=per_call):
                remaining = items
                while remaining:
                    count = min(per_call, remaining)
                    network.send("client", "service", count, kind="request")
                    yield replies.get()
                    remaining -= count

            world.env.process(client())
            world.run()
            rows.append(
                {
                    "link": link_name,
                    "round_trip_ms": round_trip * 1000,
                    "style": style,
                    "calls": math.ceil(items / per_call),
                    "seconds": world.now,
                }
            )
    return rows
