"""Latency distributions: how long a message or a call takes, in seconds.

Every distribution draws from a ``random.Random`` passed in by the caller (a world's
named stream), so the same stream gives the same delays. Anything with a
``.sample(rng) -> float`` method can stand in for a distribution; ``mean()`` and
``quantile(q)`` answer "what should I expect" without sampling.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Protocol, runtime_checkable

_STANDARD_NORMAL = NormalDist()
_Z99 = _STANDARD_NORMAL.inv_cdf(0.99)


@runtime_checkable
class Latency(Protocol):
    """The contract every delay model meets: draw one delay in seconds."""

    def sample(self, rng: random.Random) -> float: ...


def _check_finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def _check_non_negative(name: str, value: float) -> float:
    value = _check_finite(name, value)
    if value < 0:
        raise ValueError(f"{name}: must be >= 0 seconds, got {value!r}")
    return value


def _check_positive(name: str, value: float) -> float:
    value = _check_finite(name, value)
    if value <= 0:
        raise ValueError(f"{name}: must be > 0, got {value!r}")
    return value


def _check_quantile(q: float) -> float:
    q = _check_finite("q", q)
    if not 0 <= q <= 1:
        raise ValueError(f"q: a quantile must lie in [0, 1], got {q!r}")
    return q


def _bisect_quantile(cdf, q: float, upper_hint: float) -> float:
    """Invert a continuous, increasing CDF on [0, inf) by bisection (for mixtures)."""
    if q == 0:
        return 0.0
    if q == 1:
        return math.inf
    low, high = 0.0, max(upper_hint, 1e-12)
    while cdf(high) < q:
        low, high = high, high * 2
        if high > 1e300:
            return math.inf
    for _ in range(200):
        mid = (low + high) / 2
        if cdf(mid) < q:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


@dataclass(frozen=True)
class Constant:
    """Always the same delay: a fixed cost such as a known round trip."""

    seconds: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", _check_non_negative("seconds", self.seconds))

    def sample(self, rng: random.Random) -> float:
        return self.seconds

    def mean(self) -> float:
        return self.seconds

    def quantile(self, q: float) -> float:
        _check_quantile(q)
        return self.seconds

    def cdf(self, x: float) -> float:
        return 1.0 if x >= self.seconds else 0.0


@dataclass(frozen=True)
class Normal:
    """A normal delay truncated at zero (conditioned on being >= 0), never negative.

    Sampled by inverting the CDF, so each sample uses exactly one draw of the stream.
    """

    mean_seconds: float
    sd: float

    def __post_init__(self) -> None:
        _check_non_negative("mean_seconds", self.mean_seconds)
        _check_non_negative("sd", self.sd)
        object.__setattr__(self, "mean_seconds", float(self.mean_seconds))
        object.__setattr__(self, "sd", float(self.sd))

    def _mass_below_zero(self) -> float:
        return _STANDARD_NORMAL.cdf(-self.mean_seconds / self.sd)

    def sample(self, rng: random.Random) -> float:
        return self.quantile(rng.random())

    def mean(self) -> float:
        if self.sd == 0:
            return self.mean_seconds
        alpha = -self.mean_seconds / self.sd
        return self.mean_seconds + self.sd * _STANDARD_NORMAL.pdf(alpha) / (
            1 - _STANDARD_NORMAL.cdf(alpha)
        )

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        if self.sd == 0:
            return self.mean_seconds
        if q == 1:
            return math.inf
        below = self._mass_below_zero()
        p = below + q * (1 - below)
        if p <= 0:
            return 0.0
        return max(0.0, self.mean_seconds + self.sd * _STANDARD_NORMAL.inv_cdf(p))

    def cdf(self, x: float) -> float:
        if x < 0:
            return 0.0
        if self.sd == 0:
            return 1.0 if x >= self.mean_seconds else 0.0
        below = self._mass_below_zero()
        return (_STANDARD_NORMAL.cdf((x - self.mean_seconds) / self.sd) - below) / (1 - below)


@dataclass(frozen=True)
class FoldedNormal:
    """``|X|`` for a normal ``X``: the network model of Marc Brooker's backoff simulator."""

    location: float
    sd: float

    def __post_init__(self) -> None:
        _check_non_negative("location", self.location)
        _check_non_negative("sd", self.sd)
        object.__setattr__(self, "location", float(self.location))
        object.__setattr__(self, "sd", float(self.sd))

    def sample(self, rng: random.Random) -> float:
        return abs(rng.normalvariate(self.location, self.sd))

    def mean(self) -> float:
        if self.sd == 0:
            return self.location
        mu, s = self.location, self.sd
        return s * math.sqrt(2 / math.pi) * math.exp(-(mu**2) / (2 * s**2)) + mu * (
            1 - 2 * _STANDARD_NORMAL.cdf(-mu / s)
        )

    def cdf(self, x: float) -> float:
        if x < 0:
            return 0.0
        if self.sd == 0:
            return 1.0 if x >= self.location else 0.0
        mu, s = self.location, self.sd
        return _STANDARD_NORMAL.cdf((x - mu) / s) - _STANDARD_NORMAL.cdf((-x - mu) / s)

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        if self.sd == 0:
            return self.location
        return _bisect_quantile(self.cdf, q, self.location + 10 * self.sd)


@dataclass(frozen=True)
class Exponential:
    """Memoryless delay with the given mean: waiting for the next of many independent events."""

    mean_seconds: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean_seconds", _check_positive("mean_seconds", self.mean_seconds))

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1 / self.mean_seconds)

    def mean(self) -> float:
        return self.mean_seconds

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        if q == 1:
            return math.inf
        return -self.mean_seconds * math.log1p(-q)

    def cdf(self, x: float) -> float:
        return 0.0 if x < 0 else -math.expm1(-x / self.mean_seconds)


@dataclass(frozen=True)
class LogNormal:
    """A long-tailed delay described the way latency is reported: a median and a p99."""

    median: float
    p99: float
    mu: float = field(init=False, repr=False, compare=False)
    sigma: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_positive("median", self.median)
        _check_positive("p99", self.p99)
        if self.p99 < self.median:
            raise ValueError(f"p99: must be >= median ({self.median!r}), got {self.p99!r}")
        object.__setattr__(self, "median", float(self.median))
        object.__setattr__(self, "p99", float(self.p99))
        mu = math.log(self.median)
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "sigma", (math.log(self.p99) - mu) / _Z99)

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(self.mu, self.sigma)

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        if q == 0:
            return 0.0
        if q == 1:
            return math.inf
        return math.exp(self.mu + self.sigma * _STANDARD_NORMAL.inv_cdf(q))

    def cdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        if self.sigma == 0:
            return 1.0 if x >= self.median else 0.0
        return _STANDARD_NORMAL.cdf((math.log(x) - self.mu) / self.sigma)


@dataclass(frozen=True)
class Pareto:
    """A power-law tail starting at ``scale``: rare, very slow outliers (GC pauses, retries)."""

    scale: float
    shape: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _check_positive("scale", self.scale))
        object.__setattr__(self, "shape", _check_positive("shape", self.shape))

    def sample(self, rng: random.Random) -> float:
        return self.quantile(rng.random())

    def mean(self) -> float:
        if self.shape <= 1:
            return math.inf
        return self.shape * self.scale / (self.shape - 1)

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        if q == 1:
            return math.inf
        return self.scale * (1 - q) ** (-1 / self.shape)

    def cdf(self, x: float) -> float:
        return 0.0 if x < self.scale else 1 - (self.scale / x) ** self.shape


@dataclass(frozen=True)
class Mixture:
    """Pick a component by weight, then sample it: e.g. a fast path plus a Pareto slow path."""

    components: tuple[Any, ...]
    weights: tuple[float, ...]
    _cumulative: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        components = tuple(self.components)
        weights = tuple(_check_non_negative("weights", w) for w in self.weights)
        if not components:
            raise ValueError("components: a mixture needs at least one component")
        if len(components) != len(weights):
            raise ValueError(
                f"weights: expected one weight per component ({len(components)}), got {len(weights)}"
            )
        for index, component in enumerate(components):
            if not callable(getattr(component, "sample", None)):
                raise TypeError(f"components[{index}]: has no sample(rng) method")
        total = sum(weights)
        if total <= 0:
            raise ValueError("weights: must not all be zero")
        cumulative, running = [], 0.0
        for w in weights:
            running += w / total
            cumulative.append(running)
        cumulative[-1] = 1.0
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "weights", tuple(w / total for w in weights))
        object.__setattr__(self, "_cumulative", tuple(cumulative))

    def sample(self, rng: random.Random) -> float:
        index = bisect.bisect_right(self._cumulative, rng.random())
        return self.components[min(index, len(self.components) - 1)].sample(rng)

    def mean(self) -> float:
        return sum(
            w * _require(c, "mean")() for c, w in zip(self.components, self.weights, strict=True)
        )

    def cdf(self, x: float) -> float:
        return sum(
            w * _require(c, "cdf")(x) for c, w in zip(self.components, self.weights, strict=True)
        )

    def quantile(self, q: float) -> float:
        q = _check_quantile(q)
        hint = max(_require(c, "quantile")(0.5) for c in self.components)
        return _bisect_quantile(self.cdf, q, hint)


def _require(component: Any, method: str):
    bound = getattr(component, method, None)
    if bound is None:
        raise TypeError(f"components: {type(component).__name__} has no {method}()")
    return bound


class Empirical:
    """Replay measured delays: each sample is one of the recorded values, chosen uniformly."""

    def __init__(self, samples: Iterable[float]) -> None:
        values = sorted(_check_non_negative("samples", s) for s in samples)
        if not values:
            raise ValueError("samples: need at least one measured delay")
        self.samples: tuple[float, ...] = tuple(values)

    def __repr__(self) -> str:
        return f"Empirical(<{len(self.samples)} samples>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Empirical) and other.samples == self.samples

    def __hash__(self) -> int:
        return hash(self.samples)

    def sample(self, rng: random.Random) -> float:
        return self.samples[rng.randrange(len(self.samples))]

    def mean(self) -> float:
        return math.fsum(self.samples) / len(self.samples)

    def quantile(self, q: float) -> float:
        """The q-quantile with linear interpolation between order statistics."""
        q = _check_quantile(q)
        position = q * (len(self.samples) - 1)
        lower = math.floor(position)
        upper = min(lower + 1, len(self.samples) - 1)
        fraction = position - lower
        return self.samples[lower] + (self.samples[upper] - self.samples[lower]) * fraction

    def cdf(self, x: float) -> float:
        return bisect.bisect_right(self.samples, x) / len(self.samples)


_FACTORIES = {
    "constant": Constant,
    "normal": Normal,
    "folded_normal": FoldedNormal,
    "exponential": Exponential,
    "lognormal": LogNormal,
    "pareto": Pareto,
    "empirical": Empirical,
}


def latency(spec: Any) -> Latency:
    """Build a distribution from a short spec, so lessons can write delays as data.

    Accepted: a number of seconds (constant); an object with ``sample``; a sequence of
    measured delays (empirical); or a mapping ``{"dist": name, **parameters}`` with
    ``name`` one of constant, normal, folded_normal, exponential, lognormal, pareto,
    empirical, mixture (``{"dist": "mixture", "components": [(weight, spec), ...]}``).
    """
    if callable(getattr(spec, "sample", None)):
        return spec
    if isinstance(spec, bool):
        raise TypeError("spec: expected seconds, a distribution or a mapping, got a bool")
    if isinstance(spec, (int, float)):
        return Constant(spec)
    if isinstance(spec, Mapping):
        params = dict(spec)
        name = params.pop("dist", None)
        if name == "mixture":
            pairs = params.pop("components", None)
            if params:
                raise ValueError(f"spec: unexpected keys for mixture: {sorted(params)}")
            if (
                not isinstance(pairs, Sequence)
                or not pairs
                or not all(isinstance(p, Sequence) and len(p) == 2 for p in pairs)
            ):
                raise ValueError("components: a mixture needs a list of (weight, spec) pairs")
            return Mixture(tuple(latency(s) for _, s in pairs), tuple(w for w, _ in pairs))
        if name not in _FACTORIES:
            known = ", ".join(sorted([*_FACTORIES, "mixture"]))
            raise ValueError(f"dist: unknown distribution {name!r} (known: {known})")
        try:
            return _FACTORIES[name](**params)
        except TypeError as error:
            raise ValueError(f"spec: bad parameters for {name!r}: {error}") from None
    if isinstance(spec, Iterable) and not isinstance(spec, (str, bytes)):
        return Empirical(spec)
    raise TypeError(
        f"spec: expected seconds, a distribution or a mapping, got {type(spec).__name__}"
    )
