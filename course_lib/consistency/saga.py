"""Sagas: a business transaction across services, kept correct by compensations.

Garcia-Molina and Salem ("Sagas", SIGMOD 1987) split a long transaction into steps
``T1, T2, ..., Tn``, each committed on its own, and give every step a compensation
``Ci`` that semantically undoes it. In the paper each step is a local database
transaction, so a step that fails is rolled back by its database: when ``Tk`` fails,
the saga compensates only the steps that completed, ``C(k-1), ..., C1``, newest first.
All committed or all compensated, never half done.

Between services a failure can be ambiguous: a call that timed out may have acted
(the payment went through, the reply was lost). The order saga here
(``data/statemachines/order_saga.asl.json``, deployable unchanged, run by the local
Step Functions engine: reserve stock, charge the payment, book a courier) therefore
follows the paper's rule for a clean refusal (the step's business error: it did
nothing) and extends it for every other failure: a timeout or an unexpected error
also runs the failed step's own compensation ``Ck``. The extension is safe only
because compensations are idempotent (undoing nothing is fine) and retried until they
succeed. ``order_saga_definition(compensate_failed_step=False)`` is the paper's rule
applied to every failure, for comparison.

:func:`run_sagas` runs many orders against services that fail at random (seeded),
and checks each order's end state in the services' own ledgers.
"""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from course_lib.events.catalogue import data_dir
from course_lib.sim.world import World
from course_lib.stepfunctions import Execution, StateMachine

#: The forward steps of the order saga, in order, with the compensation of each.
SAGA_STEPS: tuple[tuple[str, str, str], ...] = (
    # (step state, compensation state, ledger entry)
    ("ReserveStock", "ReleaseStock", "stock"),
    ("ChargePayment", "RefundPayment", "payment"),
    ("BookCourier", "CancelCourier", "courier"),
)

#: The business errors each forward step may raise.
STEP_ERRORS = {
    "ReserveStock": "OutOfStock",
    "ChargePayment": "PaymentDeclined",
    "BookCourier": "NoCourierAvailable",
}

#: Where the deployable definition lives.
DEFINITION_PATH = data_dir() / "statemachines"
DEFINITION_FILE = DEFINITION_PATH / "order_saga.asl.json"

#: How long a lost reply keeps a step busy (virtual seconds): past the Task's TimeoutSeconds.
LOST_REPLY_SECONDS = 10.0

OUTCOMES = ("committed", "compensated", "violation")


class OutOfStock(Exception):
    """The kitchen has no dough left for this order."""


class PaymentDeclined(Exception):
    """The card was declined."""


class NoCourierAvailable(Exception):
    """No courier can take the delivery."""


class ServiceUnavailable(Exception):
    """A transient failure: try again later."""


_ERRORS = {
    "OutOfStock": OutOfStock,
    "PaymentDeclined": PaymentDeclined,
    "NoCourierAvailable": NoCourierAvailable,
}


@dataclass(frozen=True)
class SagaReport:
    """Outcomes of ``runs`` orders.

    ``committed``: every step done and the execution succeeded; ``compensated``: no
    step left in effect and the execution ended cancelled; ``violations``: anything
    else (a step left in effect after a cancellation, or a step missing after a
    success). ``failed_step`` counts orders by the first forward step that failed,
    ``compensations`` the compensation tasks that ran (first attempts), ``retries`` the
    extra attempts they needed, ``example`` one execution to draw (a cancelled order
    that needed the most compensations, if any), ``violation_examples`` the first few
    broken orders as ``(order id, ledger)``.
    """

    runs: int
    committed: int
    compensated: int
    violations: int
    failed_step: dict[str, int]
    compensations: int
    retries: int
    example: Execution | None = field(repr=False, default=None)
    violation_examples: list[tuple[str, dict[str, bool]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        """The three outcome counts, in a fixed order."""
        return {
            "committed": self.committed,
            "compensated": self.compensated,
            "violation": self.violations,
        }


def order_saga_definition(*, compensate_failed_step: bool = True) -> dict:
    """The order saga's ASL definition, read from ``data/statemachines``.

    As written, each step has two catchers: its business error (a clean refusal) enters
    the compensations at the previous step's undo, as Garcia-Molina and Salem's rule
    says; any other error (``States.ALL``: a timeout, an unexpected failure) enters at
    the failed step's own undo, because the step may have acted. With
    ``compensate_failed_step=False`` every failure follows the paper's rule (undo only
    the steps that completed), which leaves an effect behind whenever a step that timed
    out had in fact acted.
    """
    definition = json.loads(DEFINITION_FILE.read_text())
    if compensate_failed_step:
        return definition
    paper = copy.deepcopy(definition)
    paper["Comment"] = (
        "The order saga with Garcia-Molina and Salem's rule for every failure: only the "
        "steps that completed are compensated, even when the failed step may have acted."
    )
    previous = "OrderCancelled"
    for step, compensation, _ in SAGA_STEPS:
        paper["States"][step]["Catch"] = [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": previous}
        ]
        previous = compensation
    del paper["States"][SAGA_STEPS[-1][1]]  # the last step's undo is no longer reachable
    return paper


def run_sagas(
    runs: int = 10_000,
    *,
    failure_probability: float = 0.1,
    lost_reply_share: float = 0.5,
    compensation_failure_probability: float = 0.1,
    definition: dict | str | None = None,
    seed: int = 0,
) -> SagaReport:
    """Run ``runs`` orders through the saga on one world and count the outcomes.

    Each forward step fails with ``failure_probability``; a share ``lost_reply_share``
    of those failures happen after the step acted (the service did its work but the
    reply never came back, so the Task times out). Each compensation attempt fails
    transiently with ``compensation_failure_probability`` before acting. ``definition``
    replaces the saga (for experiments); the services' ledgers decide the outcome.
    """
    _check_count("runs", runs)
    for name, value in (
        ("failure_probability", failure_probability),
        ("lost_reply_share", lost_reply_share),
        ("compensation_failure_probability", compensation_failure_probability),
    ):
        _check_probability(name, value)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    world = World(seed=seed)
    services = _Services(
        world, failure_probability, lost_reply_share, compensation_failure_probability
    )
    machine = StateMachine(
        order_saga_definition() if definition is None else definition,
        world=world,
        name="OrderSaga",
        handlers=services.handlers(),
    )
    arns = []
    for number in range(1, runs + 1):
        order_id = f"order-{number:05d}"
        services.ledger[order_id] = {entry: False for _, _, entry in SAGA_STEPS}
        arns.append((order_id, machine.start_execution({"orderId": order_id}, name=order_id)))
    world.run()

    outcomes: Counter[str] = Counter()
    violation_examples: list[tuple[str, dict[str, bool]]] = []
    example: Execution | None = None
    example_compensations = -1
    for order_id, started in arns:
        execution = machine.execution(started["executionArn"])
        ledger = services.ledger[order_id]
        outcome = classify(execution, ledger)
        outcomes[outcome] += 1
        if outcome == "violation" and len(violation_examples) < 5:
            violation_examples.append((order_id, dict(ledger)))
        if outcome == "compensated":
            done = services.compensations_by_order[order_id]
            if done > example_compensations:
                example, example_compensations = execution, done
    if example is None and arns:
        example = machine.execution(arns[0][1]["executionArn"])
    failed = {step: services.first_failure[step] for step, _, _ in SAGA_STEPS}
    return SagaReport(
        runs=runs,
        committed=outcomes["committed"],
        compensated=outcomes["compensated"],
        violations=outcomes["violation"],
        failed_step=failed,
        compensations=services.compensations,
        retries=services.retries,
        example=example,
        violation_examples=violation_examples,
    )


def classify(execution: Execution, ledger: dict[str, bool]) -> str:
    """``"committed"``, ``"compensated"`` or ``"violation"`` for one finished order."""
    if execution.status == "SUCCEEDED" and all(ledger.values()):
        return "committed"
    if (
        execution.status == "FAILED"
        and execution.error == "OrderCancelled"
        and not any(ledger.values())
    ):
        return "compensated"
    return "violation"


class _Services:
    """The stock, payment and courier services: a ledger per order, random failures."""

    def __init__(
        self,
        world: World,
        failure_probability: float,
        lost_reply_share: float,
        compensation_failure_probability: float,
    ) -> None:
        self.failures = world.rng("consistency.saga.failures")
        self.failure_probability = failure_probability
        self.lost_reply_share = lost_reply_share
        self.compensation_failure_probability = compensation_failure_probability
        self.ledger: dict[str, dict[str, bool]] = {}
        self.first_failure: Counter[str] = Counter()
        self.failed_orders: set[str] = set()
        self.compensations = 0
        self.retries = 0
        self.compensations_by_order: Counter[str] = Counter()
        self._attempted: set[tuple[str, str]] = set()

    def handlers(self) -> dict[str, Any]:
        handlers: dict[str, Any] = {}
        for step, compensation, entry in SAGA_STEPS:
            handlers[step] = self._forward(step, entry)
            handlers[compensation] = self._compensate(compensation, entry)
        return handlers

    def _forward(self, step: str, entry: str):
        def handler(event: dict, context: Any) -> dict:
            order_id = event["orderId"]
            if self.failures.random() < self.failure_probability:
                if order_id not in self.failed_orders:
                    self.failed_orders.add(order_id)
                    self.first_failure[step] += 1
                if self.failures.random() < self.lost_reply_share:
                    self.ledger[order_id][entry] = True  # it acted, but the reply is lost
                    context.sleep(LOST_REPLY_SECONDS)
                    return {f"{entry}Id": f"{entry}-{order_id}"}
                raise _ERRORS[STEP_ERRORS[step]](f"{step} failed for {order_id}")
            self.ledger[order_id][entry] = True
            key = {"stock": "reservationId", "payment": "paymentId", "courier": "bookingId"}[entry]
            return {key: f"{entry}-{order_id}"}

        return handler

    def _compensate(self, compensation: str, entry: str):
        def handler(event: dict, context: Any) -> dict:
            order_id = event["orderId"]
            if (order_id, compensation) in self._attempted:
                self.retries += 1
            else:
                self._attempted.add((order_id, compensation))
                self.compensations += 1
                self.compensations_by_order[order_id] += 1
            if self.failures.random() < self.compensation_failure_probability:
                raise ServiceUnavailable(f"{compensation} is busy; try again")
            undone = self.ledger[order_id][entry]
            self.ledger[order_id][entry] = False  # idempotent: undoing nothing is fine
            return {"undone": undone}

        return handler


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: must be >= 1, got {value}")


def _check_probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a probability, got {type(value).__name__}")
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{name}: must lie in [0, 1], got {value!r}")
