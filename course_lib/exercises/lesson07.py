"""Checks for lesson 07, orchestration and choreography together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from course_lib.exercises import exercise

#: Exercise 1: the loyalty domain's function name, and how many points an order earns.
LOYALTY_FUNCTION = "pizza-loyalty"
POINTS_PER_ORDER = 10

#: Exercise 3: the run the learner investigates, and the orders to explain.
MYSTERY = {"orders": 300, "seed": 77}
MYSTERY_FAULTS = {"kitchen_down_at": 3600, "kitchen_down_for": 1500, "lost_callback_rate": 0.05}
SUSPECTS = ("1073460043", "1073460119", "1073460125")

#: Exercise 2: which coordination style each scenario calls for.
SCENARIOS = {
    "a": "orchestration",
    "b": "choreography",
    "c": "orchestration",
    "d": "choreography",
    "e": "orchestration",
}


def mystery_faults():
    from course_lib.pizza import Faults

    return Faults(**MYSTERY_FAULTS)


@cache
def _mystery_causes() -> dict[str, str]:
    from course_lib.pizza import run_shop

    run = run_shop(MYSTERY["orders"], seed=MYSTERY["seed"], faults=mystery_faults())
    lost = set(run.shop.ledger.lost_callbacks)
    return {
        order_id: ("lost callback" if order_id in lost else "kitchen down")
        for order_id in run.order_ids("compensated")
    }


def _loyalty_run(rule: Mapping[str, Any], handler: Callable) -> tuple[Any, dict, list[str]]:
    from course_lib.pizza import Faults, run_shop

    points: dict = {}
    received: list[str] = []

    def target(event: dict) -> None:
        received.append(event.get("detail-type", "?"))
        handler(event, points)

    run = run_shop(
        40,
        seed=707,
        faults=Faults(duplicate_rate=0.4),
        extra_rules=[rule],
        extra_functions={LOYALTY_FUNCTION: target},
    )
    return run, points, received


@exercise("07.1", "A loyalty domain joins without changing anyone")
def loyalty_domain(answer: Any) -> str | None:
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return "the answer is a pair: `(loyalty_rule, award_points)`."
    rule, handler = answer
    if not isinstance(rule, Mapping) or "Rule" not in rule or "Targets" not in rule:
        return 'the rule is a dict with "Rule" (PutRule\'s fields) and "Targets" (PutTargets\').'
    if not callable(handler):
        return "the second item is your function `award_points(event, points)`."
    targets = rule.get("Targets") or []
    if not any(
        isinstance(t, Mapping) and str(t.get("Arn", "")).endswith(f":function:{LOYALTY_FUNCTION}")
        for t in targets
    ):
        return f"the rule's target must be the loyalty function, whose ARN ends in :function:{LOYALTY_FUNCTION}."
    try:
        run, points, received = _loyalty_run(rule, handler)
    except Exception as error:  # the learner's rule or handler failed to deploy
        return f"the shop could not run with your rule ({type(error).__name__}: {error})."
    kinds = sorted(set(received))
    if not received:
        return (
            "your function was never called: does the pattern match the OrderDispatched "
            "events delivery publishes (look at their source and detail-type)?"
        )
    if kinds != ["OrderDispatched"]:
        return f"your rule also delivers {', '.join(k for k in kinds if k != 'OrderDispatched')}: narrow the pattern."
    dispatched = set(run.order_ids("delivered"))
    if set(points) != dispatched:
        return (
            "`points` should end with one entry per dispatched order, keyed by the order id "
            "(detail.data.order-id)."
        )
    wrong = {k: v for k, v in points.items() if v != POINTS_PER_ORDER}
    if wrong:
        return (
            f"some orders got {sorted(set(wrong.values()))[0]} points instead of "
            f"{POINTS_PER_ORDER}. This check delivers some events twice, as EventBridge may: "
            "make the award idempotent (what identifies one business fact?)."
        )
    if run.outcome_counts()["delivered"] != len(run.orders):
        return "with your rule some orders no longer reach their customers: change nothing else."
    return None


_STYLES = {
    "orchestration": "orchestration",
    "orchestrate": "orchestration",
    "orchestrated": "orchestration",
    "choreography": "choreography",
    "choreograph": "choreography",
    "choreographed": "choreography",
}


@exercise("07.2", "Orchestrate or choreograph?")
def pick_the_design(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return 'the answer is a dict: {"a": "orchestration", "b": ..., ...}.'
    given = {str(k).strip().lower(): v for k, v in answer.items()}
    missing = sorted(set(SCENARIOS) - set(given))
    if missing:
        return f"answer every scenario; missing: {', '.join(missing)}."
    styles = {}
    for key in SCENARIOS:
        value = str(given[key]).strip().lower()
        if value not in _STYLES:
            return f'scenario {key}: write "orchestration" or "choreography", not {given[key]!r}.'
        styles[key] = _STYLES[value]
    wrong = sorted(k for k in SCENARIOS if styles[k] != SCENARIOS[k])
    if not wrong:
        return None
    return (
        f"{len(wrong)} of {len(SCENARIOS)} not yet right. For each one ask: is it one team's "
        "process with an order, deadlines and a need to see every instance's state "
        "(orchestrate), or different teams reacting to a fact on their own (choreograph)?"
    )


def _cause(value: Any) -> str | None:
    text = str(value).lower()
    if "callback" in text or "lost" in text or "token" in text:
        return "lost callback"
    if any(word in text for word in ("down", "outage", "dead", "dlq", "refus", "retr", "offline")):
        return "kitchen down"
    return None


@exercise("07.3", "Why was this order compensated?")
def why_compensated(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return 'the answer is a dict: {"order id": "kitchen down" or "lost callback", ...}.'
    given = {str(k): v for k, v in answer.items()}
    missing = [s for s in SUSPECTS if s not in given]
    if missing:
        return f"explain every suspect; missing: {', '.join(missing)}."
    causes = _mystery_causes()
    for suspect in SUSPECTS:
        text = str(given[suspect]).lower()
        if "unavailable" in text and _cause(text) is None:
            return (
                "the OrderCancelled reason says kitchen-unavailable for every one of them: it is "
                "the workflow's view, not the cause. Read each order's trace."
            )
        cause = _cause(text)
        if cause is None:
            return f'order {suspect}: answer "kitchen down" or "lost callback".'
    wrong = [s for s in SUSPECTS if _cause(given[s]) != causes[s]]
    if not wrong:
        return None
    return (
        f"{len(wrong)} of {len(SUSPECTS)} not yet right. In each order's trace: did the "
        "kitchen receive OrderCreated, or did the delivery fail and go to the dead-letter "
        "queue? Did it send heartbeats and a SendTaskSuccess, and what became of it?"
    )


#: Exercise 4: the outage the three designs went through, and the order to follow in it.
OUTAGE = {"orders": 200, "seed": 2024}
OUTAGE_FAULTS = {"kitchen_down_at": 0, "kitchen_down_for": 3600, "replay": False}
OUTAGE_ORDER = "1073460089"
#: Exercise 4: the candidate causes of the difference between the designs.
CAUSES = {
    "a": "the orchestrated shop placed fewer orders while the kitchen was down",
    "b": "each design keeps trying an unreachable kitchen on its own schedule",
    "c": "in the mix, HeartbeatSeconds cancelled orders the kitchen had accepted",
    "d": "the bus dropped some OrderCreated events without a dead letter",
}
_CAUSE_HINTS = {
    "a": (
        "both designs served the same customers at the same moments (same seed): compare "
        "when each one last tried to reach the kitchen for this order."
    ),
    "c": "read the mix's trace for this order: did the kitchen ever accept it?",
    "d": (
        "count the mix's deliveries of this order's OrderCreated to the kitchen: the bus "
        "tried it, and you can see where it ended."
    ),
}


def outage_faults():
    from course_lib.pizza import Faults

    return Faults(**OUTAGE_FAULTS)


@cache
def _retry_spans() -> dict[str, float]:
    """Seconds from the first to the last attempt to reach the kitchen for OUTAGE_ORDER."""
    from course_lib.pizza import run_shop

    spans = {}
    for design in ("orchestration", "mix"):
        run = run_shop(OUTAGE["orders"], seed=OUTAGE["seed"], design=design, faults=outage_faults())
        times = [
            row.time
            for row in run.trace(OUTAGE_ORDER)
            if row.target == "kitchen" and row.kind in ("call", "delivery")
        ]
        spans[design] = max(times) - min(times)
    return spans


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


@exercise("07.4", "Why did orchestration deliver more orders?")
def outage_difference(answer: Any) -> str | None:
    keys = ("cause", "orchestration_s", "mix_s")
    if not isinstance(answer, Mapping) or any(k not in answer for k in keys):
        return 'answer with a dict `{"cause": ..., "orchestration_s": ..., "mix_s": ...}`.'
    cause = str(answer["cause"]).strip().lower()
    if cause not in CAUSES:
        return f"`cause` is one of {', '.join(repr(c) for c in CAUSES)}."
    if cause in _CAUSE_HINTS:
        return _CAUSE_HINTS[cause]
    orchestration, mix = _seconds(answer["orchestration_s"]), _seconds(answer["mix_s"])
    if orchestration is None or mix is None:
        return "the two spans are numbers of seconds."
    spans = _retry_spans()
    if orchestration < 60 < mix:
        return "the two spans look swapped: which design waits minutes between attempts?"
    if not 0.9 * spans["orchestration"] <= orchestration <= 1.1 * spans["orchestration"]:
        return (
            f"measure the orchestrated span in order {OUTAGE_ORDER}'s trace: from the workflow's "
            "first call to pizza-kitchen-bake to its last, in seconds (compare with the Bake "
            "state's Retry rule)."
        )
    if not abs(mix - spans["mix"]) <= max(2.0, 0.25 * spans["mix"]):
        return (
            f"measure the mix's span in order {OUTAGE_ORDER}'s trace: from the bus's first "
            "delivery of OrderCreated to the kitchen to its last, in seconds."
        )
    return None
