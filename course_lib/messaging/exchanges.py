"""Request/response versus fire-and-forget: who waits, and for how long.

A synchronous caller waits for the network both ways and for the service's work. A
producer that fires an event waits only for the broker to store it; the consumer's work
happens later, off the producer's clock. Both exchanges run as SimPy processes on a
:class:`~course_lib.sim.World`, so every message lands in the world's trace and a
sequence diagram can be drawn from it.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from course_lib.messaging.availability import PERCENTILES
from course_lib.sim import LogNormal, TraceRecord, World

STYLES = ("request_response", "fire_and_forget")


#: Assumed delays. Network hops inside one region, a service doing real work, a broker
#: persisting a message before acknowledging it, and the broker's push to a consumer.
NETWORK = LogNormal(median=0.002, p99=0.010)
SERVICE_WORK = LogNormal(median=0.080, p99=0.600)
BROKER_STORE = LogNormal(median=0.010, p99=0.040)
BROKER_DELIVERY = LogNormal(median=0.050, p99=0.400)


def _hop(world: World, source: str, target: str, kind: str, delay: LogNormal, payload) -> Generator:
    took = delay.sample(world.rng(f"exchange/{source}->{target}"))
    world.record(source, target, kind, payload, delivered_at=world.now + took)
    yield world.env.timeout(took)


def _request_response(world: World, number: int, timings: dict) -> Generator:
    started = world.now
    request = {"order_id": number}
    yield from _hop(world, "client", "service", "request", NETWORK, request)
    yield world.env.timeout(SERVICE_WORK.sample(world.rng("exchange/service-work")))
    yield from _hop(
        world, "service", "client", "response", NETWORK, {"order_id": number, "ok": True}
    )
    timings["caller_wait_s"].append(world.now - started)
    timings["end_to_end_s"].append(world.now - started)


def _fire_and_forget(world: World, number: int, timings: dict) -> Generator:
    started = world.now
    event = {"detail-type": "OrderCreated", "detail": {"order_id": number}}
    yield from _hop(world, "producer", "broker", "put", NETWORK, event)
    yield world.env.timeout(BROKER_STORE.sample(world.rng("exchange/broker-store")))
    yield from _hop(world, "broker", "producer", "ack", NETWORK, {"stored": True})
    timings["caller_wait_s"].append(world.now - started)
    yield from _hop(world, "broker", "consumer", "event", BROKER_DELIVERY, event)
    yield world.env.timeout(SERVICE_WORK.sample(world.rng("exchange/consumer-work")))
    world.record("consumer", "consumer", "processed", {"order_id": number})
    timings["end_to_end_s"].append(world.now - started)


_PROCESSES = {"request_response": _request_response, "fire_and_forget": _fire_and_forget}


def _check_style(style: str) -> None:
    if style not in _PROCESSES:
        raise ValueError(f"style: expected one of {', '.join(STYLES)}, got {style!r}")


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values)
    result = {
        name: float(np.percentile(array, q, method="inverted_cdf"))
        for name, q in PERCENTILES.items()
    }
    return result | {"max": float(array.max())}


def exchange_latencies(n: int = 2000, *, seed: int = 0) -> dict:
    """Run ``n`` exchanges of each style and return the waits, sampled and summarised.

    ``caller_wait_s`` is how long the caller (client or producer) is blocked;
    ``end_to_end_s`` is how long until the work is done. For request/response they are
    the same; for fire-and-forget the caller is released after the broker's ack.
    Exchanges start one per second of virtual time (they do not contend).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n: expected an int >= 1, got {n!r}")
    result = {}
    for style in STYLES:
        world = World(seed=seed)
        timings: dict[str, list[float]] = {"caller_wait_s": [], "end_to_end_s": []}

        def starter(world: World = world, timings: dict = timings, style: str = style):
            for number in range(1, n + 1):
                world.env.process(_PROCESSES[style](world, number, timings))
                yield world.env.timeout(1.0)

        world.env.process(starter())
        world.run()
        result[style] = {
            "samples": timings,
            "percentiles": {name: _percentiles(values) for name, values in timings.items()},
        }
    return result


def exchange_trace(style: str, *, seed: int = 0) -> list[TraceRecord]:
    """The world trace of one exchange of ``style``, for a sequence diagram."""
    _check_style(style)
    world = World(seed=seed)
    timings: dict[str, list[float]] = {"caller_wait_s": [], "end_to_end_s": []}
    world.env.process(_PROCESSES[style](world, 1, timings))
    world.run()
    return list(world.trace)
