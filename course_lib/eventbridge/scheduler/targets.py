"""A schedule's target: the checks the API model cannot express, and what each invocation sends.

Templated targets are found on the world by their ARN, as the classic bus's are (a
function, a queue, a state machine, an event bus). A universal target,
``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>``, calls whatever the learner
registered under that ARN with the parsed Input::

    world.register("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", lambda request: ...)

Input is sent as given, after the context attributes ``<aws.scheduler.schedule-arn>``,
``<aws.scheduler.scheduled-time>``, ``<aws.scheduler.execution-id>`` and
``<aws.scheduler.attempt-number>`` are replaced; without Input the target receives ``{}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from course_lib import strict_json
from course_lib.eventbridge.scheduler.errors import ValidationException

UNIVERSAL = re.compile(r"arn:aws[a-z-]*:scheduler:::aws-sdk:([a-z0-9-]+):([a-zA-Z0-9]+)")
EVENT_BUS = re.compile(r"arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/.+")
SQS_QUEUE = re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:.+")
#: Templated targets whose Input must be JSON (the API reference's Target.Input).
JSON_INPUT = re.compile(r"arn:aws[a-z-]*:(lambda|states|events):.+")
MAX_INPUT_BYTES = 256 * 1024
DEFAULT_INPUT = "{}"
#: Read-only API actions a universal target may not call (the user guide's list).
READ_ONLY_PREFIXES = [
    "get",
    "describe",
    "list",
    "poll",
    "receive",
    "search",
    "scan",
    "query",
    "select",
    "read",
    "lookup",
    "discover",
    "validate",
    "batchGet",
    "batchDescribe",
    "batchRead",
    "transactGet",
    "adminGet",
    "adminList",
    "testMigration",
    "retrieve",
    "testConnection",
    "translateDocument",
    "isAuthorized",
    "invokeModel",
]
#: Target parameters of templated targets this local Scheduler does not run.
NOT_RUN = (
    "EcsParameters",
    "KinesisParameters",
    "SageMakerPipelineParameters",
    "EventBridgePutEventsV2Parameters",
    "EventBridgePutRawEventsParameters",
)


def check_target(target: Mapping[str, Any]) -> None:
    """Raise ValidationException for a target the model allows but Scheduler refuses."""
    arn = target["Arn"]
    for key in NOT_RUN:
        if key in target:
            raise ValidationException(
                f"Target.{key} is valid on AWS, but this local Scheduler does not run "
                "that kind of target; use a function, queue, state machine, event bus "
                "or universal target."
            )
    text = target.get("Input")
    if text is not None:
        if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
            raise ValidationException(
                f"Target.Input is {len(text.encode('utf-8'))} bytes; the maximum is "
                f"{MAX_INPUT_BYTES} (256 KB)."
            )
        if JSON_INPUT.fullmatch(arn) or UNIVERSAL.fullmatch(arn):
            try:
                strict_json.loads(
                    substitute(text, schedule_arn="", scheduled_time="", execution_id=""),
                    field="Target.Input",
                )
            except strict_json.JsonError as error:
                raise ValidationException(
                    f"Target.Input must be well-formed JSON for target {arn} ({error.reason})."
                ) from None
    universal = UNIVERSAL.fullmatch(arn)
    if arn.startswith("arn:aws:scheduler:") and not universal:
        raise ValidationException(
            f"Invalid universal target {arn}: expected arn:aws:scheduler:::aws-sdk:"
            "<service>:<apiAction>, for example arn:aws:scheduler:::aws-sdk:sqs:sendMessage."
        )
    if universal:
        action = universal.group(2).lower()
        prefix = next((p for p in READ_ONLY_PREFIXES if action.startswith(p.lower())), None)
        if prefix:
            raise ValidationException(
                f"Universal target {arn} is not supported: EventBridge Scheduler does not "
                f"call read-only API actions (those starting with '{prefix}')."
            )
    is_bus = bool(EVENT_BUS.fullmatch(arn))
    if is_bus and "EventBridgeParameters" not in target:
        raise ValidationException(
            f"Target {arn} is an event bus: EventBridgeParameters (DetailType, Source) "
            "are required."
        )
    if not is_bus and "EventBridgeParameters" in target:
        raise ValidationException(
            "Target.EventBridgeParameters apply only to an EventBridge event bus target."
        )
    is_queue = bool(SQS_QUEUE.fullmatch(arn))
    if "SqsParameters" in target and not is_queue:
        raise ValidationException("Target.SqsParameters apply only to an Amazon SQS target.")
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    if is_queue and arn.endswith(".fifo") and not group:
        raise ValidationException(
            f"Target {arn} is a FIFO queue: SqsParameters.MessageGroupId is required."
        )
    if is_queue and group and not arn.endswith(".fifo"):
        raise ValidationException(
            "SqsParameters.MessageGroupId applies only to a FIFO queue target (.fifo)."
        )


def substitute(
    text: str,
    *,
    schedule_arn: str,
    scheduled_time: str,
    execution_id: str,
    attempt: int = 1,
) -> str:
    """``text`` with Scheduler's four context attributes replaced."""
    for keyword, value in (
        ("<aws.scheduler.schedule-arn>", schedule_arn),
        ("<aws.scheduler.scheduled-time>", scheduled_time),
        ("<aws.scheduler.execution-id>", execution_id),
        ("<aws.scheduler.attempt-number>", str(attempt)),
    ):
        text = text.replace(keyword, value)
    return text


def bus_event(
    target: Mapping[str, Any],
    detail_text: str,
    *,
    execution_id: str,
    scheduled_time: str,
    schedule_arn: str,
    account: str,
    region: str,
) -> dict[str, Any]:
    """The event an EventBridge target's bus receives (PutEvents with EventBridgeParameters)."""
    parameters = target["EventBridgeParameters"]
    return {
        "version": "0",
        "id": execution_id,
        "detail-type": parameters["DetailType"],
        "source": parameters["Source"],
        "account": account,
        "time": scheduled_time,
        "region": region,
        "resources": [schedule_arn],
        "detail": strict_json.loads(detail_text, field="Target.Input"),
    }
