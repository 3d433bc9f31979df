"""Session guarantees: violations under eventual reads, none under sticky routing or tokens."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.consistency import SESSION_STRATEGIES, compare_session_guarantees, simulate_sessions


def test_eventual_reads_break_both_guarantees():
    report = simulate_sessions("eventual", users=8, rounds=15, seed=2)
    assert report.reads == 8 * 15 * 2
    assert report.read_your_writes_violations > 0
    assert report.monotonic_read_violations > 0
    assert report.read_your_writes_violations <= report.own_key_reads


@pytest.mark.parametrize("strategy", ["sticky", "token-wait", "token-forward"])
def test_sticky_routing_and_version_tokens_restore_them(strategy):
    report = simulate_sessions(strategy, users=8, rounds=15, seed=2)
    assert report.read_your_writes_violations == 0
    assert report.monotonic_read_violations == 0


def test_tokens_trade_latency_or_forwarding_for_the_guarantee():
    rows = {r.strategy: r for r in compare_session_guarantees(users=8, rounds=15, seed=2)}
    assert list(rows) == list(SESSION_STRATEGIES)
    assert rows["token-wait"].mean_read_latency_ms > rows["eventual"].mean_read_latency_ms
    assert rows["token-forward"].forwarded_reads > 0
    assert rows["token-wait"].forwarded_reads == 0


def test_no_lag_means_no_violations():
    report = simulate_sessions("eventual", replication_lag=0.0, users=5, rounds=10)
    assert report.read_your_writes_violations == report.monotonic_read_violations == 0


def test_deterministic_for_a_seed():
    assert simulate_sessions(seed=5, users=4, rounds=5) == simulate_sessions(
        seed=5, users=4, rounds=5
    )


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["sticky", "token-wait", "token-forward"]),
    st.floats(0.0, 1.0),
    st.integers(0, 1000),
)
def test_guarantees_hold_for_any_lag(strategy, lag, seed):
    report = simulate_sessions(strategy, users=3, rounds=4, replication_lag=lag, seed=seed)
    assert report.read_your_writes_violations == report.monotonic_read_violations == 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"strategy": "magic"}, "strategy"),
        ({"users": 0}, "users"),
        ({"rounds": 0}, "rounds"),
        ({"think_time": -1.0}, "think_time"),
        ({"followers": -1}, "followers"),
    ],
)
def test_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        simulate_sessions(**kwargs)
