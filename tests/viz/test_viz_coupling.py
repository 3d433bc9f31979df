"""Lesson 02's drawings: each returns a figure with the expected axes, or a diagram."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_lib.coupling import (
    CONTROL,
    assessment_table,
    change_matrix,
    decoupling_cost,
    load_integrations,
    rank_integrations,
    recommend_coupling,
)
from course_lib.viz import coupling as viz

INTEGRATIONS = load_integrations()[:3]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_facet_heatmap_has_one_axes_and_a_cell_per_level():
    table = assessment_table(INTEGRATIONS)
    fig = viz.facet_heatmap(table)
    (ax,) = fig.axes
    assert len(ax.patches) == len(INTEGRATIONS) * len(table["facets"])


def test_facet_profiles_draw_one_bar_group_per_integration():
    table = assessment_table(INTEGRATIONS)
    fig = viz.facet_profiles(table, ["rest-call", "grpc-call"])
    (ax,) = fig.axes
    assert len(ax.containers) == 2
    assert len(ax.patches) == 2 * len(table["facets"])
    with pytest.raises(ValueError, match="carrier"):
        viz.facet_profiles(table, ["carrier"])


def test_change_matrix_chart_marks_every_cell():
    matrix = change_matrix(INTEGRATIONS)
    fig = viz.change_matrix_chart(matrix)
    (ax,) = fig.axes
    marks = [t.get_text() for t in ax.texts if t.get_text().startswith(("✗", "✓"))]
    assert len(marks) == len(INTEGRATIONS) * len(matrix["facets"])
    assert sum(m.startswith("✗") for m in marks) == sum(map(sum, matrix["broke"]))


def test_cost_chart_has_three_panels():
    fig = viz.cost_chart(decoupling_cost(50))
    assert len(fig.axes) == 3
    assert len(fig.axes[0].containers) == 3


def test_control_chart_has_a_cell_per_integration_and_control():
    rankings = {c: rank_integrations(recommend_coupling("full", c), INTEGRATIONS) for c in CONTROL}
    fig = viz.control_chart(rankings, order=[i.name for i in INTEGRATIONS])
    (ax,) = fig.axes
    assert len(ax.patches) == len(INTEGRATIONS) * len(CONTROL)
    assert [t.get_text() for t in ax.get_yticklabels()] == [i.name for i in INTEGRATIONS]


@pytest.mark.parametrize("style", ["call", "queue", "event bus"])
def test_wiring_diagram_renders(style):
    diagram = viz.wiring_diagram(style)
    assert style in diagram.title
    assert diagram.png().startswith(b"\x89PNG")
