import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.events import (
    CATALOGUE,
    ChangeKind,
    add_field,
    change_type,
    compare_schemas,
    compatibility,
    event_type,
    example_event,
    is_backward_compatible,
    is_forward_compatible,
    is_fully_compatible,
    remove_field,
    rename_field,
    validate_instance,
)
from course_lib.events.evolution import SchemaChange

ORDER_CREATED = event_type("OrderCreated").schema()


def kinds(old, new):
    return [(c.path, c.kind, c.breaking) for c in compare_schemas(old, new)]


def test_identical_schemas_have_no_changes():
    assert compare_schemas(ORDER_CREATED, ORDER_CREATED) == []


def test_adding_an_optional_field_is_fully_compatible():
    v2 = add_field(ORDER_CREATED, "data.coupon", {"type": "string"})
    assert kinds(ORDER_CREATED, v2) == [("data.coupon", ChangeKind.FIELD_ADDED, False)]
    assert is_forward_compatible(ORDER_CREATED, v2)
    assert is_backward_compatible(ORDER_CREATED, v2)
    assert is_fully_compatible(ORDER_CREATED, v2)
    assert compatibility(ORDER_CREATED, v2) == "FULL"


def test_adding_a_required_field_is_forward_but_not_backward_compatible():
    """Old consumers ignore the field; new consumers fail on old events that lack it."""
    v2 = add_field(ORDER_CREATED, "data.store-id", {"type": "string"}, required=True)
    assert is_forward_compatible(ORDER_CREATED, v2)
    assert not is_backward_compatible(ORDER_CREATED, v2)
    assert compatibility(ORDER_CREATED, v2) == "FORWARD"
    old_event = example_event("OrderCreated").to_dict()["detail"]
    [issue] = validate_instance(v2, old_event)
    assert (issue.path, issue.rule) == ("detail.data.store-id", "required")


def test_removing_a_required_field_is_backward_but_not_forward_compatible():
    """New consumers never read it; old consumers fail on new events without it."""
    v2 = remove_field(ORDER_CREATED, "data.customer-id")
    assert is_backward_compatible(ORDER_CREATED, v2)
    assert not is_forward_compatible(ORDER_CREATED, v2)
    assert compatibility(ORDER_CREATED, v2) == "BACKWARD"
    assert validate_instance(v2, example_event("OrderCreated").to_dict()["detail"]) == []


def test_removing_an_optional_field_is_fully_compatible():
    v2 = remove_field(ORDER_CREATED, "metadata.callbackToken")
    assert compatibility(ORDER_CREATED, v2) == "FULL"


def test_a_rename_or_retype_is_compatible_in_no_direction():
    assert (
        compatibility(ORDER_CREATED, rename_field(ORDER_CREATED, "data.order-id", "id")) == "NONE"
    )
    retyped = change_type(ORDER_CREATED, "data.total-cents", "string")
    assert compatibility(ORDER_CREATED, retyped) == "NONE"


def test_narrowing_is_forward_and_widening_is_backward_compatible():
    wide = {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}
    narrow = change_type(wide, "n", "integer")
    assert compatibility(wide, narrow) == "FORWARD"
    assert compatibility(narrow, wide) == "BACKWARD"


def test_adding_a_field_breaks_consumers_of_a_closed_schema():
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    closed["additionalProperties"] = False
    v2 = add_field(closed, "b", {"type": "string"})
    assert kinds(closed, v2) == [("b", ChangeKind.FIELD_ADDED, True)]


def test_renaming_a_required_field_breaks_a_consumer():
    v2 = rename_field(ORDER_CREATED, "data.order-id", "orderId")
    [change] = compare_schemas(ORDER_CREATED, v2)
    assert (change.path, change.kind, change.breaking) == (
        "data.order-id",
        ChangeKind.FIELD_RENAMED,
        True,
    )
    assert "'orderId'" in change.explanation
    assert not is_forward_compatible(ORDER_CREATED, v2)
    assert not is_backward_compatible(ORDER_CREATED, v2)


def test_a_consumer_breaks_on_the_renamed_field():
    v2 = rename_field(ORDER_CREATED, "data.order-id", "orderId")
    new_detail = example_event("OrderCreated").to_dict()["detail"]
    new_detail["data"]["orderId"] = new_detail["data"].pop("order-id")
    assert validate_instance(v2, new_detail) == []

    def old_consumer(detail):
        return f"charging order {detail['data']['order-id']}"

    with pytest.raises(KeyError, match="order-id"):
        old_consumer(new_detail)
    [issue] = validate_instance(ORDER_CREATED, new_detail)
    assert (issue.path, issue.rule) == ("detail.data.order-id", "required")


def test_removing_fields():
    v2 = remove_field(ORDER_CREATED, "data.customer-id")
    assert kinds(ORDER_CREATED, v2) == [("data.customer-id", ChangeKind.FIELD_REMOVED, True)]
    v3 = remove_field(ORDER_CREATED, "metadata.callbackToken")
    assert kinds(ORDER_CREATED, v3) == [("metadata.callbackToken", ChangeKind.FIELD_REMOVED, False)]


def test_renaming_an_optional_field_is_reported_but_not_breaking():
    v2 = rename_field(ORDER_CREATED, "metadata.callbackToken", "taskToken")
    assert kinds(ORDER_CREATED, v2) == [("metadata.callbackToken", ChangeKind.FIELD_RENAMED, False)]


def test_a_type_change_breaks():
    v2 = change_type(ORDER_CREATED, "data.total-cents", "string")
    [change] = compare_schemas(ORDER_CREATED, v2)
    assert (change.path, change.kind, change.breaking) == (
        "data.total-cents",
        ChangeKind.TYPE_CHANGED,
        True,
    )
    assert change.explanation.startswith("type integer -> string")


def test_narrowing_a_type_does_not_break():
    old = {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}
    new = change_type(old, "n", "integer")
    assert kinds(old, new) == [("n", ChangeKind.TYPE_CHANGED, False)]
    assert kinds(new, old) == [("n", ChangeKind.TYPE_CHANGED, True)]


def test_required_becoming_optional_breaks_and_the_reverse_does_not():
    old = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    new = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert kinds(old, new) == [("a", ChangeKind.BECAME_OPTIONAL, True)]
    assert kinds(new, old) == [("a", ChangeKind.BECAME_REQUIRED, False)]


def test_enum_values_added_break_and_removed_do_not():
    schema = event_type("OrderCancelled").schema()
    reasons = schema["properties"]["data"]["properties"]["reason"]
    wider = {**reasons, "enum": [*reasons["enum"], "oven-on-fire"]}
    v2 = change_field(schema, "reason", wider)
    assert kinds(schema, v2) == [("data.reason", ChangeKind.ENUM_VALUES_ADDED, True)]
    assert kinds(v2, schema) == [("data.reason", ChangeKind.ENUM_VALUES_REMOVED, False)]
    open_list = {key: value for key, value in reasons.items() if key != "enum"}
    assert kinds(schema, change_field(schema, "reason", open_list)) == [
        ("data.reason", ChangeKind.ENUM_VALUES_ADDED, True)
    ]


def change_field(schema, name, field):
    result = remove_field(schema, f"data.{name}")
    return add_field(result, f"data.{name}", field, required=True)


def test_bounds_tightened_are_safe_and_loosened_break():
    old = {"type": "integer", "minimum": 0, "maximum": 10}
    assert kinds(old, {**old, "maximum": 5}) == [("", ChangeKind.CONSTRAINT_CHANGED, False)]
    assert kinds(old, {**old, "maximum": 50}) == [("", ChangeKind.CONSTRAINT_CHANGED, True)]
    assert kinds(old, {"type": "integer", "maximum": 10}) == [
        ("", ChangeKind.CONSTRAINT_CHANGED, True)
    ]


def test_pattern_changes():
    old = {"type": "string"}
    assert kinds(old, {**old, "pattern": "^a"}) == [("", ChangeKind.CONSTRAINT_CHANGED, False)]
    assert kinds({**old, "pattern": "^a"}, {**old, "pattern": "^b"}) == [
        ("", ChangeKind.CONSTRAINT_CHANGED, True)
    ]


def test_array_items_are_compared():
    v2 = remove_field(ORDER_CREATED, "data.items")
    items = ORDER_CREATED["properties"]["data"]["properties"]["items"]
    changed_items = {**items, "items": change_type(items["items"], "quantity", "string")}
    v2 = add_field(v2, "data.items", changed_items, required=True)
    assert kinds(ORDER_CREATED, v2) == [("data.items[].quantity", ChangeKind.TYPE_CHANGED, True)]


def test_annotations_are_not_changes():
    v2 = dict(ORDER_CREATED, description="new words", title="OrderCreated v2")
    assert compare_schemas(ORDER_CREATED, v2) == []


@pytest.mark.parametrize("keyword", ["$ref", "anyOf", "oneOf", "allOf"])
def test_unsupported_keywords_are_refused_by_name(keyword):
    with pytest.raises(ValueError, match=re.escape(f"does not follow {keyword!r}")):
        compare_schemas({"type": "object", keyword: []}, {"type": "object"})


def test_edit_helpers_refuse_impossible_edits():
    with pytest.raises(KeyError, match="already exists"):
        add_field(ORDER_CREATED, "data.order-id", {"type": "string"})
    with pytest.raises(KeyError, match="no such field"):
        remove_field(ORDER_CREATED, "data.nothing")
    with pytest.raises(KeyError, match="no field 'nowhere'"):
        rename_field(ORDER_CREATED, "nowhere.order-id", "x")
    with pytest.raises(KeyError, match="already exists"):
        rename_field(ORDER_CREATED, "data.order-id", "customer-id")
    with pytest.raises(KeyError, match="no such field"):
        change_type(ORDER_CREATED, "data.nothing", "string")


def test_edit_helpers_do_not_touch_their_input():
    before = event_type("OrderCreated").schema()
    rename_field(ORDER_CREATED, "data.order-id", "orderId")
    add_field(ORDER_CREATED, "data.coupon", {"type": "string"}, required=True)
    assert before == ORDER_CREATED


def test_changes_are_sorted_and_comparable():
    v2 = add_field(remove_field(ORDER_CREATED, "data.currency"), "data.coupon", {"type": "string"})
    changes = compare_schemas(ORDER_CREATED, v2)
    assert changes == sorted(changes)
    assert all(isinstance(c, SchemaChange) for c in changes)


names = st.text(alphabet="abcdefgh-", min_size=1, max_size=8).filter(lambda n: n != "-")


@given(name=names, required=st.booleans())
def test_adding_then_removing_a_field_is_symmetric(name, required):
    base = {"type": "object", "properties": {"order-id": {"type": "string"}}}
    if name == "order-id":
        return
    added = add_field(base, name, {"type": "integer"}, required=required)
    assert is_forward_compatible(base, added)
    assert is_backward_compatible(base, added) is not required
    [change] = compare_schemas(added, base)
    assert (change.kind, change.breaking) == (ChangeKind.FIELD_REMOVED, required)


@given(st.sampled_from([t.name for t in CATALOGUE]))
def test_every_catalogue_schema_is_compatible_with_itself(name):
    schema = event_type(name).schema()
    assert compatibility(schema, schema) == "FULL"


schemas = st.sampled_from([t.name for t in CATALOGUE])
edits = st.sampled_from(["add optional", "add required", "remove", "rename", "retype"])


@given(name=schemas, edit=edits)
def test_backward_is_forward_with_the_roles_swapped(name, edit):
    """Registry semantics: BACKWARD(old, new) == FORWARD(new, old), FULL is both."""
    old = event_type(name).schema()
    fields = sorted(old["properties"]["data"]["properties"])
    target = f"data.{fields[0]}"
    new = {
        "add optional": lambda: add_field(old, "data.zz-extra", {"type": "string"}),
        "add required": lambda: add_field(old, "data.zz-extra", {"type": "string"}, required=True),
        "remove": lambda: remove_field(old, target),
        "rename": lambda: rename_field(old, target, "zz-renamed"),
        "retype": lambda: change_type(old, target, "boolean"),
    }[edit]()
    assert is_backward_compatible(old, new) == is_forward_compatible(new, old)
    assert is_fully_compatible(old, new) == (
        is_forward_compatible(old, new) and is_backward_compatible(old, new)
    )
    mirror = {"FULL": "FULL", "NONE": "NONE", "FORWARD": "BACKWARD", "BACKWARD": "FORWARD"}
    assert compatibility(new, old) == mirror[compatibility(old, new)]
