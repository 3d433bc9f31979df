"""Fallacy 1, the network is reliable: contention on one row, and how backoff and jitter resolve it (Brooker, 2015)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator

import simpy

from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
)
from course_lib.sim.retry import (
    BACKOFF_NAMES,
    backoff,
)
from course_lib.sim.world import World


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
