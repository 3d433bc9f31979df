import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.retry import (
    BACKOFF_NAMES,
    AttemptTimeout,
    DecorrelatedJitter,
    EqualJitter,
    ExponentialBackoff,
    FullJitter,
    NoBackoff,
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    RetryTokenBucket,
    backoff,
    call_with_retry,
)
from course_lib.sim.world import World


def test_exponential_doubles_until_the_cap():
    policy = ExponentialBackoff(base=0.005, cap=0.1)
    rng = random.Random(0)
    assert [policy.delay(n, 0, rng) for n in range(1, 7)] == pytest.approx(
        [0.01, 0.02, 0.04, 0.08, 0.1, 0.1]
    )
    assert policy.delay(10_000, 0, rng) == 0.1


@settings(max_examples=80, deadline=None)
@given(
    retry=st.integers(1, 60),
    base=st.floats(0, 1),
    extra=st.floats(0, 100),
    seed=st.integers(0, 2**32),
)
def test_jitter_stays_within_its_bounds(retry, base, extra, seed):
    cap = base + extra
    rng = random.Random(seed)
    ceiling = min(cap, base * 2.0**retry)
    assert 0 <= FullJitter(base, cap).delay(retry, 0, rng) <= ceiling
    assert ceiling / 2 <= EqualJitter(base, cap).delay(retry, 0, rng) <= ceiling
    previous = rng.uniform(base, cap)
    sleep = DecorrelatedJitter(base, cap).delay(retry, previous, rng)
    assert min(base, cap) <= sleep <= cap
    assert NoBackoff().delay(retry, previous, rng) == 0


def test_decorrelated_starts_from_base():
    rng = random.Random(3)
    policy = DecorrelatedJitter(base=1.0, cap=100.0)
    assert all(1.0 <= policy.delay(1, 50.0, rng) <= 3.0 for _ in range(100))


def test_backoff_factory_and_bad_parameters():
    assert [type(backoff(n)).__name__ for n in BACKOFF_NAMES] == [
        "NoBackoff",
        "ExponentialBackoff",
        "FullJitter",
        "EqualJitter",
        "DecorrelatedJitter",
    ]
    with pytest.raises(ValueError, match="name"):
        backoff("linear")
    with pytest.raises(ValueError, match="base"):
        FullJitter(-1, 2)
    with pytest.raises(ValueError, match="cap"):
        FullJitter(2, 1)
    with pytest.raises(ValueError, match="cap"):
        FullJitter(1, float("inf"))
    with pytest.raises(ValueError, match="retry"):
        FullJitter(1, 2).delay(0, 0, random.Random())
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="timeout"):
        RetryPolicy(timeout=-1)
    with pytest.raises(ValueError, match="retry_cost"):
        RetryTokenBucket(retry_cost=-5)


def failing_until(successful_attempt, log):
    def operation(attempt):
        log.append(attempt)
        if attempt < successful_attempt:
            raise ConnectionError(f"attempt {attempt}")
        return f"ok on {attempt}"

    return operation


def run(world, operation, policy, stats):
    """Run the retrying call; return ``(ok, value or RetriesExhausted)``."""
    outcome = {}

    def caller():
        try:
            outcome["value"] = yield world.env.process(
                call_with_retry(world, operation, policy, stats=stats)
            )
            outcome["ok"] = True
        except RetriesExhausted as error:
            outcome["value"], outcome["ok"] = error, False

    world.env.process(caller())
    world.run()
    return outcome["ok"], outcome["value"]


def test_retries_until_success_and_counts_every_attempt():
    world, stats, log = World(1), RetryStats(), []
    policy = RetryPolicy(max_attempts=5, backoff=ExponentialBackoff(1.0, 60.0))
    ok, value = run(world, failing_until(3, log), policy, stats)
    assert ok
    assert value == "ok on 3"
    assert log == [1, 2, 3]
    assert world.now == pytest.approx(2.0 + 4.0)
    assert (stats.calls, stats.attempts, stats.retries, stats.successes) == (1, 3, 2, 1)
    assert stats.amplification == 3


def test_gives_up_after_max_attempts():
    world, stats, log = World(1), RetryStats(), []
    ok, value = run(world, failing_until(99, log), RetryPolicy(max_attempts=3), stats)
    assert not ok
    assert isinstance(value, RetriesExhausted)
    assert value.attempts == 3
    assert isinstance(value.last_error, ConnectionError)
    assert stats.failures == 1 and stats.attempts == 3


def test_non_retryable_errors_propagate():
    world = World(1)

    def operation(attempt):
        raise KeyError("bad request")

    policy = RetryPolicy(max_attempts=3, retry_on=(ConnectionError,))
    process = world.env.process(call_with_retry(world, operation, policy))
    with pytest.raises(KeyError):
        world.run()
    assert not process.is_alive


def test_timeout_abandons_slow_attempts_but_work_still_happens():
    world, stats, done = World(1), RetryStats(), []

    def operation(attempt):
        yield world.env.timeout(5.0 if attempt == 1 else 0.5)
        done.append((attempt, world.now))
        return attempt

    policy = RetryPolicy(max_attempts=2, timeout=1.0)
    ok, value = run(world, operation, policy, stats)
    assert ok
    assert value == 2
    assert stats.timeouts == 1
    assert sorted(done) == [(1, 5.0), (2, 1.5)]


def test_slow_attempt_that_later_fails_does_not_crash_the_world():
    world = World(1)

    def operation(attempt):
        yield world.env.timeout(5.0 if attempt == 1 else 0.1)
        if attempt == 1:
            raise ConnectionError("late failure")
        return "ok"

    ok, value = run(world, operation, RetryPolicy(max_attempts=2, timeout=1.0), RetryStats())
    assert ok
    assert value == "ok"
    assert world.now == 5.0


def test_timeout_error_counts_and_exhaustion():
    world, stats = World(1), RetryStats()

    def operation(attempt):
        yield world.env.timeout(10)

    ok, value = run(world, operation, RetryPolicy(max_attempts=2, timeout=1.0), stats)
    assert not ok
    assert isinstance(value, RetriesExhausted)
    assert isinstance(value.last_error, AttemptTimeout)
    assert stats.timeouts == 2


def test_token_bucket_stops_retries_when_empty_and_refunds_on_success():
    bucket = RetryTokenBucket(capacity=10, retry_cost=5, timeout_cost=10, success_refund=1)
    world, stats = World(1), RetryStats()
    policy = RetryPolicy(max_attempts=10, token_bucket=bucket)
    ok, value = run(world, failing_until(99, []), policy, stats)
    assert not ok
    assert value.throttled
    assert stats.attempts == 3 and stats.throttled == 1 and bucket.tokens == 0
    bucket.release(None)
    assert bucket.tokens == 1
    bucket.tokens = 10
    run(world, failing_until(2, []), policy, RetryStats())
    assert bucket.tokens == 10
    assert bucket.acquire(after_timeout=True) == 10
    assert bucket.acquire() is None


@settings(max_examples=50, deadline=None)
@given(
    fail_first=st.integers(0, 10),
    max_attempts=st.integers(1, 8),
    seed=st.integers(0, 1000),
)
def test_attempts_never_exceed_the_policy(fail_first, max_attempts, seed):
    world, stats, log = World(seed), RetryStats(), []
    policy = RetryPolicy(max_attempts=max_attempts, backoff=FullJitter(0.1, 1.0))
    ok, _value = run(world, failing_until(fail_first + 1, log), policy, stats)
    assert stats.attempts == len(log) == min(fail_first + 1, max_attempts)
    assert ok == (fail_first < max_attempts)
    assert stats.retries == stats.attempts - 1


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(0, 50),
    cost=st.integers(0, 10),
    events=st.lists(st.sampled_from(["retry", "timeout", "ok", "ok-after-retry"]), max_size=40),
)
def test_token_bucket_stays_within_zero_and_capacity(capacity, cost, events):
    bucket = RetryTokenBucket(capacity=capacity, retry_cost=cost, timeout_cost=2 * cost)
    last = None
    for event in events:
        if event in ("retry", "timeout"):
            before = bucket.tokens
            last = bucket.acquire(after_timeout=event == "timeout")
            assert (last is None and bucket.tokens == before) or bucket.tokens == before - last
        else:
            bucket.release(last if event == "ok-after-retry" else None)
        assert 0 <= bucket.tokens <= capacity


# --- The AWS SDKs' retry modes ------------------------------------------------------------

from course_lib.facts import fact  # noqa: E402
from course_lib.sim.retry import (  # noqa: E402
    SDK_RETRY_MODES,
    LegacyBackoff,
    SdkBackoff,
    ServiceError,
    is_throttling,
    sdk_retry_policy,
)


def _failing(world, error_factory, fail_times):
    calls = []

    def operation(attempt):
        calls.append(world.now)
        if len(calls) <= fail_times:
            raise error_factory()
        return "ok"

    return operation, calls


def _run(world, operation, policy, stats=None):
    outcome = {}

    def client():
        try:
            outcome["value"] = yield world.env.process(
                call_with_retry(world, operation, policy, stats=stats)
            )
        except RetriesExhausted as error:
            outcome["error"] = error

    world.env.process(client())
    world.run()
    return outcome


def test_the_2026_standard_mode_has_the_documented_numbers():
    policy = sdk_retry_policy("standard")
    assert policy.max_attempts == 3
    bucket = policy.token_bucket
    assert (bucket.capacity, bucket.retry_cost, bucket.throttling_cost, bucket.success_refund) == (
        500,
        14,
        5,
        1,
    )
    assert bucket.timeout_cost == 14
    assert policy.backoff == SdkBackoff(0.05, 1, 20, retry_after_extra=5)
    dynamodb = sdk_retry_policy("standard", "dynamodb")
    assert dynamodb.max_attempts == 4
    assert dynamodb.backoff.transient_base == 0.025
    assert dynamodb.backoff.throttling_base == 1


def test_the_older_modes_stay_beside_it():
    before = sdk_retry_policy("standard_before_2026")
    assert before.max_attempts == 3
    assert (before.token_bucket.retry_cost, before.token_bucket.timeout_cost) == (5, 10)
    assert before.token_bucket.throttling_cost == 5
    assert before.backoff == SdkBackoff(1, 1, 20)
    legacy = sdk_retry_policy("legacy")
    assert legacy.max_attempts == 5 and legacy.token_bucket is None
    assert legacy.backoff == LegacyBackoff(None)
    assert sdk_retry_policy("legacy", "dynamodb").max_attempts == 10
    assert sdk_retry_policy("legacy", "dynamodb").backoff == LegacyBackoff(0.05)
    assert SDK_RETRY_MODES == ("legacy", "standard_before_2026", "standard")


def test_the_numbers_come_from_the_register():
    assert sdk_retry_policy().token_bucket.capacity == fact("sdk.retry.standard.quota_tokens")
    assert sdk_retry_policy(max_attempts=7).max_attempts == 7


def test_bad_modes_and_services_are_named():
    with pytest.raises(ValueError, match="mode: unknown retry mode 'adaptive'"):
        sdk_retry_policy("adaptive")
    with pytest.raises(TypeError, match="service"):
        sdk_retry_policy("standard", 3)
    with pytest.raises(ValueError, match="retry_after"):
        ServiceError(retry_after=-1)


@settings(max_examples=100, deadline=None)
@given(retry=st.integers(1, 2000), seed=st.integers(0, 2**32), throttled=st.booleans())
def test_standard_backoff_stays_under_its_ceiling(retry, seed, throttled):
    wait = SdkBackoff(0.05, 1.0, 20.0, retry_after_extra=5)
    error = ServiceError(throttling=throttled)
    base = 1.0 if throttled else 0.05
    ceiling = min(20.0, base * 2.0 ** min(retry - 1, 1000))
    assert wait.ceiling(retry, error) == pytest.approx(ceiling)
    assert 0 <= wait.delay_after(retry, 0, random.Random(seed), error) <= ceiling


@settings(max_examples=100, deadline=None)
@given(retry=st.integers(1, 10), seed=st.integers(0, 2**32), after=st.floats(0, 100))
def test_retry_after_raises_the_sleep_by_at_most_five_seconds(retry, seed, after):
    wait = SdkBackoff(0.05, 1.0, 20.0, retry_after_extra=5)
    plain = wait.delay_after(retry, 0, random.Random(seed), ServiceError())
    told = wait.delay_after(retry, 0, random.Random(seed), ServiceError(retry_after=after))
    assert told == pytest.approx(max(plain, min(after, plain + 5)))
    ignoring = SdkBackoff(1.0, 1.0, 20.0)
    assert ignoring.delay_after(
        retry, 0, random.Random(seed), ServiceError(retry_after=after)
    ) == ignoring.delay_after(retry, 0, random.Random(seed), ServiceError())


def test_legacy_backoff_doubles_without_a_cap():
    rng = random.Random(1)
    assert [LegacyBackoff(0.05).delay(n, 0, rng) for n in (1, 2, 3, 4)] == pytest.approx(
        [0.05, 0.1, 0.2, 0.4]
    )
    sleeps = [LegacyBackoff().delay(4, 0, random.Random(s)) for s in range(50)]
    assert all(0 <= s <= 8 for s in sleeps) and max(sleeps) > 4
    with pytest.raises(ValueError, match="no cap"):
        LegacyBackoff().delay(1001, 0, rng)


def test_a_transient_retry_costs_14_and_a_throttling_retry_5():
    world = World(1)
    policy = sdk_retry_policy("standard")
    operation, calls = _failing(world, ServiceError, 2)
    assert _run(world, operation, policy)["value"] == "ok"
    assert len(calls) == 3
    # two retries spent 28; the success refunds the last retry's cost (14)
    assert policy.token_bucket.tokens == 500 - 28 + 14
    throttled = sdk_retry_policy("standard")
    operation, calls = _failing(world, lambda: ServiceError("Throttling", throttling=True), 1)
    _run(world, operation, throttled)
    assert throttled.token_bucket.tokens == 500
    assert is_throttling(ServiceError(throttling=True)) and not is_throttling(ValueError())


def test_throttling_waits_longer_than_a_transient_error():
    def first_sleep(error):
        world = World(3)
        operation, calls = _failing(world, error, 1)
        _run(world, operation, sdk_retry_policy("standard"))
        return calls[1] - calls[0]

    assert first_sleep(ServiceError) <= 0.05
    assert first_sleep(lambda: ServiceError(throttling=True, retry_after=2.0)) >= 2.0


def test_a_first_try_success_refunds_one_token():
    world = World(1)
    policy = sdk_retry_policy("standard")
    policy.token_bucket.tokens = 100
    _run(world, lambda attempt: "ok", policy)
    assert policy.token_bucket.tokens == 101


def test_the_quota_runs_dry_after_35_transient_retries():
    world = World(2)
    policy = sdk_retry_policy("standard")
    stats = RetryStats()
    for _ in range(40):
        operation, _calls = _failing(world, ServiceError, 10)
        _run(world, operation, policy, stats)
    assert stats.retries == 500 // 14
    assert policy.token_bucket.tokens == 500 - 14 * (500 // 14)
    assert stats.throttled > 0
