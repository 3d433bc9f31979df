"""Input transformer: placeholders, reserved variables, JSON paths and validation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.eventbridge import InvalidInputTransformer
from course_lib.eventbridge.errors import InvalidTransformedInput
from course_lib.eventbridge.transformer import (
    apply_input_path,
    parse_json_path,
    transform_input,
    validate_input_transformer,
)

EVENT = {
    "version": "0",
    "id": "e-1",
    "detail-type": "Order Placed",
    "source": "pizza.orders",
    "account": "123456789012",
    "time": "2025-01-06T09:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"order": {"id": "o-1", "total": 12.5}, "items": [{"sku": "a"}, {"sku": "b"}]},
}
CONTEXT = {
    "rule_name": "r",
    "rule_arn": "arn:aws:events:us-east-1:123456789012:rule/r",
    "event_bus_name": "default",
    "ingestion_time": "2025-01-06T09:00:00Z",
}


def run(paths, template, event=EVENT):
    return transform_input(paths, template, event, **CONTEXT)


def test_json_template_inserts_json_values():
    out = run(
        {"order": "$.detail.order", "total": "$.detail.order.total"}, '{"o": <order>, "t": <total>}'
    )
    assert json.loads(out) == {"o": {"id": "o-1", "total": 12.5}, "t": 12.5}


def test_missing_paths_are_the_empty_string():
    out = run({"x": "$.detail.nope"}, '{"a": <x>, "b": "before <x> after"}')
    assert json.loads(out) == {"a": "", "b": "before  after"}
    assert run({"x": "$.detail.nope"}, '"before <x> after"') == '"before  after"'
    assert run({"x": "$.detail.nope", "y": "$.detail.order"}, "[<x>, <y>]") == (
        '["", {"id": "o-1", "total": 12.5}]'
    )


def test_objects_inside_strings_lose_their_quotes():
    out = run({"order": "$.detail.order"}, '"order <order>"')
    assert out == '"order {id:o-1,total:12.5}"'
    out = run({"items": "$.detail.items"}, '"items <items>"')
    assert out == '"items [{sku:a},{sku:b}]"'


@pytest.mark.parametrize("path", ["$.detail.order", "$.detail.items"])
def test_object_inside_a_string_of_a_json_template_drops_the_invocation(path):
    with pytest.raises(InvalidTransformedInput, match="not valid JSON"):
        run({"v": path}, '{"text": "value <v>"}')
    with pytest.raises(InvalidTransformedInput):
        run({"v": path}, '["<v>"]')


def test_event_json_only_as_a_json_value():
    assert json.loads(run(None, '{"e": <aws.events.event.json>}'))["e"] == EVENT
    with pytest.raises(InvalidTransformedInput):
        run(None, '{"e": "<aws.events.event.json>"}')


def test_plain_text_template_inserts_text():
    assert run({"s": "$.source"}, "<s> says hi") == "pizza.orders says hi"
    assert run({"s": "$.nope"}, "<s> says hi") == " says hi"


def test_array_index_and_wildcard_paths():
    assert run({"s": "$.detail.items[1].sku"}, "<s>") == "b"
    assert json.loads(run({"s": "$.detail.items[*].sku"}, '{"all": <s>}')) == {"all": ["a", "b"]}


def test_reserved_variables():
    out = run(None, '{"rule": <aws.events.rule-name>, "event": <aws.events.event.json>}')
    assert json.loads(out) == {"rule": "r", "event": EVENT}
    out = json.loads(run(None, '{"e": <aws.events.event>}'))["e"]
    assert "detail" not in out and out["detailType"] == "Order Placed"


def test_strings_are_not_escaped_inside_strings():
    event = {**EVENT, "detail": {"text": 'say "hi"'}}
    assert run({"t": "$.detail.text"}, '"m: <t>!"', event) == '"m: say "hi"!"'
    with pytest.raises(InvalidTransformedInput):
        run({"t": "$.detail.text"}, '{"m": "<t>!"}', event)
    assert json.loads(run({"t": "$.detail.text"}, '{"m": <t>}', event)) == {"m": 'say "hi"'}


@pytest.mark.parametrize(
    ("paths", "template", "message"),
    [
        ({"a": "$.x"}, "<b>", "invalid placeholder b"),
        ({"aws.x": "$.x"}, "<aws.x>", "letters, digits"),
        ({"a": "detail"}, "<a>", "must start with"),
        ({"a": "$['x']"}, "<a>", "not a valid JSON path"),
        ({f"k{i}": "$.x" for i in range(101)}, "x", "the maximum is 100"),
        ({"a": "$.x"}, "{<a>: 1}", "as an object key"),
        ({"a": "$.x"}, "", "non-empty"),
    ],
)
def test_validation(paths, template, message):
    with pytest.raises(InvalidInputTransformer, match=message):
        validate_input_transformer(paths, template, target_id="t1")


def test_input_path():
    assert json.loads(apply_input_path("$.detail.order", EVENT)) == {"id": "o-1", "total": 12.5}
    assert apply_input_path("$.nope", EVENT) == "null"
    assert parse_json_path("$") == []


safe_text = st.text(
    st.characters(blacklist_characters='"\\', blacklist_categories=("Cc", "Cs")), max_size=8
)
json_values = st.one_of(safe_text, st.integers(), st.booleans(), st.none())


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_placeholders_round_trip_any_value(value):
    event = {**EVENT, "detail": {"v": value}}
    out = run({"v": "$.detail.v"}, '{"value": <v>, "text": "<v>"}', event)
    parsed = json.loads(out)
    assert parsed["value"] == value
    assert parsed["text"] == (value if isinstance(value, str) else json.dumps(value))


def test_missing_path_outputs_recorded_on_aws():
    """AWS's recorded answers when one path of the map is missing from the event."""
    paths = {"type": "$.detail-type", "at": "$.time", "command": "$.detail.notinmessage"}
    out = run(paths, '{"detailType": <type>,  "time": <at>, "command": <command>}')
    assert json.loads(out) == {
        "detailType": "Order Placed",
        "time": "2025-01-06T09:00:00Z",
        "command": "",
    }
    out = run(paths, '"Event of <type> type, at time <at>, info extracted from detail <command>"')
    assert (
        out
        == '"Event of Order Placed type, at time 2025-01-06T09:00:00Z, info extracted from detail "'
    )
    out = run(paths, '"{[/Check with special starting characters for event of <type> type"')
    assert out == '"{[/Check with special starting characters for event of Order Placed type"'
