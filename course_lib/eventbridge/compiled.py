"""Match one event against many rules at once, at a cost set by the event, not the rule count.

All rules are compiled into one index keyed by flattened field path (the idea behind
aws/event-ruler, which walks a state machine over the event's sorted field paths). For
each leaf of the event, the index for that leaf's path answers "which sub-rules does
this value wake up?" with hash lookups: exact values, prefixes and suffixes by length,
lower-cased values, CIDR blocks by mask length, wildcards by their literal prefix, numeric
ranges by binary search over their end points. Only the sub-rules woken that way (and
those that can match on absent fields alone) are then checked in full, by the reference
matcher's own check, so the two cannot disagree on what a sub-rule means.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from course_lib.eventbridge.flatten import PathTrie, flatten_event, path_trie
from course_lib.eventbridge.pattern_language import (
    CompiledPattern,
    Subrule,
    compile_pattern,
    wildcard_tokens,
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
    value_key,
)
from course_lib.eventbridge.reference import subrule_matches


class _AffixIndex:
    """Strings indexed by their exact text; probed with the value's prefixes or suffixes."""

    def __init__(self, *, from_end: bool) -> None:
        self.from_end = from_end
        self.by_text: dict[str, list[int]] = {}
        self.lengths: list[int] = []

    def add(self, text: str, subrule: int) -> None:
        if text not in self.by_text:
            self.by_text[text] = []
            self.lengths = sorted({*self.lengths, len(text)})
        self.by_text[text].append(subrule)

    def probe(self, value: str) -> Iterable[int]:
        for length in self.lengths:
            if length > len(value):
                break
            piece = value[len(value) - length :] if self.from_end else value[:length]
            yield from self.by_text.get(piece, ())


class _NumericIndex:
    """Numeric ranges; a value finds its elementary interval between range end points."""

    def __init__(self) -> None:
        self.ranges: list[tuple[Numeric, int]] = []
        self.points: list[Decimal] = []
        self.regions: dict[int, list[int]] = {}

    def add(self, predicate: Numeric, subrule: int) -> None:
        self.ranges.append((predicate, subrule))
        ends = {p for p in (predicate.low, predicate.high) if p is not None}
        self.points = sorted(set(self.points) | ends)
        self.regions.clear()

    def probe(self, number: Decimal) -> list[int]:
        index = bisect.bisect_left(self.points, number)
        on_point = index < len(self.points) and self.points[index] == number
        region = 2 * index + 1 if on_point else 2 * index
        subrules = self.regions.get(region)
        if subrules is None:
            subrules = [s for predicate, s in self.ranges if predicate.contains(number)]
            self.regions[region] = subrules
        return subrules


@dataclass
class _PathIndex:
    """Everything the rules test on one field path.

    ``only_exact_strings`` stays True while every predicate is an exact string, the common
    case, which the matcher then answers with a single dictionary lookup.
    """

    exact_strings: dict[str, list[int]]
    exact: dict[tuple, list[int]]
    equals_ignore_case: dict[str, list[int]]
    prefix: _AffixIndex
    prefix_ignore_case: _AffixIndex
    suffix: _AffixIndex
    suffix_ignore_case: _AffixIndex
    wildcards: dict[str, list[tuple[Wildcard, int]]]
    wildcard_head_lengths: list[int]
    numeric: _NumericIndex
    cidr: dict[tuple[int, int], dict[int, list[int]]]
    exists: list[int]
    anything_but: list[tuple[AnythingBut, int]]
    only_exact_strings: bool = True

    @classmethod
    def empty(cls) -> _PathIndex:
        return cls(
            exact_strings={},
            exact={},
            equals_ignore_case={},
            prefix=_AffixIndex(from_end=False),
            prefix_ignore_case=_AffixIndex(from_end=False),
            suffix=_AffixIndex(from_end=True),
            suffix_ignore_case=_AffixIndex(from_end=True),
            wildcards={},
            wildcard_head_lengths=[],
            numeric=_NumericIndex(),
            cidr={},
            exists=[],
            anything_but=[],
        )

    def add(self, predicate: Predicate, subrule: int) -> None:
        if isinstance(predicate, Exact) and predicate.key[0] == "s":
            self.exact_strings.setdefault(predicate.key[1], []).append(subrule)
            return
        self.only_exact_strings = False
        if isinstance(predicate, Exact):
            self.exact.setdefault(predicate.key, []).append(subrule)
        elif isinstance(predicate, EqualsIgnoreCase):
            self.equals_ignore_case.setdefault(predicate.text.lower(), []).append(subrule)
        elif isinstance(predicate, Prefix):
            if predicate.ignore_case:
                self.prefix_ignore_case.add(predicate.text.lower(), subrule)
            else:
                self.prefix.add(predicate.text, subrule)
        elif isinstance(predicate, Suffix):
            if predicate.ignore_case:
                self.suffix_ignore_case.add(predicate.text.lower(), subrule)
            else:
                self.suffix.add(predicate.text, subrule)
        elif isinstance(predicate, Wildcard):
            head = _literal_head(predicate.text)
            if head not in self.wildcards:
                self.wildcards[head] = []
                self.wildcard_head_lengths = sorted({*self.wildcard_head_lengths, len(head)})
            self.wildcards[head].append((predicate, subrule))
        elif isinstance(predicate, Numeric):
            self.numeric.add(predicate, subrule)
        elif isinstance(predicate, Cidr):
            network = predicate.network
            blocks = self.cidr.setdefault((network.version, network.prefixlen), {})
            blocks.setdefault(int(network.network_address), []).append(subrule)
        elif isinstance(predicate, Exists):
            self.exists.append(subrule)
        elif isinstance(predicate, AnythingBut):
            self.anything_but.append((predicate, subrule))
        else:  # pragma: no cover - the pattern compiler produces no other predicate
            raise TypeError(f"unknown predicate {predicate!r}")

    def probe(self, value: Any) -> list[int]:
        """The sub-rules (ids) whose anchor predicates ``value`` satisfies on this path."""
        found: list[int] = list(self.exists)
        if isinstance(value, str):
            found.extend(self.exact_strings.get(value, ()))
            self._probe_string(value, found)
        elif self.exact:
            found.extend(self.exact.get(value_key(value), ()))
        if self.numeric.ranges and is_number(value):
            number = comparable_number(value)
            if number is not None:
                found.extend(self.numeric.probe(number))
        for predicate, subrule in self.anything_but:
            if not predicate.excludes(value):
                found.append(subrule)
        return found

    def _probe_string(self, value: str, found: list[int]) -> None:
        if self.prefix.by_text:
            found.extend(self.prefix.probe(value))
        if self.suffix.by_text:
            found.extend(self.suffix.probe(value))
        if (
            self.equals_ignore_case
            or self.prefix_ignore_case.by_text
            or self.suffix_ignore_case.by_text
        ):
            lowered = value.lower()
            found.extend(self.equals_ignore_case.get(lowered, ()))
            found.extend(self.prefix_ignore_case.probe(lowered))
            found.extend(self.suffix_ignore_case.probe(lowered))
        for length in self.wildcard_head_lengths:
            if length > len(value):
                break
            for predicate, subrule in self.wildcards.get(value[:length], ()):
                if predicate.regex.fullmatch(value) is not None:
                    found.append(subrule)
        if self.cidr:
            address = parse_ip(value)
            if address is not None:
                self._probe_address(address, found)

    def _probe_address(
        self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, found: list[int]
    ) -> None:
        number = int(address)
        for (version, prefixlen), blocks in self.cidr.items():
            if version != address.version:
                continue
            host_bits = address.max_prefixlen - prefixlen
            found.extend(blocks.get((number >> host_bits) << host_bits, ()))


def _literal_head(text: str) -> str:
    """The literal characters a wildcard pattern starts with, up to its first ``*``."""
    head = []
    for token in wildcard_tokens(text):
        if token is None:
            break
        head.append(token)
    return "".join(head)


#: Anchor cost of predicates that match most values: chosen only when nothing else is left.
UNSELECTIVE = 1_000_000


def _predicate_cost(predicate: Predicate, path: str, usage: Counter) -> int:
    """How many sub-rules a hit on this predicate would wake up (lower is more selective)."""
    if isinstance(predicate, Exists | AnythingBut):
        return UNSELECTIVE
    return usage[(path, predicate)]


class PatternMatcher:
    """Many named rules compiled together; ``matching(event)`` lists the rules that match.

    Each sub-rule is indexed under one *anchor* field, the one whose predicates the fewest
    other sub-rules share, so a value common to many rules (a popular ``source``) does not
    wake them all up. A sub-rule woken by its anchor is then checked in full.

    >>> m = PatternMatcher({"orders": {"source": ["pizza.orders"]}})
    >>> m.matching({"source": "pizza.orders"})
    ['orders']
    """

    def __init__(self, rules: Mapping[str, Any] | None = None) -> None:
        self._patterns: dict[str, CompiledPattern] = {}
        self._dirty = True
        self._paths: dict[str, _PathIndex] = {}
        self._subrules: list[tuple[str, Subrule]] = []
        self._absent_capable: list[int] = []
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
        self._paths = {}
        self._subrules = [
            (name, subrule)
            for name in sorted(self._patterns)
            for subrule in self._patterns[name].subrules
        ]
        usage: Counter = Counter(
            (field.path, predicate)
            for _, subrule in self._subrules
            for field in subrule.fields
            for predicate in set(field.predicates)
        )
        self._keep = path_trie(
            field.path for _, subrule in self._subrules for field in subrule.fields
        )
        self._absent_capable = []
        for subrule_id, (_, subrule) in enumerate(self._subrules):
            anchors = [field for field in subrule.fields if not field.allows_absent]
            if not anchors:
                self._absent_capable.append(subrule_id)
                continue
            anchor = min(
                anchors,
                key=lambda f: sum(_predicate_cost(p, f.path, usage) for p in f.predicates),
            )
            index = self._paths.get(anchor.path)
            if index is None:
                index = self._paths[anchor.path] = _PathIndex.empty()
            for predicate in anchor.predicates:
                index.add(predicate, subrule_id)
        self._dirty = False

    def matching(self, event: Mapping[str, Any] | str) -> list[str]:
        """Names of the rules whose pattern matches ``event`` (a dict or JSON text), sorted."""
        if self._dirty:
            self._rebuild()
        if isinstance(event, str | bytes):
            event = json.loads(event)
        flat = flatten_event(event, self._keep)  # type: ignore[arg-type]
        candidates: set[int] = set(self._absent_capable)
        paths = self._paths
        for path, values in flat.items():
            index = paths.get(path)
            if index is None:
                continue
            if index.only_exact_strings:
                table = index.exact_strings
                for value, _ in values:
                    if isinstance(value, str):
                        hit = table.get(value)
                        if hit:
                            candidates.update(hit)
            else:
                for value, _ in values:
                    candidates.update(index.probe(value))
        matched: set[str] = set()
        subrules = self._subrules
        for subrule_id in sorted(candidates):
            name, subrule = subrules[subrule_id]
            if name not in matched and subrule_matches(subrule, flat):
                matched.add(name)
        return sorted(matched)
