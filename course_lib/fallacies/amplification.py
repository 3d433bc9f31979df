"""Retries multiply through layers: every layer retrying turns one request into a storm."""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.fallacies._checks import (
    _check_int,
)
from course_lib.sim.retry import (
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    RetryTokenBucket,
    call_with_retry,
    sdk_retry_policy,
)
from course_lib.sim.world import World


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
    attempts: int | None = None,
    requests: int = 1,
    *,
    token_bucket: bool = False,
    bucket_capacity: int = 500,
    retry_cost: int = 5,
    retry_mode: str | None = None,
    seed: int = 2024,
) -> AmplificationResult:
    """A request passes through ``layers`` services, each retrying up to ``attempts`` times.

    With the bottom service down, every layer multiplies the calls below it:
    ``attempts ** layers`` calls reach the bottom (3 attempts, 5 layers: 243). With
    ``token_bucket`` each layer's client has a retry quota of ``bucket_capacity`` tokens
    at ``retry_cost`` a retry, so a layer stops retrying once its bucket is empty and the
    storm is capped. With ``retry_mode`` (one of ``course_lib.sim.retry.SDK_RETRY_MODES``)
    every layer's client is an AWS SDK client in that mode instead: its attempts, quota
    and costs (``attempts``, when given, still sets the attempts). ``attempts`` defaults
    to 3, or to the mode's.
    """
    _check_int("layers", layers, 1)
    if attempts is not None:
        _check_int("attempts", attempts, 1)
    _check_int("requests", requests, 1)
    _check_int("bucket_capacity", bucket_capacity, 0)
    _check_int("retry_cost", retry_cost, 0)
    if retry_mode is not None and token_bucket:
        raise ValueError("retry_mode: an SDK mode brings its own retry quota; drop token_bucket")
    world = World(seed)
    calls = [0] * layers
    stats = [RetryStats() for _ in range(layers)]
    if retry_mode is not None:
        policies = [sdk_retry_policy(retry_mode, max_attempts=attempts) for _ in range(layers)]
    else:
        policies = [
            RetryPolicy(
                max_attempts=3 if attempts is None else attempts,
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
        attempts=policies[0].max_attempts,
        requests=requests,
        calls_per_layer=calls,
        failed_requests=len(failed),
        throttled_retries=sum(s.throttled for s in stats),
    )
