"""Lesson 03's drawings: each returns a figure with the expected axes and lines, or a diagram."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_lib.messaging import (
    add_consumers,
    availability_experiment,
    backlog_experiment,
    exchange_latencies,
    exchange_trace,
)
from course_lib.viz import messaging as viz


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def runs():
    return {k: availability_experiment(k, days=1, seed=1) for k in (1, 3)}


def test_availability_chart_has_two_panels(runs):
    fig = viz.availability_chart(runs)
    left, right = fig.axes
    assert len(left.lines) == 5  # a^k, a^2, sync, async accepted, async processed
    assert len(right.lines) == 8  # 4 percentiles x 2 modes
    assert right.get_yscale() == "log"


def test_chain_bars_draws_three_bars_and_two_predictions(runs):
    fig = viz.chain_bars(runs[3])
    (ax,) = fig.axes
    assert len(ax.patches) == 3
    assert len(ax.lines) == 2


def test_backlog_chart_has_one_panel_per_experiment():
    results = {
        "short": backlog_experiment(outage_s=3600, max_event_age_s=1800, horizon_s=4 * 3600),
        "long": backlog_experiment(outage_s=7200, max_event_age_s=1800, horizon_s=4 * 3600),
    }
    fig = viz.backlog_chart(results)
    assert len(fig.axes) == 2
    assert all(len(ax.lines) == 3 for ax in fig.axes)  # max age marker, backlog, DLQ
    single = viz.backlog_chart({"one": results["short"]})
    assert len(single.axes) == 1


def test_latency_distributions_draws_three_curves():
    fig = viz.latency_distributions(exchange_latencies(50))
    (ax,) = fig.axes
    assert len(ax.lines) == 3
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize("style", ["request_response", "fire_and_forget"])
def test_exchange_sequence_draws_the_messages_and_the_blocked_caller(style):
    trace = exchange_trace(style)
    fig = viz.exchange_sequence(trace, title=style)
    (ax,) = fig.axes
    assert len(ax.patches) >= 2  # the caller's bar and at least one work bar
    assert any("blocked" in t.get_text() for t in ax.texts)
    if style == "fire_and_forget":
        assert any(t.get_text() == "processed" for t in ax.texts)


def test_producer_changes_chart_has_one_line_per_wiring():
    fig = viz.producer_changes_chart(add_consumers())
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert list(ax.lines[1].get_ydata()) == [0, 0, 0, 0]


def test_wiring_and_chain_diagrams_render():
    added = add_consumers(added=("payments",))
    for step in (added["command"]["steps"][-1], added["event"]["steps"][-1]):
        diagram = viz.wiring_diagram(step)
        assert step.wiring in ("command", "event")
        assert diagram.png().startswith(b"\x89PNG")
    for mode in ("sync", "async"):
        assert viz.chain_diagram(2, mode).png().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="mode"):
        viz.chain_diagram(2, "carrier-pigeon")


def test_png_returns_png_bytes(runs):
    assert viz.png(viz.chain_bars(runs[1])).startswith(b"\x89PNG")
