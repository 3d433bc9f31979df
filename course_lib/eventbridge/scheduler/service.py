"""Local Amazon EventBridge Scheduler on a world's virtual clock.

``Scheduler(world)`` answers the boto3 ``scheduler`` client's operations in snake_case,
with boto3's keyword arguments and response dicts. Every request is first checked
against botocore's ``scheduler`` model, then against the rules the model cannot express
(expressions, time zones, windows, dates, targets). Each schedule is a SimPy process
that waits for its next scheduled time (:mod:`.expressions`), adds a flexible window's
offset drawn from ``world.rng("scheduler.flexible/<schedule arn>")``, and hands the
invocation to the classic bus's :func:`~course_lib.eventbridge.delivery.deliver`, so
retries, back-off and the event-age limit are the same machinery; a failure that ends
the retries goes to the schedule's dead-letter queue with Scheduler's attributes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from course_lib.eventbridge.api_model import as_datetime, load_model, request_errors
from course_lib.eventbridge.delivery import DeliveryContext, deliver
from course_lib.eventbridge.regional import (
    DEFAULT_ACCOUNT,
    DEFAULT_LATENCY,
    DEFAULT_REGION,
    RegionalService,
)
from course_lib.eventbridge.scheduler import targets
from course_lib.eventbridge.scheduler.errors import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from course_lib.eventbridge.scheduler.expressions import (
    OneTime,
    occurrences,
    parse_expression,
    zone,
)
from course_lib.eventbridge.targets import Target, TargetError
from course_lib.events.envelope import format_event_time
from course_lib.sim.world import TraceRecord, World

DEFAULT_GROUP = "default"
DEFAULT_MAXIMUM_EVENT_AGE = 86_400
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185
PAGE = 100


@dataclass
class Group:
    name: str
    arn: str
    created: datetime
    tags: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "Arn": self.arn,
            "Name": self.name,
            "State": "ACTIVE",
            "CreationDate": self.created,
            "LastModificationDate": self.created,
        }


@dataclass
class Schedule:
    """One schedule as the API stores it, plus its parsed expression and time zone."""

    request: dict[str, Any]
    arn: str
    created: datetime
    modified: datetime
    generation: int

    @property
    def name(self) -> str:
        return self.request["Name"]

    @property
    def group(self) -> str:
        return self.request.get("GroupName") or DEFAULT_GROUP

    @property
    def state(self) -> str:
        return self.request.get("State") or "ENABLED"

    def describe(self) -> dict[str, Any]:
        described = {
            key: copy.deepcopy(value)
            for key, value in self.request.items()
            if key not in ("Name", "GroupName", "ClientToken")
        }
        for key in ("StartDate", "EndDate"):
            if key in described:
                described[key] = as_datetime(described[key])
        return {
            "Arn": self.arn,
            "Name": self.name,
            "GroupName": self.group,
            **described,
            "ScheduleExpressionTimezone": self.request.get("ScheduleExpressionTimezone", "UTC"),
            "State": self.state,
            "ActionAfterCompletion": self.request.get("ActionAfterCompletion", "NONE"),
            "CreationDate": self.created,
            "LastModificationDate": self.modified,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "Arn": self.arn,
            "Name": self.name,
            "GroupName": self.group,
            "State": self.state,
            "CreationDate": self.created,
            "LastModificationDate": self.modified,
            "Target": {"Arn": self.request["Target"]["Arn"]},
        }


class Scheduler(RegionalService):
    """EventBridge Scheduler for one account and region, running on ``world``.

    Registered on the world as service ``"scheduler"``. ``latency`` is the delivery time
    of one attempt (seconds), as on the classic bus.
    """

    def __init__(
        self,
        world: World,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        latency: tuple[float, float] = DEFAULT_LATENCY,
    ) -> None:
        super().__init__(
            world, "scheduler", "scheduler", account=account, region=region, latency=latency
        )
        self.groups: dict[str, Group] = {}
        self.schedules: dict[tuple[str, str], Schedule] = {}
        self._generations = 0
        self._new_group(DEFAULT_GROUP, {})

    # -- requests -----------------------------------------------------------------
    def _check(self, operation: str, params: Mapping[str, Any]) -> None:
        message = request_errors(
            load_model("scheduler", "2021-06-30", "Scheduler"), operation, params
        )
        if message:
            raise ValidationException(message)

    def _group(self, name: str | None) -> Group:
        name = name or DEFAULT_GROUP
        if name not in self.groups:
            raise ResourceNotFoundException(f"Schedule group {name} does not exist.")
        return self.groups[name]

    def _schedule(self, name: str, group: str | None) -> Schedule:
        self._group(group)
        key = (group or DEFAULT_GROUP, name)
        if key not in self.schedules:
            raise ResourceNotFoundException(f"Schedule {name} does not exist.")
        return self.schedules[key]

    # -- schedule groups ------------------------------------------------------------
    def _new_group(self, name: str, tags: dict[str, str]) -> Group:
        group = Group(name, self._arn(f"schedule-group/{name}"), self.world.timestamp(), tags)
        self.groups[name] = group
        return group

    def create_schedule_group(self, **params: Any) -> dict[str, str]:
        self._check("CreateScheduleGroup", params)
        name = params["Name"]
        if name in self.groups:
            raise ConflictException(f"Schedule group {name} already exists.")
        tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])}
        return {"ScheduleGroupArn": self._new_group(name, tags).arn}

    def get_schedule_group(self, **params: Any) -> dict[str, Any]:
        self._check("GetScheduleGroup", params)
        return self._group(params["Name"]).describe()

    def delete_schedule_group(self, **params: Any) -> dict[str, Any]:
        """Delete a group and every schedule in it (AWS finishes this eventually; here at once)."""
        self._check("DeleteScheduleGroup", params)
        name = params["Name"]
        if name == DEFAULT_GROUP:
            raise ValidationException("The default schedule group cannot be deleted.")
        self._group(name)
        for key in [key for key in self.schedules if key[0] == name]:
            self._remove(self.schedules[key], "group deleted")
        del self.groups[name]
        return {}

    def list_schedule_groups(self, **params: Any) -> dict[str, Any]:
        self._check("ListScheduleGroups", params)
        prefix = params.get("NamePrefix", "")
        found = [g.describe() for n, g in sorted(self.groups.items()) if n.startswith(prefix)]
        page, token = _page(found, params)
        return {"ScheduleGroups": page, **token}

    # -- tags (schedule groups only) ---------------------------------------------------
    def _tagged(self, arn: str) -> Group:
        for group in self.groups.values():
            if group.arn == arn:
                return group
        raise ResourceNotFoundException(f"Schedule group {arn} does not exist.")

    def tag_resource(self, **params: Any) -> dict[str, Any]:
        self._check("TagResource", params)
        group = self._tagged(params["ResourceArn"])
        group.tags.update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
        return {}

    def untag_resource(self, **params: Any) -> dict[str, Any]:
        self._check("UntagResource", params)
        group = self._tagged(params["ResourceArn"])
        for key in params["TagKeys"]:
            group.tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        self._check("ListTagsForResource", params)
        group = self._tagged(params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(group.tags.items())]}

    # -- schedules ------------------------------------------------------------------
    def create_schedule(self, **params: Any) -> dict[str, str]:
        self._check("CreateSchedule", params)
        self._check_rules(params)
        group = self._group(params.get("GroupName")).name
        key = (group, params["Name"])
        if key in self.schedules:
            existing = self.schedules[key]
            token = params.get("ClientToken")
            if token and existing.request.get("ClientToken") == token:
                return {"ScheduleArn": existing.arn}  # an idempotent retry
            raise ConflictException(f"Schedule {params['Name']} already exists.")
        now = self.world.timestamp()
        arn = self._arn(f"schedule/{group}/{params['Name']}")
        schedule = Schedule(copy.deepcopy(dict(params)), arn, now, now, self._next_generation())
        self.schedules[key] = schedule
        self._start(schedule)
        return {"ScheduleArn": arn}

    def update_schedule(self, **params: Any) -> dict[str, str]:
        """Replace every setting of a schedule; what the request leaves out takes its default."""
        self._check("UpdateSchedule", params)
        self._check_rules(params)
        schedule = self._schedule(params["Name"], params.get("GroupName"))
        schedule.request = copy.deepcopy(dict(params))
        schedule.modified = self.world.timestamp()
        schedule.generation = self._next_generation()
        self._start(schedule)
        return {"ScheduleArn": schedule.arn}

    def get_schedule(self, **params: Any) -> dict[str, Any]:
        self._check("GetSchedule", params)
        return self._schedule(params["Name"], params.get("GroupName")).describe()

    def delete_schedule(self, **params: Any) -> dict[str, Any]:
        self._check("DeleteSchedule", params)
        self._remove(self._schedule(params["Name"], params.get("GroupName")), "deleted")
        return {}

    def list_schedules(self, **params: Any) -> dict[str, Any]:
        self._check("ListSchedules", params)
        group = params.get("GroupName")
        if group is not None:
            self._group(group)
        prefix = params.get("NamePrefix", "")
        found = [
            s.summary()
            for (group_name, name), s in sorted(self.schedules.items())
            if (group is None or group_name == group)
            and name.startswith(prefix)
            and params.get("State", s.state) == s.state
        ]
        page, token = _page(found, params)
        return {"Schedules": page, **token}

    def _check_rules(self, params: Mapping[str, Any]) -> None:
        """The documented rules the model cannot state."""
        parse_expression(params["ScheduleExpression"])
        zone(params.get("ScheduleExpressionTimezone", "UTC"))
        window = params["FlexibleTimeWindow"]
        if window["Mode"] == "FLEXIBLE" and "MaximumWindowInMinutes" not in window:
            raise ValidationException(
                "FlexibleTimeWindow.MaximumWindowInMinutes is required when Mode is FLEXIBLE."
            )
        start, end = as_datetime(params.get("StartDate")), as_datetime(params.get("EndDate"))
        if start is not None and end is not None and end <= start:
            raise ValidationException("The EndDate must be later than the StartDate.")
        targets.check_target(params["Target"])

    def _next_generation(self) -> int:
        self._generations += 1
        return self._generations

    def _remove(self, schedule: Schedule, why: str) -> None:
        self.schedules.pop((schedule.group, schedule.name), None)
        schedule.generation = -1
        self.world.record("scheduler", schedule.name, "ScheduleDeleted", None, reason=why)

    # -- running ------------------------------------------------------------------------
    def _start(self, schedule: Schedule) -> None:
        self.world.env.process(self._run(schedule, schedule.generation))

    def _run(self, schedule: Schedule, generation: int):
        request = schedule.request
        expression = parse_expression(request["ScheduleExpression"])
        times = occurrences(
            expression,
            zone(request.get("ScheduleExpressionTimezone", "UTC")),
            self.world.timestamp(),
            start=None
            if isinstance(expression, OneTime)
            else as_datetime(request.get("StartDate")),
            end=None if isinstance(expression, OneTime) else as_datetime(request.get("EndDate")),
        )
        last = None
        for scheduled in times:
            wait = (scheduled - self.world.timestamp()).total_seconds()
            yield self.world.env.timeout(max(0.0, wait))
            if schedule.generation != generation:
                return
            if schedule.state == "ENABLED":
                last = self.world.env.process(self._invoke(schedule, scheduled))
        if last is not None:
            yield last
        # A recurring schedule is deleted after its last invocation only when it has an EndDate.
        deletes = request.get("ActionAfterCompletion") == "DELETE" and (
            isinstance(expression, OneTime) or "EndDate" in request
        )
        if schedule.generation == generation and deletes:
            self._remove(schedule, "completed")

    def _invoke(self, schedule: Schedule, scheduled: datetime):
        """One invocation: wait out the flexible window's offset, then deliver with retries."""
        window = schedule.request["FlexibleTimeWindow"]
        offset = 0.0
        if window["Mode"] == "FLEXIBLE":
            rng = self.world.rng(f"scheduler.flexible/{schedule.arn}")
            offset = rng.uniform(0, window["MaximumWindowInMinutes"] * 60)
        execution_id = self.world.uuid().replace("-", "")[:16]
        target = schedule.request["Target"]
        self.world.record(
            "scheduler",
            schedule.name,
            "ScheduledInvocation",
            None,
            schedule_arn=schedule.arn,
            scheduled_time=format_event_time(scheduled),
            execution_id=execution_id,
            delivered_at=self.world.now + offset,
        )
        if offset:
            yield self.world.env.timeout(offset)
        context = dict(
            schedule_arn=schedule.arn,
            scheduled_time=format_event_time(scheduled),
            execution_id=execution_id,
        )
        text = targets.substitute(target.get("Input", targets.DEFAULT_INPUT), **context)
        if "EventBridgeParameters" in target:
            event = targets.bus_event(
                target, text, account=self.account, region=self.region, **context
            )
        else:
            event = {"id": execution_id, "scheduled-time": context["scheduled_time"]}
        policy = target.get("RetryPolicy") or {}
        delivery_target = Target(
            id=schedule.name,
            arn=target["Arn"],
            input=target.get("Input", targets.DEFAULT_INPUT),
            maximum_event_age=policy.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_EVENT_AGE),
            maximum_retry_attempts=policy.get(
                "MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS
            ),
            message_group_id=(target.get("SqsParameters") or {}).get("MessageGroupId"),
        )
        attempt_payload = partial(_attempt_payload, context)
        yield self.world.env.process(
            deliver(
                self.world,
                event,
                delivery_target,
                DeliveryContext(
                    f"scheduler/{schedule.group}", schedule.name, schedule.arn, from_bus=False
                ),
                latency=self.latency,
                duplicate_rate=0.0,
                on_failure=partial(self._dead_letter, schedule, context, attempt_payload),
                attempt_payload=attempt_payload,
            )
        )

    def _dead_letter(
        self,
        schedule: Schedule,
        context: dict[str, str],
        attempt_payload,
        error: TargetError,
        attempts: int,
        condition: str | None,
    ) -> None:
        """Send the failed invocation's input to the DLQ with Scheduler's message attributes."""
        target = schedule.request["Target"]
        attributes = {
            "ERROR_CODE": error.code,
            "ERROR_MESSAGE": error.message,
            "EXECUTION_ID": context["execution_id"],
            "IS_PAYLOAD_TRUNCATED": "false",
            "RETRY_ATTEMPTS": attempts - 1,
            "SCHEDULED_TIME": context["scheduled_time"],
            "SCHEDULE_ARN": schedule.arn,
            "TARGET_ARN": target["Arn"],
        }
        if condition:
            attributes["EXHAUSTED_RETRY_CONDITION"] = condition
        body = attempt_payload(target.get("Input", targets.DEFAULT_INPUT), attempts)
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq and self.world.has_service(dlq):
            self.world.service(dlq).send_message(body, **attributes)
            outcome = "dead-lettered"
        else:
            outcome = "dropped"
        meta = {"rule": schedule.name, "event_id": context["execution_id"], "dlq": dlq or "none"}
        self.world.trace.append(
            TraceRecord(
                self.world.now,
                f"scheduler/{schedule.group}",
                schedule.name,
                "event",
                body,
                self.world.now,
                outcome,
                {**meta, **attributes},
            )
        )


def _attempt_payload(context: dict[str, str], text: str, attempt: int) -> str:
    return targets.substitute(text, attempt=attempt, **context)


def _page(items: list[dict], params: Mapping[str, Any]) -> tuple[list[dict], dict[str, str]]:
    """One page of ``items`` and the NextToken for the rest (an offset, opaque to callers)."""
    token = params.get("NextToken", "0")
    if not (token.isascii() and token.isdigit()) or int(token) > len(items):
        raise ValidationException(f"Invalid NextToken {token}.")
    first = int(token)
    last = first + params.get("MaxResults", PAGE)
    return items[first:last], ({"NextToken": str(last)} if last < len(items) else {})


__all__ = ["Scheduler"]
