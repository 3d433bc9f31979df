"""The data flow through one state: the JSON after each stage, side by side, changes marked.

``pipeline(answer)`` draws a TestState answer (``test_state(..., inspection_level="DEBUG")``
or one entry of ``inspect_execution``) as boxes left to right, one per stage AWS
reports: input, InputPath, Parameters or Arguments, the result, ResultSelector,
ResultPath and the output (or the error), four to a row (ResultPath is compared with
the state's input, into which it places the result); the variables an ``Assign``
set get a dashed box at the end. Each object is shown one top-level key per line; a
key the stage added is green, one it changed orange, one it removed red. ``side_by_side``
draws the same state written in JSONPath and in JSONata, one above the other.
"""

from __future__ import annotations

import json
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from course_lib.viz.style import COLORS, figure, style

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
_ROW_GAP = 0.9


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
    if "error" in answer:  # FAILED, RETRIABLE, or CAUGHT_ERROR followed by its output
        error = {"Error": answer["error"], "Cause": answer.get("cause")}
        found.append(("error", {**error, **data.get("errorDetails", {})}))
    if "output" in answer:
        found.append(("output", answer["output"]))
    if "variables" in data:
        found.append(("variables", data["variables"]))
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


def _lines(value: Any, marks: dict[str, list[str]], before: Any = None) -> list[tuple[str, str]]:
    """The box's text, one (line, colour) per top-level key of an object. Under a
    changed key whose value was and is an object, the keys changed inside it (when
    ``before`` is the value compared with)."""
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
            earlier = before.get(key) if isinstance(before, dict) else None
            if key in marks["changed"] and isinstance(earlier, dict) and isinstance(item, dict):
                inner = changes(earlier, item)
                for sign, kind in (("+", "added"), ("~", "changed"), ("-", "removed")):
                    out += [
                        (_clip(f'   {sign} "{key}"."{name}"'), MARKS[kind]) for name in inner[kind]
                    ]
        out.append(("}", whole))
    out += [(_clip(f'- "{key}"'), MARKS["removed"]) for key in marks["removed"]]
    if len(out) > _MAX_LINES:
        out = [*out[: _MAX_LINES - 1], ("…", "black")]
    return out


def _compared_with(
    label: str, previous: Any, index: int, state_input: Any, previous_label: str = ""
) -> tuple[bool, Any]:
    """Whether a stage's box marks changes, and the value it is compared with."""
    if label == "variables":  # what Assign set: all new to the state's output
        return True, {}
    if not index or label == "error":
        return False, None
    if label == "ResultPath" or previous_label == "error":
        # the result (or a caught error) is placed into the state's original input
        return True, state_input
    return True, previous


def _layout(found: list[tuple[str, Any]], per_row: int) -> tuple[list[tuple], float, int]:
    """Each box's (column, top y, height, lines), the bottom of the lowest row and the
    number of columns used. Stages wrap after ``per_row`` boxes; the variables box goes
    beside the last stage."""
    placed: list[tuple] = []
    previous: Any = None
    column, top, tallest = 0, 0.0, 0.0
    for index, (label, value) in enumerate(found):
        if column == per_row and label != "variables":
            top -= tallest + _ROW_GAP
            column, tallest = 0, 0.0
        before = found[index - 1][0] if index else ""
        marked, reference = _compared_with(label, previous, index, found[0][1], before)
        marks = changes(reference, value) if marked else changes(value, value)
        lines = _lines(value, marks, reference)
        if label != "variables":
            previous = value
        height = (len(lines) + 0.6) * _LINE
        placed.append((column, top, height, lines))
        tallest = max(tallest, height)
        column += 1
    bottom = top - tallest
    return placed, bottom, max(c for c, *_ in placed) + 1


def _draw(ax, found: list[tuple[str, Any]], title: str, slots: int, per_row: int) -> None:
    """Boxes left to right, ``per_row`` to a row, in ``slots`` columns (so the rows of
    a figure line up)."""
    ax.set_axis_off()
    ax.grid(False)
    placed, bottom, _ = _layout(found, per_row)
    step = _BOX_WIDTH + _GAP
    for index, ((label, _), (column, top, height, lines)) in enumerate(
        zip(found, placed, strict=True)
    ):
        x = column * step
        edge = COLORS["red"] if label == "error" else COLORS["blue"]
        if label == "output" and index and found[index - 1][0] == "error":
            edge = COLORS["orange"]  # a catcher's output
        if label == "variables":
            edge = COLORS["purple"]
        ax.add_patch(_box(x, top - height, _BOX_WIDTH, height, edge, dashed=label == "variables"))
        ax.text(x + _BOX_WIDTH / 2, top + 0.15, label, ha="center", va="bottom", fontweight="bold")
        for row, (text, colour) in enumerate(lines):
            ax.text(
                x + 0.08,
                top - (row + 0.8) * _LINE,
                text,
                family="monospace",
                fontsize=8,
                color=colour,
                va="center",
            )
        if not index or label == "variables":
            continue
        y = top - _LINE
        if column:
            ax.annotate(
                "",
                xy=(x, y),
                xytext=(x - _GAP, y),
                arrowprops={"arrowstyle": "->", "color": COLORS["grey"]},
            )
        else:  # the row wraps: from the end of the row above, round to this row's start
            _, above, above_height, _ = placed[index - 1]
            row_bottom = min(t - h for c, t, h, _ in placed if t == above)
            lane = (row_bottom + top + 0.35) / 2
            end = placed[index - 1][0] * step + _BOX_WIDTH / 2
            ax.plot(
                [end, end, -_GAP / 2, -_GAP / 2],
                [above - above_height, lane, lane, y],
                color=COLORS["grey"],
                linewidth=1,
            )
            ax.annotate(
                "",
                xy=(x, y),
                xytext=(-_GAP / 2, y),
                arrowprops={"arrowstyle": "->", "color": COLORS["grey"]},
            )
    ax.set_xlim(-_GAP, slots * step)
    ax.set_ylim(bottom - 0.1, 0.6)
    if title:
        ax.set_title(title, loc="left")
    handles = [
        Line2D([], [], color=colour, marker="s", linestyle="none", label=name)
        for name, colour in MARKS.items()
    ]
    ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
        frameon=False,
        fontsize=8,
        handletextpad=0.2,
    )


def _box(
    x: float, y: float, width: float, height: float, edge: str, *, dashed: bool = False
) -> FancyBboxPatch:
    return FancyBboxPatch(
        (x, y),
        width,
        height,
        boxstyle="round,pad=0.02",
        facecolor="white",
        edgecolor=edge,
        linewidth=1.2,
        linestyle="--" if dashed else "-",
    )


def _size(rows: list[list[tuple[str, Any]]], per_row: int) -> tuple[float, list[float], int]:
    """The figure's width, each row's height (inches) and the columns the widest row uses."""
    layouts = [_layout(found, per_row) for found in rows]
    columns = max(used for _, _, used in layouts)
    width = max(6.0, (columns * (_BOX_WIDTH + _GAP) + _GAP) * 1.05)
    return width, [0.85 - bottom for _, bottom, _ in layouts], columns


def pipeline(inspection: dict, *, title: str = "", per_row: int = 4):
    """One state's data flow as boxes left to right (``per_row`` to a row), what each
    stage changed marked.

    ``inspection`` is a TestState answer at DEBUG or TRACE (or its ``inspectionData``).
    Long JSON is cut with an ellipsis; the variables a state assigns get a dashed box
    of their own. Returns the matplotlib figure."""
    found = stages(inspection)
    width, heights, columns = _size([found], per_row)
    fig, ax = figure(width=width, height=heights[0])
    _draw(ax, found, title, columns, per_row)
    fig.tight_layout()
    return fig


def side_by_side(
    jsonpath_inspection: dict, jsonata_inspection: dict, *, title: str = "", per_row: int = 4
):
    """The same state written in JSONPath (top) and in JSONata (bottom), stage by stage."""
    import matplotlib.pyplot as plt

    rows = [stages(jsonpath_inspection), stages(jsonata_inspection)]
    width, heights, columns = _size(rows, per_row)
    style()
    fig, axes = plt.subplots(
        nrows=2, figsize=(width, sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    for ax, found, name in zip(axes, rows, ("JSONPath", "JSONata"), strict=True):
        _draw(ax, found, f"{title}: {name}" if title else name, columns, per_row)
    fig.tight_layout()
    return fig
