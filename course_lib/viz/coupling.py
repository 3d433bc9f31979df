"""Drawings for lesson 02, coupling.

Each function takes data returned by :mod:`course_lib.coupling` (an assessment table, a
change matrix, a decoupling cost, recommendations) and returns a matplotlib figure or a
:class:`~course_lib.viz.graphs.Diagram`; nothing here computes what it draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from course_lib.viz.graphs import Diagram
from course_lib.viz.style import COLORS, figure

#: One colour per coupling level: 0 loose, 1 medium, 2 tight.
LEVEL_COLORS = {0: "#CFE8DC", 1: "#F6DFA4", 2: "#F1B9A0"}
LEVEL_NAMES = {0: "loose", 1: "medium", 2: "tight"}
_FONT = "Helvetica"


def _facet_label(facet: str) -> str:
    return facet.replace("_", " ")


def _grid(ax, rows: Sequence[str], columns: Sequence[str]) -> None:
    ax.set_xticks(range(len(columns)), [_facet_label(c) for c in columns], rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def facet_heatmap(table: Mapping[str, Any], *, title: str = "Coupling, facet by facet"):
    """Integrations (rows) against facets (columns), coloured and labelled by level.

    ``table`` is :func:`course_lib.coupling.assessment_table`'s result; each row's total
    is printed at its right. Returns the figure.
    """
    rows, facets, levels = table["integrations"], table["facets"], table["levels"]
    fig, ax = figure(width=10.0, height=0.5 * len(rows) + 2.2)
    for i, row in enumerate(levels):
        for j, level in enumerate(row):
            ax.add_patch(
                _cell(j, i, LEVEL_COLORS[level]),
            )
            ax.text(j, i, LEVEL_NAMES[level], ha="center", va="center", fontsize=8.5)
        ax.text(len(facets) - 0.3, i, f"{table['totals'][i]}", ha="left", va="center")
    ax.text(len(facets) - 0.3, -0.75, "total", ha="left", va="center", fontweight="bold")
    _grid(ax, rows, facets)
    ax.set_xlim(-0.5, len(facets) + 0.3)
    ax.set_title(title, pad=14)
    fig.tight_layout()
    return fig


def _cell(x: float, y: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.45), 0.96, 0.9, color=color, lw=0)


def facet_profiles(
    table: Mapping[str, Any],
    names: Sequence[str],
    *,
    title: str = "Coupling profiles, facet by facet",
):
    """Grouped bars: the level of each facet for the integrations called ``names``."""
    index = {name: i for i, name in enumerate(table["integrations"])}
    missing = [n for n in names if n not in index]
    if missing:
        raise ValueError(f"names: not in the table: {missing}")
    facets = table["facets"]
    fig, ax = figure(width=10.0, height=3.8)
    width = 0.8 / len(names)
    palette = [COLORS[c] for c in ("blue", "orange", "green", "purple", "sky")]
    for n, name in enumerate(names):
        levels = table["levels"][index[name]]
        xs = [j - 0.4 + width * (n + 0.5) for j in range(len(facets))]
        total = table["totals"][index[name]]
        ax.bar(
            xs,
            [level + 0.08 for level in levels],
            width=width * 0.92,
            bottom=-0.08,
            color=palette[n % len(palette)],
            label=f"{name} (total {total})",
        )
    ax.set_xticks(range(len(facets)), [_facet_label(f) for f in facets], rotation=30, ha="right")
    ax.set_yticks([0, 1, 2], ["0 loose", "1 medium", "2 tight"])
    ax.set_ylim(-0.1, 2.6)
    ax.set_ylabel("coupling level")
    ax.legend(loc="upper left", ncols=len(names))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def change_matrix_chart(
    matrix: Mapping[str, Any], *, title: str = "One change per facet: who breaks?"
):
    """A grid of ✗ (the change broke the integration) and ✓ (it did not).

    ``matrix`` is :func:`course_lib.coupling.change_matrix`'s result; the column labels
    name the facet the change probes. Returns the figure.
    """
    rows, facets, broke = matrix["integrations"], matrix["facets"], matrix["broke"]
    fig, ax = figure(width=10.0, height=0.5 * len(rows) + 2.2)
    for i, row in enumerate(broke):
        for j, failed in enumerate(row):
            color = LEVEL_COLORS[2] if failed else LEVEL_COLORS[0]
            ax.add_patch(_cell(j, i, color))
            mark, tone = ("✗ breaks", COLORS["red"]) if failed else ("✓ fine", COLORS["green"])
            ax.text(j, i, mark, ha="center", va="center", fontsize=8.5, color=tone)
        ax.text(len(facets) - 0.3, i, f"{sum(row)}", ha="left", va="center")
    ax.text(len(facets) - 0.3, -0.75, "broken", ha="left", va="center", fontweight="bold")
    _grid(ax, rows, facets)
    ax.set_xlim(-0.5, len(facets) + 0.5)
    ax.set_title(title, pad=14)
    fig.tight_layout()
    return fig


_PATH_COLORS = {"direct": COLORS["blue"], "queue": COLORS["orange"], "bus": COLORS["green"]}


def cost_chart(cost: Mapping[str, Any], *, title: str = "What decoupling costs"):
    """Three panels: how long the producer waits, how long the consumer's view lags
    behind (both p50, p90, p99 in ms), and how many components each path has.

    ``cost`` is :func:`course_lib.coupling.decoupling_cost`'s result.
    """
    fig, axes = figure(width=11.0, height=3.8, ncols=3)
    paths = list(cost)
    quantiles = ("p50", "p90", "p99")
    width = 0.8 / len(paths)
    for ax, key, label in (
        (axes[0], "producer_wait_s", "producer is blocked (ms)"),
        (axes[1], "consistency_window_s", "consumer's view lags (ms)"),
    ):
        for n, path in enumerate(paths):
            xs = [q - 0.4 + width * (n + 0.5) for q in range(len(quantiles))]
            values = [cost[path][key][q] * 1000 for q in quantiles]
            ax.bar(
                xs,
                values,
                width=width * 0.92,
                color=_PATH_COLORS.get(path, COLORS["grey"]),
                label=path,
            )
        ax.set_xticks(range(len(quantiles)), quantiles)
        ax.set_title(label, fontsize=11)
    axes[0].legend(loc="upper left")
    parts = [cost[path]["moving_parts"] for path in paths]
    axes[2].bar(paths, parts, color=[_PATH_COLORS.get(p, COLORS["grey"]) for p in paths])
    for x, value in enumerate(parts):
        axes[2].text(x, value + 0.1, str(value), ha="center", va="bottom")
    axes[2].set_ylim(0, max(parts) + 1.2)
    axes[2].set_title("components to build and run", fontsize=11)
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def control_chart(
    rankings: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    order: Sequence[str] | None = None,
    title: str = "Facets tighter than the control allows",
):
    """Integrations (rows) against control levels (columns): how many facets are too tight.

    ``rankings`` maps a control level (``"full"``, ``"shared"``, ``"none"``) to
    :func:`course_lib.coupling.rank_integrations`'s list for that level; ``order`` sets
    the rows (default: alphabetical).
    """
    controls = list(rankings)
    found = sorted({fit["integration"] for ranked in rankings.values() for fit in ranked})
    names = found if order is None else [name for name in order if name in found]
    counts = {
        (control, fit["integration"]): len(fit["too_tight"])
        for control, ranked in rankings.items()
        for fit in ranked
    }
    fig, ax = figure(width=7.0, height=0.45 * len(names) + 1.8)
    for i, name in enumerate(names):
        for j, control in enumerate(controls):
            count = counts[(control, name)]
            color = LEVEL_COLORS[0] if count == 0 else LEVEL_COLORS[1 if count <= 2 else 2]
            ax.add_patch(_cell(j, i, color))
            ax.text(j, i, "fits" if count == 0 else str(count), ha="center", va="center")
    ax.set_xticks(range(len(controls)), [f"control: {c}" for c in controls])
    ax.set_yticks(range(len(names)), names)
    ax.set_xlim(-0.5, len(controls) - 0.5)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.xaxis.tick_top()
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, pad=8)
    fig.tight_layout()
    return fig


def wiring_diagram(style: str, *, title: str | None = None) -> Diagram:
    """The running example: the order service reaching billing directly or via a channel.

    ``style`` is ``"call"`` or the name of a channel (``"queue"``, ``"event bus"``,
    ``"database"``, ...).
    """
    lines = [
        "digraph wiring {",
        '  rankdir=LR; bgcolor="white";',
        f'  node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="{_FONT}"];',
        f'  edge [fontname="{_FONT}", fontsize=10];',
        '  orders [label="order service\\n(sender)"];',
        '  billing [label="billing service\\n(receiver)"];',
    ]
    if style == "call":
        lines.append('  orders -> billing [label="call, wait for reply"];')
        lines.append('  billing -> orders [label="result", style=dashed];')
    else:
        lines.append(f'  channel [label="{style}", shape=cylinder, fillcolor="#EEEEEE"];')
        lines.append('  orders -> channel [label="write"];')
        lines.append('  channel -> billing [label="read when ready"];')
    lines.append("}")
    return Diagram("\n".join(lines), title or f"order service to billing via {style}")
