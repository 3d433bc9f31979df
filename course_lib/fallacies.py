"""The eight fallacies of distributed computing, as experiments that return data.

Each function is pure: the same parameters (and seed) give the same rows, which the
lesson plots with :mod:`course_lib.viz`. Anything that takes time runs on the
:mod:`course_lib.sim` clock.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import simpy

from course_lib.sim.network import Link, Message, Network, flip_one_bit
from course_lib.sim.retry import (
    BACKOFF_NAMES,
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    RetryTokenBucket,
    backoff,
    call_with_retry,
)
from course_lib.sim.world import World

#: The eight fallacies, as listed at Sun Microsystems (Bill Joy and Tom Lyon, then
#: L. Peter Deutsch in 1994; James Gosling added the eighth around 1997), and the
#: experiments in this module that show each one.
FALLACIES: tuple[dict, ...] = (
    {
        "fallacy": "The network is reliable",
        "experiments": (
            "lossy_hops",
            "lost_ack_duplicates",
            "backoff_experiment",
            "retry_amplification",
        ),
    },
    {"fallacy": "Latency is zero", "experiments": ("chatty_vs_batched",)},
    {"fallacy": "Bandwidth is infinite", "experiments": ("payload_transfer",)},
    {"fallacy": "The network is secure", "experiments": ("tampering_proxy",)},
    {"fallacy": "Topology doesn't change", "experiments": ("endpoint_move",)},
    {"fallacy": "There is one administrator", "experiments": ("configuration_drift",)},
    {"fallacy": "Transport cost is zero", "experiments": ("transport_cost",)},
    {
        "fallacy": "The network is homogeneous",
        "experiments": ("heterogeneous_clients", "float_id_precision"),
    },
)


def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value!r}")
    return value


def _check_probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name}: a probability must lie in [0, 1], got {value!r}")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: must be a number > 0, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def _check_non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name}: must be a number >= 0, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


# --- Fallacy: the network is reliable (contention and backoff) --------------------------


def _folded_normal_delays(world: World, stream: str, mean: float, sd: float) -> Callable[[], float]:
    """A function returning ``|Normal(mean, sd)|`` delays, drawn in blocks from one stream."""
    import numpy as np

    generator = np.random.default_rng(world.rng(stream).getrandbits(64))

    def blocks() -> Iterator[list[float]]:
        while True:
            yield np.abs(generator.normal(mean, sd, 4096)).tolist()

    return functools.partial(next, itertools.chain.from_iterable(blocks()))


class _OccRow:
    """The contended row and the clients racing for it (one simulation run)."""

    def __init__(self, world: World, delay: Callable[[], float], policy, jitter) -> None:
        self.env = world.env
        self.delay = delay
        self.policy = policy
        self.jitter = jitter
        self.last_write = -1.0
        self.calls = 0
        self.done = 0.0


class _OccClient:
    """Reads the version, writes it back conditionally, backs off and retries on conflict.

    A write succeeds when no other write succeeded since this client's read, which is
    exactly "the version is unchanged"; so the read needs no event of its own and each
    attempt is one timeout on the clock, whose callback is the write arriving.
    """

    __slots__ = ("read_at", "retry", "row", "sleep")

    def __init__(self, row: _OccRow) -> None:
        self.row = row
        self.retry = 0
        self.sleep = 0.0
        self.read_at = row.delay()
        row.env.timeout(self.read_at + row.delay() + row.delay()).callbacks.append(self.write)

    def write(self, _: simpy.Event) -> None:
        row = self.row
        now = row.env.now
        row.calls += 1
        if row.last_write < self.read_at:
            row.last_write = now
            row.done = max(row.done, now + row.delay())
            return
        self.retry += 1
        self.sleep = row.policy.delay(self.retry, self.sleep, row.jitter)
        self.read_at = now + row.delay() + self.sleep + row.delay()
        wait = self.read_at - now + row.delay() + row.delay()
        row.env.timeout(wait).callbacks.append(self.write)


def _occ_run(
    seed: int,
    clients: int,
    algorithm: str,
    run: int,
    delay_ms: tuple[float, float],
    base: float,
    cap: float,
) -> tuple[int, float]:
    """One run: returns the number of write calls and when the last reply arrived (s)."""
    world = World(seed)
    name = f"fallacies/backoff/{clients}/{algorithm}/{run}"
    delay = _folded_normal_delays(world, f"{name}/network", delay_ms[0] / 1000, delay_ms[1] / 1000)
    row = _OccRow(world, delay, backoff(algorithm, base, cap), world.rng(f"{name}/backoff"))
    for _ in range(clients):
        _OccClient(row)
    world.run()
    return row.calls, row.done


def backoff_experiment(
    clients: int | Iterable[int],
    runs: int = 20,
    seed: int = 2024,
    *,
    algorithms: Iterable[str] = BACKOFF_NAMES,
    delay_ms: tuple[float, float] = (10.0, 2.0),
    base_ms: float = 5.0,
    cap_ms: float = 2000.0,
) -> list[dict]:
    """Marc Brooker's backoff-and-jitter experiment: N clients race to update one row.

    Every client starts at t=0, reads the row's version, and writes it back with an
    optimistic-concurrency check; each message takes ``|Normal(mean, sd)|`` ms. A client
    whose write loses sleeps by its backoff algorithm and tries again. Returns one row per
    (clients, algorithm): mean write ``calls`` per run and mean ``time`` (ms) until the
    last client is done.
    """
    counts = [clients] if isinstance(clients, int) else list(clients)
    if not counts:
        raise ValueError("clients: need at least one client count")
    for count in counts:
        _check_int("clients", count, 1)
    _check_int("runs", runs, 1)
    _check_int("seed", seed, -(2**63))
    names = list(algorithms)
    for name in names:
        if name not in BACKOFF_NAMES:
            raise ValueError(f"algorithms: unknown {name!r} (known: {', '.join(BACKOFF_NAMES)})")
    mean_ms = _check_non_negative("delay_ms[0]", delay_ms[0])
    sd_ms = _check_non_negative("delay_ms[1]", delay_ms[1])
    base = _check_non_negative("base_ms", base_ms) / 1000
    cap = _check_non_negative("cap_ms", cap_ms) / 1000
    if cap < base:
        raise ValueError(f"cap_ms: must be >= base_ms ({base_ms!r}), got {cap_ms!r}")
    rows = []
    for count in counts:
        for name in names:
            calls = done = 0.0
            for run in range(runs):
                run_calls, run_done = _occ_run(seed, count, name, run, (mean_ms, sd_ms), base, cap)
                calls += run_calls
                done += run_done
            rows.append(
                {
                    "clients": count,
                    "algorithm": name,
                    "calls": calls / runs,
                    "time": 1000 * done / runs,
                }
            )
    return rows


# --- Fallacy 1: the network is reliable ------------------------------------------------


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


# --- Fallacy 2: latency is zero ---------------------------------------------------------

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


# --- Fallacy 3: bandwidth is infinite ---------------------------------------------------

#: Largest PutEvents request EventBridge accepts since 29 January 2026 (1 MB).
EVENT_SIZE_LIMIT = 1_048_576
#: The limit before that date (256 KB), still quoted in older material.
PREVIOUS_EVENT_SIZE_LIMIT = 262_144


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
    (what the bus carries) and ``claim_check_seconds`` (reference sent, then payload
    fetched: two trips).
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


# --- Fallacy 4: the network is secure ---------------------------------------------------


@dataclass(frozen=True)
class TamperingResult:
    """How many tampered messages a receiver accepted, with and without an HMAC check."""

    messages: int
    tampered: int
    accepted_corrupt_without_check: int
    rejected_by_hmac: int
    accepted_corrupt_with_hmac: int


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _tamper_body(payload: dict, rng: random.Random) -> dict:
    return {**payload, "body": flip_one_bit(payload["body"], rng)}


def tampering_proxy(
    messages: int = 200,
    tamper: float = 0.1,
    *,
    key: bytes = b"course-shared-secret",
    seed: int = 2024,
) -> TamperingResult:
    """Orders pass a proxy that flips a bit in some bodies; the receiver checks an HMAC.

    Without a check every altered order is accepted; with HMAC-SHA256 over the body
    (compared in constant time) every altered order is rejected.
    """
    _check_int("messages", messages, 1)
    _check_probability("tamper", tamper)
    if not isinstance(key, bytes) or not key:
        raise ValueError("key: the HMAC key must be non-empty bytes")
    world = World(seed)
    network = Network(world, default=Link(latency=0.01))
    originals: dict[int, bytes] = {}
    verdicts = Counter()

    def receive(message: Message) -> None:
        payload = message.payload
        corrupt = payload["body"] != originals[payload["number"]]
        valid = hmac.compare_digest(payload["mac"], _sign(key, payload["body"]))
        verdicts["tampered"] += corrupt
        verdicts["accepted_corrupt_without_check"] += corrupt
        verdicts["rejected_by_hmac"] += not valid
        verdicts["accepted_corrupt_with_hmac"] += corrupt and valid

    network.add_node("shop")
    network.add_node("kitchen", handler=receive)
    network.connect("shop", "kitchen", Link(latency=0.01, tamper=tamper, tamperer=_tamper_body))
    for number in range(messages):
        body = json.dumps({"order": number, "pizza": "margherita", "amount": 12.5}).encode()
        originals[number] = body
        network.send("shop", "kitchen", {"number": number, "body": body, "mac": _sign(key, body)})
    world.run()
    return TamperingResult(
        messages=messages,
        tampered=verdicts["tampered"],
        accepted_corrupt_without_check=verdicts["accepted_corrupt_without_check"],
        rejected_by_hmac=verdicts["rejected_by_hmac"],
        accepted_corrupt_with_hmac=verdicts["accepted_corrupt_with_hmac"],
    )


# --- Fallacy 5: topology doesn't change -------------------------------------------------


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


# --- Fallacy 6: there is one administrator ----------------------------------------------

#: The settings every server starts with in :func:`configuration_drift`.
BASELINE_CONFIGURATION: dict[str, str] = {
    "timeout_seconds": "30",
    "max_connections": "100",
    "tls_minimum": "1.2",
    "log_level": "INFO",
    "retry_attempts": "3",
}

_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "timeout_seconds": ("5", "10", "30", "60", "120"),
    "max_connections": ("50", "100", "200", "500"),
    "tls_minimum": ("1.0", "1.2", "1.3"),
    "log_level": ("DEBUG", "INFO", "WARN", "ERROR"),
    "retry_attempts": ("0", "1", "3", "5"),
}


def configuration_drift(
    servers: int = 6,
    administrators: int = 3,
    days: int = 30,
    changes_per_day: float = 0.5,
    *,
    centralized: bool = False,
    seed: int = 2024,
) -> list[dict]:
    """Administrators change settings on their own servers at random moments.

    Each administrator looks after a share of the servers and, on average,
    ``changes_per_day`` times a day changes one setting on just their share; with
    ``centralized`` every change goes through one source of truth and reaches every
    server. Rows per day: ``day``, ``distinct_configurations``,
    ``settings_in_disagreement``.
    """
    _check_int("servers", servers, 1)
    _check_int("administrators", administrators, 1)
    if administrators > servers:
        raise ValueError(
            f"administrators: at most one per server ({servers}), got {administrators}"
        )
    _check_int("days", days, 1)
    _check_non_negative("changes_per_day", changes_per_day)
    world = World(seed)
    day = 86_400.0
    configs = [dict(BASELINE_CONFIGURATION) for _ in range(servers)]
    rows: list[dict] = []

    def administrator(index: int):
        rng = world.rng(f"admin-{index}")
        share = range(servers) if centralized else range(index, servers, administrators)
        while changes_per_day > 0:
            yield world.env.timeout(rng.expovariate(changes_per_day / day))
            setting = rng.choice(sorted(_ALTERNATIVES))
            value = rng.choice(_ALTERNATIVES[setting])
            for server in share:
                configs[server][setting] = value

    def observer():
        for number in range(1, days + 1):
            yield world.env.timeout(day)
            rows.append(
                {
                    "day": number,
                    "distinct_configurations": len({tuple(sorted(c.items())) for c in configs}),
                    "settings_in_disagreement": sum(
                        1 for s in BASELINE_CONFIGURATION if len({c[s] for c in configs}) > 1
                    ),
                }
            )

    for index in range(1 if centralized else administrators):
        world.env.process(administrator(index))
    world.run(until=world.env.process(observer()))
    return rows


# --- Fallacy 7: transport cost is zero --------------------------------------------------

#: EventBridge custom events: USD 1.00 per million, each 64 KB chunk billed as one event.
EVENTBRIDGE_PRICE_PER_MILLION = 1.00
BILLING_CHUNK_BYTES = 65_536
#: AWS Lambda (x86, us-east-1): USD per GB-second of compute.
LAMBDA_PRICE_PER_GB_SECOND = 0.0000166667


def transport_cost(
    payload_sizes: Iterable[int] = (512, 8_192, 65_536, 65_537, 262_144, 1_048_576),
    requests: int = 10_000_000,
    *,
    serialize_ns_per_byte: float = 5.0,
    price_per_million: float = EVENTBRIDGE_PRICE_PER_MILLION,
    chunk_bytes: int = BILLING_CHUNK_BYTES,
    memory_gb: float = 1.0,
) -> list[dict]:
    """What moving ``requests`` messages of each size costs, in CPU time and dollars.

    Serialization time is modelled as ``serialize_ns_per_byte`` per byte, each way
    (encode and decode), paid as Lambda compute at ``memory_gb``; the transport price is
    per started ``chunk_bytes`` chunk. Deterministic. Rows: ``payload_bytes``,
    ``chunks``, ``serialization_seconds``, ``compute_usd``, ``request_usd``, ``total_usd``.
    """
    _check_int("requests", requests, 0)
    _check_non_negative("serialize_ns_per_byte", serialize_ns_per_byte)
    _check_non_negative("price_per_million", price_per_million)
    _check_int("chunk_bytes", chunk_bytes, 1)
    _check_positive("memory_gb", memory_gb)
    sizes = list(payload_sizes)
    if not sizes:
        raise ValueError("payload_sizes: need at least one size")
    rows = []
    for size in sizes:
        _check_int("payload_sizes", size, 0)
        chunks = max(1, math.ceil(size / chunk_bytes))
        seconds = 2 * size * serialize_ns_per_byte * 1e-9 * requests
        compute = seconds * memory_gb * LAMBDA_PRICE_PER_GB_SECOND
        request_usd = chunks * requests * price_per_million / 1_000_000
        rows.append(
            {
                "payload_bytes": size,
                "chunks": chunks,
                "serialization_seconds": seconds,
                "compute_usd": compute,
                "request_usd": request_usd,
                "total_usd": compute + request_usd,
            }
        )
    return rows


def serialized_size(record: Any) -> int:
    """Bytes of ``record`` as compact, key-sorted JSON: the size the price is paid on."""
    return len(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())


# --- Fallacy 8: the network is homogeneous ---------------------------------------------

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


# --- Numbers across the wire: 64-bit ids through float64 consumers ---------------------


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


# --- Retries multiply through layers ----------------------------------------------------


@dataclass(frozen=True)
class AmplificationResult:
    """Calls reaching each layer when the bottom layer is down."""

    layers: int
    attempts: int
    requests: int
    calls_per_layer: list[int]
    failed_requests: int
    throttled_retries: int

    @property
    def bottom_calls(self) -> int:
        return self.calls_per_layer[-1]


def retry_amplification(
    layers: int = 5,
    attempts: int = 3,
    requests: int = 1,
    *,
    token_bucket: bool = False,
    bucket_capacity: int = 500,
    retry_cost: int = 5,
    seed: int = 2024,
) -> AmplificationResult:
    """A request passes through ``layers`` services, each retrying up to ``attempts`` times.

    With the bottom service down, every layer multiplies the calls below it:
    ``attempts ** layers`` calls reach the bottom (3 attempts, 5 layers: 243). With
    ``token_bucket`` each layer's client has a retry quota, so a layer stops retrying
    once its bucket is empty and the storm is capped.
    """
    _check_int("layers", layers, 1)
    _check_int("attempts", attempts, 1)
    _check_int("requests", requests, 1)
    _check_int("bucket_capacity", bucket_capacity, 0)
    _check_int("retry_cost", retry_cost, 0)
    world = World(seed)
    calls = [0] * layers
    stats = [RetryStats() for _ in range(layers)]
    policies = [
        RetryPolicy(
            max_attempts=attempts,
            token_bucket=RetryTokenBucket(capacity=bucket_capacity, retry_cost=retry_cost)
            if token_bucket
            else None,
        )
        for _ in range(layers)
    ]

    def layer(depth: int):
        def call(attempt: int):
            calls[depth] += 1
            if depth == layers - 1:
                raise ConnectionError("bottom service is down")
            return call_with_retry(
                world, layer(depth + 1), policies[depth + 1], stats=stats[depth + 1]
            )

        return call

    failed: list[float] = []

    def client():
        for _ in range(requests):
            try:
                yield world.env.process(
                    call_with_retry(world, layer(0), policies[0], stats=stats[0])
                )
            except RetriesExhausted:
                failed.append(world.now)

    world.env.process(client())
    world.run()
    return AmplificationResult(
        layers=layers,
        attempts=attempts,
        requests=requests,
        calls_per_layer=calls,
        failed_requests=len(failed),
        throttled_retries=sum(s.throttled for s in stats),
    )
