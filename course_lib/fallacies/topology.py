"""Fallacy 5, topology doesn't change: an endpoint moves; hard-coded and discovered clients."""

from __future__ import annotations

from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
    _check_positive,
)
from course_lib.sim.network import Link, Network
from course_lib.sim.world import World


def endpoint_move(
    requests: int = 20,
    interval: float = 1.0,
    move_at: float = 10.0,
    *,
    cache_ttl: float = 0.0,
    seed: int = 2024,
) -> list[dict]:
    """Two clients call a service that moves to a new address at ``move_at`` seconds.

    One client hard-coded the address at start; the other asks service discovery,
    caching the answer for ``cache_ttl`` seconds. Rows: ``time``, ``client``
    (``hard-coded`` or ``discovered``), ``address`` used and ``ok``.
    """
    _check_int("requests", requests, 1)
    _check_positive("interval", interval)
    _check_non_negative("move_at", move_at)
    _check_non_negative("cache_ttl", cache_ttl)
    world = World(seed)
    network = Network(world, default=Link(latency=0.01))
    network.add_node("hard-coded")
    network.add_node("discovered")
    network.add_node("orders", address="10.0.1.17", handler=lambda message: None)
    network.move("orders", "10.0.2.42", at=move_at)
    hard_coded = network.address_of("orders")
    cache = {"address": hard_coded, "until": cache_ttl}
    sent: list[tuple[str, str, float, str]] = []

    def clients():
        for _ in range(requests):
            if world.now >= cache["until"]:
                cache["address"] = network.address_of("orders")
                cache["until"] = world.now + cache_ttl
            for client, address in (("hard-coded", hard_coded), ("discovered", cache["address"])):
                sent.append(
                    (network.send(client, address, "GET /orders"), client, world.now, address)
                )
            yield world.env.timeout(interval)

    world.env.process(clients())
    world.run()
    outcome = {r.meta["message_id"]: r.outcome for r in world.trace}
    return [
        {"time": at, "client": client, "address": address, "ok": outcome[message_id] == "delivered"}
        for message_id, client, at, address in sent
    ]
