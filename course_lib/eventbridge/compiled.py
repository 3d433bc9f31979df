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
import math
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
            at = bisect.bisect_left(self.lengths, len(text))
            if at == len(self.lengths) or self.lengths[at] != len(text):
                self.lengths.insert(at, len(text))
        self.by_text[text].append(item)

    def probe(self, value: str) -> Iterable[Any]:
        size = len(value)
        for length in self.lengths:
            if length > size:
                break
            piece = value[size - length :] if self.from_end else value[:length]
            yield from self.by_text.get(piece, ())


class _WildcardIndex:
    """Wildcards under their most selective literal piece, so a value matches only the
    wildcards whose piece it contains. A piece is selective when few other wildcards share
    it (then long). A leading piece is looked up among the value's prefixes, a trailing one
    among its suffixes, a middle one among its substrings of that length; the few
    wildcards found are then matched in linear time."""

    def __init__(self) -> None:
        self.pending: list[tuple[Wildcard, Any]] = []
        self.entries: list[tuple[Wildcard, Any]] = []

    def add(self, wildcard: Wildcard, item: Any) -> None:
        self.pending.append((wildcard, item))

    def _organize(self) -> None:
        self.entries += self.pending
        self.pending = []
        self.heads = _AffixIndex(from_end=False)
        self.tails = _AffixIndex(from_end=True)
        self.middles: dict[str, list[tuple[Wildcard, Any]]] = {}
        self.middle_lengths: list[int] = []
        self.unanchored: list[tuple[Wildcard, Any]] = []
        sharing: dict[str, int] = {}
        for wildcard, _ in self.entries:
            for piece in set(wildcard.pieces):
                sharing[piece] = sharing.get(piece, 0) + 1
        for wildcard, item in self.entries:
            pieces = wildcard.pieces
            best = min(
                range(len(pieces)),
                key=lambda i: (not pieces[i], sharing[pieces[i]], -len(pieces[i])),
            )
            piece = pieces[best]
            if not piece:
                self.unanchored.append((wildcard, item))
            elif best == 0:
                self.heads.add(piece, (wildcard, item))
            elif best == len(pieces) - 1:
                self.tails.add(piece, (wildcard, item))
            else:
                if len(piece) not in self.middle_lengths:
                    bisect.insort(self.middle_lengths, len(piece))
                self.middles.setdefault(piece, []).append((wildcard, item))

    def probe(self, value: str) -> Iterable[Any]:
        if self.pending:
            self._organize()
        sources: list[Iterable[tuple[Wildcard, Any]]] = [self.unanchored]
        if self.heads.lengths:
            sources.append(self.heads.probe(value))
        if self.tails.lengths:
            sources.append(self.tails.probe(value))
        if self.middle_lengths:
            sources.append(self._middles(value))
        for source in sources:
            for wildcard, item in source:
                if pieces_match(wildcard.pieces, value):
                    yield item

    def _middles(self, value: str) -> Iterable[tuple[Wildcard, Any]]:
        seen: set[str] = set()
        middles = self.middles
        for length in self.middle_lengths:
            for start in range(len(value) - length + 1):
                piece = value[start : start + length]
                if piece in middles and piece not in seen:
                    seen.add(piece)
                    yield from middles[piece]


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
        self.has_wildcards = False
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
        self.has_but_wildcards = False

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
            self.has_wildcards = True
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
            self.has_but_wildcards = True

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
                if self.prefix_lower.lengths:
                    found.extend(self.prefix_lower.probe(lowered))
                if self.suffix_lower.lengths:
                    found.extend(self.suffix_lower.probe(lowered))
            if self.has_wildcards:
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
            if self.has_but_wildcards:
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
        # Paths whose rules only list exact strings (the common case) skip the index:
        self.exact_only: dict[str, Contribution] | None = None
        # Whether any predicate needs the value index (not only exists / anything-but):
        self.indexed = True


class _Node:
    """One step of the paths rules use: its children by key, and the plan if a path ends here."""

    __slots__ = ("children", "plan")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.plan: _PathPlan | None = None

    def descend(self, dotted_key: str) -> _Node | None:
        """The node a key containing dots leads to (``"a.b"`` means the steps a, then b)."""
        node: _Node | None = self
        for step in dotted_key.split("."):
            node = node.children.get(step) if node is not None else None
        return node


class PatternMatcher:
    """Many named rules compiled together; ``matching(event)`` lists the rules that match.

    >>> m = PatternMatcher({"orders": {"source": ["pizza.orders"]}})
    >>> m.matching({"source": "pizza.orders"})
    ['orders']
    """

    def __init__(self, rules: Mapping[str, Any] | None = None) -> None:
        self._patterns: dict[str, CompiledPattern] = {}
        self._dirty = True
        self._subrules: list[tuple[str, Subrule]] = []
        self._bit_names: list[str] = []
        self._one_subrule_each = True
        self._fill: list[int] = []
        self._absent: list[_PathPlan] = []
        self._keep: PathTrie = {}
        self._root = _Node()
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
        self._bit_names = [name for name, _ in self._subrules]
        self._one_subrule_each = len(self._subrules) == len(self._patterns)
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
        self._absent = [plan for plan in plans.values() if plan.absent_bits]
        self._keep = path_trie(plans)
        self._root = _Node()
        for path, plan in plans.items():
            node = self._root
            for step in path.split("."):
                node = node.children.setdefault(step, _Node())
            node.plan = plan
            index = plan.index
            plan.indexed = len(plan.ids) > len(plan.but_fields) + bool(plan.exists_bits)
            if not (
                plan.exists_bits
                or plan.but_all
                or index.exact_other
                or index.uses_lower
                or index.prefix.lengths
                or index.suffix.lengths
                or index.has_wildcards
                or index.numeric.ranges
                or index.cidr
            ):
                plan.exact_only = {
                    text: plan.predicate_bits[pid] for text, pid in index.exact_strings.items()
                }
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
        found, in_arrays = _collect(event, self._root)
        slots = list(self._fill)
        once = twice = 0
        for plan, values in found.items():
            if plan in in_arrays or len(values) > 1:
                twice |= once & plan.subrules
                once |= plan.subrules
            exact_only = plan.exact_only
            if exact_only is not None:
                for value in values:
                    if type(value) is str:
                        bits = exact_only.get(value)
                        if bits:
                            for slot, mask in bits:
                                slots[slot] |= mask
            else:
                _set_bits(plan, values, slots)
        for plan in self._absent:
            if plan not in found:
                for slot, mask in plan.absent_bits:
                    slots[slot] |= mask
        matched = slots[0]
        for mask in slots[1:]:
            matched &= mask
        return self._names(matched, twice, event)

    def _names(self, matched: int, in_arrays_twice: int, event: Mapping[str, Any]) -> list[str]:
        """The rule names of the matched sub-rules (their bits), in order, each once.

        Sub-rules that combine two or more fields found inside arrays are confirmed by the
        reference check of array consistency, on the event flattened once for them all.
        """
        if not matched & in_arrays_twice:
            bit_names = self._bit_names
            names = [bit_names[bit] for bit in _bits(matched)]
            return names if self._one_subrule_each else list(dict.fromkeys(names))
        names = []
        subrules = self._subrules
        flat: FlatEvent | None = None
        for bit in _bits(matched):
            name, subrule = subrules[bit]
            if names and names[-1] == name:
                continue
            if in_arrays_twice >> bit & 1:
                if flat is None:
                    flat = flatten_event(dict(event), self._keep)
                if not subrule_matches(subrule, flat):
                    continue
            names.append(name)
        return names


_BYTE_BITS = [tuple(i for i in range(8) if byte >> i & 1) for byte in range(256)]


def _bits(number: int) -> list[int]:
    """The positions of the set bits of ``number``, lowest first."""
    if number.bit_count() <= 16:
        out = []
        while number:
            low = number & -number
            out.append(low.bit_length() - 1)
            number ^= low
        return out
    data = number.to_bytes((number.bit_length() + 7) // 8, "little")
    return [8 * at + i for at, byte in enumerate(data) if byte for i in _BYTE_BITS[byte]]


def _collect(event: Mapping[str, Any], root: _Node) -> tuple[dict[_PathPlan, list], set]:
    """The event's leaf values on the paths rules use, by plan, and the plans seen in arrays.

    Subtrees no rule looks at are skipped; leaves that are not JSON values raise
    :class:`InvalidEvent`. An explicit stack keeps deep nesting out of Python's recursion.
    """
    found: dict[_PathPlan, list] = {}
    in_arrays: set[_PathPlan] = set()
    stack: list[tuple[Any, _Node, bool]] = [(event, root, False)]
    while stack:
        node, step, in_array = stack.pop()
        kind = type(node)
        if kind is dict:
            children = step.children
            for key, value in node.items():
                child = children.get(key)
                if child is None:
                    if type(key) is not str:
                        raise InvalidEvent(f"Event has a key that is not a string: {key!r}")
                    if "." not in key:
                        continue
                    child = step.descend(key)
                    if child is None:
                        continue
                stack.append((value, child, in_array))
        elif kind is list or kind is tuple:
            stack.extend((element, step, True) for element in node)
        elif (
            kind is str
            or kind is int
            or kind is bool
            or node is None
            or (kind is float and math.isfinite(node))
        ):
            plan = step.plan
            if plan is None:
                continue
            values = found.get(plan)
            if values is None:
                found[plan] = [node]
            else:
                values.append(node)
            if in_array:
                in_arrays.add(plan)
        elif isinstance(node, Mapping):
            stack.append((dict(node), step, in_array))
        else:
            raise InvalidEvent(f"A field holds {node!r}, which is not a JSON value")
    return found, in_arrays


def _set_bits(plan: _PathPlan, values: list, slots: list[int]) -> None:
    """Set the bits of every predicate on ``plan``'s path that accepts one of ``values``."""
    index = plan.index
    bits_of = plan.predicate_bits
    for slot, mask in plan.exists_bits:
        slots[slot] |= mask
    if not plan.indexed and not plan.but_all:
        return
    for value in values:
        if plan.indexed:
            for pid in index.accepted(value):
                for slot, mask in bits_of[pid]:
                    slots[slot] |= mask
        if plan.but_all:
            _set_anything_but_bits(plan, index.excluded(value), slots)


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
