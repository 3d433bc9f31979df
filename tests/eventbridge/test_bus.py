"""The bus layer on a world's virtual clock: rules, targets, retries, DLQ, archives, schedules."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest

from course_lib.eventbridge import (
    EventBridge,
    InvalidEventPattern,
    LimitExceededException,
    ResourceNotFoundException,
    TargetError,
    ValidationException,
)
from course_lib.sim.world import World


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []

    def send_message(self, body: str, **attributes) -> dict:
        self.messages.append((body, attributes))
        return {"MessageId": str(len(self.messages))}


class FakeStateMachine:
    def __init__(self) -> None:
        self.inputs: list[str] = []

    def start_execution(self, *, input: str) -> dict:
        self.inputs.append(input)
        return {"executionArn": f"exec-{len(self.inputs)}"}


def entry(detail: dict | None = None, **overrides) -> dict:
    return {
        "Source": "pizza.orders",
        "DetailType": "Order Placed",
        "Detail": json.dumps(detail or {"orderId": "o-1", "total": 12.5}),
        **overrides,
    }


@pytest.fixture
def world() -> World:
    return World(seed=11)


@pytest.fixture
def bridge(world: World) -> EventBridge:
    return EventBridge(world)


def test_put_events_routes_to_a_function_target(world, bridge):
    received = []
    world.register("arn:aws:lambda:us-east-1:123456789012:function:kitchen", received.append)
    bridge.put_rule("orders", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets(
        "orders",
        [{"Id": "kitchen", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:kitchen"}],
    )
    response = bridge.put_events([entry(), entry(Source="pizza.other")])
    assert response["FailedEntryCount"] == 0
    assert [set(e) for e in response["Entries"]] == [{"EventId"}, {"EventId"}]
    world.run()
    assert len(received) == 1
    event = received[0]
    assert event["id"] == response["Entries"][0]["EventId"]
    assert event["detail"] == {"orderId": "o-1", "total": 12.5}
    assert event["time"] == "2025-01-06T09:00:00Z"
    assert world.service("events") is bridge
    delivered = [r for r in world.trace if r.kind == "event"]
    assert delivered[0].source == "default" and delivered[0].target == "kitchen"
    assert delivered[0].outcome == "delivered" and delivered[0].delivered_at > delivered[0].time


def test_event_ids_are_deterministic():
    ids = []
    for _ in range(2):
        bridge = EventBridge(World(seed=3))
        ids.append(bridge.put_events([entry()])["Entries"][0]["EventId"])
    assert ids[0] == ids[1]


def test_put_events_entry_errors(bridge):
    response = bridge.put_events(
        [
            entry(Source=""),
            entry(Detail="not json"),
            entry(Source="aws.ec2"),
            entry(EventBusName="nope"),
            entry(DetailType="x" * 129),
            entry(),
        ]
    )
    codes = [e.get("ErrorCode") for e in response["Entries"]]
    assert codes == [
        "InvalidArgument",
        "MalformedDetail",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        "InvalidArgument",
        None,
    ]
    assert response["FailedEntryCount"] == 5
    with pytest.raises(ValidationException):
        bridge.put_events([entry()] * 11)


def test_queue_target_with_input_transformer_and_state_machine(world, bridge):
    queue, machine = FakeQueue(), FakeStateMachine()
    world.register("arn:aws:sqs:us-east-1:123456789012:orders", queue)
    world.register("arn:aws:states:us-east-1:123456789012:stateMachine:order", machine)
    bridge.put_rule("orders", event_pattern={"detail": {"total": [{"numeric": [">", 10]}]}})
    bridge.put_targets(
        "orders",
        [
            {
                "Id": "q",
                "Arn": "arn:aws:sqs:us-east-1:123456789012:orders",
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.orderId"},
                    "InputTemplate": '{"order": <id>, "rule": <aws.events.rule-name>}',
                },
            },
            {
                "Id": "sm",
                "Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:order",
                "InputPath": "$.detail",
            },
        ],
    )
    bridge.put_events([entry()])
    world.run()
    assert json.loads(queue.messages[0][0]) == {"order": "o-1", "rule": "orders"}
    assert json.loads(machine.inputs[0]) == {"orderId": "o-1", "total": 12.5}


def test_bus_to_bus_routing(world, bridge):
    received = []
    world.register("fn", received.append)
    arn = bridge.create_event_bus("kitchen")["EventBusArn"]
    bridge.put_rule("forward", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("forward", [{"Id": "bus", "Arn": arn}])
    bridge.put_rule(
        "cook", event_pattern={"detail-type": ["Order Placed"]}, event_bus_name="kitchen"
    )
    bridge.put_targets("cook", [{"Id": "fn", "Arn": "fn"}], event_bus_name="kitchen")
    bridge.put_events([entry()])
    world.run()
    assert len(received) == 1
    assert {r.source for r in world.trace if r.kind == "event"} == {"default", "kitchen"}


def test_retries_until_success(world, bridge):
    calls = []

    def flaky(event):
        calls.append(world.now)
        if len(calls) < 3:
            raise TargetError("ServiceUnavailable", "try again")

    world.register("flaky", flaky)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": "flaky"}])
    bridge.put_events([entry()])
    world.run()
    assert len(calls) == 3
    assert calls[1] < calls[2] and calls[2] - calls[1] > (calls[1] - calls[0]) / 2
    outcomes = [r.outcome for r in world.trace if r.kind == "event"]
    assert outcomes == ["failed", "failed", "delivered"]


def _always_failing_setup(world, bridge, **target):
    dlq = FakeQueue()
    world.register("dlq", dlq)

    def broken(event):
        raise RuntimeError("boom")

    world.register("broken", broken)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets(
        "r", [{"Id": "t", "Arn": "broken", "DeadLetterConfig": {"Arn": "dlq"}, **target}]
    )
    bridge.put_events([entry()])
    world.run()
    return dlq


def test_dead_letter_after_max_retry_attempts(world, bridge):
    dlq = _always_failing_setup(world, bridge, RetryPolicy={"MaximumRetryAttempts": 2})
    body, attributes = dlq.messages[0]
    assert json.loads(body)["source"] == "pizza.orders"
    assert attributes == {
        "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/r",
        "TARGET_ARN": "broken",
        "ERROR_CODE": "ERROR_FROM_TARGET",
        "ERROR_MESSAGE": "RuntimeError: boom",
        "RETRY_ATTEMPTS": 2,
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
    }


def test_dead_letter_after_maximum_event_age(world, bridge):
    dlq = _always_failing_setup(world, bridge, RetryPolicy={"MaximumEventAgeInSeconds": 60})
    attributes = dlq.messages[0][1]
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert world.now <= 61


def test_default_policy_spans_about_a_day(world, bridge):
    dlq = _always_failing_setup(world, bridge)
    attributes = dlq.messages[0][1]
    assert attributes["RETRY_ATTEMPTS"] <= 185
    assert 20 * 3600 < world.now <= 24 * 3600 + 1


def test_non_retriable_error_goes_straight_to_dlq(world, bridge):
    dlq = FakeQueue()
    world.register("dlq", dlq)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": "missing", "DeadLetterConfig": {"Arn": "dlq"}}])
    bridge.put_events([entry()])
    world.run()
    attributes = dlq.messages[0][1]
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["RETRY_ATTEMPTS"] == 0
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes


def test_failure_without_dlq_is_dropped(world, bridge):
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": "missing"}])
    bridge.put_events([entry()])
    world.run()
    assert world.trace[-1].outcome == "dropped"


def test_rule_and_target_validation(world, bridge):
    with pytest.raises(InvalidEventPattern):
        bridge.put_rule("bad", event_pattern={"source": "x"})
    with pytest.raises(ValidationException):
        bridge.put_rule("neither")
    bridge.create_event_bus("custom")
    with pytest.raises(ValidationException, match="only on the default event bus"):
        bridge.put_rule("sched", schedule_expression="rate(5 minutes)", event_bus_name="custom")
    bridge.put_rule("r", event_pattern={"source": ["x"]})
    with pytest.raises(
        ValidationException, match="Only one of Input, InputPath, or InputTransformer"
    ):
        bridge.put_targets("r", [{"Id": "t", "Arn": "a", "Input": "{}", "InputPath": "$.detail"}])
    with pytest.raises(ValidationException, match="MaximumRetryAttempts"):
        bridge.put_targets(
            "r", [{"Id": "t", "Arn": "a", "RetryPolicy": {"MaximumRetryAttempts": 186}}]
        )
    bridge.put_targets("r", [{"Id": f"t{i}", "Arn": "a"} for i in range(5)])
    with pytest.raises(LimitExceededException):
        bridge.put_targets("r", [{"Id": "t5", "Arn": "a"}])
    with pytest.raises(ValidationException, match="has targets"):
        bridge.delete_rule("r")
    bridge.remove_targets("r", [f"t{i}" for i in range(5)])
    bridge.delete_rule("r")
    with pytest.raises(ResourceNotFoundException):
        bridge.describe_rule("r")


def test_list_rules_and_graph(bridge):
    bridge.put_rule("b", event_pattern={"source": ["x"]})
    bridge.put_rule("a", schedule_expression="rate(1 hour)", state="DISABLED")
    bridge.put_targets("b", [{"Id": "t", "Arn": "q", "Input": '{"k": 1}'}])
    names = [r["Name"] for r in bridge.list_rules()["Rules"]]
    assert names == ["a", "b"]
    graph = bridge.graph()["buses"][0]
    assert graph["name"] == "default"
    assert graph["rules"][1]["targets"] == [
        {"id": "t", "arn": "q", "input": "Input", "dead_letter_arn": None}
    ]


def test_disabled_rules_do_not_deliver(world, bridge):
    received = []
    world.register("fn", received.append)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]}, state="DISABLED")
    bridge.put_targets("r", [{"Id": "t", "Arn": "fn"}])
    bridge.put_events([entry()])
    world.run()
    assert received == []


def test_rate_schedule_fires_on_virtual_time(world, bridge):
    fired = []
    world.register("fn", lambda event: fired.append((world.now, event["detail-type"])))
    bridge.put_rule("tick", schedule_expression="rate(5 minutes)")
    bridge.put_targets("tick", [{"Id": "t", "Arn": "fn"}])
    world.run(until=1000)
    assert [round(t) for t, _ in fired] == [300, 600, 900]
    assert fired[0][1] == "Scheduled Event"


def test_cron_schedule_fires_daily_at_noon(world, bridge):
    times = []
    world.register("fn", lambda event: times.append(event["time"]))
    bridge.put_rule("noon", schedule_expression="cron(0 12 * * ? *)")
    bridge.put_targets("noon", [{"Id": "t", "Arn": "fn"}])
    world.run(until=2 * 86400)
    assert times == ["2025-01-06T12:00:00Z", "2025-01-07T12:00:00Z"]


def test_api_destination_respects_rate_limit(world, bridge):
    arn = bridge.create_api_destination(
        "hook", lambda payload: 200, invocation_rate_limit_per_second=2
    )["ApiDestinationArn"]
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": arn}])
    for _ in range(3):
        bridge.put_events([entry()] * 4)
    world.run()
    calls = bridge.api_destinations["hook"].calls
    assert len(calls) == 12
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 0.5 - 1e-9


@pytest.mark.parametrize("status", [401, 407, 409])
def test_api_destination_retries_the_4xx_answers_aws_retries(world, bridge, status):
    dlq = FakeQueue()
    world.register("dlq", dlq)
    answers = iter([status, 200])
    arn = bridge.create_api_destination("hook", lambda payload: next(answers))["ApiDestinationArn"]
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": arn, "DeadLetterConfig": {"Arn": "dlq"}}])
    bridge.put_events([entry()])
    world.run()
    assert dlq.messages == []


def test_api_destination_4xx_is_not_retried(world, bridge):
    dlq = FakeQueue()
    world.register("dlq", dlq)
    arn = bridge.create_api_destination("hook", lambda payload: 400)["ApiDestinationArn"]
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": arn, "DeadLetterConfig": {"Arn": "dlq"}}])
    bridge.put_events([entry()])
    world.run()
    assert dlq.messages[0][1]["ERROR_CODE"] == "ERROR_FROM_TARGET"
    assert dlq.messages[0][1]["RETRY_ATTEMPTS"] == 0


def test_archive_and_replay_in_no_set_order(world, bridge):
    received = []
    world.register("fn", received.append)
    bus_arn = bridge.bus().arn
    archive_arn = bridge.create_archive("all", bus_arn, event_pattern={"source": ["pizza.orders"]})[
        "ArchiveArn"
    ]
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": "fn"}])
    start = world.timestamp()
    for n in range(20):
        bridge.put_events([entry({"n": n})])
        world.run(until=world.now + 10)
    bridge.put_events([entry(Source="pizza.other")])
    world.run(until=world.now + 10)
    assert bridge.describe_archive("all")["EventCount"] == 20
    end = world.timestamp()
    received.clear()
    bridge.start_replay("again", archive_arn, start, end, {"Arn": bus_arn})
    world.run()
    order = [e["detail"]["n"] for e in received]
    assert sorted(order) == list(range(20)) and order != list(range(20))
    assert all(e["replay-name"] == "again" for e in received)
    assert bridge.describe_replay("again")["State"] == "COMPLETED"
    assert bridge.describe_archive("all")["EventCount"] == 20
    with pytest.raises(ValidationException, match="Cross event bus"):
        other = bridge.create_event_bus("other")["EventBusArn"]
        bridge.start_replay("x", archive_arn, start, end, {"Arn": other})
    with pytest.raises(ValidationException):
        bridge.start_replay("y", archive_arn, end, start, {"Arn": bus_arn})


def test_archive_retention(world, bridge):
    bridge.create_archive("short", bridge.bus().arn, retention_days=1)
    bridge.put_events([entry()])
    world.run(until=2 * 86400)
    bridge.put_events([entry()])
    assert bridge.describe_archive("short")["EventCount"] == 1


def test_step_functions_style_call_through_the_world(world, bridge):
    response = world.service("events").put_events(
        [{"Source": "sfn", "DetailType": "Done", "Detail": "{}", "EventBusName": bridge.bus().arn}]
    )
    assert response["FailedEntryCount"] == 0 and "EventId" in response["Entries"][0]


def test_at_least_once_duplicates_when_enabled(world):
    bridge = EventBridge(world, duplicate_rate=1.0)
    received = []
    world.register("fn", received.append)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets("r", [{"Id": "t", "Arn": "fn"}])
    bridge.put_events([entry()])
    world.run(until=timedelta(minutes=1).total_seconds())
    assert len(received) == 2 and received[0]["id"] == received[1]["id"]


def test_with_the_simulated_sqs_queue(world, bridge):
    from course_lib.sim import Queue

    target = Queue(world, "orders")
    dlq = Queue(world, "orders-dlq")
    world.register("broken", lambda event: (_ for _ in ()).throw(RuntimeError("down")))
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets(
        "r",
        [
            {"Id": "queue", "Arn": target.arn, "InputPath": "$.detail"},
            {
                "Id": "broken",
                "Arn": "broken",
                "RetryPolicy": {"MaximumRetryAttempts": 0},
                "DeadLetterConfig": {"Arn": dlq.arn},
            },
        ],
    )
    world.run(until=3600)
    bridge.put_events([entry()])
    world.run(until=3700)
    body = target.receive_message()[0]["Body"]
    assert json.loads(body) == {"orderId": "o-1", "total": 12.5}
    dead = dlq.receive_message()[0]
    assert json.loads(dead["Body"])["detail-type"] == "Order Placed"
    assert (
        dead["MessageAttributes"]["EXHAUSTED_RETRY_CONDITION"]["StringValue"]
        == "MaximumRetryAttempts"
    )


def test_ingestion_time_variable_is_the_bus_arrival_time(world, bridge):
    received = []
    world.register("fn", received.append)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets(
        "r",
        [
            {
                "Id": "t",
                "Arn": "fn",
                "InputTransformer": {"InputTemplate": '{"at": <aws.events.event.ingestion-time>}'},
            }
        ],
    )
    world.run(until=90)
    bridge.put_events([entry(Time="2020-01-01T00:00:00Z")])
    world.run()
    assert received == [{"at": "2025-01-06T09:01:30Z"}]


def test_test_event_pattern_api(bridge):
    event = {
        "id": "1",
        "account": "123456789012",
        "source": "pizza.orders",
        "time": "2025-01-06T09:00:00Z",
        "region": "us-east-1",
        "detail-type": "Order Placed",
        "detail": {},
    }
    assert bridge.test_event_pattern({"source": ["pizza.orders"]}, event) == {"Result": True}
    with pytest.raises(InvalidEventPattern):
        bridge.test_event_pattern({"source": "pizza.orders"}, event)


def test_enable_disable_and_cancel_replay(world, bridge):
    received = []
    world.register("fn", received.append)
    bridge.put_rule("r", event_pattern={"source": ["pizza.orders"]}, state="DISABLED")
    bridge.put_targets("r", [{"Id": "t", "Arn": "fn"}])
    bridge.enable_rule("r")
    archive_arn = bridge.create_archive("all", bridge.bus().arn)["ArchiveArn"]
    start = world.timestamp()
    for _ in range(5):
        bridge.put_events([entry()])
    world.run(until=60)
    assert len(received) == 5
    bridge.disable_rule("r")
    assert bridge.describe_rule("r")["State"] == "DISABLED"
    bridge.enable_rule("r")
    bridge.start_replay("again", archive_arn, start, world.timestamp(), {"Arn": bridge.bus().arn})
    assert bridge.cancel_replay("again")["State"] == "CANCELLING"
    world.run()
    assert bridge.describe_replay("again")["State"] == "CANCELLED"
    assert len(received) == 5
    with pytest.raises(ValidationException):
        bridge.cancel_replay("again")


def test_a_fifo_queue_target_gets_the_event_id_as_deduplication_id():
    from course_lib.eventbridge import EventBridge
    from course_lib.sim import Queue, World

    world = World(seed=3)
    bridge = EventBridge(world)
    queue = Queue(world, "orders.fifo")
    bridge.put_rule("all", event_pattern={"source": ["shop"]})
    bridge.put_targets(
        "all", [{"Id": "q", "Arn": queue.arn, "SqsParameters": {"MessageGroupId": "g"}}]
    )
    entry = {"Source": "shop", "DetailType": "OrderCreated", "Detail": "{}"}
    bridge.put_events([entry, entry])
    world.run()
    # Without a deduplication id a FIFO queue lacking content-based deduplication refuses
    # the message; with the event id, two distinct events both arrive.
    assert len(queue.receive_message(max_messages=10)) == 2


def test_a_transformer_output_that_is_not_json_drops_the_invocation(world, bridge):
    queue = FakeQueue()
    world.register("arn:aws:sqs:us-east-1:123456789012:orders", queue)
    bridge.put_rule("orders", event_pattern={"source": ["pizza.orders"]})
    bridge.put_targets(
        "orders",
        [
            {
                "Id": "q",
                "Arn": "arn:aws:sqs:us-east-1:123456789012:orders",
                "InputTransformer": {
                    "InputPathsMap": {"detail": "$.detail"},
                    "InputTemplate": '{"text": "detail <detail>"}',
                },
            }
        ],
    )
    bridge.put_events([entry()])
    world.run()
    assert queue.messages == []
    [record] = [r for r in world.trace if r.outcome == "dropped"]
    assert record.meta["error_code"] == "InvalidTransformedInput"
