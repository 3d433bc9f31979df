"""What a subscriber's target receives: ``RAW`` data, ``WITH_METADATA``, or a JSONata result.

A JSONata expression (``{% ... %}``) reads the event as ``$events`` (Data, Metadata,
SystemMetadata). It is evaluated by :mod:`course_lib.jsonata_eval`, the evaluator the
Step Functions engine uses too: ``$now`` and ``$millis`` read the world's virtual clock,
``$random`` and ``$uuid`` its seeded streams, and every evaluation is bounded in time and
depth, so results repeat exactly and a runaway expression fails the delivery instead of
hanging the bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from course_lib import jsonata_eval
from course_lib.eventbridge import json_text
from course_lib.eventbridge.custom_bus.errors import InvalidInputException
from course_lib.jsonata_eval import Clock


class TransformError(Exception):
    """An expression that failed on one event (the event cannot be delivered)."""


def expression_body(text: str) -> str:
    return text.strip()[2:-2].strip()


def check_expression(text: str, where: str) -> None:
    """Parse a ``{% ... %}`` expression at configuration time; bad syntax is a 400."""
    body = expression_body(text)
    if not body:
        raise InvalidInputException(f"{where}: the JSONata expression is empty.")
    try:
        jsonata_eval.compile_expression(body)
    except jsonata_eval.ExpressionSyntaxError as exc:
        raise InvalidInputException(
            f"{where}: the JSONata expression is not valid: {exc}"
        ) from None


def evaluate(text: str, events: Mapping[str, Any], clock: Clock) -> Any:
    """Evaluate ``{% ... %}`` against ``$events``; raise TransformError on failure."""
    try:
        result = jsonata_eval.evaluate(expression_body(text), {"events": dict(events)}, clock)
    except (jsonata_eval.ExpressionSyntaxError, jsonata_eval.EvaluationError) as exc:
        raise TransformError(str(exc)) from None
    except jsonata_eval.NotJsonError as exc:
        raise TransformError(f"the expression returned {exc}, not JSON") from None
    if result is jsonata_eval.UNDEFINED:
        raise TransformError("the expression returned no value")
    return result


def payload(
    kind: str, expression: str | None, events: Mapping[str, Any], raw: str, clock: Clock
) -> str:
    """The text the target receives for one event under transformer ``kind``."""
    if kind == "RAW":
        return raw
    if kind == "WITH_METADATA":
        return json_text.dumps(events)
    result = evaluate(expression or "", events, clock)
    return result if isinstance(result, str) else json_text.dumps(result)
