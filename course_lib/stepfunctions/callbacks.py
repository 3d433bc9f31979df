"""The callback pattern: task tokens and SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.

Every world that runs state machines gets one :class:`TaskTokens` service,
registered as ``"states"``. A ``.waitForTaskToken`` task pauses on its token until
someone (a lesson cell, a simulated worker, an event bus target) calls
``world.service("states").send_task_success(token, output)``.
"""

from __future__ import annotations

import json
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions.dataflow import to_json
from course_lib.stepfunctions.intrinsics import utf8

SERVICE_NAME = "states"


#: SendTaskSuccess/SendTaskFailure limits of the AWS API.
MAX_OUTPUT_BYTES = 256 * 1024
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 32_768


def _check_text(field: str, value: Any, limit: int) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValueError(f"{field}: must be a string, not {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{field}: at most {limit} characters, got {len(value)}")


class TaskTimedOut(LookupError):
    """The token is unknown, already used, or its task has timed out."""


class _Waiter:
    def __init__(self, env: Any) -> None:
        self.env = env
        self.done = env.event()
        self.last_beat = env.now
        self._beat = env.event()

    def beat_event(self) -> Any:
        if self._beat.triggered:
            self._beat = self.env.event()
        return self._beat

    def heartbeat(self) -> None:
        self.last_beat = self.env.now
        if not self._beat.triggered:
            self._beat.succeed()


class TaskTokens:
    """Issues task tokens and resumes the task waiting on one."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self._waiters: dict[str, _Waiter] = {}

    @classmethod
    def on(cls, world: Any) -> TaskTokens:
        """The world's token service, registered as ``"states"`` on first use."""
        if world.has_service(SERVICE_NAME):
            return world.service(SERVICE_NAME)
        service = cls(world)
        world.register(SERVICE_NAME, service)
        return service

    def new_token(self) -> str:
        """A fresh token (from the world's seeded uuid stream) with a waiter behind it."""
        token = self.world.uuid()
        self._waiters[token] = _Waiter(self.world.env)
        return token

    def waiter(self, token: str) -> _Waiter:
        """What the waiting task listens to for ``token``."""
        return self._waiters[token]

    def forget(self, token: str) -> None:
        """Drop a token whose task has finished; later calls with it fail like AWS."""
        self._waiters.pop(token, None)

    def pending(self) -> list[str]:
        """Tokens of tasks that are waiting now, oldest first."""
        return list(self._waiters)

    def _get(self, token: str) -> _Waiter:
        if not isinstance(token, str) or not token:
            raise ValueError(
                f"InvalidToken: taskToken must be a non-empty string, not {type(token).__name__}"
            )
        waiter = self._waiters.get(token)
        if waiter is None or waiter.done.triggered:
            raise TaskTimedOut(
                f"Task Timed Out: 'Provided task does not exist anymore' (taskToken={token!r})"
            )
        return waiter

    def send_task_success(self, token: str, output: Any) -> dict:
        """Resume the task with ``output`` (a JSON value or a JSON string, like the API).

        Output that is not JSON (NaN, Infinity, a set, nesting past 1,000 levels) or
        larger than 256 KiB raises ValueError naming ``output``, as the API refuses it."""
        waiter = self._get(token)
        if isinstance(output, str | bytes | bytearray):
            output = strict_json.loads(output, field="output")
        else:
            output = json.loads(strict_json.dumps(output, field="output"))
        if len(utf8(to_json(output))) > MAX_OUTPUT_BYTES:  # UTF-8, not \u escapes
            raise ValueError(f"output: larger than {MAX_OUTPUT_BYTES} bytes (256 KiB)")
        waiter.done.succeed(("success", output))
        return {}

    def send_task_failure(
        self, token: str, error: str | None = None, cause: str | None = None
    ) -> dict:
        """Fail the task with ``error`` and ``cause`` (Retry and Catch see them).

        As the API: ``error`` a string of at most 256 characters, ``cause`` of at most
        32,768; anything else raises ValueError naming the field."""
        _check_text("error", error, MAX_ERROR_LENGTH)
        _check_text("cause", cause, MAX_CAUSE_LENGTH)
        waiter = self._get(token)
        waiter.done.succeed(("failure", (error if error is not None else "", cause)))
        return {}

    def send_task_heartbeat(self, token: str) -> dict:
        """Tell a task with HeartbeatSeconds that the worker is still alive."""
        self._get(token).heartbeat()
        return {}
