"""Lesson 04's drawings: the right number of axes and marks, PNG diagrams, clear errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import course_lib.events as ev
from course_lib.viz import COLORS
from course_lib.viz import events as draw


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def catalogue_examples():
    return [ev.example_event(t.name) for t in ev.event_types()]


def test_business_timeline_draws_every_event_in_its_domain_lane():
    examples = catalogue_examples()
    fig = draw.business_timeline(examples)
    (ax,) = fig.axes
    assert len(ax.collections) == len(examples)
    orders = {e.detail["data"]["order-id"] for e in examples}
    assert len(ax.lines) == len(orders)
    lanes = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert lanes == ["orders", "payments", "kitchen", "delivery"]
    texts = {t.get_text() for t in ax.texts}
    assert {t.name for t in ev.event_types()} <= texts


def test_business_timeline_accepts_dicts_and_refuses_nothing_to_draw():
    fig = draw.business_timeline([e.to_dict() for e in catalogue_examples()[:3]])
    assert len(fig.axes[0].collections) == 3
    with pytest.raises(ValueError, match="at least one event"):
        draw.business_timeline([])


def test_anatomy_lists_every_envelope_field_and_detail_path():
    diagram = draw.anatomy(ev.slide_event())
    for name in ("version", "id", "detail-type", "source", "account", "time", "region"):
        assert f"<B>{name}</B>" in diagram.source
    assert "detail.metadata.idempotency-key" in diagram.source
    assert "detail.metadata.callbackToken" in diagram.source
    assert "detail.data.order-id" in diagram.source
    assert diagram.png().startswith(b"\x89PNG")
    assert repr(diagram) == "<Diagram: Anatomy of a PizzaBaked event>"


def test_anatomy_refuses_something_that_is_not_an_event():
    with pytest.raises(TypeError, match="expected an Event"):
        draw.anatomy(42)


def test_batch_sizes_draws_one_bar_per_entry_and_the_limit():
    entries = [e.to_put_events_entry() for e in catalogue_examples()]
    fig = draw.batch_sizes(entries, 200, failed=[False] * len(entries))
    (ax,) = fig.axes
    assert len(ax.patches) == len(entries)
    assert len(ax.lines) == 1
    assert ax.get_xscale() == "log"
    default = draw.batch_sizes(entries, 200)
    red = [p for p in default.axes[0].patches if to_hex(p.get_facecolor()) == COLORS["red"].lower()]
    assert len(red) == sum(ev.entry_size(e) > 200 for e in entries)


def test_side_effects_draws_two_bars_per_consumer_and_the_facts_line():
    runs = {
        "naive": {"deliveries": 25, "effects": 25, "facts": 20},
        "idempotent": {"deliveries": 25, "effects": 20, "facts": 20},
    }
    fig = draw.side_effects(runs)
    (ax,) = fig.axes
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["naive", "idempotent"]
    assert any(line.get_ydata()[0] == 20 for line in ax.lines)


def test_compatibility_table_has_a_row_per_change():
    old = ev.event_type("PizzaBaked").schema()
    rows = [
        (
            "add",
            ev.compare_schemas(
                old, ev.add_field(old, "data.oven-temperature", {"type": "integer"})
            ),
        ),
        ("rename", ev.compare_schemas(old, ev.rename_field(old, "data.order-id", "orderId"))),
        ("nothing", []),
    ]
    fig = draw.compatibility_table(rows)
    (ax,) = fig.axes
    (table,) = ax.tables
    cells = table.get_celld()
    assert len({row for row, _ in cells}) == len(rows) + 1
    verdicts = [cells[(i, 2)].get_text().get_text() for i in range(1, len(rows) + 1)]
    assert verdicts == ["keep working", "BREAK", "keep working"]


def test_png_returns_bytes_and_closes_the_figure():
    fig = draw.side_effects({"x": {"deliveries": 1, "effects": 1, "facts": 1}})
    data = draw.png(fig)
    assert data.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)


def test_diagrams_render_png():
    assert draw.command_vs_event().png().startswith(b"\x89PNG")
    observable = draw.directed_vs_observable("orders", ["kitchen", "loyalty"])
    assert observable.png().startswith(b"\x89PNG")
    assert observable.source.count("call ") == 2 and observable.source.count("rule of ") == 2
    with pytest.raises(ValueError, match="at least one consumer"):
        draw.directed_vs_observable("orders", [])


def test_business_timeline_names_each_order_outcome_in_the_legend():
    examples = catalogue_examples()
    fig = draw.business_timeline(examples, outcomes={"1073459984": "delivered"})
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "order 1073459984: delivered" in labels
    assert "order 1073459985" in labels


def test_compatibility_table_adds_the_backward_column():
    old = ev.event_type("OrderCreated").schema()
    new = ev.add_field(old, "data.coupon", {"type": "string"}, required=True)
    fig = draw.compatibility_table(
        [("required coupon", ev.compare_schemas(old, new))],
        backward=[ev.compare_schemas(new, old)],
    )
    texts = [c.get_text().get_text() for c in fig.axes[0].tables[0].get_celld().values()]
    assert texts.count("keep working") == 1 and texts.count("BREAK") == 1
    with pytest.raises(ValueError, match="one list of changes per row"):
        draw.compatibility_table([("x", [])], backward=[])


def test_event_driven_architecture_routes_every_producer_through_a_router():
    source = draw.event_driven_architecture().source
    for producer in ("orders", "payments", "s3"):
        for consumer in ("kitchen", "delivery", "analytics", "email"):
            assert f"{producer} -> {consumer}" not in source
    assert "orders -> bus" in source
