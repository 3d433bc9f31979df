"""A subscriber's configuration as the API speaks it: the rules the model cannot express,
the defaults the service fills in, and the DescribeSubscriber and List pages it answers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from course_lib.eventbridge.custom_bus import transform
from course_lib.eventbridge.custom_bus.errors import InvalidInputException, LimitExceededException
from course_lib.eventbridge.custom_bus.subscriber import Subscriber

#: TagMap holds at most 200 pairs in the model, so a resource never carries more.
MAX_TAGS = 200
_PARAMETERS_FOR = {
    "LambdaParameters": ":lambda:",
    "SqsParameters": ":sqs:",
    "SnsParameters": ":sns:",
    "KinesisParameters": ":kinesis:",
    "StepFunctionsParameters": ":states:",
    "EventBusV2Parameters": ":event-busv2/",
    "MskParameters": ":kafka:",
}


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """CreateSubscriber's documented defaults: UNORDERED, LATEST, RUNNING, RAW, 5 retries
    over at most 300 s, batches of up to 10 with no wait."""
    config.setdefault("Type", "UNORDERED")
    config.setdefault("StartingPosition", "LATEST")
    config.setdefault("State", "RUNNING")
    config["RetryPolicy"] = {
        "MaxRetryAttempts": 5,
        "MaxEventAgeInSeconds": 300,
        "RetryStrategy": "ALL",
        **(config.get("RetryPolicy") or {}),
    }
    config["BatchConfiguration"] = {
        "MaxBatchSize": 10,
        "MaxBatchWindowInSeconds": 0,
        **(config.get("BatchConfiguration") or {}),
    }
    config.setdefault("Transformer", {"Type": "RAW"})
    return config


def check_invoke(invoke: Mapping[str, Any], account: str) -> None:
    role_account = invoke["RoleArn"].split(":")[4]
    if role_account != account:
        raise InvalidInputException(
            f"InvokeConfiguration.RoleArn must belong to the calling account {account}."
        )
    given = [key for key in _PARAMETERS_FOR if key in invoke]
    if len(given) > 1:
        raise InvalidInputException(
            f"InvokeConfiguration takes the parameters of one target, got {', '.join(given)}."
        )
    target = invoke.get("TargetArn")
    if given and target is not None and _PARAMETERS_FOR[given[0]] not in target:
        raise InvalidInputException(
            f"InvokeConfiguration.{given[0]} does not apply to target {target}."
        )


def check_transformer(transformer: Mapping[str, Any], target: str) -> None:
    kind = transformer.get("Type", "RAW")
    expression = (transformer.get("JsonataConfiguration") or {}).get("Expression")
    if kind == "JSONATA":
        if expression is None:
            raise InvalidInputException(
                "Transformer.JsonataConfiguration is required when Transformer.Type is JSONATA."
            )
        transform.check_expression(expression, "Transformer.JsonataConfiguration.Expression")
    elif expression is not None:
        raise InvalidInputException(
            "Transformer.JsonataConfiguration applies only when Transformer.Type is JSONATA."
        )
    if re.search(r":event-bus/", target) and kind != "RAW":
        raise InvalidInputException(
            "A subscriber whose target is a Custom Event Bus - Classic supports only RAW."
        )


def describe_subscriber(s: Subscriber) -> dict[str, Any]:
    out: dict[str, Any] = {"SubscriberArn": s.arn, "Name": s.name, "EventBusArn": s.bus.arn}
    out["InvokeConfiguration"] = dict(s.config["InvokeConfiguration"])
    if "Description" in s.config:
        out["Description"] = s.config["Description"]
    if s.filters.raw is not None:
        out["FilterConfiguration"] = {"Language": "EVENT_BRIDGE_PATTERN", **s.filters.raw}
    for key in (
        "Type",
        "StartingPosition",
        "PointInTimeConfiguration",
        "BatchConfiguration",
        "Transformer",
        "RetryPolicy",
        "OnFailureConfiguration",
        "LogConfiguration",
        "State",
    ):
        if key in s.config:
            value = s.config[key]
            out[key] = dict(value) if isinstance(value, Mapping) else value
    if s.revoked:
        out["Revoked"] = True
    out["CreationTime"] = s.created
    out["LastModifiedTime"] = s.modified
    return out


def check_tags(tags: Mapping[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise LimitExceededException(f"A resource can have at most {MAX_TAGS} tags.")
    for key in tags:
        if key.lower().startswith("aws:"):
            raise InvalidInputException(f"Tag key {key} uses the reserved aws: prefix.")


def page(items: list[dict], params: Mapping[str, Any]) -> tuple[list[dict], dict[str, str]]:
    """One page of a List operation and its NextToken (an opaque offset)."""
    start = 0
    if "NextToken" in params:
        try:
            offset = base64.urlsafe_b64decode(params["NextToken"]).decode().removeprefix("offset:")
        except (ValueError, UnicodeDecodeError):
            offset = ""
        # only a token this service issued: ASCII digits, within the list
        if not (offset.isascii() and offset.isdigit()) or int(offset) > len(items):
            raise InvalidInputException("NextToken is not valid.")
        start = int(offset)
    size = params.get("MaxResults", 100)
    page = items[start : start + size]
    if start + size < len(items):
        token = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        return page, {"NextToken": token}
    return page, {}
