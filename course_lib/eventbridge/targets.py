"""Rule targets: their AWS shape, the payload each receives, and how it is invoked by ARN.

A target's ``Arn`` is looked up on the world. What is registered there decides the call:

* a callable (a local function standing in for Lambda) is called with the payload,
  parsed from JSON when it is JSON;
* an object with ``send_message`` (a queue) receives the payload text as the body;
* an object with ``start_execution`` (a state machine) is started with ``input=``;
* an event bus receives the event itself (bus-to-bus routing);
* an :class:`ApiDestination` is called within its invocation rate limit.

A failure is a :class:`TargetError` with an AWS error code and whether a retry can help.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from course_lib import strict_json
from course_lib.eventbridge import json_text
from course_lib.eventbridge.errors import InvalidInputTransformer, ValidationException
from course_lib.eventbridge.transformer import (
    apply_input_path,
    parse_json_path,
    transform_input,
    validate_input_transformer,
)

MAX_TARGETS_PER_RULE = 5
DEFAULT_MAXIMUM_EVENT_AGE = 86_400
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185
TARGET_ID = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
TARGET_KEYS = {
    "Id",
    "Arn",
    "RoleArn",
    "Input",
    "InputPath",
    "InputTransformer",
    "RetryPolicy",
    "DeadLetterConfig",
    "SqsParameters",
    "HttpParameters",
}


#: HTTP answers of an API destination that EventBridge retries, besides every 5xx.
RETRIED_HTTP_STATUSES = frozenset({401, 407, 409, 429})


class TargetError(Exception):
    """A failed invocation. ``retriable`` False sends the event straight to the DLQ.

    ``code`` is what the target said; ``dlq_code`` is the category EventBridge writes in
    a dead-letter message's ERROR_CODE attribute (NO_RESOURCE, THROTTLING,
    ERROR_FROM_TARGET, SDK_CLIENT_ERROR, ... as listed in the EventBridge user guide).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retriable: bool = True,
        dlq_code: str = "ERROR_FROM_TARGET",
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retriable = retriable
        self.dlq_code = dlq_code


@dataclass(frozen=True)
class Target:
    """One validated target of a rule, as PutTargets stores it."""

    id: str
    arn: str
    input: str | None = None
    input_path: str | None = None
    input_paths_map: dict[str, str] | None = None
    input_template: str | None = None
    maximum_event_age: int = DEFAULT_MAXIMUM_EVENT_AGE
    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    dead_letter_arn: str | None = None
    message_group_id: str | None = None
    raw: dict = field(default_factory=dict, compare=False)

    def payload(
        self,
        event: Mapping[str, Any],
        *,
        rule_name: str,
        rule_arn: str,
        bus_name: str,
        ingestion_time: str,
    ) -> str:
        """The text this target receives for ``event``: Input, InputPath, transformer or event."""
        if self.input is not None:
            return self.input
        if self.input_path is not None:
            return apply_input_path(self.input_path, event)
        if self.input_template is not None:
            return transform_input(
                self.input_paths_map,
                self.input_template,
                event,
                rule_name=rule_name,
                rule_arn=rule_arn,
                event_bus_name=bus_name,
                ingestion_time=ingestion_time,
            )
        return json_text.dumps(event)


def _bounded_int(value: Any, low: int, high: int, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationException(
            f"{where} must be an integer between {low} and {high}, got {value!r}."
        )
    return value


def _structure(raw: Mapping[str, Any], key: str, target_id: str) -> Mapping[str, Any]:
    """A nested parameter object of a target (empty when absent), or ValidationException."""
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationException(
            f"{key} for target {target_id} must be an object, not {type(value).__name__}."
        )
    return value


def parse_target(raw: Mapping[str, Any]) -> Target:
    """Validate one PutTargets entry (AWS's dict shape) into a :class:`Target`."""
    if not isinstance(raw, Mapping):
        raise ValidationException(f"Each target must be an object, got {type(raw).__name__}.")
    unknown = set(raw) - TARGET_KEYS
    if unknown:
        raise ValidationException(f"Unknown target parameter(s): {', '.join(sorted(unknown))}.")
    target_id = raw.get("Id")
    if not isinstance(target_id, str) or not TARGET_ID.fullmatch(target_id):
        raise ValidationException(
            f"Target Id {target_id!r} must be 1 to 64 letters, digits, '.', '-' or '_'."
        )
    arn = raw.get("Arn")
    if not isinstance(arn, str) or not arn:
        raise ValidationException(f"Target {target_id} needs an Arn.")
    given = [key for key in ("Input", "InputPath", "InputTransformer") if key in raw]
    if len(given) > 1:
        raise ValidationException(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}."
        )
    values: dict[str, Any] = {}
    if "Input" in raw:
        text = raw["Input"]
        try:
            strict_json.loads(text, field="Input")
        except strict_json.JsonError as error:
            raise ValidationException(
                f"Input for target {target_id} is not valid JSON text ({error.reason})."
            ) from None
        values["input"] = text
    if "InputPath" in raw:
        try:
            parse_json_path(raw["InputPath"])
        except InvalidInputTransformer as exc:
            raise ValidationException(f"InputPath for target {target_id}: {exc}") from None
        values["input_path"] = raw["InputPath"]
    if "InputTransformer" in raw:
        transformer = raw["InputTransformer"]
        if not isinstance(transformer, Mapping) or "InputTemplate" not in transformer:
            raise ValidationException(
                f"InputTransformer for target {target_id} needs an InputTemplate."
            )
        paths = transformer.get("InputPathsMap")
        try:
            validate_input_transformer(paths, transformer["InputTemplate"], target_id=target_id)
        except InvalidInputTransformer as exc:
            raise ValidationException(str(exc)) from None
        values["input_paths_map"] = dict(paths or {})
        values["input_template"] = transformer["InputTemplate"]
    policy = _structure(raw, "RetryPolicy", target_id)
    if "MaximumEventAgeInSeconds" in policy:
        values["maximum_event_age"] = _bounded_int(
            policy["MaximumEventAgeInSeconds"], 60, 86_400, "RetryPolicy.MaximumEventAgeInSeconds"
        )
    if "MaximumRetryAttempts" in policy:
        values["maximum_retry_attempts"] = _bounded_int(
            policy["MaximumRetryAttempts"], 0, 185, "RetryPolicy.MaximumRetryAttempts"
        )
    dead_letter = _structure(raw, "DeadLetterConfig", target_id)
    if dead_letter:
        if not isinstance(dead_letter.get("Arn"), str):
            raise ValidationException(f"DeadLetterConfig for target {target_id} needs an Arn.")
        values["dead_letter_arn"] = dead_letter["Arn"]
    group = _structure(raw, "SqsParameters", target_id).get("MessageGroupId")
    if group is not None:
        values["message_group_id"] = group
    return Target(id=target_id, arn=arn, raw=dict(raw), **values)


class ApiDestination:
    """An HTTP endpoint EventBridge calls at no more than ``rate_limit`` invocations a second.

    ``handler(payload_text)`` plays the endpoint and returns an HTTP status code (or a dict
    with ``statusCode``); 2xx is success, 429 and 5xx are retried, other codes are not.
    EventBridge spaces the calls out to respect the rate, so :meth:`next_slot` says how
    long a delivery waits for its turn.
    """

    def __init__(self, name: str, arn: str, handler: Callable[[str], Any], rate_limit: int) -> None:
        if not isinstance(rate_limit, int) or not 1 <= rate_limit <= 300:
            raise ValidationException("InvocationRateLimitPerSecond must be between 1 and 300.")
        self.name = name
        self.arn = arn
        self.handler = handler
        self.rate_limit = rate_limit
        self._next_free = 0.0
        self.calls: list[float] = []

    def next_slot(self, now: float) -> float:
        """Reserve the next invocation slot at or after ``now``; return its time."""
        slot = max(now, self._next_free)
        self._next_free = slot + 1.0 / self.rate_limit
        return slot

    def invoke(self, payload: str, now: float) -> None:
        self.calls.append(now)
        answer = self.handler(payload)
        status = answer.get("statusCode", 200) if isinstance(answer, Mapping) else answer
        status = 200 if status is None else status
        if not isinstance(status, int) or isinstance(status, bool):
            raise TargetError(
                "SdkClientException",
                f"endpoint answered {status!r}, not a status code",
                dlq_code="SDK_CLIENT_ERROR",
            )
        if 200 <= status < 300:
            return
        retriable = status in RETRIED_HTTP_STATUSES or status >= 500
        raise TargetError(
            f"{status}",
            f"API destination {self.name} answered HTTP {status}",
            retriable=retriable,
            dlq_code="THROTTLING" if status == 429 else "ERROR_FROM_TARGET",
        )
