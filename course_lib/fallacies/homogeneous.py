"""Fallacy 8, the network is homogeneous: MTUs and loss differ per client; 64-bit ids through float64."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
    _check_probability,
)
from course_lib.sim.network import Link, Message, Network
from course_lib.sim.world import World

#: An IPv4 header plus a TCP header, without options.
HEADER_BYTES = 40

#: Illustrative client profiles. 9001 is EC2's jumbo-frame MTU inside a VPC; 1500 the
#: Ethernet MTU used across the internet; tunnels leave less room per packet.
CLIENT_PROFILES: tuple[dict, ...] = (
    {"name": "service in the same VPC", "mtu": 9001, "latency": 0.0005, "loss": 0.0001},
    {"name": "office broadband", "mtu": 1500, "latency": 0.02, "loss": 0.001},
    {"name": "mobile network", "mtu": 1500, "latency": 0.08, "loss": 0.01},
    {"name": "branch office over VPN", "mtu": 1400, "latency": 0.05, "loss": 0.005},
    {"name": "ship over satellite", "mtu": 1500, "latency": 0.6, "loss": 0.03},
)


def heterogeneous_clients(
    payload_bytes: int = 64_000,
    messages: int = 200,
    profiles: Iterable[Mapping[str, Any]] = CLIENT_PROFILES,
    *,
    seed: int = 2024,
) -> list[dict]:
    """The same message sent by clients on very different networks, without retransmission.

    The payload is cut into packets of ``mtu - 40`` bytes; the message arrives only if
    every packet does, so big payloads on lossy paths rarely make it. Rows: ``name``,
    ``mtu``, ``packets``, ``expected_delivery`` (``(1 - loss) ** packets``),
    ``delivery_rate`` (simulated) and ``mean_seconds`` until a delivered message is whole.
    """
    _check_int("payload_bytes", payload_bytes, 1)
    _check_int("messages", messages, 1)
    rows = []
    for profile in profiles:
        name = profile.get("name")
        if not isinstance(name, str):
            raise ValueError(f"profiles: every profile needs a name, got {profile!r}")
        mtu = _check_int(f"profiles[{name!r}].mtu", profile.get("mtu"), HEADER_BYTES + 1)
        loss = _check_probability(f"profiles[{name!r}].loss", profile.get("loss"))
        delay = _check_non_negative(f"profiles[{name!r}].latency", profile.get("latency"))
        packets = math.ceil(payload_bytes / (mtu - HEADER_BYTES))
        world = World(seed)
        network = Network(world, default=Link(latency=delay, loss=loss), name=name)
        pieces: Counter[int] = Counter()
        completed: list[float] = []

        def reassemble(
            message: Message, pieces=pieces, completed=completed, world=world, packets=packets
        ):
            pieces[message.payload] += 1
            if pieces[message.payload] == packets:
                completed.append(world.now - message.sent_at)

        network.add_node("client")
        network.add_node("server", handler=reassemble)
        for number in range(messages):
            for _ in range(packets):
                network.send("client", "server", number, size=mtu)
        world.run()
        rows.append(
            {
                "name": name,
                "mtu": mtu,
                "packets": packets,
                "expected_delivery": (1 - loss) ** packets,
                "delivery_rate": len(completed) / messages,
                "mean_seconds": sum(completed) / len(completed) if completed else None,
            }
        )
    if not rows:
        raise ValueError("profiles: need at least one client profile")
    return rows


def float_id_precision(ids: Iterable[int] | None = None) -> list[dict]:
    """What happens to integer ids read by a consumer that only has float64 numbers.

    JavaScript's ``JSON.parse`` (and many JSON libraries' defaults) turn every number
    into a float64, which holds integers exactly only up to ``2**53``. Rows: ``id``,
    ``as_float`` (the integer the consumer sees), ``exact`` and ``error``.
    """
    values = (
        [2**53 - 1, 2**53, 2**53 + 1, 1_234_567_890_123_456_789, 2**63 - 1]
        if ids is None
        else list(ids)
    )
    if not values:
        raise ValueError("ids: need at least one id")
    rows = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"ids: expected integers, got {value!r}")
        wire = json.dumps({"id": value})
        seen = int(json.loads(wire, parse_int=float)["id"])
        rows.append({"id": value, "as_float": seen, "exact": seen == value, "error": seen - value})
    return rows
