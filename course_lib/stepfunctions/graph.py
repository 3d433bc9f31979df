"""Graphviz DOT source for a state machine, drawn like Workflow Studio.

Choice edges carry their rule, Parallel branches and Map processors are cluster
boxes, Catch edges are dashed, each Retry rule is a dotted self-loop labelled with its
ErrorEquals, and Start/End are small round nodes. Given an execution, every transition
it took is highlighted (read from its history, so the edge leaving a Parallel or Map
state and the edge to End count too), a failed state is red, and retried states and
Retry loops show how often they retried. Only text is produced; ``course_lib.viz``
renders it.
"""

from __future__ import annotations

import json
from typing import Any

from course_lib.stepfunctions.pricing import history_events, retries_by_rule, retry_attempts
from course_lib.stepfunctions.validation import load_definition

_SHAPES = {"Choice": "diamond", "Succeed": "box", "Fail": "box"}
_COLOURS = {
    "Task": "#dbe9ff",
    "Pass": "#f2f2f2",
    "Choice": "#fff4cc",
    "Wait": "#e8e0ff",
    "Succeed": "#d9f2d9",
    "Fail": "#ffd9d9",
    "Parallel": "#f2f2f2",
    "Map": "#f2f2f2",
}
_SKIP = ("Variable", "Next", "Comment", "Assign", "Output")
_TAKEN = {"color": '"#2e7d32"', "penwidth": "2.5"}
#: Where a succeeded execution goes after its last state.
END = "__end__"


def taken_transitions(execution: Any) -> set[tuple[str, str]]:
    """``(from, to)`` state names of every transition an execution took, read from its
    history: each StateEntered event is traced back (``previousEventId``) to the state
    entered before it, so the transition after a Parallel or Map state counts too. The
    end of an execution that succeeded or failed is the transition
    ``(last state, "__end__")``."""
    events = history_events(execution) if execution is not None else []
    by_id = {e["id"]: e for e in events}
    taken = set()
    for event in events:
        ends = event["type"] in ("ExecutionSucceeded", "ExecutionFailed")
        if not (ends or event["type"].endswith("StateEntered")):
            continue
        earlier = by_id.get(event.get("previousEventId"))
        while earlier is not None and not earlier["type"].endswith("StateEntered"):
            earlier = by_id.get(earlier.get("previousEventId"))
        if earlier is not None:
            after = END if ends else event["stateEnteredEventDetails"]["name"]
            taken.add((earlier["stateEnteredEventDetails"]["name"], after))
    return taken


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def describe_rule(rule: dict) -> str:
    """A short label for a choice rule, e.g. ``$.value == 0`` or ``Condition``."""
    if "Condition" in rule:
        text = rule["Condition"]
        if isinstance(text, str) and text.startswith("{%") and text.endswith("%}"):
            text = text[2:-2].strip()
        return str(text)
    for combinator, joiner in (("And", " and "), ("Or", " or ")):
        if combinator in rule:
            return "(" + joiner.join(describe_rule(r) for r in rule[combinator]) + ")"
    if "Not" in rule:
        return "not " + describe_rule(rule["Not"])
    symbols = {
        "Equals": "==",
        "LessThan": "<",
        "GreaterThan": ">",
        "LessThanEquals": "<=",
        "GreaterThanEquals": ">=",
    }
    for key, value in rule.items():
        if key in _SKIP:
            continue
        base = key[:-4] if key.endswith("Path") else key
        shown = value if key.endswith("Path") else json.dumps(value)
        for suffix, symbol in symbols.items():
            if base.endswith(suffix) and base[: -len(suffix)] in (
                "String",
                "Numeric",
                "Boolean",
                "Timestamp",
            ):
                return f"{rule.get('Variable', '')} {symbol} {shown}"
        if base == "StringMatches":
            return f"{rule.get('Variable', '')} matches {shown}"
        return f"{key}({rule.get('Variable', '')}) = {shown}"
    return "?"


class _Drawer:
    def __init__(self, execution: Any, show_retries: bool = True) -> None:
        self.lines: list[str] = []
        self.visited: set[str] = set()
        self.failed: str | None = None
        self.retried: dict[str, list[dict]] = {}
        self.taken: set[tuple[str, str]] = set()
        self.has_execution = execution is not None
        self.show_retries = show_retries
        if execution is not None:
            self._read_execution(execution)
        self.cluster = 0

    def _read_execution(self, execution: Any) -> None:
        entered = list(getattr(execution, "states_entered", []))
        events = history_events(execution)
        if not entered:
            entered = [
                e["stateEnteredEventDetails"]["name"]
                for e in events
                if e["type"].endswith("StateEntered")
            ]
        self.visited = set(entered)
        self.taken = taken_transitions(events)
        if getattr(execution, "status", None) == "FAILED" and entered:
            self.failed = entered[-1]
        for attempt in retry_attempts(events):
            self.retried.setdefault(attempt["state"], []).append(attempt)

    def node_id(self, prefix: str, name: str) -> str:
        return _quote(f"{prefix}{name}")

    def graph(self, graph: dict, prefix: str, indent: str) -> tuple[str, list[str]]:
        """Draw a graph's states; return the id of its first node and ids of its terminal nodes."""
        states = graph.get("States", {})
        ends: list[str] = []
        for name, state in states.items():
            self.state(name, state, prefix, indent, ends)
        for name, state in states.items():
            self.edges(name, state, prefix, indent)
        return self.node_id(prefix, graph.get("StartAt", "")), ends

    def state(self, name: str, state: dict, prefix: str, indent: str, ends: list[str]) -> None:
        kind = state.get("Type", "?")
        node = self.node_id(prefix, name)
        label = name
        retries = len(self.retried.get(name, []))
        if retries > 0:
            label += f"\n(retried {retries}x)"
        attrs = {
            "label": _quote(label),
            "shape": _SHAPES.get(kind, "box"),
            "style": '"rounded,filled"' if kind not in ("Choice",) else "filled",
            "fillcolor": _quote(_COLOURS.get(kind, "#ffffff")),
        }
        if name in self.visited:
            attrs["penwidth"] = "2.5"
            attrs["color"] = _quote("#2e7d32")
        if name == self.failed:
            attrs["fillcolor"] = _quote("#ff8a80")
            attrs["color"] = _quote("#c62828")
        if kind in ("Parallel", "Map"):
            self.container(name, state, prefix, indent, attrs)
        else:
            self.lines.append(
                f"{indent}{node} [{', '.join(f'{k}={v}' for k, v in attrs.items())}];"
            )
        if state.get("End") or kind in ("Succeed", "Fail"):
            ends.append(node)

    def container(self, name: str, state: dict, prefix: str, indent: str, attrs: dict) -> None:
        node = self.node_id(prefix, name)
        kind = state["Type"]
        self.lines.append(f"{indent}{node} [{', '.join(f'{k}={v}' for k, v in attrs.items())}];")
        graphs = (
            state.get("Branches", [])
            if kind == "Parallel"
            else [state.get("ItemProcessor") or state.get("Iterator") or {}]
        )
        for i, sub in enumerate(graphs):
            self.cluster += 1
            title = f"{name}: branch {i + 1}" if kind == "Parallel" else f"{name}: each item"
            self.lines.append(f"{indent}subgraph cluster_{self.cluster} {{")
            self.lines.append(
                f'{indent}  label={_quote(title)}; style="rounded,dashed"; color="#888888";'
            )
            first, _ = self.graph(sub, f"{prefix}{name}/{i}/", indent + "  ")
            self.lines.append(f"{indent}}}")
            colour = '"#888888"'
            if (name, sub.get("StartAt")) in self.taken:
                colour = f"{_TAKEN['color']}, penwidth={_TAKEN['penwidth']}"
            self.lines.append(
                f"{indent}{node} -> {first} [style=dotted, arrowhead=none, color={colour}];"
            )

    def edge(self, indent: str, a: str, b: str, src: str, dst: str, **attrs: str) -> None:
        if (src, dst) in self.taken:
            attrs.setdefault("color", _TAKEN["color"])
            attrs["penwidth"] = _TAKEN["penwidth"]
        rendered = ", ".join(f"{k}={v}" for k, v in attrs.items())
        self.lines.append(f"{indent}{a} -> {b}" + (f" [{rendered}]" if rendered else "") + ";")

    def retry_loops(self, name: str, state: dict, node: str, indent: str) -> None:
        """A dotted self-loop per Retry rule: its errors, its attempts and, given an
        execution that entered the state, how often the rule retried."""
        rules = [r for r in state.get("Retry", []) or [] if isinstance(r, dict)]
        counts = retries_by_rule(state, self.retried.get(name, []))
        for rule, count in zip(rules, counts, strict=True):
            errors = ", ".join(str(e) for e in rule.get("ErrorEquals", []))
            label = f"Retry {errors}\nup to {rule.get('MaxAttempts', 3)}x"
            if count:
                label += f", retried {count}x"
            attrs = {
                "label": _quote(label),
                "style": "dotted",
                "color": _quote("#e69f00"),
                "fontcolor": _quote("#9a6700"),
                "dir": "forward",
                # Loops leave and enter on the right, so their labels stay clear of the
                # edges that arrive from above and leave below.
                "tailport": "e",
                "headport": "e",
            }
            if count:
                attrs["penwidth"] = "2"
            rendered = ", ".join(f"{k}={v}" for k, v in attrs.items())
            self.lines.append(f"{indent}{node} -> {node} [{rendered}];")

    def edges(self, name: str, state: dict, prefix: str, indent: str) -> None:
        node = self.node_id(prefix, name)
        if self.show_retries:
            self.retry_loops(name, state, node, indent)
        if isinstance(state.get("Next"), str):
            self.edge(indent, node, self.node_id(prefix, state["Next"]), name, state["Next"])
        for rule in state.get("Choices", []):
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                self.edge(
                    indent,
                    node,
                    self.node_id(prefix, rule["Next"]),
                    name,
                    rule["Next"],
                    label=_quote(describe_rule(rule)),
                )
        if isinstance(state.get("Default"), str):
            self.edge(
                indent,
                node,
                self.node_id(prefix, state["Default"]),
                name,
                state["Default"],
                label=_quote("Default"),
                style="dashed",
            )
        for catcher in state.get("Catch", []):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                label = "Catch " + ", ".join(catcher.get("ErrorEquals", []))
                self.edge(
                    indent,
                    node,
                    self.node_id(prefix, catcher["Next"]),
                    name,
                    catcher["Next"],
                    label=_quote(label),
                    style="dashed",
                    color=_quote("#c62828"),
                    headport="n",  # from above, clear of the Retry loops on the right
                )


def to_dot(definition: dict | str, execution: Any = None, *, show_retries: bool = True) -> str:
    """DOT source for ``definition``; with ``execution`` (an Execution, its history or a
    GetExecutionHistory response), the states it entered and the transitions it took
    highlighted. ``show_retries=False`` leaves out the Retry loops."""
    definition = load_definition(definition)
    drawer = _Drawer(execution, show_retries)
    lines = drawer.lines
    lines.append("digraph StateMachine {")
    lines.append('  graph [rankdir=TB, fontname="Helvetica", nodesep=0.4, ranksep=0.45];')
    lines.append('  node [fontname="Helvetica", fontsize=11];')
    lines.append('  edge [fontname="Helvetica", fontsize=9];')
    lines.append(
        '  "__start__" [label="Start", shape=circle, style=filled, fillcolor="#333333", fontcolor="white", width=0.5];'
    )
    lines.append(
        '  "__end__" [label="End", shape=doublecircle, style=filled, fillcolor="#333333", fontcolor="white", width=0.4];'
    )
    first, ends = drawer.graph(definition, "", "  ")
    start_attrs = ' [color="#2e7d32", penwidth=2.5]' if drawer.visited else ""
    lines.append(f'  "__start__" -> {first}{start_attrs};')
    for end in ends:
        name = json.loads(end)
        taken = " [" + ", ".join(f"{k}={v}" for k, v in _TAKEN.items()) + "]"
        lines.append(f'  {end} -> "{END}"{taken if (name, END) in drawer.taken else ""};')
    lines.append("}")
    return "\n".join(lines) + "\n"
