"""Lesson 05's drawings: state machine graphs, execution timelines and a cost chart.

``graph(definition, execution)`` draws a definition the way Workflow Studio shows it,
with the path an execution took and a loop for every Retry. ``history_timeline`` turns
an execution's history into one bar per state (lanes where states ran at the same
time), with a mark for each attempt of a task. ``cost_chart`` compares what Standard and
Express workflows cost per month.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from course_lib.stepfunctions import to_dot
from course_lib.viz.graphs import Diagram
from course_lib.viz.style import COLORS, figure

#: Bar colours per state type, matching the node colours of the graph where they can.
STATE_COLORS = {
    "Task": COLORS["blue"],
    "Pass": COLORS["grey"],
    "Choice": COLORS["orange"],
    "Wait": COLORS["purple"],
    "Succeed": COLORS["green"],
    "Fail": COLORS["red"],
    "Map": COLORS["sky"],
    "Parallel": COLORS["sky"],
}
_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}
_SCHEDULED = ("LambdaFunctionScheduled", "TaskScheduled", "ActivityScheduled")
_FAILED = (
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "TaskFailed",
    "TaskTimedOut",
    "ActivityFailed",
    "ActivityTimedOut",
)


def graph(
    definition: dict | str,
    execution: Any = None,
    *,
    title: str = "state machine",
    show_retries: bool = True,
) -> Diagram:
    """The state machine as a picture, like Workflow Studio's graph: a thin wrapper over
    :func:`course_lib.stepfunctions.to_dot`, which draws it.

    With ``execution``, the states it entered and the transitions it took are green, a
    failed state is red, and retried states say how often. Catch edges are dashed red,
    Retry rules dotted orange loops.
    """
    return Diagram(to_dot(definition, execution, show_retries=show_retries), title)


# -- the history as spans --------------------------------------------------------------------


def _events(execution_or_history: Any) -> list[dict]:
    if isinstance(execution_or_history, dict) and "events" in execution_or_history:
        return list(execution_or_history["events"])
    history = getattr(execution_or_history, "history", execution_or_history)
    return list(history)


def _seconds(event: dict, start: Any) -> float:
    stamp = event["timestamp"]
    if isinstance(stamp, int | float):
        return float(stamp) - float(start)
    return (stamp - start).total_seconds()


def state_spans(execution_or_history: Any) -> list[dict]:
    """One dict per state entered: ``name``, ``type``, ``start``, ``end`` (seconds after the
    execution started), ``attempts`` (times of task attempts) and ``failed`` (times of
    failed attempts). Spans of states in Map iterations or Parallel branches may overlap."""
    events = _events(execution_or_history)
    if not events:
        return []
    start = events[0]["timestamp"]
    by_id = {e["id"]: e for e in events}
    spans: dict[int, dict] = {}
    order: list[int] = []

    def owner(event: dict) -> int | None:
        """The id of the StateEntered event this event belongs to (walking the chain back)."""
        seen = event
        while seen is not None:
            if seen["type"].endswith("StateEntered") and seen is not event:
                return seen["id"]
            seen = by_id.get(seen.get("previousEventId"))
        return None

    for event in events:
        kind = event["type"]
        at = _seconds(event, start)
        if kind.endswith("StateEntered"):
            spans[event["id"]] = {
                "name": event["stateEnteredEventDetails"]["name"],
                "type": kind[: -len("StateEntered")],
                "start": at,
                "end": None,
                "attempts": [],
                "failed": [],
            }
            order.append(event["id"])
            continue
        entered = owner(event)
        if entered is None or entered not in spans:
            continue
        span = spans[entered]
        if kind.endswith("StateExited"):
            span["end"] = at
        elif kind in _SCHEDULED:
            span["attempts"].append(at)
        elif kind in _FAILED:
            span["failed"].append(at)
        elif span["end"] is None and kind not in ("TaskStarted", "LambdaFunctionStarted"):
            span["last"] = at
    out = []
    for event_id in order:
        span = spans[event_id]
        if span["end"] is None:
            span["end"] = span.pop("last", span["start"])
        span.pop("last", None)
        out.append(span)
    return out


def _lanes(spans: list[dict]) -> list[tuple[str, int]]:
    """A (name, lane) row for each span: overlapping spans of one state get separate lanes."""
    busy: dict[str, list[float]] = {}
    rows = []
    for span in spans:
        ends = busy.setdefault(span["name"], [])
        for lane, free_at in enumerate(ends):
            if free_at <= span["start"] and not (free_at == span["start"] == span["end"]):
                ends[lane] = span["end"]
                break
        else:
            lane = len(ends)
            ends.append(span["end"])
        rows.append((span["name"], lane))
    return rows


def history_timeline(
    execution_or_history: Any,
    *,
    title: str = "",
    time_unit: str = "s",
):
    """Draw an execution's states over virtual time: a bar per state, a tick per task attempt.

    Accepts an :class:`~course_lib.stepfunctions.Execution`, its ``history`` list or a
    GetExecutionHistory response. Failed attempts are red crosses. Returns the figure.
    """
    if time_unit not in _UNITS:
        raise ValueError(f"time_unit: expected one of {', '.join(_UNITS)}, got {time_unit!r}")
    spans = state_spans(execution_or_history)
    if not spans:
        raise ValueError("the execution has no state in its history yet")
    scale = _UNITS[time_unit]
    rows = _lanes(spans)
    labels: list[tuple[str, int]] = []
    for row in rows:
        if row not in labels:
            labels.append(row)
    lanes_per_name: dict[str, int] = {}
    for name, lane in labels:
        lanes_per_name[name] = max(lanes_per_name.get(name, 0), lane + 1)
    y = {row: i for i, row in enumerate(labels)}
    end = max(s["end"] for s in spans) / scale
    width = end or 1.0
    fig, ax = figure(width=9.0, height=max(2.4, 0.42 * len(labels) + 1.3))
    for span, row in zip(spans, rows, strict=True):
        color = STATE_COLORS.get(span["type"], COLORS["grey"])
        left, length = span["start"] / scale, (span["end"] - span["start"]) / scale
        ax.barh(
            y[row],
            max(length, width * 0.006),
            left=left,
            height=0.55,
            color=color,
            alpha=0.85,
            edgecolor="white",
            linewidth=1.5,
        )
        if span["attempts"]:
            ax.plot(
                [t / scale for t in span["attempts"]],
                [y[row]] * len(span["attempts"]),
                marker="|",
                linestyle="none",
                color="black",
                markersize=14,
                markeredgewidth=2,
            )
        if span["failed"]:
            ax.plot(
                [t / scale for t in span["failed"]],
                [y[row]] * len(span["failed"]),
                marker="x",
                linestyle="none",
                color=COLORS["red"],
                markersize=9,
                markeredgewidth=2.5,
            )
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(
        [name if lanes_per_name[name] == 1 else f"{name} #{lane + 1}" for name, lane in labels]
    )
    ax.invert_yaxis()
    ax.set_xlim(-0.02 * width, width * 1.04)
    ax.set_xlabel(f"virtual time since the execution started ({time_unit})")
    ax.grid(axis="y", alpha=0)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kinds = sorted({s["type"] for s in spans})
    handles: list[Any] = [
        Patch(color=STATE_COLORS.get(kind, COLORS["grey"]), label=kind) for kind in kinds
    ]
    if any(s["attempts"] for s in spans):
        handles.append(
            Line2D(
                [],
                [],
                marker="|",
                linestyle="none",
                color="black",
                markersize=10,
                markeredgewidth=2,
                label="task attempt",
            )
        )
    if any(s["failed"] for s in spans):
        handles.append(
            Line2D(
                [],
                [],
                marker="x",
                linestyle="none",
                color=COLORS["red"],
                markersize=8,
                markeredgewidth=2,
                label="failed attempt",
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# -- what it costs -----------------------------------------------------------------------------


def cost_chart(
    transitions_per_execution: float,
    duration_seconds: float,
    *,
    memory_mb: int = 64,
    executions: Sequence[float] | None = None,
    title: str = "",
):
    """Monthly cost of one workflow on Standard and on Express, against executions per month.

    Standard pays per state transition, Express per request and per GB-second
    (``duration_seconds`` rounded up to 100 ms, ``memory_mb`` to 64 MB). Log-log axes;
    free tiers left out. Returns the figure.
    """
    from course_lib.stepfunctions.pricing import express_cost, standard_cost

    counts = list(executions) if executions is not None else [10.0**k for k in range(3, 9)]
    if not counts or min(counts) <= 0:
        raise ValueError("executions: give positive execution counts")
    standard = [standard_cost(transitions_per_execution * n) for n in counts]
    express = [express_cost(n, duration_seconds, memory_mb) for n in counts]
    fig, ax = figure(width=7.5, height=4.0)
    ax.loglog(counts, standard, marker="o", color=COLORS["blue"], label="Standard")
    ax.loglog(counts, express, marker="s", color=COLORS["orange"], label="Express")
    ax.set_xlabel("executions per month")
    ax.set_ylabel("US dollars per month")
    ax.legend(
        title=f"{transitions_per_execution:g} transitions, {duration_seconds:g} s, {memory_mb} MB"
    )
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def history_table(execution_or_history: Any, *, width: int = 60) -> str:
    """The history as text lines: id, seconds since the start, type and the state's name
    or a short view of the details."""
    events = _events(execution_or_history)
    if not events:
        return ""
    start = events[0]["timestamp"]
    lines = []
    for event in events:
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        note = details.get("name") if isinstance(details, dict) else None
        if note is None and details:
            note = json.dumps(details, sort_keys=True)
        note = "" if note is None else str(note)
        if len(note) > width:
            note = note[: width - 3] + "..."
        lines.append(
            f"{event['id']:>3}  {_seconds(event, start):>7.0f} s  {event['type']:<28} {note}"
        )
    return "\n".join(lines)


# -- static explanations -----------------------------------------------------------------------


def resource_anatomy() -> Diagram:
    """How a Task's Resource ARN says what it calls: a Lambda function, an optimised
    integration, or an AWS SDK call (with an optional integration pattern)."""
    rows = [
        (
            "lambda",
            "Lambda function",
            [
                ("arn:aws:lambda:us-east-1:123456789012:function:", "#f2f2f2"),
                ("take-payment", "#dbe9ff"),
            ],
        ),
        (
            "optimised",
            "optimised integration",
            [
                ("arn:aws:states:::", "#f2f2f2"),
                ("events", "#dbe9ff"),
                (":putEvents", "#d9f2d9"),
                (".waitForTaskToken", "#fff4cc"),
            ],
        ),
        (
            "sdk",
            "AWS SDK integration",
            [
                ("arn:aws:states:::", "#f2f2f2"),
                ("aws-sdk", "#ffd9d9"),
                (":dynamodb", "#dbe9ff"),
                (":getItem", "#d9f2d9"),
            ],
        ),
    ]
    body = []
    for _, label, parts in rows:
        cells = "".join(f'<td bgcolor="{colour}" border="1">{text}</td>' for text, colour in parts)
        body.append(
            f'<tr><td align="right"><b>{label}</b></td><td align="left">'
            f'<table border="0" cellspacing="0" cellpadding="6"><tr>{cells}</tr></table></td></tr>'
        )
    legend = (
        '<table border="0" cellspacing="0" cellpadding="4"><tr>'
        '<td bgcolor="#dbe9ff" border="1">service or function</td>'
        '<td bgcolor="#d9f2d9" border="1">API action</td>'
        '<td bgcolor="#fff4cc" border="1">pattern: .sync, .waitForTaskToken</td>'
        '<td bgcolor="#ffd9d9" border="1">SDK marker</td></tr></table>'
    )
    body.append(f'<tr><td></td><td align="left">{legend}</td></tr>')
    table = '<table border="0" cellspacing="8">' + "".join(body) + "</table>"
    lines = [
        "digraph Resources {",
        '  graph [fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11, shape=plain];',
        f"  anatomy [label=<{table}>];",
        "}",
    ]
    return Diagram("\n".join(lines) + "\n", "what a Task's Resource names")


def dataflow_diagram() -> Diagram:
    """The order in which a state's five data-flow fields apply, from its input to its output."""
    steps = [
        ("input", "state input", "#f2f2f2"),
        ("InputPath", "InputPath\\npick a part", "#dbe9ff"),
        ("Parameters", "Parameters\\nbuild the request", "#dbe9ff"),
        ("task", "Task runs\\n(result)", "#fff4cc"),
        ("ResultSelector", "ResultSelector\\nkeep parts of the result", "#d9f2d9"),
        ("ResultPath", "ResultPath\\nplace it in the input", "#d9f2d9"),
        ("OutputPath", "OutputPath\\npick the output", "#e8e0ff"),
        ("output", "state output", "#f2f2f2"),
    ]
    lines = [
        "digraph DataFlow {",
        '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.3, ranksep=0.3];',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for key, label, colour in steps:
        shape = ", shape=ellipse" if key in ("input", "output") else ""
        lines.append(f'  "{key}" [label="{label}", fillcolor="{colour}"{shape}];')
    for (a, _, _), (b, _, _) in itertools.pairwise(steps):
        lines.append(f'  "{a}" -> "{b}";')
    lines.append(
        '  "input" -> "ResultPath" [style=dashed, color="#888888", '
        'label="the original input", constraint=false];'
    )
    lines.append("}")
    return Diagram("\n".join(lines) + "\n", "how data moves through a state")
