"""The data-flow picture: one box per stage, changes marked, long JSON cut, clear errors;
rows that wrap, the state input as ResultPath's reference, error details, a caught
error's output and the variables an Assign sets."""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyBboxPatch

from course_lib.stepfunctions import test_state as run_state
from course_lib.viz import COLORS
from course_lib.viz import dataflow as draw

TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "InputPath": "$.order",
    "Parameters": {"FunctionName": "price", "Payload.$": "$"},
    "ResultSelector": {"total.$": "$.Payload.total"},
    "ResultPath": "$.order.price",
    "OutputPath": "$.order",
    "End": True,
}
JSONATA = {
    "Type": "Task",
    "QueryLanguage": "JSONata",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Arguments": {"FunctionName": "price", "Payload": "{% $states.input.order %}"},
    "Output": "{% $merge([$states.input.order, {'total': $states.result.Payload.total}]) %}",
    "End": True,
}
INPUT = {"order": {"id": "o-1", "items": ["pizza"] * 20}, "customer": "ana"}
MOCK = {"result": json.dumps({"Payload": {"total": 23.5}, "StatusCode": 200})}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def answer(state=TASK):
    return run_state(state, INPUT, inspection_level="DEBUG", mock=MOCK)


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def texts(ax):
    return {t.get_text(): to_hex(t.get_color()) for t in ax.texts}


def test_stages_follow_the_order_a_state_runs_them():
    labels = [label for label, _ in draw.stages(answer())]
    assert labels == [
        "input",
        "InputPath",
        "Parameters",
        "result",
        "ResultSelector",
        "ResultPath",
        "output",
    ]
    assert [label for label, _ in draw.stages(answer(JSONATA))] == [
        "input",
        "Arguments",
        "result",
        "output",
    ]


def test_a_failed_state_ends_in_its_error():
    failed = run_state({"Type": "Fail", "Error": "E", "Cause": "C"}, {}, inspection_level="DEBUG")
    assert draw.stages(failed)[-1] == ("error", {"Error": "E", "Cause": "C"})


def test_changes_name_added_changed_and_removed_keys():
    assert draw.changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "added": ["c"],
        "changed": ["b"],
        "removed": [],
    }
    assert draw.changes({"a": 1}, [1])["changed"] == ["$"]
    assert draw.changes([1], [1]) == {"added": [], "changed": [], "removed": []}


def test_the_pipeline_draws_one_box_per_stage_with_changes_coloured():
    fig = draw.pipeline(answer(), title="Price the order")
    (ax,) = fig.axes
    assert len(boxes(ax)) == 7
    shown = texts(ax)
    assert shown['- "customer"'] == COLORS["red"].lower()
    assert shown[' "total": 23.5'] == COLORS["green"].lower()
    assert ax.get_title(loc="left") == "Price the order"


def test_long_json_is_cut_with_an_ellipsis():
    fig = draw.pipeline(answer())
    cut = [t for t in texts(fig.axes[0]) if t.endswith("…")]
    assert cut
    assert all(len(t) <= 30 for t in cut)


def test_side_by_side_draws_both_query_languages():
    fig = draw.side_by_side(answer(), answer(JSONATA), title="Price")
    top, bottom = fig.axes
    assert (len(boxes(top)), len(boxes(bottom))) == (7, 4)
    assert top.get_title(loc="left") == "Price: JSONPath"
    assert bottom.get_title(loc="left") == "Price: JSONata"
    assert top.get_xlim() == bottom.get_xlim()


def test_an_answer_without_stages_is_a_clear_error():
    info = run_state({"Type": "Pass", "End": True}, {})
    with pytest.raises(ValueError, match="inspection_level='DEBUG'"):
        draw.pipeline(info)
    with pytest.raises(TypeError, match="TestState answer"):
        draw.pipeline([1])


def test_long_pipelines_wrap_into_rows_with_a_legend():
    fig = draw.pipeline(answer(), per_row=4)
    (ax,) = fig.axes
    rows = sorted({round(box.get_y() + box.get_height(), 3) for box in boxes(ax)})
    assert len(rows) == 2  # four boxes, then three
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["added", "changed", "removed"]
    assert len(ax.lines) == 1  # the connector from one row to the next
    assert (
        len({round(b.get_x(), 3) for b in boxes(draw.pipeline(answer(), per_row=7).axes[0])}) == 7
    )


def test_result_path_is_compared_with_the_state_input():
    found = draw.stages(answer())
    state_input = found[0][1]
    placed, _, _ = draw._layout(found, 4)
    result_path = [label for label, _ in found].index("ResultPath")
    coloured = {text: colour for text, colour in placed[result_path][3]}
    assert coloured[' "customer": "ana"'] == "black"  # it came back from the input
    assert "customer" in state_input


def test_errors_show_their_details_and_a_caught_error_its_output():
    retry = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pay",
        "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 2}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fallback"}],
        "End": True,
    }
    busy = run_state(
        retry,
        INPUT,
        inspection_level="DEBUG",
        mock={"errorOutput": {"error": "Busy", "cause": "x"}},
    )
    label, value = draw.stages(busy)[-1]
    assert label == "error"
    assert value["retryBackoffIntervalSeconds"] == 2 and value["retryIndex"] == 0
    caught = run_state(
        retry,
        INPUT,
        inspection_level="DEBUG",
        mock={"errorOutput": {"error": "Other", "cause": "y"}},
    )
    assert [label for label, _ in draw.stages(caught)][-2:] == ["error", "output"]
    assert len(boxes(draw.pipeline(caught).axes[0])) == len(draw.stages(caught))


def test_assigned_variables_get_a_dashed_box_beside_the_output():
    state = {**JSONATA, "Assign": {"total": "{% $states.result.Payload.total %}"}}
    found = draw.stages(answer(state))
    assert found[-1] == ("variables", {"total": 23.5})
    fig = draw.side_by_side(answer(), answer(state))
    bottom = fig.axes[1]
    dashed = [b for b in boxes(bottom) if b.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert len({round(b.get_y() + b.get_height(), 3) for b in boxes(bottom)}) == 1


def test_a_changed_object_lists_the_keys_changed_inside_it():
    found = draw.stages(answer())
    placed, _, _ = draw._layout(found, 4)
    result_path = [label for label, _ in found].index("ResultPath")
    lines = dict(placed[result_path][3])
    assert lines['   + "order"."price"'] == COLORS["green"]
    assert draw._lines({"a": 1}, draw.changes({"a": 1}, {"a": 1}), {"a": 1}) == [
        ("{", "black"),
        (' "a": 1', "black"),
        ("}", "black"),
    ]
