"""Drawings for lesson 04, what an event is.

Each function takes data from :mod:`course_lib.events` (events, PutEvents entries,
schema changes) or from a lesson's simulation and returns a matplotlib figure or a
:class:`~course_lib.viz.graphs.Diagram`; nothing here computes what it draws.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from course_lib.viz.graphs import Diagram
from course_lib.viz.style import COLORS, figure

#: Swim lanes of the pizza shop, top to bottom, in the order an order's story unfolds.
DOMAINS = ("orders", "payments", "kitchen", "delivery")

_FONT = "Helvetica"
_PRODUCER_FILL = "#E8F1FA"
_BUS_FILL = "#EEEEEE"
_METADATA_FILL = "#FFF4DC"
_DATA_FILL = "#E3F4EE"


def _as_dict(event: Any) -> dict[str, Any]:
    """An event as EventBridge JSON, from an :class:`Event` or a dict."""
    if hasattr(event, "to_dict"):
        return event.to_dict()
    if isinstance(event, Mapping):
        return dict(event)
    raise TypeError(f"expected an Event or an event dict, got {type(event).__name__}")


def _domain_of(source: str) -> str:
    return source.removeprefix("com.")


# -- an event-driven architecture ------------------------------------------------------------


def event_driven_architecture() -> Diagram:
    """Producers publish events to routers (a bus, a queue, a topic); consumers react.

    No producer points at a consumer: every arrow from a producer ends at a router.
    """
    producers = [
        ("orders", "orders service"),
        ("payments", "payments service"),
        ("s3", "S3 bucket\n(an AWS service)"),
    ]
    routers = [
        ("bus", "event bus\n(EventBridge)"),
        ("queue", "queue\n(SQS)"),
        ("topic", "topic\n(SNS)"),
    ]
    consumers = [
        ("kitchen", "kitchen"),
        ("delivery", "delivery"),
        ("analytics", "analytics"),
        ("email", "e-mail sender"),
    ]
    wires = [
        ("orders", "bus", "OrderCreated"),
        ("payments", "bus", "PaymentReceived"),
        ("s3", "bus", "Object Created"),
        ("bus", "kitchen", ""),
        ("bus", "queue", ""),
        ("bus", "topic", ""),
        ("queue", "delivery", "polls"),
        ("topic", "analytics", ""),
        ("topic", "email", ""),
    ]
    lines = [
        "digraph event_driven_architecture {",
        "  rankdir=LR; nodesep=0.3; ranksep=0.8; newrank=true;",
        f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=11];',
        f'  edge [fontname="{_FONT}", fontsize=9];',
    ]
    columns = (
        ("producers", "Producers: say what happened", producers, _PRODUCER_FILL, "box"),
        ("routers", "Routers: store and deliver", routers, _BUS_FILL, "cylinder"),
        ("consumers", "Consumers: react", consumers, _DATA_FILL, "box"),
    )
    for name, label, nodes, fill, shape in columns:
        lines.append(f"  subgraph cluster_{name} {{")
        lines.append(f'    label="{label}"; fontname="{_FONT}"; fontsize=12; style=rounded;')
        for node, text in nodes:
            lines.append(f'    {node} [label="{text}", fillcolor="{fill}", shape={shape}];')
        lines.append("  }")
    for tail, head, text in wires:
        lines.append(f'  {tail} -> {head} [label="{text}"];' if text else f"  {tail} -> {head};")
    lines.append("}")
    return Diagram("\n".join(lines), "an event-driven architecture: producers, routers, consumers")


# -- the pizza shop's business events -------------------------------------------------------


def business_timeline(
    events: Sequence[Any],
    *,
    title: str = "The pizza shop's business events",
    outcomes: Mapping[str, str] | None = None,
):
    """Each event as a labelled dot: time across, the publishing domain down.

    Dots of the same order share a colour and are joined by a thin line, so one order's
    story reads left to right. ``outcomes`` maps an order id to a few words on how its
    story ended, shown in the legend. Returns the figure.
    """
    from course_lib.events import parse_event_time

    records = sorted((_as_dict(e) for e in events), key=lambda d: (d["time"], d["detail-type"]))
    if not records:
        raise ValueError("events: give at least one event to draw")
    start = parse_event_time(records[0]["time"])
    lanes = [d for d in DOMAINS if any(_domain_of(r["source"]) == d for r in records)]
    lanes += sorted({_domain_of(r["source"]) for r in records} - set(lanes))
    orders = sorted({str(r["detail"].get("data", {}).get("order-id", "")) for r in records})
    palette = [COLORS[c] for c in ("blue", "red", "green", "purple", "orange", "sky")]
    colours = {order: palette[i % len(palette)] for i, order in enumerate(orders)}
    fig, ax = figure(width=10.0, height=1.1 * len(lanes) + 1.6)
    by_order: dict[str, list[tuple[float, int]]] = {}
    per_lane = [0] * len(lanes)  # labels alternate below and above the dots of each lane
    for record in records:
        minutes = (parse_event_time(record["time"]) - start).total_seconds() / 60
        lane = lanes.index(_domain_of(record["source"]))
        order = str(record["detail"].get("data", {}).get("order-id", ""))
        by_order.setdefault(order, []).append((minutes, lane))
        ax.scatter([minutes], [lane], s=110, color=colours[order], zorder=3)
        offset = 0.28 if per_lane[lane] % 2 == 0 else -0.28
        per_lane[lane] += 1
        ax.annotate(
            record["detail-type"],
            (minutes, lane),
            xytext=(minutes, lane + offset),
            ha="center",
            va="center",
            fontsize=9,
            color=colours[order],
            fontweight="bold",
        )
    for order, points in by_order.items():
        xs, ys = zip(*points, strict=True)
        ending = (outcomes or {}).get(order)
        label = f"order {order}" + (f": {ending}" if ending else "")
        ax.plot(xs, ys, color=colours[order], lw=1, alpha=0.5, zorder=2, label=label)
    ax.set_yticks(range(len(lanes)), [f"{lane}\n(com.{lane})" for lane in lanes])
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    last = max(x for points in by_order.values() for x, _ in points)
    ax.set_xlim(-0.8, last + 0.8)
    ax.set_xlabel(f"minutes after {start:%H:%M} UTC")
    columns = 1 if outcomes else max(1, len(orders))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=columns)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def command_vs_event(command: str = "BakePizza", event: str = "PizzaBaked") -> Diagram:
    """A directed command (to one receiver, may be refused) beside an event (a fact, to anyone)."""
    source = f"""digraph command_vs_event {{
  rankdir=LR; nodesep=0.35; ranksep=0.6;
  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=11, fillcolor="{_PRODUCER_FILL}"];
  edge [fontname="{_FONT}", fontsize=10];
  subgraph cluster_event {{
    label="Event: a fact in the past tense, to whoever listens"; fontname="{_FONT}"; fontsize=12; style=rounded;
    orders_e [label="orders"];
    fact [label="{event}\\n(it happened)", shape=note, fillcolor="{_METADATA_FILL}"];
    a [label="delivery"]; b [label="notifications"]; c [label="analytics"];
    orders_e -> fact [label="publishes"];
    fact -> a; fact -> b; fact -> c;
  }}
  subgraph cluster_command {{
    label="Command: imperative, to one receiver"; fontname="{_FONT}"; fontsize=12; style=rounded;
    orders_c [label="orders"];
    kitchen_c [label="kitchen\\n(may refuse)"];
    orders_c -> kitchen_c [label="{command}\\n(do this!)"];
  }}
}}"""
    return Diagram(source, f"command {command} vs event {event}")


# -- anatomy of an event ---------------------------------------------------------------------

_FIELD_NOTES = {
    "version": ("EventBridge", "always \u201c0\u201d"),
    "id": ("EventBridge", "unique per PutEvents entry"),
    "detail-type": ("producer", "DetailType: what happened"),
    "source": ("producer", "Source: who says so"),
    "account": ("EventBridge", "the sender's account"),
    "time": ("producer or EventBridge", "Time, else when received"),
    "region": ("EventBridge", "where it was received"),
    "resources": ("producer", "Resources: ARNs involved"),
}


def _cell(text: str, *, fill: str = "white", bold: bool = False, align: str = "LEFT") -> str:
    body = html.escape(text)
    if bold:
        body = f"<B>{body}</B>"
    return f'<TD ALIGN="{align}" BGCOLOR="{fill}">{body}</TD>'


def _shorten(text: str, width: int = 44) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _detail_rows(value: Any, path: str, fill: str, note: str, rows: list[str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _detail_rows(item, f"{path}.{key}", fill, note, rows)
        return
    shown = json.dumps(value, ensure_ascii=False)
    rows.append(
        "<TR>"
        + _cell(path, fill=fill)
        + _cell(_shorten(shown), fill=fill)
        + _cell(note, fill=fill)
        + "</TR>"
    )


def anatomy(event: Any, *, title: str = "") -> Diagram:
    """The event's envelope, field by field: its value and who sets it.

    Envelope fields come first (grey: EventBridge fills them in; blue: they come from
    the producer's PutEvents entry), then ``detail`` flattened to paths, split into
    ``metadata`` (yellow: how to deliver and answer) and ``data`` (green: the fact).
    """
    record = _as_dict(event)
    rows = [
        "<TR>"
        + _cell("field", bold=True, fill="#DDDDDD")
        + _cell("value", bold=True, fill="#DDDDDD")
        + _cell("set by", bold=True, fill="#DDDDDD")
        + "</TR>"
    ]
    for name, (who, note) in _FIELD_NOTES.items():
        fill = _BUS_FILL if who == "EventBridge" else _PRODUCER_FILL
        value = _shorten(json.dumps(record.get(name), ensure_ascii=False))
        rows.append(
            "<TR>"
            + _cell(name, fill=fill, bold=True)
            + _cell(value, fill=fill)
            + _cell(f"{who}: {note}", fill=fill)
            + "</TR>"
        )
    detail = record.get("detail", {})
    others = {k: v for k, v in detail.items() if k not in ("metadata", "data")}
    parts = (
        ("metadata", _METADATA_FILL, "producer: how to handle the event"),
        ("data", _DATA_FILL, "producer: the business fact"),
    )
    for part, fill, note in parts:
        if part in detail:
            _detail_rows(detail[part], f"detail.{part}", fill, note, rows)
    if others:
        _detail_rows(others, "detail", _PRODUCER_FILL, "producer: Detail", rows)
    table = (
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5">'
        + "".join(rows)
        + "</TABLE>"
    )
    heading = title or f"Anatomy of a {record.get('detail-type', 'event')} event"
    source = (
        "digraph anatomy {\n"
        f'  graph [label="{html.escape(heading)}", labelloc=t, fontname="{_FONT}", fontsize=14];\n'
        f'  node [shape=plaintext, fontname="{_FONT}", fontsize=11];\n'
        f"  event [label=<{table}>];\n"
        "}\n"
    )
    return Diagram(source, heading)


# -- PutEvents batches -----------------------------------------------------------------------


def batch_sizes(
    entries: Sequence[Mapping[str, Any]],
    limit: int,
    *,
    failed: Sequence[bool] | None = None,
    title: str = "PutEvents entry sizes against the request limit",
):
    """One bar per entry (log scale) against the request limit; refused entries stand out."""
    from matplotlib.patches import Patch

    from course_lib.events import entry_size

    sizes = [entry_size(entry) for entry in entries]
    if failed is None:
        failed = [size > limit for size in sizes]
    labels = [f"{i + 1}: {entry.get('DetailType', '?')}" for i, entry in enumerate(entries)]
    fig, ax = figure(width=8.5, height=0.42 * len(entries) + 1.6)
    colours = [COLORS["red"] if bad else COLORS["blue"] for bad in failed]
    ax.barh(range(len(sizes)), sizes, color=colours, height=0.6)
    for y, size in enumerate(sizes):
        ax.text(size * 1.15, y, f"{size:,} B", va="center", fontsize=9)
    ax.axvline(limit, color=COLORS["grey"], ls="--", lw=1.5)
    ax.text(limit, -0.9, f"request limit {limit:,} B", ha="center", va="bottom", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(min([*sizes, limit]) / 2, max([*sizes, limit]) * 8)
    ax.set_ylim(len(sizes) - 0.4, -1.2)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("entry size in bytes (log scale)")
    ax.set_title(title)
    handles = [
        Patch(color=COLORS["blue"], label="accepted"),
        Patch(color=COLORS["red"], label="refused"),
    ]
    ax.legend(handles=handles, loc="lower right", frameon=False)
    fig.tight_layout()
    return fig


def png(fig) -> bytes:
    """The figure as PNG bytes, closed afterwards (for an ``ipywidgets.Image`` in a Try-it panel).

    A Try-it function that sets an image's value, instead of showing a figure, draws
    nothing into the notebook's outputs, so re-running the notebook stores no picture twice.
    """
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


# -- duplicates and side effects ---------------------------------------------------------------


def side_effects(runs: Mapping[str, Mapping[str, int]], *, title: str = "At-least-once delivery"):
    """Grouped bars per consumer: events delivered, side effects done, business facts.

    ``runs`` maps a consumer's label to counts with keys ``deliveries``, ``effects``
    and ``facts``. The facts line is what exactly-once effects would give.
    """
    keys = (
        ("deliveries", "events delivered", COLORS["grey"]),
        ("effects", "pizzas baked", COLORS["orange"]),
    )
    labels = list(runs)
    fig, ax = figure(width=7.5, height=4.0)
    width = 0.36
    for k, (key, label, colour) in enumerate(keys):
        xs = [i + (k - 0.5) * width for i in range(len(labels))]
        values = [runs[name][key] for name in labels]
        bars = ax.bar(xs, values, width=width, color=colour, label=label)
        ax.bar_label(bars, padding=2, fontsize=9)
    facts = {runs[name]["facts"] for name in labels}
    for fact in sorted(facts):
        ax.axhline(fact, color=COLORS["green"], ls="--", lw=1.5)
    ax.plot([], [], color=COLORS["green"], ls="--", label="business facts (orders)")
    top = max(max(r["deliveries"], r["effects"], r["facts"]) for r in runs.values())
    ax.set_ylim(0, top * 1.25 + 1)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("count")
    ax.legend(loc="upper left", ncols=3)
    ax.set_title(title)
    fig.tight_layout()
    return fig


# -- schema evolution --------------------------------------------------------------------------


def compatibility_table(
    rows: Sequence[tuple[str, Sequence[Any]]],
    *,
    title: str = "Which schema changes break consumers?",
    backward: Sequence[Sequence[Any]] | None = None,
):
    """A table: one row per proposed schema change, its verdict for consumers.

    ``rows`` are ``(label, changes)`` with ``changes`` from
    :func:`course_lib.events.compare_schemas` ``(old, new)``: the column "old consumers,
    new events" (FORWARD). ``backward``, one list per row from ``compare_schemas(new,
    old)``, adds the column "new consumers, old events" (BACKWARD). A cell is red if any
    change breaks.
    """
    import textwrap

    if backward is not None and len(backward) != len(rows):
        raise ValueError("backward: give one list of changes per row")
    header = ["proposed change", "what the comparison finds", "old consumers,\nnew events"]
    if backward is not None:
        header[-1] += "\n(FORWARD)"
        header.append("new consumers,\nold events\n(BACKWARD)")
    cells, colours = [], []
    for index, (label, changes) in enumerate(rows):
        found = "; ".join(f"{c.path}: {c.kind}" for c in changes) or "no change"
        row = [textwrap.fill(label, 30), textwrap.fill(found, 40)]
        fills = ["white", "white"]
        for column in [changes] if backward is None else [changes, backward[index]]:
            breaking = any(change.breaking for change in column)
            row.append("BREAK" if breaking else "keep working")
            fills.append("#F9D9C9" if breaking else "#D4EFE6")
        cells.append(row)
        colours.append(fills)
    lines = [max(cell.count("\n") + 1 for cell in row) for row in cells]
    fig, ax = figure(width=10.0, height=0.42 * sum(lines) + 1.6)
    ax.axis("off")
    table = ax.table(
        cellText=cells,
        colLabels=header,
        cellColours=colours,
        colColours=["#DDDDDD"] * len(header),
        colWidths=[0.3, 0.5, 0.2] if backward is None else [0.27, 0.43, 0.15, 0.15],
        loc="center",
        cellLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9.5)
    base = 1.0 / (sum(lines) + 3.1)
    for (row, _col), cell in table.get_celld().items():
        cell.set_height(base * (2.6 if row == 0 else lines[row - 1]))
    ax.set_title(title)
    fig.tight_layout()
    return fig


# -- directed commands vs observable events ---------------------------------------------------


def directed_vs_observable(
    producer: str, consumers: Sequence[str], *, event: str = "OrderCreated"
) -> Diagram:
    """Top: the producer calls every consumer. Bottom: it publishes once; consumers subscribe."""
    if not consumers:
        raise ValueError("consumers: give at least one consumer")
    # Graphviz stacks the clusters of a left-to-right graph with the last one on top.
    lines = [
        "digraph directed_vs_observable {",
        "  rankdir=LR; nodesep=0.25; ranksep=0.7;",
        f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=11, '
        f'fillcolor="{_PRODUCER_FILL}"];',
        f'  edge [fontname="{_FONT}", fontsize=9];',
        "  subgraph cluster_observable {",
        f'    label="Observable: the producer publishes one event"; fontname="{_FONT}"; '
        "fontsize=12; style=rounded;",
        f'    p_o [label="{producer}"];',
        f'    bus [label="event bus", shape=cylinder, fillcolor="{_BUS_FILL}"];',
        f'    p_o -> bus [label="{event}"];',
    ]
    for i, consumer in enumerate(consumers):
        lines.append(f'    o{i} [label="{consumer}"];')
        lines.append(f'    bus -> o{i} [label="rule of {consumer}", style=dashed];')
    lines += [
        "  }",
        "  subgraph cluster_directed {",
        f'    label="Directed: the producer knows every consumer"; fontname="{_FONT}"; '
        "fontsize=12; style=rounded;",
        f'    p_d [label="{producer}"];',
    ]
    for i, consumer in enumerate(consumers):
        lines.append(f'    d{i} [label="{consumer}"];')
        lines.append(f'    p_d -> d{i} [label="call {consumer}"];')
    lines += ["  }", "}"]
    return Diagram("\n".join(lines), f"directed vs observable: {producer} and {len(consumers)}")
