"""What every state family of the interpreter shares: where a state runs, what it saw,
how a stopped branch unwinds, and how a timer that lost its race leaves the clock."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import Any

import simpy

from course_lib.stepfunctions import errors
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.history import Thread
from course_lib.stepfunctions.integrations import MAX_JSON_DEPTH
from course_lib.stepfunctions.variables import Scope

JSONPATH = "JSONPath"
JSONATA = "JSONata"
TIMEOUT_ERRORS = (errors.TIMEOUT, errors.HEARTBEAT_TIMEOUT)


@dataclass
class Frame:
    """Where a state runs: its scope of variables, its history thread, its query language."""

    scope: Scope
    thread: Thread
    query_language: str


@dataclass
class StateVisit:
    """One state entered by an execution, with what it saw and what its work returned.

    ``outcome`` is the result (or the :class:`StatesError`) of a Task, Map or Parallel,
    None while it runs; ``retries`` is how often the retrier that met the last error
    had fired. TestState replays a visit stage by stage (``Execution.inspect``)."""

    name: str
    entered_event_id: int
    state: dict
    query_language: str
    input: Any
    variables: dict
    context: dict
    outcome: Any = None
    retries: int = 0


class Aborted(Exception):
    """Raised inside a branch or iteration that was stopped because a sibling failed."""


class LazyRandom:
    """The execution's seeded random stream, derived only if something draws from it."""

    def __init__(self, factory) -> None:
        self._factory = factory
        self._stream = None

    def __getattr__(self, name: str):
        if self._stream is None:
            self._stream = self._factory()
        return getattr(self._stream, name)


def cancel_timeout(env: simpy.Environment, timeout: simpy.Event) -> None:
    """Take a pending timeout that lost its race off the clock's queue.

    SimPy cannot cancel an event, and a stale timeout would still move the clock
    forward when the world runs on. Its queue is a heap of (time, priority, id, event).
    """
    queue = env._queue
    for index, entry in enumerate(queue):
        if entry[3] is timeout:
            queue[index] = queue[-1]
            queue.pop()
            heapq.heapify(queue)
            return


def error_details(err: StatesError) -> dict:
    """An error as history events record it: a timeout's empty cause is left out, as AWS does."""
    details = {"error": err.error}
    if err.cause is not None and (err.cause or err.error not in TIMEOUT_ERRORS):
        details["cause"] = err.cause
    return details


def internal_error(exc: BaseException) -> StatesError:
    """What an execution fails with when the engine itself raises: ``States.Runtime``,
    with the Python error in the cause so it can be reported."""
    if isinstance(exc, RecursionError):
        return StatesError(
            errors.RUNTIME,
            "The data nests too deeply for the local engine (it walks JSON recursively); "
            "keep values under 500 levels of nesting.",
        )
    try:
        message = str(exc)
    except Exception:
        message = "(unprintable)"
    return StatesError(
        errors.RUNTIME,
        f"The local engine failed on this definition ({type(exc).__name__}: {message[:500]}). "
        "This is a bug in course_lib.stepfunctions, not in the state machine; please report it.",
    )


#: Why a state whose output nests past the local engine's depth fails (States.Runtime).
DEEP_OUTPUT = (
    f"The output of the state nests deeper than {MAX_JSON_DEPTH} levels, "
    "more than the local engine handles."
)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels in JSON ``text``
    (brackets inside strings ignored). Counting brackets first keeps the common case
    to two C-speed scans."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False
