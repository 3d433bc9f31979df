"""The pizza shop, end to end: orchestration inside a domain, choreography between domains.

``run_shop(orders=1000, seed=..., faults=...)`` opens the shop on one virtual clock: a
Step Functions state machine (``data/statemachines/order_workflow.asl.json``) runs each
order inside the orders domain, and the kitchen, delivery and payments domains react to
events on the ``pizza-shop`` bus through rules loaded from ``data/rules``. The run
returns its trace and each order's outcome; :mod:`course_lib.viz.pizza` draws them.

Modules: ``domains`` (what each domain does), ``wiring`` (rules and definitions as data),
``faults`` (what to break), ``shop`` (a run), ``trace`` (a run as rows),
``experiment`` (the same process built three ways).
"""

from course_lib.pizza.domains import BUS, MENU, SIZES, Timings, idempotency_key, lambda_arn
from course_lib.pizza.experiment import compare_designs, event_flow, new_step_changes
from course_lib.pizza.faults import FAULT_KINDS, NONE, Faults, fault
from course_lib.pizza.shop import OUTCOMES, OrderOutcome, ShopRun, make_order, run_shop
from course_lib.pizza.trace import (
    TraceRow,
    milestones,
    percentiles,
    sequence,
    spans,
    token_exposure,
)
from course_lib.pizza.wiring import (
    DESIGNS,
    load_definition,
    load_rules,
    publications,
    resolve,
    subscriptions,
)

__all__ = [
    "BUS",
    "DESIGNS",
    "FAULT_KINDS",
    "MENU",
    "NONE",
    "OUTCOMES",
    "SIZES",
    "Faults",
    "OrderOutcome",
    "ShopRun",
    "Timings",
    "TraceRow",
    "compare_designs",
    "event_flow",
    "fault",
    "idempotency_key",
    "lambda_arn",
    "load_definition",
    "load_rules",
    "make_order",
    "milestones",
    "new_step_changes",
    "percentiles",
    "publications",
    "resolve",
    "run_shop",
    "sequence",
    "spans",
    "subscriptions",
    "token_exposure",
]
