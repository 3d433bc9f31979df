import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from events_strategies import events
from hypothesis import given

from course_lib.events import (
    EnvelopeError,
    Event,
    format_event_time,
    parse_event_time,
    slide_event,
)
from course_lib.sim.world import World


def make(**overrides):
    fields = {
        "id": "e-1",
        "source": "com.orders",
        "detail_type": "OrderCreated",
        "detail": {"data": {"order-id": "1"}},
        "time": "2025-01-06T09:00:00Z",
    }
    fields.update(overrides)
    return Event(**fields)


def test_create_takes_id_and_time_from_the_world():
    world = World(seed=7)
    world.run(until=90.7)
    event = Event.create(world, source="com.orders", detail_type="OrderCreated", detail={})
    twin = World(seed=7)
    assert event.id == twin.uuid()
    assert event.time == "2025-01-06T09:01:30Z"
    assert event.version == "0" and event.account == "123456789012"


def test_create_is_repeatable_and_ids_differ_within_a_world():
    def two(seed):
        world = World(seed=seed)
        return [Event.create(world, source="s", detail_type="t", detail={}).id for _ in range(2)]

    assert two(3) == two(3)
    assert len(set(two(3))) == 2


def test_to_dict_uses_the_wire_names_in_eventbridge_order():
    assert list(make().to_dict()) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]


def test_detail_is_deeply_immutable_and_a_copy_of_the_input():
    detail = {"data": {"items": [1, 2]}}
    event = make(detail=detail)
    detail["data"]["items"].append(3)
    assert event.to_dict()["detail"] == {"data": {"items": [1, 2]}}
    with pytest.raises(TypeError):
        event.detail["data"]["new"] = 1
    with pytest.raises(AttributeError):
        event.source = "elsewhere"
    assert event.detail["data"]["items"] == (1, 2)


def test_to_dict_returns_fresh_mutable_values():
    event = make()
    first = event.to_dict()
    first["detail"]["data"]["order-id"] = "changed"
    assert event.to_dict()["detail"]["data"]["order-id"] == "1"


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"id": ""}, "id", "must not be empty"),
        ({"source": 5}, "source", "expected string, got integer"),
        ({"detail_type": None}, "detail-type", "expected string, got null"),
        ({"account": "12345"}, "account", "expected 12 digits"),
        ({"time": "2025-01-06 09:00:00"}, "time", "expected YYYY-MM-DDThh:mm:ssZ"),
        ({"time": "2025-02-30T09:00:00Z"}, "time", "not a calendar time"),
        ({"version": "1"}, "version", "expected '0'"),
        ({"detail": []}, "detail", "expected object, got array"),
        ({"detail": {"x": {1, 2}}}, "detail.x", "not a JSON value"),
        ({"detail": {"x": float("nan")}}, "detail.x", "JSON has no nan"),
        ({"detail": {1: "a"}}, "detail", "object keys must be strings"),
        ({"resources": "arn:aws:s3:::b"}, "resources", "expected array, got string"),
        ({"resources": ("ok", 3)}, "resources[1]", "expected string, got integer"),
    ],
)
def test_bad_fields_are_named(overrides, field, reason):
    with pytest.raises(EnvelopeError) as caught:
        make(**overrides)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_from_dict_requires_every_field_and_no_other():
    data = make().to_dict()
    del data["region"]
    with pytest.raises(EnvelopeError, match="region: required field is missing"):
        Event.from_dict(data)
    data = {**make().to_dict(), "detail_type": "x"}
    with pytest.raises(EnvelopeError, match="detail_type: not an EventBridge envelope field"):
        Event.from_dict(data)
    with pytest.raises(EnvelopeError, match="event: expected object, got array"):
        Event.from_dict([])
    with pytest.raises(EnvelopeError, match="resources: expected array, got string"):
        Event.from_dict({**make().to_dict(), "resources": "x"})


def test_time_helpers():
    assert format_event_time(datetime(2025, 1, 6, 9, 0, 0, 999_999)) == "2025-01-06T09:00:00Z"
    paris = datetime(2025, 1, 6, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert format_event_time(paris) == "2025-01-06T09:00:00Z"
    assert parse_event_time("2025-01-06T09:00:00Z") == datetime(2025, 1, 6, 9, tzinfo=UTC)


def test_put_events_entry_round_trip():
    event = slide_event()
    entry = event.to_put_events_entry("orders-bus")
    assert entry["Source"] == "com.orders"
    assert entry["DetailType"] == "PizzaBaked"
    assert json.loads(entry["Detail"]) == event.to_dict()["detail"]
    assert entry["Time"] == datetime(2025, 1, 6, 9, 4, tzinfo=UTC)
    assert entry["EventBusName"] == "orders-bus"
    back = Event.from_put_events_entry(
        entry, event_id=event.id, received_at=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert back == event


def test_from_entry_uses_the_call_time_without_a_time_field():
    entry = {"Source": "s", "DetailType": "t", "Detail": '{"a": 1}'}
    event = Event.from_put_events_entry(
        entry, event_id="x", received_at=datetime(2025, 1, 6, 9, 0, 5, 500_000)
    )
    assert event.time == "2025-01-06T09:00:05Z"
    assert event.resources == ()


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"DetailType": "t", "Detail": "{}"}, "Source"),
        ({"Source": "s", "Detail": "{}"}, "DetailType"),
        ({"Source": "s", "DetailType": "t", "Detail": "{"}, "Detail"),
    ],
)
def test_from_entry_rejects_entries_put_events_would_fail(entry, field):
    with pytest.raises(EnvelopeError) as caught:
        Event.from_put_events_entry(entry, event_id="x", received_at=datetime(2025, 1, 1))
    assert caught.value.field == field


@given(events)
def test_dict_round_trip_is_lossless(event):
    assert Event.from_dict(event.to_dict()) == event
    assert Event.from_dict(json.loads(event.to_json())) == event


@given(events)
def test_put_events_entry_round_trip_is_lossless(event):
    entry = event.to_put_events_entry()
    back = Event.from_put_events_entry(
        entry,
        event_id=event.id,
        received_at=datetime(2000, 1, 1),
        account=event.account,
        region=event.region,
    )
    assert back == event


def test_equality_is_json_equality_and_events_are_hashable():
    assert make(detail={"n": 1}) == make(detail={"n": 1})
    assert make(detail={"n": 1}) != make(detail={"n": 1.0})
    assert make(detail={"n": 1}) != make(detail={"n": True})
    assert make() != make().to_dict()
    assert len({make(), make(), make(id="e-2")}) == 2


def test_repr_shows_plain_json():
    assert repr(make()) == (
        "Event(id='e-1', source='com.orders', detail_type='OrderCreated', "
        "time='2025-01-06T09:00:00Z', detail={'data': {'order-id': '1'}})"
    )
