"""Retry policies: backoff with and without jitter, timeouts, and a retry token bucket.

The backoff formulas follow Marc Brooker, "Exponential Backoff And Jitter" (AWS
Architecture Blog, 2015); the token bucket follows the retry quota of the AWS SDKs'
standard retry mode. :func:`sdk_retry_policy` builds the SDKs' three behaviours side
by side (legacy, standard before 2026, and the 2026 standard mode that became the
default on 10 November 2026), with their numbers read from the register of AWS facts.
Every attempt is counted in :class:`RetryStats`, so a lesson can show how retries
multiply load.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from course_lib.sim.world import World

BACKOFF_NAMES = ("none", "exponential", "full_jitter", "equal_jitter", "decorrelated_jitter")


class Backoff(Protocol):
    """How long to sleep before retry number ``retry`` (1 for the first retry)."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float: ...


def _check_seconds(name: str, value: float, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name}: must be {bound}, got {value!r}")
    return float(value)


def _check_retry(retry: int) -> None:
    if isinstance(retry, bool) or not isinstance(retry, int) or retry < 1:
        raise ValueError(f"retry: the retry number starts at 1, got {retry!r}")


@dataclass(frozen=True)
class NoBackoff:
    """Retry at once: the behaviour that turns a blip into a thundering herd."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        _check_retry(retry)
        return 0.0


@dataclass(frozen=True)
class _Capped:
    base: float
    cap: float

    def __post_init__(self) -> None:
        _check_seconds("base", self.base)
        _check_seconds("cap", self.cap)
        if self.cap < self.base:
            raise ValueError(f"cap: must be >= base ({self.base!r}), got {self.cap!r}")

    def exponential(self, retry: int) -> float:
        """``min(cap, base * 2 ** retry)`` without overflowing for huge retry numbers."""
        _check_retry(retry)
        if retry >= 1000:
            return self.cap
        return min(self.cap, self.base * 2.0**retry)


@dataclass(frozen=True)
class ExponentialBackoff(_Capped):
    """Capped exponential backoff: ``min(cap, base * 2 ** retry)``; clients stay in step."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        return self.exponential(retry)


@dataclass(frozen=True)
class FullJitter(_Capped):
    """``uniform(0, min(cap, base * 2 ** retry))``: spreads clients out, fewest calls."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        return rng.uniform(0, self.exponential(retry))


@dataclass(frozen=True)
class EqualJitter(_Capped):
    """Keep half the exponential sleep and jitter the other half: never a very short sleep."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        half = self.exponential(retry) / 2
        return half + rng.uniform(0, half)


@dataclass(frozen=True)
class DecorrelatedJitter(_Capped):
    """``min(cap, uniform(base, previous * 3))``, where the first ``previous`` is ``base``."""

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        _check_retry(retry)
        if retry == 1:
            previous = self.base
        return min(self.cap, rng.uniform(self.base, previous * 3))


class ServiceError(Exception):
    """An error answer from a simulated AWS service, classified the way the SDKs classify it.

    ``throttling``: the service asked the client to slow down (HTTP 429,
    ``ThrottlingException``, ...); otherwise a transient error (HTTP 500 to 504).
    ``retry_after``: seconds from an ``x-amz-retry-after`` header, if the answer had one.
    """

    def __init__(
        self,
        code: str = "ServiceUnavailable",
        throttling: bool = False,
        retry_after: float | None = None,
    ) -> None:
        if retry_after is not None:
            _check_seconds("retry_after", retry_after)
        # Every field travels in ``args``: SimPy rebuilds a failed process's exception
        # as ``type(e)(*e.args)``.
        super().__init__(code, bool(throttling), retry_after)
        self.code = code
        self.throttling = bool(throttling)
        self.retry_after = retry_after

    def __str__(self) -> str:
        kind = "throttling" if self.throttling else "transient"
        after = "" if self.retry_after is None else f", retry after {self.retry_after} s"
        return f"{self.code} ({kind}{after})"


def is_throttling(error: BaseException | None) -> bool:
    """Whether ``error`` is a throttling answer (a :class:`ServiceError` that says so)."""
    return isinstance(error, ServiceError) and error.throttling


@dataclass(frozen=True)
class SdkBackoff:
    """The SDKs' standard-mode backoff: ``rand() * min(base * 2 ** (retry - 1), cap)``.

    The base depends on the error: ``throttling_base`` after a throttling answer, else
    ``transient_base``. With ``retry_after_extra`` set, an ``x-amz-retry-after`` value
    raises the sleep to that value, but to at most ``t + retry_after_extra``.
    """

    transient_base: float
    throttling_base: float
    cap: float
    retry_after_extra: float | None = None

    def __post_init__(self) -> None:
        _check_seconds("transient_base", self.transient_base)
        _check_seconds("throttling_base", self.throttling_base)
        _check_seconds("cap", self.cap)
        if self.retry_after_extra is not None:
            _check_seconds("retry_after_extra", self.retry_after_extra)

    def ceiling(self, retry: int, error: BaseException | None = None) -> float:
        """The largest sleep before retry number ``retry`` after ``error``."""
        _check_retry(retry)
        base = self.throttling_base if is_throttling(error) else self.transient_base
        if retry > 1000:
            return self.cap
        return min(self.cap, base * 2.0 ** (retry - 1))

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        return self.delay_after(retry, previous, rng, None)

    def delay_after(
        self, retry: int, previous: float, rng: random.Random, error: BaseException | None
    ) -> float:
        """The sleep before retry number ``retry``, knowing the error that caused it."""
        sleep = rng.random() * self.ceiling(retry, error)
        retry_after = getattr(error, "retry_after", None)
        if self.retry_after_extra is not None and retry_after is not None:
            sleep = max(sleep, min(retry_after, sleep + self.retry_after_extra))
        return sleep


@dataclass(frozen=True)
class LegacyBackoff:
    """The SDKs' legacy backoff: ``base * 2 ** (retry - 1)``, uncapped; ``base`` ``None`` is
    a fresh ``rand()`` each time (botocore's ``"base": "rand"``)."""

    base: float | None = None

    def __post_init__(self) -> None:
        if self.base is not None:
            _check_seconds("base", self.base, positive=True)

    def delay(self, retry: int, previous: float, rng: random.Random) -> float:
        _check_retry(retry)
        if retry > 1000:
            raise ValueError(f"retry: the legacy backoff has no cap, {retry} overflows")
        base = rng.random() if self.base is None else self.base
        return base * 2.0 ** (retry - 1)


def backoff(name: str, base: float = 0.005, cap: float = 2.0) -> Backoff:
    """The backoff called ``name`` (one of :data:`BACKOFF_NAMES`), in seconds."""
    kinds = {
        "exponential": ExponentialBackoff,
        "full_jitter": FullJitter,
        "equal_jitter": EqualJitter,
        "decorrelated_jitter": DecorrelatedJitter,
    }
    if name == "none":
        return NoBackoff()
    if name not in kinds:
        raise ValueError(f"name: unknown backoff {name!r} (known: {', '.join(BACKOFF_NAMES)})")
    return kinds[name](base, cap)


@dataclass
class RetryTokenBucket:
    """A client-wide retry quota: retries spend tokens, successes earn them back.

    When the bucket runs dry the client stops retrying (fails fast) instead of adding
    load to a struggling service; the quota refills only as calls succeed again.
    """

    capacity: int = 500
    retry_cost: int = 5
    timeout_cost: int = 10
    success_refund: int = 1
    tokens: int = field(default=-1)
    #: Cost of a retry after a throttling error; ``None``: the same as ``retry_cost``.
    throttling_cost: int | None = None

    def __post_init__(self) -> None:
        if self.throttling_cost is None:
            self.throttling_cost = self.retry_cost
        for name in ("capacity", "retry_cost", "timeout_cost", "success_refund", "throttling_cost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a whole number >= 0, got {value!r}")
        if self.tokens == -1:
            self.tokens = self.capacity
        if not 0 <= self.tokens <= self.capacity:
            raise ValueError(f"tokens: must lie in [0, capacity], got {self.tokens!r}")

    def acquire(self, *, after_timeout: bool = False, throttling: bool = False) -> int | None:
        """Take the cost of one retry; ``None`` (and nothing taken) when too few tokens."""
        if throttling:
            cost = self.throttling_cost
        else:
            cost = self.timeout_cost if after_timeout else self.retry_cost
        if self.tokens < cost:
            return None
        self.tokens -= cost
        return cost

    def release(self, retry_cost: int | None) -> None:
        """Record a success: refund the last retry's cost, or the small no-retry bonus."""
        refund = self.success_refund if retry_cost is None else retry_cost
        self.tokens = min(self.capacity, self.tokens + refund)


@dataclass
class RetryStats:
    """Counters a lesson plots: every attempt, every retry, and how calls ended."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    successes: int = 0
    failures: int = 0
    timeouts: int = 0
    throttled: int = 0

    @property
    def amplification(self) -> float:
        """Attempts per call: 1.0 means no retry ever happened."""
        return self.attempts / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries: at most ``max_attempts`` tries, sleeping by ``backoff``.

    ``timeout`` (seconds) abandons an attempt that takes too long (the work may still
    happen on the server); ``retry_on`` lists the exception types worth retrying.
    """

    max_attempts: int = 3
    backoff: Backoff = field(default_factory=NoBackoff)
    timeout: float | None = None
    token_bucket: RetryTokenBucket | None = None
    retry_on: tuple[type[BaseException], ...] = (Exception,)

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 1
        ):
            raise ValueError(f"max_attempts: must be an int >= 1, got {self.max_attempts!r}")
        if not callable(getattr(self.backoff, "delay", None)):
            raise TypeError("backoff: needs a delay(retry, previous, rng) method")
        if self.timeout is not None:
            _check_seconds("timeout", self.timeout, positive=True)


class AttemptTimeout(Exception):
    """An attempt took longer than the policy's timeout."""


class RetriesExhausted(Exception):
    """Every allowed attempt failed (or the token bucket refused a retry)."""

    def __init__(self, attempts: int, last_error: BaseException | None, throttled: bool) -> None:
        super().__init__(attempts, last_error, throttled)
        self.attempts = attempts
        self.last_error = last_error
        self.throttled = throttled

    def __str__(self) -> str:
        reason = "retry quota exhausted" if self.throttled else "no attempts left"
        return f"gave up after {self.attempts} attempt(s) ({reason}): {self.last_error!r}"


def _defuse(event: simpy.Event) -> None:
    if not event.ok:
        event.defused = True


def call_with_retry(
    world: World,
    operation: Callable[[int], Any],
    policy: RetryPolicy,
    *,
    stats: RetryStats | None = None,
    rng_name: str = "retry",
) -> Generator[simpy.Event, Any, Any]:
    """A SimPy process body that calls ``operation(attempt)`` until it succeeds.

    ``operation`` returns a value, a SimPy event, or a generator (run as a process);
    an exception means the attempt failed. Use it as
    ``result = yield world.env.process(call_with_retry(world, op, policy))``.
    Raises :class:`RetriesExhausted` when it gives up. Jitter draws from the world's
    ``rng_name`` stream: give each client its own name to keep their numbers apart.
    """
    stats = RetryStats() if stats is None else stats
    rng = world.rng(rng_name)
    stats.calls += 1
    previous_sleep = 0.0
    retry_cost: int | None = None
    last_error: BaseException | None = None
    for attempt in range(1, policy.max_attempts + 1):
        if attempt > 1:
            if policy.token_bucket is not None:
                retry_cost = policy.token_bucket.acquire(
                    after_timeout=isinstance(last_error, AttemptTimeout),
                    throttling=is_throttling(last_error),
                )
                if retry_cost is None:
                    stats.throttled += 1
                    stats.failures += 1
                    raise RetriesExhausted(attempt - 1, last_error, throttled=True)
            stats.retries += 1
            delay_after = getattr(policy.backoff, "delay_after", None)
            if delay_after is None:
                previous_sleep = policy.backoff.delay(attempt - 1, previous_sleep, rng)
            else:
                previous_sleep = delay_after(attempt - 1, previous_sleep, rng, last_error)
            if previous_sleep > 0:
                yield world.env.timeout(previous_sleep)
        stats.attempts += 1
        try:
            result = yield from _one_attempt(world, operation, attempt, policy.timeout)
        except policy.retry_on as error:
            if isinstance(error, AttemptTimeout):
                stats.timeouts += 1
            last_error = error
            continue
        stats.successes += 1
        if policy.token_bucket is not None:
            policy.token_bucket.release(retry_cost)
        return result
    stats.failures += 1
    raise RetriesExhausted(policy.max_attempts, last_error, throttled=False)


def _one_attempt(
    world: World, operation: Callable[[int], Any], attempt: int, timeout: float | None
) -> Generator[simpy.Event, Any, Any]:
    outcome = operation(attempt)
    if isinstance(outcome, Generator):
        event = world.env.process(outcome)
    elif isinstance(outcome, simpy.Event):
        event = outcome
    else:
        return outcome
    if timeout is None:
        return (yield event)
    deadline = world.env.timeout(timeout)
    fired = yield event | deadline
    if event in fired:
        return fired[event]
    event.callbacks.append(_defuse)
    raise AttemptTimeout(f"attempt {attempt} took longer than {timeout} s")


#: The SDK retry behaviours :func:`sdk_retry_policy` builds, oldest first. ``standard``
#: is the 2026 standard mode, the default since 10 November 2026 (botocore 1.44.0).
SDK_RETRY_MODES = ("legacy", "standard_before_2026", "standard")

#: Services with their own numbers in the SDKs (the name botocore uses for them).
_DYNAMODB = ("dynamodb", "dynamodb-streams")


def sdk_retry_policy(
    mode: str = "standard",
    service: str | None = None,
    *,
    max_attempts: int | None = None,
    timeout: float | None = None,
) -> RetryPolicy:
    """The retry policy of an AWS SDK client in ``mode`` (one of :data:`SDK_RETRY_MODES`).

    - ``standard`` (2026, the default): 3 attempts (4 for DynamoDB); a 500-token quota,
      14 tokens per transient retry and 5 per throttling retry, 1 back per first-try
      success; sleeps ``rand × min(base × 2^(n−1), 20 s)`` with base 50 ms (25 ms for
      DynamoDB) or 1 s after throttling; ``x-amz-retry-after`` honoured.
    - ``standard_before_2026``: 3 attempts; 5 tokens per retry, 10 after a timeout;
      base 1 s for every error.
    - ``legacy`` (``AWS_RETRY_MODE=legacy``): 5 attempts (10 for DynamoDB), no quota,
      sleeps ``rand × 2^(n−1)`` s (``0.05 × 2^(n−1)`` for DynamoDB), uncapped.

    The numbers come from the register of AWS facts. Each call makes a fresh quota:
    share one policy between calls the way one SDK client shares its quota.
    """
    from course_lib.facts import fact

    if mode not in SDK_RETRY_MODES:
        raise ValueError(f"mode: unknown retry mode {mode!r} (known: {', '.join(SDK_RETRY_MODES)})")
    if service is not None and not isinstance(service, str):
        raise TypeError(f"service: expected a service name such as 'dynamodb', got {service!r}")
    dynamodb = service in _DYNAMODB
    if mode == "legacy":
        attempts = fact(
            "sdk.retry.legacy.max_attempts_dynamodb"
            if dynamodb
            else "sdk.retry.legacy.max_attempts"
        )
        wait: Backoff = LegacyBackoff(
            fact("sdk.retry.legacy.base_seconds_dynamodb") if dynamodb else None
        )
        bucket = None
    elif mode == "standard_before_2026":
        attempts = fact("sdk.retry.standard_before_2026.max_attempts")
        base = fact("sdk.retry.standard_before_2026.base_seconds")
        wait = SdkBackoff(base, base, fact("sdk.retry.standard.max_backoff_seconds"))
        cost = fact("sdk.retry.standard_before_2026.retry_cost")
        bucket = RetryTokenBucket(
            capacity=fact("sdk.retry.standard.quota_tokens"),
            retry_cost=cost,
            timeout_cost=fact("sdk.retry.standard_before_2026.timeout_retry_cost"),
            throttling_cost=cost,
            success_refund=fact("sdk.retry.standard.success_refund"),
        )
    else:
        attempts = fact(
            "sdk.retry.standard.max_attempts_dynamodb"
            if dynamodb
            else "sdk.retry.standard.max_attempts"
        )
        wait = SdkBackoff(
            fact(
                "sdk.retry.standard.transient_base_seconds_dynamodb"
                if dynamodb
                else "sdk.retry.standard.transient_base_seconds"
            ),
            fact("sdk.retry.standard.throttling_base_seconds"),
            fact("sdk.retry.standard.max_backoff_seconds"),
            retry_after_extra=fact("sdk.retry.standard.retry_after_max_extra_seconds"),
        )
        cost = fact("sdk.retry.standard.transient_retry_cost")
        bucket = RetryTokenBucket(
            capacity=fact("sdk.retry.standard.quota_tokens"),
            retry_cost=cost,
            timeout_cost=cost,
            throttling_cost=fact("sdk.retry.standard.throttling_retry_cost"),
            success_refund=fact("sdk.retry.standard.success_refund"),
        )
    return RetryPolicy(
        max_attempts=attempts if max_attempts is None else max_attempts,
        backoff=wait,
        timeout=timeout,
        token_bucket=bucket,
    )
