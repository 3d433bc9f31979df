"""Probabilistically Bounded Staleness: how eventual is eventual consistency?

Bailis, Venkataraman, Franklin, Hellerstein and Stoica ("Probabilistically Bounded
Staleness for Practical Partial Quorums", VLDB 2012) model a Dynamo-style store with
``n`` replicas, reads that wait for ``r`` replies and writes that wait for ``w``
acknowledgements. In their WARS model each replica's write request (W), its
acknowledgement (A), a read request (R) and the read response (S) take independent
random times. A write commits when ``w`` acknowledgements are back; a read issued
``t`` milliseconds later returns the latest value if one of the first ``r`` replicas
to answer had received the write by the time the read request reached it. A Monte
Carlo run of that model gives the probability of a consistent read; with ``r + w > n``
it is always 1.

The fitted production latencies are the paper's table of distribution fits (milliseconds): mixtures of
a Pareto body and an exponential tail fitted to LinkedIn's Voldemort (SSD and spinning
disk) and Yammer's Riak, plus a WAN scenario that adds a 75 ms one-way delay to every
replica outside the coordinator's datacenter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ParetoExponentialMixture:
    """With probability ``pareto_weight`` a Pareto(``x_m``, ``alpha``) delay, else an
    exponential delay of rate ``rate`` (per millisecond). All values in milliseconds."""

    pareto_weight: float
    x_m: float
    alpha: float
    rate: float

    def __post_init__(self) -> None:
        if not 0 <= self.pareto_weight <= 1:
            raise ValueError(f"pareto_weight: must lie in [0, 1], got {self.pareto_weight!r}")
        for name in ("x_m", "alpha", "rate"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}: must be a positive number, got {value!r}")

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Draw an array of delays in milliseconds."""
        use_pareto = rng.random(shape) < self.pareto_weight
        pareto = self.x_m / (1.0 - rng.random(shape)) ** (1.0 / self.alpha)
        exponential = rng.exponential(1.0 / self.rate, shape)
        return np.where(use_pareto, pareto, exponential)


@dataclass(frozen=True)
class WarsModel:
    """The four one-way delay distributions of the WARS model, and an optional extra
    delay for replicas outside the coordinator's datacenter (one replica per datacenter)."""

    write: ParetoExponentialMixture
    ack: ParetoExponentialMixture
    read: ParetoExponentialMixture
    response: ParetoExponentialMixture
    remote_delay_ms: float = 0.0


_LNKD_SSD = ParetoExponentialMixture(0.9122, 0.235, 10.0, 1.66)
_LNKD_DISK_WRITE = ParetoExponentialMixture(0.38, 1.05, 1.51, 0.183)
_YMMR_WRITE = ParetoExponentialMixture(0.939, 3.0, 3.35, 0.0028)
_YMMR_OTHER = ParetoExponentialMixture(0.982, 1.5, 3.8, 0.0217)

#: The paper's fitted production distributions and its WAN scenario.
PBS_CONFIGS: dict[str, WarsModel] = {
    "LNKD-SSD": WarsModel(_LNKD_SSD, _LNKD_SSD, _LNKD_SSD, _LNKD_SSD),
    "LNKD-DISK": WarsModel(_LNKD_DISK_WRITE, _LNKD_SSD, _LNKD_SSD, _LNKD_SSD),
    "YMMR": WarsModel(_YMMR_WRITE, _YMMR_OTHER, _YMMR_OTHER, _YMMR_OTHER),
    "WAN": WarsModel(_LNKD_DISK_WRITE, _LNKD_SSD, _LNKD_SSD, _LNKD_SSD, remote_delay_ms=75.0),
}


@dataclass(frozen=True)
class PBSCurve:
    """Probability of a consistent read against the time since commit (milliseconds)."""

    config: str
    n: int
    r: int
    w: int
    t_ms: list[float]
    probability: list[float]


def pbs_consistency(
    config: str | WarsModel,
    *,
    n: int = 3,
    r: int = 1,
    w: int = 1,
    t_ms: float = 0.0,
    trials: int = 100_000,
    seed: int = 0,
) -> float:
    """Probability that a read starting ``t_ms`` after a write commits returns that write."""
    _check_time("t_ms", t_ms)
    needed = _time_needed(config, n, r, w, trials, seed)
    return float(np.mean(needed <= t_ms))


def pbs_curve(
    config: str | WarsModel,
    t_values_ms: Sequence[float],
    *,
    n: int = 3,
    r: int = 1,
    w: int = 1,
    trials: int = 100_000,
    seed: int = 0,
) -> PBSCurve:
    """:func:`pbs_consistency` at each time in ``t_values_ms``, from one shared set of trials
    (so the curve never decreases)."""
    times = [_check_time(f"t_values_ms[{i}]", t) for i, t in enumerate(t_values_ms)]
    needed = np.sort(_time_needed(config, n, r, w, trials, seed))
    counts = np.searchsorted(needed, np.asarray(times, dtype=float), side="right")
    probabilities = [float(c) / trials for c in counts]
    name = config if isinstance(config, str) else "custom"
    return PBSCurve(name, n, r, w, times, probabilities)


def pbs_staleness_window(
    config: str | WarsModel,
    probability: float = 0.999,
    *,
    n: int = 3,
    r: int = 1,
    w: int = 1,
    trials: int = 100_000,
    seed: int = 0,
) -> float:
    """The wait after commit (ms) after which a read is consistent with ``probability``."""
    if not (isinstance(probability, (int, float)) and 0 < probability <= 1):
        raise ValueError(f"probability: must lie in (0, 1], got {probability!r}")
    needed = np.sort(_time_needed(config, n, r, w, trials, seed))
    index = max(0, math.ceil(probability * trials) - 1)
    return float(max(0.0, needed[index]))


def k_staleness(n: int, r: int, w: int, k: int = 1) -> float:
    """Probability that a read quorum of ``r`` of ``n`` replicas, chosen at random, sees
    one of the last ``k`` versions each written to a random ``w`` replicas (and not yet
    spread further): ``1 - (C(n-w, r) / C(n, r)) ** k`` (the paper's Equation 2)."""
    _check_quorum(n, r, w)
    _check_positive_int("k", k)
    miss = math.comb(n - w, r) / math.comb(n, r)
    return 1.0 - miss**k


def k_staleness_simulated(
    n: int, r: int, w: int, k: int = 1, *, trials: int = 100_000, seed: int = 0
) -> float:
    """Monte Carlo estimate of :func:`k_staleness`: draw ``k`` random write quorums and
    one read quorum, count how often the read quorum meets at least one of them."""
    _check_quorum(n, r, w)
    _check_positive_int("k", k)
    _check_positive_int("trials", trials)
    rng = np.random.default_rng(seed)
    read_quorum = np.argsort(rng.random((trials, n)), axis=1) < r
    hit = np.zeros(trials, dtype=bool)
    for _ in range(k):
        write_quorum = np.argsort(rng.random((trials, n)), axis=1) < w
        hit |= (read_quorum & write_quorum).any(axis=1)
    return float(hit.mean())


def pbs_latency(
    config: str | WarsModel,
    *,
    n: int = 3,
    r: int = 1,
    w: int = 1,
    quantile: float = 0.999,
    trials: int = 100_000,
    seed: int = 0,
) -> dict[str, float]:
    """The ``quantile`` of write and of read latency (ms) in the WARS model.

    A write returns when the ``w``-th acknowledgement is back (the ``w``-th smallest
    W + A over the replicas); a read when the ``r``-th reply is back (the ``r``-th
    smallest R + S). The same draws as :func:`pbs_consistency` with the same seed, so
    the two describe one simulated store: a larger quorum buys consistency with latency.
    """
    if (
        isinstance(quantile, bool)
        or not isinstance(quantile, (int, float))
        or not 0 < quantile <= 1
    ):
        raise ValueError(f"quantile: must lie in (0, 1], got {quantile!r}")
    write, ack, read, response = _draws(config, n, r, w, trials, seed)
    write_done = np.partition(write + ack, w - 1, axis=1)[:, w - 1]
    read_done = np.partition(read + response, r - 1, axis=1)[:, r - 1]
    return {
        "write_ms": float(np.quantile(write_done, quantile)),
        "read_ms": float(np.quantile(read_done, quantile)),
    }


def _draws(
    config: str | WarsModel, n: int, r: int, w: int, trials: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trial and replica, the four WARS delays (ms), remote delays included."""
    model = _model(config)
    _check_quorum(n, r, w)
    _check_positive_int("trials", trials)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    rng = np.random.default_rng(seed)
    shape = (trials, n)
    write = model.write.sample(rng, shape)
    ack = model.ack.sample(rng, shape)
    read = model.read.sample(rng, shape)
    response = model.response.sample(rng, shape)
    if model.remote_delay_ms:
        replicas = np.arange(n)
        remote_from_writer = replicas != rng.integers(0, n, trials)[:, None]
        remote_from_reader = replicas != rng.integers(0, n, trials)[:, None]
        write = write + model.remote_delay_ms * remote_from_writer
        ack = ack + model.remote_delay_ms * remote_from_writer
        read = read + model.remote_delay_ms * remote_from_reader
        response = response + model.remote_delay_ms * remote_from_reader
    return write, ack, read, response


def _time_needed(
    config: str | WarsModel, n: int, r: int, w: int, trials: int, seed: int
) -> np.ndarray:
    """Per trial, the smallest wait after commit (ms) for which the read is consistent."""
    write, ack, read, response = _draws(config, n, r, w, trials, seed)
    commit = np.partition(write + ack, w - 1, axis=1)[:, w - 1]
    first_replies = np.argsort(read + response, axis=1)[:, :r]
    # Replica i answers with the new value when the write reached it before the read
    # request did: write[i] <= commit + t + read[i].
    slack = write - commit[:, None] - read
    return np.take_along_axis(slack, first_replies, axis=1).min(axis=1)


def _model(config: str | WarsModel) -> WarsModel:
    if isinstance(config, WarsModel):
        return config
    if not isinstance(config, str) or config not in PBS_CONFIGS:
        raise ValueError(
            f"config: expected one of {sorted(PBS_CONFIGS)} or a WarsModel, got {config!r}"
        )
    return PBS_CONFIGS[config]


def _check_quorum(n: int, r: int, w: int) -> None:
    _check_positive_int("n", n)
    _check_positive_int("r", r)
    _check_positive_int("w", w)
    if r > n:
        raise ValueError(f"r: a read cannot wait for more than n={n} replicas, got {r}")
    if w > n:
        raise ValueError(f"w: a write cannot wait for more than n={n} replicas, got {w}")


def _check_positive_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: must be >= 1, got {value}")


def _check_time(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}: expected milliseconds, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name}: must be a finite number of milliseconds >= 0, got {value!r}")
    return value
