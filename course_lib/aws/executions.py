"""Wait for a Step Functions execution without ever hanging the notebook."""

from __future__ import annotations

import time
from typing import Any

from course_lib.aws.errors import CourseAwsError
from course_lib.aws.masking import mask

#: Statuses in which an execution may still change.
UNFINISHED = frozenset({"RUNNING", "PENDING_REDRIVE"})


def wait_for_execution(
    sfn: Any,
    execution_arn: str,
    *,
    timeout: float = 60.0,
    poll_interval: float = 0.05,
    max_poll_interval: float = 2.0,
) -> dict[str, Any]:
    """Poll ``describe_execution`` until a Standard execution finishes; return that response.

    (Express executions cannot be described: start them with ``start_sync_execution``,
    which returns when they finish.)

    Polls start fast and slow down to ``max_poll_interval``. After ``timeout`` seconds a
    :class:`CourseAwsError` says the execution is still running (it is not stopped: a
    session's cleanup stops it).
    """
    if timeout <= 0:
        raise ValueError(f"timeout: expected seconds > 0, got {timeout!r}")
    deadline = time.monotonic() + timeout
    delay = poll_interval
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] not in UNFINISHED:
            return described
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CourseAwsError(
                f"Execution {mask(execution_arn)} is still {described['status']} after "
                f"{timeout:g} s: pass a longer timeout, or look at it in the Step Functions "
                "console."
            )
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, max_poll_interval)
