"""Match one event against many rules at once, sharing every test between the rules.

The idea is Event Ruler's (aws/event-ruler), which compiles all rules into one machine so
that a test several rules share runs once. Here the sharing works in three layers:

1. **Predicates are interned per path.** The same CIDR, prefix or wildcard written in a
   hundred rules is one predicate. For each leaf value of the event, the path's index
   answers "which predicates accept this value?" with hash lookups: exact values,
   prefixes and suffixes by length, lower-cased text, CIDR blocks by mask length,
   wildcards by their literal head or tail, numeric ranges by binary search, and
   ``anything-but`` as "all of them except those this value excludes". Each distinct
   (path, predicate) is evaluated once per event value, whatever the rule count.
2. **Rules are bit sets.** A sub-rule (one ``$or`` branch of one rule) is a conjunction
   of fields; field number *j* of every sub-rule is its *slot j*. A predicate that
   accepts a value sets, for each slot, the bits of the sub-rules whose field in that
   slot contains it. A sub-rule matches when every slot's bit is set, one AND over
   Python integers for all sub-rules together.
3. **Arrays are checked only where they matter.** A sub-rule with two or more fields
   whose values sit inside arrays is confirmed by the reference matcher's own check
   (:func:`~course_lib.eventbridge.reference.subrule_matches`), so array consistency
   has one implementation.

The cost per event grows with the event's size and the number of matches, and only as
machine words (rules / 64) with the rule count. The reference matcher stays the oracle:
property tests check that both always agree.

Limits are the pattern language's (see :func:`~course_lib.eventbridge.test_event_pattern`);
an event given as text is parsed with :mod:`course_lib.strict_json`.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from course_lib.eventbridge.errors import InvalidEvent
from course_lib.eventbridge.flatten import FlatEvent, PathTrie, flatten_event, path_trie
from course_lib.eventbridge.pattern_language import (
    CompiledPattern,
    Field,
    Subrule,
    compile_pattern,
)
from course_lib.eventbridge.predicates import (
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Predicate,
    Prefix,
    Suffix,
    Wildcard,
    comparable_number,
    is_number,
    parse_ip,
    pieces_match,
    value_key,
)
from course_lib.eventbridge.reference import parse_event, subrule_matches

#: Bits to set, as (slot, mask) pairs: what one accepted predicate contributes.
Contribution = tuple[tuple[int, int], ...]


def _merge(contributions: Iterable[Contribution]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for contribution in contributions:
        for slot, mask in contribution:
            merged[slot] = merged.get(slot, 0) | mask
    return merged


class _AffixIndex:
    """Items under a text; probed with the value's prefixes (or suffixes) of every used length."""

    def __init__(self, *, from_end: bool) -> None:
        self.from_end = from_end
        self.by_text: dict[str, list[Any]] = {}
        self.lengths: list[int] = []

    def add(self, text: str, item: Any) -> None:
        if text not in self.by_text:
            self.by_text[text] = []
            bisect.insort(self.lengths, len(text))
        self.by_text[text].append(item)

    def probe(self, value: str) -> Iterable[Any]:
        size = len(value)
        for length in self.lengths:
            if length > size:
                break
            piece = value[size - length :] if self.from_end else value[:length]
            yield from self.by_text.get(piece, ())


class _WildcardIndex:
    """Wildcards under their longer literal end (head or tail); a value checks only those
    whose literal end it has, then matches them in linear time."""

    def __init__(self) -> None:
        self.heads = _AffixIndex(from_end=False)
        self.tails = _AffixIndex(from_end=True)
        self.unanchored: list[tuple[Wildcard, Any]] = []

    def add(self, wildcard: Wildcard, item: Any) -> None:
        head, tail = wildcard.pieces[0], wildcard.pieces[-1]
        if not head and not tail:
            self.unanchored.append((wildcard, item))
        elif len(head) >= len(tail):
            self.heads.add(head, (wildcard, item))
        else:
            self.tails.add(tail, (wildcard, item))

    def __bool__(self) -> bool:
        return bool(self.heads.by_text or self.tails.by_text or self.unanchored)

    def probe(self, value: str) -> Iterable[Any]:
        for source in (self.heads.probe(value), self.tails.probe(value), self.unanchored):
            for wildcard, item in source:
                if pieces_match(wildcard.pieces, value):
                    yield item


class _NumericIndex:
    """Numeric ranges; a number finds its elementary interval between all range end points."""

    def __init__(self) -> None:
        self.ranges: list[tuple[Numeric, int]] = []
        self.points: list[Decimal] = []
        self.regions: dict[int, list[int]] = {}

    def add(self, predicate: Numeric, predicate_id: int) -> None:
        self.ranges.append((predicate, predicate_id))
        for point in (predicate.low, predicate.high):
            if point is not None:
                index = bisect.bisect_left(self.points, point)
                if index == len(self.points) or self.points[index] != point:
                    self.points.insert(index, point)
        self.regions.clear()

    def probe(self, number: Decimal) -> list[int]:
        index = bisect.bisect_left(self.points, number)
        on_point = index < len(self.points) and self.points[index] == number
        region = 2 * index + 1 if on_point else 2 * index
        found = self.regions.get(region)
        if found is None:
            found = [p for predicate, p in self.ranges if predicate.contains(number)]
            self.regions[region] = found
        return found


class _PathIndex:
    """Every distinct predicate the rules apply on one path, indexed by what it accepts."""

    def __init__(self) -> None:
        self.exact_strings: dict[str, int] = {}
        self.exact_other: dict[tuple, int] = {}
        self.lower: dict[str, int] = {}
        self.prefix = _AffixIndex(from_end=False)
        self.prefix_lower = _AffixIndex(from_end=False)
        self.suffix = _AffixIndex(from_end=True)
        self.suffix_lower = _AffixIndex(from_end=True)
        self.wildcards = _WildcardIndex()
        self.numeric = _NumericIndex()
        self.cidr: dict[tuple[int, int], dict[int, int]] = {}
        self.uses_lower = False
        # anything-but: which predicates a value excludes
        self.but: list[int] = []
        self.but_values: dict[tuple, list[int]] = {}
        self.but_lower: dict[str, list[int]] = {}
        self.but_prefix = _AffixIndex(from_end=False)
        self.but_suffix = _AffixIndex(from_end=True)
        self.but_wildcards = _WildcardIndex()

    def add(self, predicate: Predicate, pid: int) -> None:
        if isinstance(predicate, Exact):
            if predicate.key[0] == "s":
                self.exact_strings[predicate.key[1]] = pid
            else:
                self.exact_other[predicate.key] = pid
        elif isinstance(predicate, EqualsIgnoreCase):
            self.lower[predicate.text.lower()] = pid
            self.uses_lower = True
        elif isinstance(predicate, Prefix | Suffix):
            lowered = predicate.ignore_case
            self.uses_lower |= lowered
            text = predicate.text.lower() if lowered else predicate.text
            if isinstance(predicate, Prefix):
                (self.prefix_lower if lowered else self.prefix).add(text, pid)
            else:
                (self.suffix_lower if lowered else self.suffix).add(text, pid)
        elif isinstance(predicate, Wildcard):
            self.wildcards.add(predicate, pid)
        elif isinstance(predicate, Numeric):
            self.numeric.add(predicate, pid)
        elif isinstance(predicate, Cidr):
            network = predicate.network
            blocks = self.cidr.setdefault((network.version, network.prefixlen), {})
            blocks[int(network.network_address)] = pid
        elif isinstance(predicate, AnythingBut):
            self._add_anything_but(predicate, pid)
        else:  # pragma: no cover - the pattern compiler produces no other predicate
            raise TypeError(f"unknown predicate {predicate!r}")

    def _add_anything_but(self, predicate: AnythingBut, pid: int) -> None:
        self.but.append(pid)
        for key in predicate.values:
            self.but_values.setdefault(key, []).append(pid)
        for text in predicate.ignore_case:
            self.but_lower.setdefault(text, []).append(pid)
            self.uses_lower = True
        for text in predicate.prefixes:
            self.but_prefix.add(text, pid)
        for text in predicate.suffixes:
            self.but_suffix.add(text, pid)
        for wildcard in predicate.wildcards:
            self.but_wildcards.add(wildcard, pid)

    def accepted(self, value: Any) -> list[int]:
        """The predicates (ids) on this path that accept ``value``, anything-but excluded."""
        found: list[int] = []
        if isinstance(value, str):
            pid = self.exact_strings.get(value)
            if pid is not None:
                found.append(pid)
            if self.prefix.lengths:
                found.extend(self.prefix.probe(value))
            if self.suffix.lengths:
                found.extend(self.suffix.probe(value))
            if self.uses_lower:
                lowered = value.lower()
                pid = self.lower.get(lowered)
                if pid is not None:
                    found.append(pid)
                found.extend(self.prefix_lower.probe(lowered))
                found.extend(self.suffix_lower.probe(lowered))
            if self.wildcards:
                found.extend(self.wildcards.probe(value))
            if self.cidr:
                address = parse_ip(value)
                if address is not None:
                    self._probe_address(address, found)
        else:
            if self.exact_other:
                pid = self.exact_other.get(value_key(value))
                if pid is not None:
                    found.append(pid)
            if self.numeric.ranges and is_number(value):
                number = comparable_number(value)
                if number is not None:
                    found.extend(self.numeric.probe(number))
        return found

    def excluded(self, value: Any) -> set[int]:
        """The anything-but predicates on this path that reject ``value``."""
        out: set[int] = set()
        if self.but_values:
            out.update(self.but_values.get(value_key(value), ()))
        if isinstance(value, str):
            if self.but_lower:
                out.update(self.but_lower.get(value.lower(), ()))
            if self.but_prefix.lengths:
                out.update(self.but_prefix.probe(value))
            if self.but_suffix.lengths:
                out.update(self.but_suffix.probe(value))
            if self.but_wildcards:
                out.update(self.but_wildcards.probe(value))
        return out

    def _probe_address(
        self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, found: list[int]
    ) -> None:
        number = int(address)
        for (version, prefixlen), blocks in self.cidr.items():
            if version == address.version:
                host_bits = address.max_prefixlen - prefixlen
                pid = blocks.get((number >> host_bits) << host_bits)
                if pid is not None:
                    found.append(pid)


class _PathPlan:
    """One path's index plus the bits its predicates and fields set."""

    def __init__(self) -> None:
        self.index = _PathIndex()
        self.ids: dict[Predicate, int] = {}  # each distinct predicate once
        self.predicate_bits: list[Contribution] = []  # by local predicate id
        self.exists_bits: Contribution = ()
        self.absent_bits: Contribution = ()
        self.but_all: dict[int, int] = {}
        self.but_fields: dict[int, list[tuple[frozenset[int], Contribution]]] = {}
        self.subrules = 0  # mask of sub-rules with a field on this path


class PatternMatcher:
    """Many named rules compiled together; ``matching(event)`` lists the rules that match.

    >>> m = PatternMatcher({"orders": {"source": ["pizza.orders"]}})
    >>> m.matching({"source": "pizza.orders"})
    ['orders']
    """

    def __init__(self, rules: Mapping[str, Any] | None = None) -> None:
        self._patterns: dict[str, CompiledPattern] = {}
        self._dirty = True
        self._plans: dict[str, _PathPlan] = {}
        self._subrules: list[tuple[str, Subrule]] = []
        self._fill: list[int] = []
        self._absent_paths: list[tuple[str, Contribution]] = []
        self._keep: PathTrie = {}
        for name, pattern in (rules or {}).items():
            self.add_rule(name, pattern)

    def add_rule(self, name: str, pattern: Any) -> None:
        """Add or replace rule ``name``. The pattern is validated now (InvalidEventPattern)."""
        if not isinstance(name, str) or not name:
            raise ValueError("rule name must be a non-empty string")
        compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
        self._patterns[name] = compiled
        self._dirty = True

    def remove_rule(self, name: str) -> None:
        """Remove rule ``name``; a clear KeyError when there is no such rule."""
        if name not in self._patterns:
            raise KeyError(f"no rule named {name!r}")
        del self._patterns[name]
        self._dirty = True

    def __contains__(self, name: object) -> bool:
        return name in self._patterns

    def __len__(self) -> int:
        return len(self._patterns)

    @property
    def rule_names(self) -> list[str]:
        return sorted(self._patterns)

    def _rebuild(self) -> None:
        self._subrules = [
            (name, subrule)
            for name in sorted(self._patterns)
            for subrule in self._patterns[name].subrules
        ]
        slots = max((len(s.fields) for _, s in self._subrules), default=0)
        # A sub-rule with fewer fields than a slot counts as satisfied in it.
        self._fill = [0] * slots
        field_bits: dict[tuple[str, Field], dict[int, int]] = {}
        plans: dict[str, _PathPlan] = {}
        for bit, (_, subrule) in enumerate(self._subrules):
            for slot in range(len(subrule.fields), slots):
                self._fill[slot] |= 1 << bit
            for slot, field in enumerate(subrule.fields):
                slot_bits = field_bits.setdefault((field.path, field), {})
                slot_bits[slot] = slot_bits.get(slot, 0) | (1 << bit)
                plan = plans.get(field.path)
                if plan is None:
                    plan = plans[field.path] = _PathPlan()
                plan.subrules |= 1 << bit
        for (path, field), slot_bits in field_bits.items():
            self._plan_field(plans[path], field, tuple(slot_bits.items()))
        self._plans = plans
        self._absent_paths = [(p, plan.absent_bits) for p, plan in plans.items() if plan.absent_bits]
        self._keep = path_trie(plans)
        self._dirty = False

    @staticmethod
    def _plan_field(plan: _PathPlan, field: Field, bits: Contribution) -> None:
        """Register one distinct field: its predicates (interned) and the bits it sets."""
        if field.allows_absent:
            plan.absent_bits = tuple(_merge([plan.absent_bits, bits]).items())
        buts = []
        for predicate in field.predicates:
            pid = plan.ids.get(predicate)
            if pid is None:
                pid = plan.ids[predicate] = len(plan.predicate_bits)
                plan.predicate_bits.append(())
                if not isinstance(predicate, Exists):
                    plan.index.add(predicate, pid)
            if isinstance(predicate, Exists):
                plan.exists_bits = tuple(_merge([plan.exists_bits, bits]).items())
            elif isinstance(predicate, AnythingBut):
                buts.append(pid)
            else:
                plan.predicate_bits[pid] = tuple(_merge([plan.predicate_bits[pid], bits]).items())
        if buts:
            for slot, mask in bits:
                plan.but_all[slot] = plan.but_all.get(slot, 0) | mask
            entry = (frozenset(buts), bits)
            for pid in buts:
                plan.but_fields.setdefault(pid, []).append(entry)

    def matching(self, event: Mapping[str, Any] | str | bytes) -> list[str]:
        """Names of the rules whose pattern matches ``event`` (a dict or JSON text), sorted.

        Raises :class:`InvalidEvent` for text that is not strict JSON and for leaves that
        are not JSON values (a datetime, a set, NaN) on a path some rule looks at.
        """
        if self._dirty:
            self._rebuild()
        if isinstance(event, str | bytes | bytearray):
            event = parse_event(event)
        if not isinstance(event, Mapping):
            raise InvalidEvent(f"Event must be a JSON object, got {type(event).__name__}")
        if not self._subrules:
            return []
        flat = flatten_event(event, self._keep)  # type: ignore[arg-type]
        slots = list(self._fill)
        in_arrays_once = in_arrays_twice = 0
        for path, values in flat.items():
            plan = self._plans.get(path)
            if plan is None:
                continue
            if len(values) > 1 or values[0][1]:
                in_arrays_twice |= in_arrays_once & plan.subrules
                in_arrays_once |= plan.subrules
            self._set_bits(plan, values, slots)
        for path, bits in self._absent_paths:
            if path not in flat:
                for slot, mask in bits:
                    slots[slot] |= mask
        matched = slots[0] if slots else 0
        for mask in slots[1:]:
            matched &= mask
        return self._names(matched, in_arrays_twice, flat)

    @staticmethod
    def _set_bits(plan: _PathPlan, values: list, slots: list[int]) -> None:
        index = plan.index
        bits_of = plan.predicate_bits
        for slot, mask in plan.exists_bits:
            slots[slot] |= mask
        for value, _ in values:
            for pid in index.accepted(value):
                for slot, mask in bits_of[pid]:
                    slots[slot] |= mask
            if plan.but_all:
                _set_anything_but_bits(plan, index.excluded(value), slots)

    def _names(self, matched: int, in_arrays_twice: int, flat: FlatEvent) -> list[str]:
        names: list[str] = []
        subrules = self._subrules
        while matched:
            low = matched & -matched
            bit = low.bit_length() - 1
            matched ^= low
            name, subrule = subrules[bit]
            if names and names[-1] == name:
                continue
            if low & in_arrays_twice and not subrule_matches(subrule, flat):
                continue
            names.append(name)
        return names


def _set_anything_but_bits(plan: _PathPlan, excluded: set[int], slots: list[int]) -> None:
    """Anything-but fields accept a value unless every anything-but they list excludes it."""
    if not excluded:
        for slot, mask in plan.but_all.items():
            slots[slot] |= mask
        return
    removed: dict[int, int] = {}
    for pid in excluded:
        for buts, bits in plan.but_fields.get(pid, ()):
            if buts <= excluded:
                for slot, mask in bits:
                    removed[slot] = removed.get(slot, 0) | mask
    for slot, mask in plan.but_all.items():
        slots[slot] |= mask & ~removed.get(slot, 0)
