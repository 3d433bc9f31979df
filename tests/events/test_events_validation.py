import pytest

from course_lib.events import (
    CATALOGUE,
    Event,
    EventValidationError,
    ValidationIssue,
    check_event,
    example_event,
    slide_event,
    validate_detail,
    validate_event,
    validate_instance,
)


def slide_detail(**data):
    return {"metadata": {"idempotency-key": "c1b95b88"}, "data": {"order-id": "1", **data}}


def test_every_example_validates():
    for kind in CATALOGUE:
        assert validate_event(example_event(kind.name)) == []


def test_missing_field_is_named_with_its_full_path():
    detail = {"metadata": {"idempotency-key": "k"}, "data": {}}
    assert validate_detail("PizzaBaked", detail) == [
        ValidationIssue("detail.data.order-id", "required", "required field is missing")
    ]


def test_wrong_type_says_what_was_expected():
    detail = {"metadata": {"idempotency-key": "k"}, "data": {"order-id": 1073459984}}
    assert validate_detail("PizzaBaked", detail) == [
        ValidationIssue("detail.data.order-id", "type", "expected string, got integer")
    ]


def test_booleans_are_not_integers():
    detail = slide_detail(**{"eta-minutes": True, "courier-id": "c"})
    issues = validate_detail("OrderDispatched", detail)
    assert issues == [
        ValidationIssue("detail.data.eta-minutes", "type", "expected integer, got boolean")
    ]


def test_all_issues_are_reported_sorted_by_path():
    detail = {
        "metadata": {},
        "data": {
            "order-id": "12a",
            "customer-id": "",
            "items": [{"pizza": "margherita", "size": "huge", "quantity": 0}],
            "total-cents": -1,
            "currency": "eur",
        },
    }
    issues = validate_detail("OrderCreated", detail)
    assert [(i.path, i.rule) for i in issues] == [
        ("detail.data.currency", "pattern"),
        ("detail.data.customer-id", "minLength"),
        ("detail.data.items[0].quantity", "minimum"),
        ("detail.data.items[0].size", "enum"),
        ("detail.data.order-id", "pattern"),
        ("detail.data.total-cents", "minimum"),
        ("detail.metadata.idempotency-key", "required"),
    ]
    messages = {i.path: i.message for i in issues}
    assert messages["detail.data.items[0].size"] == (
        "expected one of 'small', 'medium', 'large', got 'huge'"
    )
    assert messages["detail.data.total-cents"] == "expected a number >= 0, got -1"
    assert messages["detail.data.customer-id"] == "expected at least 1 character(s), got 0"


def test_detail_that_is_not_an_object():
    assert validate_detail("PizzaBaked", []) == [
        ValidationIssue("detail", "type", "expected object, got array")
    ]


def test_unknown_detail_type_and_wrong_source_are_issues():
    event = Event.from_dict({**slide_event().to_dict(), "detail-type": "PizzaEaten"})
    [issue] = validate_event(event)
    assert (issue.path, issue.rule) == ("detail-type", "catalogue")
    wrong_source = Event.from_dict({**slide_event().to_dict(), "source": "com.kitchen"})
    assert validate_event(wrong_source) == [
        ValidationIssue(
            "source", "catalogue", "PizzaBaked is published by 'com.orders', got 'com.kitchen'"
        )
    ]


def test_envelope_problems_in_a_dict_are_issues():
    data = slide_event().to_dict()
    del data["account"]
    assert validate_event(data) == [
        ValidationIssue("account", "envelope", "required field is missing")
    ]


def test_check_event_raises_with_every_issue():
    data = slide_event().to_dict()
    data["detail"]["data"]["order-id"] = 7
    data["detail"]["metadata"] = {}
    with pytest.raises(EventValidationError) as caught:
        check_event(data)
    assert [i.path for i in caught.value.issues] == [
        "detail.data.order-id",
        "detail.metadata.idempotency-key",
    ]
    assert "detail.data.order-id: expected string, got integer (type)" in str(caught.value)
    assert check_event(slide_event()) == slide_event()
    assert check_event(slide_event().to_dict()) == slide_event()


def test_validate_instance_with_a_custom_schema_and_root():
    schema = {
        "type": "object",
        "properties": {"n": {"type": ["integer", "null"], "maximum": 3}},
        "additionalProperties": False,
    }
    assert validate_instance(schema, {"n": 4, "x": 1, "y": 2}, root="body") == [
        ValidationIssue("body.n", "maximum", "expected a number <= 3, got 4"),
        ValidationIssue("body.x", "additionalProperties", "field is not allowed here"),
        ValidationIssue("body.y", "additionalProperties", "field is not allowed here"),
    ]
    assert validate_instance(schema, {"n": "a"}) == [
        ValidationIssue("detail.n", "type", "expected integer or null, got string")
    ]


def test_an_invalid_schema_is_reported_as_such():
    with pytest.raises(ValueError, match="not a valid JSON Schema"):
        validate_instance({"type": "strnig"}, {})
