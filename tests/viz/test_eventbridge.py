"""Lesson 06's drawings: the right number of axes and marks, diagrams from the rules, clear errors."""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import course_lib.events as ev
from course_lib.eventbridge import EventBridge, TargetError
from course_lib.sim import Queue, World
from course_lib.viz import Diagram
from course_lib.viz import eventbridge as draw

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def catalogue():
    return {t.name: ev.example_event(t.name).to_dict() for t in ev.event_types()}


def entry(name="OrderCreated"):
    return ev.example_event(name).to_put_events_entry()


# -- pattern summaries and the routing diagram -------------------------------------------------


def test_pattern_summary_has_one_line_per_field():
    pattern = {
        "source": ["com.orders"],
        "detail": {
            "data": {
                "total-cents": [{"numeric": [">=", 3000]}],
                "currency": [{"anything-but": {"prefix": "US"}}],
                "coupon": [{"exists": False}],
            }
        },
    }
    assert draw.pattern_summary(pattern) == [
        "source: com.orders",
        "data.total-cents >= 3000",
        "data.currency: anything-but prefix US",
        "data.coupon: missing",
    ]
    assert draw.pattern_summary(json.dumps({"source": ["a", "b"]})) == ["source: a | b"]
    assert draw.pattern_summary(None) == []


def test_pattern_summary_shows_or_branches_and_wraps_long_lines():
    lines = draw.pattern_summary(
        {"$or": [{"detail-type": ["PaymentFailed"]}, {"detail-type": ["PaymentRefunded"]}]},
        width=30,
    )
    assert len(lines) > 1 and all(len(line) <= 30 for line in lines)
    assert " ".join(lines) == "(detail-type: PaymentFailed) or (detail-type: PaymentRefunded)"
    with pytest.raises(TypeError, match="pattern"):
        draw.pattern_summary(["not", "a", "pattern"])


def shop():
    world = World(seed=3)
    bridge = EventBridge(world)
    kitchen, dlq = Queue(world, "kitchen"), Queue(world, "kitchen-dlq")
    analytics = bridge.create_event_bus("analytics")["EventBusArn"]
    bridge.put_rule("new-orders", event_pattern={"source": ["com.orders"]})
    bridge.put_targets(
        "new-orders",
        [
            {"Id": "kitchen", "Arn": kitchen.arn, "DeadLetterConfig": {"Arn": dlq.arn}},
            {"Id": "analytics", "Arn": analytics},
        ],
    )
    bridge.put_rule("tick", schedule_expression="rate(1 hour)", state="DISABLED")
    bridge.put_targets("tick", [{"Id": "t", "Arn": FUNCTION + "report", "Input": "{}"}])
    bridge.put_rule("all", event_pattern={"source": [{"exists": True}]}, event_bus_name="analytics")
    bridge.create_archive("everything", analytics)
    return world, bridge


def test_routing_diagram_is_generated_from_the_rules():
    _, bridge = shop()
    picture = draw.routing_diagram(bridge.graph(), title="shop")
    assert isinstance(picture, Diagram) and picture.title == "shop"
    source = picture.source
    assert source.count("(event bus)") == 2
    for text in ("rule new-orders", "source: com.orders", "schedule rate(1 hour)", "rule all"):
        assert text in source
    assert "(SQS queue)" in source and "(dead-letter queue)" in source
    assert "archive\\neverything" in source
    assert "dashed" in source  # the disabled rule, the DLQ and the archive
    assert 'label="Input"' in source
    # the target that is a bus points at the bus node, not a new box
    assert "-> bus_1" in source
    assert picture.png().startswith(b"\x89PNG")


def test_routing_diagram_refuses_an_empty_graph():
    with pytest.raises(ValueError, match="no buses"):
        draw.routing_diagram({"buses": []})


def test_overview_diagram_renders():
    picture = draw.overview_diagram()
    assert "event bus" in picture.source
    assert picture.png().startswith(b"\x89PNG")


# -- which pattern matches which event ---------------------------------------------------------


def test_match_grid_has_a_cell_per_pattern_and_event_and_ticks_the_matches():
    events = catalogue()
    patterns = {"orders": {"source": ["com.orders"]}, "payments": {"source": ["com.payments"]}}
    fig = draw.match_grid(patterns, events, title="grid")
    (ax,) = fig.axes
    assert len(ax.patches) == len(patterns) * len(events)
    ticks = [t for t in ax.texts if t.get_text() == "✓"]
    assert len(ticks) == sum(e["source"] in ("com.orders", "com.payments") for e in events.values())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["orders", "payments"]
    with pytest.raises(ValueError):
        draw.match_grid({}, events)


def test_match_report_lists_every_event_and_never_raises():
    events = catalogue()
    report = draw.match_report({"source": ["com.payments"]}, events)
    lines = report.splitlines()
    assert len(lines) == len(events) + 1
    assert lines[-1] == f"3 of {len(events)} events match"
    assert all(not line.endswith(" ") for line in lines)
    assert draw.match_report('{"source": "com.orders"}', events).startswith("✘ Event pattern")
    assert "✘" in draw.match_report("{not json", events)


def test_pattern_controls_fill_the_box_with_the_chosen_preset():
    presets = {"orders": {"source": ["com.orders"]}, "text": '{"source": ["x"]}'}
    dropdown, box = draw.pattern_controls(presets)
    assert json.loads(box.value) == presets["orders"]
    dropdown.value = "text"
    assert box.value == presets["text"]
    with pytest.raises(ValueError):
        draw.pattern_controls({})


# -- deliveries --------------------------------------------------------------------------------


def outage():
    world = World(seed=5)
    bridge = EventBridge(world)
    dlq = Queue(world, "dlq")

    def down(event):
        if world.now < 60:
            raise TargetError("ServiceUnavailable", "down")

    world.register(FUNCTION + "down", down)
    bridge.put_rule("r", event_pattern={"source": ["com.orders"]})
    bridge.put_targets(
        "r",
        [
            {"Id": "patient", "Arn": FUNCTION + "down"},
            {
                "Id": "impatient",
                "Arn": FUNCTION + "down",
                "RetryPolicy": {"MaximumRetryAttempts": 1},
                "DeadLetterConfig": {"Arn": dlq.arn},
            },
            {"Id": "nowhere", "Arn": FUNCTION + "missing"},
        ],
    )
    bridge.put_events([entry(), entry()])
    world.run()
    return world


def test_delivery_timeline_has_a_row_per_event_and_target_and_a_legend_per_outcome():
    world = outage()
    fig = draw.delivery_timeline(world.trace, title="outage", time_unit="min")
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 2 * 3
    assert "event 1 → patient" in labels and "event 2 → nowhere" in labels
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {
        "attempt failed",
        "delivered",
        "sent to the dead-letter queue",
        "dropped (no dead-letter queue)",
    }
    assert ax.get_xlabel() == "virtual time (min)"


def test_delivery_timeline_needs_deliveries():
    with pytest.raises(ValueError, match="no deliveries"):
        draw.delivery_timeline(World(seed=1).trace)


def test_fanout_records_feed_the_sequence_diagram():
    world = outage()
    records = draw.fanout_records(world.trace)
    assert [r["kind"] for r in records].count("PutEvents") == 2
    assert all(r["delivered_at"] is not None for r in records)
    assert {r["outcome"] for r in records} == {"delivered", "failed"}
    assert all(r["source"] != "producer" for r in records)
    times = [(r["time"], r["delivered_at"]) for r in records]
    assert times == sorted(times)
    from course_lib.viz import sequence_diagram

    fig = sequence_diagram(records)
    assert len(fig.axes) == 1


# -- schedules and replays ----------------------------------------------------------------------


def test_schedule_plot_draws_a_row_per_rule_with_its_count():
    world = World(seed=2)
    bridge = EventBridge(world)
    fired = {"hourly": [], "daily": []}
    for name, expression in (("hourly", "rate(1 hour)"), ("daily", "cron(0 12 * * ? *)")):
        world.register(
            FUNCTION + name,
            lambda event, name=name: fired[name].append(ev.parse_event_time(event["time"])),
        )
        bridge.put_rule(name, schedule_expression=expression)
        bridge.put_targets(name, [{"Id": name, "Arn": FUNCTION + name}])
    world.run(until=2 * 86_400)
    fig = draw.schedule_plot(fired, start=world.timestamp(0), days=2, title="two days")
    (ax,) = fig.axes
    assert len(ax.collections) == 2
    counts = sorted(t.get_text() for t in ax.texts)
    assert counts == ["2×", "47×"]  # the firing at exactly two days is past the run's end
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hourly", "daily"]
    assert len(ax.get_xticks()) == 2  # two midnights in two days from 09:00
    with pytest.raises(ValueError):
        draw.schedule_plot({}, start=world.timestamp(0), days=1)


def test_arrivals_plot_places_events_in_arrival_order():
    fig = draw.arrivals_plot({"original": ["01", "02", "03"], "replay": ["03", "01"]}, title="t")
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.texts] == ["01", "02", "03", "03", "01"]
    assert list(ax.get_xticks()) == [1, 2, 3]
    with pytest.raises(ValueError):
        draw.arrivals_plot({})


def test_group_order_plot_marks_events_that_overtook_their_group():
    arrivals = {
        "UNORDERED": [(0.0, "A", 1), (1.0, "A", 3), (2.0, "A", 2), (3.0, "B", 1)],
        "FIFO": [(0.0, "A", 1), (1.0, "A", 2), (2.0, "A", 3), (3.0, "B", 1)],
    }
    fig = draw.group_order_plot(arrivals, title="order per group")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].startswith("UNORDERED: 1 event(s) arrived after a later event")
    assert titles[1] == "FIFO: every group in publish order"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["group A", "group B"]
    plt.close(fig)


def test_group_order_plot_needs_arrivals():
    with pytest.raises(ValueError, match="arrivals"):
        draw.group_order_plot({})
