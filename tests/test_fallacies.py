import pytest

from course_lib import fallacies


@pytest.fixture(scope="module")
def at_100_clients():
    rows = fallacies.backoff_experiment(100, runs=20, seed=2024)
    return {row["algorithm"]: row for row in rows}


def test_backoff_rows_have_the_documented_shape(at_100_clients):
    assert list(at_100_clients) == [
        "none",
        "exponential",
        "full_jitter",
        "equal_jitter",
        "decorrelated_jitter",
    ]
    for row in at_100_clients.values():
        assert set(row) == {"clients", "algorithm", "calls", "time"}
        assert row["clients"] == 100
        assert row["calls"] >= 100


def test_full_jitter_makes_at_most_half_the_calls_of_exponential(at_100_clients):
    assert at_100_clients["full_jitter"]["calls"] <= at_100_clients["exponential"]["calls"] / 2


def test_exponential_takes_five_times_as_long_as_full_jitter(at_100_clients):
    assert at_100_clients["exponential"]["time"] >= 5 * at_100_clients["full_jitter"]["time"]


def test_equal_jitter_makes_similar_calls_but_is_slower(at_100_clients):
    full, equal = at_100_clients["full_jitter"], at_100_clients["equal_jitter"]
    assert abs(equal["calls"] - full["calls"]) < 0.1 * full["calls"]
    assert equal["time"] > full["time"]


def test_decorrelated_makes_more_calls_than_full_jitter(at_100_clients):
    assert at_100_clients["decorrelated_jitter"]["calls"] > at_100_clients["full_jitter"]["calls"]


def test_backoff_experiment_is_deterministic_and_sweeps():
    first = fallacies.backoff_experiment([3, 5], runs=2, seed=9, algorithms=["full_jitter"])
    assert first == fallacies.backoff_experiment((3, 5), runs=2, seed=9, algorithms=["full_jitter"])
    assert [row["clients"] for row in first] == [3, 5]
    assert first != fallacies.backoff_experiment(
        [3, 5], runs=2, seed=10, algorithms=["full_jitter"]
    )


def test_a_single_client_writes_once_in_four_message_delays():
    (row,) = fallacies.backoff_experiment(1, runs=50, seed=1, algorithms=["none"])
    assert row["calls"] == 1
    assert row["time"] == pytest.approx(40, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clients": 0}, "clients"),
        ({"clients": []}, "clients"),
        ({"clients": 5, "runs": 0}, "runs"),
        ({"clients": 5, "algorithms": ["linear"]}, "algorithms"),
        ({"clients": 5, "base_ms": -1}, "base_ms"),
        ({"clients": 5, "cap_ms": 1}, "cap_ms"),
    ],
)
def test_backoff_experiment_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fallacies.backoff_experiment(**kwargs)
