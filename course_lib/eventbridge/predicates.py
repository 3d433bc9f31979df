"""The tests an event pattern applies to one leaf value of an event.

Each pattern operator (exact value, ``prefix``, ``numeric``, ``cidr``...) becomes one
immutable predicate. The reference matcher calls :meth:`Predicate.matches` on every leaf;
the compiled matcher indexes predicates by the keys defined here, so the two agree by
construction on what a single value matches.

Values follow AWS's typing: a string pattern never matches a number, numbers compare as
numbers (six decimal places, between -5e9 and 5e9 for ranges), ``null`` and booleans only
match themselves, and the string operators (prefix, suffix, wildcard, cidr...) only look
at strings.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FIVE_BILLION = Decimal(5_000_000_000)
SIX_PLACES = Decimal("0.000001")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_number(value: Any) -> bool:
    """True for JSON numbers (Python ints and floats, but not booleans)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def exact_decimal(value: int | float) -> Decimal | None:
    """The number as written in JSON (a float's shortest repr), or None when not finite."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    return Decimal(value)


def comparable_number(value: int | float) -> Decimal | None:
    """The number as AWS compares it: rounded to six decimals, None outside +/-5e9."""
    exact = exact_decimal(value)
    if exact is None or abs(exact) > FIVE_BILLION:
        return None
    return exact.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def value_key(value: Any) -> tuple:
    """A hashable key under which equal JSON values (AWS's notion of equal) coincide."""
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, bool):
        return ("b", value)
    if type(value) is int:
        return ("n", value)  # equal to, and hashed like, the Decimal key of the same number
    if is_number(value):
        number = comparable_number(value)
        if number is None:
            exact = exact_decimal(value)
            return ("n", exact) if exact is not None else ("x", repr(value))
        return ("n", number)
    raise TypeError(f"not a JSON leaf value: {type(value).__name__}")


def parse_ip(text: str) -> IPAddress | None:
    """The IP address a string spells in standard notation, or None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class Predicate:
    """One test on one leaf value. Subclasses are frozen dataclasses (hashable, comparable)."""

    def matches(self, value: Any) -> bool:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Exact(Predicate):
    """An exact value: a string, a number (compared as a number), ``null``, true or false."""

    key: tuple

    def matches(self, value: Any) -> bool:
        return value_key(value) == self.key


@dataclass(frozen=True)
class Prefix(Predicate):
    """``{"prefix": "..."}``, optionally ``{"prefix": {"equals-ignore-case": "..."}}``."""

    text: str
    ignore_case: bool = False

    def matches(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.lower().startswith(self.text.lower())
        return value.startswith(self.text)


@dataclass(frozen=True)
class Suffix(Predicate):
    """``{"suffix": "..."}``, optionally with ``equals-ignore-case``."""

    text: str
    ignore_case: bool = False

    def matches(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.lower().endswith(self.text.lower())
        return value.endswith(self.text)


@dataclass(frozen=True)
class EqualsIgnoreCase(Predicate):
    """``{"equals-ignore-case": "..."}``."""

    text: str

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and value.lower() == self.text.lower()


@dataclass(frozen=True)
class Wildcard(Predicate):
    """``{"wildcard": "..."}``: ``*`` matches any run of characters, ``\\*`` a literal star.

    ``pieces`` are the literal runs between the stars (so ``"a*b*"`` is ``("a", "b", "")``).
    Matching finds them left to right with ``str.find``, which takes time linear in the
    value for every pattern: no regular expression, so no backtracking.
    """

    text: str
    pieces: tuple[str, ...]

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and pieces_match(self.pieces, value)


def pieces_match(pieces: tuple[str, ...], value: str) -> bool:
    """Whether ``value`` is ``pieces`` joined by runs of any characters (a wildcard match).

    The first piece must start the value and the last must end it; each middle piece
    is taken at its leftmost place after the previous one, which is optimal because a
    star can absorb anything that an earlier match would have skipped.
    """
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return value == first
    if len(value) < len(first) + len(last):
        return False
    if not value.startswith(first) or not value.endswith(last):
        return False
    position, end = len(first), len(value) - len(last)
    for piece in pieces[1:-1]:
        found = value.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


@dataclass(frozen=True)
class Numeric(Predicate):
    """``{"numeric": [...]}``: a range with optional open or closed ends (None = unbounded)."""

    low: Decimal | None
    low_open: bool
    high: Decimal | None
    high_open: bool

    def contains(self, number: Decimal) -> bool:
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            return False
        return not (
            self.high is not None
            and (number > self.high or (self.high_open and number == self.high))
        )

    def matches(self, value: Any) -> bool:
        if not is_number(value):
            return False
        number = comparable_number(value)
        return number is not None and self.contains(number)


@dataclass(frozen=True)
class Cidr(Predicate):
    """``{"cidr": "10.0.0.0/24"}`` (IPv4 or IPv6); a string pattern that is an IP is a /32 or /128."""

    network: IPNetwork

    def matches(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        address = parse_ip(value)
        return (
            address is not None
            and address.version == self.network.version
            and address in self.network
        )


@dataclass(frozen=True)
class Exists(Predicate):
    """``{"exists": true}`` matches any leaf; ``false`` is decided by the field's absence."""

    present: bool

    def matches(self, value: Any) -> bool:
        return self.present


@dataclass(frozen=True)
class AnythingBut(Predicate):
    """``{"anything-but": ...}``: any leaf (null included) except the excluded values.

    ``values`` holds :func:`value_key` keys; ``ignore_case`` values, ``prefixes``,
    ``suffixes`` and ``wildcards`` only exclude strings.
    """

    values: frozenset = frozenset()
    ignore_case: frozenset = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    wildcards: tuple[Wildcard, ...] = ()

    def excludes(self, value: Any) -> bool:
        if value_key(value) in self.values:
            return True
        if not isinstance(value, str):
            return False
        if self.ignore_case and value.lower() in self.ignore_case:
            return True
        if any(value.startswith(p) for p in self.prefixes):
            return True
        if any(value.endswith(s) for s in self.suffixes):
            return True
        return any(w.matches(value) for w in self.wildcards)

    def matches(self, value: Any) -> bool:
        return not self.excludes(value)
