"""Flatten an event into dotted field paths, remembering which array element each value sits in.

``{"detail": {"items": [{"sku": "a"}, {"sku": "b"}]}}`` becomes
``{"detail.items.sku": [("a", ((0, 0),)), ("b", ((0, 1),))]}``: every leaf value with its
*membership*, the (array number, element index) pairs on its way down. Two values can only
satisfy one sub-rule together when they agree on every array they share, which keeps fields
of different elements of one array from combining into a match (AWS's array consistency).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from course_lib.eventbridge.errors import InvalidEvent

Membership = tuple[tuple[int, int], ...]
FlatEvent = dict[str, list[tuple[Any, Membership]]]


PathTrie = dict[str, "PathTrie"]


def path_trie(paths: Iterable[str]) -> PathTrie:
    """The dotted paths as a tree of their segments: where in an event any rule looks."""
    trie: PathTrie = {}
    for path in paths:
        node = trie
        for segment in path.split("."):
            node = node.setdefault(segment, {})
    return trie


def flatten_event(event: dict, keep: PathTrie | None = None) -> FlatEvent:
    """Every leaf of ``event`` under its dotted path (keys containing dots join the same way).

    With ``keep`` (a :func:`path_trie` of the paths rules use), subtrees no rule looks at
    are skipped. A leaf that is not JSON (a datetime, a set, NaN...) raises
    :class:`InvalidEvent` naming its path. The walk uses an explicit stack, so nesting
    depth costs memory, not Python recursion.
    """
    flat: FlatEvent = {}
    arrays = itertools.count()
    stack: list[tuple[Any, str | None, Membership, PathTrie | None]] = [(event, None, (), keep)]
    while stack:
        node, path, membership, trie = stack.pop()
        kind = type(node)
        if kind is dict:
            for key, value in node.items():
                if type(key) is not str:
                    raise InvalidEvent(f"Event has a key that is not a string: {key!r}")
                below = None
                if trie is not None:
                    below = trie.get(key)
                    if below is None:
                        if "." not in key:
                            continue
                        below = _descend(trie, key)
                        if below is None:
                            continue
                stack.append((value, key if path is None else f"{path}.{key}", membership, below))
        elif kind is list or kind is tuple:
            array = next(arrays)
            for index, element in enumerate(node):
                stack.append((element, path, (*membership, (array, index)), trie))
        elif (
            kind is str
            or kind is int
            or kind is bool
            or node is None
            or (kind is float and math.isfinite(node))
        ):
            flat.setdefault("" if path is None else path, []).append((node, membership))
        elif isinstance(node, Mapping):
            stack.append((dict(node), path, membership, trie))
        else:
            where = "the event" if path is None else f"field {path!r}"
            raise InvalidEvent(f"{where} holds {node!r}, which is not a JSON value")
    return flat


def _descend(trie: PathTrie, dotted_key: str) -> PathTrie | None:
    node: PathTrie | None = trie
    for segment in dotted_key.split("."):
        node = node.get(segment) if node is not None else None
    return node


#: How deeply arrays may nest around the values one sub-rule combines. The search below
#: descends one level per shared array; this bound keeps it inside Python's stack.
MAX_SHARED_ARRAY_NESTING = 150
#: How many ways to place fields that reach one path through two arrays are tried.
MAX_AMBIGUOUS_TRIALS = 10_000


def consistent_choice(options: list[list[Membership]]) -> bool:
    """Whether one membership can be picked from each list so that all picks are compatible.

    Arrays nest like the event, so the search follows them: fields whose values sit in
    different arrays at the same level never constrain each other, and fields that share
    an array must pick one element of it, where the same question repeats one level down
    with only the fields' values inside that element (pruning before descending). The
    work grows with the event's size times the pattern's fields, not exponentially.

    A field that reaches one path through two arrays (a dotted key such as ``"a.b"``
    beside a nested ``{"a": {"b": ...}}``) is tried in each, dropping a placement as soon
    as its array can no longer satisfy its fields; past :data:`MAX_AMBIGUOUS_TRIALS`
    placements the event is refused with :class:`InvalidEvent`.
    """
    fields = []
    for memberships in options:
        if not memberships:
            return False
        if () not in memberships:
            fields.append(memberships)
    if len(fields) < 2:
        return True
    if max(len(m) for memberships in fields for m in memberships) > MAX_SHARED_ARRAY_NESTING:
        raise InvalidEvent(
            f"Event nests arrays more than {MAX_SHARED_ARRAY_NESTING} deep around the fields "
            "one pattern combines; this engine does not match that deep"
        )
    groups: dict[int, list[dict[int, list[Membership]]]] = {}
    ambiguous: list[dict[int, dict[int, list[Membership]]]] = []
    for memberships in fields:
        by_array: dict[int, dict[int, list[Membership]]] = {}
        for membership in memberships:
            (array, index), rest = membership[0], membership[1:]
            by_array.setdefault(array, {}).setdefault(index, []).append(rest)
        if len(by_array) == 1:
            array, by_index = next(iter(by_array.items()))
            groups.setdefault(array, []).append(by_index)
        else:
            ambiguous.append(by_array)
    if not all(_one_array(members) for members in groups.values()):
        return False
    return _assign(groups, ambiguous, [MAX_AMBIGUOUS_TRIALS])


def _assign(
    groups: dict[int, list[dict[int, list[Membership]]]],
    ambiguous: list[dict[int, dict[int, list[Membership]]]],
    budget: list[int],
) -> bool:
    """Place each ambiguous field in one of its arrays; the groups given are feasible."""
    if not ambiguous:
        return True
    first, rest = ambiguous[0], ambiguous[1:]
    for array, by_index in first.items():
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidEvent(
                "Event repeats one path through several arrays (dotted keys beside nested "
                f"ones) in more than {MAX_AMBIGUOUS_TRIALS} combinations; write each path once"
            )
        trial = {key: list(members) for key, members in groups.items()}
        trial.setdefault(array, []).append(by_index)
        if _one_array(trial[array]) and _assign(trial, rest, budget):
            return True
    return False


def _one_array(members: list[dict[int, list[Membership]]]) -> bool:
    """Fields that sit in one array: is there an element that satisfies them together?"""
    if len(members) == 1:
        return True
    members = sorted(members, key=len)
    return any(
        all(index in member for member in members[1:])
        and consistent_choice([member[index] for member in members])
        for index in members[0]
    )
