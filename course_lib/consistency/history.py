"""Operation histories: what each client asked a register, when, and what it got back.

A history is the common language between the things that produce operations (the
replicated store, a hand-written textbook example) and the linearizability checker
that judges them. Times are virtual seconds for recorded histories and event
positions for call/return lists; only their order matters.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The register operations a history may contain.
OPERATION_KINDS = ("read", "write", "cas")


@dataclass(frozen=True)
class Operation:
    """One completed (or still pending) operation on one key of a register.

    ``value`` is what a write wrote, what a read returned, or the pair
    ``(expected, new)`` of a compare-and-set. ``ok`` is only meaningful for a cas:
    whether the swap happened. ``complete`` is ``None`` for an operation that never
    returned (its client crashed): it may or may not have taken effect.
    """

    process: Hashable
    kind: str
    key: Hashable
    value: Any
    invoke: float
    complete: float | None
    ok: bool = True
    replica: str | None = None
    consistent: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in OPERATION_KINDS:
            raise ValueError(f"kind: expected one of {OPERATION_KINDS}, got {self.kind!r}")
        if isinstance(self.invoke, bool) or not isinstance(self.invoke, (int, float)):
            raise TypeError(f"invoke: expected a number, got {type(self.invoke).__name__}")
        if not math.isfinite(self.invoke):
            raise ValueError(f"invoke: must be finite, got {self.invoke!r}")
        if self.complete is not None:
            if isinstance(self.complete, bool) or not isinstance(self.complete, (int, float)):
                raise TypeError(
                    f"complete: expected a number or None, got {type(self.complete).__name__}"
                )
            if not math.isfinite(self.complete) or self.complete < self.invoke:
                raise ValueError(
                    f"complete: must be finite and >= invoke ({self.invoke!r}), "
                    f"got {self.complete!r}"
                )
        if self.kind == "cas" and not (isinstance(self.value, tuple) and len(self.value) == 2):
            raise ValueError(f"value: a cas takes an (expected, new) pair, got {self.value!r}")
        if self.kind == "read" and self.complete is None:
            raise ValueError("complete: a read that never returned carries no value; drop it")

    @property
    def pending(self) -> bool:
        """True when the operation never returned."""
        return self.complete is None

    def describe(self) -> str:
        """A short human-readable form, e.g. ``read('x') -> 1 by p2 at follower-1 [3, 5]``."""
        end = "..." if self.complete is None else f"{self.complete:g}"
        if self.kind == "read":
            what = f"read({self.key!r}) -> {self.value!r}"
        elif self.kind == "write":
            what = f"write({self.key!r}, {self.value!r})"
        else:
            expected, new = self.value
            outcome = "ok" if self.ok else "failed"
            what = f"cas({self.key!r}, {expected!r} -> {new!r}) {outcome}"
        where = f" at {self.replica}" if self.replica else ""
        return f"{what} by {self.process}{where} [{self.invoke:g}, {end}]"


def operations_from_events(events: Iterable[Mapping[str, Any]]) -> list[Operation]:
    """Pair call and return events into operations; positions in the list are the times.

    Each event is a mapping with ``type`` (``"call"`` or ``"return"``), ``process``,
    ``op`` (``"read"``, ``"write"`` or ``"cas"``), optionally ``key`` (default ``None``)
    and ``value``: the value written on a write's call, the value read on a read's
    return, ``(expected, new)`` on a cas call and ``True``/``False`` on its return.
    A process has at most one outstanding call. Calls that never return stay pending.
    """
    open_calls: dict[Hashable, tuple[int, Mapping[str, Any]]] = {}
    operations: list[Operation] = []
    for position, event in enumerate(events):
        for field_name in ("type", "process", "op"):
            if field_name not in event:
                raise ValueError(f"events[{position}]: missing {field_name!r}")
        kind, process, op = event["type"], event["process"], event["op"]
        if kind == "call":
            if process in open_calls:
                raise ValueError(
                    f"events[{position}]: process {process!r} calls {op!r} while its "
                    f"call at position {open_calls[process][0]} has not returned"
                )
            open_calls[process] = (position, event)
        elif kind == "return":
            if process not in open_calls:
                raise ValueError(
                    f"events[{position}]: return for process {process!r} without a call"
                )
            start, call = open_calls.pop(process)
            if call["op"] != op:
                raise ValueError(
                    f"events[{position}]: process {process!r} returns {op!r} "
                    f"but called {call['op']!r}"
                )
            operations.append(_pair(call, event, start, position))
        else:
            raise ValueError(f"events[{position}]: type must be 'call' or 'return', got {kind!r}")
    for start, call in open_calls.values():
        if call["op"] != "read":
            operations.append(_pair(call, None, start, None))
    return operations


def _pair(
    call: Mapping[str, Any], ret: Mapping[str, Any] | None, start: int, end: int | None
) -> Operation:
    op = call["op"]
    key = call.get("key")
    if op == "read":
        value, ok = ret["value"], True  # type: ignore[index]
    elif op == "write":
        value, ok = call["value"], True
    else:
        value = tuple(call["value"])
        ok = True if ret is None else bool(ret["value"])
    return Operation(call["process"], op, key, value, start, end, ok=ok)
