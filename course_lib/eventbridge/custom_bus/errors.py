"""The errors the Custom Event Bus raises, named after the exceptions in its API model.

Each carries ``code`` (the AWS error code) so the offline boto3 route can answer with
the same error a real client would raise. Where the classic engine has an exception of
the same meaning, the new one also derives from it, so ``except ValidationException``
or ``except ResourceNotFoundException`` catches the errors of both buses.
"""

from __future__ import annotations

from course_lib.eventbridge.errors import (
    LimitExceededException as ClassicLimitExceeded,
)
from course_lib.eventbridge.errors import (
    ResourceAlreadyExistsException as ClassicAlreadyExists,
)
from course_lib.eventbridge.errors import (
    ResourceNotFoundException as ClassicNotFound,
)
from course_lib.eventbridge.errors import ValidationException
from course_lib.eventbridge.regional import ServiceError


class CustomBusError(ServiceError):
    """Base of the Custom Event Bus errors; ``code`` is the AWS error code."""

    code = "InternalException"


class InvalidInputException(CustomBusError, ValidationException):
    """A request parameter is missing or not valid (HTTP 400)."""

    code = "InvalidInputException"
    status = 400


class ResourceNotFoundException(CustomBusError, ClassicNotFound):
    """The bus, subscriber or tagged resource does not exist (HTTP 404)."""

    code = "ResourceNotFoundException"
    status = 404


class ResourceAlreadyExistsException(CustomBusError, ClassicAlreadyExists):
    """A bus or subscriber with the same name already exists (HTTP 409)."""

    code = "ResourceAlreadyExistsException"
    status = 409


class ResourceInUseException(CustomBusError):
    """A bus that still has subscribers cannot be deleted (HTTP 409)."""

    code = "ResourceInUseException"
    status = 409


class InvalidStateException(CustomBusError):
    """The resource is not in a state that allows the operation (HTTP 409)."""

    code = "InvalidStateException"
    status = 409


class ConcurrentModificationException(CustomBusError):
    """Another change to the resource is in progress (HTTP 409)."""

    code = "ConcurrentModificationException"
    status = 409


class IdempotentParameterMismatchException(CustomBusError):
    """A client token reused with different parameters (HTTP 409)."""

    code = "IdempotentParameterMismatchException"
    status = 409


class LimitExceededException(CustomBusError, ClassicLimitExceeded):
    """The request would exceed a quota (HTTP 400)."""

    code = "LimitExceededException"
    status = 400


class SchemaRegistryUnavailableException(CustomBusError):
    """An Avro or Protobuf entry needs a schema registry that cannot be reached (HTTP 400)."""

    code = "SchemaRegistryUnavailableException"
    status = 400
