"""The errors a state machine can raise, named as AWS names them.

A :class:`StatesError` travels through the interpreter until a Retry or Catch
handles it or the execution fails with its ``error`` and ``cause``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
EXCEED_TOLERATED_FAILURE = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"

#: Terminal errors: ``States.ALL`` neither retries nor catches them (they can still be named).
NOT_MATCHED_BY_ALL = frozenset({RUNTIME})

#: ``States.TaskFailed`` matches any known error except these.
NOT_MATCHED_BY_TASK_FAILED = frozenset({TIMEOUT, *NOT_MATCHED_BY_ALL})


class StatesError(Exception):
    """A runtime error inside an execution, with AWS's ``error`` name and ``cause`` text."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause

    def to_output(self) -> dict:
        """The error output a Catch passes on: ``{"Error", "Cause"}`` (Cause only when set)."""
        out = {"Error": self.error}
        if self.cause is not None:
            out["Cause"] = self.cause
        return out


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a definition, like an entry of ValidateStateMachineDefinition."""

    code: str
    location: str
    message: str
    severity: str = "ERROR"

    def __str__(self) -> str:
        return f"{self.code} at {self.location}: {self.message}"


class InvalidDefinition(ValueError):
    """A definition AWS would refuse to create; ``diagnostics`` lists every problem.

    ``code`` is AWS's error code; ``message`` replaces the listing where an API words
    its answer its own way (TestState names only the first problem)."""

    code = "InvalidDefinition"

    def __init__(self, diagnostics: list[Diagnostic], message: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        if message is None:
            lines = "\n".join(f"  - {d}" for d in self.diagnostics)
            message = (
                f"Invalid State Machine Definition ({len(self.diagnostics)} problem(s)):\n{lines}"
            )
        self.message = message
        super().__init__(message)


class ValidationException(ValueError):
    """A request AWS rejects before running anything (TestState's arguments, mocks, context)."""

    code = "ValidationException"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def check_length(name: str, value: Any, high: int, low: int = 0) -> None:
    """A request field within the length bounds of the API's model, worded as AWS words it."""
    for bad, bound, relation in (
        (len(value) > high, high, "less"),
        (len(value) < low, low, "greater"),
    ):
        if bad:
            raise ValidationException(
                f"1 validation error detected: Value at '{name}' failed to satisfy constraint: "
                f"Member must have length {relation} than or equal to {bound}"
            )


def error_matches(error: str, error_equals: list[str]) -> bool:
    """Whether a Retrier or Catcher with ``error_equals`` handles ``error``, as AWS matches them."""
    for name in error_equals:
        if name == error:
            return True
        if name == ALL and error not in NOT_MATCHED_BY_ALL:
            return True
        if name == TASK_FAILED and error not in NOT_MATCHED_BY_TASK_FAILED:
            return True
    return False
