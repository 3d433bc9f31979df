"""Drawings for lesson 03, synchronous commands versus asynchronous events.

Each function takes data returned by :mod:`course_lib.messaging` (availability runs, a
backlog experiment, exchange latencies and traces, consumer additions) and returns a
matplotlib figure or a :class:`~course_lib.viz.graphs.Diagram`; nothing here computes
what it draws.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from course_lib.viz.graphs import Diagram
from course_lib.viz.sequence import _field, sequence_diagram
from course_lib.viz.style import COLORS, figure

MODE_COLORS = {"sync": COLORS["red"], "async": COLORS["blue"]}
_FONT = "Helvetica"
_NODE = f'node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="{_FONT}"];'
_EDGE = f'edge [fontname="{_FONT}", fontsize=10];'


def png(fig) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image``); the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


# -- the chain of services ------------------------------------------------------------------


def chain_diagram(k: int, mode: str) -> Diagram:
    """A client and a chain of ``k`` services, called in turn (``"sync"``) or fed by a
    queue after a front door accepts the request (``"async"``)."""
    if mode not in MODE_COLORS:
        raise ValueError(f"mode: expected 'sync' or 'async', got {mode!r}")
    services = [f"s{j}" for j in range(1, k + 1)]
    lines = ["digraph chain {", "  rankdir=LR;", f"  {_NODE}", f"  {_EDGE}"]
    lines.append('  client [label="client", fillcolor="#FFF4DC"];')
    lines += [f'  {s} [label="service {s[1:]}"];' for s in services]
    if mode == "sync":
        previous = "client"
        for s in services:
            lines.append(f'  {previous} -> {s} [label="call + wait"];')
            previous = s
    else:
        lines.append('  door [label="front door\\n(accepts, 202)"];')
        lines.append(
            '  queue [label="queue\\n(retries, DLQ)", shape=cylinder, fillcolor="#EEEEEE"];'
        )
        lines.append('  client -> door [label="request"];')
        lines.append('  door -> queue [label="store"];')
        for n, s in enumerate(services, 1):
            lines.append(f'  queue -> {s} [label="step {n}"];')
            if n < len(services):
                lines.append(f'  {s} -> queue [style=dashed, label="step {n + 1}", fontsize=8];')
    lines.append("}")
    title = f"{'synchronous' if mode == 'sync' else 'asynchronous'} chain of {k} services"
    return Diagram("\n".join(lines), title)


def availability_chart(
    runs: Mapping[int, Mapping[str, Any]], *, title: str = "A month of traffic through k services"
):
    """Two panels over the chain length ``k``: success (sync) and acceptance (async)
    against ``a**k`` and ``a**2``; and the latency percentiles of both modes (log scale).

    ``runs`` maps ``k`` to :func:`course_lib.messaging.availability_experiment`'s result.
    """
    ks = sorted(runs)
    a = runs[ks[0]]["component_availability"]
    fig, (left, right) = figure(width=11.0, height=4.2, ncols=2)
    grid = np.linspace(1, max(ks), 100)
    left.plot(grid, 100 * a**grid, color=MODE_COLORS["sync"], lw=1, ls="--", label="$a^k$")
    left.axhline(100 * a**2, color=MODE_COLORS["async"], lw=1, ls="--", label="$a^2$")
    left.plot(
        ks,
        [100 * runs[k]["sync"]["success_ratio"] for k in ks],
        "o-",
        color=MODE_COLORS["sync"],
        label="sync: requests that succeeded",
    )
    left.plot(
        ks,
        [100 * runs[k]["async"]["acceptance_ratio"] for k in ks],
        "s-",
        color=MODE_COLORS["async"],
        label="async: requests accepted",
    )
    left.plot(
        ks,
        [100 * runs[k]["async"]["processed_fraction"] for k in ks],
        "^:",
        color=COLORS["green"],
        label="async: processed, % of accepted",
    )
    left.set_xlabel("services in the chain (k)")
    left.set_ylabel("% of requests (processed: % of accepted)")
    left.set_xticks(ks)
    left.legend(loc="lower left", fontsize=8.5)
    left.set_title("availability", fontsize=11)
    styles = {"p50": "-", "p99": "--", "p99.9": "-.", "max": ":"}
    for mode, key in (("sync", "sync"), ("async", "async")):
        for q, ls in styles.items():
            right.plot(
                ks,
                [runs[k][key]["latency_s"][q] for k in ks],
                ls,
                marker="o",
                ms=3,
                color=MODE_COLORS[mode],
                label=f"{mode} {q}",
            )
    right.set_yscale("log")
    right.set_xlabel("services in the chain (k)")
    right.set_ylabel("latency (s, log scale)")
    right.set_xticks(ks)
    right.legend(loc="upper left", ncols=2, fontsize=8)
    right.set_ylim(top=right.get_ylim()[1] * 30)
    right.set_title("latency: the price of waiting out outages", fontsize=11)
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def chain_bars(run: Mapping[str, Any], *, title: str = ""):
    """One run as three bars (sync success, async acceptance, async processed) with the
    ``a**k`` and ``a**2`` predictions marked. For the "Try it" widget."""
    k, a = run["k"], run["component_availability"]
    values = [
        run["sync"]["success_ratio"],
        run["async"]["acceptance_ratio"],
        run["async"]["processed_fraction"],
    ]
    labels = ["sync\nsucceeded", "async\naccepted", "async processed\n(% of accepted)"]
    fig, ax = figure(width=7.0, height=3.6)
    colors = [MODE_COLORS["sync"], MODE_COLORS["async"], COLORS["green"]]
    ax.bar(labels, [100 * v for v in values], color=colors, width=0.6)
    for x, value in enumerate(values):
        ax.annotate(
            f"{100 * value:.2f}%",
            (x, 100 * value),
            xytext=(0, -4),
            textcoords="offset points",
            ha="center",
            va="top",
            color="white",
            fontweight="bold",
        )
    for x, predicted, name in ((0, a**k, "$a^k$"), (1, a**2, "$a^2$")):
        ax.plot([x - 0.35, x + 0.35], [100 * predicted] * 2, color="black", lw=1.5, ls="--")
        ax.text(x + 0.37, 100 * predicted, name, va="center", fontsize=9)
    low = min(min(values), a**k)
    ax.set_ylim(max(0.0, 100 * low - (100 - 100 * low) * 0.6 - 0.05), 100.2)
    ax.set_ylabel("% of requests (processed: % of accepted)")
    ax.set_title(title or f"k = {k}, availability a = {a:.4f} per component")
    fig.tight_layout()
    return fig


# -- the backlog ----------------------------------------------------------------------------


def backlog_chart(
    results: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "Backlog and dead-letter queue around one outage",
):
    """One panel per experiment (``label -> backlog_experiment(...)``): the events
    waiting and the events in the DLQ over time, the outage shaded."""
    fig, axes = figure(width=10.0, height=2.6 * len(results) + 0.8, nrows=len(results))
    axes = np.atleast_1d(axes)
    for ax, (label, result) in zip(axes, results.items(), strict=True):
        series = result["series"]
        params = result["parameters"]
        hours = np.asarray(series["time_s"]) / 3600
        start = params["outage_start_s"] / 3600
        ax.axvspan(
            start,
            start + params["outage_s"] / 3600,
            color=COLORS["grey"],
            alpha=0.18,
            lw=0,
            label="consumer down",
        )
        ax.axvline(
            start + params["max_event_age_s"] / 3600,
            color=COLORS["red"],
            lw=1,
            ls="--",
            label="max event age, counted from the outage's start",
        )
        ax.plot(hours, np.asarray(series["backlog"]) / 1000, color=COLORS["blue"], label="waiting")
        ax.plot(hours, np.asarray(series["dlq"]) / 1000, color=COLORS["red"], label="in the DLQ")
        ax.set_ylabel("thousand events")
        ax.set_xlim(0, hours[-1])
        peak = max([*series["backlog"], *series["dlq"], 1]) / 1000
        ax.set_ylim(0, peak * 1.45)
        ax.set_title(label, fontsize=11, loc="left")
        ax.legend(loc="upper right", ncols=2, fontsize=9)
    axes[-1].set_xlabel("virtual time (h)")
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


# -- request/response versus fire-and-forget -------------------------------------------------


def latency_distributions(
    latencies: Mapping[str, Any], *, title: str = "Who waits, and for how long"
):
    """Cumulative distributions (log time axis) of the caller's wait and of the time
    until the work is done, for both styles of :func:`exchange_latencies`."""
    fig, ax = figure(width=9.0, height=4.0)
    lines = (
        ("request_response", "caller_wait_s", "request/response: caller waits (= work done)", "-"),
        ("fire_and_forget", "caller_wait_s", "fire-and-forget: producer waits", "-"),
        ("fire_and_forget", "end_to_end_s", "fire-and-forget: work done", "--"),
    )
    colors = {"request_response": MODE_COLORS["sync"], "fire_and_forget": MODE_COLORS["async"]}
    for style, key, label, ls in lines:
        values = np.sort(np.asarray(latencies[style]["samples"][key])) * 1000
        share = np.arange(1, values.size + 1) / values.size * 100
        ax.plot(values, share, ls, color=colors[style], label=label)
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log scale)")
    ax.set_ylabel("% of exchanges done by then")
    ax.set_ylim(0, 101)
    ax.legend(loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def exchange_sequence(trace: Sequence[Any], *, title: str = ""):
    """A sequence diagram of one exchange, with the caller's blocked time drawn as a
    bar on its lifeline and the consumer's finished work as a dot.

    Green bars show a participant at work, from a message's arrival to its next send.
    The trace's messages go through :func:`course_lib.viz.sequence_diagram`; a record
    a participant sends to itself (``processed``) is a note, not a message, so it is
    drawn as the dot instead of an arrow.
    """
    trace = list(trace)
    messages = [r for r in trace if _field(r, "source") != _field(r, "target")]
    notes = [r for r in trace if _field(r, "source") == _field(r, "target")]
    names: list[str] = []
    for record in messages:
        for who in (_field(record, "source"), _field(record, "target")):
            if who not in names:
                names.append(who)
    fig = sequence_diagram(messages, participants=names, title=title, time_unit="ms")
    ax = fig.axes[0]
    caller = names[0]
    replies = [_field(r, "delivered_at") for r in messages if _field(r, "target") == caller]
    if replies:
        released = max(replies) * 1000
        ax.add_patch(
            _bar(names.index(caller), 0.0, released, COLORS["orange"]),
        )
        ax.text(
            names.index(caller) - 0.08,
            released / 2,
            f"{caller} blocked\n{released:.0f} ms",
            ha="right",
            va="center",
            fontsize=8,
            color=COLORS["orange"],
        )
    for record in messages:
        worker, arrived = _field(record, "target"), _field(record, "delivered_at")
        if worker == caller or arrived is None:
            continue
        later = [_field(r, "time") for r in trace if _field(r, "source") == worker]
        later = [t for t in later if t >= arrived]
        if later:
            ax.add_patch(
                _bar(names.index(worker), arrived * 1000, min(later) * 1000, COLORS["green"])
            )
    for note in notes:
        x, at = names.index(_field(note, "source")), _field(note, "time") * 1000
        ax.plot([x], [at], "o", color=COLORS["green"], ms=8, zorder=4)
        ax.text(
            x + 0.08, at, f"{_field(note, 'kind')}", va="center", fontsize=8, color=COLORS["green"]
        )
    bottom = max([(_field(r, "delivered_at") or _field(r, "time")) * 1000 for r in trace] or [1.0])
    for x in range(len(names)):
        ax.plot([x, x], [0, bottom * 1.05], color=COLORS["grey"], lw=1, zorder=1)
    ax.set_ylim(bottom * 1.08, -0.04 * bottom)
    ax.set_xlim(-1.1, len(names) - 0.4)
    return fig


def _bar(x: float, start: float, end: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.04, start), 0.08, end - start, color=color, alpha=0.7, zorder=2)


# -- directed commands versus observable events ---------------------------------------------


def producer_changes_chart(result: Mapping[str, Any], *, title: str = ""):
    """Cumulative changes to the producer as consumers are added, for each wiring of
    :func:`course_lib.messaging.add_consumers`."""
    fig, ax = figure(width=8.0, height=3.6)
    labels = {"command": "directed commands", "event": "observable events"}
    colors = {"command": MODE_COLORS["sync"], "event": MODE_COLORS["async"]}
    steps = []
    for wiring in ("command", "event"):
        steps = result[wiring]["steps"]
        counts = np.cumsum([step.producer_changed for step in steps])
        ax.plot(
            range(1, len(steps) + 1),
            counts,
            "o-",
            color=colors[wiring],
            label=f"{labels[wiring]}: {int(counts[-1]) if len(counts) else 0} producer changes",
        )
    ax.set_xticks(range(1, len(steps) + 1), [f"+ {step.consumer}" for step in steps])
    ax.set_ylabel("changes to the producer so far")
    ax.set_ylim(-0.3, max(1, len(steps)) + 0.5)
    ax.set_xlim(0.6, len(steps) + 0.4)
    ax.set_xlabel("consumer added, in turn")
    ax.legend(loc="upper left")
    ax.set_title(title or "Adding consumers: who has to change?")
    fig.tight_layout()
    return fig


def wiring_diagram(step: Any) -> Diagram:
    """The wiring after one :class:`~course_lib.messaging.WiringChange` step: the
    producer calling every consumer, or publishing to a bus that rules fan out."""
    consumers = list(step.received_by)
    lines = ["digraph wiring {", "  rankdir=LR;", f"  {_NODE}", f"  {_EDGE}"]
    lines.append('  orders [label="orders\\n(producer)", fillcolor="#FFF4DC"];')
    for c in consumers:
        fill = "#F1B9A0" if c == step.consumer else "#E8F1FA"
        lines.append(f'  "{c}" [fillcolor="{fill}"];')
    if step.wiring == "command":
        for c in consumers:
            lines.append(f'  orders -> "{c}" [label="PlaceOrder"];')
        title = f"directed commands after adding {step.consumer}"
    else:
        lines.append('  bus [label="event bus", shape=cylinder, fillcolor="#EEEEEE"];')
        lines.append('  orders -> bus [label="OrderCreated"];')
        for c in consumers:
            lines.append(f'  bus -> "{c}" [label="rule", style=dashed];')
        title = f"observable events after adding {step.consumer}"
    lines.append("}")
    return Diagram("\n".join(lines), title)
