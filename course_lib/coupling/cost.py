"""The run-time cost of decoupling: latency, moving parts and a window of inconsistency.

The same stream of updates travels from a producer to a consumer three ways: a direct
call, an SQS queue read by a Lambda event source mapping, and an EventBridge bus with a
rule. Decoupling releases the producer sooner, but the consumer's view of the data lags
behind (eventual consistency) and there are more components to build and run.

Channel delays are lognormals fitted to published measurements (Bite-Sized Serverless,
"Serverless Messaging: Latency Compared", eu-west-1): SQS standard to Lambda p50 16.2 ms
and p99 105 ms; EventBridge to Lambda after its February 2023 update p50 148 ms and p99
387 ms. The network, the API acknowledgements and the consumer's work are assumptions,
the same on every path.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from course_lib.sim import LogNormal, World

NETWORK = LogNormal(median=0.002, p99=0.010)
CONSUMER_WORK = LogNormal(median=0.020, p99=0.100)
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 99.9}


@dataclass(frozen=True)
class DeliveryPath:
    """One way from producer to consumer.

    ``ack`` is what the producer waits for when a channel acknowledges on the
    consumer's behalf (``None``: it waits for the consumer's reply); ``delivery`` runs
    from the send until the consumer starts work; ``components`` lists every part that
    must be built, configured, secured and watched.
    """

    name: str
    components: tuple[str, ...]
    ack: LogNormal | None
    delivery: LogNormal


PATHS: dict[str, DeliveryPath] = {
    "direct": DeliveryPath("direct", ("producer", "consumer"), None, NETWORK),
    "queue": DeliveryPath(
        "queue",
        ("producer", "SQS queue", "event source mapping", "consumer", "dead-letter queue"),
        LogNormal(median=0.008, p99=0.030),
        LogNormal(median=0.0162, p99=0.105),
    ),
    "bus": DeliveryPath(
        "bus",
        ("producer", "event bus", "rule", "consumer", "dead-letter queue"),
        LogNormal(median=0.015, p99=0.050),
        LogNormal(median=0.148, p99=0.387),
    ),
}


def _update(world: World, path: DeliveryPath, index: int, timings: dict) -> Generator:
    """One update: ``timings`` holds, per update, when it was sent, released and applied."""
    started = timings["sent"][index] = world.now
    if path.ack is not None:
        world.env.process(_acknowledge(world, path, index, timings))
    yield world.env.timeout(path.delivery.sample(world.rng(f"cost/{path.name}/delivery")))
    yield world.env.timeout(CONSUMER_WORK.sample(world.rng("cost/work")))
    timings["applied"][index] = world.now
    if path.ack is None:
        yield world.env.timeout(NETWORK.sample(world.rng(f"cost/{path.name}/reply")))
        timings["released"][index] = world.now - started


def _acknowledge(world: World, path: DeliveryPath, index: int, timings: dict) -> Generator:
    yield world.env.timeout(path.ack.sample(world.rng(f"cost/{path.name}/ack")))
    timings["released"][index] = world.now - timings["sent"][index]


def _produce(world: World, path: DeliveryPath, n: int, rate: float, timings: dict) -> Generator:
    gaps = world.rng("cost/arrivals")
    for index in range(n):
        world.env.process(_update(world, path, index, timings))
        yield world.env.timeout(gaps.expovariate(rate))


def _summary(values: np.ndarray) -> dict[str, float]:
    result = {
        name: float(np.percentile(values, q, method="inverted_cdf"))
        for name, q in PERCENTILES.items()
    }
    return result | {"max": float(values.max())}


def _busy_fraction(starts: np.ndarray, ends: np.ndarray, span: float) -> float:
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    opens = np.concatenate(([True], starts[1:] > reach[:-1]))
    first = np.flatnonzero(opens)
    covered = np.maximum.reduceat(ends, first) - starts[first]
    return float(covered.sum() / span)


def decoupling_cost(n: int = 2000, *, rate_per_s: float = 5.0, seed: int = 0) -> dict:
    """Send ``n`` updates (Poisson, ``rate_per_s``) along each path and measure the price.

    Per path: ``producer_wait_s`` (until the producer may move on),
    ``consistency_window_s`` (from the send until the consumer's view includes the
    update), ``stale_fraction`` (share of the run during which some update was sent but
    not yet visible to the consumer), ``components`` and ``moving_parts``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n: expected an int >= 1, got {n!r}")
    if not isinstance(rate_per_s, (int, float)) or not math.isfinite(rate_per_s) or rate_per_s <= 0:
        raise ValueError(f"rate_per_s: expected a finite number > 0, got {rate_per_s!r}")
    result = {}
    for path in PATHS.values():
        world = World(seed=seed)
        timings = {key: np.full(n, np.nan) for key in ("sent", "released", "applied")}
        world.env.process(_produce(world, path, n, rate_per_s, timings))
        world.run()
        starts, ends = timings["sent"], timings["applied"]
        result[path.name] = {
            "components": list(path.components),
            "moving_parts": len(path.components),
            "producer_wait_s": _summary(timings["released"]),
            "consistency_window_s": _summary(ends - starts),
            "stale_fraction": _busy_fraction(starts, ends, float(ends.max() - starts.min())),
        }
    return result
