"""The eight fallacies of distributed computing, as experiments that return data.

Each function is pure: the same parameters (and seed) give the same rows, which the
lesson plots with :mod:`course_lib.viz`. Anything that takes time runs on the
:mod:`course_lib.sim` clock.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator

from course_lib.sim.retry import BACKOFF_NAMES, backoff
from course_lib.sim.world import World


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


def _occ_run(
    seed: int,
    clients: int,
    algorithm: str,
    run: int,
    delay_ms: tuple[float, float],
    base: float,
    cap: float,
) -> tuple[int, float]:
    """One contended row: every client reads the version, then writes it conditionally.

    A client's write succeeds when the row's version is unchanged since its read, that
    is when no other write succeeded between the two; the read needs no event of its
    own. Returns the number of write calls and the time the last reply arrived (s).
    """
    world = World(seed)
    env = world.env
    name = f"fallacies/backoff/{clients}/{algorithm}/{run}"
    delay = _folded_normal_delays(world, f"{name}/network", delay_ms[0] / 1000, delay_ms[1] / 1000)
    jitter = world.rng(f"{name}/backoff")
    policy = backoff(algorithm, base, cap)
    row = {"last_write": -1.0, "calls": 0, "done": 0.0}

    def client():
        read_at = delay()
        retry, sleep = 0, 0.0
        while True:
            yield env.timeout(read_at - env.now + delay() + delay())
            row["calls"] += 1
            if row["last_write"] < read_at:
                row["last_write"] = env.now
                row["done"] = max(row["done"], env.now + delay())
                return
            retry += 1
            sleep = policy.delay(retry, sleep, jitter)
            read_at = env.now + delay() + sleep + delay()

    for _ in range(clients):
        env.process(client())
    env.run()
    return row["calls"], row["done"]


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
