"""The errors EventBridge Scheduler's API raises, named after the exceptions in its model.

Each carries ``code`` and ``status`` as AWS answers them. Where the classic engine has an
exception of the same meaning, these derive from it too, so ``except ValidationException``
catches the errors of every local EventBridge service.
"""

from __future__ import annotations

from course_lib.eventbridge.errors import ResourceNotFoundException as ClassicNotFound
from course_lib.eventbridge.errors import ValidationException as ClassicValidation
from course_lib.eventbridge.regional import ServiceError


class SchedulerError(ServiceError):
    """Base of the Scheduler errors; ``code`` is the AWS error code."""


class ValidationException(SchedulerError, ClassicValidation):
    """A request parameter is missing or not valid (HTTP 400)."""

    code = "ValidationException"
    status = 400


class ResourceNotFoundException(SchedulerError, ClassicNotFound):
    """The schedule, schedule group or tagged resource does not exist (HTTP 404)."""

    code = "ResourceNotFoundException"
    status = 404


class ConflictException(SchedulerError):
    """A schedule or group of that name already exists, or the group is being deleted (409)."""

    code = "ConflictException"
    status = 409
