"""Local Amazon EventBridge Scheduler: one-time, rate and cron schedules in time zones,
flexible time windows, templated and universal targets, retries and dead-letter queues,
on a :class:`course_lib.sim.World`'s virtual clock (see :mod:`.service`)."""

from __future__ import annotations

from course_lib.eventbridge.scheduler.errors import (
    ConflictException,
    ResourceNotFoundException,
    SchedulerError,
    ValidationException,
)
from course_lib.eventbridge.scheduler.service import Scheduler

__all__ = [
    "ConflictException",
    "ResourceNotFoundException",
    "Scheduler",
    "SchedulerError",
    "ValidationException",
]
