import json
from datetime import UTC, datetime

import pytest
from cloudevents.core.v1.event import CloudEvent
from events_strategies import events
from hypothesis import given

from course_lib.events import (
    EnvelopeError,
    Event,
    from_cloudevent,
    from_cloudevent_json,
    slide_event,
    to_cloudevent,
    to_cloudevent_json,
)


def test_core_attributes_map_to_their_cloudevents_names():
    event = Event.from_dict({**slide_event().to_dict(), "resources": ["arn:aws:s3:::oven"]})
    cloudevent = to_cloudevent(event)
    assert cloudevent.get_specversion() == "1.0"
    assert cloudevent.get_id() == event.id
    assert cloudevent.get_source() == "com.orders"
    assert cloudevent.get_type() == "PizzaBaked"
    assert cloudevent.get_time() == datetime(2025, 1, 6, 9, 4, tzinfo=UTC)
    assert cloudevent.get_datacontenttype() == "application/json"
    assert cloudevent.get_data() == event.to_dict()["detail"]
    assert cloudevent.get_extension("awsaccount") == "123456789012"
    assert cloudevent.get_extension("awsregion") == "us-east-1"
    assert cloudevent.get_extension("awsversion") == "0"
    assert json.loads(cloudevent.get_extension("awsresources")) == ["arn:aws:s3:::oven"]


def test_structured_json_document():
    document = json.loads(to_cloudevent_json(slide_event()))
    assert document["type"] == "PizzaBaked"
    assert document["time"] == "2025-01-06T09:04:00Z"
    assert document["data"]["metadata"]["idempotency-key"] == "c1b95b88"
    assert from_cloudevent_json(json.dumps(document)) == slide_event()


def foreign(**attributes):
    base = {
        "id": "1",
        "source": "https://shop.example/orders",
        "type": "PizzaBaked",
        "time": datetime(2025, 1, 6, 9, tzinfo=UTC),
        "awsaccount": "123456789012",
        "awsregion": "eu-west-1",
        "awsversion": "0",
        "awsresources": "[]",
    }
    base.update(attributes)
    data = base.pop("data", {"a": 1})
    return CloudEvent({k: v for k, v in base.items() if v is not None}, data)


def test_a_cloudevent_from_elsewhere_converts_when_complete():
    event = from_cloudevent(foreign())
    assert event.source == "https://shop.example/orders"
    assert event.region == "eu-west-1"


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"awsaccount": None}, "awsaccount"),
        ({"awsresources": "not json"}, "awsresources"),
        ({"awsresources": '{"a": 1}'}, "awsresources"),
        ({"datacontenttype": "text/plain"}, "datacontenttype"),
        ({"data": "plain text"}, "data"),
        ({"data": [1, 2]}, "data"),
        ({"awsaccount": "abc"}, "account"),
    ],
)
def test_incomplete_or_foreign_cloudevents_are_refused_by_name(attributes, field):
    with pytest.raises(EnvelopeError) as caught:
        from_cloudevent(foreign(**attributes))
    assert caught.value.field == field


def test_missing_time_is_refused():
    cloudevent = foreign()
    del cloudevent.get_attributes()["time"]
    with pytest.raises(EnvelopeError, match="time"):
        from_cloudevent(cloudevent)


def test_invalid_json_documents_are_refused():
    with pytest.raises(EnvelopeError, match="not a valid CloudEvents JSON document"):
        from_cloudevent_json(b'{"specversion": "1.0", "source": ""}')


@given(events)
def test_round_trip_through_the_sdk_type_is_lossless(event):
    assert from_cloudevent(to_cloudevent(event)) == event


@given(events)
def test_round_trip_through_structured_json_is_lossless(event):
    assert from_cloudevent_json(to_cloudevent_json(event)) == event
