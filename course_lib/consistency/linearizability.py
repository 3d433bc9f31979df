"""Is this history linearizable? A checker for read/write/cas registers.

Linearizability (Herlihy & Wing, 1990) asks whether every operation can be given a
single instant between its call and its return so that, in that order, the
operations make sense for one atomic register. The search is the Wing & Gong
algorithm with Lowe's just-in-time linearization and memoization ("Testing for
linearizability", 2017): walk the calls and returns in time order, linearize a
pending call whenever the register allows it, backtrack when a return arrives for an
operation not yet linearized, and never revisit a (linearized set, register value)
configuration already explored. Keys are independent registers and linearizability
is local, so each key is checked on its own.

Real-time order: operation ``a`` precedes ``b`` when ``a`` returned at or before the
instant ``b`` was called; instantaneous operations at one instant keep their order in
the history. An operation that never returned may take effect at any time after its
call, or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from course_lib.consistency.history import Operation


@dataclass(frozen=True)
class LinearizabilityResult:
    """The verdict on a history.

    When linearizable, ``order`` lists every completed operation (and every pending
    one that had to take effect) in a valid linearization, key by key. Otherwise
    ``failed_operation`` is the operation the search could not place,
    ``partial_order`` the longest valid prefix it found for that key, and
    ``explanation`` says why in words.
    """

    linearizable: bool
    order: list[Operation] | None
    explanation: str
    key: Hashable = None
    failed_operation: Operation | None = None
    partial_order: list[Operation] = field(default_factory=list)
    explored: int = 0


def check_linearizability(
    history: Iterable[Operation], *, initial: Any = None
) -> LinearizabilityResult:
    """Check a register history; ``initial`` is every key's value before the first write."""
    operations = list(history)
    for index, op in enumerate(operations):
        if not isinstance(op, Operation):
            raise TypeError(
                f"history[{index}]: expected an Operation, got {type(op).__name__} "
                "(use operations_from_events for call/return lists)"
            )
    by_key: dict[Hashable, list[Operation]] = defaultdict(list)
    for op in operations:
        by_key[op.key].append(op)
    order: list[Operation] = []
    explored = 0
    for key in sorted(by_key, key=repr):
        result = _check_key(key, by_key[key], initial)
        explored += result.explored
        if not result.linearizable:
            return LinearizabilityResult(
                False,
                None,
                result.explanation,
                key,
                result.failed_operation,
                result.partial_order,
                explored,
            )
        order.extend(result.order or [])
    keys = len(by_key)
    return LinearizabilityResult(
        True,
        order,
        f"linearizable: {len(order)} operations on {keys} key{'s' if keys != 1 else ''} "
        "have a valid single order",
        explored=explored,
    )


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for a register value (dicts and lists become tuples)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: repr(item[0]))
        return ("__map__", tuple((k, _freeze(v)) for k, v in items))
    if isinstance(value, (list, tuple)):
        return ("__seq__", tuple(_freeze(v) for v in value))
    if isinstance(value, set):
        return ("__set__", frozenset(value))
    return value


def _step(state: Hashable, op: Operation) -> tuple[bool, Hashable]:
    """Apply ``op`` to a register holding ``state``: (allowed, next state)."""
    if op.kind == "write":
        return True, _freeze(op.value)
    if op.kind == "read":
        return _freeze(op.value) == state, state
    expected, new = op.value
    if op.ok:
        return (_freeze(expected) == state, _freeze(new))
    return _freeze(expected) != state, state


class _Entry:
    """A call or return in the doubly linked event list the search edits in place."""

    __slots__ = ("index", "is_call", "match", "next", "prev")

    def __init__(self, index: int, is_call: bool) -> None:
        self.index = index
        self.is_call = is_call
        self.match: _Entry | None = None
        self.prev: _Entry | None = None
        self.next: _Entry | None = None


def _event_list(operations: Sequence[Operation]) -> _Entry:
    """Build the time-ordered call/return list; returns its sentinel head.

    At equal times returns come before calls (the earlier operation finished first),
    except that an instantaneous operation's return directly follows its own call.
    Pending operations return after everything else.
    """
    keyed: list[tuple[tuple, _Entry]] = []
    for index, op in enumerate(operations):
        call, ret = _Entry(index, True), _Entry(index, False)
        call.match, ret.match = ret, call
        keyed.append(((op.invoke, 1, index, 0), call))
        if op.complete is None:
            keyed.append(((float("inf"), 0, index, 1), ret))
        elif op.complete == op.invoke:
            keyed.append(((op.invoke, 1, index, 1), ret))
        else:
            keyed.append(((op.complete, 0, index, 1), ret))
    keyed.sort(key=lambda pair: pair[0])
    head = _Entry(-1, True)
    previous = head
    for _, entry in keyed:
        previous.next, entry.prev = entry, previous
        previous = entry
    return head


def _lift(entry: _Entry) -> None:
    """Remove a call and its return from the list."""
    for node in (entry, entry.match):
        node.prev.next = node.next  # type: ignore[union-attr]
        if node.next is not None:
            node.next.prev = node.prev


def _unlift(entry: _Entry) -> None:
    """Put back a call and its return, in reverse order of removal."""
    for node in (entry.match, entry):
        node.prev.next = node  # type: ignore[union-attr]
        if node.next is not None:
            node.next.prev = node


def _check_key(key: Hashable, operations: list[Operation], initial: Any) -> LinearizabilityResult:
    head = _event_list(operations)
    state: Hashable = _freeze(initial)
    linearized = 0
    cache: set[tuple[int, Hashable]] = {(0, state)}
    stack: list[tuple[_Entry, Hashable]] = []
    best_depth, best_stack, best_state, blocked = -1, [], state, None
    entry = head.next
    while entry is not None:
        op = operations[entry.index]
        if entry.is_call:
            allowed, next_state = _step(state, op)
            if allowed:
                candidate = linearized | (1 << entry.index)
                if (candidate, next_state) not in cache:
                    cache.add((candidate, next_state))
                    stack.append((entry, state))
                    state, linearized = next_state, candidate
                    _lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
            continue
        if op.pending:
            break
        if len(stack) > best_depth:
            best_depth, best_stack, best_state, blocked = len(stack), list(stack), state, op
        if not stack:
            return _failure(key, operations, best_stack, best_state, blocked, len(cache))
        top, state = stack.pop()
        linearized &= ~(1 << top.index)
        _unlift(top)
        entry = top.next
    order = [operations[e.index] for e, _ in stack]
    return LinearizabilityResult(True, order, "linearizable", key, explored=len(cache))


def _failure(
    key: Hashable,
    operations: list[Operation],
    best_stack: list[tuple[_Entry, Hashable]],
    state: Hashable,
    blocked: Operation | None,
    explored: int,
) -> LinearizabilityResult:
    prefix = [operations[e.index] for e, _ in best_stack]
    assert blocked is not None
    shown = _thaw(state)
    if blocked.kind == "read":
        need = f"the register holds {shown!r}, but the read returned {blocked.value!r}"
    elif blocked.kind == "cas" and blocked.ok:
        need = f"the register holds {shown!r}, but the cas expected {blocked.value[0]!r}"
    elif blocked.kind == "cas":
        need = f"the register holds {shown!r}, the value the failed cas expected"
    else:
        need = "every place left for the write repeats an order already refuted"
    placed = len(prefix)
    explanation = (
        f"not linearizable on key {key!r}: {blocked.describe()} cannot be placed "
        f"before it returns. The longest valid order found places {placed} of "
        f"{len(operations)} operations; after that order {need}."
    )
    return LinearizabilityResult(False, None, explanation, key, blocked, prefix, explored)


def _thaw(state: Hashable) -> Any:
    """Undo :func:`_freeze` for display."""
    if isinstance(state, tuple) and len(state) == 2 and state[0] == "__seq__":
        return [_thaw(v) for v in state[1]]
    if isinstance(state, tuple) and len(state) == 2 and state[0] == "__map__":
        return {k: _thaw(v) for k, v in state[1]}
    if isinstance(state, tuple) and len(state) == 2 and state[0] == "__set__":
        return set(state[1])
    return state
