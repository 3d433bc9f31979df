"""Check a request against the ``eventbridgev2`` API model, the way the service's front door does.

The checking itself is :mod:`course_lib.eventbridge.api_model`, shared with EventBridge
Scheduler; this module binds it to the Custom Event Bus's model and error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from course_lib.eventbridge.api_model import ModelChecker, as_datetime, load_model, snake_case
from course_lib.eventbridge.api_model import request_errors as _request_errors
from course_lib.eventbridge.custom_bus.errors import InvalidInputException

SERVICE = "eventbridgev2"
API_VERSION = "2025-05-15"

__all__ = [
    "as_datetime",
    "input_shape",
    "operation_names",
    "service_model",
    "shape",
    "snake_case",
    "validate_request",
]


def service_model() -> dict[str, Any]:
    """The service model as JSON (operations and shapes), loaded once."""
    return load_model(SERVICE, API_VERSION, "The Custom Event Bus")


def operation_names() -> list[str]:
    return sorted(service_model()["operations"])


def input_shape(operation: str) -> str:
    return service_model()["operations"][operation]["input"]["shape"]


def shape(name: str) -> dict[str, Any]:
    return service_model()["shapes"][name]


class _Checker(ModelChecker):
    """A :class:`ModelChecker` on the eventbridgev2 model."""

    def __init__(self) -> None:
        super().__init__(service_model())


def validate_request(operation: str, params: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidInputException` listing every way ``params`` breaks the model."""
    message = _request_errors(service_model(), operation, params)
    if message:
        raise InvalidInputException(message)
