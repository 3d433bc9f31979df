"""The EventBridge Custom Event Bus (``eventbridgev2``): retention, subscribers, FIFO groups.

``EventBridgeV2(world)`` plays the boto3 ``eventbridgev2`` client on a world's virtual
clock, sharing the classic bus's pattern matcher, targets and delivery machinery.
"""

from __future__ import annotations

from course_lib.eventbridge.custom_bus.errors import (
    ConcurrentModificationException,
    CustomBusError,
    IdempotentParameterMismatchException,
    InvalidInputException,
    InvalidStateException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    SchemaRegistryUnavailableException,
)
from course_lib.eventbridge.custom_bus.service import EventBridgeV2, NotSimulatedException

__all__ = [
    "ConcurrentModificationException",
    "CustomBusError",
    "EventBridgeV2",
    "IdempotentParameterMismatchException",
    "InvalidInputException",
    "InvalidStateException",
    "LimitExceededException",
    "NotSimulatedException",
    "ResourceAlreadyExistsException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "SchemaRegistryUnavailableException",
]
