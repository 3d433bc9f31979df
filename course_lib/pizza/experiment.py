"""The same order process built three ways, compared on measured criteria.

* ``orchestration``: one workflow calls payments, the kitchen and delivery directly.
* ``choreography``: no workflow; each domain reacts to the previous domain's event.
* ``mix``: a workflow inside the orders domain, events between domains.

:func:`compare_designs` runs each design on the same customers and seed and measures
end-to-end latency, messages per order, how much of an order's progress one execution
history shows, and what happens to orders when a callback or an event is lost.
:func:`new_step_changes` counts the existing components that must change to add a step,
and :func:`coupling_profile` grades the links between domains on Hohpe's facets
(:mod:`course_lib.coupling`).
"""

from __future__ import annotations

from course_lib.coupling.facets import Integration, assess
from course_lib.pizza.faults import Faults
from course_lib.pizza.shop import run_shop
from course_lib.pizza.wiring import DESIGNS, load_rules, publications, subscriptions

#: An order's milestones, and the workflow state whose entry shows each one.
MILESTONE_STATES = {
    "mix": {
        "validated": "TakePayment",
        "paid": "WaitForKitchen",
        "baked": "WaitForCourier",
        "dispatched": "Dispatched",
        "delivered": None,
    },
    "orchestration": {
        "validated": "TakePayment",
        "paid": "Bake",
        "baked": "Deliver",
        "dispatched": "Deliver",
        "delivered": "Delivered",
    },
    "choreography": {
        "validated": None,
        "paid": None,
        "baked": None,
        "dispatched": None,
        "delivered": None,
    },
}

#: The links between domains in each design: (from, to, style).
LINKS = {
    "orchestration": [
        ("order workflow", "payments", "call"),
        ("order workflow", "kitchen", "call"),
        ("order workflow", "delivery", "call"),
    ],
    "choreography": [
        ("orders", "payments", "call"),
        ("orders", "kitchen", "bus"),
        ("kitchen", "orders", "bus"),
        ("orders", "delivery", "bus"),
    ],
    "mix": [
        ("order workflow", "payments", "call"),
        ("order workflow", "kitchen", "bus"),
        ("order workflow", "delivery", "bus"),
        ("orders", "payments", "bus"),
    ],
}


#: The events that carry an order from placed to baked, in order.
ORDER_PATH = ("OrderCreated", "PizzaPrepared", "PizzaBaked")


def event_flow(design: str = "choreography", events=ORDER_PATH) -> list[tuple[str, str, str]]:
    """``(publisher, event, subscriber)`` for each of ``events`` in ``design``.

    Publishers come from the event catalogue, subscribers from the design's rules, so a
    picture drawn from this cannot show an event that nobody publishes. An event without
    a publisher or without a subscriber in the design is an error.
    """
    if design not in DESIGNS:
        raise ValueError(f"design: one of {', '.join(DESIGNS)}, got {design!r}")
    publisher = {row["detail_type"]: row["domain"] for row in publications()}
    heard = subscriptions(load_rules(design))
    flow = []
    for event in events:
        if event not in publisher:
            raise ValueError(f"events: {event!r} is not in the catalogue (nobody publishes it)")
        listeners = sorted({row["domain"] for row in heard if row["detail_type"] == event})
        if not listeners:
            raise ValueError(f"events: nobody subscribes to {event!r} in the {design} design")
        flow.extend((publisher[event], event, listener) for listener in listeners)
    return flow


def coupling_profile(design: str) -> dict[str, float]:
    """Mean level (0 loose, 2 tight) on each coupling facet over the design's domain links."""
    if design not in LINKS:
        raise ValueError(f"design: one of {', '.join(DESIGNS)}, got {design!r}")
    totals: dict[str, float] = {}
    links = LINKS[design]
    for source, target, style in links:
        integration = Integration(
            name=f"{source}->{target}",
            label=f"{source} to {target}",
            style=style,
            codec="json",
            addressing="dns" if style == "call" else "channel",
            units_in_message=True,
            retry_max_age_s=86_400.0 if style == "bus" else None,
        )
        for cell in assess(integration):
            totals[cell.facet] = totals.get(cell.facet, 0.0) + cell.level
    return {facet: round(total / len(links), 2) for facet, total in totals.items()}


def new_step_changes(design: str, step: str = "side") -> dict:
    """Existing components that must change to add a step, and why.

    ``step="side"``: a new domain reacts to dispatched orders (a loyalty programme).
    ``step="inline"``: a quality check must pass before a courier leaves.
    """
    if design not in DESIGNS:
        raise ValueError(f"design: one of {', '.join(DESIGNS)}, got {design!r}")
    if step not in ("side", "inline"):
        raise ValueError(f"step: 'side' or 'inline', got {step!r}")
    if design == "orchestration":
        changed = ["order workflow"]
        why = "the workflow is the only caller: it must call the new step"
    elif step == "side":
        changed = []
        why = "the new domain subscribes to an existing event; nobody else changes"
    elif design == "choreography":
        changed = ["delivery (its rule)"]
        why = "delivery must now wait for the new event instead of PizzaBaked"
    else:
        changed = ["order workflow"]
        why = "the check belongs to the order process: one new state in the orders domain"
    return {"design": design, "step": step, "changed": changed, "count": len(changed), "why": why}


def visibility(run) -> float:
    """Share of an order's milestones one execution history shows (averaged over orders)."""
    states = MILESTONE_STATES[run.design]
    if run.machine is None:
        return 0.0
    shown = []
    for order_id in run.order_ids("delivered"):
        entered = set(run.execution(order_id).states_entered)
        shown.append(sum(1 for s in states.values() if s is not None and s in entered))
    if not shown:
        return 0.0
    return round(sum(shown) / (len(shown) * len(states)), 2)


def compare_designs(
    orders: int = 200, *, seed: int | None = None, faults: Faults | None = None
) -> list[dict]:
    """One row per design: latency, messages, visibility, changes for a new step, coupling."""
    rows = []
    for design in DESIGNS:
        run = run_shop(orders, seed=seed, faults=faults, design=design)
        counts = run.outcome_counts()
        coupling = coupling_profile(design)
        rows.append(
            {
                "design": design,
                **run.percentiles(qs=(50, 95)),
                "messages per order": round(
                    sum(1 for row in run.trace() if row.kind != "transition") / orders, 1
                ),
                "delivered": counts["delivered"],
                "compensated": counts["compensated"],
                "stuck": counts["stuck"],
                "visible in one history": visibility(run),
                "changes: side step": new_step_changes(design, "side")["count"],
                "changes: inline step": new_step_changes(design, "inline")["count"],
                "coupling (mean level)": round(sum(coupling.values()) / len(coupling), 2),
            }
        )
    return rows
