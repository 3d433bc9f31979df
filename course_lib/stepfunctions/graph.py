"""Graphviz DOT source for a state machine, drawn like Workflow Studio.

Choice edges carry their rule, Parallel branches and Map processors are cluster
boxes, Catch edges are dashed, and Start/End are small round nodes. Given an
execution, the path taken is highlighted, a failed state is red and retried states
show their retry count. Only text is produced; ``course_lib.viz`` renders it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

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
    def __init__(self, execution: Any) -> None:
        self.lines: list[str] = []
        self.visited: set[str] = set()
        self.failed: str | None = None
        self.retries: dict[str, int] = {}
        self.taken: set[tuple[str, str]] = set()
        if execution is not None:
            self._read_execution(execution)
        self.cluster = 0

    def _read_execution(self, execution: Any) -> None:
        entered = list(getattr(execution, "states_entered", []))
        self.visited = set(entered)
        for a, b in itertools.pairwise(entered):
            self.taken.add((a, b))
        if getattr(execution, "status", None) == "FAILED" and entered:
            self.failed = entered[-1]
        current = None
        for event in getattr(execution, "history", []):
            details = event.get("stateEnteredEventDetails")
            if details:
                current = details["name"]
            if (
                event["type"] in ("TaskScheduled", "LambdaFunctionScheduled")
                and current is not None
            ):
                self.retries[current] = self.retries.get(current, -1) + 1

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
        retries = self.retries.get(name, 0)
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
            self.lines.append(
                f'{indent}{node} -> {first} [style=dotted, arrowhead=none, color="#888888"];'
            )

    def edge(self, indent: str, a: str, b: str, src: str, dst: str, **attrs: str) -> None:
        if (src, dst) in self.taken:
            attrs.setdefault("color", _quote("#2e7d32"))
            attrs["penwidth"] = "2.5"
        rendered = ", ".join(f"{k}={v}" for k, v in attrs.items())
        self.lines.append(f"{indent}{a} -> {b}" + (f" [{rendered}]" if rendered else "") + ";")

    def edges(self, name: str, state: dict, prefix: str, indent: str) -> None:
        node = self.node_id(prefix, name)
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
                )


def to_dot(definition: dict | str, execution: Any = None) -> str:
    """DOT source for ``definition``; with ``execution``, its path highlighted."""
    definition = load_definition(definition)
    drawer = _Drawer(execution)
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
        lines.append(f'  {end} -> "__end__";')
    lines.append("}")
    return "\n".join(lines) + "\n"
