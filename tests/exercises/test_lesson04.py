"""Lesson 04's checks accept the solutions (and equivalent answers) and hint at typical mistakes."""

import copy

import pytest

import course_lib.events as ev
from course_lib import exercises
from course_lib.exercises import lesson04
from course_lib.sim import World


def verdict(exercise_id, answer):
    return exercises.evaluate(exercise_id, answer)


def delivered_event(**changes):
    event = {
        "version": "0",
        "id": "0b7c4d1e-0000-4000-8000-000000000001",
        "detail-type": "OrderDelivered",
        "source": "com.delivery",
        "account": "123456789012",
        "time": "2025-01-06T09:31:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "metadata": {"idempotency-key": "delivered-1073459984"},
            "data": {"order-id": "1073459984", "courier-id": "courier-17"},
        },
    }
    event.update(changes)
    return event


# -- 04.1 write the event for a business fact -------------------------------------------------


def test_04_1_accepts_a_dict_and_an_event():
    assert verdict("04.1", delivered_event()).passed
    made = ev.Event.create(
        World(seed=1),
        source="com.delivery",
        detail_type="OrderDelivered",
        detail=delivered_event()["detail"],
    )
    assert verdict("04.1", made).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (delivered_event(**{"detail-type": "DeliverOrder"}), "past tense"),
        (delivered_event(**{"detail-type": "ParcelDelivered"}), "not in the pizza shop's"),
        (delivered_event(**{"detail-type": "OrderDispatched"}), "different fact"),
        (delivered_event(source="com.orders"), "com.delivery"),
        ("OrderDelivered", "the answer is an event"),
    ],
)
def test_04_1_rejects_typical_mistakes_with_a_hint(answer, hint):
    result = verdict("04.1", answer)
    assert not result.passed and hint in result.message


def test_04_1_names_the_schema_problem_and_checks_the_story():
    broken = delivered_event()
    del broken["detail"]["data"]["courier-id"]
    result = verdict("04.1", broken)
    assert not result.passed and "detail.data.courier-id" in result.message
    other = delivered_event()
    other["detail"]["data"]["order-id"] = "1073459985"
    assert "another order" in verdict("04.1", other).message
    courier = delivered_event()
    courier["detail"]["data"]["courier-id"] = "courier-9"
    assert "another courier" in verdict("04.1", courier).message


def test_04_1_hints_never_contain_the_answer():
    for answer in (delivered_event(**{"detail-type": "DeliverOrder"}), 42):
        assert "OrderDelivered" not in verdict("04.1", answer).message


@pytest.mark.parametrize(
    ("name", "past"),
    [
        ("PizzaBaked", True),
        ("PaymentReceived", True),
        ("InvoiceSent", True),
        ("BakePizza", False),
        ("pizzaBaked", False),
        ("Pizza_Baked", False),
        ("", False),
    ],
)
def test_past_tense_rule(name, past):
    assert lesson04.is_past_tense_name(name) is past


# -- 04.2 make a consumer idempotent ----------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ['detail.metadata."idempotency-key"', ' detail.metadata."idempotency-key" ', "detail.metadata"],
)
def test_04_2_accepts_keys_that_identify_one_fact(expression):
    assert verdict("04.2", expression).passed


@pytest.mark.parametrize(
    ("expression", "hint"),
    [
        ("id", "duplicates still get through"),
        ('detail.data."order-id"', "distinct facts were merged"),
        ("detail.data.pizza", "distinct facts were merged"),
        ("detail.data.size", "distinct facts were merged"),
        ("detail.metadata.idempotency-key", "not a valid JMESPath"),
        ("detail.metadata.key", "finds nothing"),
        (42, "JMESPath expression as a string"),
    ],
)
def test_04_2_rejects_typical_mistakes_with_a_hint(expression, hint):
    result = verdict("04.2", expression)
    assert not result.passed and hint in result.message
    assert "idempotency-key" not in result.message


def test_04_2_replay_has_redeliveries_retries_and_two_pizzas_of_one_order():
    counted, facts, found = lesson04.count_side_effects("id")
    assert (counted, facts, found) == (4, 3, True)


# -- 04.3 predict what a schema change keeps ---------------------------------------------------

PREDICTION = {
    "add optional data.tip-cents": "FULL",
    "add required data.method": "FORWARD",
    "make data.currency optional": "BACKWARD",
    "remove data.currency": "BACKWARD",
    "rename data.payment-id": "NONE",
}


def test_04_3_accepts_the_prediction_in_any_case():
    assert verdict("04.3", PREDICTION).passed
    assert verdict("04.3", {k: v.lower() for k, v in PREDICTION.items()}).passed


def test_04_3_matches_the_library():
    old = ev.event_type("PaymentReceived").schema()
    modes = {
        label: ev.compatibility(old, new) for label, new in lesson04.payment_proposals().items()
    }
    assert modes == PREDICTION


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"add required data.method": "BACKWARD"}, "1 of 5 predictions are off"),
        ({"remove data.currency": "FORWARD", "add required data.method": "FULL"}, "2 of 5"),
        ({"rename data.payment-id": "maybe"}, "give one of FULL"),
    ],
)
def test_04_3_hints_name_the_question_not_the_answer(change, hint):
    result = verdict("04.3", {**PREDICTION, **change})
    assert not result.passed and hint in result.message
    for label, mode in PREDICTION.items():
        assert f"{label!r}: {mode}" not in result.message


def test_04_3_wants_every_change_and_a_dict():
    partial = dict(PREDICTION)
    del partial["remove data.currency"]
    assert "has no prediction" in verdict("04.3", partial).message
    assert "the answer is a dict" in verdict("04.3", "FULL").message


# -- 04.4 evolve a schema ---------------------------------------------------------------------


def created_schema():
    return ev.event_type("OrderCreated").schema()


def test_04_4_accepts_an_optional_coupon():
    assert verdict("04.4", ev.add_field(created_schema(), "data.coupon", {"type": "string"})).passed
    with_rules = ev.add_field(created_schema(), "data.coupon", {"type": "string", "minLength": 1})
    assert verdict("04.4", with_rules).passed


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda s: s, "no `coupon` field"),
        (lambda s: ev.add_field(s, "metadata.coupon", {"type": "string"}), "no `coupon` field"),
        (
            lambda s: ev.add_field(s, "data.coupon", {"type": "string"}, required=True),
            "FORWARD compatible only",
        ),
        (
            lambda s: ev.rename_field(
                ev.add_field(s, "data.coupon", {"type": "string"}), "data.currency", "cur"
            ),
            "breaks existing consumers",
        ),
        (
            lambda s: ev.add_field(
                ev.add_field(s, "data.coupon", {"type": "string"}), "data.note", {"type": "string"}
            ),
            "change only what marketing asked for",
        ),
        (lambda s: "coupon", "the answer is a schema"),
    ],
)
def test_04_4_rejects_typical_mistakes_with_a_hint(make, hint):
    result = verdict("04.4", make(copy.deepcopy(created_schema())))
    assert not result.passed and hint in result.message


def test_every_lesson_04_exercise_is_registered():
    assert [e.id for e in exercises.registered("04")] == ["04.1", "04.2", "04.3", "04.4"]


@pytest.mark.parametrize(
    ("expression", "hint"),
    [
        ("abs(detail)", "fails on the events (JMESPathTypeError)"),
        ("(" * 600 + "id" + ")" * 600, "characters long"),
        ("(" * 400 + "id" + ")" * 400, "duplicates still get through"),
        ('"' * 999, "not a valid JMESPath"),
    ],
)
def test_04_2_odd_expressions_get_a_hint_not_a_traceback(expression, hint):
    result = verdict("04.2", expression)
    assert not result.passed
    assert hint in result.message or "nested too deeply" in result.message
    assert "'idempotency-key'" not in result.message


def test_04_2_a_one_megabyte_answer_is_answered_at_once():
    import threading

    answer = "detail." + "a" * 1_000_000
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=verdict("04.2", answer)))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "04.2 took over 10 s on a 1 MB answer"
    assert "1,000,007 characters long" in outcome["r"].message
