"""Lesson 01's drawings: the expected axes, lines and bars; diagrams render to PNG."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_lib import fallacies
from course_lib.viz import fallacies as draw


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_human_units():
    assert draw.human_bytes(1024) == "1 KB"
    assert draw.human_bytes(262_144) == "256 KB"
    assert draw.human_bytes(1_048_576) == "1 MB"
    assert draw.human_bytes(65_537) == "65,537 B"
    assert draw.human_bytes(512) == "512 B"
    assert draw.human_seconds(0.15) == "150 ms"
    assert draw.human_seconds(5e-10) == "0.5 ns"
    assert draw.human_seconds(15.0) == "15 s"


def test_success_vs_hops_draws_a_line_and_dots_per_loss_rate():
    series = {f"p = {p}": fallacies.lossy_hops(max_hops=4, loss=p, messages=50) for p in (0.1, 0.2)}
    (ax,) = draw.success_vs_hops(series).axes
    assert len(ax.lines) == 4
    assert all(len(line.get_xdata()) == 4 for line in ax.lines)
    (single,) = draw.success_vs_hops(fallacies.lossy_hops(max_hops=3, messages=20)).axes
    assert len(single.lines) == 2


def test_latency_numbers_is_one_bar_per_row_on_a_log_scale():
    (ax,) = draw.latency_numbers(fallacies.LATENCY_NUMBERS).axes
    assert len(ax.patches) == len(fallacies.LATENCY_NUMBERS)
    assert ax.get_xscale() == "log"


def test_latency_numbers_has_a_grid_line_per_power_of_ten_in_time_units():
    fig = draw.latency_numbers(fallacies.LATENCY_NUMBERS)
    fig.canvas.draw()
    (ax,) = fig.axes
    ticks = [t for t in ax.get_xticks() if 1e-10 <= t <= 3.0]
    assert all(abs(b / a - 10) < 1e-9 for a, b in itertools.pairwise(ticks))
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "1 ms" in labels and "100 ns" in labels


def test_chatty_vs_batched_has_a_bar_per_link_and_style():
    rows = fallacies.chatty_vs_batched(items=20, batch_size=5)
    (ax,) = draw.chatty_vs_batched(rows).axes
    assert len(ax.patches) == len(rows) == 4
    assert ax.get_yscale() == "log"


def test_payload_transfer_draws_two_lines_and_a_line_per_limit():
    rows = fallacies.payload_transfer([1024, 2_000_000])
    limits = {"old": 262_144, "new": 1_048_576}
    (ax,) = draw.payload_transfer(rows, limits=limits).axes
    assert len(ax.lines) == 2 + len(limits)
    (plain,) = draw.payload_transfer(rows).axes
    assert len(plain.lines) == 2


def test_tampering_has_four_bars():
    result = fallacies.tampering_proxy(messages=50, tamper=0.2)
    (ax,) = draw.tampering(result).axes
    assert [p.get_width() for p in ax.patches] == [
        50,
        result.tampered,
        result.accepted_corrupt_without_check,
        0,
    ]


def test_endpoint_move_shows_every_request_in_its_client_row():
    rows = fallacies.endpoint_move(requests=6, move_at=3.0)
    (ax,) = draw.endpoint_move(rows, move_at=3.0).axes
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(rows)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hard-coded", "discovered"]
    assert len(ax.lines) == 1


def test_configuration_drift_has_two_panels_with_a_line_per_setup():
    series = {
        "drift": fallacies.configuration_drift(days=5),
        "central": fallacies.configuration_drift(days=5, centralized=True),
    }
    fig = draw.configuration_drift(series)
    assert len(fig.axes) == 2
    assert all(len(ax.lines) == 2 for ax in fig.axes)
    # One legend for the figure, below the panels, where it cannot cover a line.
    assert all(ax.get_legend() is None for ax in fig.axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["drift", "central"]


def test_transport_cost_has_two_bars_per_size():
    rows = fallacies.transport_cost([512, 65_537], requests=1000)
    (ax,) = draw.transport_cost(rows, requests=1000).axes
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["512 B", "65,537 B"]


def test_heterogeneous_clients_has_two_bars_per_profile():
    rows = fallacies.heterogeneous_clients(payload_bytes=4000, messages=10)
    (ax,) = draw.heterogeneous_clients(rows, payload_bytes=4000).axes
    assert len(ax.patches) == 2 * len(rows)


def test_float64_gaps_marks_every_id():
    rows = fallacies.float_id_precision()
    (ax,) = draw.float64_gaps(rows).axes
    markers = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_xdata())]
    assert len(markers) == len(rows)


def test_backoff_comparison_is_two_panels_with_a_line_per_algorithm():
    rows = fallacies.backoff_experiment([2, 4, 6], runs=2)
    fig = draw.backoff_comparison(rows)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(ax.lines) == len(fallacies.BACKOFF_NAMES)
        assert all(list(line.get_xdata()) == [2, 4, 6] for line in ax.lines)
    assert fig.axes[1].get_yscale() == "log"
    assert draw.backoff_comparison(rows, log_time=False).axes[1].get_yscale() == "linear"
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[2] == "full jitter"


def test_amplification_has_a_bar_per_layer_and_setup():
    results = {
        "plain": fallacies.retry_amplification(layers=3, attempts=2),
        "quota": fallacies.retry_amplification(layers=3, attempts=2, token_bucket=True),
    }
    (ax,) = draw.amplification(results).axes
    assert len(ax.patches) == 6
    assert sorted(p.get_height() for p in ax.patches)[-1] == 8


def test_retry_outcomes_stacks_three_parts():
    summary = {"requests": 10, "first_try": 6, "after_retries": 3, "failed": 1, "calls": 15}
    fig = draw.retry_outcomes(summary)
    (ax,) = fig.axes
    assert [p.get_width() for p in ax.patches] == [6, 3, 1]
    assert "1.50 per request" in ax.get_title()
    assert draw.figure_png(fig).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "diagram",
    [draw.fallacies_map(), draw.claim_check_diagram(), draw.layers_diagram(4, 2)],
)
def test_diagrams_render_png_with_a_stable_text_form(diagram):
    assert diagram.png().startswith(b"\x89PNG")
    assert "0x" not in repr(diagram)


def test_layers_diagram_counts_calls_per_layer():
    source = draw.layers_diagram(layers=5, attempts=3).source
    assert "= 243 calls" in source and source.count("->") == 5


def test_retry_modes_chart_has_load_and_outcome_panels():
    rows = fallacies.retry_modes_outage(duration=60.0, outage=(10.0, 30.0))
    fig = draw.retry_modes(rows)
    load, outcome = fig.axes
    assert [bar.get_height() for bar in load.patches] == [
        row["attempts_during_outage"] for row in rows
    ]
    assert len(outcome.patches) == 3
    assert "2026 default" in load.get_xticklabels()[-1].get_text()
    assert draw.figure_png(fig)[:4] == b"\x89PNG"
