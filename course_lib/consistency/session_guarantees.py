"""Session guarantees: what one user sees when reads may hit a lagging replica.

Werner Vogels ("Eventually Consistent", CACM 2009) lists the promises a client
session can get on top of eventual consistency. Two matter most to users:

* **read-your-writes**: after I update something, my reads show my update;
* **monotonic reads**: once I have seen a version, I never see an older one.

Plain eventually consistent reads keep neither: a read routed to a follower that has
not caught up shows an older version. Two cures are simulated here. *Sticky* routing
sends a session's reads to the replica its writes went to (the leader). *Version
tokens* let the client carry the highest version it has written or read per key; a
replica that is behind that version either waits for replication or forwards the
read to the leader.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from course_lib.consistency.replicated_store import LEADER, Delay, ReplicatedStore
from course_lib.sim.world import World

#: How a session routes its reads.
SESSION_STRATEGIES = ("eventual", "sticky", "token-wait", "token-forward")


@dataclass(frozen=True)
class SessionReport:
    """Counts from one simulated run; a violation is one read that broke the guarantee."""

    strategy: str
    reads: int
    own_key_reads: int
    read_your_writes_violations: int
    monotonic_read_violations: int
    forwarded_reads: int
    mean_read_latency_ms: float


def simulate_sessions(
    strategy: str = "eventual",
    *,
    users: int = 10,
    rounds: int = 20,
    followers: int = 2,
    replication_lag: Delay = 0.2,
    network_latency: Delay = 0.002,
    think_time: float = 0.05,
    seed: int = 0,
) -> SessionReport:
    """Run ``users`` sessions; each round a user updates their profile, reads it back and
    reads another user's profile. Count the reads that break each guarantee."""
    if strategy not in SESSION_STRATEGIES:
        raise ValueError(f"strategy: expected one of {SESSION_STRATEGIES}, got {strategy!r}")
    _check_count("users", users, minimum=1)
    _check_count("rounds", rounds, minimum=1)
    if isinstance(think_time, bool) or not isinstance(think_time, (int, float)):
        raise TypeError(f"think_time: expected seconds, got {type(think_time).__name__}")
    if not 0 <= think_time < float("inf"):
        raise ValueError(f"think_time: must be a finite number of seconds >= 0, got {think_time!r}")
    world = World(seed=seed)
    store = ReplicatedStore(
        world,
        name="profiles",
        followers=followers,
        replication_lag=replication_lag,
        network_latency=network_latency,
    )
    tally: dict[str, Any] = {
        "reads": 0,
        "own": 0,
        "ryw": 0,
        "monotonic": 0,
        "forwarded": 0,
        "latency": 0.0,
    }
    for user in range(users):
        world.env.process(_session(world, store, strategy, user, users, rounds, think_time, tally))
    world.run()
    reads = tally["reads"]
    return SessionReport(
        strategy,
        reads,
        tally["own"],
        tally["ryw"],
        tally["monotonic"],
        tally["forwarded"],
        round(1000 * tally["latency"] / reads, 6),
    )


def compare_session_guarantees(**parameters: Any) -> list[SessionReport]:
    """:func:`simulate_sessions` once per strategy with the same parameters and seed."""
    if "strategy" in parameters:
        raise TypeError("strategy: compare_session_guarantees runs every strategy itself")
    return [simulate_sessions(strategy, **parameters) for strategy in SESSION_STRATEGIES]


def _session(
    world: World,
    store: ReplicatedStore,
    strategy: str,
    user: int,
    users: int,
    rounds: int,
    think_time: float,
    tally: dict[str, Any],
) -> Generator:
    env = world.env
    rng = world.rng(f"consistency.sessions.user-{user}")
    own_key = f"user-{user}"
    client = f"session-{user}"
    written: dict[str, int] = {}
    seen: dict[str, int] = {}

    def read(key: str) -> Generator:
        token = max(written.get(key, 0), seen.get(key, 0))
        if strategy == "eventual":
            request = store.get(key, client=client)
        elif strategy == "sticky":
            request = store.get(key, client=client, replica=LEADER)
        else:
            if_behind = "wait" if strategy == "token-wait" else "forward"
            request = store.get(key, client=client, min_version=token, if_behind=if_behind)
        started = world.now
        result = yield request
        tally["reads"] += 1
        tally["latency"] += world.now - started
        tally["forwarded"] += result.forwarded
        if key == own_key:
            tally["own"] += 1
            tally["ryw"] += result.version < written.get(key, 0)
        tally["monotonic"] += result.version < seen.get(key, 0)
        seen[key] = max(seen.get(key, 0), result.version)

    for round_number in range(1, rounds + 1):
        result = yield store.put(own_key, {"round": round_number}, client=client)
        written[own_key] = result.version
        yield env.timeout(rng.expovariate(1 / think_time) if think_time else 0.0)
        yield from read(own_key)
        other = f"user-{rng.randrange(users)}"
        yield from read(other)
        yield env.timeout(rng.expovariate(1 / think_time) if think_time else 0.0)


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
