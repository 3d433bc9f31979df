import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.latency import (
    Constant,
    Empirical,
    Exponential,
    FoldedNormal,
    Latency,
    LogNormal,
    Mixture,
    Normal,
    Pareto,
    latency,
)

DISTRIBUTIONS = [
    Constant(0.01),
    Normal(0.010, 0.004),
    FoldedNormal(0.010, 0.002),
    Exponential(0.02),
    LogNormal(median=0.010, p99=0.100),
    Pareto(scale=0.005, shape=2.5),
    Mixture((Normal(0.01, 0.001), Pareto(0.05, 2.0)), (0.99, 0.01)),
    Empirical([0.001, 0.002, 0.003, 0.010]),
]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: type(d).__name__)
def test_sample_mean_matches_closed_form(dist):
    rng = random.Random(7)
    draws = [dist.sample(rng) for _ in range(20_000)]
    assert min(draws) >= 0
    assert isinstance(dist, Latency)
    assert statistics.fmean(draws) == pytest.approx(dist.mean(), rel=0.05)


@pytest.mark.parametrize("dist", DISTRIBUTIONS[:-1], ids=lambda d: type(d).__name__)
def test_quantiles_match_samples(dist):
    rng = random.Random(11)
    draws = sorted(dist.sample(rng) for _ in range(20_000))
    for q in (0.5, 0.9):
        empirical = draws[int(q * len(draws))]
        assert dist.quantile(q) == pytest.approx(empirical, rel=0.06, abs=1e-4)


def test_lognormal_hits_its_median_and_p99():
    dist = LogNormal(median=0.02, p99=0.5)
    assert dist.quantile(0.5) == pytest.approx(0.02)
    assert dist.quantile(0.99) == pytest.approx(0.5)


def test_normal_is_truncated_not_clamped():
    dist = Normal(0.0, 1.0)
    assert dist.mean() == pytest.approx(math.sqrt(2 / math.pi))
    assert dist.quantile(0) == 0


def test_pareto_heavy_tail_has_infinite_mean():
    assert Pareto(1.0, 1.0).mean() == math.inf
    assert Pareto(1.0, 2.0).quantile(0.75) == pytest.approx(2.0)


def test_empirical_quantile_interpolates():
    dist = Empirical([3, 1, 2])
    assert dist.quantile(0) == 1
    assert dist.quantile(0.5) == 2
    assert dist.quantile(0.75) == 2.5
    assert dist.quantile(1) == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Constant(-1), "seconds"),
        (lambda: Normal(-0.1, 1), "mean_seconds"),
        (lambda: Normal(1, -1), "sd"),
        (lambda: Exponential(0), "mean_seconds"),
        (lambda: LogNormal(0.1, 0.01), "p99"),
        (lambda: Pareto(1, 0), "shape"),
        (lambda: Empirical([]), "samples"),
        (lambda: Empirical([0.1, -0.2]), "samples"),
        (lambda: Mixture((Constant(1),), (1, 2)), "weights"),
        (lambda: Mixture((Constant(1),), (0,)), "weights"),
        (lambda: Constant(math.nan), "seconds"),
        (lambda: latency({"dist": "weibull"}), "dist"),
        (lambda: latency({"dist": "mixture", "components": [(1, 2, 3)]}), "components"),
        (lambda: latency({"dist": "normal", "mean": 1}), "normal"),
        (lambda: Constant(1).quantile(1.5), "q"),
    ],
)
def test_bad_parameters_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_factory_builds_every_kind():
    assert latency(0.5) == Constant(0.5)
    assert latency({"dist": "lognormal", "median": 0.01, "p99": 0.2}) == LogNormal(0.01, 0.2)
    assert latency([0.1, 0.2]) == Empirical([0.2, 0.1])
    mixed = latency(
        {
            "dist": "mixture",
            "components": [(9, 0.01), (1, {"dist": "pareto", "scale": 1, "shape": 3})],
        }
    )
    assert isinstance(mixed, Mixture)
    assert mixed.weights == (0.9, 0.1)
    existing = Exponential(1)
    assert latency(existing) is existing
    with pytest.raises(TypeError, match="spec"):
        latency("fast")


@settings(max_examples=60, deadline=None)
@given(
    median=st.floats(1e-4, 10),
    ratio=st.floats(1.01, 100),
    q=st.floats(0.001, 0.999),
)
def test_lognormal_quantile_inverts_cdf(median, ratio, q):
    dist = LogNormal(median, median * ratio)
    assert dist.cdf(dist.quantile(q)) == pytest.approx(q, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(0, 1),
    sd=st.floats(1e-3, 1),
    seed=st.integers(0, 2**32),
)
def test_samples_are_never_negative_and_reproducible(mean, sd, seed):
    for dist in (Normal(mean, sd), FoldedNormal(mean, sd)):
        a = [dist.sample(random.Random(seed)) for _ in range(5)]
        b = [dist.sample(random.Random(seed)) for _ in range(5)]
        assert a == b
        assert min(a) >= 0


@settings(max_examples=40, deadline=None)
@given(
    qs=st.lists(st.floats(0, 0.999), min_size=2, max_size=5),
    weight=st.floats(0.01, 0.99),
)
def test_mixture_quantiles_are_monotone(qs, weight):
    dist = Mixture((Exponential(0.01), Pareto(0.1, 1.5)), (weight, 1 - weight))
    values = [dist.quantile(q) for q in sorted(qs)]
    assert values == sorted(values)
