"""The pizza shop's four domains: what each one does when an event or a call reaches it.

Each domain is a small class holding its own state (the kitchen's ovens, the payments
ledger, the couriers). Its entry points are plain functions, registered on the world by
Lambda ARN, so the *wiring* (which rule sends which event to which function, see
:mod:`course_lib.pizza.wiring`) stays data. Every event a domain publishes follows the
catalogue of :mod:`course_lib.events`: the slide's ``detail.metadata`` (idempotency key,
callback token) and ``detail.data``.

* **Orders** owns the order workflow (a state machine) plus two functions: ``validate``
  (a task of the workflow) and ``dispatch_callback`` (resumes the workflow when
  delivery reports ``OrderDispatched`` with the workflow's token).
* **Payments** charges (a synchronous call from the workflow, publishing
  ``PaymentReceived``) and refunds cancelled orders on its own (``PaymentRefunded``).
* **Kitchen** bakes every ``OrderCreated``: ``PizzaPrepared`` per pizza line, heartbeats
  while it works, and ``SendTaskSuccess`` with the order's token when the oven is done.
* **Delivery** sends a courier for every ``PizzaBaked``: ``OrderDispatched`` (carrying
  the token back) and later ``OrderDelivered``.

Consumers are idempotent (Powertools semantics, keyed on the idempotency key), so a
duplicate delivery never bakes a second pizza or sends a second courier.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import simpy

from course_lib.events.idempotency import (
    IdempotencyConfig,
    IdempotentHandler,
    InMemoryPersistenceStore,
)
from course_lib.sim.latency import Exponential, LogNormal
from course_lib.stepfunctions.callbacks import TaskTimedOut

BUS = "pizza-shop"
REGION = "us-east-1"
ACCOUNT = "123456789012"

#: Prices in cents of a medium pizza; a size multiplies the price.
MENU = {"margherita": 900, "funghi": 1000, "diavola": 1100, "quattro-formaggi": 1250}
SIZES = {"small": 0.8, "medium": 1.0, "large": 1.3}

#: The idempotency store keeps a record for a day: long enough to cover any replay.
IDEMPOTENCY = IdempotencyConfig(expires_after_seconds=86_400)


def lambda_arn(function_name: str) -> str:
    """The ARN a function of the shop is registered under on the world."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"


def idempotency_key(order_id: str, detail_type: str) -> str:
    """The key of the one business fact ``detail_type`` about ``order_id``.

    The same as the workflow's ``States.Hash(States.Format('{}/OrderCreated', $.orderId),
    'MD5')``: whoever publishes a fact, its key is the MD5 of ``order-id/DetailType``.
    """
    return hashlib.md5(f"{order_id}/{detail_type}".encode()).hexdigest()


def price(items: list[dict]) -> int:
    """The total in cents of an order's items."""
    return sum(round(MENU[i["pizza"]] * SIZES[i["size"]]) * i["quantity"] for i in items)


@dataclass(frozen=True)
class Timings:
    """How long the shop's work takes (virtual seconds)."""

    arrival: Exponential = field(default_factory=lambda: Exponential(30.0))
    validate: LogNormal = field(default_factory=lambda: LogNormal(0.05, 0.2))
    charge: LogNormal = field(default_factory=lambda: LogNormal(0.4, 2.0))
    prep: LogNormal = field(default_factory=lambda: LogNormal(120.0, 300.0))
    bake: LogNormal = field(default_factory=lambda: LogNormal(480.0, 720.0))
    courier: Exponential = field(default_factory=lambda: Exponential(240.0))
    ride: LogNormal = field(default_factory=lambda: LogNormal(900.0, 2400.0))
    heartbeat_every: float = 120.0
    ovens: int = 30


@dataclass
class Ledger:
    """What the domains did, for tests and pictures (not visible to each other)."""

    bakes: dict[str, int] = field(default_factory=dict)
    couriers: dict[str, int] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, str] = field(default_factory=dict)
    wasted: list[str] = field(default_factory=list)
    lost_callbacks: list[str] = field(default_factory=list)
    late_callbacks: list[str] = field(default_factory=list)
    kitchen_refusals: int = 0


class Shop:
    """What every domain shares: the world, the bus's ``put_events``, the faults, a ledger."""

    def __init__(self, world: Any, faults: Any, timings: Timings | None = None) -> None:
        self.world = world
        self.faults = faults
        self.timings = timings or Timings()
        self.ledger = Ledger()
        self.store = InMemoryPersistenceStore(world)
        self.publishing = True
        #: When each order reached its customer (virtual seconds).
        self.delivered: dict[str, float] = {}

    def rng(self, name: str):
        return self.world.rng(f"pizza.{name}")

    def publish(
        self,
        source: str,
        detail_type: str,
        order_id: str,
        data: dict,
        *,
        token: str | None = None,
        key_suffix: str = "",
    ) -> dict | None:
        """PutEvents one business event on the shop's bus (the slide's detail shape).

        ``key_suffix`` tells apart several facts of one type about one order (one
        ``PizzaPrepared`` per pizza line). In the all-orchestration design nothing is
        published: the domains only answer the workflow.
        """
        if not self.publishing:
            return None
        fact = f"{detail_type}/{key_suffix}" if key_suffix else detail_type
        metadata = {"idempotency-key": idempotency_key(order_id, fact)}
        if token is not None:
            metadata["callbackToken"] = token
        entry = {
            "EventBusName": BUS,
            "Source": source,
            "DetailType": detail_type,
            "Detail": json.dumps({"metadata": metadata, "data": {"order-id": order_id, **data}}),
        }
        return self.world.service("events").put_events([entry])

    def idempotent(self, handler, name: str) -> IdempotentHandler:
        return IdempotentHandler(handler, self.store, IDEMPOTENCY, function_name=name)

    def states(self):
        return self.world.service("states")

    def message(self, source: str, target: str, kind: str, order_id: str, **meta: Any) -> None:
        """Record a call that is not an event (a callback, a heartbeat) on the world's trace."""
        self.world.record(
            source,
            target,
            kind,
            {"order-id": order_id},
            delivered_at=None if meta.get("outcome") == "lost" else self.world.now,
            **meta,
        )


class KitchenUnavailable(Exception):
    """The kitchen's function is down; EventBridge retries, then dead-letters."""

    code = "ServiceUnavailable"


class Orders:
    """The orders domain: the workflow's ``validate`` task and the dispatch callback."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.dispatch_callback = shop.idempotent(self._dispatch_callback, "orders-dispatch")
        self.track_pizzas = shop.idempotent(self._track_pizzas, "orders-track")
        #: The orders domain's own table in the choreography design: lines per order.
        self.expected_lines: dict[str, int] = {}
        self.prepared: dict[str, set] = {}

    def validate(self, order: dict, context: Any) -> dict:
        context.sleep(self.shop.timings.validate.sample(self.shop.rng("orders")))
        items = order.get("items") or []
        unknown = sorted({i.get("pizza") for i in items} - set(MENU))
        if not items:
            return {"valid": False, "reason": "no items"}
        if unknown:
            return {"valid": False, "reason": f"not on the menu: {', '.join(unknown)}"}
        if price(items) != order.get("totalCents"):
            return {"valid": False, "reason": "total does not match the menu"}
        return {"valid": True, "reason": "ok"}

    def place_order(self, order: dict, payments: Payments, context: Any) -> bool:
        """All-choreography design: the orders API validates, charges and announces."""
        if not self.validate(order, context)["valid"]:
            return False
        self.expected_lines[order["orderId"]] = len(
            {(i["pizza"], i["size"]) for i in order["items"]}
        )
        payments.charge(
            {
                "orderId": order["orderId"],
                "amountCents": order["totalCents"],
                "currency": order["currency"],
            },
            context,
        )
        self.shop.publish(
            "com.orders",
            "OrderCreated",
            order["orderId"],
            {
                "customer-id": order["customerId"],
                "items": order["items"],
                "total-cents": order["totalCents"],
                "currency": order["currency"],
            },
        )
        return True

    def _track_pizzas(self, event: dict) -> dict:
        data = event["detail"]["data"]
        order_id = data["order-id"]
        seen = self.prepared.setdefault(order_id, set())
        seen.add(f"{data['pizza']}/{data['size']}")
        if len(seen) == self.expected_lines.get(order_id, 0):
            self.shop.publish("com.orders", "PizzaBaked", order_id, {"oven": data["station"]})
        return {"seen": len(seen)}

    def _dispatch_callback(self, event: dict) -> dict:
        detail = event["detail"]
        order_id = detail["data"]["order-id"]
        token = detail["metadata"]["callbackToken"]
        try:
            self.shop.states().send_task_success(
                token, {"courier-id": detail["data"]["courier-id"]}
            )
        except TaskTimedOut:
            self.shop.ledger.late_callbacks.append(order_id)
            self.shop.message(
                "orders", "order workflow", "SendTaskSuccess", order_id, outcome="failed"
            )
            return {"resumed": False}
        self.shop.message("orders", "order workflow", "SendTaskSuccess", order_id)
        return {"resumed": True}


class Payments:
    """The payments domain: a ledger of charges, refunds on cancelled orders."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.refund = shop.idempotent(self._refund, "payments-refund")

    def charge(self, request: dict, context: Any) -> dict:
        shop = self.shop
        context.sleep(shop.timings.charge.sample(shop.rng("payments")))
        order_id = request["orderId"]
        payment_id = shop.world.next_id("pay")
        shop.ledger.charges[order_id] = {
            "payment-id": payment_id,
            "amount-cents": request["amountCents"],
            "currency": request["currency"],
        }
        shop.publish(
            "com.payments",
            "PaymentReceived",
            order_id,
            {
                "payment-id": payment_id,
                "amount-cents": request["amountCents"],
                "currency": request["currency"],
            },
        )
        return {"paymentId": payment_id}

    def refund_order(self, request: dict, context: Any) -> dict:
        """All-orchestration design: the workflow asks for the refund itself."""
        return self._refund_order(request["orderId"])

    def _refund(self, event: dict) -> dict:
        return self._refund_order(event["detail"]["data"]["order-id"])

    def _refund_order(self, order_id: str) -> dict:
        shop = self.shop
        charge = shop.ledger.charges.get(order_id)
        if charge is None:
            return {"refunded": False}
        refund_id = shop.world.next_id("ref")
        shop.ledger.refunds[order_id] = refund_id
        shop.publish(
            "com.payments", "PaymentRefunded", order_id, {**charge, "refund-id": refund_id}
        )
        return {"refunded": True, "refund-id": refund_id}


class Kitchen:
    """The kitchen: accepts new orders, bakes them in a limited number of ovens."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.ovens = simpy.Resource(shop.world.env, capacity=shop.timings.ovens)
        self._next_oven = 0
        self._accept = shop.idempotent(self._start, "kitchen-accept")

    def accept_order(self, event: dict) -> dict:
        """The rule target for ``OrderCreated``; raises while the kitchen is down."""
        if self.shop.faults.kitchen_is_down(self.shop.world.now):
            self.shop.ledger.kitchen_refusals += 1
            raise KitchenUnavailable("the kitchen's function is not answering")
        return self._accept(event)

    def _start(self, event: dict) -> dict:
        detail = event["detail"]
        order_id = detail["data"]["order-id"]
        token = detail["metadata"].get("callbackToken")
        self.shop.ledger.bakes[order_id] = self.shop.ledger.bakes.get(order_id, 0) + 1
        self.shop.world.env.process(self._bake(order_id, detail["data"]["items"], token))
        return {"accepted": order_id}

    def bake_command(self, request: dict, context: Any) -> None:
        """All-orchestration design: the workflow calls the kitchen with its task token."""
        if self.shop.faults.kitchen_is_down(self.shop.world.now):
            self.shop.ledger.kitchen_refusals += 1
            raise KitchenUnavailable("the kitchen's function is not answering")
        order_id = request["orderId"]
        self.shop.ledger.bakes[order_id] = self.shop.ledger.bakes.get(order_id, 0) + 1
        self.shop.world.env.process(self._bake(order_id, request["items"], request["token"]))

    def _bake(self, order_id: str, items: list[dict], token: str | None):
        shop, timings = self.shop, self.shop.timings
        rng = shop.rng("kitchen")
        done = shop.world.env.event()
        if token is not None:
            shop.world.env.process(self._heartbeats(order_id, token, done))
        with self.ovens.request() as oven:
            yield oven
            self._next_oven = self._next_oven % timings.ovens + 1
            oven_name = f"oven-{self._next_oven}"
            yield shop.world.env.timeout(timings.prep.sample(rng))
            bake = timings.bake.sample(rng) * shop.faults.oven_slowdown
            yield shop.world.env.timeout(bake)
        done.succeed()
        for item in items:
            shop.publish(
                "com.kitchen",
                "PizzaPrepared",
                order_id,
                {"pizza": item["pizza"], "size": item["size"], "station": oven_name},
                key_suffix=f"{item['pizza']}/{item['size']}",
            )
        if token is None:
            return
        if shop.faults.lose_callback(shop.rng("faults.callback")):
            shop.ledger.lost_callbacks.append(order_id)
            shop.message("kitchen", "order workflow", "SendTaskSuccess", order_id, outcome="lost")
            return
        try:
            shop.states().send_task_success(token, {"oven": oven_name})
        except TaskTimedOut:
            shop.ledger.wasted.append(order_id)
            shop.message("kitchen", "order workflow", "SendTaskSuccess", order_id, outcome="failed")
            return
        shop.message("kitchen", "order workflow", "SendTaskSuccess", order_id)

    def _heartbeats(self, order_id: str, token: str, done):
        shop = self.shop
        while True:
            tick = shop.world.env.timeout(shop.timings.heartbeat_every)
            yield tick | done
            if done.triggered:
                return
            try:
                shop.states().send_task_heartbeat(token)
            except TaskTimedOut:
                return
            shop.message("kitchen", "order workflow", "SendTaskHeartbeat", order_id)


class Delivery:
    """Delivery: a courier for every baked order."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.dispatch = shop.idempotent(self._dispatch, "delivery-dispatch")

    def deliver_command(self, request: dict, context: Any) -> None:
        """All-orchestration design: deliver, then answer the workflow's token directly."""
        order_id = request["orderId"]
        self.shop.ledger.couriers[order_id] = self.shop.ledger.couriers.get(order_id, 0) + 1
        courier = self.shop.world.next_id("courier")
        self.shop.world.env.process(self._ride(order_id, courier, None, answer=request["token"]))

    def _dispatch(self, event: dict) -> dict:
        detail = event["detail"]
        order_id = detail["data"]["order-id"]
        self.shop.ledger.couriers[order_id] = self.shop.ledger.couriers.get(order_id, 0) + 1
        courier = self.shop.world.next_id("courier")
        token = detail["metadata"].get("callbackToken")
        self.shop.world.env.process(self._ride(order_id, courier, token))
        return {"courier-id": courier}

    def _ride(self, order_id: str, courier: str, token: str | None, answer: str | None = None):
        shop, timings = self.shop, self.shop.timings
        rng = shop.rng("delivery")
        yield shop.world.env.timeout(timings.courier.sample(rng))
        ride = timings.ride.sample(rng)
        shop.publish(
            "com.delivery",
            "OrderDispatched",
            order_id,
            {"courier-id": courier, "eta-minutes": max(1, round(ride / 60))},
            token=token,
        )
        yield shop.world.env.timeout(ride)
        shop.publish("com.delivery", "OrderDelivered", order_id, {"courier-id": courier})
        shop.delivered[order_id] = shop.world.now
        if answer is not None:
            shop.states().send_task_success(answer, {"courier-id": courier})
            shop.message("delivery", "order workflow", "SendTaskSuccess", order_id)
