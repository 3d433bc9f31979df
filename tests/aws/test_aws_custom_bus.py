"""The Custom Event Bus end to end with a real boto3 client: offline, the course's engine answers.

The cell the lesson runs: a bus, a FIFO subscriber to an SQS FIFO queue, publishing with an
event group and a deduplication id, receiving in order, and cleaning up.
"""

from __future__ import annotations

import json

import pytest
from aws_helpers import policy_actions, recorded_actions
from botocore.exceptions import ClientError, ParamValidationError

import course_lib.aws as cl_aws
from course_lib.aws import backends

CREATES = ["custom-bus:orders", "subscriber:kitchen", "queue:kitchen.fifo", "role:delivery"]


def _fifo_cell(aws) -> tuple[list[str], list[dict], list[str]]:
    """The lesson's live cell: returns success codes, received messages, and the bus ARN."""
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName=aws.name("kitchen.fifo"), Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    role = aws.service_role(
        "events",
        "delivery",
        [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}],
    )
    buses = aws.client("eventbridgev2")
    bus = buses.create_event_bus(
        Name=aws.name("orders"), StorageConfiguration={"RetentionPeriodInDays": 1}
    )
    buses.get_waiter("event_bus_active").wait(
        EventBusArn=bus["EventBusArn"], WaiterConfig={"Delay": 2, "MaxAttempts": 60}
    )
    buses.create_subscriber(
        Name=aws.name("kitchen"),
        EventBusArn=bus["EventBusArn"],
        Type="FIFO",
        InvokeConfiguration={"RoleArn": role, "TargetArn": queue_arn},
    )
    entries = [
        {
            "Source": "pizza.orders",
            "DetailType": "OrderStep",
            "Detail": json.dumps({"order": "o-1", "step": step}),
            "SystemMetadata": {"EventGroupId": "o-1", "DeduplicationId": f"o-1-{step}"},
        }
        for step in ("placed", "baked", "placed", "delivered")
    ]
    answer = buses.put_events(EventBusArn=bus["EventBusArn"], Entries=entries)
    codes = [entry["SuccessCode"] for entry in answer["Entries"]]
    received = []
    while len(received) < 3:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if not batch.get("Messages"):
            break
        for message in batch["Messages"]:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return codes, received, bus["EventBusArn"]


def test_a_fifo_subscriber_delivers_one_group_in_order_to_an_sqs_fifo_queue():
    with cl_aws.session("lesson06", creates=CREATES) as aws:
        codes, received, bus_arn = _fifo_cell(aws)
        assert codes == ["PUBLISHED", "PUBLISHED", "DEDUPLICATED", "PUBLISHED"]
        assert [m["detail"]["step"] for m in received] == ["placed", "baked", "delivered"]
        tags = aws.client("eventbridgev2").list_tags_for_resource(ResourceArn=bus_arn)["Tags"]
        assert tags == aws.tags
        kinds = sorted(r.kind for r in cl_aws.leftovers("lesson06"))
        assert kinds == ["custom-bus", "queue", "role", "subscriber"]
    assert cl_aws.leftovers() == []


def test_the_cell_needs_no_action_outside_the_learner_policy(monkeypatch):
    with recorded_actions(monkeypatch) as seen:
        with cl_aws.session("lesson06", creates=CREATES) as aws:
            _fifo_cell(aws)
        cl_aws.cleanup("lesson06")
    assert {"events:CreateSubscriber", "events:PutEvents", "events:DeleteSubscriber"} <= seen
    assert sorted(seen - policy_actions()) == []


def test_boto3_validates_first_and_the_engine_answers_with_aws_errors():
    buses = backends.offline_backend().client("eventbridgev2")
    with pytest.raises(ParamValidationError):
        buses.create_event_bus(
            Name="eda-course-lesson06-x", StorageConfiguration={"RetentionPeriodInDays": 0}
        )
    missing = "arn:aws:events:us-east-1:123456789012:event-busv2/nope/abcdefghijklmnopqrstuvwxy"
    with pytest.raises(buses.exceptions.ResourceNotFoundException):
        buses.describe_event_bus(EventBusArn=missing)
    with pytest.raises(ClientError) as raised:
        buses.put_events(EventBusArn=missing, Entries=[{"Source": "s", "DetailType": "d"}])
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_resources_outlive_a_client_and_end_with_the_offline_account():
    first = backends.offline_backend().client("eventbridgev2")
    bus = first.create_event_bus(Name="scratch")
    second = backends.offline_backend().client("eventbridgev2")
    assert second.describe_event_bus(EventBusArn=bus["EventBusArn"])["State"] == "ACTIVE"
    second.delete_event_bus(EventBusArn=bus["EventBusArn"])
    second.get_waiter("event_bus_deleted").wait(EventBusArn=bus["EventBusArn"])
    assert second.list_event_buses()["EventBuses"] == []
