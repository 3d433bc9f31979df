"""The engine speaks the eventbridgev2 model: it rejects what botocore rejects, and its
responses fit the model's output shapes (so a boto3 client parses them unchanged)."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator

from course_lib.eventbridge import EventBridgeV2
from course_lib.eventbridge.custom_bus import InvalidInputException
from course_lib.eventbridge.custom_bus.validation import _Checker, service_model
from course_lib.sim.world import World

MODEL = botocore.session.get_session().get_service_model("eventbridgev2")
BUS = "arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghijklmnopqrstuvwxy"
ROLE = "arn:aws:iam::123456789012:role/r"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"

#: Requests botocore's own validator rejects (types, required members, ranges, lengths, enums).
REJECTED_BY_BOTH = [
    ("CreateEventBus", {}),
    ("CreateEventBus", {"Name": ""}),
    ("CreateEventBus", {"Name": "o", "Tags": {"k": 1}}),
    ("CreateEventBus", {"Name": "o", "Unknown": 1}),
    ("PutEvents", {"EventBusArn": BUS, "Entries": []}),
    ("PutEvents", {"EventBusArn": BUS, "Entries": [{"Source": "s"}]}),
    (
        "PutEvents",
        {
            "EventBusArn": BUS,
            "Entries": [{"Source": "s", "DetailType": "d", "SystemMetadata": {"EventGroupId": ""}}],
        },
    ),
    (
        "CreateSubscriber",
        {"Name": "s", "EventBusArn": BUS, "InvokeConfiguration": {"RoleArn": ROLE}},
    ),
    (
        "CreateSubscriber",
        {
            "Name": "s",
            "EventBusArn": BUS,
            "InvokeConfiguration": {"RoleArn": ROLE, "TargetArn": QUEUE},
            "RetryPolicy": {"MaxRetryAttempts": -1},
        },
    ),
    ("PutRawEvents", {"EventBusArn": BUS, "Entries": [{"Data": b"{}"}]}),
]


#: boto3 checks types, required members and minimums only; maximums, enums and patterns
#: are the service's to reject, so the engine must.
REJECTED_BY_THE_SERVICE = [
    ("CreateEventBus", {"Name": "o", "StorageConfiguration": {"RetentionPeriodInDays": 400}}),
    ("CreateEventBus", {"Name": "-o"}),
    (
        "CreateSubscriber",
        {
            "Name": "s",
            "EventBusArn": BUS,
            "InvokeConfiguration": {"RoleArn": ROLE, "TargetArn": QUEUE},
            "Type": "LIFO",
        },
    ),
]


def _botocore_rejects(operation: str, params: dict) -> bool:
    report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
    return report.has_errors()


@pytest.mark.parametrize(
    ("operation", "params", "by_boto3"),
    [(*case, True) for case in REJECTED_BY_BOTH]
    + [(*case, False) for case in REJECTED_BY_THE_SERVICE],
)
def test_the_engine_rejects_what_boto3_or_the_service_rejects(operation, params, by_boto3):
    assert _botocore_rejects(operation, params) is by_boto3
    eb = EventBridgeV2(World(seed=1))
    method = getattr(
        eb,
        {
            "CreateEventBus": "create_event_bus",
            "PutEvents": "put_events",
            "CreateSubscriber": "create_subscriber",
            "PutRawEvents": "put_raw_events",
        }[operation],
    )
    with pytest.raises(InvalidInputException, match="validation error"):
        method(**params)


def _fits(shape_name: str, value: dict) -> list[str]:
    checker = _Checker()
    checker.check(value, shape_name, "")
    return checker.errors


def test_every_response_fits_the_output_shape_of_its_operation():
    world = World(seed=3)
    eb = EventBridgeV2(world)
    calls = []

    def call(operation: str, method: str, **params):
        response = getattr(eb, method)(**params)
        calls.append((operation, response))
        return response

    bus = call("CreateEventBus", "create_event_bus", Name="orders", Tags={"course": "eda"})[
        "EventBusArn"
    ]
    world.run(until=10)
    call("DescribeEventBus", "describe_event_bus", EventBusArn=bus)
    call("ListEventBuses", "list_event_buses")
    sub = call(
        "CreateSubscriber",
        "create_subscriber",
        Name="s",
        EventBusArn=bus,
        Type="FIFO",
        InvokeConfiguration={"RoleArn": ROLE, "TargetArn": QUEUE},
        StartingPosition="POINT_IN_TIME",
        PointInTimeConfiguration={"PointType": "HORIZON"},
        FilterConfiguration={
            "Filters": [{"Scope": "DATA", "Pattern": json.dumps({"source": ["s"]})}]
        },
    )["SubscriberArn"]
    call("DescribeSubscriber", "describe_subscriber", SubscriberArn=sub)
    call("ListSubscribers", "list_subscribers", EventBusArn=bus)
    call("UpdateSubscriber", "update_subscriber", SubscriberArn=sub, State="STOPPED")
    call(
        "PutEvents",
        "put_events",
        EventBusArn=bus,
        Entries=[
            {"Source": "s", "DetailType": "d", "Detail": "{"},
            {"Source": "s", "DetailType": "d"},
        ],
    )
    call(
        "PutRawEvents",
        "put_raw_events",
        EventBusArn=bus,
        Entries=[{"Data": b"{}", "SystemMetadata": {"ContentType": "application/json"}}],
    )
    call("ListTagsForResource", "list_tags_for_resource", ResourceArn=bus)
    call("UpdateEventBus", "update_event_bus", EventBusArn=bus, Description="orders")
    call("RevokeResource", "revoke_resource", Arn=sub)
    call("DeleteSubscriber", "delete_subscriber", SubscriberArn=sub)
    world.run(until=30)
    call("DeleteEventBus", "delete_event_bus", EventBusArn=bus)
    operations = service_model()["operations"]
    for operation, response in calls:
        output = operations[operation]["output"]["shape"]
        assert _fits(output, response) == [], operation
