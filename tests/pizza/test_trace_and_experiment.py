"""A run's trace as rows, the pictures' data, and the three designs compared."""

from __future__ import annotations

import math

import pytest

import course_lib.pizza as pizza
from course_lib.pizza.experiment import coupling_profile, visibility


@pytest.fixture(scope="module")
def run():
    return pizza.run_shop(50, seed=2, faults=pizza.fault("lost callback", 0.2))


def test_trace_rows_are_in_time_order_and_cover_every_kind(run):
    rows = run.trace()
    assert [r.time for r in rows] == sorted(r.time for r in rows)
    assert {r.kind for r in rows} == {"event", "delivery", "call", "transition"}


def test_one_order_reads_like_the_slides(run):
    order_id = run.order_ids("delivered")[0]
    names = [r.name for r in run.trace(order_id) if r.kind in ("event", "transition")]
    for expected in (
        "ValidateOrder",
        "TakePayment",
        "OrderCreated",
        "WaitForKitchen",
        "PizzaBaked",
        "WaitForCourier",
        "OrderDispatched",
        "OrderDelivered",
    ):
        assert expected in names
    assert names.index("OrderCreated") < names.index("PizzaBaked") < names.index("OrderDelivered")


def test_sequence_arrows_and_lanes(run):
    order_id = run.order_ids("compensated")[0]
    arrows = pizza.sequence(run, order_id)
    lanes = set(pizza.trace.LANES)
    assert all(a["source"] in lanes and a["target"] in lanes for a in arrows)
    assert any(a["outcome"] == "lost" for a in arrows)
    assert not any(a["label"] == "SendTaskHeartbeat" for a in arrows)
    assert any(
        a["label"] == "SendTaskHeartbeat" for a in pizza.sequence(run, order_id, heartbeats=True)
    )


def test_spans_and_milestones(run):
    delivered = run.order_ids("delivered")[0]
    marks = pizza.milestones(run, delivered)
    assert list(marks)[:1] == ["placed"]
    assert (
        marks["placed"]
        < marks["created"]
        < marks["baked"]
        < marks["dispatched"]
        < marks["delivered"]
    )
    bars = pizza.spans(run, [delivered, run.order_ids("compensated")[0]])
    states = [b["state"] for b in bars]
    assert states[:4] == ["order and payment", "kitchen", "waiting for a courier", "on the road"]
    assert states[-1] == "kitchen, then cancelled"
    assert all(b["end"] >= b["start"] for b in bars)


def test_percentiles_nearest_rank():
    assert pizza.percentiles([60, 120, 180, 240], qs=(50, 100)) == {"p50": 2.0, "p100": 4.0}
    assert math.isnan(pizza.percentiles([], qs=(50,))["p50"])


def test_compare_designs_measures_each_design():
    rows = {r["design"]: r for r in pizza.compare_designs(40, seed=4)}
    assert set(rows) == {"mix", "orchestration", "choreography"}
    for row in rows.values():
        assert row["delivered"] == 40
        assert row["p50"] > 0
    assert rows["orchestration"]["visible in one history"] == 1.0
    assert rows["choreography"]["visible in one history"] == 0.0
    assert 0 < rows["mix"]["visible in one history"] < 1
    assert rows["orchestration"]["changes: side step"] == 1
    assert rows["mix"]["changes: side step"] == rows["choreography"]["changes: side step"] == 0
    assert rows["orchestration"]["coupling (mean level)"] > rows["mix"]["coupling (mean level)"]


def test_orchestration_publishes_nothing_and_choreography_has_no_workflow():
    orchestrated = pizza.run_shop(10, seed=1, design="orchestration")
    assert not [r for r in orchestrated.trace() if r.kind == "event"]
    assert orchestrated.outcome_counts()["delivered"] == 10
    choreographed = pizza.run_shop(10, seed=1, design="choreography")
    assert choreographed.machine is None
    assert not [r for r in choreographed.trace() if r.kind == "transition"]
    assert visibility(choreographed) == 0.0


def test_choreography_has_no_timeout_so_a_lost_kitchen_leaves_orders_stuck():
    down = pizza.Faults(kitchen_down_at=0, kitchen_down_for=3600, replay=False)
    run = pizza.run_shop(20, seed=1, design="choreography", faults=down)
    assert run.outcome_counts()["stuck"] > 0


def test_new_step_changes_and_coupling_profile_errors():
    assert pizza.new_step_changes("choreography", "inline")["changed"] == ["delivery (its rule)"]
    with pytest.raises(ValueError, match="step"):
        pizza.new_step_changes("mix", "sideways")
    with pytest.raises(ValueError, match="design"):
        coupling_profile("soa")
    assert set(coupling_profile("mix")) == {
        "technology",
        "location",
        "topology",
        "data_format",
        "semantic",
        "conversation",
        "order",
        "temporal",
    }


def test_event_flow_names_a_publisher_and_a_subscriber_for_each_event():
    assert pizza.event_flow("choreography") == [
        ("orders", "OrderCreated", "kitchen"),
        ("kitchen", "PizzaPrepared", "orders"),
        ("orders", "PizzaBaked", "delivery"),
    ]
    # In the mix the workflow follows the kitchen itself: nobody subscribes to PizzaPrepared.
    with pytest.raises(ValueError, match="nobody subscribes to 'PizzaPrepared'"):
        pizza.event_flow("mix")
    with pytest.raises(ValueError, match="not in the catalogue"):
        pizza.event_flow("choreography", ("PizzaTeleported",))
    with pytest.raises(ValueError, match="design"):
        pizza.event_flow("soa")


def test_token_exposure_counts_every_holder_of_a_task_token():
    eavesdropper = {
        "Rule": {
            "Name": "analytics-everything",
            "EventBusName": "pizza-shop",
            "EventPattern": {"source": [{"prefix": "com."}]},
        },
        "Targets": [{"Id": "analytics", "Arn": pizza.lambda_arn("pizza-analytics")}],
    }
    run = pizza.run_shop(
        20,
        seed=3,
        extra_rules=[eavesdropper],
        extra_functions={"pizza-analytics": lambda event: None},
    )
    exposure = pizza.token_exposure(run)
    assert set(exposure) == {"OrderCreated", "PizzaBaked", "OrderDispatched"}
    for detail_type, owner in (
        ("OrderCreated", "kitchen"),
        ("PizzaBaked", "delivery"),
        ("OrderDispatched", "orders"),
    ):
        seen = exposure[detail_type]
        assert seen["published"] == seen["archived"] == 20
        assert seen["delivered to"] == {"analytics": 20, owner: 20}
    # All orchestration hands each token to one function: nothing on the bus.
    assert pizza.token_exposure(pizza.run_shop(5, seed=3, design="orchestration")) == {}


def test_a_lambda_call_that_raised_shows_its_error_and_a_handed_over_token_does_not():
    down = pizza.Faults(kitchen_down_at=0, kitchen_down_for=900, replay=False)
    run = pizza.run_shop(10, seed=4, design="orchestration", faults=down)
    calls = [r for r in run.trace() if r.kind == "call" and r.name == "pizza-kitchen-bake"]
    assert {r.outcome for r in calls if r.time < 900} == {"KitchenUnavailable"}
    assert {r.outcome for r in calls if r.time >= 900} == {"ok"}
    # A callback that times out later does not make the call that handed over the token fail.
    lost = pizza.run_shop(30, seed=2, faults=pizza.fault("lost callback", 0.5))
    victim = lost.order_ids("compensated")[0]
    rows = lost.trace(victim)
    assert any(r.name == "TaskTimedOut" for r in rows)
    assert all(r.outcome == "ok" for r in rows if r.kind == "call" and r.source == "order workflow")
