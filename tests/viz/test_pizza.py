"""Lesson 07's pictures: each returns a figure with the expected axes and marks, or DOT."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import course_lib.pizza as pizza
from course_lib.stepfunctions import to_dot
from course_lib.viz import pizza as vp
from course_lib.viz.graphs import Diagram


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def run():
    return pizza.run_shop(40, seed=9, faults=pizza.fault("lost callback", 0.3))


def test_domain_map_draws_every_domain_and_rule():
    picture = vp.domain_map(pizza.subscriptions(pizza.load_rules()), pizza.publications())
    assert isinstance(picture, Diagram)
    for name in (
        "kitchen-new-orders",
        "delivery-baked-orders",
        "orders-dispatch-callback",
        "payments-refund-cancelled",
        "PizzaPrepared",
        "order workflow",
    ):
        assert name in picture.source
    assert picture.source.count('-> "sub_') == 4


def test_sequence_has_one_row_per_arrow(run):
    arrows = pizza.sequence(run, run.order_ids("compensated")[0])
    fig = vp.sequence(arrows, lanes=pizza.trace.LANES, title="one order")
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    assert len(ax.lines) >= len(pizza.trace.LANES)  # lifelines (+ lost-message marks)
    texts = [t.get_text() for t in ax.texts]
    assert "customer" in texts and "order workflow" in texts
    assert any("lost" in t for t in texts)
    assert sum(1 for t in texts if t.startswith("+")) == len(arrows)


def test_order_timeline_has_a_bar_per_phase(run):
    bars = pizza.spans(run, run.order_ids()[:10])
    fig = vp.order_timeline(bars, title="ten orders")
    assert len(fig.axes) == 1
    assert len(fig.axes[0].patches) == len(bars)


def test_outcome_dashboard_has_two_panels(run):
    fig = vp.outcome_dashboard(run.outcome_counts(), [x / 60 for x in run.latencies()])
    left, right = fig.axes
    assert len(left.patches) == len(pizza.OUTCOMES)
    assert len(right.lines) == 2  # p50 and p99 markers
    assert len(right.patches) == 30


def test_fault_sweep_plots_outcomes_and_percentiles():
    rows = [
        {
            "rate": r,
            "delivered": 10 - i,
            "compensated": i,
            "p50": 30 + i,
            "p90": 40 + i,
            "p99": 50 + i,
        }
        for i, r in enumerate((0.0, 0.1, 0.2))
    ]
    fig = vp.fault_sweep(rows, x="rate")
    left, right = fig.axes
    assert len(left.lines) == 2 and len(right.lines) == 3


def test_design_comparison_has_a_panel_per_criterion():
    rows = pizza.compare_designs(10, seed=1)
    fig = vp.design_comparison(rows)
    assert len(fig.axes) == 5
    assert all(len(ax.patches) == 3 for ax in fig.axes)


def test_workflow_path_wraps_to_dot(run):
    order_id = run.order_ids("compensated")[0]
    picture = vp.workflow_path(to_dot(run.definition(), run.execution(order_id)))
    assert isinstance(picture, Diagram)
    assert "KitchenUnavailable" in picture.source


def test_a_subscriber_only_domain_has_no_publisher_node():
    rules = [
        *pizza.load_rules(),
        {
            "Domain": "loyalty",
            "Rule": {
                "Name": "loyalty-points",
                "EventPattern": {"detail-type": ["OrderDispatched"]},
            },
            "Targets": [{"Id": "loyalty", "Arn": "arn:aws:lambda:r:a:function:pizza-loyalty"}],
        },
    ]
    source = vp.domain_map(pizza.subscriptions(rules), pizza.publications()).source
    assert '"sub_loyalty"' in source and '"pub_loyalty"' not in source


def test_coordination_styles_show_a_publisher_for_every_event_delivered():
    flow = pizza.event_flow("choreography")
    source = vp.coordination_styles(flow).source
    published = [line for line in source.splitlines() if "-> c_bus" in line]
    delivered = [line for line in source.splitlines() if "c_bus ->" in line]
    for _, event, _ in flow:
        assert any(event in line for line in published), event
        assert any(event in line for line in delivered), event
    assert "PizzaBaked" in next(line for line in published if '"c_orders"' in line)
    assert source.index("cluster_c") < source.index("cluster_o")  # orchestration drawn on top
    assert source.count("o_workflow ->") == 3
