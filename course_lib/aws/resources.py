"""The kinds of AWS resource the course creates, and how each is named and tagged.

One table drives everything that must agree: which API call creates a kind, which
parameter carries its name and tags (each service spells tags differently), how long
the name may be, and how a created resource is identified for deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from course_lib.aws.naming import resource_name


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource: the call that creates it and the spelling of its parameters."""

    kind: str
    label: str
    service: str
    create_operation: str
    name_param: str
    tags_param: str | None
    tag_style: str
    max_name_length: int


KINDS: dict[str, ResourceKind] = {
    spec.kind: spec
    for spec in (
        ResourceKind("role", "IAM role", "iam", "CreateRole", "RoleName", "Tags", "Key/Value", 64),
        ResourceKind(
            "state-machine",
            "Step Functions state machine",
            "stepfunctions",
            "CreateStateMachine",
            "name",
            "tags",
            "key/value",
            80,
        ),
        ResourceKind(
            "event-bus",
            "EventBridge event bus",
            "events",
            "CreateEventBus",
            "Name",
            "Tags",
            "Key/Value",
            256,
        ),
        ResourceKind(
            "rule", "EventBridge rule", "events", "PutRule", "Name", "Tags", "Key/Value", 64
        ),
        ResourceKind(
            "archive",
            "EventBridge archive",
            "events",
            "CreateArchive",
            "ArchiveName",
            None,
            "untaggable",
            48,
        ),
        ResourceKind(
            "custom-bus",
            "EventBridge Custom Event Bus",
            "eventbridgev2",
            "CreateEventBus",
            "Name",
            "Tags",
            "map",
            256,
        ),
        ResourceKind(
            "subscriber",
            "EventBridge subscriber",
            "eventbridgev2",
            "CreateSubscriber",
            "Name",
            "Tags",
            "map",
            256,
        ),
        ResourceKind("queue", "SQS queue", "sqs", "CreateQueue", "QueueName", "tags", "map", 80),
        ResourceKind(
            "table",
            "DynamoDB table",
            "dynamodb",
            "CreateTable",
            "TableName",
            "Tags",
            "Key/Value",
            255,
        ),
    )
}

#: Deletion order: users of a resource go before the resource they use.
DELETION_ORDER = (
    "state-machine",
    "rule",
    "archive",
    "subscriber",
    "event-bus",
    "custom-bus",
    "queue",
    "table",
    "role",
)


@dataclass(frozen=True)
class CourseResource:
    """A resource the course created. ``ref`` is its ARN (state machine, Custom Event Bus,
    subscriber), URL (queue) or name.

    ``bus`` is the event bus of a rule or the source bus ARN of an archive.
    """

    kind: str
    name: str
    ref: str
    bus: str = ""

    def describe(self) -> str:
        """``<label> <name>``, e.g. ``SQS queue eda-course-lesson06-kitchen``."""
        return f"{KINDS[self.kind].label} {self.name}"


def kind_of(kind: str) -> ResourceKind:
    """The :class:`ResourceKind` called ``kind``; a clear error lists the valid kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(
            f"resource kind {kind!r} is not one the course creates; use one of "
            f"{', '.join(sorted(KINDS))}"
        ) from None


def plan(lesson: str, creates: list[str] | tuple[str, ...]) -> list[tuple[ResourceKind, str]]:
    """Parse ``creates`` entries such as ``"queue:kitchen"`` into kinds and full names."""
    planned = []
    for entry in creates:
        kind, sep, short = entry.partition(":") if isinstance(entry, str) else ("", "", "")
        if not sep:
            raise ValueError(
                f"creates: expected entries like 'queue:kitchen' (kind:name), got {entry!r}"
            )
        spec = kind_of(kind)
        full = resource_name(lesson, short)
        if len(full) > spec.max_name_length:
            raise ValueError(
                f"creates: {spec.label} name {full!r} is {len(full)} characters; AWS allows "
                f"{spec.max_name_length}"
            )
        planned.append((spec, full))
    return planned


def tags_parameter(spec: ResourceKind, existing: Any, tags: dict[str, str]) -> Any:
    """The learner's own tags for a create call with the course tags added, in ``spec``'s shape."""
    if spec.tag_style == "map":
        return {**(existing or {}), **tags}
    key, value = ("key", "value") if spec.tag_style == "key/value" else ("Key", "Value")
    kept = [tag for tag in existing or [] if tag.get(key) not in tags]
    return kept + [{key: k, value: v} for k, v in sorted(tags.items())]
