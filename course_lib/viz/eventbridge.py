"""Drawings for lesson 06, Amazon EventBridge.

Everything here reads data the local bus returns (``EventBridge.graph()``, a world's
trace, schedule firing times, pattern verdicts) and turns it into a picture or a short
text; nothing here routes an event.

* :func:`routing_diagram`: buses -> rules (with a summary of their pattern) -> targets,
  dead-letter queues and archives, drawn from the bus's own rules;
* :func:`match_grid`: which patterns match which events;
* :func:`delivery_timeline`: every delivery attempt of every event, with retries, the
  dead-letter queue and dropped events;
* :func:`fanout_records`: the trace reshaped for :func:`course_lib.viz.sequence_diagram`;
* :func:`schedule_plot`: when schedule rules fire, on the virtual clock;
* :func:`group_order_plot`: per subscriber and event group, the order events arrived in;
* :func:`match_report` and :func:`pattern_controls`: the pattern playground's text and
  controls.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from course_lib.viz.graphs import Diagram
from course_lib.viz.sequence import _field
from course_lib.viz.style import COLORS, figure

_FONT = "Helvetica"
_OUTCOME_STYLE = {
    "delivered": ("o", COLORS["blue"], "delivered"),
    "duplicate": ("o", COLORS["orange"], "delivered again (duplicate)"),
    "failed": ("x", COLORS["red"], "attempt failed"),
    "dead-lettered": ("s", COLORS["purple"], "sent to the dead-letter queue"),
    "dropped": ("X", "#000000", "dropped (no dead-letter queue)"),
}


# -- patterns as short text --------------------------------------------------------------------


def _value_text(value: Any) -> str:
    """One allowed value of a pattern field, as a few characters."""
    if isinstance(value, Mapping) and len(value) == 1:
        name, argument = next(iter(value.items()))
        if name == "numeric" and isinstance(argument, list):
            return " ".join(str(part) for part in argument)
        if name == "exists":
            return "exists" if argument else "missing"
        if isinstance(argument, Mapping):
            return f"{name} {_value_text(argument)}"
        if isinstance(argument, list):
            return f"{name} [{', '.join(_value_text(a) for a in argument)}]"
        return f"{name} {_value_text(argument)}"
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value)


def _summary_lines(pattern: Mapping[str, Any], path: str) -> list[str]:
    lines = []
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            branches = [" & ".join(_summary_lines(branch, path)) for branch in value]
            lines.append("(" + ") or (".join(branches) + ")")
        elif isinstance(value, Mapping):
            lines.extend(_summary_lines(value, f"{path}{key}."))
        elif isinstance(value, list):
            shown = " | ".join(_value_text(v) for v in value)
            numeric = len(value) == 1 and isinstance(value[0], Mapping) and "numeric" in value[0]
            lines.append(f"{path}{key} {shown}" if numeric else f"{path}{key}: {shown}")
        else:
            lines.append(f"{path}{key}: {_value_text(value)}")
    return lines


def pattern_summary(pattern: Mapping[str, Any] | str | None, *, width: int = 44) -> list[str]:
    """A pattern as short lines, one per field: ``detail.data.total-cents >= 3000``.

    ``detail.`` is left out of the paths (most fields live there); long lines are
    wrapped to ``width`` characters.
    """
    if pattern is None:
        return []
    document = json.loads(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(document, Mapping):
        raise TypeError(f"pattern: expected an object or its JSON text, got {type(document)}")
    lines = []
    for line in _summary_lines(document, ""):
        line = line.replace("detail.", "", 1) if line.startswith("detail.") else line
        lines.extend(textwrap.wrap(line, width) or [line])
    return lines


# -- the routing, drawn from the rules --------------------------------------------------------


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _arn_kind(arn: str) -> str:
    """What a target ARN points at, in two or three words."""
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 and arn.startswith("arn:") else ""
    resource = parts[-1] if parts else arn
    kinds = {
        "lambda": "function",
        "sqs": "SQS queue",
        "states": "state machine",
        "sns": "SNS topic",
        "kinesis": "Kinesis stream",
        "firehose": "Firehose stream",
        "logs": "log group",
    }
    if service == "events":
        if "event-bus/" in arn:
            return "event bus"
        if "api-destination/" in arn:
            return "API destination"
    if service in kinds:
        return kinds[service]
    return service or resource


def _short_name(arn: str) -> str:
    for marker in ("event-bus/", "api-destination/"):
        if marker in arn:
            return arn.split(marker, 1)[1].split("/")[0]
    return arn.rsplit(":", 1)[-1]


def routing_diagram(
    graph: Mapping[str, Any], *, title: str = "routing drawn from the rules", width: int = 40
) -> Diagram:
    """Buses, their rules (pattern or schedule) and each rule's targets, from ``graph()``.

    A target that is another bus points at that bus; dead-letter queues hang off their
    target with a dashed red arrow; archives sit beside their bus. Disabled rules are
    drawn dashed and grey.
    """
    buses = list(graph.get("buses", []))
    if not buses:
        raise ValueError("graph: no buses to draw (pass EventBridge.graph())")
    bus_nodes = {bus["arn"]: f"bus_{i}" for i, bus in enumerate(buses)}
    lines = [
        "digraph routing {",
        "  rankdir=LR; nodesep=0.25; ranksep=0.6; newrank=true;",
        f'  node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="{_FONT}",'
        " fontsize=11];",
        f'  edge [fontname="{_FONT}", fontsize=9, color="#555555"];',
    ]
    extra_nodes: dict[str, str] = {}
    for b, bus in enumerate(buses):
        bus_id = bus_nodes[bus["arn"]]
        lines.append(
            f'  {bus_id} [label="{_dot_text(bus["name"])}\\n(event bus)", shape=box,'
            f' style="filled,bold", fillcolor="#FFE9B3", penwidth=2];'
        )
        for a, archive in enumerate(bus.get("archives", [])):
            node = f"archive_{b}_{a}"
            lines.append(
                f'  {node} [label="archive\\n{_dot_text(archive)}", shape=cylinder,'
                ' fillcolor="#EEEEEE"];'
            )
            lines.append(f'  {bus_id} -> {node} [style=dashed, label="copy"];')
        for r, rule in enumerate(bus.get("rules", [])):
            rule_id = f"rule_{b}_{r}"
            summary = (
                [f"schedule {rule['schedule_expression']}"]
                if rule.get("schedule_expression")
                else pattern_summary(rule.get("event_pattern"), width=width)
            )
            label = "\\n".join(_dot_text(s) for s in [f"rule {rule['name']}", *summary])
            disabled = rule.get("state") == "DISABLED"
            style = 'style="rounded,dashed", fontcolor="#7F7F7F"' if disabled else ""
            lines.append(
                f'  {rule_id} [label="{label}", fillcolor="#FFFFFF", {style}];'.replace(", ]", "]")
            )
            lines.append(f"  {bus_id} -> {rule_id};")
            for target in rule.get("targets", []):
                arn = target["arn"]
                if arn in bus_nodes:
                    lines.append(f'  {rule_id} -> {bus_nodes[arn]} [label="{target["id"]}"];')
                    continue
                node = extra_nodes.get(arn)
                if node is None:
                    node = extra_nodes[arn] = f"target_{len(extra_nodes)}"
                    lines.append(
                        f'  {node} [label="{_dot_text(_short_name(arn))}\\n({_arn_kind(arn)})",'
                        ' fillcolor="#DDF2E9"];'
                    )
                how = target.get("input", "event")
                edge_label = "" if how == "event" else f' [label="{how}"]'
                lines.append(f"  {rule_id} -> {node}{edge_label};")
                dlq = target.get("dead_letter_arn")
                if dlq:
                    dlq_node = extra_nodes.get(dlq)
                    if dlq_node is None:
                        dlq_node = extra_nodes[dlq] = f"target_{len(extra_nodes)}"
                        lines.append(
                            f'  {dlq_node} [label="{_dot_text(_short_name(dlq))}\\n(dead-letter'
                            ' queue)", shape=cylinder, fillcolor="#FBE3D6"];'
                        )
                    lines.append(
                        f'  {node} -> {dlq_node} [style=dashed, color="{COLORS["red"]}",'
                        ' label="after retries"];'
                    )
    lines.append("}")
    return Diagram("\n".join(lines), title)


# -- which pattern matches which event -----------------------------------------------------------


def match_grid(
    patterns: Mapping[str, Any], events: Mapping[str, Mapping[str, Any]], *, title: str = ""
):
    """A grid with one row per pattern and one column per event; a filled cell is a match."""
    from course_lib.eventbridge import test_event_pattern

    if not patterns or not events:
        raise ValueError("match_grid needs at least one pattern and one event")
    names, labels = list(patterns), list(events)
    fig, ax = figure(width=max(6.0, 0.85 * len(labels) + 3.2), height=0.5 * len(names) + 1.9)
    for row, name in enumerate(names):
        for column, label in enumerate(labels):
            hit = test_event_pattern(patterns[name], events[label])
            ax.add_patch(_square(column, row, COLORS["blue"] if hit else "#F2F2F2", edge="#FFFFFF"))
            if hit:
                ax.text(column, row, "✓", ha="center", va="center", color="white", fontsize=12)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _square(x: float, y: float, color: str, *, edge: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=color, edgecolor=edge, linewidth=2)


def match_report(pattern: Any, events: Mapping[str, Mapping[str, Any]]) -> str:
    """Which of ``events`` a pattern (dict or JSON text) matches, as lines of text.

    An invalid pattern or JSON gives its error message instead of raising, so a
    playground never shows a traceback.
    """
    from course_lib.eventbridge import InvalidEventPattern, test_event_pattern

    try:
        verdicts = {name: test_event_pattern(pattern, event) for name, event in events.items()}
    except InvalidEventPattern as error:
        return f"✘ {error}"
    lines = [f"{'✔ match   ' if hit else '· no match'}  {name}" for name, hit in verdicts.items()]
    count = sum(verdicts.values())
    lines.append(f"{count} of {len(verdicts)} events match")
    return "\n".join(lines)


def pattern_controls(presets: Mapping[str, Any]):
    """A drop-down of ``presets`` and a text box holding the chosen pattern's JSON.

    Choosing a preset writes its JSON into the box, where the learner can edit it.
    Returns ``(dropdown, text_box)`` for :func:`course_lib.widgets.explore`.
    """
    import ipywidgets as w

    if not presets:
        raise ValueError("presets: give at least one named pattern")

    def text(name: str) -> str:
        pattern = presets[name]
        return pattern if isinstance(pattern, str) else json.dumps(pattern, indent=1)

    first = next(iter(presets))
    dropdown = w.Dropdown(
        options=list(presets),
        value=first,
        description="preset",
        style={"description_width": "initial"},
    )
    box = w.Textarea(
        value=text(first),
        description="pattern",
        continuous_update=False,
        layout=w.Layout(width="95%", height="11em"),
    )

    def fill(change: Mapping[str, Any]) -> None:
        box.value = text(change["new"])

    dropdown.observe(fill, names="value")
    return dropdown, box


# -- deliveries on the virtual clock ---------------------------------------------------------------


def _deliveries(trace: Iterable[Any]) -> list[Any]:
    return [r for r in trace if _field(r, "kind") == "event"]


def delivery_timeline(trace: Iterable[Any], *, title: str = "", time_unit: str = "s"):
    """Every delivery attempt on a time axis: one row per event and target.

    Crosses are failed attempts, dots successful ones; a square marks the event's
    arrival in the dead-letter queue, a bold X an event dropped for lack of one.
    """
    scale = {"s": 1.0, "min": 1 / 60, "h": 1 / 3600}[time_unit]
    records = _deliveries(trace)
    if not records:
        raise ValueError("the trace holds no deliveries: publish events and run the world first")
    event_numbers: dict[str, int] = {}
    lanes: dict[tuple[str, str], list[Any]] = {}
    for record in records:
        meta = _field(record, "meta", {}) or {}
        event_id = str(meta.get("event_id"))
        event_numbers.setdefault(event_id, len(event_numbers) + 1)
        lanes.setdefault((event_id, _field(record, "target")), []).append(record)
    fig, ax = figure(width=9.0, height=max(2.4, 0.42 * len(lanes) + 1.6))
    seen: set[str] = set()
    for row, attempts in enumerate(lanes.values()):
        sent = _field(attempts[0], "time") * scale
        times = [_field(a, "delivered_at") * scale for a in attempts]
        ax.plot([sent, max(times)], [row, row], color=COLORS["grey"], lw=1, zorder=1)
        ax.plot([sent], [row], marker="|", color=COLORS["grey"], markersize=12)
        for attempt, at in zip(attempts, times, strict=True):
            outcome = _field(attempt, "outcome")
            marker, color, label = _OUTCOME_STYLE.get(outcome, ("o", COLORS["grey"], outcome))
            ax.plot(
                [at],
                [row],
                marker=marker,
                color=color,
                markersize=8 if outcome != "dropped" else 10,
                mew=2,
                linestyle="none",
                label=None if outcome in seen else label,
                zorder=3,
            )
            seen.add(outcome)
    labels = [f"event {event_numbers[e]} → {t}" for e, t in lanes]
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.8)
    ax.set_xlabel(f"virtual time ({time_unit})")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=min(4, len(seen)))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def fanout_records(trace: Iterable[Any]) -> list[dict[str, Any]]:
    """The trace as arrows for :func:`course_lib.viz.sequence_diagram`.

    PutEvents calls (producer -> bus) arrive at once and are labelled; deliveries
    (bus -> target) are unlabelled arrows carrying their attempt's outcome (a delivery
    that ends in a dead-letter queue or is dropped counts as failed). Queue bookkeeping
    records are left out.
    """
    arrows = []
    for record in trace:
        kind = _field(record, "kind")
        if kind == "PutEvents":
            arrows.append(
                {
                    "time": _field(record, "time"),
                    "source": _field(record, "source"),
                    "target": _field(record, "target"),
                    "kind": "PutEvents",
                    "delivered_at": _field(record, "time"),
                    "outcome": "delivered",
                }
            )
        elif kind == "event":
            outcome = _field(record, "outcome")
            arrows.append(
                {
                    "time": _field(record, "time"),
                    "source": _field(record, "source"),
                    "target": _field(record, "target"),
                    "kind": "",
                    "delivered_at": _field(record, "delivered_at"),
                    "outcome": "failed" if outcome in ("dead-lettered", "dropped") else outcome,
                }
            )
    return sorted(arrows, key=lambda a: (a["time"], a["delivered_at"] or 0.0))


# -- schedules -----------------------------------------------------------------------------------


def schedule_plot(
    firings: Mapping[str, Sequence[datetime]], *, start: datetime, days: float, title: str = ""
):
    """When each schedule rule fired: one row per rule, a tick per firing, days on the axis."""
    from datetime import timedelta

    if not firings:
        raise ValueError("firings: give at least one rule's firing times")
    fig, ax = figure(width=9.0, height=0.6 * len(firings) + 1.8)
    palette = [COLORS["blue"], COLORS["orange"], COLORS["green"], COLORS["purple"]]
    for row, times in enumerate(firings.values()):
        offsets = [(t - start).total_seconds() / 86_400 for t in times]
        ax.eventplot(
            [offsets] if offsets else [[]],
            lineoffsets=row,
            linelengths=0.6,
            colors=palette[row % len(palette)],
            linewidths=1.2,
        )
        ax.text(days * 1.01, row, f"{len(times)}×", va="center", fontsize=9)
    ax.set_yticks(range(len(firings)), list(firings))
    ax.set_ylim(len(firings) - 0.5, -0.5)
    ax.set_xlim(0, days)
    midnight = datetime.combine(start.date(), datetime.min.time(), tzinfo=start.tzinfo)
    ticks, labels = [], []
    day = midnight if midnight >= start else midnight + timedelta(days=1)
    while (day - start).total_seconds() / 86_400 <= days:
        ticks.append((day - start).total_seconds() / 86_400)
        labels.append(f"{day:%a}\n{day:%d %b}")
        day += timedelta(days=1)
    ax.set_xticks(ticks, labels)
    ax.set_xlabel(f"virtual time (midnight UTC ticks; the clock starts {start:%a %d %b %H:%M})")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def arrivals_plot(rows: Mapping[str, Sequence[str]], *, title: str = ""):
    """The order in which a consumer received events: one row per phase, left to right.

    ``rows`` maps a row name (``"original"``, ``"replay"``) to the labels of the events
    in the order they arrived, so a change of order shows at a glance.
    """
    if not rows:
        raise ValueError("rows: give at least one row of arrivals")
    longest = max(len(labels) for labels in rows.values())
    fig, ax = figure(width=max(6.0, 0.75 * longest + 2.5), height=0.8 * len(rows) + 1.4)
    palette = [COLORS["blue"], COLORS["orange"], COLORS["green"], COLORS["purple"]]
    for row, labels in enumerate(rows.values()):
        xs = list(range(1, len(labels) + 1))
        color = palette[row % len(palette)]
        ax.plot(xs, [row] * len(xs), "o", color=color, markersize=22, linestyle="none")
        for x, label in zip(xs, labels, strict=True):
            ax.text(
                x,
                row,
                label,
                ha="center",
                va="center",
                color="white",
                fontsize=9,
                fontweight="bold",
            )
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0.4, longest + 0.6)
    ax.set_xticks(range(1, longest + 1))
    ax.set_xlabel("arrival (1st, 2nd, ...)")
    ax.grid(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def group_order_plot(arrivals: Mapping[str, Sequence[tuple[float, str, int]]], *, title: str = ""):
    """The order in which each subscriber's target received events, one lane per event group.

    ``arrivals`` maps a subscriber's name to ``(seconds, group, step)`` tuples, where
    ``step`` is the event's position in its group's publish order. Events are placed by
    arrival (1st, 2nd, ...) with their arrival time under them; an event that arrives
    after a later event of its own group is drawn in red: its group was reordered.
    """
    if not arrivals:
        raise ValueError("arrivals: give at least one subscriber's arrivals")
    groups = sorted({group for rows in arrivals.values() for _, group, _ in rows})
    longest = max(len(rows) for rows in arrivals.values())
    fig, axes = figure(
        width=max(7.0, 0.62 * longest + 2.2),
        height=0.9 + 0.62 * len(groups) * len(arrivals),
        nrows=len(arrivals),
    )
    axes = list(axes) if len(arrivals) > 1 else [axes]
    for ax, (name, rows) in zip(axes, arrivals.items(), strict=True):
        latest: dict[str, int] = {}
        reordered = 0
        for rank, (seconds, group, step) in enumerate(sorted(rows), start=1):
            late = step < latest.get(group, 0)
            reordered += late
            latest[group] = max(latest.get(group, 0), step)
            y = groups.index(group)
            color = COLORS["red"] if late else COLORS["blue"]
            ax.plot(rank, y, "o", color=color, markersize=18, linestyle="none")
            ax.text(
                rank,
                y,
                str(step),
                ha="center",
                va="center",
                color="white",
                fontsize=9,
                fontweight="bold",
            )
            ax.text(
                rank,
                y + 0.42,
                f"{seconds:.0f} s",
                ha="center",
                va="center",
                fontsize=7,
                color="#555555",
            )
        ax.set_yticks(range(len(groups)), [f"group {g}" for g in groups])
        ax.set_ylim(len(groups) - 0.35, -0.6)
        ax.set_xlim(0.4, longest + 0.6)
        ax.set_xticks(range(1, longest + 1))
        verdict = (
            f"{reordered} event(s) arrived after a later event of their group (red)"
            if reordered
            else "every group in publish order"
        )
        ax.set_title(f"{name}: {verdict}", fontsize=10, loc="left")
        ax.grid(False)
    axes[-1].set_xlabel("arrival at the target (1st, 2nd, ...); inside: the step; under: the time")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def overview_diagram() -> Diagram:
    """Producers of three kinds, one bus, rules, and the kinds of targets they reach."""
    source = """digraph overview {
  rankdir=LR; nodesep=0.3; ranksep=0.7;
  node [shape=box, style="rounded,filled", fillcolor="#E8F1FA", fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica", fontsize=9, color="#555555"];
  aws [label="AWS services\n(state changes, API calls)"];
  apps [label="your applications\n(PutEvents)"];
  saas [label="SaaS partners\n(partner event sources)"];
  bus [label="event bus", shape=box, style="filled,bold", fillcolor="#FFE9B3", penwidth=2];
  rules [label="rules\n(event pattern or schedule)", fillcolor="#FFFFFF"];
  t1 [label="AWS services\nLambda, SQS, SNS, Step Functions,\nKinesis, ECS, Batch, Redshift,\nAPI Gateway, ... (20+)", fillcolor="#DDF2E9"];
  t2 [label="API destinations\n(any HTTPS endpoint)", fillcolor="#DDF2E9"];
  t3 [label="another event bus\n(other account or Region)", fillcolor="#DDF2E9"];
  aws -> bus; apps -> bus; saas -> bus;
  bus -> rules [label="every event"];
  rules -> t1 [label="matching events"]; rules -> t2; rules -> t3;
}"""
    return Diagram(source, "what EventBridge connects")


__all__ = [
    "arrivals_plot",
    "delivery_timeline",
    "fanout_records",
    "match_grid",
    "match_report",
    "overview_diagram",
    "pattern_controls",
    "pattern_summary",
    "routing_diagram",
    "schedule_plot",
]
