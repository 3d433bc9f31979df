"""The errors the local EventBridge raises, named after the AWS exceptions they stand for."""

from __future__ import annotations


class InvalidEventPattern(ValueError):
    """An event pattern AWS would reject with ``InvalidEventPatternException``.

    The message follows AWS's: ``Event pattern is not valid. Reason: <what and where>``.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Event pattern is not valid. Reason: {reason}")


class InvalidEvent(ValueError):
    """An event AWS would refuse to test (``ValidationException: Parameter Event is not valid.``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Parameter Event is not valid. {reason}")


class InvalidInputTransformer(ValueError):
    """An input transformer (paths map or template) AWS would reject in PutTargets."""


class InvalidTransformedInput(InvalidInputTransformer):
    """A transformer output that is not valid JSON although its template is an object or
    an array: AWS drops such an invocation instead of delivering it."""


class ValidationException(ValueError):
    """A request AWS would reject with ``ValidationException`` (bad parameters)."""


class ResourceNotFoundException(LookupError):
    """A bus, rule or replay that does not exist."""


class ResourceAlreadyExistsException(ValueError):
    """A bus, archive or replay name that is already taken."""


class LimitExceededException(ValueError):
    """A request that would exceed one of AWS's fixed quotas (for example five targets per rule)."""
