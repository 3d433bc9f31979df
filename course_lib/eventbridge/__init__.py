"""Local EventBridge: event patterns, input transformers, buses, targets, retries, archives.

``test_event_pattern(pattern, event)`` answers like AWS TestEventPattern;
``PatternMatcher`` matches many rules at once; ``transform_input`` applies an
InputTransformer; ``EventBridge(world)`` runs buses, rules and targets on a
:class:`course_lib.sim.World`'s virtual clock; ``EventBridgeV2(world)`` is the Custom
Event Bus (subscribers, FIFO groups, retention, deduplication) on the same machinery;
``Scheduler(world)`` is EventBridge Scheduler (one-time, rate and cron schedules in time
zones, flexible windows, templated and universal targets).
"""

from __future__ import annotations

import importlib

from course_lib.eventbridge.errors import (
    InvalidEvent,
    InvalidEventPattern,
    InvalidInputTransformer,
    InvalidTransformedInput,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from course_lib.eventbridge.reference import test_event_pattern

_LAZY = {
    "EventBridge": "course_lib.eventbridge.bus",
    "EventBridgeV2": "course_lib.eventbridge.custom_bus",
    "TargetError": "course_lib.eventbridge.targets",
    "parse_schedule": "course_lib.eventbridge.schedules",
    "Scheduler": "course_lib.eventbridge.scheduler",
    "PatternMatcher": "course_lib.eventbridge.compiled",
    "compile_pattern": "course_lib.eventbridge.pattern_language",
    "transform_input": "course_lib.eventbridge.transformer",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'course_lib.eventbridge' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "EventBridge",
    "EventBridgeV2",
    "InvalidEvent",
    "InvalidEventPattern",
    "InvalidInputTransformer",
    "InvalidTransformedInput",
    "LimitExceededException",
    "PatternMatcher",
    "ResourceAlreadyExistsException",
    "ResourceNotFoundException",
    "Scheduler",
    "TargetError",
    "ValidationException",
    "compile_pattern",
    "parse_schedule",
    "test_event_pattern",
    "transform_input",
]
