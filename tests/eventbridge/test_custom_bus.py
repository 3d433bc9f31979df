"""The Custom Event Bus (EventBridgeV2): API shapes, validation, buses, subscribers, publishing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from course_lib.eventbridge import EventBridge, EventBridgeV2, ValidationException
from course_lib.eventbridge.custom_bus import (
    ConcurrentModificationException,
    IdempotentParameterMismatchException,
    InvalidInputException,
    InvalidStateException,
    NotSimulatedException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from course_lib.eventbridge.custom_bus.validation import operation_names, snake_case
from course_lib.sim.queue import Queue
from course_lib.sim.world import World

ROLE = "arn:aws:iam::123456789012:role/eb-invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:consumer"


class Recorder:
    """A local function target: records what it receives; fails while ``failing`` says so."""

    def __init__(self, world: World, failing=None) -> None:
        self.world = world
        self.calls: list[tuple[float, object]] = []
        self.failing = failing or (lambda payload, attempt: False)
        self.attempts: dict[str, int] = {}

    def __call__(self, payload):
        key = json.dumps(payload, sort_keys=True)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if self.failing(payload, self.attempts[key]):
            raise RuntimeError("target unavailable")
        self.calls.append((self.world.now, payload))

    @property
    def payloads(self) -> list:
        return [payload for _, payload in self.calls]


@pytest.fixture
def world() -> World:
    return World(seed=7)


@pytest.fixture
def eb(world) -> EventBridgeV2:
    return EventBridgeV2(world)


def active_bus(world, eb, name="orders", days=1) -> str:
    arn = eb.create_event_bus(Name=name, StorageConfiguration={"RetentionPeriodInDays": days})[
        "EventBusArn"
    ]
    world.run(until=world.now + 10)
    return arn


def subscribe(eb, bus, name="sub", target=FN, **extra) -> str:
    params = {"RoleArn": ROLE, "TargetArn": target}
    return eb.create_subscriber(Name=name, EventBusArn=bus, InvokeConfiguration=params, **extra)[
        "SubscriberArn"
    ]


def event(n, group=None, dedup=None, **detail):
    entry = {
        "Source": "pizza.orders",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps({"n": n, **detail}),
    }
    system = {}
    if group is not None:
        system["EventGroupId"] = group
    if dedup is not None:
        system["DeduplicationId"] = dedup
    if system:
        entry["SystemMetadata"] = system
    return entry


def pattern(scope, value):
    return {"Filters": [{"Scope": scope, "Pattern": json.dumps(value)}]}


# -- validation against the model ---------------------------------------------------------
def test_every_operation_of_the_model_is_a_method(eb):
    for operation in operation_names():
        assert callable(getattr(eb, snake_case(operation)))


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"Name": "-orders"}, "Member must satisfy regular expression pattern"),
        (
            {"Name": "o", "StorageConfiguration": {"RetentionPeriodInDays": 366}},
            "less than or equal to 365",
        ),
        (
            {"Name": "o", "StorageConfiguration": {"RetentionPeriodInDays": 0}},
            "greater than or equal to 1",
        ),
        ({"Name": "o", "Colour": "blue"}, "Unknown parameter 'Colour'"),
        ({}, "Value 'None' at 'name' failed to satisfy constraint: Member must not be null"),
        ({"Name": "x" * 257}, "length less than or equal to 256"),
        ({"Name": "o", "Tags": {"k": 3}}, "Member must be a string"),
    ],
)
def test_create_event_bus_is_checked_against_the_model(eb, params, fragment):
    with pytest.raises(InvalidInputException, match="validation error") as raised:
        eb.create_event_bus(**params)
    assert fragment in str(raised.value)
    assert isinstance(raised.value, ValidationException)


def test_all_violations_are_reported_at_once(eb):
    with pytest.raises(InvalidInputException, match="^2 validation errors detected"):
        eb.create_event_bus(Name="-x", StorageConfiguration={"RetentionPeriodInDays": 999})


def test_subscriber_policy_ranges_come_from_the_model(world, eb):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="less than or equal to 185"):
        subscribe(eb, bus, RetryPolicy={"MaxRetryAttempts": 186})
    with pytest.raises(InvalidInputException, match="greater than or equal to 60"):
        subscribe(eb, bus, RetryPolicy={"MaxEventAgeInSeconds": 59})
    with pytest.raises(InvalidInputException, match="enum value set: \\[FIFO, UNORDERED\\]"):
        subscribe(eb, bus, Type="ORDERED")
    with pytest.raises(InvalidInputException, match="less than or equal to 500"):
        subscribe(eb, bus, BatchConfiguration={"MaxBatchSize": 501})


def test_put_events_takes_one_to_a_hundred_entries(world, eb):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="length greater than or equal to 1"):
        eb.put_events(EventBusArn=bus, Entries=[])
    with pytest.raises(InvalidInputException, match="length less than or equal to 100"):
        eb.put_events(EventBusArn=bus, Entries=[event(i) for i in range(101)])


def test_a_request_over_one_megabyte_publishes_nothing(world, eb):
    bus = active_bus(world, eb)
    big = json.dumps({"blob": "x" * 300_000})
    entries = [{"Source": "s", "DetailType": "d", "Detail": big} for _ in range(4)]
    with pytest.raises(InvalidInputException, match="1 MB"):
        eb.put_events(EventBusArn=bus, Entries=entries)
    assert eb.bus(bus).log == []


# -- bus lifecycle ---------------------------------------------------------------------------
def test_a_bus_is_created_asynchronously(world, eb):
    created = eb.create_event_bus(Name="orders", StorageConfiguration={"RetentionPeriodInDays": 30})
    assert created["State"] == "CREATING"
    assert created["EventBusArn"].startswith(
        "arn:aws:events:us-east-1:123456789012:event-busv2/orders/"
    )
    with pytest.raises(InvalidStateException):
        eb.put_events(EventBusArn=created["EventBusArn"], Entries=[event(1)])
    with pytest.raises(InvalidStateException):
        subscribe(eb, created["EventBusArn"])
    world.run(until=10)
    described = eb.describe_event_bus(EventBusArn=created["EventBusArn"])
    assert described["State"] == "ACTIVE"
    assert described["StorageConfiguration"]["RetentionPeriodInDays"] == 30
    assert (
        described["StorageConfiguration"]["RetentionWindowStartTime"] == described["CreationTime"]
    )


def test_bus_names_are_unique_and_client_tokens_are_idempotent(world, eb):
    first = eb.create_event_bus(Name="orders", ClientToken="t-1")
    assert eb.create_event_bus(Name="orders", ClientToken="t-1") == first
    with pytest.raises(IdempotentParameterMismatchException):
        eb.create_event_bus(Name="other", ClientToken="t-1")
    with pytest.raises(ResourceAlreadyExistsException):
        eb.create_event_bus(Name="orders")


def test_update_and_delete_are_asynchronous_too(world, eb):
    bus = active_bus(world, eb)
    updated = eb.update_event_bus(
        EventBusArn=bus, StorageConfiguration={"RetentionPeriodInDays": 90}
    )
    assert updated["State"] == "UPDATING"
    with pytest.raises(ConcurrentModificationException):
        eb.update_event_bus(EventBusArn=bus, Description="again")
    world.run(until=world.now + 10)
    assert (
        eb.describe_event_bus(EventBusArn=bus)["StorageConfiguration"]["RetentionPeriodInDays"]
        == 90
    )
    sub = subscribe(eb, bus)
    with pytest.raises(ResourceInUseException):
        eb.delete_event_bus(EventBusArn=bus)
    eb.delete_subscriber(SubscriberArn=sub)
    eb.delete_event_bus(EventBusArn=bus)
    assert eb.describe_event_bus(EventBusArn=bus)["State"] == "DELETING"
    world.run(until=world.now + 10)
    with pytest.raises(ResourceNotFoundException):
        eb.describe_event_bus(EventBusArn=bus)


def test_lists_page_with_next_tokens(world, eb):
    for name in ("a", "b", "c"):
        eb.create_event_bus(Name=name)
    first = eb.list_event_buses(MaxResults=2)
    assert [b["Name"] for b in first["EventBuses"]] == ["a", "b"]
    rest = eb.list_event_buses(MaxResults=2, NextToken=first["NextToken"])
    assert [b["Name"] for b in rest["EventBuses"]] == ["c"] and "NextToken" not in rest
    assert [b["Name"] for b in eb.list_event_buses(NamePrefix="b")["EventBuses"]] == ["b"]


def test_tags_on_buses_and_subscribers(world, eb):
    bus = active_bus(world, eb)
    sub = subscribe(eb, bus, Tags={"course": "eda"})
    eb.tag_resource(ResourceArn=bus, Tags={"lesson": "06", "course": "eda"})
    eb.untag_resource(ResourceArn=bus, TagKeys=["lesson"])
    assert eb.list_tags_for_resource(ResourceArn=bus) == {"Tags": {"course": "eda"}}
    assert eb.list_tags_for_resource(ResourceArn=sub) == {"Tags": {"course": "eda"}}
    with pytest.raises(InvalidInputException, match="aws:"):
        eb.tag_resource(ResourceArn=bus, Tags={"aws:owner": "me"})


def test_operations_this_bus_does_not_play_say_so(eb):
    with pytest.raises(NotSimulatedException, match="not simulated"):
        eb.get_resource_policy(ResourceArn="arn")
    with pytest.raises(AttributeError):
        eb.no_such_operation()


# -- subscriber configuration --------------------------------------------------------------
def test_subscriber_defaults_are_described(world, eb):
    bus = active_bus(world, eb)
    sub = subscribe(eb, bus)
    described = eb.describe_subscriber(SubscriberArn=sub)
    assert described["Type"] == "UNORDERED"
    assert described["StartingPosition"] == "LATEST"
    assert described["State"] == "RUNNING"
    assert described["RetryPolicy"] == {
        "MaxRetryAttempts": 5,
        "MaxEventAgeInSeconds": 300,
        "RetryStrategy": "ALL",
    }
    assert described["BatchConfiguration"] == {"MaxBatchSize": 10, "MaxBatchWindowInSeconds": 0}
    assert described["Transformer"] == {"Type": "RAW"}
    summary = eb.list_subscribers(EventBusArn=bus)["Subscribers"][0]
    assert summary["TargetArn"] == FN and summary["SubscriberAccountId"] == "123456789012"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"StartingPosition": "POINT_IN_TIME"}, "PointInTimeConfiguration is required"),
        ({"PointInTimeConfiguration": {"PointType": "HORIZON"}}, "applies only when"),
        (
            {
                "StartingPosition": "POINT_IN_TIME",
                "PointInTimeConfiguration": {"PointType": "TIMESTAMP"},
            },
            "StartingPoint is required",
        ),
        ({"Transformer": {"Type": "JSONATA"}}, "JsonataConfiguration is required"),
        (
            {
                "Transformer": {
                    "Type": "JSONATA",
                    "JsonataConfiguration": {"Expression": "{% $events.( %}"},
                }
            },
            "not valid",
        ),
        ({"FilterConfiguration": {"Filters": []}}, "length greater than or equal to 1"),
        ({"FilterConfiguration": {"Language": "EVENT_BRIDGE_PATTERN"}}, "at least one Filter"),
    ],
)
def test_documented_subscriber_rules(world, eb, extra, message):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match=message):
        subscribe(eb, bus, **extra)


def test_the_invoke_role_belongs_to_the_caller_and_parameters_match_the_target(world, eb):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="calling account"):
        eb.create_subscriber(
            Name="s",
            EventBusArn=bus,
            InvokeConfiguration={"RoleArn": "arn:aws:iam::999999999999:role/r", "TargetArn": FN},
        )
    with pytest.raises(InvalidInputException, match="does not apply"):
        eb.create_subscriber(
            Name="s",
            EventBusArn=bus,
            InvokeConfiguration={
                "RoleArn": ROLE,
                "TargetArn": FN,
                "SqsParameters": {"MessageGroupId": "g"},
            },
        )
    with pytest.raises(ResourceAlreadyExistsException):
        subscribe(eb, bus, name="twice")
        subscribe(eb, bus, name="twice")


def test_a_classic_bus_target_takes_raw_only(world, eb):
    bus = active_bus(world, eb)
    classic = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    with pytest.raises(InvalidInputException, match="only RAW"):
        subscribe(eb, bus, target=classic, Transformer={"Type": "WITH_METADATA"})


# -- filters -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scope", "value"),
    [
        ("DATA", {"detail": {"flavour": [{"wildcard": "pep*"}]}}),
        ("DATA", {"detail": {"flavour": [{"anything-but": {"wildcard": "pep*"}}]}}),
        (
            "SYSTEM_METADATA",
            {"$or": [{"EventGroupId": [{"wildcard": "*"}]}, {"ContentType": ["x"]}]},
        ),
    ],
)
def test_filters_reject_wildcards(world, eb, scope, value):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="wildcard"):
        subscribe(eb, bus, FilterConfiguration=pattern(scope, value))


@pytest.mark.parametrize(
    "value",
    [
        {"tenant": [{"prefix": "ac"}]},
        {"$or": [{"tenant": ["a"]}, {"tier": ["b"]}]},
        {"tenant": "acme"},
    ],
)
def test_metadata_filters_take_exact_values_only(world, eb, value):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="exact values only"):
        subscribe(eb, bus, FilterConfiguration=pattern("METADATA", value))


def test_invalid_patterns_and_repeated_scopes_are_rejected(world, eb):
    bus = active_bus(world, eb)
    with pytest.raises(InvalidInputException, match="Scope DATA is not valid"):
        subscribe(
            eb, bus, FilterConfiguration=pattern("DATA", {"detail": {"n": [{"numeric": [">"]}]}})
        )
    twice = {"Filters": [{"Scope": "DATA", "Pattern": '{"a":["b"]}'}] * 2}
    with pytest.raises(InvalidInputException, match="one filter per scope"):
        subscribe(eb, bus, FilterConfiguration=twice)


def test_put_events_data_is_matched_under_detail_and_all_filters_must_match(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    filters = {
        "Filters": [
            {
                "Scope": "DATA",
                "Pattern": json.dumps({"detail": {"total": [{"numeric": [">", 500]}]}}),
            },
            {
                "Scope": "SYSTEM_METADATA",
                "Pattern": json.dumps({"EventGroupId": [{"prefix": "order-"}]}),
            },
        ]
    }
    subscribe(eb, bus, FilterConfiguration=filters)
    eb.put_events(
        EventBusArn=bus,
        Entries=[
            event(1, "order-1", total=900),
            event(2, "order-2", total=100),
            event(3, "other", total=900),
            event(4, total=900),
        ],
    )
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [1]


def test_raw_events_are_matched_at_the_root_and_on_metadata(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    filters = {
        "Filters": [
            {"Scope": "DATA", "Pattern": json.dumps({"total": [{"numeric": [">", 500]}]})},
            {"Scope": "METADATA", "Pattern": json.dumps({"tenant": ["acme"]})},
        ]
    }
    subscribe(eb, bus, FilterConfiguration=filters)

    def raw(total, tenant):
        return {
            "Data": json.dumps({"total": total}).encode(),
            "Metadata": {"tenant": tenant},
            "SystemMetadata": {"ContentType": "application/json"},
        }

    answer = eb.put_raw_events(
        EventBusArn=bus, Entries=[raw(900, "acme"), raw(900, "other"), raw(10, "acme")]
    )
    assert [e["SuccessCode"] for e in answer["Entries"]] == ["PUBLISHED"] * 3
    eb.put_events(EventBusArn=bus, Entries=[event(1, total=900)])  # no metadata: never matches
    world.run()
    assert target.payloads == [{"total": 900}]


def test_octet_stream_data_cannot_match_a_data_filter(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    subscribe(eb, bus, FilterConfiguration=pattern("DATA", {"x": [{"exists": False}]}))
    subscribe(eb, bus, name="all", target=FN)
    entry = {"Data": b"\x00\x01", "SystemMetadata": {"ContentType": "application/octet-stream"}}
    eb.put_raw_events(EventBusArn=bus, Entries=[entry])
    world.run()
    assert target.payloads == ["AAE="]


def test_binary_formats_need_a_schema_registry_and_unknown_types_fail(world, eb):
    bus = active_bus(world, eb)
    avro = {"Data": b"\x02", "SystemMetadata": {"ContentType": "application/avro"}}
    xml = {"Data": b"<a/>", "SystemMetadata": {"ContentType": "application/xml"}}
    bad = {"Data": b"{", "SystemMetadata": {"ContentType": "application/json"}}
    answer = eb.put_raw_events(EventBusArn=bus, Entries=[avro, xml, bad])
    assert answer["FailedEntryCount"] == 3
    assert [e["ErrorCode"] for e in answer["Entries"]] == [
        "InvalidInputException",
        "InvalidInputException",
        "MalformedData",
    ]


# -- publishing and deduplication ----------------------------------------------------------
def test_entries_fail_on_their_own(world, eb):
    bus = active_bus(world, eb)
    entries = [
        event(1),
        {"Source": "aws.s3", "DetailType": "d"},
        {"Source": "s", "DetailType": "d", "Detail": "{"},
    ]
    answer = eb.put_events(EventBusArn=bus, Entries=entries)
    assert answer["FailedEntryCount"] == 2
    assert answer["Entries"][0]["SuccessCode"] == "PUBLISHED"
    assert [e.get("ErrorCode") for e in answer["Entries"][1:]] == [
        "InvalidInputException",
        "MalformedDetail",
    ]


def test_deduplication_by_id_within_five_minutes_per_group(world, eb):
    bus = active_bus(world, eb)
    first = eb.put_events(
        EventBusArn=bus, Entries=[event(1, "g1", "k"), event(2, "g1", "k"), event(3, "g2", "k")]
    )
    codes = [e["SuccessCode"] for e in first["Entries"]]
    assert codes == ["PUBLISHED", "DEDUPLICATED", "PUBLISHED"]
    assert first["Entries"][1]["EventId"] == first["Entries"][0]["EventId"]
    world.run(until=world.now + 299)
    assert (
        eb.put_events(EventBusArn=bus, Entries=[event(4, "g1", "k")])["Entries"][0]["SuccessCode"]
        == "DEDUPLICATED"
    )
    world.run(until=world.now + 2)
    assert (
        eb.put_events(EventBusArn=bus, Entries=[event(5, "g1", "k")])["Entries"][0]["SuccessCode"]
        == "PUBLISHED"
    )


def test_content_based_deduplication_hashes_the_entry(world, eb):
    bus = active_bus(world, eb)
    content = {"DeduplicationType": "CONTENT_BASED"}
    answer = eb.put_events(
        EventBusArn=bus, Entries=[event(1), event(1), event(2)], DeduplicationConfiguration=content
    )
    assert [e["SuccessCode"] for e in answer["Entries"]] == [
        "PUBLISHED",
        "DEDUPLICATED",
        "PUBLISHED",
    ]
    plain = eb.put_events(EventBusArn=bus, Entries=[event(1)])
    assert plain["Entries"][0]["SuccessCode"] == "PUBLISHED"


# -- delivery: order, retries, dead letters -------------------------------------------------
def test_fifo_holds_a_failing_group_while_other_groups_go_on(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world, failing=lambda p, attempt: p["detail"]["n"] == 1 and attempt <= 3)
    world.register(FN, target)
    subscribe(eb, bus, Type="FIFO")
    eb.put_events(
        EventBusArn=bus, Entries=[event(1, "a"), event(2, "a"), event(3, "b"), event(4, "b")]
    )
    world.run()
    order = [p["detail"]["n"] for p in target.payloads]
    assert order == [3, 4, 1, 2]
    assert target.attempts[json.dumps(target.payloads[2], sort_keys=True)] == 4


def test_unordered_delivers_in_parallel(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world, failing=lambda p, attempt: p["detail"]["n"] == 1 and attempt <= 3)
    world.register(FN, target)
    subscribe(eb, bus, Type="UNORDERED")
    eb.put_events(EventBusArn=bus, Entries=[event(1, "a"), event(2, "a")])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [2, 1]


def test_retry_defaults_then_the_documented_dead_letter_record(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world, failing=lambda p, attempt: True)
    world.register(FN, target)
    dlq = Queue(world, "orders-dlq")
    sub = subscribe(eb, bus, Type="FIFO", OnFailureConfiguration={"Arn": dlq.arn})
    start = world.now
    published = eb.put_events(EventBusArn=bus, Entries=[event(1, "a", "d-1"), event(2, "a")])
    world.run()
    assert target.calls == []
    first = json.loads(dlq.receive_message(max_messages=10)[0]["Body"])
    assert first["version"] == "1.0" and first["subscriberArn"] == sub and first["busArn"] == bus
    assert first["targetArn"] == FN and first["errorCode"] == "ERROR_FROM_TARGET"
    assert first["retryAttempts"] == 5
    assert first["exhaustedRetryCondition"] == "MaximumRetryAttempts"
    assert first["failedMessages"] == [
        {
            "eventId": published["Entries"][0]["EventId"],
            "eventGroupId": "a",
            "deduplicationId": "d-1",
            "timestamp": "2025-01-06T09:00:10Z",
        }
    ]
    assert world.now - start < 2 * 300


def test_maximum_event_age_ends_retries(world, eb):
    bus = active_bus(world, eb)
    world.register(FN, Recorder(world, failing=lambda p, attempt: True))
    dlq = Queue(world, "dlq")
    subscribe(
        eb,
        bus,
        RetryPolicy={"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 60},
        OnFailureConfiguration={"Arn": dlq.arn},
    )
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run()
    record = json.loads(dlq.receive_message()[0]["Body"])
    assert record["exhaustedRetryCondition"] == "MaximumEventAgeInSeconds"


def test_without_a_dead_letter_queue_the_event_is_dropped(world, eb):
    bus = active_bus(world, eb)
    world.register(FN, Recorder(world, failing=lambda p, attempt: True))
    subscribe(eb, bus, RetryPolicy={"MaxRetryAttempts": 0})
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run()
    assert [r.outcome for r in world.trace if r.target == "sub"] == ["failed", "dropped"]


def test_fifo_sqs_target_gets_the_event_group_as_message_group(world, eb):
    bus = active_bus(world, eb)
    queue = Queue(world, "orders.fifo")
    subscribe(eb, bus, target=queue.arn, Type="FIFO")
    eb.put_events(EventBusArn=bus, Entries=[event(1, "order-1"), event(2, "order-2")])
    world.run()
    messages = queue.receive_message(max_messages=10)
    groups = sorted(m["Attributes"]["MessageGroupId"] for m in messages)
    assert groups == ["order-1", "order-2"]


# -- starting positions, retention, pause -------------------------------------------------
def test_a_horizon_subscriber_replays_what_is_retained_in_order(world, eb):
    bus = active_bus(world, eb, days=1)
    target = Recorder(world)
    world.register(FN, target)
    eb.put_events(EventBusArn=bus, Entries=[event(1, "a")])
    world.run(until=world.now + 86_400 - 5)
    eb.put_events(EventBusArn=bus, Entries=[event(2, "a"), event(3, "a")])
    world.run(until=world.now + 10)  # event 1 has now left the retention window
    subscribe(
        eb,
        bus,
        Type="FIFO",
        StartingPosition="POINT_IN_TIME",
        PointInTimeConfiguration={"PointType": "HORIZON"},
        Transformer={"Type": "WITH_METADATA"},
    )
    eb.put_events(EventBusArn=bus, Entries=[event(4, "a")])
    world.run()
    assert [p["Data"]["detail"]["n"] for p in target.payloads] == [2, 3, 4]
    kinds = [p["SystemMetadata"]["aws:DeliveryType"] for p in target.payloads]
    assert kinds == ["REPLAY", "REPLAY", "LIVE"]
    assert target.payloads[0]["SystemMetadata"]["ContentType"] == "application/eventbridge+json"


def test_timestamp_start_must_be_inside_the_window_and_end_point_stops(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run(until=world.now + 60)
    eb.put_events(EventBusArn=bus, Entries=[event(2)])
    world.run(until=world.now + 60)
    before = world.timestamp(0) - timedelta(seconds=1)
    with pytest.raises(InvalidInputException, match="retention window"):
        subscribe(
            eb,
            bus,
            StartingPosition="POINT_IN_TIME",
            PointInTimeConfiguration={"PointType": "TIMESTAMP", "StartingPoint": before},
        )
    subscribe(
        eb,
        bus,
        StartingPosition="POINT_IN_TIME",
        PointInTimeConfiguration={
            "PointType": "TIMESTAMP",
            "StartingPoint": world.timestamp(40),
            "EndPoint": world.timestamp(world.now - 30),
        },
    )
    eb.put_events(EventBusArn=bus, Entries=[event(3)])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [2]


def test_stopped_keeps_the_backlog_and_running_resumes_it(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    sub = subscribe(eb, bus, Type="FIFO", State="STOPPED")
    eb.put_events(EventBusArn=bus, Entries=[event(i, "a") for i in range(3)])
    world.run()
    assert target.calls == []
    eb.update_subscriber(SubscriberArn=sub, State="RUNNING")
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [0, 1, 2]


def test_resume_at_latest_skips_the_backlog(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    sub = subscribe(eb, bus, State="STOPPED")
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run(until=world.now + 5)
    eb.update_subscriber(SubscriberArn=sub, State="RUNNING", ResumePosition="LATEST")
    eb.put_events(EventBusArn=bus, Entries=[event(2)])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [2]


def test_a_backlog_older_than_retention_is_never_delivered(world, eb):
    bus = active_bus(world, eb, days=1)
    target = Recorder(world)
    world.register(FN, target)
    sub = subscribe(eb, bus, State="STOPPED")
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run(until=world.now + 86_401)
    eb.update_subscriber(SubscriberArn=sub, State="RUNNING")
    world.run()
    assert target.calls == []
    assert [r.outcome for r in world.trace if r.target == "sub"] == ["expired"]


def test_revoked_subscribers_stop_and_refuse_updates(world, eb):
    bus = active_bus(world, eb)
    world.register(FN, Recorder(world))
    sub = subscribe(eb, bus)
    eb.revoke_resource(Arn=sub)
    assert eb.describe_subscriber(SubscriberArn=sub)["Revoked"] is True
    with pytest.raises(InvalidStateException):
        eb.update_subscriber(SubscriberArn=sub, State="STOPPED")
    eb.delete_subscriber(SubscriberArn=sub)


# -- transformers ------------------------------------------------------------------------
def test_jsonata_reads_events_and_the_virtual_clock(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    expression = '{% {"n": $events.Data.detail.n, "group": $events.SystemMetadata.EventGroupId, "at": $now(), "ms": $millis()} %}'
    subscribe(
        eb, bus, Transformer={"Type": "JSONATA", "JsonataConfiguration": {"Expression": expression}}
    )
    eb.put_events(EventBusArn=bus, Entries=[event(7, "g")])
    world.run()
    (payload,) = target.payloads
    assert payload["n"] == 7 and payload["group"] == "g"
    assert payload["at"].startswith("2025-01-06T09:00:1")
    assert payload["ms"] == int(world.timestamp(10).timestamp() * 1000) or payload["ms"] > 0


def dead_lettered_by_transformer(world, eb, expression: str) -> dict:
    """Publish one event to a subscriber transforming with ``expression``; the DLQ record.

    Where threads exist, the world runs in one with a wall-clock bound, so an unbounded
    evaluation fails the test instead of hanging it; a browser's Python has no threads,
    and runs it directly (the evaluator's own time limit still ends it)."""
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    dlq = Queue(world, "dlq")
    subscribe(
        eb,
        bus,
        Transformer={
            "Type": "JSONATA",
            "JsonataConfiguration": {"Expression": "{% " + expression + " %}"},
        },
        OnFailureConfiguration={"Arn": dlq.arn},
    )
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    worker = threading.Thread(target=world.run, daemon=True)
    try:
        worker.start()
    except RuntimeError:  # no threads (Pyodide)
        world.run()
    else:
        worker.join(10)  # seconds of wall time; a bounded evaluation gives up after one
        assert not worker.is_alive(), "the transformer ran without bound"
    assert target.payloads == []
    record = json.loads(dlq.receive_message()[0]["Body"])
    assert record["errorCode"] == "TRANSFORMATION_ERROR"
    return record


def test_a_failing_expression_sends_the_event_to_the_dead_letter_queue(world, eb):
    record = dead_lettered_by_transformer(world, eb, "$error('no')")
    assert record["retryAttempts"] == 0 and record["errorMessage"] == "TransformationFailed: no"


@pytest.mark.parametrize(
    "expression,reason",
    [
        ("($f := function($x) { $f($x + 1) }; $f(0))", "timeout"),  # tail calls: time
        ("($f := function($x) { 1 + $f($x + 1) }; $f(0))", "Stack overflow"),  # nesting: depth
        ("$pad('x', 1000000000)", "exceeds"),
    ],
)
def test_a_runaway_expression_fails_the_delivery_instead_of_hanging(world, eb, expression, reason):
    assert reason in dead_lettered_by_transformer(world, eb, expression)["errorMessage"]


def test_step_functions_extras_stay_out_of_the_bus(world, eb):
    """The bus and the state machines share compiled expressions, never their functions."""
    from course_lib.stepfunctions import execute

    expression = "$partition([1, 2, 3], 2)"
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}},
    }
    assert execute(machine, {}).output == [[1, 2], [3]]
    record = dead_lettered_by_transformer(world, eb, expression)
    assert "non-function" in record["errorMessage"]


# -- the two buses together ----------------------------------------------------------------
def test_a_classic_rule_can_target_a_custom_bus(world, eb):
    classic = EventBridge(world)
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    subscribe(eb, bus)
    classic.put_rule("to-v2", event_pattern={"source": ["pizza.orders"]})
    classic.put_targets("to-v2", [{"Id": "v2", "Arn": bus}])
    classic.put_events([event(1)])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [1]


def test_a_custom_bus_subscriber_can_target_a_classic_bus(world, eb):
    classic = EventBridge(world)
    target = Recorder(world)
    world.register(FN, target)
    classic.put_rule("from-v2", event_pattern={"source": ["pizza.orders"]})
    classic.put_targets("from-v2", [{"Id": "fn", "Arn": FN}])
    bus = active_bus(world, eb)
    subscribe(eb, bus, target=classic.bus().arn)
    eb.put_events(EventBusArn=bus, Entries=[event(1)])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [1]


def test_raw_events_take_up_to_a_hundred_metadata_keys(world, eb):
    bus = active_bus(world, eb)
    entry = {"Data": b"{}", "SystemMetadata": {"ContentType": "application/json"}}
    many = {**entry, "Metadata": {f"k{i}": "v" for i in range(101)}}
    with pytest.raises(InvalidInputException, match="length less than or equal to 100"):
        eb.put_raw_events(EventBusArn=bus, Entries=[many])
    slash = {**entry, "Metadata": {"a/b": "v"}}
    with pytest.raises(InvalidInputException, match="regular expression"):
        eb.put_raw_events(EventBusArn=bus, Entries=[slash])


def test_an_empty_filter_configuration_on_update_clears_the_filters(world, eb):
    bus = active_bus(world, eb)
    target = Recorder(world)
    world.register(FN, target)
    sub = subscribe(eb, bus, FilterConfiguration=pattern("DATA", {"detail": {"n": [2]}}))
    eb.put_events(EventBusArn=bus, Entries=[event(1), event(2)])
    world.run()
    eb.update_subscriber(SubscriberArn=sub, FilterConfiguration={})
    assert "FilterConfiguration" not in eb.describe_subscriber(SubscriberArn=sub)
    eb.put_events(EventBusArn=bus, Entries=[event(3)])
    world.run()
    assert [p["detail"]["n"] for p in target.payloads] == [2, 3]
