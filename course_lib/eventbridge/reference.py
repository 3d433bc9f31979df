"""The straightforward matcher: one pattern, one event, every field checked in turn.

It is the executable statement of the pattern semantics; the compiled
:class:`~course_lib.eventbridge.compiled.PatternMatcher` must always agree with it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from course_lib import strict_json
from course_lib.eventbridge.errors import InvalidEvent
from course_lib.eventbridge.flatten import FlatEvent, Membership, consistent_choice, flatten_event
from course_lib.eventbridge.pattern_language import CompiledPattern, Subrule, compile_pattern

#: Fields TestEventPattern requires in the event it is given.
REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def subrule_matches(subrule: Subrule, flat: FlatEvent) -> bool:
    """Whether every field of ``subrule`` is satisfied by values from consistent array elements."""
    options: list[list[Membership]] = []
    for field in subrule.fields:
        values = flat.get(field.path)
        if not values:
            if field.allows_absent:
                continue
            return False
        memberships = [
            membership
            for value, membership in values
            if any(predicate.matches(value) for predicate in field.predicates)
        ]
        if not memberships:
            return False
        options.append(memberships)
    return consistent_choice(options)


def pattern_matches(compiled: CompiledPattern, event: dict) -> bool:
    """Whether a compiled pattern matches an event (a dict; not validated as an envelope)."""
    flat = flatten_event(event)
    return any(subrule_matches(subrule, flat) for subrule in compiled.subrules)


@lru_cache(maxsize=512)
def _compile_text(text: str) -> CompiledPattern:
    return compile_pattern(text)


def compile_cached(pattern: Any) -> CompiledPattern:
    """:func:`compile_pattern`, remembering recent pattern texts (JSON strings)."""
    if isinstance(pattern, str):
        return _compile_text(pattern)
    return compile_pattern(pattern)


def parse_event(event: Any) -> Any:
    """JSON text (str or bytes) parsed strictly, or a given object checked to be plain JSON.

    Raises :class:`InvalidEvent` naming the field and the reason: invalid UTF-8, NaN or
    Infinity, nesting deeper than :data:`~course_lib.strict_json.MAX_DEPTH` levels, or
    leaves that are not JSON (datetimes, sets, bytes...).
    """
    try:
        if isinstance(event, str | bytes | bytearray):
            return strict_json.loads(event, field="Event")
        strict_json.check(event, field="Event")
    except strict_json.JsonError as error:
        raise InvalidEvent(f"{error.field}: {error.reason}") from None
    return event


def load_event(event: Any) -> dict:
    """The event as a dict, checked the way TestEventPattern checks it."""
    event = parse_event(event)
    if not isinstance(event, dict):
        raise InvalidEvent(f"Event must be a JSON object, got {type(event).__name__}")
    missing = [name for name in REQUIRED_EVENT_FIELDS if name not in event]
    if missing:
        raise InvalidEvent(f"Event is missing required field(s): {', '.join(missing)}")
    return event


def test_event_pattern(pattern: Any, event: Any) -> bool:
    """Like AWS TestEventPattern: does ``pattern`` match ``event``? Both may be JSON strings.

    Raises :class:`InvalidEventPattern` for a pattern AWS rejects and :class:`InvalidEvent`
    for an event without the envelope fields AWS requires or that is not plain JSON.

    Limits: a pattern is at most 4,096 characters of JSON, nests at most 1,000 levels and
    expands into at most 1,000 ``$or`` combinations; an event nests at most 1,000 levels,
    and arrays around the values one pattern combines at most 150 (see
    :mod:`~course_lib.eventbridge.flatten`). Events are 256 KiB at most on AWS
    (PutEvents checks that size; this function does not).
    """
    compiled = compile_cached(pattern)
    return pattern_matches(compiled, load_event(event))


test_event_pattern.__test__ = False  # a library function, not a pytest test
