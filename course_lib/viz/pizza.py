"""Drawings for lesson 07, the pizza shop: orchestration and choreography together.

Every function takes data from :mod:`course_lib.pizza` (a run, its trace, rules, the
experiment's rows) and returns a matplotlib figure or a
:class:`~course_lib.viz.graphs.Diagram`; nothing here simulates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from course_lib.viz.graphs import Diagram
from course_lib.viz.style import COLORS, figure

_FONT = "Helvetica"
_NEWLINE = "\\n"  # a line break inside a DOT label
_DOMAIN_FILL = {
    "orders": "#E8F1FA",
    "payments": "#FFF4DC",
    "kitchen": "#FDE8DF",
    "delivery": "#E3F4EE",
}
_OUTCOME_COLORS = {
    "delivered": COLORS["green"],
    "compensated": COLORS["orange"],
    "rejected": COLORS["purple"],
    "stuck": COLORS["red"],
}
_PHASE_COLORS = {
    "order and payment": COLORS["grey"],
    "kitchen": COLORS["orange"],
    "waiting for a courier": COLORS["sky"],
    "on the road": COLORS["blue"],
    "delivery": COLORS["blue"],
    "kitchen, then cancelled": COLORS["red"],
    "no courier, cancelled": COLORS["red"],
}
_ARROW_COLORS = {
    "ok": COLORS["blue"],
    "lost": COLORS["red"],
    "failed": COLORS["red"],
    "dead-lettered": COLORS["red"],
    "dropped": COLORS["red"],
    "duplicate": COLORS["orange"],
}


def _q(text: str) -> str:
    return '"' + str(text).replace('"', '\\"') + '"'


def coordination_styles(
    flow: Iterable[tuple[str, str, str]],
    *,
    calls: Sequence[tuple[str, str]] = (
        ("charge", "payments"),
        ("bake", "kitchen"),
        ("deliver", "delivery"),
    ),
    title: str = "orchestration and choreography",
) -> Diagram:
    """Two halves: an orchestrator calling each participant (``calls``: label, domain),
    and domains publishing to and hearing from a bus (``flow``: publisher, event,
    subscriber, as ``cl.pizza.event_flow`` returns it)."""
    header = [
        "digraph styles {",
        f'  graph [rankdir=LR, fontname="{_FONT}", nodesep=0.3, ranksep=0.5];',
        f'  node [fontname="{_FONT}", fontsize=11, shape=box, style="rounded,filled", '
        'fillcolor="#E8F1FA"];',
        f'  edge [fontname="{_FONT}", fontsize=9];',
    ]
    orchestration = [
        "  subgraph cluster_o {",
        f'    label="orchestration: one conductor calls everyone"; fontname="{_FONT}";',
        '    o_workflow [label="order workflow", fillcolor="#FFF4DC"];',
    ]
    for label, domain in calls:
        fill = _DOMAIN_FILL.get(domain, "#F2F2F2")
        orchestration.append(f'    "o_{domain}" [label={_q(domain)}, fillcolor="{fill}"];')
        orchestration.append(f'    o_workflow -> "o_{domain}" [label={_q(label)}];')
    orchestration.append("  }")
    choreography = [
        "  subgraph cluster_c {",
        f'    label="choreography: everyone reacts to facts on a bus"; fontname="{_FONT}";',
        '    c_bus [label="event bus", shape=cylinder, fillcolor="#EEEEEE"];',
    ]
    published: dict[str, list[str]] = {}
    heard: dict[str, list[str]] = {}
    for publisher, event, subscriber in flow:
        if event not in published.setdefault(publisher, []):
            published[publisher].append(event)
        heard.setdefault(subscriber, []).append(event)
    for domain in dict.fromkeys([*published, *heard]):
        fill = _DOMAIN_FILL.get(domain, "#F2F2F2")
        choreography.append(f'    "c_{domain}" [label={_q(domain)}, fillcolor="{fill}"];')
    for domain, events in published.items():
        choreography.append(f'    "c_{domain}" -> c_bus [label={_q(_NEWLINE.join(events))}];')
    for domain, events in heard.items():
        choreography.append(
            f'    c_bus -> "c_{domain}" [label={_q(_NEWLINE.join(events))}, '
            f'color="{COLORS["blue"]}", fontcolor="{COLORS["blue"]}"];'
        )
    choreography.append("  }")
    # Graphviz stacks the cluster written first at the bottom: orchestration goes on top.
    lines = [*header, *choreography, *orchestration, "}"]
    return Diagram("\n".join(lines) + "\n", title)


def domain_map(
    subscriptions: Iterable[Mapping[str, str]],
    publications: Iterable[Mapping[str, str]],
    *,
    title: str = "who publishes and who subscribes",
    workflow: str | None = "order workflow",
) -> Diagram:
    """The domains around the bus: an edge per event type a domain publishes, and one per
    rule that delivers an event type to a domain (from ``cl.pizza.subscriptions``)."""
    subscriptions = list(subscriptions)
    publications = list(publications)
    lines = [
        "digraph shop {",
        f'  graph [rankdir=LR, fontname="{_FONT}", nodesep=0.35, ranksep=1.1];',
        f'  node [fontname="{_FONT}", fontsize=11, shape=box, style="rounded,filled"];',
        f'  edge [fontname="{_FONT}", fontsize=9];',
        '  bus [label="pizza-shop\\nevent bus", shape=cylinder, fillcolor="#EEEEEE", height=1.2];',
    ]
    publishers = sorted({row["domain"] for row in publications})
    subscribers = sorted({row["domain"] for row in subscriptions})
    for side, domains in (("pub", publishers), ("sub", subscribers)):
        for domain in domains:
            label = domain
            if side == "pub" and domain == "orders" and workflow:
                label = f"orders\\n(+ {workflow})"
            fill = _DOMAIN_FILL.get(domain, "#F2F2F2")
            lines.append(f'  "{side}_{domain}" [label={_q(label)}, fillcolor="{fill}"];')
    published: dict[str, list[str]] = {}
    for row in publications:
        published.setdefault(row["domain"], []).append(row["detail_type"])
    for domain, kinds in sorted(published.items()):
        label = "\\n".join(kinds)
        lines.append(f'  "pub_{domain}" -> bus [label={_q(label)}, color="#555555"];')
    delivered: dict[str, list[str]] = {}
    for row in subscriptions:
        delivered.setdefault(row["domain"], []).append(f"{row['detail_type']} ({row['rule']})")
    for domain, kinds in sorted(delivered.items()):
        label = "\\n".join(sorted(set(kinds)))
        lines.append(
            f'  bus -> "sub_{domain}" [label={_q(label)}, color="{COLORS["blue"]}", '
            f'fontcolor="{COLORS["blue"]}"];'
        )
    lines.append(
        f"  labelloc=t; label={_q(title + ' (left: publishers, right: rules delivering to)')};"
    )
    lines.append("}")
    return Diagram("\n".join(lines) + "\n", title)


def workflow_path(dot_source: str, title: str = "the order workflow") -> Diagram:
    """The state machine's DOT (``cl.stepfunctions.to_dot(definition, execution)``) as PNG."""
    return Diagram(dot_source, title)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def sequence(
    arrows: Sequence[Mapping[str, Any]],
    *,
    lanes: Sequence[str] | None = None,
    title: str = "",
):
    """A sequence diagram with one row per message (time printed at the left).

    ``arrows`` come from ``cl.pizza.sequence(run, order_id)``: ``time``, ``source``,
    ``target``, ``label``, ``outcome``. An arrow whose source is its target is a note on
    that lifeline (a state the workflow entered). Rows are evenly spaced, so messages a
    few milliseconds apart stay readable; the left column gives the virtual clock.
    """
    arrows = list(arrows)
    if lanes is None:
        lanes = []
        for arrow in arrows:
            for who in (arrow["source"], arrow["target"]):
                if who not in lanes:
                    lanes.append(who)
    x = {name: i for i, name in enumerate(lanes)}
    fig, ax = figure(width=max(8.0, 1.6 * len(lanes) + 1.5), height=0.32 * len(arrows) + 1.6)
    bottom = len(arrows) + 0.5
    for name, xi in x.items():
        ax.plot([xi, xi], [-0.5, bottom], color=COLORS["grey"], lw=1, zorder=1)
        ax.text(xi, -0.8, name, ha="center", va="bottom", fontweight="bold", fontsize=9)
    start = arrows[0]["time"] if arrows else 0.0
    for row, arrow in enumerate(arrows):
        y = row + 0.5
        color = _ARROW_COLORS.get(arrow.get("outcome", "ok"), COLORS["red"])
        src, dst = x[arrow["source"]], x[arrow["target"]]
        ax.text(-0.75, y, "+" + _clock(arrow["time"] - start), ha="right", va="center", fontsize=8)
        if src == dst:
            ax.text(
                src + 0.08,
                y,
                arrow["label"],
                ha="left",
                va="center",
                fontsize=8,
                color=COLORS["purple"] if arrow.get("outcome", "ok") == "ok" else COLORS["red"],
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )
            continue
        if arrow.get("outcome") in ("lost", "dropped"):
            end = src + (dst - src) * 0.8
            ax.plot([src, end], [y, y], color=color, lw=1.4)
            ax.plot([end], [y], marker="x", color=color, markersize=8, mew=2)
        else:
            ax.annotate(
                "",
                xy=(dst, y),
                xytext=(src, y),
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.4},
            )
        ax.text(
            (src + dst) / 2,
            y - 0.08,
            arrow["label"],
            ha="center",
            va="bottom",
            fontsize=8,
            color=color,
        )
    ax.set_xlim(-1.6, len(lanes) - 0.4)
    ax.set_ylim(bottom, -1.2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def order_timeline(bars: Sequence[Mapping[str, Any]], *, title: str = ""):
    """One row per order, bars for its phases (from ``cl.pizza.spans``), time in hours."""
    bars = list(bars)
    lanes: list[str] = []
    for bar in bars:
        if bar["lane"] not in lanes:
            lanes.append(bar["lane"])
    fig, ax = figure(width=9.0, height=max(2.5, 0.12 * len(lanes) + 1.6))
    seen: set[str] = set()
    for bar in bars:
        y = lanes.index(bar["lane"])
        state = bar["state"]
        ax.barh(
            y,
            (bar["end"] - bar["start"]) / 3600,
            left=bar["start"] / 3600,
            height=0.8,
            color=_PHASE_COLORS.get(state, COLORS["grey"]),
            label=None if state in seen else state,
        )
        seen.add(state)
    ax.set_ylim(len(lanes), -1)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(lanes)} orders, in the order placed")
    ax.set_xlabel("virtual time (hours)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def outcome_dashboard(
    counts: Mapping[str, int], latencies_min: Sequence[float], *, title: str = ""
):
    """Two panels: how orders ended, and the end-to-end latency of delivered orders."""
    fig, (left, right) = figure(width=10.0, height=3.6, ncols=2)
    names = list(counts)
    values = [counts[n] for n in names]
    bars = left.bar(names, values, color=[_OUTCOME_COLORS.get(n, COLORS["grey"]) for n in names])
    left.bar_label(bars, fontsize=9)
    left.set_ylabel("orders")
    left.set_title("how orders ended")
    left.set_ylim(0, max([*values, 1]) * 1.15)
    if latencies_min:
        right.hist(latencies_min, bins=30, color=COLORS["blue"])
        ordered = sorted(latencies_min)
        for q, style in ((50, "-"), (99, "--")):
            value = ordered[max(0, -(-q * len(ordered) // 100) - 1)]
            right.axvline(value, color=COLORS["red"], ls=style, lw=1.2)
            right.text(
                value,
                right.get_ylim()[1] * 0.95,
                f" p{q} {value:.0f}",
                color=COLORS["red"],
                fontsize=8,
                va="top",
            )
    right.set_xlabel("minutes from order to door")
    right.set_ylabel("delivered orders")
    right.set_title("latency")
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def fault_sweep(rows: Sequence[Mapping[str, Any]], *, x: str, title: str = ""):
    """Outcome shares (left) and latency percentiles (right) against a fault's ``x``."""
    fig, (left, right) = figure(width=10.0, height=3.6, ncols=2)
    xs = [row[x] for row in rows]
    for status in ("delivered", "compensated"):
        left.plot(
            xs,
            [row[status] for row in rows],
            marker="o",
            color=_OUTCOME_COLORS[status],
            label=status,
        )
    left.set_xlabel(x)
    left.set_ylabel("orders")
    left.legend()
    left.set_title("outcomes")
    for key, style in (("p50", "-"), ("p90", "--"), ("p99", ":")):
        right.plot(
            xs, [row[key] for row in rows], marker="o", ls=style, color=COLORS["blue"], label=key
        )
    right.set_xlabel(x)
    right.set_ylabel("minutes (delivered orders)")
    right.legend()
    right.set_title("latency percentiles")
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def design_comparison(rows: Sequence[Mapping[str, Any]], *, title: str = ""):
    """The experiment's rows as small bar charts, one panel per criterion."""
    criteria = [
        ("p50", "median latency\n(minutes)"),
        ("messages per order", "messages\nper order"),
        ("visible in one history", "share of progress\nin one history"),
        ("changes: side step", "components to change\nfor a new consumer"),
        ("coupling (mean level)", "mean coupling\nlevel (0 to 2)"),
    ]
    fig, axes = figure(width=12.0, height=3.2, ncols=len(criteria))
    designs = [row["design"] for row in rows]
    palette = [COLORS["blue"], COLORS["orange"], COLORS["green"]]
    for ax, (key, label) in zip(axes, criteria, strict=True):
        values = [row[key] for row in rows]
        bars = ax.bar(designs, values, color=palette[: len(designs)])
        ax.bar_label(bars, fontsize=8, fmt="%g")
        ax.set_title(label, fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        ax.set_ylim(0, max([*values, 1e-9]) * 1.25 or 1)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig
