"""The data flow through one state: the JSON after each stage, side by side, changes marked.

``pipeline(answer)`` draws a TestState answer (``test_state(..., inspection_level="DEBUG")``
or one entry of ``inspect_execution``) as boxes left to right, one per stage AWS
reports: input, InputPath, Parameters or Arguments, the result, ResultSelector,
ResultPath and the output. Each object is shown one top-level key per line; a key the
stage added is green, one it changed orange, one it removed red. ``side_by_side``
draws the same state written in JSONPath and in JSONata, one above the other.
"""

from __future__ import annotations

import json
from typing import Any

from matplotlib.patches import FancyBboxPatch

from course_lib.viz.style import COLORS, figure

#: The stages in the order a state runs them, with the label each box carries.
STAGES = (
    ("input", "input"),
    ("afterInputPath", "InputPath"),
    ("afterArguments", "Arguments"),
    ("afterParameters", "Parameters"),
    ("afterItemsPath", "ItemsPath"),
    ("afterItemSelector", "ItemSelector"),
    ("afterItemBatcher", "ItemBatcher"),
    ("result", "result"),
    ("afterResultSelector", "ResultSelector"),
    ("afterResultPath", "ResultPath"),
)
MARKS = {"added": COLORS["green"], "changed": COLORS["orange"], "removed": COLORS["red"]}
_MAX_WIDTH = 30
_MAX_LINES = 12
_BOX_WIDTH = 2.6
_GAP = 0.5
_LINE = 0.32


def stages(answer: dict) -> list[tuple[str, Any]]:
    """``(label, value)`` for each stage of a TestState answer (or of its ``inspectionData``),
    in the order the state runs them, ending with its output or its error."""
    if not isinstance(answer, dict):
        raise TypeError(f"answer: expected a TestState answer (dict), got {type(answer).__name__}")
    data = answer.get("inspectionData", answer)
    if not isinstance(data, dict) or "input" not in data:
        raise ValueError(
            "answer: no stages to draw; call test_state(..., inspection_level='DEBUG') "
            "(INFO answers carry no inspectionData)"
        )
    found = [(label, data[key]) for key, label in STAGES if key in data]
    if "output" in answer:
        found.append(("output", answer["output"]))
    elif "error" in answer:
        found.append(("error", {"Error": answer["error"], "Cause": answer.get("cause")}))
    return found


def changes(before: Any, after: Any) -> dict[str, list[str]]:
    """The top-level keys a stage ``added``, ``changed`` and ``removed`` (objects only;
    any other change of value is the whole value ``changed``, listed as ``"$"``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            "added": [k for k in after if k not in before],
            "changed": [k for k in after if k in before and before[k] != after[k]],
            "removed": [k for k in before if k not in after],
        }
    return {"added": [], "changed": ["$"] if before != after else [], "removed": []}


def _clip(text: str, width: int = _MAX_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _lines(value: Any, marks: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The box's text, one (line, colour) per top-level key of an object."""
    whole = COLORS["orange"] if marks["changed"] == ["$"] else "black"
    if not isinstance(value, dict) or not value:
        text = json.dumps(value, ensure_ascii=False)
        rows = [text[i : i + _MAX_WIDTH] for i in range(0, len(text), _MAX_WIDTH)] or [""]
        out = [(row, whole) for row in rows]
    else:
        out = [("{", whole)]
        for key, item in value.items():
            colour = "black"
            if key in marks["added"]:
                colour = MARKS["added"]
            elif key in marks["changed"]:
                colour = MARKS["changed"]
            line = f' "{key}": ' + json.dumps(item, ensure_ascii=False)
            out.append((_clip(line), colour))
        out.append(("}", whole))
    out += [(_clip(f'- "{key}"'), MARKS["removed"]) for key in marks["removed"]]
    if len(out) > _MAX_LINES:
        out = [*out[: _MAX_LINES - 1], ("…", "black")]
    return out


def _draw(ax, found: list[tuple[str, Any]], title: str, slots: int) -> None:
    """Boxes left to right in ``slots`` places (rows of a figure line up)."""
    ax.set_axis_off()
    ax.grid(False)
    tallest = 1
    previous: Any = None
    for index, (label, value) in enumerate(found):
        marks = changes(previous, value) if index else {"added": [], "changed": [], "removed": []}
        lines = _lines(value, marks)
        tallest = max(tallest, len(lines))
        x = index * (_BOX_WIDTH + _GAP)
        height = (len(lines) + 0.6) * _LINE
        edge = COLORS["red"] if label == "error" else COLORS["blue"]
        ax.add_patch(_box(x, -height, _BOX_WIDTH, height, edge))
        ax.text(x + _BOX_WIDTH / 2, 0.15, label, ha="center", va="bottom", fontweight="bold")
        for row, (text, colour) in enumerate(lines):
            ax.text(
                x + 0.08,
                -(row + 0.8) * _LINE,
                text,
                family="monospace",
                fontsize=8,
                color=colour,
                va="center",
            )
        if index:
            ax.annotate(
                "",
                xy=(x, -_LINE),
                xytext=(x - _GAP, -_LINE),
                arrowprops={"arrowstyle": "->", "color": COLORS["grey"]},
            )
        previous = value
    ax.set_xlim(-0.1, slots * (_BOX_WIDTH + _GAP))
    ax.set_ylim(-(tallest + 1) * _LINE, 0.6)
    if title:
        ax.set_title(title, loc="left")


def _box(x: float, y: float, width: float, height: float, edge: str) -> FancyBboxPatch:
    return FancyBboxPatch(
        (x, y),
        width,
        height,
        boxstyle="round,pad=0.02",
        facecolor="white",
        edgecolor=edge,
        linewidth=1.2,
    )


def _size(rows: list[list[tuple[str, Any]]]) -> tuple[float, float]:
    boxes = max(len(found) for found in rows)
    tallest = max(len(_lines(value, changes(value, value))) for found in rows for _, value in found)
    width = max(6.0, boxes * (_BOX_WIDTH + _GAP) * 1.05)
    return width, sum(0.9 + min(tallest, _MAX_LINES) * 0.2 for _ in rows)


def pipeline(inspection: dict, *, title: str = ""):
    """One state's data flow as boxes left to right, what each stage changed marked.

    ``inspection`` is a TestState answer at DEBUG or TRACE (or its ``inspectionData``).
    Long JSON is cut with an ellipsis. Returns the matplotlib figure."""
    found = stages(inspection)
    width, height = _size([found])
    fig, ax = figure(width=width, height=height)
    _draw(ax, found, title, len(found))
    fig.tight_layout()
    return fig


def side_by_side(jsonpath_inspection: dict, jsonata_inspection: dict, *, title: str = ""):
    """The same state written in JSONPath (top) and in JSONata (bottom), stage by stage."""
    rows = [stages(jsonpath_inspection), stages(jsonata_inspection)]
    width, height = _size(rows)
    fig, axes = figure(width=width, height=height, nrows=2)
    for ax, found, name in zip(axes, rows, ("JSONPath", "JSONata"), strict=True):
        _draw(ax, found, f"{title}: {name}" if title else name, max(map(len, rows)))
    fig.tight_layout()
    return fig
