"""Regular expressions of JSONPath filters (``=~``), matched without backtracking.

Python's ``re`` backtracks: ``/(a+)+b/`` against thirty ``a`` and a ``c`` takes minutes,
and a definition plus an input could freeze a lesson. This matcher reads the pattern
with ``re``'s own parser and runs it as a set of positions that advance together (as a
Thompson automaton does), so a match costs about the length of the text times the size
of the pattern, whatever the pattern. It gives ``re.fullmatch``'s answer; the few
constructs that cannot run this way (backreferences, atomic groups, possessive
quantifiers, inline flags on a group) are left to ``re``.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

try:  # the parser behind re.compile (private; named sre_parse before Python 3.11)
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}
_ANCHORS = {
    C.AT_BEGINNING, C.AT_BEGINNING_STRING, C.AT_END, C.AT_END_STRING,
    C.AT_BOUNDARY, C.AT_NON_BOUNDARY,
}  # fmt: skip
_SUPPORTED = {
    C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN, C.AT, C.SUBPATTERN, C.BRANCH,
    C.MAX_REPEAT, C.MIN_REPEAT, C.ASSERT, C.ASSERT_NOT,
}  # fmt: skip


_ONE_CHAR = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN}


class _Unsupported(Exception):
    """A construct the position-set matcher does not run."""


class Pattern:
    """A compiled pattern with ``fullmatch(text) -> bool``, linear where it can be."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.compiled = re.compile(pattern, flags)  # raises re.error for a bad pattern
        try:
            tree = P.parse(pattern, flags)
            self.flags = tree.state.flags
            self.tree = self._prepare(list(tree))
        except (_Unsupported, re.error, AttributeError):
            self.tree = None

    def fullmatch(self, text: str) -> bool:
        if self.tree is None:
            return self.compiled.fullmatch(text) is not None
        run = copy.copy(self)  # one match's memory of character runs, its own
        run._ends = {}
        return len(text) in run._run(self.tree, {0}, text)

    # -- preparing the tree: check every node, compile character classes once -----------
    def _prepare(self, seq: list) -> list:
        out = []
        for op, av in seq:
            if op not in _SUPPORTED:
                raise _Unsupported(op)
            if op == C.IN:
                av = self._char_class(av)
            elif op in (C.LITERAL, C.NOT_LITERAL) and self.flags & re.IGNORECASE:
                negate = "^" if op == C.NOT_LITERAL else ""  # re's own case folding
                op, av = C.IN, re.compile(f"[{negate}{re.escape(chr(av))}]", self.flags)
            elif op == C.AT and av not in _ANCHORS:
                raise _Unsupported(av)
            elif op == C.SUBPATTERN:
                if av[1] or av[2]:  # flags switched on or off inside the pattern
                    raise _Unsupported(op)
                op, av = C.BRANCH, (None, [self._prepare(list(av[3]))])
            elif op == C.BRANCH:
                av = (None, [self._prepare(list(alt)) for alt in av[1]])
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                av = (av[0], av[1], self._prepare(list(av[2])))
            elif op in (C.ASSERT, C.ASSERT_NOT):
                width = av[1].getwidth()
                if av[0] < 0 and width[0] != width[1]:
                    raise _Unsupported(op)
                av = (av[0], width[0], self._prepare(list(av[1])))
            out.append((op, av))
        return out

    def _char_class(self, items: list) -> re.Pattern:
        parts = []
        for op, av in items:
            if op == C.NEGATE:
                parts.append("^")
            elif op == C.LITERAL:
                parts.append(re.escape(chr(av)))
            elif op == C.RANGE:
                parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
            elif op == C.CATEGORY and av in _CATEGORIES:
                parts.append(_CATEGORIES[av])
            else:
                raise _Unsupported(op)
        return re.compile("[" + "".join(parts) + "]", self.flags)

    # -- running: the set of positions the pattern so far can have reached ---------------
    def _run(self, seq: list, positions: set, text: str) -> set:
        for op, av in seq:
            if not positions:
                break
            positions = self._step(op, av, positions, text)
        return positions

    def _step(self, op: Any, av: Any, positions: set, text: str) -> set:
        n = len(text)
        if op in _ONE_CHAR:
            return {p + 1 for p in positions if p < n and self._one(op, av, text, p)}
        if op == C.AT:
            return {p for p in positions if self._at(av, p, text)}
        if op == C.BRANCH:
            reached: set = set()
            for alternative in av[1]:
                reached |= self._run(alternative, set(positions), text)
            return reached
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            return self._repeat(av, positions, text)
        direction, width, inner = av
        kept = set()
        for p in positions:
            if direction > 0:
                found = bool(self._run(inner, {p}, text))
            else:
                found = p >= width and p in self._run(inner, {p - width}, text)
            if found == (op == C.ASSERT):
                kept.add(p)
        return kept

    def _one(self, op: Any, av: Any, text: str, p: int) -> bool:
        """Whether the one-character node ``op`` matches ``text[p]``."""
        if op == C.LITERAL:
            return text[p] == chr(av)
        if op == C.NOT_LITERAL:
            return text[p] != chr(av)
        if op == C.ANY:
            return bool(self.flags & re.DOTALL) or text[p] != "\n"
        return av.match(text, p) is not None

    def _repeat(self, av: Any, positions: set, text: str) -> set:
        """``inner{low,high}``: each position is expanded once, the first time it is
        reached (then with the most repetitions left), so the loop ends."""
        low, high, inner = av
        if len(inner) == 1 and inner[0][0] in _ONE_CHAR:
            return self._repeat_one(low, high, inner[0], positions, text)
        for _ in range(low):
            positions = self._run(inner, positions, text)
            if not positions:
                return positions
        reached, frontier, count = set(positions), set(positions), low
        while frontier and (high == C.MAXREPEAT or count < high):
            frontier = self._run(inner, frontier, text) - reached
            reached |= frontier
            count += 1
        return reached

    def _repeat_one(self, low: int, high: int, node: tuple, positions: set, text: str) -> set:
        """A repeated single character (``.*``, ``[a-z]+``, ``\\d{1,3}``): from each start
        the run of matching characters is scanned once; the reachable ends are merged
        as intervals, so this costs about the length of the text."""
        # start -> first position the character does not match, kept for the whole match
        ends: dict[int, int] = self._ends.setdefault(id(node), {})

        def run_end(start: int) -> int:
            p = start
            while p < len(text) and p not in ends and self._one(*node, text, p):
                p += 1
            end = ends.get(p, p)
            for q in range(start, p):
                ends[q] = end
            ends[start] = end
            return end

        intervals = sorted(
            (s + low, min(s + high, run_end(s)) if high != C.MAXREPEAT else run_end(s))
            for s in positions
        )
        reached: set = set()
        last = -1
        for first, final in intervals:
            first = max(first, last + 1)
            if first <= final:
                reached.update(range(first, final + 1))
                last = final
        return reached

    def _at(self, where: Any, p: int, text: str) -> bool:
        n, multiline = len(text), self.flags & re.MULTILINE
        if where == C.AT_BEGINNING:
            return p == 0 or bool(multiline and text[p - 1] == "\n")
        if where == C.AT_BEGINNING_STRING:
            return p == 0
        if where == C.AT_END:
            return (
                p == n
                or (p == n - 1 and text[p] == "\n")
                or bool(multiline and p < n and text[p] == "\n")
            )
        if where == C.AT_END_STRING:
            return p == n
        before = p > 0 and _is_word(text[p - 1])
        after = p < n and _is_word(text[p])
        if where == C.AT_BOUNDARY:
            return before != after
        if where == C.AT_NON_BOUNDARY:  # an empty text too, as in Java (and re since 3.14)
            return before == after
        raise _Unsupported(where)  # pragma: no cover


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


@lru_cache(maxsize=256)
def compile_pattern(pattern: str, flags: int = 0) -> Pattern:
    """A :class:`Pattern` (raises ``re.error`` for a pattern Python cannot read)."""
    return Pattern(pattern, flags)
