"""Fallacy 1, the network is reliable: the AWS SDKs' retry modes side by side in one outage.

One client calls a service at a steady rate; for a while every call fails. Legacy mode
retries every call five times with growing sleeps, the standard mode before 2026 spends
a retry quota of 500 tokens at 5 a retry, and the 2026 standard mode (the default since
10 November 2026) spends 14 a transient retry, so it stops retrying sooner and adds less
load to the struggling service. The service serves a limited number of attempts a
second; after the outage, retries still in their backoff arrive on top of the new calls,
and the service throttles what is over its capacity. The quota refills one token per
first-try success, so a client that emptied it fails fast for a while longer.
"""

from __future__ import annotations

from collections.abc import Iterable

from course_lib.fallacies._checks import _check_non_negative, _check_positive
from course_lib.sim.retry import (
    SDK_RETRY_MODES,
    RetriesExhausted,
    RetryStats,
    ServiceError,
    call_with_retry,
    sdk_retry_policy,
)
from course_lib.sim.world import World

OUTAGE_ERRORS = ("transient", "throttling")


def retry_modes_outage(
    modes: Iterable[str] = SDK_RETRY_MODES,
    *,
    calls_per_second: float = 10.0,
    duration: float = 120.0,
    outage: tuple[float, float] = (30.0, 60.0),
    error: str = "transient",
    retry_after: float | None = None,
    latency: float = 0.02,
    capacity: float | None = 15.0,
    service: str | None = None,
    seed: int = 2024,
) -> list[dict]:
    """Run the same outage against one client per retry mode.

    A client starts ``calls_per_second`` calls a second for ``duration`` seconds; each
    attempt takes ``latency`` seconds, and every attempt that reaches the service between
    ``outage[0]`` and ``outage[1]`` fails with a ``transient`` (HTTP 503) or
    ``throttling`` error, optionally carrying ``retry_after`` seconds. Outside the outage
    the service serves ``capacity`` attempts per one-second window (``None``: unlimited)
    and throttles the rest. ``service`` picks per-service SDK numbers (``"dynamodb"``).

    One row per mode: ``calls``, ``attempts`` (calls made to the service),
    ``attempts_during_outage``, ``success_rate``, ``failed_calls``,
    ``tokens_at_outage_end`` and ``tokens_left`` (``None`` without a quota),
    ``recovered_after`` (seconds from the end of the outage until the last attempt the
    service refused: after that, every attempt succeeds) and ``quota_refilled_after``
    (seconds from the end of the outage until the quota was full again; ``None`` without
    a quota, or if it was full at the end of the outage or did not refill in the run).
    """
    names = list(modes)
    if not names:
        raise ValueError("modes: need at least one retry mode")
    for name in names:
        if name not in SDK_RETRY_MODES:
            raise ValueError(f"modes: unknown {name!r} (known: {', '.join(SDK_RETRY_MODES)})")
    rate = _check_positive("calls_per_second", calls_per_second)
    total = _check_positive("duration", duration)
    start, end = (_check_non_negative(f"outage[{i}]", v) for i, v in enumerate(outage))
    if end < start:
        raise ValueError(f"outage: ends ({end!r}) before it starts ({start!r})")
    if error not in OUTAGE_ERRORS:
        raise ValueError(f"error: expected one of {', '.join(OUTAGE_ERRORS)}, got {error!r}")
    if retry_after is not None:
        _check_non_negative("retry_after", retry_after)
    _check_non_negative("latency", latency)
    if capacity is not None:
        _check_positive("capacity", capacity)
    service_model = (latency, capacity, error, retry_after)
    return [
        _one_mode(name, rate, total, (start, end), service_model, service, seed) for name in names
    ]


def _one_mode(
    mode: str,
    rate: float,
    duration: float,
    outage: tuple[float, float],
    service_model: tuple[float, float | None, str, float | None],
    service: str | None,
    seed: int,
) -> dict:
    latency, capacity, error, retry_after = service_model
    world = World(seed)
    policy = sdk_retry_policy(mode, service)
    bucket = policy.token_bucket
    stats = RetryStats()
    attempts_during_outage = 0
    per_second: dict[int, int] = {}
    refused: list[float] = []
    failures: list[float] = []
    samples: dict[str, int | None] = {"outage_end": None}
    refilled: list[float] = []

    def attempt(number: int):
        nonlocal attempts_during_outage
        down = outage[0] <= world.now < outage[1]
        attempts_during_outage += down
        window = int(world.now)
        per_second[window] = per_second.get(window, 0) + 1
        busy = capacity is not None and per_second[window] > capacity
        yield world.env.timeout(latency)
        if down:
            refused.append(world.now)
            raise ServiceError(
                "Throttling" if error == "throttling" else "ServiceUnavailable",
                throttling=error == "throttling",
                retry_after=retry_after,
            )
        if busy:
            refused.append(world.now)
            raise ServiceError("ThrottlingException", throttling=True)
        return "ok"

    def one_call():
        try:
            yield world.env.process(call_with_retry(world, attempt, policy, stats=stats))
        except RetriesExhausted:
            failures.append(world.now)
        if (
            bucket is not None
            and world.now >= outage[1]
            and bucket.tokens == bucket.capacity
            and not refilled
            and samples["outage_end"] is not None
            and samples["outage_end"] < bucket.capacity
        ):
            refilled.append(world.now)

    def client():
        for number in range(int(duration * rate)):
            yield world.env.timeout(max(0.0, number / rate - world.now))
            world.env.process(one_call())

    def sampler():
        yield world.env.timeout(outage[1])
        samples["outage_end"] = None if bucket is None else bucket.tokens

    world.env.process(client())
    world.env.process(sampler())
    world.run()
    last_refusal = max(refused, default=None)
    return {
        "mode": mode,
        "calls": stats.calls,
        "attempts": stats.attempts,
        "attempts_during_outage": attempts_during_outage,
        "success_rate": stats.successes / stats.calls if stats.calls else 0.0,
        "failed_calls": len(failures),
        "tokens_at_outage_end": samples["outage_end"],
        "tokens_left": None if bucket is None else bucket.tokens,
        "recovered_after": 0.0 if last_refusal is None else max(0.0, last_refusal - outage[1]),
        "quota_refilled_after": refilled[0] - outage[1] if refilled else None,
    }
