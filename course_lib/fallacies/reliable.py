"""Fallacy 1, the network is reliable: messages lost on every hop, and acknowledgements lost after the work was done."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

from course_lib.fallacies._checks import (
    _check_int,
    _check_positive,
    _check_probability,
)
from course_lib.sim.network import Link, Message, Network
from course_lib.sim.retry import (
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    call_with_retry,
)
from course_lib.sim.world import World


def lossy_hops(
    max_hops: int = 5, loss: float = 0.01, messages: int = 1000, seed: int = 2024
) -> list[dict]:
    """Send ``messages`` through chains of 1..``max_hops`` links that each lose ``loss``.

    A message survives only if every hop carries it, so success falls as
    ``(1 - loss) ** hops``. Each row: ``hops``, ``expected`` (that formula),
    ``delivered`` and ``success_rate`` (simulated).
    """
    _check_int("max_hops", max_hops, 1)
    _check_probability("loss", loss)
    _check_int("messages", messages, 1)
    rows = []
    for hops in range(1, max_hops + 1):
        world = World(seed)
        network = Network(world, default=Link(latency=0.001, loss=loss), name=f"chain{hops}")
        arrived = []
        for index in range(hops + 1):
            if index == hops:
                network.add_node(f"n{index}", handler=arrived.append)
            else:
                network.add_node(
                    f"n{index}", handler=_forward_to(network, f"n{index}", f"n{index + 1}")
                )
        for number in range(messages):
            network.send("n0", "n1", number)
        world.run()
        rows.append(
            {
                "hops": hops,
                "expected": (1 - loss) ** hops,
                "delivered": len(arrived),
                "success_rate": len(arrived) / messages,
            }
        )
    return rows


def _forward_to(network: Network, me: str, target: str) -> Callable[[Message], None]:
    def forward(message: Message) -> None:
        network.send(me, target, message.payload)

    return forward


@dataclass(frozen=True)
class LostAckResult:
    """What happened to ``requests`` charges when acknowledgements can be lost."""

    requests: int
    idempotent: bool
    attempts: int
    side_effects: int
    charged_twice_or_more: int
    never_acknowledged: int
    trace: list = field(repr=False, compare=False)


def lost_ack_duplicates(
    requests: int = 100,
    ack_loss: float = 0.2,
    *,
    request_loss: float = 0.0,
    max_attempts: int = 3,
    ack_timeout: float = 1.0,
    idempotent: bool = False,
    seed: int = 2024,
) -> LostAckResult:
    """A client charges a card and retries when no acknowledgement comes back in time.

    When the request arrived but the ack was lost, the retry charges again, unless the
    server is idempotent (it remembers request ids and replays the first answer).
    """
    _check_int("requests", requests, 1)
    _check_probability("ack_loss", ack_loss)
    _check_probability("request_loss", request_loss)
    _check_int("max_attempts", max_attempts, 1)
    _check_positive("ack_timeout", ack_timeout)
    world = World(seed)
    network = Network(world, default=Link(latency=0.05))
    charges: Counter[str] = Counter()
    acks: dict[str, simpy.Event] = {}

    def on_ack(message: Message) -> None:
        if not acks[message.payload].triggered:
            acks[message.payload].succeed()

    def on_charge(message: Message) -> None:
        request_id = message.payload
        if not (idempotent and charges[request_id]):
            charges[request_id] += 1
        network.send("payments", "checkout", request_id, kind="ack")

    network.add_node("checkout", handler=on_ack)
    network.add_node("payments", handler=on_charge)
    network.connect("checkout", "payments", Link(latency=0.05, loss=request_loss), both_ways=False)
    network.connect("payments", "checkout", Link(latency=0.05, loss=ack_loss), both_ways=False)
    stats = RetryStats()
    policy = RetryPolicy(max_attempts=max_attempts, timeout=ack_timeout)
    unacknowledged = []

    def checkout(request_id: str):
        acks[request_id] = world.env.event()

        def attempt(number: int) -> simpy.Event:
            network.send("checkout", "payments", request_id, kind="charge")
            return acks[request_id]

        try:
            yield world.env.process(call_with_retry(world, attempt, policy, stats=stats))
        except RetriesExhausted:
            unacknowledged.append(request_id)

    def shop():
        for number in range(requests):
            world.env.process(checkout(f"order-{number + 1}"))
            yield world.env.timeout(0.1)

    world.env.process(shop())
    world.run()
    return LostAckResult(
        requests=requests,
        idempotent=idempotent,
        attempts=stats.attempts,
        side_effects=sum(charges.values()),
        charged_twice_or_more=sum(1 for count in charges.values() if count > 1),
        never_acknowledged=len(unacknowledged),
        trace=list(world.trace),
    )
