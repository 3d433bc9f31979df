"""Run the whole shop on one virtual clock: ``run_shop(orders=1000, seed=..., faults=...)``.

Customers place orders at random; each order runs through the design's wiring (by default
the mix: a state machine orchestrates each order inside the orders domain, and the domains
choreograph through rules on the ``pizza-shop`` bus). The run returns a :class:`ShopRun`:
the world (its trace of every message), each order's execution, the domains' ledger and
each order's outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from course_lib.eventbridge.bus import EventBridge
from course_lib.pizza import trace as trace_module
from course_lib.pizza.domains import (
    BUS,
    MENU,
    SIZES,
    Delivery,
    Kitchen,
    Orders,
    Payments,
    Shop,
    Timings,
    price,
)
from course_lib.pizza.faults import NONE, Faults
from course_lib.pizza.wiring import (
    ARCHIVE,
    DESIGNS,
    DLQ,
    deploy_rule,
    load_definition,
    load_rules,
    register_functions,
)
from course_lib.sim.queue import Queue
from course_lib.sim.world import World
from course_lib.stepfunctions.machine import StateMachine

WORKFLOW = "pizza-order-workflow"
FIRST_ORDER_ID = 1_073_459_984
#: How an order can end. Every order of the mix ends delivered or compensated.
OUTCOMES = ("delivered", "compensated", "rejected", "stuck")


@dataclass(frozen=True)
class OrderOutcome:
    """How one order ended, when (virtual seconds), and why."""

    order_id: str
    status: str
    placed_at: float
    ended_at: float | None
    reason: str = ""

    @property
    def latency(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.placed_at


@dataclass
class ShopRun:
    """A finished run: read its outcomes, trace and pictures from here."""

    design: str
    faults: Faults
    world: World
    shop: Shop
    orders: list[dict]
    bridge: EventBridge
    dlq: Queue
    machine: StateMachine | None
    executions: dict[str, str] = field(default_factory=dict)
    placed_at: dict[str, float] = field(default_factory=dict)
    replays: list[str] = field(default_factory=list)

    # -- outcomes ----------------------------------------------------------------
    @cached_property
    def outcomes(self) -> dict[str, OrderOutcome]:
        """Each order's outcome, by order id."""
        ends: dict[str, dict[str, tuple[float, dict]]] = {}
        for record in self.world.trace:
            if record.kind == "PutEvents":
                event = record.payload
                order_id = event["detail"]["data"].get("order-id")
                ends.setdefault(order_id, {}).setdefault(
                    event["detail-type"], (record.time, event["detail"]["data"])
                )
        result = {}
        for order in self.orders:
            order_id = order["orderId"]
            placed = self.placed_at[order_id]
            seen = ends.get(order_id, {})
            execution = self.execution(order_id)
            if "OrderCancelled" in seen:
                at, data = seen["OrderCancelled"]
                outcome = OrderOutcome(order_id, "compensated", placed, at, data["reason"])
            elif order_id in self.shop.delivered:
                outcome = OrderOutcome(order_id, "delivered", placed, self.shop.delivered[order_id])
            elif execution is not None and execution.error == "Pizza.OrderCompensated":
                at = (execution.stop_date - self.world.epoch).total_seconds()
                outcome = OrderOutcome(order_id, "compensated", placed, at, "refunded")
            elif execution is not None and execution.error == "Pizza.OrderRejected":
                at = (execution.stop_date - self.world.epoch).total_seconds()
                outcome = OrderOutcome(order_id, "rejected", placed, at, "invalid order")
            else:
                outcome = OrderOutcome(order_id, "stuck", placed, None, "no outcome")
            result[order_id] = outcome
        return result

    def outcome_counts(self) -> dict[str, int]:
        """How many orders ended each way (every outcome listed, zeros included)."""
        counts = Counter(o.status for o in self.outcomes.values())
        return {status: counts.get(status, 0) for status in OUTCOMES}

    def latencies(self, status: str = "delivered") -> list[float]:
        """End-to-end seconds (order placed to outcome) of the orders that ended ``status``."""
        return [
            o.latency
            for o in self.outcomes.values()
            if o.status == status and o.latency is not None
        ]

    def percentiles(self, status: str = "delivered", qs: Iterable[int] = (50, 90, 99)) -> dict:
        """Latency percentiles in minutes, e.g. ``{"p50": 31.2, "p90": ..., "p99": ...}``."""
        return trace_module.percentiles(self.latencies(status), qs)

    def summary(self) -> dict:
        """The run in one dict of numbers (what a dashboard would show)."""
        ledger = self.shop.ledger
        return {
            "design": self.design,
            "faults": self.faults.describe(),
            "orders": len(self.orders),
            **self.outcome_counts(),
            "pizzas baked twice": sum(1 for n in ledger.bakes.values() if n > 1),
            "dead-lettered": self.dlq.stats["sent"],
            "lost callbacks": len(ledger.lost_callbacks),
            "wasted bakes": len(ledger.wasted),
            "messages": len(self.trace()),
            **{f"{k} (min)": v for k, v in self.percentiles().items()},
        }

    # -- the workflow -------------------------------------------------------------------
    def execution(self, order_id: str):
        """The order workflow's execution for ``order_id`` (None without a workflow)."""
        arn = self.executions.get(order_id)
        return None if arn is None else self.machine.execution(arn)

    def definition(self) -> dict:
        return self.machine.definition if self.machine is not None else {}

    # -- the trace ------------------------------------------------------------------
    def trace(self, order_id: str | None = None) -> list:
        """Every event, delivery, call and state transition in time order (TraceRow)."""
        rows = self._trace
        if order_id is None:
            return rows
        return [row for row in rows if row.order_id == order_id]

    @cached_property
    def _trace(self) -> list:
        return trace_module.build_trace(self)

    def order_ids(self, status: str | None = None) -> list[str]:
        """Order ids in the order they were placed, optionally only those ending ``status``."""
        return [
            o["orderId"]
            for o in self.orders
            if status is None or self.outcomes[o["orderId"]].status == status
        ]


def make_order(n: int, rng) -> dict:
    """Customer order number ``n``: one to three distinct pizza lines, priced from the menu."""
    lines = rng.sample([(p, s) for p in MENU for s in SIZES], rng.choice((1, 1, 2, 2, 3)))
    items = [{"pizza": p, "size": s, "quantity": rng.choice((1, 1, 1, 2))} for p, s in lines]
    return {
        "orderId": str(FIRST_ORDER_ID + n),
        "customerId": f"cust-{rng.randrange(1, 400):04d}",
        "items": items,
        "totalCents": price(items),
        "currency": "EUR",
    }


class _Context:
    """The ``context`` of a direct call (the choreography design's orders API)."""

    def sleep(self, seconds: float) -> None:
        self.spent = getattr(self, "spent", 0.0) + seconds


def run_shop(
    orders: int = 1000,
    *,
    seed: int | None = None,
    faults: Faults | None = None,
    design: str = "mix",
    extra_rules: Iterable[Mapping[str, Any]] = (),
    extra_functions: Mapping[str, Callable] | None = None,
    timings: Timings | None = None,
) -> ShopRun:
    """Open the shop for ``orders`` orders and run until every order has ended.

    ``design`` is ``"mix"`` (orchestration inside the orders domain, choreography
    between domains), ``"orchestration"`` or ``"choreography"``. ``extra_rules`` are more
    rule entries (``{"Rule": ..., "Targets": [...]}``, like ``data/rules``) and
    ``extra_functions`` the functions they target, by function name: a new domain joins
    without changing the others.
    """
    if design not in DESIGNS:
        raise ValueError(f"design: one of {', '.join(DESIGNS)}, got {design!r}")
    if not isinstance(orders, int) or orders < 1:
        raise ValueError(f"orders: a positive whole number, got {orders!r}")
    faults = NONE if faults is None else faults
    world = World(seed)
    shop = Shop(world, faults, timings)
    shop.publishing = design != "orchestration"
    bridge = EventBridge(world, duplicate_rate=faults.duplicate_rate)
    bridge.create_event_bus(BUS)
    bridge.create_archive(ARCHIVE, bridge.bus(BUS).arn)
    dlq = Queue(world, DLQ)
    orders_domain, payments = Orders(shop), Payments(shop)
    kitchen, delivery = Kitchen(shop), Delivery(shop)
    functions = {
        "pizza-orders-validate": orders_domain.validate,
        "pizza-orders-dispatch-callback": orders_domain.dispatch_callback,
        "pizza-orders-track-pizzas": orders_domain.track_pizzas,
        "pizza-payments-charge": payments.charge,
        "pizza-payments-refund": payments.refund,
        "pizza-payments-refund-order": payments.refund_order,
        "pizza-kitchen-accept-order": kitchen.accept_order,
        "pizza-kitchen-bake": kitchen.bake_command,
        "pizza-delivery-dispatch": delivery.dispatch,
        "pizza-delivery-deliver": delivery.deliver_command,
    }
    register_functions(world, functions)
    register_functions(world, dict(extra_functions or {}))
    rule_arns = {}
    for entry in [*load_rules(design), *extra_rules]:
        rule_arns[entry["Rule"]["Name"]] = deploy_rule(bridge, entry)
    machine = None
    if design != "choreography":
        machine = StateMachine(
            load_definition(design), world=world, name=WORKFLOW, handlers=functions
        )
    run = ShopRun(design, faults, world, shop, [], bridge, dlq, machine)
    world.env.process(_customers(run, orders, orders_domain, payments))
    if faults.kitchen_down_for and faults.replay and "kitchen-new-orders" in rule_arns:
        world.env.process(_operator(run, rule_arns["kitchen-new-orders"]))
    world.run()
    return run


def _customers(run: ShopRun, count: int, orders_domain: Orders, payments: Payments):
    world, timings = run.world, run.shop.timings
    rng = run.shop.rng("customers")
    for n in range(count):
        yield world.env.timeout(timings.arrival.sample(rng))
        order = make_order(n, rng)
        order_id = order["orderId"]
        run.orders.append(order)
        run.placed_at[order_id] = world.now
        if run.machine is not None:
            world.record("customer", "order workflow", "StartExecution", {"order-id": order_id})
            started = run.machine.start_execution(input=order, name=f"order-{order_id}")
            run.executions[order_id] = started["executionArn"]
        else:
            world.record("customer", "orders", "PlaceOrder", {"order-id": order_id})
            orders_domain.place_order(order, payments, _Context())


def _operator(run: ShopRun, kitchen_rule_arn: str):
    """After the outage, replay the window from the archive to the kitchen's rule only."""
    faults, world = run.faults, run.world
    yield world.env.timeout(faults.kitchen_back_at + faults.replay_after)
    start = max(0.0, faults.kitchen_down_at - 600.0)
    name = "kitchen-outage"
    run.bridge.start_replay(
        name,
        ARCHIVE,
        world.timestamp(start),
        world.timestamp(world.now - 1.0),
        {"Arn": run.bridge.bus(BUS).arn, "FilterArns": [kitchen_rule_arn]},
    )
    world.record("operator", BUS, "StartReplay", {"order-id": None}, replay=name)
    run.replays.append(name)
