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
    billed_usage,
    express_billed_gb_seconds,
    express_cost,
    retries,
    standard_cost,
    state_transitions,
    usage_cost,
)

__all__ = [
    "billed_usage",
    "express_billed_gb_seconds",
    "express_cost",
    "retries",
    "standard_cost",
    "state_transitions",
    "usage_cost",
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


def _jsonata_rules(choices: Any) -> bool:
    return isinstance(choices, list) and any(
        isinstance(rule, Mapping) and "Condition" in rule for rule in choices
    )


def delivery_machine(choices: Any) -> dict:
    """The delivery workflow with ``choices`` as the Choices of its HowToDeliver state (a
    JSONata state when the rules have ``Condition``s, else JSONPath)."""
    if isinstance(choices, Mapping) and "Choices" in choices:
        choices = choices["Choices"]
    choice: dict[str, Any] = {"Type": "Choice", "Choices": copy.deepcopy(choices), "Default": "Van"}
    if _jsonata_rules(choices):
        choice = {"QueryLanguage": "JSONata", **choice}
    return {
        "StartAt": "HowToDeliver",
        "States": {
            "HowToDeliver": choice,
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
    if not all(isinstance(rule, Mapping) and "Condition" in rule for rule in answer):
        return (
            "write each rule in JSONata: a `Condition` holding an expression between `{%` and "
            "`%}` (`$states.input` is the order), and a `Next`."
        )
    problem = _problems(delivery_machine(answer))
    if problem:
        return problem
    for order, expected, what in DELIVERY_CASES:
        reached = route(answer, order)
        if reached == expected:
            continue
        if reached not in DELIVERY_STATES:
            return (
                f"{what} stopped the execution ({reached.split(':')[0]}). A condition that "
                "reads a field the input lacks fails; think about the order of your rules, or "
                "test that the field `$exists`."
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


# -- 05.3 diagnose a failed receipt workflow ---------------------------------------------------

RECEIPT_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"

RECEIPT_DEFINITION = {
    "Comment": "Check the order, price its delivery, take the payment, print the receipt.",
    "StartAt": "ValidateOrder",
    "States": {
        "ValidateOrder": {
            "Type": "Task",
            "Resource": RECEIPT_FUNCTION + "validate-order",
            "ResultPath": "$.validation",
            "Next": "PriceDelivery",
        },
        "PriceDelivery": {
            "Type": "Task",
            "Resource": RECEIPT_FUNCTION + "price-delivery",
            "Parameters": {"distanceKm.$": "$.distanceKm"},
            "Next": "TakePayment",
        },
        "TakePayment": {
            "Type": "Task",
            "Resource": RECEIPT_FUNCTION + "take-payment",
            "Parameters": {
                "orderId.$": "$.orderId",
                "cents.$": "States.MathAdd($.totalCents, $.delivery.cents)",
            },
            "ResultPath": "$.payment",
            "Next": "PrintReceipt",
        },
        "PrintReceipt": {
            "Type": "Pass",
            "Parameters": {"orderId.$": "$.orderId", "paidCents.$": "$.payment.cents"},
            "End": True,
        },
    },
}

RECEIPT_ORDER = {"orderId": "1073", "totalCents": 3150, "distanceKm": 4.5}

_RECEIPT_CASES = [
    {"orderId": "2210", "totalCents": 850, "distanceKm": 1.2},
    {"orderId": "9", "totalCents": 12600, "distanceKm": 7, "note": "party"},
    {"orderId": "31", "totalCents": 1999, "distanceKm": 3},
]


def _delivery_cents(distance_km: float) -> int:
    return 0 if distance_km <= 3 else 300


def receipt_handlers() -> dict:
    """The receipt workflow's three functions."""
    return {
        "validate-order": lambda order, context: {"valid": True},
        "price-delivery": lambda request, context: {
            "cents": _delivery_cents(request["distanceKm"])
        },
        "take-payment": lambda request, context: {"paymentId": "pay-1", "cents": request["cents"]},
    }


def receipt_fixed(fix: Any) -> dict:
    """RECEIPT_DEFINITION with ``fix`` applied: ``{"state", "field", "value"}``."""
    definition = copy.deepcopy(RECEIPT_DEFINITION)
    if isinstance(fix, Mapping) and fix.get("state") in definition["States"]:
        definition["States"][fix["state"]][str(fix.get("field"))] = copy.deepcopy(fix.get("value"))
    return definition


@exercise("05.3", "Diagnose the receipt workflow")
def receipt_fix(answer: Any) -> str | None:
    from course_lib.stepfunctions import execute

    if not isinstance(answer, Mapping) or set(answer) != {"state", "field", "value"}:
        return 'the answer is a dict {"state": ..., "field": ..., "value": ...}: one change.'
    if _unfinished(answer):
        return _unfinished(answer)
    state, field = answer["state"], answer["field"]
    if not isinstance(state, str) or state not in RECEIPT_DEFINITION["States"]:
        return f"there is no state {state!r}; the states are {', '.join(RECEIPT_DEFINITION['States'])}."
    if state == "TakePayment":
        return (
            "TakePayment is where the error surfaced, not where the data went missing: compare "
            "each state's input and output (inspect_execution) and find the first output that "
            "lacks what TakePayment reads."
        )
    if state != "PriceDelivery":
        return f"{state}'s output still holds the whole order; look at a later state."
    if field != "ResultPath":
        return (
            "which of the five fields decides where a task's result goes in the state's input "
            "(and whether it replaces the input)?"
        )
    definition = receipt_fixed(answer)
    problem = _problems(definition)
    if problem:
        return problem
    for order in _RECEIPT_CASES:
        run = execute(definition, order, handlers=receipt_handlers())
        want = {
            "orderId": order["orderId"],
            "paidCents": order["totalCents"] + _delivery_cents(order["distanceKm"]),
        }
        if run.status != "SUCCEEDED":
            return (
                f"with that ResultPath the run still fails ({run.error}): read TakePayment's "
                "Parameters; where does it look for the delivery price?"
            )
        if run.output != want:
            return f"for another order the receipt was {run.output}, not {want}."
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


NIGHTLY_PIZZAS = 6_000
_KINDS = ("margherita", "diavola", "funghi", "marinara", "tonno")


def _nightly_definition(mode: str, child_type: str | None) -> dict:
    definition = copy.deepcopy(BATCH_DEFINITION)
    config: dict[str, Any] = {"Mode": mode}
    if mode == "DISTRIBUTED":
        config["ExecutionType"] = child_type or "STANDARD"
        definition["States"]["BakeAll"]["MaxConcurrency"] = 100
    definition["States"]["BakeAll"]["ItemProcessor"]["ProcessorConfig"] = config
    return definition


def nightly_batch(pizzas: int, mode: str = "INLINE", child_type: str | None = None) -> dict:
    """Run the batch workflow on ``pizzas`` pizzas (four minutes of baking each, the oven
    never busy), as an ``INLINE`` Map or a ``DISTRIBUTED`` one with ``STANDARD`` or
    ``EXPRESS`` children: its ``status``, ``error``, history ``events`` (a Distributed
    Map's children not counted, as on AWS), billed ``usage`` and ``usd`` per execution."""
    from course_lib.sim import World
    from course_lib.stepfunctions import execute
    from course_lib.stepfunctions.pricing import billed_usage, usage_cost

    mode = str(mode).upper()
    if mode not in ("INLINE", "DISTRIBUTED"):
        raise ValueError(f"mode: INLINE or DISTRIBUTED, not {mode!r}")
    if child_type is not None and str(child_type).upper() not in ("STANDARD", "EXPRESS"):
        raise ValueError(f"child_type: STANDARD or EXPRESS, not {child_type!r}")
    if not isinstance(pizzas, int) or not 1 <= pizzas <= 20_000:
        raise ValueError("pizzas: a whole number from 1 to 20,000")
    definition = _nightly_definition(mode, child_type and str(child_type).upper())
    order = {"orderId": "night", "pizzas": [_KINDS[i % len(_KINDS)] for i in range(pizzas)]}

    def bake_one(pizza, context):
        context.sleep(240)
        return {"pizza": pizza}

    run = execute(definition, order, handlers={"bake-one": bake_one}, world=World(seed=5))
    usage = billed_usage(run, definition)
    events = run.history
    if mode == "DISTRIBUTED":  # on AWS each child keeps a history of its own
        events = [e for e in events if not _in_child(e)]
    return {
        "status": run.status,
        "error": run.error,
        "events": len(events),
        "usage": usage,
        "usd": usage_cost(usage),
    }


def _in_child(event: dict) -> bool:
    """Whether a batch history event belongs to a Distributed Map child (all the batch's
    Lambda calls and its Bake and Box states run inside the Map)."""
    if event["type"].startswith(("MapIteration", "LambdaFunction")):
        return True
    details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails") or {}
    return details.get("name") in ("Bake", "Box")


def _inline_limit() -> int:
    """The most pizzas one inline batch execution bakes within the history quota."""
    small, larger = nightly_batch(10)["events"], nightly_batch(20)["events"]
    per_pizza = (larger - small) / 10
    base = small - 10 * per_pizza
    guess = int((25_000 - base) // per_pizza)
    while nightly_batch(guess + 1)["status"] == "SUCCEEDED":
        guess += 1
    while nightly_batch(guess)["status"] != "SUCCEEDED":
        guess -= 1
    return guess


def _batch_reference() -> tuple[int, int]:
    from course_lib.stepfunctions import execute

    execution = execute(BATCH_DEFINITION, BATCH_ORDER, handlers=batch_handlers())
    return state_transitions(execution), retries(execution)


_LIMIT: dict[str, int] = {}


def inline_limit() -> int:
    """The most pizzas one inline batch execution bakes within the history quota (cached)."""
    if "n" not in _LIMIT:
        _LIMIT["n"] = _inline_limit()
    return _LIMIT["n"]


def _night_cost(child_type: str) -> float:
    """One night of NIGHTLY_PIZZAS in a Distributed Map with ``child_type`` children: the
    cost of one pizza's child times the night, plus the parent's own transitions."""
    ten = nightly_batch(10, "DISTRIBUTED", child_type)["usd"]
    twenty = nightly_batch(20, "DISTRIBUTED", child_type)["usd"]
    per_pizza = (twenty - ten) / 10
    return ten + (NIGHTLY_PIZZAS - 10) * per_pizza


@exercise("05.4", "Inline or distributed, and which children")
def nightly_design(answer: Any) -> str | None:
    if not isinstance(answer, Mapping) or set(answer) != {
        "max_inline",
        "child_type",
        "nightly_usd",
    }:
        return (
            'the answer is a dict with three keys: {"max_inline": ..., "child_type": ..., '
            '"nightly_usd": ...}.'
        )
    if _unfinished(answer):
        return _unfinished(answer)
    most, kind, usd = answer["max_inline"], answer["child_type"], answer["nightly_usd"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (most, usd)):
        return "max_inline and nightly_usd are numbers."
    limit = inline_limit()
    if not abs(most - limit) <= 0.01 * limit:  # NaN is never close
        if most > 5_000:
            return (
                "that many pizzas do not fit: count the history events one more pizza adds "
                "(run 10 and 20 pizzas and compare), then see how many fit in 25,000."
            )
        return (
            "more pizzas fit than that: the quota counts history events, not transitions; "
            "count the events one more pizza adds, and the fixed ones around them."
        )
    kind = str(kind).strip().upper()
    if kind not in ("STANDARD", "EXPRESS"):
        return 'child_type is "STANDARD" or "EXPRESS".'
    costs = {k: _night_cost(k) for k in ("STANDARD", "EXPRESS")}
    best = min(costs, key=costs.get)
    if kind != best:
        return (
            'run one night both ways with nightly_batch(n, "DISTRIBUTED", ...) and compare: '
            "an Express child pays for every second it runs, a Standard one per transition."
        )
    if not math.isclose(usd, costs[kind], rel_tol=0.05):
        return (
            f"the child type is right; the cost of one night of {NIGHTLY_PIZZAS:,} pizzas is "
            "not. Use the usd that nightly_batch reports for the whole night (or scale a "
            "smaller run's cost per pizza)."
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


# -- 05.6 predict TestState's answer for Retry and Catch ---------------------------------------

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


@exercise("05.6", "Predict what TestState answers")
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
