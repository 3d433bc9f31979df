"""Execution history in the shape of AWS GetExecutionHistory.

Every event has ``timestamp`` (virtual), ``type``, ``id`` and ``previousEventId``, plus
one ``...EventDetails`` dict. Parallel branches and Map iterations each keep their own
chain of ``previousEventId``, as on AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def details_key(event_type: str) -> str:
    """The name of the details field AWS uses for ``event_type``."""
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


class Thread:
    """One chain of events (the execution, a branch, an iteration): remembers its last id.

    ``child`` marks the events of a Distributed Map's child executions: on AWS each has
    a history of its own, so they do not count toward the parent's event quota."""

    __slots__ = ("child", "last_id")

    def __init__(self, last_id: int = 0, child: bool = False) -> None:
        self.last_id = last_id
        self.child = child

    def fork(self, *, child: bool = False) -> Thread:
        return Thread(self.last_id, self.child or child)


#: AWS keeps at most 25,000 events per execution: when event 25,000 would be anything but
#: the end of the execution, the execution fails instead (``States.Runtime``).
MAX_EVENTS = 25_000
LIMIT_CAUSE = f"The execution reached the maximum number of history events ({MAX_EVENTS})."
#: The events that end an execution; nothing is recorded after one of them.
TERMINAL_EVENTS = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
)


class History:
    """The event log of one execution.

    With ``limit``, the event that would take that number calls ``on_limit`` instead of
    being recorded (unless it ends the execution); ``on_limit`` ends the execution,
    which records its own last event, and raises.
    """

    def __init__(
        self,
        clock: Any,
        *,
        enabled: bool = True,
        limit: int | None = None,
        on_limit: Callable[[], None] | None = None,
        text_limit: int | None = None,
        on_text_limit: Callable[[], None] | None = None,
    ) -> None:
        self.events: list[dict] = []
        self._clock = clock
        self.enabled = enabled
        self.limit = limit
        self.on_limit = on_limit
        self.text_limit = text_limit
        self.on_text_limit = on_text_limit
        self.closed = False
        self.counted = 0  # events toward the quota (a Distributed Map's children are not)
        self.text = 0  # characters of data (inputs, outputs...) the events hold
        self._last_text: str | None = None
        self._next_id = 1

    @property
    def last_id(self) -> int:
        """The id of the newest event (0 before the first)."""
        return self._next_id - 1

    def add(self, event_type: str, thread: Thread, details: dict | None = None) -> int:
        """Append an event and return its id (nothing is added once the execution ended)."""
        if self.closed:
            return self.last_id
        event_id = self._next_id
        terminal = event_type in TERMINAL_EVENTS
        if details and not terminal and self.on_text_limit is not None:
            self._count_text(details)
        if not thread.child:
            if (
                self.limit is not None
                and self.counted + 1 >= self.limit
                and not terminal
                and self.on_limit is not None
            ):
                self.on_limit()
            self.counted += 1
        self._next_id += 1
        if self.enabled:
            event: dict[str, Any] = {
                "timestamp": self._clock(),
                "type": event_type,
                "id": event_id,
                "previousEventId": thread.last_id,
            }
            if details is not None:
                event[details_key(event_type)] = details
            self.events.append(event)
        thread.last_id = event_id
        if terminal:
            self.closed = True
        return event_id

    def _count_text(self, details: dict) -> None:
        """Add up the text an event keeps (a text the previous event kept too is shared,
        not copied) and call ``on_text_limit`` past ``text_limit``."""
        for value in details.values():
            if isinstance(value, str) and value is not self._last_text:
                self.text += len(value)
                if len(value) > 256:  # a document, not a state's name
                    self._last_text = value
        if self.text_limit is not None and self.text > self.text_limit:
            self.on_text_limit()
