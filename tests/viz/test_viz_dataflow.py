"""The data-flow picture: one box per stage, changes marked, long JSON cut, clear errors."""

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
