"""Availability of a chain of services: synchronous calls multiply, a queue absorbs.

Every component goes up and down as an alternating renewal process: exponential time
between failures (mean ``mtbf_s``) and exponential time to repair (mean ``mttr_s``), so
its long-run availability is ``a = mtbf / (mtbf + mttr)``. The timelines are drawn once
per component with numpy and every question is answered from them, which is why a month
of traffic at 10 requests per second takes about a second to evaluate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course_lib.facts import fact

PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 99.9}

#: Default model figures. A rule's target on a Classic EventBridge bus is retried for 24
#: hours and up to 185 times with exponential backoff and jitter (AWS EventBridge user
#: guide, "How EventBridge retries delivering events"; read from the register of AWS
#: facts); AWS does not publish the base and cap, so these are chosen to spend roughly
#: the 185 attempts over the 24 hours.
MTBF_S = 1000 * 60.0
MTTR_S = 60.0
MAX_EVENT_AGE_S = float(fact("eventbridge.target.default_max_event_age_seconds"))
MAX_ATTEMPTS: int = fact("eventbridge.target.default_max_retry_attempts")
RETRY_BASE_S = 1.0
RETRY_CAP_S = 900.0
HOP_MEDIAN_S = 0.020
HOP_SIGMA = 0.8
DELIVERY_MEDIAN_S = 0.030
DELIVERY_SIGMA = 0.6
STRAIGHT_THROUGH_WINDOW_S = 60.0
LATENCY_SAMPLE_SIZE = 200_000


@dataclass(frozen=True)
class Intervals:
    """Sorted, disjoint ``[start, end)`` intervals in seconds: when something is down."""

    starts: np.ndarray
    ends: np.ndarray

    @property
    def total(self) -> float:
        return float(np.sum(self.ends - self.starts))

    def contains(self, times: np.ndarray) -> np.ndarray:
        """A boolean mask: which of ``times`` fall inside one of the intervals."""
        index = np.searchsorted(self.starts, times, side="right") - 1
        inside = index >= 0
        inside[inside] = times[inside] < self.ends[index[inside]]
        return inside


def union(*parts: Intervals) -> Intervals:
    """Merge interval sets into one sorted, disjoint set."""
    starts = np.concatenate([p.starts for p in parts])
    ends = np.concatenate([p.ends for p in parts])
    if starts.size == 0:
        return Intervals(starts, ends)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    opens = np.concatenate(([True], starts[1:] > reach[:-1]))
    first = np.flatnonzero(opens)
    return Intervals(starts[first], np.maximum.reduceat(ends, first))


def outage_timeline(
    rng: np.random.Generator, horizon_s: float, *, mtbf_s: float, mttr_s: float
) -> Intervals:
    """Down intervals of one component over ``[0, horizon_s)``, in steady state from t=0.

    The first state is down with probability ``mttr / (mtbf + mttr)``; both durations
    are memoryless, so the process is stationary from the start.
    """
    starts_down = rng.random() < mttr_s / (mtbf_s + mttr_s)
    cycles = int(horizon_s / (mtbf_s + mttr_s) * 1.5) + 16
    while True:
        ups = rng.exponential(mtbf_s, cycles)
        downs = rng.exponential(mttr_s, cycles)
        if starts_down:
            ups[0] = 0.0
        ends = np.cumsum(ups + downs)
        if ends[-1] >= horizon_s:
            break
        cycles *= 2
    starts = ends - downs
    keep = starts < horizon_s
    return Intervals(starts[keep], np.minimum(ends[keep], horizon_s))


def weighted_percentiles(
    values: np.ndarray, weights: np.ndarray, qs: dict[str, float]
) -> dict[str, float]:
    """Percentiles of a weighted sample (the lower value at each cut, like 'inverted_cdf')."""
    if values.size == 0:
        return {name: math.nan for name in qs} | {"max": math.nan}
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.cumsum(weights[order])
    total = cumulative[-1]
    result = {}
    for name, q in qs.items():
        index = int(np.searchsorted(cumulative, q / 100 * total, side="left"))
        result[name] = float(values[min(index, values.size - 1)])
    result["max"] = float(values[-1])
    return result


def _lognormal(rng: np.random.Generator, median: float, sigma: float, shape) -> np.ndarray:
    return rng.lognormal(math.log(median), sigma, shape)


def _poisson_times(rng: np.random.Generator, windows: Intervals, rate: float) -> np.ndarray:
    """Arrival times of a Poisson process restricted to ``windows`` (exact: counts, then uniform)."""
    counts = rng.poisson(rate * (windows.ends - windows.starts))
    starts = np.repeat(windows.starts, counts)
    spans = np.repeat(windows.ends - windows.starts, counts)
    return np.sort(starts + rng.random(starts.size) * spans)


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name}: must be > 0, got {value!r}")
    return float(value)


def _deliver(
    rng: np.random.Generator,
    accepted_at: np.ndarray,
    down_per_hop: list[Intervals],
    *,
    max_event_age_s: float,
    max_attempts: int,
    retry_base_s: float,
    retry_cap_s: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Push each message through the hops, retrying with full-jitter backoff.

    Returns the completion times (NaN for dead-lettered messages), the dead-letter mask
    and how many messages needed at least one retry.
    """
    now = accepted_at.copy()
    dead = np.zeros(now.size, dtype=bool)
    retried = np.zeros(now.size, dtype=bool)
    for down in down_per_hop:
        now = now + _lognormal(rng, DELIVERY_MEDIAN_S, DELIVERY_SIGMA, now.size)
        attempts = np.zeros(now.size, dtype=np.int64)
        pending = np.flatnonzero(~dead & down.contains(now))
        while pending.size:
            retried[pending] = True
            attempts[pending] += 1
            ceiling = np.minimum(
                retry_cap_s, retry_base_s * 2.0 ** np.minimum(attempts[pending], 60)
            )
            now[pending] += rng.random(pending.size) * ceiling
            expired = (now[pending] - accepted_at[pending] > max_event_age_s) | (
                attempts[pending] >= max_attempts
            )
            dead[pending[expired]] = True
            pending = pending[~expired]
            pending = pending[down.contains(now[pending])]
        now = now + _lognormal(rng, HOP_MEDIAN_S, HOP_SIGMA, now.size)
    now[dead] = np.nan
    return now, dead, int(retried.sum())


def availability_experiment(
    k: int,
    *,
    days: float = 30,
    rate_per_s: float = 10,
    seed: int = 0,
    mtbf_s: float = MTBF_S,
    mttr_s: float = MTTR_S,
    max_event_age_s: float = MAX_EVENT_AGE_S,
    max_attempts: int = MAX_ATTEMPTS,
    retry_base_s: float = RETRY_BASE_S,
    retry_cap_s: float = RETRY_CAP_S,
    latency_sample_size: int = LATENCY_SAMPLE_SIZE,
) -> dict:
    """Serve a month of requests through a chain of ``k`` services, synchronously and via a queue.

    Model (every figure is a parameter):

    * Each of the ``k`` services, the front door and the queue fails and recovers as an
      independent renewal process (exponential up time, mean 1000 min; exponential repair,
      mean 1 min; availability ``a`` about 0.999). Services share their timelines between
      the two modes, so both face the same outages.
    * Requests form a Poisson process at ``rate_per_s``. Counts are drawn per interval and
      only the arrival times that matter are materialised (never 25.9 M objects).
    * **sync**: a request succeeds iff all ``k`` services are up at its arrival instant;
      failures go back to the caller (no retry, no DLQ). Success is close to ``a**k``.
      Latency of a success is the sum of ``k`` hop latencies (lognormal, median 20 ms).
    * **async**: a request is accepted iff the front door and the queue are up (close to
      ``a**2`` whatever ``k``). Each hop is a delivery (lognormal, median 30 ms) that
      succeeds iff the queue and that service are up at the attempt; otherwise it is
      retried after a full-jitter backoff (uniform in ``[0, min(cap, base * 2**n)]``) until
      it succeeds, the event is older than ``max_event_age_s`` or ``max_attempts`` are
      spent, and then it goes to the DLQ. Latency runs from acceptance to the last hop.
    * Accepted messages arriving more than 60 s before any outage of the queue or a
      service are "straight through": their latency is the sum of ``k`` delivery and hop
      latencies, taken from a seeded sample of ``latency_sample_size`` messages weighted
      to their true count. Every other accepted message is simulated one by one. The
      reported ``max`` is therefore exact for delayed messages and sampled otherwise.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k: expected a whole number of services >= 1, got {k!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an int, got {seed!r}")
    horizon = _positive("days", days) * 86_400.0
    rate = _positive("rate_per_s", rate_per_s)
    mtbf, mttr = _positive("mtbf_s", mtbf_s), _positive("mttr_s", mttr_s)
    max_age = _positive("max_event_age_s", max_event_age_s)
    base, cap = _positive("retry_base_s", retry_base_s), _positive("retry_cap_s", retry_cap_s)
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValueError(f"max_attempts: expected an int >= 1, got {max_attempts!r}")
    if isinstance(latency_sample_size, bool) or not isinstance(latency_sample_size, int):
        raise ValueError(f"latency_sample_size: expected an int, got {latency_sample_size!r}")
    if latency_sample_size < 1:
        raise ValueError(f"latency_sample_size: must be >= 1, got {latency_sample_size!r}")

    def stream(name: str) -> np.random.Generator:
        return np.random.default_rng([seed, *name.encode()])

    def timeline(name: str) -> Intervals:
        return outage_timeline(stream(f"outages/{name}"), horizon, mtbf_s=mtbf, mttr_s=mttr)

    services = [timeline(f"service-{j}") for j in range(1, k + 1)]
    front_door, queue = timeline("front-door"), timeline("queue")
    availability = mtbf / (mtbf + mttr)

    sync_down = union(*services)
    arrivals = stream("arrivals/sync")
    failed = int(arrivals.poisson(rate * sync_down.total))
    succeeded = int(arrivals.poisson(rate * (horizon - sync_down.total)))
    requests = failed + succeeded
    sync_sample = _lognormal(
        stream("latency/sync"), HOP_MEDIAN_S, HOP_SIGMA, (min(succeeded, latency_sample_size), k)
    ).sum(axis=1)
    sync = {
        "success_ratio": succeeded / requests,
        "expected_success_ratio": availability**k,
        "requests": requests,
        "succeeded": succeeded,
        "failed": failed,
        "processed_fraction": succeeded / requests,
        "dlq": 0,
        "latency_s": weighted_percentiles(
            sync_sample,
            np.full(sync_sample.size, succeeded / max(sync_sample.size, 1)),
            PERCENTILES,
        ),
    }

    refused = union(front_door, queue)
    down_per_hop = [union(queue, s) for s in services]
    risky = union(
        *(
            Intervals(np.maximum(d.starts - STRAIGHT_THROUGH_WINDOW_S, 0.0), d.ends)
            for d in down_per_hop
        )
    )
    rng = stream("arrivals/async")
    risky_arrivals = _poisson_times(rng, risky, rate)
    is_refused = refused.contains(risky_arrivals)
    accepted_risky = risky_arrivals[~is_refused]
    refused_elsewhere = union(refused, risky).total - risky.total
    refused_count = int(is_refused.sum()) + int(rng.poisson(rate * refused_elsewhere))
    clear_count = int(rng.poisson(rate * (horizon - union(refused, risky).total)))
    accepted = accepted_risky.size + clear_count
    done_at, dead, retried = _deliver(
        stream("delivery"),
        accepted_risky,
        down_per_hop,
        max_event_age_s=max_age,
        max_attempts=max_attempts,
        retry_base_s=base,
        retry_cap_s=cap,
    )
    delayed_latency = (done_at - accepted_risky)[~dead]
    latency_rng = stream("latency/async")
    clear_size = min(clear_count, latency_sample_size)
    clear_sample = _lognormal(latency_rng, DELIVERY_MEDIAN_S, DELIVERY_SIGMA, (clear_size, k)).sum(
        axis=1
    ) + _lognormal(latency_rng, HOP_MEDIAN_S, HOP_SIGMA, (clear_size, k)).sum(axis=1)
    dlq = int(dead.sum())
    async_ = {
        "acceptance_ratio": accepted / (accepted + refused_count),
        "expected_acceptance_ratio": availability**2,
        "requests": accepted + refused_count,
        "accepted": accepted,
        "refused": refused_count,
        "processed_fraction": (accepted - dlq) / accepted if accepted else math.nan,
        "dlq": dlq,
        "retried": retried,
        "simulated_one_by_one": int(accepted_risky.size),
        "latency_s": weighted_percentiles(
            np.concatenate([clear_sample, delayed_latency]),
            np.concatenate(
                [
                    np.full(clear_size, clear_count / max(clear_size, 1)),
                    np.ones(delayed_latency.size),
                ]
            ),
            PERCENTILES,
        ),
    }
    return {
        "k": k,
        "days": float(days),
        "rate_per_s": rate,
        "seed": seed,
        "component_availability": availability,
        "sync": sync,
        "async": async_,
    }
