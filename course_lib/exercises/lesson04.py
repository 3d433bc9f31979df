"""Checks for lesson 04, what an event is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from course_lib.exercises import exercise

#: The business fact of exercise 1.
DELIVERED_ORDER = "1073459984"
DELIVERED_COURIER = "courier-17"

#: Past-tense verbs that do not end in -ed, for the naming rule.
_IRREGULAR_PAST = frozenset(
    {"Built", "Done", "Given", "Held", "Kept", "Lost", "Made", "Paid", "Sent", "Sold", "Taken"}
)
_WORDS = re.compile(r"[A-Z][a-z0-9]*")


def is_past_tense_name(name: str) -> bool:
    """Whether a detail-type reads as a fact: CamelCase ending in a past-tense verb."""
    words = _WORDS.findall(name) if isinstance(name, str) else []
    if not words or "".join(words) != name:
        return False
    last = words[-1]
    return last.endswith("ed") or last in _IRREGULAR_PAST


def _event_dict(answer: Any) -> dict[str, Any] | str:
    """The answer as EventBridge JSON, or a hint when it is not an event at all."""
    if hasattr(answer, "to_dict") and callable(answer.to_dict):
        return answer.to_dict()
    if isinstance(answer, Mapping):
        return dict(answer)
    return (
        "the answer is an event: a dict in EventBridge's JSON shape or an Event made with "
        "`Event.create(world, source=..., detail_type=..., detail=...)`."
    )


@exercise("04.1", "Write the event for a business fact")
def write_the_event(answer: Any) -> str | None:
    from course_lib.events import event_type, validate_event

    event = _event_dict(answer)
    if isinstance(event, str):
        return event
    name = event.get("detail-type")
    if not isinstance(name, str) or not name:
        return "the event needs a detail-type: the name of what happened."
    if not is_past_tense_name(name):
        return (
            f"{name!r} does not read as a fact. Name events in CamelCase, ending in a verb in "
            "the past tense (something that has happened, not an order to do it)."
        )
    try:
        expected = event_type(name)
    except LookupError:
        return (
            f"{name!r} is not in the pizza shop's catalogue; look for the event that says "
            "the order reached the customer in `cl.events.catalogue_table()`."
        )
    if expected.name != "OrderDelivered":
        return (
            f"{name} is a different fact; which catalogue entry says the courier handed the "
            "order over?"
        )
    issues = validate_event(event)
    if issues:
        return f"the event does not follow its schema: {issues[0]}."
    data = event["detail"]["data"]
    if data.get("order-id") != DELIVERED_ORDER:
        return "it is a valid event, but about another order: check the order id in the story."
    if data.get("courier-id") != DELIVERED_COURIER:
        return "it is a valid event, but names another courier: check the story again."
    return None


def _replay_events() -> tuple[list[Any], int]:
    """Deliveries a till consumer sees, and how many distinct facts they carry.

    Order A has two pizzas (two PizzaPrepared facts, one order id); order B one, a
    margherita like A's first (so neither the order id nor the pizza names one fact). The
    first of A's facts is delivered twice (a redelivery: the same event); B's fact was
    published twice (a retried PutEvents: a new id and time, the same detail).
    """
    from course_lib.events import Event

    def prepared(key: str, order: str, pizza: str, event_id: str, time: str) -> Event:
        return Event(
            id=event_id,
            source="com.kitchen",
            detail_type="PizzaPrepared",
            time=time,
            detail={
                "metadata": {"idempotency-key": key},
                "data": {"order-id": order, "pizza": pizza, "size": "large", "station": "s1"},
            },
        )

    a1 = prepared("prep-71", "1073459990", "margherita", "0d1c-0001", "2025-01-06T10:00:00Z")
    a2 = prepared("prep-72", "1073459990", "diavola", "0d1c-0002", "2025-01-06T10:01:00Z")
    b1 = prepared("prep-73", "1073459991", "margherita", "0d1c-0003", "2025-01-06T10:02:00Z")
    b1_retry = prepared("prep-73", "1073459991", "margherita", "0d1c-0004", "2025-01-06T10:02:01Z")
    return [a1, a2, a1, b1, b1_retry], 3


def count_side_effects(key_expression: str) -> tuple[int, int, bool]:
    """Run the replay through an idempotent till: ``(pizzas counted, facts, keys found)``."""
    from course_lib.events import IdempotencyConfig, IdempotentHandler, InMemoryPersistenceStore

    events, facts = _replay_events()
    counted: list[str] = []

    def till(event: Any) -> str:
        counted.append(event.detail["metadata"]["idempotency-key"])
        return "counted"

    config = IdempotencyConfig(event_key_jmespath=key_expression)
    handler = IdempotentHandler(till, InMemoryPersistenceStore(lambda: 0.0), config)
    found = all(handler.key_for(event) is not None for event in events)
    for event in events:
        handler(event)
    return len(counted), facts, found


#: Longest key expression 04.2 evaluates. The key is a short path into the event; JMESPath
#: parses long expressions in quadratic time (a 1 MB string takes about 40 s).
MAX_KEY_EXPRESSION_CHARS = 1_000


def _jmespath_problem(expression: str) -> str | None:
    """A hint when ``expression`` is not a JMESPath expression the check can evaluate."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    if len(expression) > MAX_KEY_EXPRESSION_CHARS:
        return (
            f"that expression is {len(expression):,} characters long; the key is a short path "
            "into the event. Print `event.to_dict()` and follow the path from the top."
        )
    try:
        jmespath.compile(expression)
    except JMESPathError:
        return (
            "that is not a valid JMESPath expression. A key with a hyphen needs double quotes "
            'inside the expression, as in detail.data."order-id".'
        )
    except RecursionError:
        return "that expression is nested too deeply to evaluate; the key is a short path."
    return None


@exercise("04.2", "Make a consumer idempotent")
def idempotency_key(answer: Any) -> str | None:
    if not isinstance(answer, str) or not answer.strip():
        return "the answer is a JMESPath expression as a string, such as 'detail.data.size'."
    expression = answer.strip()
    problem = _jmespath_problem(expression)
    if problem:
        return problem
    try:
        counted, facts, found = count_side_effects(expression)
    except (ValueError, RecursionError) as error:
        return (
            f"the expression fails on the events ({type(error).__name__}): the key is a value "
            "you read from the event, such as a field under detail, not a computation."
        )
    if not found:
        return (
            "your expression finds nothing in some events, so they run without idempotency. "
            "Print `event.to_dict()` and follow the path from the top of the event."
        )
    if counted > facts:
        return (
            f"duplicates still get through ({counted} side effects for {facts} facts). A "
            "retried PutEvents gets a new id (and often a new time): key on something the producer "
            "sets once per business fact."
        )
    if counted < facts:
        return (
            f"distinct facts were merged ({counted} side effects for {facts} facts): "
            "different facts share that value (two pizzas of one order, or the same pizza in "
            "two orders). Key on what identifies one fact."
        )
    return None


#: The compatibility modes exercise 3 asks for, with the schema registries' names.
MODES = ("FULL", "BACKWARD", "FORWARD", "NONE")


def payment_proposals() -> dict[str, dict[str, Any]]:
    """The payments team's proposed new versions of the PaymentReceived schema (exercise 3)."""
    from course_lib.events import add_field, event_type, remove_field, rename_field

    old = event_type("PaymentReceived").schema()
    currency = old["properties"]["data"]["properties"]["currency"]
    return {
        "add optional data.tip-cents": add_field(old, "data.tip-cents", {"type": "integer"}),
        "add required data.method": add_field(
            old, "data.method", {"type": "string"}, required=True
        ),
        "make data.currency optional": add_field(
            remove_field(old, "data.currency"), "data.currency", currency
        ),
        "remove data.currency": remove_field(old, "data.currency"),
        "rename data.payment-id": rename_field(old, "data.payment-id", "paymentId"),
    }


@exercise("04.3", "Predict what a schema change keeps")
def predict_compatibility(answer: Any) -> str | None:
    from course_lib.events import compatibility, event_type

    proposals = payment_proposals()
    if not isinstance(answer, Mapping):
        return "the answer is a dict: one entry per proposed change, each a mode such as 'FULL'."
    missing = [label for label in proposals if label not in answer]
    if missing:
        return f"predict every change; {missing[0]!r} has no prediction."
    old = event_type("PaymentReceived").schema()
    wrong = []
    for label, new in proposals.items():
        given = answer[label]
        if not isinstance(given, str) or given.strip().upper() not in MODES:
            return f"{label!r}: give one of {', '.join(MODES)}, not {given!r}."
        if given.strip().upper() != compatibility(old, new):
            wrong.append(label)
    if not wrong:
        return None
    return (
        f"{len(wrong)} of {len(proposals)} predictions are off, the first {wrong[0]!r}. Ask the "
        "two questions separately: would a consumer written for the old schema fail on an "
        "event that follows the new one (FORWARD)? Would a consumer written for the new "
        "schema fail on an event published before the change (BACKWARD)?"
    )


@exercise("04.4", "Evolve a schema with full compatibility")
def coupon_schema(answer: Any) -> str | None:
    from course_lib.events import compare_schemas, compatibility, event_type, validate_instance

    if not isinstance(answer, Mapping):
        return "the answer is a schema (a dict): start from `event_type('OrderCreated').schema()`."
    old = event_type("OrderCreated").schema()
    try:
        changes = compare_schemas(old, answer)
    except (ValueError, TypeError, AttributeError) as error:
        return f"the new schema could not be compared with the old one: {error}"
    added = [c for c in changes if c.path == "data.coupon" and c.kind == "field added"]
    if not added:
        return "the new schema has no `coupon` field inside `data`; add it with `add_field`."
    breaking = [c for c in changes if c.breaking]
    if breaking:
        first = breaking[0]
        return f"this breaks existing consumers: {first.path} ({first.kind}): {first.explanation}."
    others = [c for c in changes if c.path != "data.coupon"]
    if others:
        return f"change only what marketing asked for; you also changed {others[0].path}."
    example = event_type("OrderCreated").example()["detail"]
    if validate_instance(answer, example):
        return (
            "events published today (without a coupon) no longer validate: the change is "
            "FORWARD compatible only, not FULL. Should the new field be required?"
        )
    if compatibility(old, answer) != "FULL":
        return "consumers written for the new schema would fail on events published today."
    return None
