"""EventBridge Scheduler: the API model, expressions in time zones across daylight-saving
changes, flexible windows, one-time schedules, targets, retries and the dead-letter queue."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.eventbridge import EventBridge, Scheduler
from course_lib.eventbridge.api_model import ModelChecker, load_model
from course_lib.eventbridge.scheduler import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from course_lib.eventbridge.scheduler.expressions import (
    local_to_utc,
    occurrences,
    parse_expression,
    zone,
)
from course_lib.sim.queue import Queue, queue_arn
from course_lib.sim.world import World

ROLE = "arn:aws:iam::123456789012:role/scheduler"
FN = "arn:aws:lambda:us-east-1:123456789012:function:job"
OFF = {"Mode": "OFF"}
MODEL = botocore.session.get_session().get_service_model("scheduler")
DAY = 86_400


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _seconds_until(world: World, moment: str) -> float:
    return (_at(moment) - world.epoch).total_seconds()


@pytest.fixture
def world() -> World:
    return World(seed=5)


@pytest.fixture
def calls(world: World) -> list:
    received: list = []
    world.register(FN, lambda payload: received.append((world.timestamp(), payload)))
    return received


def _create(scheduler: Scheduler, name: str, expression: str, **extra):
    target = extra.pop("Target", {"Arn": FN, "RoleArn": ROLE})
    return scheduler.create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow=extra.pop("FlexibleTimeWindow", OFF),
        Target=target,
        **extra,
    )


def _local(times, zone_name: str) -> list[str]:
    tz = ZoneInfo(zone_name)
    return [t.astimezone(tz).strftime("%d %b %H:%M %Z") for t in times]


# -- the API model -------------------------------------------------------------------------

REJECTED_BY_BOTH = [
    {"Name": "x", "ScheduleExpression": "rate(1 hour)", "Target": {"Arn": FN, "RoleArn": ROLE}},
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 0},
        "Target": {"Arn": FN, "RoleArn": ROLE},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN, "RoleArn": ROLE, "RetryPolicy": {"MaximumEventAgeInSeconds": 59}},
    },
]

REJECTED_BY_THE_SERVICE = [
    {
        "Name": "bad name!",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN, "RoleArn": ROLE},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441},
        "Target": {"Arn": FN, "RoleArn": ROLE},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": {"Mode": "SOMETIMES"},
        "Target": {"Arn": FN, "RoleArn": ROLE},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN, "RoleArn": ROLE, "RetryPolicy": {"MaximumRetryAttempts": 186}},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN, "RoleArn": "not-a-role"},
    },
    {
        "Name": "x",
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": FN, "RoleArn": ROLE, "DeadLetterConfig": {"Arn": queue_arn("d.fifo")}},
    },
]


@pytest.mark.parametrize(
    ("params", "by_boto3"),
    [(p, True) for p in REJECTED_BY_BOTH] + [(p, False) for p in REJECTED_BY_THE_SERVICE],
)
def test_requests_are_checked_against_the_scheduler_model(world, params, by_boto3):
    input_shape = MODEL.operation_model("CreateSchedule").input_shape
    assert ParamValidator().validate(params, input_shape).has_errors() is by_boto3
    with pytest.raises(ValidationException, match="validation error"):
        Scheduler(world).create_schedule(**params)


@pytest.mark.parametrize(
    ("expression", "extra", "message"),
    [
        ("rate(0 minutes)", {}, "positive"),
        ("rate(1 hours)", {}, "singular"),
        ("rate(5 weeks)", {}, "expected rate"),
        ("cron(0 8 * * *)", {}, "6 fields"),
        ("cron(0 8 * * MON *)", {}, "exactly one"),
        ("at(2025-02-30T10:00:00)", {}, "day is out of range"),
        ("at(2025-03-01 10:00)", {}, "at\\(yyyy"),
        ("rate(1 hour)", {"ScheduleExpressionTimezone": "Mars/Olympus"}, "IANA"),
        ("rate(1 hour)", {"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}}, "MaximumWindowInMinutes"),
        (
            "rate(1 hour)",
            {"StartDate": "2025-02-01T00:00:00Z", "EndDate": "2025-01-31T00:00:00Z"},
            "EndDate",
        ),
        ("rate(1 hour)", {"Target": {"Arn": FN, "RoleArn": ROLE, "Input": "not json"}}, "JSON"),
        (
            "rate(1 hour)",
            {
                "Target": {
                    "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/b",
                    "RoleArn": ROLE,
                }
            },
            "EventBridgeParameters",
        ),
        (
            "rate(1 hour)",
            {"Target": {"Arn": queue_arn("q.fifo"), "RoleArn": ROLE}},
            "MessageGroupId",
        ),
        (
            "rate(1 hour)",
            {"Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sqs", "RoleArn": ROLE}},
            "universal",
        ),
        (
            "rate(1 hour)",
            {"Target": {"Arn": "arn:aws:scheduler:::aws-sdk:sqs:getQueueUrl", "RoleArn": ROLE}},
            "read-only",
        ),
        (
            "rate(1 hour)",
            {"Target": {"Arn": FN, "RoleArn": ROLE, "Input": "x" * (256 * 1024 + 1)}},
            "256 KB",
        ),
    ],
)
def test_documented_rules_the_model_cannot_state(world, expression, extra, message):
    with pytest.raises(ValidationException, match=message):
        _create(Scheduler(world), "s", expression, **extra)


def test_names_conflict_groups_must_exist_and_client_tokens_make_retries_idempotent(world):
    scheduler = Scheduler(world)
    arn = _create(scheduler, "s", "rate(1 hour)", ClientToken="t-1")["ScheduleArn"]
    assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"
    assert _create(scheduler, "s", "rate(1 hour)", ClientToken="t-1")["ScheduleArn"] == arn
    with pytest.raises(ConflictException, match="already exists"):
        _create(scheduler, "s", "rate(1 hour)")
    with pytest.raises(ResourceNotFoundException, match="group night does not exist"):
        _create(scheduler, "s", "rate(1 hour)", GroupName="night")
    with pytest.raises(ResourceNotFoundException, match="Schedule t does not exist"):
        scheduler.get_schedule(Name="t")


def test_groups_tags_listing_and_deletion(world, calls):
    scheduler = Scheduler(world)
    group_arn = scheduler.create_schedule_group(Name="night", Tags=[{"Key": "k", "Value": "v"}])[
        "ScheduleGroupArn"
    ]
    with pytest.raises(ConflictException):
        scheduler.create_schedule_group(Name="night")
    scheduler.tag_resource(ResourceArn=group_arn, Tags=[{"Key": "team", "Value": "ops"}])
    scheduler.untag_resource(ResourceArn=group_arn, TagKeys=["k"])
    assert scheduler.list_tags_for_resource(ResourceArn=group_arn)["Tags"] == [
        {"Key": "team", "Value": "ops"}
    ]
    for name in ("a1", "a2", "b1"):
        _create(scheduler, name, "rate(1 hour)", GroupName="night")
    page = scheduler.list_schedules(GroupName="night", MaxResults=2)
    assert [s["Name"] for s in page["Schedules"]] == ["a1", "a2"]
    rest = scheduler.list_schedules(GroupName="night", NextToken=page["NextToken"])
    assert [s["Name"] for s in rest["Schedules"]] == ["b1"] and "NextToken" not in rest
    assert [s["Name"] for s in scheduler.list_schedules(NamePrefix="a")["Schedules"]] == [
        "a1",
        "a2",
    ]
    groups = scheduler.list_schedule_groups()["ScheduleGroups"]
    assert [g["Name"] for g in groups] == ["default", "night"]
    with pytest.raises(ValidationException, match="default schedule group"):
        scheduler.delete_schedule_group(Name="default")
    world.run(until=1)
    scheduler.delete_schedule_group(Name="night")
    assert scheduler.list_schedules()["Schedules"] == []
    world.run(until=3 * 3600)
    assert len(calls) == 3  # each fired once, at creation, before its group went


def test_every_response_fits_the_output_shape_of_its_operation(world):
    scheduler = Scheduler(world)
    model = load_model("scheduler", "2021-06-30")
    group = scheduler.create_schedule_group(Name="g")["ScheduleGroupArn"]
    responses = {
        "CreateSchedule": _create(
            scheduler,
            "s",
            "cron(0 8 ? * MON-FRI *)",
            GroupName="g",
            StartDate=datetime(2025, 2, 1, tzinfo=UTC),
            ScheduleExpressionTimezone="Europe/Zurich",
        ),
        "GetSchedule": scheduler.get_schedule(Name="s", GroupName="g"),
        "ListSchedules": scheduler.list_schedules(),
        "GetScheduleGroup": scheduler.get_schedule_group(Name="g"),
        "ListScheduleGroups": scheduler.list_schedule_groups(),
        "ListTagsForResource": scheduler.list_tags_for_resource(ResourceArn=group),
        "UpdateSchedule": scheduler.update_schedule(
            Name="s",
            GroupName="g",
            ScheduleExpression="rate(1 day)",
            FlexibleTimeWindow=OFF,
            Target={"Arn": FN, "RoleArn": ROLE},
        ),
        "DeleteSchedule": scheduler.delete_schedule(Name="s", GroupName="g"),
        "DeleteScheduleGroup": scheduler.delete_schedule_group(Name="g"),
    }
    for operation, response in responses.items():
        checker = ModelChecker(model)
        checker.check(response, model["operations"][operation]["output"]["shape"], "")
        assert checker.errors == [], operation


def test_update_replaces_every_setting_with_its_default(world):
    scheduler = Scheduler(world)
    _create(scheduler, "s", "rate(1 hour)", State="DISABLED", Description="d")
    scheduler.update_schedule(
        Name="s",
        ScheduleExpression="rate(2 hours)",
        FlexibleTimeWindow=OFF,
        Target={"Arn": FN, "RoleArn": ROLE},
    )
    described = scheduler.get_schedule(Name="s")
    assert described["State"] == "ENABLED" and "Description" not in described
    assert described["ScheduleExpression"] == "rate(2 hours)"


# -- expressions, time zones and daylight saving ------------------------------------------------


def _first(expression: str, zone_name: str, created: str, count: int, **bounds) -> list[datetime]:
    found = occurrences(parse_expression(expression), zone(zone_name), _at(created), **bounds)
    return list(itertools.islice(found, count))


def test_cron_in_zurich_skips_the_missing_hour_in_march_and_runs_once_in_october():
    spring = _first("cron(30 2 * * ? *)", "Europe/Zurich", "2025-03-28T12:00:00", 3)
    assert _local(spring, "Europe/Zurich") == [
        "29 Mar 02:30 CET",
        "31 Mar 02:30 CEST",  # 30 March 02:30 does not exist: skipped
        "01 Apr 02:30 CEST",
    ]
    autumn = _first("cron(30 2 * * ? *)", "Europe/Zurich", "2025-10-25T12:00:00", 3)
    assert _local(autumn, "Europe/Zurich") == [
        "26 Oct 02:30 CEST",  # 02:30 happens twice on 26 October: once is run
        "27 Oct 02:30 CET",
        "28 Oct 02:30 CET",
    ]
    quarter_hours = _first("cron(0/15 2 * * ? *)", "Europe/Zurich", "2025-10-26T00:00:00", 5)
    assert [t.strftime("%H:%M") for t in quarter_hours][:4] == ["00:00", "00:15", "00:30", "00:45"]


def test_cron_in_new_york_follows_the_american_changes():
    spring = _first("cron(30 2 ? * SUN *)", "America/New_York", "2025-03-01T12:00:00", 2)
    assert _local(spring, "America/New_York") == ["02 Mar 02:30 EST", "16 Mar 02:30 EDT"]
    autumn = _first("cron(30 1 * * ? *)", "America/New_York", "2025-11-01T12:00:00", 2)
    assert [t.isoformat() for t in autumn] == [
        "2025-11-02T05:30:00+00:00",  # the first 01:30 (EDT); the second is not run
        "2025-11-03T06:30:00+00:00",
    ]


def test_a_weekday_cron_keeps_its_local_hour_across_the_change():
    times = _first("cron(0 8 ? * MON-FRI *)", "Europe/Zurich", "2025-03-27T00:00:00", 4)
    assert [t.strftime("%a %H:%M") for t in times] == [
        "Thu 07:00",
        "Fri 07:00",
        "Mon 06:00",
        "Tue 06:00",
    ]


def test_a_rate_in_days_is_24_hours_so_the_local_hour_moves():
    times = _first("rate(1 day)", "Europe/Zurich", "2025-03-29T08:00:00", 3)
    assert _local(times, "Europe/Zurich") == [
        "29 Mar 09:00 CET",
        "30 Mar 10:00 CEST",
        "31 Mar 10:00 CEST",
    ]


def test_rate_starts_at_once_or_at_the_start_date_and_stops_before_the_end_date():
    assert _first("rate(2 hours)", "UTC", "2025-01-06T09:00:00", 2) == [
        _at("2025-01-06T09:00:00"),
        _at("2025-01-06T11:00:00"),
    ]
    bounded = _first(
        "rate(30 minutes)",
        "UTC",
        "2025-01-06T09:00:00",
        10,
        start=_at("2025-01-07T00:10:00"),
        end=_at("2025-01-07T01:10:00"),
    )
    assert [t.strftime("%H:%M") for t in bounded] == ["00:10", "00:40"]
    late_start = _first(
        "rate(1 hour)", "UTC", "2025-01-06T09:20:00", 1, start=_at("2025-01-06T08:00:00")
    )
    assert late_start == [_at("2025-01-06T10:00:00")]


def test_at_runs_once_in_its_zone_and_not_when_past_or_missing():
    assert _first("at(2025-03-31T09:30:00)", "Europe/Zurich", "2025-01-06T09:00:00", 5) == [
        _at("2025-03-31T07:30:00")
    ]
    assert _first("at(2025-01-01T00:00:00)", "UTC", "2025-01-06T09:00:00", 5) == []
    assert _first("at(2025-03-30T02:30:00)", "Europe/Zurich", "2025-01-06T09:00:00", 5) == []


ZONES = sorted(available_timezones())
CRON_MINUTES = st.lists(st.integers(0, 59), min_size=1, max_size=3, unique=True)
CRON_HOURS = st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    minutes=CRON_MINUTES,
    hours=CRON_HOURS,
    day=st.integers(0, 3 * 365),
)
def test_a_cron_never_fires_twice_for_one_wall_clock_time_nor_at_one_that_does_not_exist(
    zone_name, minutes, hours, day
):
    expression = f"cron({','.join(map(str, minutes))} {','.join(map(str, hours))} * * ? *)"
    created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day)
    tz = ZoneInfo(zone_name)
    times = list(itertools.islice(occurrences(parse_expression(expression), tz, created), 200))
    locals_ = [t.astimezone(tz).replace(tzinfo=None) for t in times]
    assert len(set(locals_)) == len(locals_)
    assert times == sorted(times) and times[0] >= created
    for instant, local in zip(times, locals_, strict=True):
        assert local.minute in minutes and local.hour in hours  # never shifted out of a gap
        assert local_to_utc(local, tz) == instant  # a repeated time runs at its first occurrence


# -- running schedules on the world ------------------------------------------------------------


def test_one_time_schedule_with_delete_removes_itself_after_running(world, calls):
    scheduler = Scheduler(world)
    _create(
        scheduler,
        "remind",
        "at(2025-01-06T10:15:00)",
        ScheduleExpressionTimezone="Europe/Zurich",
        ActionAfterCompletion="DELETE",
        Target={"Arn": FN, "RoleArn": ROLE, "Input": '{"arn": "<aws.scheduler.schedule-arn>"}'},
    )
    _create(scheduler, "keep", "at(2025-01-06T09:30:00)")
    world.run(until=DAY)
    assert [(t.strftime("%H:%M"), p) for t, p in calls] == [
        ("09:15", {"arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/remind"}),
        ("09:30", {}),
    ]
    assert [s["Name"] for s in scheduler.list_schedules()["Schedules"]] == ["keep"]
    assert any(r.kind == "ScheduleDeleted" and r.meta["reason"] == "completed" for r in world.trace)


def test_context_attributes_are_substituted_into_the_input(world, calls):
    scheduler = Scheduler(world)
    _create(
        scheduler,
        "s",
        "cron(0 12 * * ? *)",
        Target={
            "Arn": FN,
            "RoleArn": ROLE,
            "Input": json.dumps(
                {
                    "time": "<aws.scheduler.scheduled-time>",
                    "id": "<aws.scheduler.execution-id>",
                    "attempt": "<aws.scheduler.attempt-number>",
                }
            ),
        },
    )
    world.run(until=DAY)
    ((_, payload),) = calls
    assert payload["time"] == "2025-01-06T12:00:00Z" and payload["attempt"] == "1"
    assert len(payload["id"]) == 16


def test_disabled_schedules_do_not_fire_and_deleted_ones_stop(world, calls):
    scheduler = Scheduler(world)
    _create(scheduler, "off", "rate(1 hour)", State="DISABLED")
    _create(scheduler, "gone", "rate(1 hour)")
    world.run(until=_seconds_until(world, "2025-01-06T10:30:00"))
    scheduler.delete_schedule(Name="gone")
    world.run(until=DAY)
    assert [t.strftime("%H:%M") for t, _ in calls] == ["09:00", "10:00"]


def _window_times(seed: int, window: int) -> list[tuple[datetime, datetime]]:
    world = World(seed=seed)
    seen: list = []
    world.register(FN, lambda payload: seen.append((world.timestamp(), payload["at"])))
    _create(
        Scheduler(world),
        "s",
        "rate(1 hour)",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": window},
        Target={"Arn": FN, "RoleArn": ROLE, "Input": '{"at": "<aws.scheduler.scheduled-time>"}'},
    )
    # Twelve scheduled hours, plus the whole window so the last of them has fired too.
    world.run(until=12 * 3600 + window * 60 + 60)
    return [(fired, _at(at.rstrip("Z"))) for fired, at in seen]


def test_flexible_windows_are_reproducible_per_seed_and_differ_between_seeds():
    assert _window_times(1, 15) == _window_times(1, 15)
    assert _window_times(1, 15) != _window_times(2, 15)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), window=st.integers(1, 1440))
def test_every_flexible_firing_lies_within_its_window(seed, window):
    times = _window_times(seed, window)
    assert times
    for fired, scheduled in times:
        delay = (fired - scheduled).total_seconds()
        assert 0 <= delay < window * 60 + 1  # plus at most the delivery latency


def test_retries_then_the_dead_letter_queue_with_schedulers_attributes(world):
    attempts: list = []

    def failing(payload):
        attempts.append(payload["attempt"])
        raise RuntimeError("oven on fire")

    world.register(FN, failing)
    dlq = Queue(world, "scheduler-dlq")
    scheduler = Scheduler(world)
    arn = _create(
        scheduler,
        "s",
        "at(2025-01-06T10:00:00)",
        Target={
            "Arn": FN,
            "RoleArn": ROLE,
            "Input": '{"attempt": <aws.scheduler.attempt-number>}',
            "RetryPolicy": {"MaximumRetryAttempts": 2},
            "DeadLetterConfig": {"Arn": dlq.arn},
        },
    )["ScheduleArn"]
    world.run(until=DAY)
    assert attempts == [1, 2, 3]
    (message,) = dlq.receive_message(10)
    assert message["Body"] == '{"attempt": 3}'
    attributes = {k: v.get("StringValue") for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "RuntimeError"
    assert attributes["ERROR_MESSAGE"] == "oven on fire"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["SCHEDULE_ARN"] == arn and attributes["TARGET_ARN"] == FN
    assert attributes["SCHEDULED_TIME"] == "2025-01-06T10:00:00Z"
    assert outcomes(world) == ["failed", "failed", "failed", "dead-lettered"]


def outcomes(world: World) -> list[str]:
    return [r.outcome for r in world.trace if r.kind == "event"]


def test_a_missing_target_is_not_retried(world):
    dlq = Queue(world, "dlq")
    _create(
        Scheduler(world),
        "s",
        "at(2025-01-06T10:00:00)",
        Target={"Arn": FN, "RoleArn": ROLE, "DeadLetterConfig": {"Arn": dlq.arn}},
    )
    world.run(until=DAY)
    (message,) = dlq.receive_message()
    attributes = message["MessageAttributes"]
    assert attributes["RETRY_ATTEMPTS"]["StringValue"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes
    assert outcomes(world) == ["failed", "dead-lettered"]


def test_an_eventbridge_target_puts_an_event_on_a_classic_bus(world, calls):
    bridge = EventBridge(world)
    bridge.put_rule("nightly", event_pattern={"source": ["shop.scheduler"]})
    bridge.put_targets("nightly", [{"Id": "fn", "Arn": FN}])
    arn = _create(
        Scheduler(world),
        "s",
        "cron(0 22 * * ? *)",
        Target={
            "Arn": bridge.bus().arn,
            "RoleArn": ROLE,
            "Input": '{"report": "daily"}',
            "EventBridgeParameters": {"DetailType": "ReportDue", "Source": "shop.scheduler"},
        },
    )["ScheduleArn"]
    world.run(until=DAY)
    ((fired, event),) = calls
    assert event["detail-type"] == "ReportDue" and event["detail"] == {"report": "daily"}
    assert event["resources"] == [arn] and event["time"] == "2025-01-06T22:00:00Z"
    assert fired.strftime("%H:%M") == "22:00"


def test_a_universal_target_calls_the_handler_registered_under_its_arn(world):
    requests: list = []
    universal = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage"
    world.register(universal, requests.append)
    _create(
        Scheduler(world),
        "s",
        "at(2025-01-06T09:05:00)",
        Target={
            "Arn": universal,
            "RoleArn": ROLE,
            "Input": '{"QueueUrl": "q", "MessageBody": "<aws.scheduler.scheduled-time>"}',
        },
    )
    world.run(until=DAY)
    assert requests == [{"QueueUrl": "q", "MessageBody": "2025-01-06T09:05:00Z"}]


def test_a_fifo_queue_target_gets_the_message_group(world):
    queue = Queue(world, "jobs.fifo", content_based_deduplication=True)
    _create(
        Scheduler(world),
        "s",
        "rate(1 hour)",
        Target={
            "Arn": queue.arn,
            "RoleArn": ROLE,
            "Input": "tick",
            "SqsParameters": {"MessageGroupId": "g"},
        },
    )
    world.run(until=2.5 * 3600)
    messages = queue.receive_message(10)
    assert [m["Body"] for m in messages] == ["tick", "tick", "tick"]


def test_a_recurring_schedule_deletes_itself_after_its_last_run_only_with_an_end_date(world, calls):
    scheduler = Scheduler(world)
    _create(
        scheduler,
        "ends",
        "rate(1 hour)",
        EndDate="2025-01-06T11:30:00Z",
        ActionAfterCompletion="DELETE",
    )
    _create(scheduler, "only-2025", "cron(0 10 6 1 ? 2025)", ActionAfterCompletion="DELETE")
    world.run(until=DAY)
    assert [t.strftime("%H:%M") for t, _ in calls] == ["09:00", "10:00", "10:00", "11:00"]
    assert [s["Name"] for s in scheduler.list_schedules()["Schedules"]] == ["only-2025"]


def test_an_update_takes_effect_from_the_next_scheduled_time(world, calls):
    scheduler = Scheduler(world)
    _create(scheduler, "s", "rate(1 hour)", State="DISABLED")
    world.run(until=_seconds_until(world, "2025-01-06T10:30:00"))
    scheduler.update_schedule(
        Name="s",
        ScheduleExpression="cron(0 12,14 * * ? *)",
        FlexibleTimeWindow=OFF,
        Target={"Arn": FN, "RoleArn": ROLE},
    )
    world.run(until=_seconds_until(world, "2025-01-06T23:00:00"))
    assert [t.strftime("%H:%M") for t, _ in calls] == ["12:00", "14:00"]
