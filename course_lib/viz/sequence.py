"""Sequence diagrams and timelines drawn from a simulation's message trace.

Both take the records a :class:`course_lib.sim.World` keeps (or dicts with the same
keys: ``time``, ``source``, ``target``, ``kind``, ``delivered_at``, ``outcome``), so
any lesson's run can be drawn the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from course_lib.viz.style import COLORS, figure

_OUTCOME_COLORS = {
    "delivered": COLORS["blue"],
    "lost": COLORS["red"],
    "duplicate": COLORS["orange"],
    "tampered": COLORS["purple"],
    "failed": COLORS["red"],
}


def _field(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def _participants(records: Sequence[Any], order: Sequence[str] | None) -> list[str]:
    if order:
        return list(order)
    seen: list[str] = []
    for record in records:
        for who in (_field(record, "source"), _field(record, "target")):
            if who not in seen:
                seen.append(who)
    return seen


def sequence_diagram(
    records: Iterable[Any],
    *,
    participants: Sequence[str] | None = None,
    title: str = "",
    time_unit: str = "ms",
):
    """Draw messages as arrows between vertical lifelines, time flowing down.

    A lost message ends in a red cross halfway; a record from a participant to itself is
    a local step, drawn as a dot. Labels show the message kind.
    Returns the matplotlib figure.
    """
    records = list(records)
    names = _participants(records, participants)
    scale = {"s": 1.0, "ms": 1000.0}[time_unit]
    fig, ax = figure(width=max(6.0, 1.9 * len(names)), height=max(3.0, 0.45 * len(records) + 1.5))
    x = {name: i for i, name in enumerate(names)}
    end = max([(_field(r, "delivered_at") or _field(r, "time")) for r in records] or [0.0]) * scale
    for name, xi in x.items():
        ax.plot([xi, xi], [0, end * 1.05 + 1e-9], color=COLORS["grey"], lw=1, zorder=1)
        ax.text(xi, -0.02 * (end or 1), name, ha="center", va="bottom", fontweight="bold")
    for record in records:
        src, dst = x[_field(record, "source")], x[_field(record, "target")]
        sent = _field(record, "time") * scale
        outcome = _field(record, "outcome", "delivered")
        arrived = _field(record, "delivered_at")
        color = _OUTCOME_COLORS.get(outcome, COLORS["blue"])
        label = str(_field(record, "kind", ""))
        if src == dst:  # a step inside one participant, not a message
            ax.plot([src], [sent], marker="o", color=color, markersize=6, zorder=3)
            ax.text(src + 0.06, sent, label, ha="left", va="center", fontsize=8, color=color)
            continue
        if arrived is None:
            mid_x, mid_y = (src + dst) / 2, sent + 0.02 * (end or 1)
            ax.annotate(
                "",
                xy=(mid_x, mid_y),
                xytext=(src, sent),
                arrowprops={"arrowstyle": "-", "color": color, "lw": 1.5},
            )
            ax.plot([mid_x], [mid_y], marker="x", color=color, markersize=10, mew=2)
        else:
            ax.annotate(
                "",
                xy=(dst, arrived * scale),
                xytext=(src, sent),
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5},
            )
        ax.text((src + dst) / 2, sent, label, ha="center", va="bottom", fontsize=8, color=color)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.set_ylabel(f"virtual time ({time_unit})")
    ax.grid(False)
    ax.spines["bottom"].set_visible(False)
    if title:
        ax.set_title(title, pad=22)
    fig.tight_layout()
    return fig


def timeline(
    spans: Iterable[Mapping[str, Any]],
    *,
    title: str = "",
    time_unit: str = "s",
    color_by: str = "state",
):
    """Draw horizontal bars, one row per ``lane``, from ``start`` to ``end``.

    ``spans`` are dicts with ``lane``, ``start``, ``end`` and an optional category
    (``color_by``, default ``state``) that picks the bar's colour.
    """
    spans = list(spans)
    scale = {"s": 1.0, "ms": 1000.0, "min": 1 / 60, "h": 1 / 3600}[time_unit]
    lanes: list[str] = []
    for span in spans:
        if span["lane"] not in lanes:
            lanes.append(span["lane"])
    categories = sorted({str(span.get(color_by, "")) for span in spans})
    palette = list(COLORS.values())
    colors = {c: palette[i % len(palette)] for i, c in enumerate(categories)}
    fig, ax = figure(width=9.0, height=max(2.0, 0.35 * len(lanes) + 1.2))
    for span in spans:
        y = lanes.index(span["lane"])
        start, end = span["start"] * scale, span["end"] * scale
        category = str(span.get(color_by, ""))
        ax.barh(y, end - start, left=start, height=0.6, color=colors[category], label=category)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    if len(unique) > 1:
        ax.legend(unique.values(), unique.keys(), loc="upper right", ncols=min(4, len(unique)))
    ax.set_yticks(range(len(lanes)), lanes)
    ax.invert_yaxis()
    ax.set_xlabel(f"virtual time ({time_unit})")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
