"""A subscriber's filters: up to one pattern per scope, all of which must match (AND).

Patterns use the classic bus's event-pattern language and are compiled and matched by the
same code (:func:`compile_pattern`, :class:`PatternMatcher`), with two documented limits
checked here first: no filter may use a wildcard, and a ``METADATA`` filter matches exact
values only (every field an array of plain values, no operators, no ``$or``).

Scopes read different parts of an event: ``DATA`` the published data (for PutEvents the
EventBridge envelope, with the payload under ``detail``), ``METADATA`` the keys given to
PutRawEvents, ``SYSTEM_METADATA`` the fields EventBridge sets (``ContentType``,
``EventGroupId``, ``aws:EventId``...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from course_lib.eventbridge.compiled import PatternMatcher
from course_lib.eventbridge.custom_bus.errors import InvalidInputException
from course_lib.eventbridge.errors import InvalidEventPattern
from course_lib.eventbridge.pattern_language import CompiledPattern, compile_pattern, load_pattern
from course_lib.eventbridge.predicates import AnythingBut, Wildcard

SCOPES = ("DATA", "METADATA", "SYSTEM_METADATA")


def _fail(scope: str, reason: str) -> InvalidInputException:
    return InvalidInputException(f"Filter with Scope {scope} is not valid. Reason: {reason}")


def _reject_wildcards(compiled: CompiledPattern, scope: str) -> None:
    """Refuse a compiled pattern whose predicates use a wildcard (plain or in anything-but).

    Reading the compiled sub-rules (not the raw JSON) needs no recursion, however deeply
    the pattern nests, and sees every ``$or`` branch.
    """
    for subrule in compiled.subrules:
        for field in subrule.fields:
            for predicate in field.predicates:
                if isinstance(predicate, Wildcard) or (
                    isinstance(predicate, AnythingBut) and predicate.wildcards
                ):
                    raise _fail(
                        scope,
                        f"Subscriber filters do not support wildcard matching (at {field.path}).",
                    )


def _require_exact_values(pattern: Mapping, scope: str) -> None:
    for key, value in pattern.items():
        if key == "$or":
            raise _fail(scope, "METADATA filters match exact values only: $or is not supported.")
        if not isinstance(value, list):
            raise _fail(
                scope,
                f"METADATA filters match exact values only: {key} must be an array of values.",
            )
        for item in value:
            if isinstance(item, Mapping | list):
                raise _fail(
                    scope,
                    f"METADATA filters match exact values only: {key} uses an operator "
                    f"({json.dumps(item)[:60]}).",
                )


@dataclass(frozen=True)
class Filters:
    """The compiled filters of one subscriber; ``raw`` is the FilterConfiguration as given."""

    matchers: tuple[tuple[str, PatternMatcher], ...]
    raw: dict | None

    def matches(self, documents: Mapping[str, Any]) -> bool:
        """Whether every filter matches its scope's document (``None`` never matches)."""
        for scope, matcher in self.matchers:
            document = documents.get(scope)
            if not isinstance(document, Mapping) or not matcher.matching(document):
                return False
        return True


NO_FILTERS = Filters((), None)


def compile_filters(configuration: Mapping[str, Any] | None) -> Filters:
    """Validate a FilterConfiguration (shape already checked against the model)."""
    if configuration is None or not configuration:
        return NO_FILTERS
    filters: Sequence[Mapping[str, Any]] | None = configuration.get("Filters")
    if not filters:
        raise InvalidInputException(
            "FilterConfiguration must contain at least one Filter with a non-empty Pattern."
        )
    seen: set[str] = set()
    matchers = []
    for item in filters:
        scope, text = item["Scope"], item["Pattern"]
        if scope in seen:
            raise InvalidInputException(f"At most one filter per scope: {scope} appears twice.")
        seen.add(scope)
        if not text.strip():
            raise _fail(scope, "Pattern must not be empty.")
        try:
            pattern = load_pattern(text)
            if not isinstance(pattern, dict) or not pattern:
                raise _fail(scope, "Pattern must be a non-empty JSON object.")
            if scope == "METADATA":
                _require_exact_values(pattern, scope)
            compiled = compile_pattern(pattern)
        except InvalidEventPattern as exc:
            raise _fail(scope, exc.reason) from None
        _reject_wildcards(compiled, scope)
        matcher = PatternMatcher()
        matcher.add_rule(scope, compiled)
        matchers.append((scope, matcher))
    order = {scope: i for i, scope in enumerate(SCOPES)}
    matchers.sort(key=lambda pair: order[pair[0]])
    return Filters(tuple(matchers), json.loads(json.dumps(dict(configuration))))
