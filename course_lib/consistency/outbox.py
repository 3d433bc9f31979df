"""The transactional outbox: publish every state change, exactly once in effect.

A service that updates its database and then publishes an event ("dual write") loses
the event whenever it crashes between the two steps: the database says the order was
placed, but no other service ever hears of it. With an outbox, the service writes the
state change and an outbox record in one local transaction. A separate relay
publishes outbox records and then marks them sent. The relay can crash after
publishing and before marking, so it publishes at least once and sometimes twice; the
consumer removes duplicates by message id. Together: nothing lost, nothing applied
twice.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from course_lib.sim.world import World

#: How the service publishes its state changes.
OUTBOX_STRATEGIES = ("dual-write", "outbox")


@dataclass(frozen=True)
class OutboxReport:
    """What happened to ``orders`` state changes under one strategy.

    ``lost`` counts committed changes no consumer ever heard of;
    ``duplicate_deliveries`` counts deliveries beyond the first of a message;
    ``applied_twice`` counts messages the consumer applied more than once.
    """

    strategy: str
    deduplicate: bool
    orders: int
    committed: int
    crashes: int
    published: int
    distinct_published: int
    duplicate_deliveries: int
    lost: int
    applied: int
    applied_twice: int


def simulate_outbox(
    strategy: str = "outbox",
    *,
    orders: int = 200,
    crash_probability: float = 0.1,
    deduplicate: bool = True,
    interarrival: float = 0.1,
    poll_interval: float = 0.5,
    restart_delay: float = 2.0,
    network_latency: float = 0.005,
    seed: int = 0,
) -> OutboxReport:
    """Place ``orders`` orders; crash the publishing step with ``crash_probability``.

    Under ``"dual-write"`` the service crashes after committing and before publishing;
    under ``"outbox"`` the relay crashes after publishing and before marking the record
    sent. The consumer drops messages whose id it has already applied when
    ``deduplicate`` is on.
    """
    if strategy not in OUTBOX_STRATEGIES:
        raise ValueError(f"strategy: expected one of {OUTBOX_STRATEGIES}, got {strategy!r}")
    if isinstance(orders, bool) or not isinstance(orders, int) or orders < 0:
        raise ValueError(f"orders: expected an int >= 0, got {orders!r}")
    if not isinstance(deduplicate, bool):
        raise TypeError(f"deduplicate: expected a bool, got {type(deduplicate).__name__}")
    _check_number("crash_probability", crash_probability)
    if not 0 <= crash_probability < 1:
        raise ValueError(
            "crash_probability: must lie in [0, 1); at 1 every attempt crashes and the "
            f"relay never marks a record sent (got {crash_probability!r})"
        )
    for name, value in (
        ("interarrival", interarrival),
        ("restart_delay", restart_delay),
        ("network_latency", network_latency),
    ):
        _check_number(name, value)
        if value < 0:
            raise ValueError(f"{name}: must be >= 0 seconds, got {value!r}")
    _check_number("poll_interval", poll_interval)
    if poll_interval <= 0:
        raise ValueError(f"poll_interval: must be > 0 seconds, got {poll_interval!r}")

    world = World(seed=seed)
    run = _Run(world, crash_probability, deduplicate, network_latency, restart_delay)
    service = world.env.process(run.service(strategy, orders, interarrival))
    if strategy == "outbox":
        world.env.process(run.relay(service, poll_interval))
    world.env.process(run.consumer())
    world.run()

    delivered_orders = {run.order_of[message_id] for message_id in run.delivered}
    published = sum(run.published.values())
    return OutboxReport(
        strategy=strategy,
        deduplicate=deduplicate,
        orders=orders,
        committed=len(run.database),
        crashes=run.crashes,
        published=published,
        distinct_published=len(run.published),
        duplicate_deliveries=published - len(run.published),
        lost=len(set(run.database) - delivered_orders),
        applied=sum(run.applied.values()),
        applied_twice=sum(1 for count in run.applied.values() if count > 1),
    )


def compare_outbox(**parameters: Any) -> list[OutboxReport]:
    """:func:`simulate_outbox` for dual writes, and for the outbox with and without
    consumer deduplication, all with the same parameters and seed."""
    for name in ("strategy", "deduplicate"):
        if name in parameters:
            raise TypeError(f"{name}: compare_outbox sets it for each row itself")
    return [
        simulate_outbox("dual-write", deduplicate=True, **parameters),
        simulate_outbox("outbox", deduplicate=False, **parameters),
        simulate_outbox("outbox", deduplicate=True, **parameters),
    ]


class _Run:
    """The database, outbox table, broker and consumer of one simulation."""

    def __init__(
        self,
        world: World,
        crash_probability: float,
        deduplicate: bool,
        network_latency: float,
        restart_delay: float,
    ) -> None:
        self.world = world
        self.crash_probability = crash_probability
        self.deduplicate = deduplicate
        self.network_latency = network_latency
        self.restart_delay = restart_delay
        self.crash_rng = world.rng("consistency.outbox.crash")
        self.database: dict[str, str] = {}
        self.outbox: list[dict[str, Any]] = []
        self.broker = simpy.Store(world.env)
        self.published: Counter[str] = Counter()
        self.order_of: dict[str, str] = {}
        self.delivered: set[str] = set()
        self.applied: Counter[str] = Counter()
        self.processed_ids: set[str] = set()
        self.crashes = 0

    def _crashes_now(self) -> bool:
        crashed = self.crash_rng.random() < self.crash_probability
        self.crashes += crashed
        return crashed

    def _publish(self, message_id: str, order_id: str) -> Generator:
        yield self.world.env.timeout(self.network_latency)
        self.published[message_id] += 1
        self.order_of[message_id] = order_id
        yield self.broker.put({"id": message_id, "order": order_id})

    def service(self, strategy: str, orders: int, interarrival: float) -> Generator:
        env = self.world.env
        for number in range(1, orders + 1):
            order_id = f"order-{number}"
            message_id = self.world.next_id("message")
            if strategy == "dual-write":
                self.database[order_id] = "PLACED"
                if self._crashes_now():
                    yield env.timeout(self.restart_delay)
                else:
                    yield from self._publish(message_id, order_id)
            else:
                self.database[order_id] = "PLACED"
                self.outbox.append({"id": message_id, "order": order_id, "sent": False})
            yield env.timeout(interarrival)

    def relay(self, service: simpy.Process, poll_interval: float) -> Generator:
        env = self.world.env
        while True:
            pending = [record for record in self.outbox if not record["sent"]]
            if not pending and not service.is_alive:
                return
            for record in pending:
                yield from self._publish(record["id"], record["order"])
                if self._crashes_now():
                    yield env.timeout(self.restart_delay)
                    break
                record["sent"] = True
            else:
                yield env.timeout(poll_interval)

    def consumer(self) -> Generator:
        while True:
            message = yield self.broker.get()
            self.delivered.add(message["id"])
            if self.deduplicate and message["id"] in self.processed_ids:
                continue
            self.processed_ids.add(message["id"])
            self.applied[message["id"]] += 1


def _check_number(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
