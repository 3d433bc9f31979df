"""Flatten an event into dotted field paths, remembering which array element each value sits in.

``{"detail": {"items": [{"sku": "a"}, {"sku": "b"}]}}`` becomes
``{"detail.items.sku": [("a", ((0, 0),)), ("b", ((0, 1),))]}``: every leaf value with its
*membership*, the (array number, element index) pairs on its way down. Two values can only
satisfy one sub-rule together when they agree on every array they share, which keeps fields
of different elements of one array from combining into a match (AWS's array consistency).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

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
    are skipped.
    """
    flat: FlatEvent = {}
    arrays = itertools.count()
    stack: list[tuple[Any, str, Membership, PathTrie | None]] = [(event, "", (), keep)]
    while stack:
        node, path, membership, trie = stack.pop()
        if type(node) is dict:
            for key, value in node.items():
                below = None
                if trie is not None:
                    below = trie.get(key)
                    if below is None:
                        if "." not in key:
                            continue
                        below = _descend(trie, key)
                        if below is None:
                            continue
                stack.append((value, f"{path}.{key}" if path else key, membership, below))
        elif isinstance(node, list | tuple):
            array = next(arrays)
            for index, element in enumerate(node):
                stack.append((element, path, (*membership, (array, index)), trie))
        elif isinstance(node, dict):
            stack.append((dict(node), path, membership, trie))
        else:
            flat.setdefault(path, []).append((node, membership))
    return flat


def _descend(trie: PathTrie, dotted_key: str) -> PathTrie | None:
    node: PathTrie | None = trie
    for segment in dotted_key.split("."):
        node = node.get(segment) if node is not None else None
    return node


def compatible(first: Membership, second: Membership) -> bool:
    """True when two values agree on the element of every array they both sit in."""
    if not first or not second:
        return True
    positions = dict(first)
    return all(positions.get(array, index) == index for array, index in second)


def consistent_choice(options: list[list[Membership]]) -> bool:
    """Whether one membership can be picked from each list so that all picks are compatible."""
    pending = [memberships for memberships in options if () not in memberships]
    pending.sort(key=len)
    chosen: list[Membership] = []

    def search(depth: int) -> bool:
        if depth == len(pending):
            return True
        for membership in pending[depth]:
            if all(compatible(membership, other) for other in chosen):
                chosen.append(membership)
                if search(depth + 1):
                    return True
                chosen.pop()
        return False

    return search(0)
