"""Checks for lesson 05, AWS Step Functions, and the small helpers its exercises use.

The checks run the learner's definition pieces (Choice rules, a Retry, Parameters) on
inputs and failures the notebook does not show, so an answer has to meet the requirement,
not the examples.

The billing helpers (``state_transitions``, ``retries``, ``standard_cost``,
``express_cost``) come from :mod:`course_lib.stepfunctions.pricing`, which holds the
list prices.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from course_lib.exercises import exercise
from course_lib.stepfunctions.pricing import (
    express_billed_gb_seconds,
    express_cost,
    retries,
    standard_cost,
    state_transitions,
)

__all__ = [
    "express_billed_gb_seconds",
    "express_cost",
    "retries",
    "standard_cost",
    "state_transitions",
]

# -- shared helpers ----------------------------------------------------------------------------


def _unfinished(answer: Any) -> str | None:
    if isinstance(answer, Mapping) and any(value is ... for value in answer.values()):
        left = sorted(str(key) for key, value in answer.items() if value is ...)
        return f"replace every `...` in the dict (still open: {', '.join(left)})."
    return None


def _problems(definition: dict) -> str | None:
    from course_lib.stepfunctions import validate

    found = validate(definition)
    if found:
        first = found[0]
        return f"AWS would refuse this definition: {first.message}"
    return None


# -- 05.1 a Choice state that routes deliveries ------------------------------------------------

DELIVERY_STATES = ("Counter", "Bike", "Van")


def delivery_machine(choices: Any) -> dict:
    """The delivery workflow with ``choices`` as the Choices of its HowToDeliver state."""
    if isinstance(choices, Mapping) and "Choices" in choices:
        choices = choices["Choices"]
    return {
        "StartAt": "HowToDeliver",
        "States": {
            "HowToDeliver": {"Type": "Choice", "Choices": copy.deepcopy(choices), "Default": "Van"},
            **{
                name: {"Type": "Pass", "Result": {"delivery": name}, "End": True}
                for name in DELIVERY_STATES
            },
        },
    }


def route(choices: Any, order: dict) -> str:
    """The state an order reaches with these Choice rules, or the error that stopped it."""
    from course_lib.stepfunctions import execute

    execution = execute(delivery_machine(choices), order)
    if execution.status != "SUCCEEDED":
        return f"{execution.error}: {execution.cause}"
    return execution.output["delivery"]


#: (order, where it must go, what is special about it).
DELIVERY_CASES = [
    ({"method": "pickup"}, "Counter", "a pickup order without a distance"),
    ({"method": "pickup", "distance_km": 12}, "Counter", "a pickup order from 12 km away"),
    ({"method": "pickup", "distance_km": 1}, "Counter", "a pickup order from 1 km away"),
    ({"method": "delivery", "distance_km": 0.4}, "Bike", "a delivery 0.4 km away"),
    ({"method": "delivery", "distance_km": 3}, "Bike", "a delivery exactly 3 km away"),
    ({"method": "delivery", "distance_km": 2.5}, "Bike", "a delivery 2.5 km away"),
    ({"method": "delivery", "distance_km": 3.2}, "Van", "a delivery 3.2 km away"),
    ({"method": "delivery", "distance_km": 25}, "Van", "a delivery 25 km away"),
]


@exercise("05.1", "Choice rules that route deliveries")
def delivery_choices(answer: Any) -> str | None:
    if isinstance(answer, Mapping) and "Choices" in answer:
        answer = answer["Choices"]
    if not isinstance(answer, list) or not answer:
        return "the answer is the list of Choice rules (the value of `Choices`), each a dict."
    if any(rule is ... for rule in answer) or any(
        isinstance(rule, Mapping) and ... in rule.values() for rule in answer
    ):
        return "replace every `...` in your rules."
    problem = _problems(delivery_machine(answer))
    if problem:
        return problem
    for order, expected, what in DELIVERY_CASES:
        reached = route(answer, order)
        if reached == expected:
            continue
        if reached not in DELIVERY_STATES:
            return (
                f"{what} stopped the execution ({reached.split(':')[0]}). A rule that reads a "
                "field the input lacks fails; think about the order of your rules."
            )
        return f"{what} went to {reached}; it should not. Check that rule's comparison."
    return None


# -- 05.2 a Retry for a busy oven --------------------------------------------------------------


class OvenBusy(Exception):
    """The oven is full: try again a little later."""


class OutOfDough(Exception):
    """No dough left: retrying cannot help."""


OVEN_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:bake"


def oven_machine(retry: Any) -> dict:
    """The one-state baking workflow with ``retry`` as its Task's Retry field."""
    task: dict[str, Any] = {"Type": "Task", "Resource": OVEN_FUNCTION, "End": True}
    if retry:
        task["Retry"] = copy.deepcopy(retry if isinstance(retry, list) else [retry])
    return {"StartAt": "Bake", "States": {"Bake": task}}


def oven(busy: int = 0, error: type[Exception] = OvenBusy):
    """A bake handler that raises ``error`` on its first ``busy`` calls, then bakes."""
    calls = {"n": 0}

    def bake(event, context):
        calls["n"] += 1
        context.sleep(1)
        if calls["n"] <= busy:
            raise error("the oven cannot take the pizza now")
        return {"baked": True, "attempt": calls["n"]}

    return bake


def try_oven(retry: Any, busy: int = 0, *, out_of_dough: bool = False, seed: int = 5) -> dict:
    """Run the baking workflow with ``retry`` against an oven busy for ``busy`` calls (or
    out of dough): its ``status``, ``error``, ``attempts`` and ``seconds`` of virtual time."""
    from course_lib.sim import World
    from course_lib.stepfunctions import execute

    world = World(seed=seed)
    handler = oven(10**6, OutOfDough) if out_of_dough else oven(busy)
    execution = execute(oven_machine(retry), {}, handlers={"bake": handler}, world=world)
    attempts = sum(1 for e in execution.history if e["type"] == "LambdaFunctionScheduled")
    return {
        "status": execution.status,
        "error": execution.error,
        "attempts": attempts,
        "seconds": world.now,
    }


@exercise("05.2", "A Retry for a busy oven")
def oven_retry(answer: Any) -> str | None:
    if isinstance(answer, Mapping):
        if _unfinished(answer):
            return _unfinished(answer)
        answer = [answer]
    if not isinstance(answer, list) or not answer:
        return "the answer is the Retry field: a list of retriers, each a dict with ErrorEquals."
    if any(r is ... or (isinstance(r, Mapping) and ... in r.values()) for r in answer):
        return "replace every `...` in your retrier."
    problem = _problems(oven_machine(answer))
    if problem:
        return problem
    for seed in (5, 6, 7):
        dough = try_oven(answer, out_of_dough=True, seed=seed)
        if dough["attempts"] > 1:
            return (
                "an oven that is out of dough was tried again; retrying cannot help there. "
                "Which errors does your retrier match?"
            )
        for busy in range(5):
            run = try_oven(answer, busy, seed=seed)
            if run["status"] != "SUCCEEDED":
                return (
                    f"an oven busy for {busy} attempts in a row made the execution fail "
                    f"({run['error']}). Count how many attempts your retrier allows."
                )
            if run["seconds"] > 60:
                return (
                    f"with the oven busy {busy} times the pizza waited {run['seconds']:.0f} s; "
                    "keep it within 60 s (look at the interval and the backoff rate)."
                )
    return None


# -- 05.3 Parameters with intrinsic functions --------------------------------------------------

LABEL_EXAMPLE = {
    "order": {"id": "1073", "items": ["margherita", "diavola", "margherita"]},
    "customer": {"first": "Ada", "last": "Lovelace"},
}

_LABEL_CASES = [
    {
        "order": {"id": "2210", "items": ["funghi"]},
        "customer": {"first": "Grace", "last": "Hopper"},
    },
    {
        "order": {"id": "9", "items": ["diavola", "diavola", "marinara", "funghi", "marinara"]},
        "customer": {"first": "Alan", "last": "Turing"},
    },
    {
        "order": {"id": "31", "items": ["quattro-formaggi", "margherita"]},
        "customer": {"first": "Edsger", "last": "Dijkstra"},
    },
]


def label_machine(parameters: Any) -> dict:
    """A one-state workflow: a Pass state with ``parameters`` as its Parameters."""
    return {
        "StartAt": "Label",
        "States": {"Label": {"Type": "Pass", "Parameters": copy.deepcopy(parameters), "End": True}},
    }


def _expected_label(order: dict) -> dict:
    items = order["order"]["items"]
    first, last = order["customer"]["first"], order["customer"]["last"]
    return {
        "label": f"Order {order['order']['id']} for {first} {last}",
        "pizzas": len(items),
        "kinds": list(dict.fromkeys(items)),
    }


@exercise("05.3", "Parameters with intrinsic functions")
def label_parameters(answer: Any) -> str | None:
    from course_lib.stepfunctions import execute

    if not isinstance(answer, Mapping):
        return "the answer is the Parameters field: a dict whose keys end in `.$`."
    if _unfinished(answer):
        return _unfinished(answer)
    answer = dict(answer)
    plain = sorted(k for k in answer if not str(k).endswith(".$"))
    if plain:
        return (
            f"{', '.join(plain)}: a key without `.$` keeps its value as written; "
            "end the key in `.$` to compute it from the input."
        )
    problem = _problems(label_machine(answer))
    if problem:
        return problem
    for case in _LABEL_CASES:
        execution = execute(label_machine(answer), case)
        if execution.status != "SUCCEEDED":
            return f"the Pass state failed ({execution.error}): {execution.cause}"
        got, want = execution.output, _expected_label(case)
        if not isinstance(got, dict):
            return "the output should be an object with label, pizzas and kinds."
        missing = sorted(set(want) - set(got))
        if missing:
            return f"the output lacks {', '.join(missing)}."
        extra = sorted(set(got) - set(want))
        if extra:
            return f"the output has fields nobody asked for: {', '.join(extra)}."
        if got["label"] != want["label"]:
            return (
                f"for another order the label was {got['label']!r}; build it with "
                "States.Format from the order id and both names, words and spaces as shown."
            )
        if got["pizzas"] != want["pizzas"]:
            return "pizzas should count the items of the order, repeats included."
        if not isinstance(got["kinds"], list) or sorted(map(str, got["kinds"])) != sorted(
            want["kinds"]
        ):
            return "kinds should list each kind of pizza in the order once."
    return None


# -- 05.4 transitions and cost of a batch ------------------------------------------------------

BATCH_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:bake-one"

BATCH_DEFINITION = {
    "Comment": "Bake every pizza of an order (three at a time), box it, then tell the counter.",
    "StartAt": "BakeAll",
    "States": {
        "BakeAll": {
            "Type": "Map",
            "ItemsPath": "$.pizzas",
            "MaxConcurrency": 3,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Bake",
                "States": {
                    "Bake": {
                        "Type": "Task",
                        "Resource": BATCH_FUNCTION,
                        "Retry": [
                            {
                                "ErrorEquals": ["OvenBusy"],
                                "IntervalSeconds": 30,
                                "MaxAttempts": 3,
                                "BackoffRate": 2.0,
                            }
                        ],
                        "Next": "Box",
                    },
                    "Box": {"Type": "Pass", "Result": "boxed", "End": True},
                },
            },
            "ResultPath": "$.boxes",
            "Next": "Ready",
        },
        "Ready": {"Type": "Succeed"},
    },
}

BATCH_ORDER = {
    "orderId": "1079",
    "pizzas": ["margherita", "diavola", "funghi", "marinara", "tonno"],
}
BATCH_MONTHLY_EXECUTIONS = 200_000


def batch_handlers() -> dict:
    """Fresh handlers for the batch: the oven is busy twice when the diavola comes."""
    busy = {"diavola": 2}

    def bake_one(pizza, context):
        context.sleep(240)
        if busy.get(pizza, 0) > 0:
            busy[pizza] -= 1
            raise OvenBusy(f"no room for the {pizza}")
        return {"pizza": pizza}

    return {"bake-one": bake_one}


def _batch_reference() -> tuple[int, int]:
    from course_lib.stepfunctions import execute

    execution = execute(BATCH_DEFINITION, BATCH_ORDER, handlers=batch_handlers())
    return state_transitions(execution), retries(execution)


@exercise("05.4", "Transitions and cost of a batch")
def batch_cost(answer: Any) -> str | None:
    if not isinstance(answer, Mapping) or set(answer) != {"transitions", "monthly_usd"}:
        return 'the answer is a dict with two keys: {"transitions": ..., "monthly_usd": ...}.'
    if _unfinished(answer):
        return _unfinished(answer)
    transitions, monthly = answer["transitions"], answer["monthly_usd"]
    if not isinstance(transitions, int | float) or not isinstance(monthly, int | float):
        return "both values are numbers."
    expected, retried = _batch_reference()
    if transitions != expected:
        if transitions == expected - retried:
            return "you counted every state entered; AWS also bills each retry as a transition."
        if transitions in (expected - 1, expected + 1):
            return "off by one: count each state entered once, the Map state and the last one too."
        return (
            "count the StateEntered events of the run's history (states inside the Map "
            "included) and add one for each retry of a task."
        )
    want = standard_cost(expected * BATCH_MONTHLY_EXECUTIONS)
    if math.isclose(monthly, want * 1000, rel_tol=0.01):
        return "the price is per 1,000 transitions: divide by 1,000."
    if not math.isclose(monthly, want, rel_tol=0.01):
        return (
            "the transitions are right; the monthly cost is transitions per execution times "
            "executions per month times the price of one transition."
        )
    return None


# -- 05.5 Standard or Express ------------------------------------------------------------------

WORKFLOW_TYPES = {"a": "STANDARD", "b": "EXPRESS", "c": "STANDARD", "d": "EXPRESS"}
_TYPE_HINTS = {
    "a": "(a) waits for a callback for up to two hours: how long may an Express run last?",
    "b": "(b) runs fifty million short, idempotent checks: compare the two price models.",
    "c": "(c) must run exactly once and keep its history: which type promises that?",
    "d": "(d) is short, frequent and fine with at-least-once: which type is cheaper there?",
}


@exercise("05.5", "Standard or Express")
def standard_or_express(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return 'the answer is a dict from letter to type, e.g. {"a": "STANDARD", ...}.'
    if _unfinished(answer):
        return _unfinished(answer)
    given = {str(k).strip().lower(): str(v).strip().upper() for k, v in answer.items()}
    missing = sorted(set(WORKFLOW_TYPES) - set(given))
    if missing:
        return f"answer every letter (missing: {', '.join(missing)})."
    for letter, kind in WORKFLOW_TYPES.items():
        if given[letter] not in ("STANDARD", "EXPRESS"):
            return f'({letter}): use "STANDARD" or "EXPRESS".'
        if given[letter] != kind:
            return _TYPE_HINTS[letter]
    return None


# -- 05.6 Parameters and ResultPath, checked with TestState ------------------------------------

CHARGE_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:charge-card"

CHARGE_EXAMPLE = {
    "order": {"id": "1073", "totalCents": 3150, "items": ["margherita", "diavola"]},
    "customer": {"id": "cust-0042", "name": "Ada Lovelace", "cardToken": "tok-visa-4242"},
}

_CHARGE_CASES = [
    {
        "order": {"id": "2210", "totalCents": 850, "items": ["funghi"]},
        "customer": {"id": "cust-0007", "name": "Grace Hopper", "cardToken": "tok-mc-5100"},
    },
    {
        "order": {"id": "9", "totalCents": 12600, "items": ["diavola"] * 12, "note": "party"},
        "customer": {"id": "cust-0313", "name": "Alan Turing", "cardToken": "tok-amex-3782"},
        "channel": "app",
    },
    {
        "order": {"id": "31", "totalCents": 1999, "items": [], "payment": "pending"},
        "customer": {"id": "cust-1000", "name": "Edsger Dijkstra", "cardToken": "tok-visa-4000"},
    },
]


def charge_request(order: dict) -> dict:
    """What the charge-card function wants for ``order``: the request Parameters must build."""
    return {
        "orderId": order["order"]["id"],
        "amountCents": order["order"]["totalCents"],
        "cardToken": order["customer"]["cardToken"],
        "currency": "EUR",
    }


def charge_result(order: dict) -> dict:
    """What the charge-card function answers for ``order``."""
    return {"paymentId": f"pay-{order['order']['id']}", "status": "CAPTURED"}


def charge_mock(order: dict) -> dict:
    """TestState's mock for the charge-card task on ``order``: its result as JSON text."""
    import json

    return {"result": json.dumps(charge_result(order))}


def charge_output(order: dict) -> dict:
    """The output the shop wants: the whole input, the result under ``order.payment``."""
    out = copy.deepcopy(order)
    out["order"]["payment"] = charge_result(order)
    return out


def charge_state(fields: Any) -> dict:
    """The ChargeCard Task state with ``fields`` (``{"Parameters": ..., "ResultPath": ...}``)."""
    state: dict[str, Any] = {"Type": "Task", "Resource": CHARGE_FUNCTION}
    if isinstance(fields, Mapping):
        state.update(copy.deepcopy(dict(fields)))
    state["Next"] = "SendReceipt"
    return state


def _test_charge(fields: Any, order: dict) -> dict:
    from course_lib.stepfunctions import test_state

    return test_state(
        charge_state(fields), order, inspection_level="DEBUG", mock=charge_mock(order)
    )


@exercise("05.6", "Parameters and ResultPath for the card charge")
def charge_fields(answer: Any) -> str | None:
    from course_lib.stepfunctions.errors import InvalidDefinition, ValidationException

    if not isinstance(answer, Mapping):
        return 'the answer is a dict with two keys: {"Parameters": {...}, "ResultPath": "..."}.'
    if _unfinished(answer):
        return _unfinished(answer)
    unknown = sorted(set(answer) - {"Parameters", "ResultPath"})
    if unknown or set(answer) != {"Parameters", "ResultPath"}:
        return (
            'give exactly two fields, "Parameters" and "ResultPath"'
            + (f" (not {', '.join(map(str, unknown))})" if unknown else "")
            + "."
        )
    parameters = answer["Parameters"]
    if not isinstance(parameters, Mapping):
        return "Parameters is a dict: the request the function receives."
    if any(value is ... for value in parameters.values()):
        return "replace every `...` in your Parameters."
    for order in _CHARGE_CASES:
        try:
            response = _test_charge(answer, order)
        except (InvalidDefinition, ValidationException) as error:
            return f"TestState refused the state: {error}"
        if response["status"] != "SUCCEEDED":
            return f"for another order the state failed ({response.get('error')}): {response.get('cause')}"
        sent = response["inspectionData"].get("afterParameters")
        want = charge_request(order)
        if not isinstance(sent, dict):
            return "the function should receive an object with orderId, amountCents, cardToken and currency."
        missing = sorted(set(want) - set(sent))
        if missing:
            return f"the request lacks {', '.join(missing)}."
        extra = sorted(set(sent) - set(want))
        if extra:
            return f"the function received fields it does not want: {', '.join(extra)}."
        for key in want:
            if sent[key] == want[key]:
                continue
            if isinstance(sent[key], str) and sent[key].startswith("$"):
                return (
                    f"{key} arrived as the text {sent[key]!r}: a key without `.$` keeps its value "
                    "as written; end the key in `.$` to read it from the input."
                )
            return (
                f"for another order, {key} was {sent[key]!r}; read it from the right place "
                "(paths start at the state's input, `$`)."
            )
        output = response.get("output")
        expected = charge_output(order)
        if output == expected:
            continue
        if output == charge_result(order):
            return (
                "the output is only the function's result: the order and the customer are "
                "lost. ResultPath decides where the result goes in the input."
            )
        if not isinstance(output, dict) or "customer" not in output or "order" not in output:
            return "the output should still hold the whole input (order and customer)."
        if output["order"].get("payment") != charge_result(order):
            return "the result should end up inside the order, under the key `payment`."
        return "the output should be the input with the result added at order.payment, nothing else changed."
    return None


# -- 05.7 predict TestState's answer for Retry and Catch ---------------------------------------

PAYMENT_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:take-payment"

PAYMENT_STATE = {
    "Type": "Task",
    "Resource": PAYMENT_FUNCTION,
    "Retry": [
        {
            "ErrorEquals": ["PaymentServiceUnavailable"],
            "IntervalSeconds": 2,
            "MaxAttempts": 2,
            "BackoffRate": 2.0,
        }
    ],
    "Catch": [
        {"ErrorEquals": ["CardDeclined"], "ResultPath": "$.error", "Next": "RejectOrder"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertStaff"},
    ],
    "ResultPath": "$.payment",
    "Next": "Paid",
}

PAYMENT_INPUT = {"orderId": "1073", "totalCents": 3150}


def _failure(error: str, cause: str) -> dict:
    return {"errorOutput": {"error": error, "cause": cause}}


#: What happens in each situation: TestState's mock and state configuration.
PAYMENT_SITUATIONS = {
    "a": {
        "mock": _failure("PaymentServiceUnavailable", "try again later"),
        "state_configuration": {"retrierRetryCount": 0},
    },
    "b": {
        "mock": _failure("PaymentServiceUnavailable", "try again later"),
        "state_configuration": {"retrierRetryCount": 2},
    },
    "c": {
        "mock": _failure("CardDeclined", "insufficient funds"),
        "state_configuration": {"retrierRetryCount": 0},
    },
    "d": {
        "mock": _failure("States.Timeout", "the payment service did not answer"),
        "state_configuration": {"retrierRetryCount": 0},
    },
}

STATUSES = ("SUCCEEDED", "FAILED", "RETRIABLE", "CAUGHT_ERROR")
_SITUATION_HINTS = {
    "a": "(a): is there a retrier for this error with attempts left? What does TestState "
    "answer when the state would run again, and is there a next state yet?",
    "b": "(b): the retrier for this error has used up its attempts. Then the catchers are "
    "tried in order; which one matches first?",
    "c": "(c): does any retrier match this error? If not, which catcher matches first?",
    "d": "(d): a timeout is an error too. Does a retrier match it? Which catchers match "
    "`States.Timeout`?",
}


def payment_answer(letter: str) -> dict:
    """TestState's answer (DEBUG) for PAYMENT_STATE in situation ``letter``."""
    from course_lib.stepfunctions import test_state

    return test_state(
        PAYMENT_STATE, PAYMENT_INPUT, inspection_level="DEBUG", **PAYMENT_SITUATIONS[letter]
    )


def _prediction(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, Mapping) and "status" in value:
        return value["status"], value.get("nextState")
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None


@exercise("05.7", "Predict what TestState answers")
def payment_predictions(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return 'the answer is a dict from letter to {"status": ..., "nextState": ...}.'
    given = {str(k).strip().lower(): v for k, v in answer.items()}
    missing = sorted(set(PAYMENT_SITUATIONS) - set(given))
    if missing:
        return f"answer every letter (missing: {', '.join(missing)})."
    for letter in PAYMENT_SITUATIONS:
        prediction = _prediction(given[letter])
        if prediction is None:
            return f'({letter}): give a dict {{"status": ..., "nextState": ...}}.'
        if ... in prediction:
            return f"({letter}): replace every `...` (use None where there is no next state)."
    for letter in PAYMENT_SITUATIONS:
        status, next_state = _prediction(given[letter])  # type: ignore[misc]
        status = str(status).strip().upper()
        if status not in STATUSES:
            return f"({letter}): the status is one of {', '.join(STATUSES)}."
        if next_state in ("", "None", "none"):
            next_state = None
        truth = payment_answer(letter)
        if status != truth["status"] or next_state != truth.get("nextState"):
            return _SITUATION_HINTS[letter]
    return None
