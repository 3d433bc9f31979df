"""PBS: the paper's headline figures, the curve, the closed form for k-staleness."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.consistency import (
    PBS_CONFIGS,
    ParetoExponentialMixture,
    WarsModel,
    k_staleness,
    k_staleness_simulated,
    pbs_consistency,
    pbs_curve,
    pbs_latency,
    pbs_staleness_window,
)

# N=3, R=W=1, read right after commit (Bailis et al., VLDB 2012, Section 5).
PAPER_FIGURES = {"LNKD-SSD": 0.974, "LNKD-DISK": 0.439, "YMMR": 0.893, "WAN": 0.33}


@pytest.mark.parametrize("config", sorted(PAPER_FIGURES))
def test_reproduces_the_paper_right_after_commit(config):
    # 20,000 trials: the standard error is at most 0.35 points, well inside 2 points.
    probability = pbs_consistency(config, trials=20_000, seed=7)
    assert abs(probability - PAPER_FIGURES[config]) < 0.02


def test_lnkd_disk_ten_milliseconds_later_matches_the_paper():
    assert abs(pbs_consistency("LNKD-DISK", t_ms=10, trials=20_000, seed=3) - 0.925) < 0.02


def test_strict_quorums_always_read_the_latest_write():
    for config in PBS_CONFIGS:
        assert pbs_consistency(config, n=3, r=2, w=2, trials=2_000) == 1.0
        assert pbs_consistency(config, n=5, r=1, w=5, trials=2_000) == 1.0


def test_more_replicas_with_single_quorums_are_less_consistent():
    two = pbs_consistency("LNKD-DISK", n=2, trials=20_000)
    ten = pbs_consistency("LNKD-DISK", n=10, trials=20_000)
    assert abs(two - 0.575) < 0.02 and abs(ten - 0.211) < 0.02


def test_same_seed_same_answer():
    assert pbs_consistency("YMMR", trials=5_000, seed=4) == pbs_consistency(
        "YMMR", trials=5_000, seed=4
    )


def test_curve_rises_to_one_and_agrees_with_point_estimates():
    times = [0, 1, 2, 5, 10, 50, 200, 1000]
    curve = pbs_curve("LNKD-DISK", times, trials=10_000, seed=1)
    assert curve.t_ms == [float(t) for t in times]
    assert curve.probability == sorted(curve.probability)
    assert curve.probability[-1] > 0.999
    assert curve.probability[3] == pbs_consistency("LNKD-DISK", t_ms=5, trials=10_000, seed=1)


def test_wan_waits_for_the_cross_datacenter_delay():
    before, after = pbs_curve("WAN", [50, 100], trials=10_000).probability
    assert before < 0.40 and after > 0.99


def test_staleness_window_reaches_the_probability():
    window = pbs_staleness_window("LNKD-SSD", 0.999, trials=20_000)
    assert 1.0 < window < 3.0
    assert pbs_consistency("LNKD-SSD", t_ms=window, trials=20_000) >= 0.999


def test_custom_model_with_instant_writes_is_always_consistent():
    instant = ParetoExponentialMixture(1.0, 1e-9, 50.0, 1.0)
    slow = ParetoExponentialMixture(0.0, 1.0, 1.0, 0.01)
    model = WarsModel(instant, slow, slow, slow)
    assert pbs_consistency(model, trials=1_000) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"config": "LNKD"}, "config"),
        ({"config": "YMMR", "n": 0}, "n"),
        ({"config": "YMMR", "r": 4}, "r"),
        ({"config": "YMMR", "w": 4}, "w"),
        ({"config": "YMMR", "t_ms": -1.0}, "t_ms"),
        ({"config": "YMMR", "t_ms": math.nan}, "t_ms"),
        ({"config": "YMMR", "trials": 0}, "trials"),
    ],
)
def test_rejects_bad_parameters_by_name(kwargs, message):
    config = kwargs.pop("config")
    with pytest.raises(ValueError, match=message):
        pbs_consistency(config, **kwargs)


def test_k_staleness_closed_form_known_values():
    assert k_staleness(3, 1, 1, 1) == pytest.approx(1 / 3)
    assert k_staleness(3, 2, 2, 1) == 1.0
    assert k_staleness(100, 30, 30, 1) == pytest.approx(1 - 1.88e-6, abs=1e-7)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=1, max_value=7).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.integers(min_value=1, max_value=n),
            st.integers(min_value=1, max_value=n),
            st.integers(min_value=1, max_value=4),
        )
    )
)
def test_k_staleness_closed_form_matches_simulation(nrwk):
    n, r, w, k = nrwk
    exact = k_staleness(n, r, w, k)
    simulated = k_staleness_simulated(n, r, w, k, trials=20_000, seed=n * 100 + r * 10 + w + k)
    # Five standard errors of a proportion estimated from 20,000 trials.
    assert abs(simulated - exact) <= 5 * math.sqrt(max(exact * (1 - exact), 1e-4) / 20_000)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5))
def test_k_staleness_grows_with_k(n, k):
    assert k_staleness(n, 1, 1, k + 1) >= k_staleness(n, 1, 1, k)


def test_larger_quorums_cost_latency():
    one = pbs_latency("LNKD-DISK", n=3, r=1, w=1, seed=8)
    assert pbs_latency("LNKD-DISK", n=3, r=1, w=3, seed=8)["write_ms"] > one["write_ms"]
    assert pbs_latency("LNKD-DISK", n=3, r=3, w=1, seed=8)["read_ms"] > one["read_ms"]
    # Spinning disks slow writes, not reads (the paper's LNKD-DISK fit).
    assert one["write_ms"] > one["read_ms"]


def test_latency_quantiles_grow_and_a_model_without_delay_has_none():
    median = pbs_latency("YMMR", r=2, w=2, quantile=0.5)
    tail = pbs_latency("YMMR", r=2, w=2, quantile=0.999)
    assert tail["write_ms"] > median["write_ms"] and tail["read_ms"] > median["read_ms"]
    wan = pbs_latency("WAN", r=3, w=1)
    assert wan["read_ms"] > 150  # the slowest of three replies crosses datacenters twice


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"quantile": 0}, "quantile"), ({"quantile": 1.5}, "quantile"), ({"r": 4}, "r")],
)
def test_latency_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pbs_latency("LNKD-SSD", **kwargs)
