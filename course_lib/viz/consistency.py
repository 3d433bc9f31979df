"""Pictures for lesson 08: replication timelines, PBS curves, operation histories, counts.

Every function takes what a ``course_lib.consistency`` simulation returned and gives
back a matplotlib figure; the notebook ends the cell with ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from course_lib.viz.style import COLORS, figure

#: Bailis et al. (VLDB 2012): probability of a consistent read right after commit,
#: N=3, R=W=1, for the fitted production latencies.
PBS_PAPER_T0 = {"LNKD-SSD": 0.974, "LNKD-DISK": 0.439, "YMMR": 0.893, "WAN": 0.33}

_CONFIG_COLORS = {
    "LNKD-SSD": COLORS["blue"],
    "LNKD-DISK": COLORS["orange"],
    "YMMR": COLORS["green"],
    "WAN": COLORS["red"],
}
_KIND_COLORS = {"write": COLORS["orange"], "read": COLORS["blue"], "cas": COLORS["purple"]}


def _field(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


# -- strong vs eventual: the window of inconsistency ---------------------------------------
def read_freshness(history: Iterable[Any]) -> list[tuple[Any, bool]]:
    """Each read of ``history`` with True when it returned the latest write completed
    before the read began (fresh), False when it returned something older (stale)."""
    operations = sorted(history, key=lambda op: (op.invoke, op.complete or 0.0))
    writes = [op for op in operations if op.kind == "write" and op.complete is not None]
    judged = []
    for op in operations:
        if op.kind != "read":
            continue
        done = [w for w in writes if w.key == op.key and w.complete <= op.invoke]
        expected = max(done, key=lambda w: w.complete).value if done else None
        judged.append((op, op.value == expected))
    return judged


def inconsistency_window(history: Iterable[Any]) -> tuple[float, float] | None:
    """``(start, end)`` in seconds: from the last write's commit until every replica
    read after it is fresh again; None when no read was stale."""
    history = list(history)
    judged = read_freshness(history)
    stale = [op for op, fresh in judged if not fresh]
    if not stale:
        return None
    writes = [op for op in history if op.kind == "write" and op.complete is not None]
    start = max((w.complete for w in writes if w.complete <= stale[0].invoke), default=0.0)
    end = start
    for replica in sorted({op.replica for op, _ in judged}, key=str):
        reads = [(op, fresh) for op, fresh in judged if op.replica == replica]
        last_stale = max((op.invoke for op, fresh in reads if not fresh), default=None)
        if last_stale is None:
            continue
        later = [op.invoke for op, fresh in reads if fresh and op.invoke > last_stale]
        end = max(end, min(later) if later else last_stale)
    return start, end


def replication_timeline(history: Iterable[Any], *, title: str = "", time_unit: str = "ms"):
    """One lane per replica: the write on the leader, every read as a dot (green fresh,
    red stale), and the window of inconsistency shaded. Returns the figure."""
    history = list(history)
    scale = {"s": 1.0, "ms": 1000.0}[time_unit]
    judged = read_freshness(history)
    lanes = sorted({op.replica for op in history if op.replica}, key=lambda r: (r != "leader", r))
    fig, ax = figure(width=9.0, height=1.2 + 0.7 * len(lanes))
    y = {lane: i for i, lane in enumerate(lanes)}
    window = inconsistency_window(history)
    if window is not None:
        start, end = window
        ax.axvspan(
            start * scale,
            end * scale,
            color=COLORS["yellow"],
            alpha=0.35,
            label=f"window of inconsistency ({(end - start) * scale:.0f} {time_unit})",
        )
    for op in history:
        if op.kind == "write" and op.replica in y and op.complete is not None:
            ax.barh(
                y[op.replica],
                max((op.complete - op.invoke) * scale, 1e-9),
                left=op.invoke * scale,
                height=0.5,
                color=COLORS["orange"],
            )
            ax.annotate(
                "write",
                (op.complete * scale, y[op.replica]),
                xytext=(4, 8),
                textcoords="offset points",
                fontsize=9,
                color=COLORS["orange"],
            )
    for fresh, color, label in (
        (True, COLORS["green"], "read: latest value"),
        (False, COLORS["red"], "read: stale value"),
    ):
        xs = [op.invoke * scale for op, ok in judged if ok is fresh and op.replica in y]
        ys = [y[op.replica] for op, ok in judged if ok is fresh and op.replica in y]
        if xs:
            marker = "o" if fresh else "X"
            ax.scatter(xs, ys, color=color, marker=marker, s=45, zorder=3, label=label)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlabel(f"virtual time ({time_unit})")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=3)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# -- how eventual is eventual: PBS ----------------------------------------------------------
def _curve_label(curve: Any, vary: set[str]) -> str:
    parts = []
    if "config" in vary:
        parts.append(curve.config)
    for name in ("n", "r", "w"):
        if name in vary:
            parts.append(f"{name.upper()}={getattr(curve, name)}")
    return ", ".join(parts) or curve.config


def pbs_curves(
    curves: Sequence[Any],
    *,
    paper: Mapping[str, float] | None = None,
    target: float | None = 0.999,
    title: str = "",
):
    """Probability of a consistent read against the wait after commit (ms), one line per
    :class:`~course_lib.consistency.PBSCurve`; ``paper`` marks published values at t=0
    (black crosses), ``target`` draws a dashed horizontal line. Returns the figure."""
    curves = list(curves)
    if not curves:
        raise ValueError("curves: give at least one PBSCurve")
    vary = {
        name for name in ("config", "n", "r", "w") if len({getattr(c, name) for c in curves}) > 1
    }
    fig, ax = figure(width=8.5, height=4.4)
    palette = list(COLORS.values())
    for i, curve in enumerate(curves):
        color = (
            _CONFIG_COLORS.get(curve.config, palette[i % len(palette)])
            if vary <= {"config"}
            else palette[i % len(palette)]
        )
        ax.plot(
            curve.t_ms,
            [100 * p for p in curve.probability],
            color=color,
            lw=2,
            label=_curve_label(curve, vary),
        )
    if paper:
        shown = [c.config for c in curves]
        points = [(name, value) for name, value in paper.items() if name in shown]
        if points:
            ax.plot(
                [0.0] * len(points),
                [100 * value for _, value in points],
                linestyle="none",
                marker="x",
                markersize=9,
                mew=2,
                color="black",
                label="paper, t = 0",
                zorder=4,
                clip_on=False,
            )
    if target is not None:
        ax.axhline(100 * target, color=COLORS["grey"], lw=1, ls="--")
        ax.annotate(
            f"{100 * target:g} %",
            (0, 100 * target),
            xycoords=("axes fraction", "data"),
            xytext=(30, 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=9,
            color=COLORS["grey"],
        )
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(-0.1, max(max(c.t_ms) for c in curves))
    ax.set_ylim(0, 106)
    ax.set_xlabel("time since the write committed (ms, log scale after 1 ms)")
    ax.set_ylabel("consistent reads (%)")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def k_staleness_bars(probabilities: Mapping[int, float], *, title: str = ""):
    """Bars of the probability of reading one of the last ``k`` versions, by ``k``."""
    ks = sorted(probabilities)
    fig, ax = figure(width=6.5, height=3.4)
    values = [100 * probabilities[k] for k in ks]
    ax.bar([str(k) for k in ks], values, color=COLORS["sky"])
    for i, value in enumerate(values):
        ax.annotate(
            f"{value:.1f} %",
            (i, value),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    ax.set_ylim(0, 110)
    ax.set_xlabel("k (how many versions back we tolerate)")
    ax.set_ylabel("reads within k versions (%)")
    ax.grid(axis="x", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# -- linearizability: operation histories --------------------------------------------------
def _op_label(op: Any) -> str:
    if op.kind == "write":
        return f"w({op.value!r})"
    if op.kind == "read":
        return f"r → {op.value!r}"
    expected, new = op.value
    return f"cas({expected!r}→{new!r}) {'ok' if op.ok else 'fail'}"


def history_diagram(operations: Iterable[Any], result: Any = None, *, title: str = ""):
    """One lane per process, one bar per operation from call to return (a pending
    operation fades out to the right). With a linearizability ``result``, linearizable
    operations carry their position in the order found; a failed check paints the
    operation that could not be placed red. Returns the figure."""
    operations = list(operations)
    if not operations:
        raise ValueError("operations: the history is empty")
    processes: list[Any] = []
    for op in sorted(operations, key=lambda op: op.invoke):
        if op.process not in processes:
            processes.append(op.process)
    ends = [op.complete for op in operations if op.complete is not None]
    horizon = max(ends + [op.invoke for op in operations])
    span = horizon - min(op.invoke for op in operations) or 1.0
    order: dict[int, int] = {}
    failed = None
    if result is not None:
        for position, op in enumerate(result.order or [], start=1):
            order[id(op)] = position
        failed = result.failed_operation
    fig, ax = figure(width=8.5, height=1.3 + 0.8 * len(processes))
    for op in operations:
        lane = processes.index(op.process)
        end = op.complete if op.complete is not None else horizon + 0.15 * span
        culprit = failed is not None and op == failed
        color = COLORS["red"] if culprit else _KIND_COLORS[op.kind]
        ax.barh(
            lane,
            max(end - op.invoke, 0.02 * span),
            left=op.invoke,
            height=0.45,
            color=color,
            alpha=0.45 if op.complete is None else 0.9,
            hatch="//" if op.complete is None else None,
            edgecolor="black" if culprit else "white",
            linewidth=2 if culprit else 0.5,
        )
        label = _op_label(op) + ("  ✗ cannot be placed" if culprit else "")
        if id(op) in order:
            label = f"{order[id(op)]}. {label}"
        ax.text((op.invoke + end) / 2, lane - 0.32, label, ha="center", va="bottom", fontsize=9)
    ax.set_yticks(range(len(processes)), [str(p) for p in processes])
    ax.set_ylim(len(processes) - 0.5, -0.9)
    ax.set_xlabel("time")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    elif result is not None:
        ax.set_title("linearizable" if result.linearizable else "not linearizable")
    fig.tight_layout()
    return fig


# -- counts: session guarantees, sagas -------------------------------------------------------
def session_violations(reports: Sequence[Any], *, title: str = ""):
    """Two panels per :class:`~course_lib.consistency.SessionReport`: the violations of
    read-your-writes and of monotonic reads, and the mean read latency. Returns the figure."""
    reports = list(reports)
    if not reports:
        raise ValueError("reports: give at least one SessionReport")
    fig, (left, right) = figure(width=10.0, height=3.8, ncols=2)
    names = [r.strategy for r in reports]
    x = list(range(len(reports)))
    ryw = [r.read_your_writes_violations for r in reports]
    mono = [r.monotonic_read_violations for r in reports]
    width = 0.38
    left.bar([i - width / 2 for i in x], ryw, width, color=COLORS["red"], label="read-your-writes")
    left.bar(
        [i + width / 2 for i in x], mono, width, color=COLORS["purple"], label="monotonic reads"
    )
    for i in x:
        for dx, value in ((-width / 2, ryw[i]), (width / 2, mono[i])):
            left.annotate(
                str(value),
                (i + dx, value),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    left.set_xticks(x, names)
    left.set_ylabel("reads that broke the guarantee")
    left.set_title("violations")
    left.legend(loc="upper right")
    left.grid(axis="x", visible=False)
    right.bar(x, [r.mean_read_latency_ms for r in reports], color=COLORS["sky"])
    right.set_xticks(x, names)
    right.set_ylabel("mean read latency (ms)")
    right.set_title("what it costs")
    right.grid(axis="x", visible=False)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def outcome_bars(counts: Mapping[str, Mapping[str, int]], *, title: str = ""):
    """Horizontal stacked bars, one per row label, of ``committed``/``compensated``/
    ``violation`` counts (e.g. ``{"saga": report.as_dict(), ...}``). Returns the figure."""
    if not counts:
        raise ValueError("counts: give at least one row of outcomes")
    colors = {
        "committed": COLORS["green"],
        "compensated": COLORS["sky"],
        "violation": COLORS["red"],
    }
    rows = list(counts)
    fig, ax = figure(width=8.5, height=1.2 + 0.7 * len(rows))
    for outcome, color in colors.items():
        lefts = [
            sum(counts[row].get(o, 0) for o in list(colors)[: list(colors).index(outcome)])
            for row in rows
        ]
        values = [counts[row].get(outcome, 0) for row in rows]
        ax.barh(range(len(rows)), values, left=lefts, color=color, label=outcome, height=0.55)
        for i, (left, value) in enumerate(zip(lefts, values, strict=True)):
            if value:
                ax.text(left + value / 2, i, f"{value:,}", ha="center", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlabel("orders")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=3)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# -- sagas: the state machine ------------------------------------------------------------------
def saga_graph(definition: Any, execution: Any = None, *, title: str = "the order saga"):
    """The saga's state machine as :func:`course_lib.stepfunctions.to_dot` draws it, with
    the path of ``execution`` highlighted. Returns a Diagram."""
    from course_lib.stepfunctions import to_dot
    from course_lib.viz.graphs import Diagram

    return Diagram(to_dot(definition, execution), title)


__all__ = [
    "PBS_PAPER_T0",
    "history_diagram",
    "inconsistency_window",
    "k_staleness_bars",
    "outcome_bars",
    "pbs_curves",
    "read_freshness",
    "replication_timeline",
    "saga_graph",
    "session_violations",
]
