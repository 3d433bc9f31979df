"""Links and networks that misbehave the way real ones do, on the world's clock.

A :class:`Network` carries messages between named nodes. Each directed pair of nodes
uses a :class:`Link` that can delay, lose, duplicate, reorder and tamper with messages
and limit bandwidth. Partitions cut groups of nodes apart and heal on a schedule; a
node can move to a new address, so messages sent to the old one fail. Every message
is written to the world trace with its outcome.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import simpy

from course_lib.sim.latency import Constant, Latency, latency
from course_lib.sim.world import TraceRecord, World

Tamperer = Callable[[Any, random.Random], Any]


def flip_one_bit(payload: Any, rng: random.Random) -> Any:
    """Change one bit of a bytes or str payload: what a faulty or hostile hop might do."""
    if isinstance(payload, str):
        if not payload:
            return "\x00"
        index = rng.randrange(len(payload))
        changed = chr(ord(payload[index]) ^ (1 << rng.randrange(5)))
        return payload[:index] + changed + payload[index + 1 :]
    if isinstance(payload, (bytes, bytearray)):
        if not payload:
            return b"\x00"
        data = bytearray(payload)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    raise TypeError(
        f"tamperer: flip_one_bit changes bytes or str payloads, got {type(payload).__name__};"
        " give the link a tamperer for this payload type"
    )


def _probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name}: a probability must lie in [0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Link:
    """How one direction between two nodes behaves.

    ``bandwidth`` is in bytes per second (``None``: unlimited); a message of ``size``
    bytes is on the wire for ``size / bandwidth`` seconds after any message before it,
    then travels for a ``latency`` sample. ``reorder`` is the chance a message is held
    back by an extra ``reorder_delay``, letting later messages overtake it.
    """

    latency: Latency = field(default_factory=lambda: Constant(0.0))
    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    reorder_delay: Latency = field(default_factory=lambda: Constant(0.05))
    tamper: float = 0.0
    tamperer: Tamperer = flip_one_bit
    bandwidth: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "latency", latency(self.latency))
        object.__setattr__(self, "reorder_delay", latency(self.reorder_delay))
        for name in ("loss", "duplicate", "reorder", "tamper"):
            object.__setattr__(self, name, _probability(name, getattr(self, name)))
        if not callable(self.tamperer):
            raise TypeError("tamperer: expected a function (payload, rng) -> payload")
        if self.bandwidth is not None and (
            isinstance(self.bandwidth, bool)
            or not isinstance(self.bandwidth, (int, float))
            or not 0 < self.bandwidth < math.inf
        ):
            raise ValueError(f"bandwidth: must be a number of bytes/s > 0, got {self.bandwidth!r}")


class Message(NamedTuple):
    """What a node receives: the payload and where it came from (immutable, cheap to make)."""

    id: str
    source: str
    target: str
    kind: str
    payload: Any
    size: int
    sent_at: float
    copy: int = 0
    tampered: bool = False


class Network:
    """Named nodes joined by links, each node with an inbox (a SimPy store).

    >>> world = World(seed=1)
    >>> net = Network(world, default=Link(latency=0.01))
    >>> net.add_node("a"); net.add_node("b")
    >>> _ = net.send("a", "b", "hello")
    >>> world.run(); net.inbox("b").items[0].payload
    'hello'
    """

    def __init__(
        self, world: World, *, default: Link | None = None, name: str | None = None
    ) -> None:
        self.world = world
        # Each network's random streams and message ids are named after it, so two
        # networks on one world never share (and so never shift) each other's numbers.
        self.name = world.next_id("network") if name is None else name
        self.default = Link() if default is None else default
        self._links: dict[tuple[str, str], Link] = {}
        self._busy_until: dict[tuple[str, str], float] = {}
        self._address_of: dict[str, str] = {}
        self._node_at: dict[str, str] = {}
        self._inboxes: dict[str, simpy.Store] = {}
        self._handlers: dict[str, Callable[[Message], Any]] = {}
        self._groups: list[frozenset[str]] = []
        self._streams: dict[tuple[str, str], random.Random] = {}
        self._id_prefix = f"{self.name}-msg"
        self._on_arrival = self._arrive
        self.sent = 0
        self.delivered = 0

    # -- nodes and addresses -------------------------------------------------------
    def add_node(
        self,
        name: str,
        *,
        address: str | None = None,
        handler: Callable[[Message], Any] | None = None,
    ) -> None:
        """Add a node listening on ``address`` (default: its name).

        ``handler(message)`` runs on every delivery (a returned generator runs as a SimPy
        process); without one, messages wait in :meth:`inbox`.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: a node needs a non-empty string name, got {name!r}")
        if name in self._address_of:
            raise ValueError(f"name: node {name!r} already exists")
        address = name if address is None else address
        if address in self._node_at:
            raise ValueError(f"address: {address!r} is already used by {self._node_at[address]!r}")
        self._address_of[name] = address
        self._node_at[address] = name
        self._inboxes[name] = simpy.Store(self.world.env)
        if handler is not None:
            self._handlers[name] = handler

    @property
    def nodes(self) -> list[str]:
        return list(self._address_of)

    def address_of(self, name: str) -> str:
        """Service discovery: the address ``name`` listens on now."""
        self._require_node(name)
        return self._address_of[name]

    def move(self, name: str, new_address: str, *, at: float | None = None) -> None:
        """Move a node to ``new_address`` now or at time ``at``; the old address stops working."""
        self._require_node(name)
        if new_address in self._node_at and self._node_at[new_address] != name:
            raise ValueError(
                f"new_address: {new_address!r} is used by {self._node_at[new_address]!r}"
            )
        self._schedule(at, "at", lambda: self._move_now(name, new_address))

    def _move_now(self, name: str, new_address: str) -> None:
        holder = self._node_at.get(new_address, name)
        if holder != name:
            raise ValueError(
                f"new_address: {name!r} cannot move to {new_address!r}, {holder!r} took it first"
            )
        del self._node_at[self._address_of[name]]
        self._address_of[name] = new_address
        self._node_at[new_address] = name

    def inbox(self, name: str) -> simpy.Store:
        """The node's inbox: ``message = yield network.inbox(name).get()``."""
        self._require_node(name)
        return self._inboxes[name]

    def _require_node(self, name: str) -> None:
        if name not in self._address_of:
            known = ", ".join(self._address_of) or "none"
            raise ValueError(f"node: unknown node {name!r} (known: {known})")

    # -- links -------------------------------------------------------------------------
    def connect(self, a: str, b: str, link: Link, *, both_ways: bool = True) -> None:
        """Use ``link`` from ``a`` to ``b`` (and back, unless ``both_ways`` is False)."""
        self._require_node(a)
        self._require_node(b)
        if not isinstance(link, Link):
            raise TypeError(f"link: expected a Link, got {type(link).__name__}")
        self._links[(a, b)] = link
        if both_ways:
            self._links[(b, a)] = link

    def link(self, a: str, b: str) -> Link:
        return self._links.get((a, b), self.default)

    # -- partitions ----------------------------------------------------------------
    def partition(
        self, *groups: Iterable[str], at: float | None = None, heal_at: float | None = None
    ) -> None:
        """Cut the listed groups of nodes off from each other (now or at ``at``).

        Messages between different groups are lost, including those already in flight
        when they arrive. Nodes not listed keep talking to everyone. ``heal_at`` schedules
        :meth:`heal`.
        """
        sets = [frozenset(group) for group in groups]
        if len(sets) < 2:
            raise ValueError("groups: a partition needs at least two groups of nodes")
        seen: set[str] = set()
        for group in sets:
            for node in group:
                self._require_node(node)
                if node in seen:
                    raise ValueError(f"groups: node {node!r} is in more than one group")
                seen.add(node)
        if heal_at is not None and at is not None and heal_at < at:
            raise ValueError(f"heal_at: must not come before at ({at!r}), got {heal_at!r}")
        self._schedule(at, "at", lambda: self._set_groups(sets))
        if heal_at is not None:
            self.heal(at=heal_at)

    def heal(self, *, at: float | None = None) -> None:
        """End every partition now or at time ``at``."""
        self._schedule(at, "at", lambda: self._set_groups([]))

    def _set_groups(self, groups: list[frozenset[str]]) -> None:
        self._groups = groups

    def partitioned(self, a: str, b: str) -> bool:
        """Whether a partition separates nodes ``a`` and ``b`` right now."""
        group_a = next((g for g in self._groups if a in g), None)
        group_b = next((g for g in self._groups if b in g), None)
        return group_a is not None and group_b is not None and group_a is not group_b

    def _schedule(self, at: float | None, parameter: str, action: Callable[[], None]) -> None:
        if at is None:
            action()
            return
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at):
            raise ValueError(f"{parameter}: expected a time in seconds, got {at!r}")
        if at < self.world.now:
            raise ValueError(f"{parameter}: {at!r} is in the past (now is {self.world.now!r})")

        def later() -> Generator[simpy.Event, None, None]:
            yield self.world.env.timeout(at - self.world.now)
            action()

        self.world.env.process(later())

    # -- sending -------------------------------------------------------------------
    def send(
        self,
        source: str,
        address: str,
        payload: Any = None,
        *,
        size: int = 0,
        kind: str = "message",
    ) -> str:
        """Send ``payload`` from node ``source`` to ``address``; returns the message id.

        The network decides at once whether the message is lost, duplicated, held back
        or tampered with; partitions and moved addresses are checked on arrival.
        """
        self._require_node(source)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"size: must be a whole number of bytes >= 0, got {size!r}")
        target = self._node_at.get(address, address)
        pair = (source, target)
        link = self._links.get(pair, self.default)
        rng = self._streams.get(pair)
        if rng is None:
            rng = self._streams[pair] = self.world.rng(f"{self.name}/{source}->{target}")
        env = self.world.env
        now = env.now
        message_id = self.world.next_id(self._id_prefix)
        self.sent += 1
        lost = link.loss > 0 and rng.random() < link.loss
        duplicated = link.duplicate > 0 and rng.random() < link.duplicate
        copies = 2 if duplicated and not lost else 1
        tampered = link.tamper > 0 and rng.random() < link.tamper
        payload_out = link.tamperer(payload, rng) if tampered else payload
        wire_start = max(now, self._busy_until.get(pair, 0.0))
        wire = 0.0 if link.bandwidth is None else size / link.bandwidth
        self._busy_until[pair] = wire_start + wire
        trace = self.world.trace
        for copy in range(copies):
            travel = wire_start - now + wire + link.latency.sample(rng)
            if link.reorder > 0 and rng.random() < link.reorder:
                travel += link.reorder_delay.sample(rng)
            message = Message(
                message_id, source, address, kind, payload_out, size, now, copy, tampered
            )
            meta = {"message_id": message_id, "size": size, "copy": copy, "tampered": tampered}
            trace.append(
                TraceRecord(now, source, address, kind, payload_out, None, "in_flight", meta)
            )
            arrival = env.timeout(travel, (message, lost, len(trace) - 1))
            arrival.callbacks.append(self._on_arrival)
        return message_id

    @staticmethod
    def _delivered_outcome(message: Message) -> str:
        if message.copy:
            return "duplicate"
        return "tampered" if message.tampered else "delivered"

    def _arrive(self, arrival: simpy.Event) -> None:
        message, lost, trace_index = arrival.value
        now = self.world.env.now
        target = self._node_at.get(message.target)
        if lost:
            outcome, reason = "lost", "loss"
        elif target is None:
            outcome, reason = "failed", f"no node listens on {message.target!r}"
        elif self._groups and self.partitioned(message.source, target):
            outcome, reason = "lost", "partition"
        else:
            outcome, reason = self._delivered_outcome(message), None
        record = self.world.trace[trace_index]
        meta = record.meta
        if reason is None:
            meta["node"] = target
        else:
            meta["reason"] = reason
            meta["lost_at"] = now
        self.world.trace[trace_index] = TraceRecord(
            record.time,
            record.source,
            record.target,
            record.kind,
            record.payload,
            now if reason is None else None,
            outcome,
            meta,
        )
        if reason is not None:
            return
        self.delivered += 1
        handler = self._handlers.get(target)
        if handler is None:
            self._inboxes[target].put(message)
            return
        result = handler(message)
        if isinstance(result, Generator):
            self.world.env.process(result)
