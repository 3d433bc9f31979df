"""The world: one SimPy environment (the virtual clock), seeded streams, a trace, services.

Time is measured in **seconds** of virtual time. Everything in the course that takes
time (a Wait state, a retry, a replication lag) is a SimPy process on a world's
environment, so an hour-long workflow runs in milliseconds and repeats exactly.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import simpy

from course_lib import session


@dataclass(frozen=True)
class TraceRecord:
    """One message seen on the world: who sent what to whom, and when (virtual seconds)."""

    time: float
    source: str
    target: str
    kind: str
    payload: Any = None
    delivered_at: float | None = None
    outcome: str = "delivered"
    meta: dict = field(default_factory=dict)


class World:
    """Owns the virtual clock, the named random streams, the message trace and the services.

    >>> w = World(seed=1)
    >>> w.rng("network").random() == World(seed=1).rng("network").random()
    True
    """

    def __init__(self, seed: int | None = None, *, epoch: datetime | None = None) -> None:
        self.seed = session.current_seed() if seed is None else seed
        self.epoch = session.EPOCH if epoch is None else epoch
        self.env = simpy.Environment()
        self.trace: list[TraceRecord] = []
        self._streams: dict[str, random.Random] = {}
        self._counters: dict[str, itertools.count] = {}
        self._services: dict[str, Any] = {}

    # -- time ---------------------------------------------------------------
    @property
    def now(self) -> float:
        """Virtual seconds since the world started."""
        return float(self.env.now)

    def timestamp(self, at: float | None = None) -> datetime:
        """The virtual wall-clock time (UTC) at ``at`` seconds (default: now)."""
        return self.epoch + timedelta(seconds=self.now if at is None else at)

    def run(self, until: float | simpy.Event | None = None) -> None:
        """Advance the clock until ``until`` (seconds or an event) or until nothing is left."""
        self.env.run(until=until)

    # -- randomness and ids --------------------------------------------------
    def rng(self, name: str) -> random.Random:
        """The named random stream; the same name always returns the same stream."""
        if name not in self._streams:
            self._streams[name] = session.derive_rng(self.seed, name)
        return self._streams[name]

    def next_id(self, prefix: str = "id") -> str:
        """A deterministic, human-readable id: ``prefix-1``, ``prefix-2``, ..."""
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}-{next(counter)}"

    def uuid(self) -> str:
        """A version-4 UUID drawn from the world's ``uuid`` stream (repeatable)."""
        return str(uuid.UUID(int=self.rng("uuid").getrandbits(128), version=4))

    # -- trace ----------------------------------------------------------------
    def record(
        self, source: str, target: str, kind: str, payload: Any = None, **meta: Any
    ) -> TraceRecord:
        """Append a message to the trace and return it."""
        outcome = meta.pop("outcome", "delivered")
        delivered_at = meta.pop("delivered_at", None)
        rec = TraceRecord(self.now, source, target, kind, payload, delivered_at, outcome, meta)
        self.trace.append(rec)
        return rec

    # -- services ---------------------------------------------------------------
    def register(self, name: str, service: Any) -> None:
        """Make a service (a bus, a state machine, a queue...) reachable by ARN or name."""
        self._services[name] = service

    def service(self, name: str) -> Any:
        """The service registered as ``name``; a clear error when there is none."""
        try:
            return self._services[name]
        except KeyError:
            known = ", ".join(sorted(self._services)) or "none"
            raise LookupError(f"no service registered as {name!r} (registered: {known})") from None

    def has_service(self, name: str) -> bool:
        return name in self._services
