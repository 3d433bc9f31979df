"""What a subscriber's target receives: ``RAW`` data, ``WITH_METADATA``, or a JSONata result.

A JSONata expression (``{% ... %}``) reads the event as ``$events`` (Data, Metadata,
SystemMetadata). It is evaluated with jsonata-python, imported on first use; ``$now`` and
``$millis`` read the world's virtual clock and ``$random`` and ``$uuid`` its seeded
streams, so results repeat exactly (the same guards the Step Functions engine uses).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from course_lib.eventbridge.custom_bus.errors import InvalidInputException


class TransformError(Exception):
    """An expression that failed on one event (the event cannot be delivered)."""


def _jsonata():
    import jsonata

    return jsonata


@lru_cache(maxsize=512)
def _compiled(body: str) -> Any:
    expression = _jsonata().Jsonata(body)
    expression.set_output_convert_nulls(False)
    return expression


def expression_body(text: str) -> str:
    return text.strip()[2:-2].strip()


def check_expression(text: str, where: str) -> None:
    """Parse a ``{% ... %}`` expression at configuration time; bad syntax is a 400."""
    body = expression_body(text)
    if not body:
        raise InvalidInputException(f"{where}: the JSONata expression is empty.")
    try:
        _compiled(body)
    except Exception as exc:  # the library raises its own error types
        raise InvalidInputException(
            f"{where}: the JSONata expression is not valid: {exc}"
        ) from None


def _to_jsonata(value: Any) -> Any:
    if value is None:
        return _jsonata().utils.Utils.NULL_VALUE
    if isinstance(value, Mapping):
        return {k: _to_jsonata(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_jsonata(v) for v in value]
    return value


_MISSING = object()


def _from_jsonata(value: Any) -> Any:
    if value is None:
        return _MISSING
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, Mapping):
        out = {k: _from_jsonata(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _MISSING}
    if isinstance(value, list):
        return [v for v in (_from_jsonata(item) for item in value) if v is not _MISSING]
    if type(value).__name__ == "NullValue":
        return None
    raise TransformError(f"the expression returned a {type(value).__name__}, not JSON")


@dataclass(frozen=True)
class Clock:
    """The world's time and randomness, as JSONata's nondeterministic functions see them."""

    now_millis: Callable[[], int]
    rng: random.Random
    uuid: Callable[[], str]


def evaluate(text: str, events: Mapping[str, Any], clock: Clock) -> Any:
    """Evaluate ``{% ... %}`` against ``$events``; raise TransformError on failure."""
    expression = _compiled(expression_body(text))
    functions = _jsonata().functions.Functions

    def now(picture: Any = None, timezone: Any = None) -> str:
        millis = clock.now_millis()
        if picture is None and timezone is None:
            moment = datetime.fromtimestamp(millis / 1000, UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"
        return functions.datetime_from_millis(millis, picture, timezone)

    expression.register_lambda("now", now)
    expression.register_lambda("millis", clock.now_millis)
    expression.register_lambda("random", lambda: clock.rng.random())
    expression.register_lambda("uuid", clock.uuid)
    try:
        result = expression.evaluate(None, {"events": _to_jsonata(dict(events))})
    except Exception as exc:
        raise TransformError(str(exc)) from None
    converted = _from_jsonata(result)
    if converted is _MISSING:
        raise TransformError("the expression returned no value")
    return converted


def payload(
    kind: str, expression: str | None, events: Mapping[str, Any], raw: str, clock: Clock
) -> str:
    """The text the target receives for one event under transformer ``kind``."""
    if kind == "RAW":
        return raw
    if kind == "WITH_METADATA":
        return json.dumps(events, ensure_ascii=False)
    result = evaluate(expression or "", events, clock)
    return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
