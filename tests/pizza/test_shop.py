"""The pizza shop end to end: outcomes, idempotency, faults, determinism, wiring as data."""

from __future__ import annotations

import json
import re

import pytest

import course_lib.pizza as pizza
from course_lib.events import validate_event
from course_lib.events.catalogue import data_dir
from course_lib.pizza.wiring import deploy_rule, load_definition, resolve

FAULTS = {
    "none": pizza.NONE,
    "kitchen down": pizza.fault("kitchen down", 0.5),
    "duplicates": pizza.fault("duplicate deliveries", 0.5),
    "lost callback": pizza.fault("lost callback", 0.2),
    "slow oven": pizza.fault("slow oven", 1.0),
    "everything": pizza.Faults(
        kitchen_down_at=1800,
        kitchen_down_for=1200,
        duplicate_rate=0.2,
        lost_callback_rate=0.1,
        oven_slowdown=1.3,
    ),
}


def _ends(run):
    cancelled = {
        row.order_id for row in run.trace() if row.kind == "event" and row.name == "OrderCancelled"
    }
    delivered = set(run.shop.delivered)
    return delivered, cancelled


@pytest.fixture(scope="module")
def runs():
    return {name: pizza.run_shop(150, seed=11, faults=f) for name, f in FAULTS.items()}


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_order_ends_delivered_or_compensated_never_both(runs, name):
    run = runs[name]
    delivered, cancelled = _ends(run)
    ids = set(run.order_ids())
    assert len(ids) == 150
    assert delivered & cancelled == set()
    assert delivered | cancelled == ids
    counts = run.outcome_counts()
    assert counts["delivered"] + counts["compensated"] == 150
    assert counts["stuck"] == counts["rejected"] == 0


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_compensated_order_is_refunded_once(runs, name):
    run = runs[name]
    compensated = set(run.order_ids("compensated"))
    refunded = [
        row.order_id for row in run.trace() if row.kind == "event" and row.name == "PaymentRefunded"
    ]
    assert sorted(refunded) == sorted(compensated)


@pytest.mark.parametrize("name", list(FAULTS))
def test_duplicate_deliveries_never_make_a_second_pizza(runs, name):
    ledger = runs[name].shop.ledger
    assert all(n == 1 for n in ledger.bakes.values())
    assert all(n == 1 for n in ledger.couriers.values())


def test_duplicates_really_happen(runs):
    outcomes = [row.outcome for row in runs["duplicates"].trace() if row.kind == "delivery"]
    assert outcomes.count("duplicate") > 20


def test_the_trace_is_identical_for_the_same_seed():
    first = pizza.run_shop(60, seed=5, faults=FAULTS["everything"]).trace()
    second = pizza.run_shop(60, seed=5, faults=FAULTS["everything"]).trace()
    assert first == second
    other = pizza.run_shop(60, seed=6, faults=FAULTS["everything"]).trace()
    assert first != other


def test_kitchen_outage_dead_letters_then_replays(runs):
    run = runs["kitchen down"]
    rows = run.trace()
    assert run.dlq.stats["sent"] > 0
    assert any(r.outcome == "dead-lettered" and r.target == "kitchen" for r in rows)
    assert run.replays == ["kitchen-outage"]
    replayed = {
        r.order_id for r in rows if r.name == "OrderCreated (replayed)" and r.outcome == "ok"
    }
    assert replayed
    # the replay rescued orders still waiting, and those that timed out were not baked twice
    assert replayed & set(run.order_ids("delivered"))
    assert all(n == 1 for n in run.shop.ledger.bakes.values())


def test_a_lost_callback_times_out_and_is_compensated(runs):
    run = runs["lost callback"]
    lost = set(run.shop.ledger.lost_callbacks)
    assert lost and lost == set(run.order_ids("compensated"))
    for order_id in sorted(lost)[:5]:
        execution = run.execution(order_id)
        assert execution.status == "FAILED"
        assert execution.error == "Pizza.OrderCompensated"
        timeouts = [r for r in run.trace(order_id) if r.name == "TaskTimedOut"]
        assert [r.outcome for r in timeouts] == ["States.HeartbeatTimeout"]
        assert run.outcomes[order_id].reason == "kitchen-unavailable"


def test_a_slow_oven_raises_the_latency_percentiles(runs):
    assert runs["slow oven"].percentiles()["p90"] > runs["none"].percentiles()["p90"]


def test_published_events_follow_the_catalogue(runs):
    run = runs["everything"]
    events = [rec.payload for rec in run.world.trace if rec.kind == "PutEvents"]
    kinds = {e["detail-type"] for e in events}
    assert {"OrderCreated", "PizzaBaked", "OrderDispatched", "OrderCancelled"} <= kinds
    for event in events[:400]:
        assert validate_event(event) == [], event


def test_workflow_events_carry_the_token_and_the_shared_idempotency_key(runs):
    run = runs["none"]
    for record in run.world.trace:
        if record.kind == "PutEvents" and record.payload["detail-type"] in (
            "OrderCreated",
            "PizzaBaked",
        ):
            detail = record.payload["detail"]
            order_id = detail["data"]["order-id"]
            assert detail["metadata"]["callbackToken"]
            assert detail["metadata"]["idempotency-key"] == pizza.idempotency_key(
                order_id, record.payload["detail-type"]
            )


def test_a_new_domain_joins_with_a_rule_and_a_function_only():
    seen = []
    loyalty = {
        "Rule": {
            "Name": "loyalty-points",
            "EventBusName": "pizza-shop",
            "EventPattern": {"source": ["com.delivery"], "detail-type": ["OrderDispatched"]},
        },
        "Targets": [
            {
                "Id": "loyalty",
                "Arn": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:pizza-loyalty",
            }
        ],
    }
    run = pizza.run_shop(
        40,
        seed=3,
        extra_rules=[loyalty],
        extra_functions={
            "pizza-loyalty": lambda event: seen.append(event["detail"]["data"]["order-id"])
        },
    )
    assert sorted(seen) == sorted(run.order_ids("delivered"))
    baseline = pizza.run_shop(40, seed=3)
    assert baseline.outcome_counts() == run.outcome_counts()


def test_rule_files_are_put_rule_and_put_targets_json():
    files = sorted((data_dir() / "rules").glob("*.json"))
    assert {f.stem for f in files} == {"orders", "payments", "kitchen", "delivery"}
    for path in [*files, data_dir() / "rules" / "designs" / "choreography.json"]:
        text = path.read_text()
        assert not re.search(r"\d{12}", text), path
        document = json.loads(text)
        for entry in document["Rules"]:
            assert set(entry) == {"Rule", "Targets"}
            assert set(entry["Rule"]) <= {
                "Name",
                "EventBusName",
                "EventPattern",
                "State",
                "Description",
            }
            for target in entry["Targets"]:
                assert target["Arn"].startswith("arn:aws:")
                assert "${AWS::AccountId}" in target["Arn"]


def test_definitions_carry_no_account_ids_and_validate():
    from course_lib.stepfunctions import validate

    for design in ("mix", "orchestration"):
        definition = load_definition(design)
        assert validate(definition) == []
        assert not re.search(r"\d{12}", json.dumps(definition))


def test_resolve_fills_account_and_region():
    assert resolve({"a": ["${AWS::Region}:${AWS::AccountId}"]}, account="1", region="r") == {
        "a": ["r:1"]
    }


def test_subscriptions_and_publications_come_from_data():
    subs = pizza.subscriptions(pizza.load_rules())
    assert {(s["domain"], s["detail_type"]) for s in subs} == {
        ("orders", "OrderDispatched"),
        ("kitchen", "OrderCreated"),
        ("delivery", "PizzaBaked"),
        ("payments", "OrderCancelled"),
    }
    pubs = {(p["domain"], p["detail_type"]) for p in pizza.publications()}
    assert ("orders", "PizzaBaked") in pubs


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="design"):
        pizza.run_shop(5, design="microservices")
    with pytest.raises(ValueError, match="orders"):
        pizza.run_shop(0)
    with pytest.raises(ValueError, match="kind"):
        pizza.fault("meteor")
    with pytest.raises(ValueError, match="intensity"):
        pizza.fault("slow oven", 2)
    with pytest.raises(ValueError, match="duplicate_rate"):
        pizza.Faults(duplicate_rate=1.5)
    with pytest.raises(ValueError, match="Targets"):
        pizza.run_shop(5, extra_rules=[{"Rule": {"Name": "x", "EventPattern": {}}}])
    from course_lib.eventbridge.bus import EventBridge
    from course_lib.sim import World

    bridge = EventBridge(World(1))
    with pytest.raises(ValueError, match="EventBusName"):
        deploy_rule(
            bridge,
            {"Rule": {"Name": "x", "EventBusName": "default", "EventPattern": {}}, "Targets": []},
        )


def test_make_order_prices_from_the_menu():
    import random

    order = pizza.make_order(0, random.Random(1))
    assert order["orderId"] == "1073459984"
    assert order["totalCents"] == sum(
        round(pizza.MENU[i["pizza"]] * pizza.SIZES[i["size"]]) * i["quantity"]
        for i in order["items"]
    )
