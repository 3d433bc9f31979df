"""Lesson 05's drawings: graphs with the path taken and Retry loops, timelines with the
right lanes and marks, the cost chart's two lines."""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_lib.events import data_dir
from course_lib.sim import World
from course_lib.stepfunctions import execute, to_dot
from course_lib.viz import Diagram
from course_lib.viz import stepfunctions as draw

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def load(name):
    return json.loads((data_dir() / "statemachines" / f"{name}.asl.json").read_text())


def flaky(failures):
    calls = {"n": 0}

    def handler(event, context):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError("down")
        return {"ok": True}

    return handler


RETRYING = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": FUNCTION + "t",
            "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 2, "MaxAttempts": 3}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Fallback": {"Type": "Pass", "End": True},
    },
}


def test_graph_is_a_thin_wrapper_over_to_dot():
    picture = draw.graph(RETRYING, title="retry")
    assert isinstance(picture, Diagram)
    assert picture.title == "retry"
    assert picture.source == to_dot(RETRYING)
    assert '"T" -> "T" [label="Retry ConnectionError\\nup to 3x"' in picture.source
    assert "Catch States.ALL" in picture.source
    assert '"T" -> "T"' not in draw.graph(RETRYING, show_retries=False).source
    assert picture.source.rstrip().endswith("}")
    assert not hasattr(draw, "graph_source")


def test_graph_of_an_execution_is_to_dot_of_it():
    run = execute(RETRYING, {}, handlers={"t": flaky(2)})
    source = draw.graph(RETRYING, run).source
    assert source == to_dot(RETRYING, run)
    assert "up to 3x, retried 2x" in source
    assert '"Done" [label="Done"' in source and '"T" -> "Done" [color="#2e7d32"' in source


def test_graph_of_the_choice_example_shows_the_path():
    choice = load("choice_state")
    handlers = {
        name: (lambda e, c: e)
        for name in ("FirstFunction", "OnFirstMatch", "OnSecondMatch", "NextFunction")
    }
    run = execute(choice, {"foo": 2}, handlers=handlers)
    source = draw.graph(choice, run).source
    assert '"ChoiceState" -> "SecondMatchState" [label="$.foo == 2", color="#2e7d32"' in source
    assert '"ChoiceState" -> "FirstMatchState" [label="$.foo == 1"];' in source


def test_state_spans_and_lanes_of_a_map():
    world = World(seed=1)
    run = execute(
        load("map_fan_out"), {"orderId": "o", "pizzas": ["a", "b", "burnt", "c"]}, world=world
    )
    spans = draw.state_spans(run)
    bakes = [s for s in spans if s["name"] == "Bake"]
    assert [(s["start"], s["end"]) for s in bakes] == [(0, 240), (0, 240), (240, 480), (240, 480)]
    assert spans[0]["name"] == "BakeEachPizza" and spans[0]["end"] == 480
    burnt = next(s for s in spans if s["name"] == "Burnt")
    assert burnt["start"] == burnt["end"] == 480
    fig = draw.history_timeline(run, time_unit="min", title="map")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Bake #1" in labels and "Bake #2" in labels and "BakeEachPizza" in labels
    assert len(ax.patches) == len(spans)
    assert ax.get_title() == "map"


def test_timeline_marks_attempts_and_failures():
    world = World(seed=1)
    run = execute(RETRYING, {}, handlers={"t": flaky(2)}, world=world)
    span = draw.state_spans(run)[0]
    assert span["attempts"] == [0, 2, 6]
    assert span["failed"] == [0, 2]
    fig = draw.history_timeline(run)
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    assert len(ax.lines) == 2  # the attempt ticks and the failure crosses
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Succeed", "Task", "task attempt", "failed attempt"]


def test_timeline_accepts_history_responses_and_checks_its_arguments():
    run = execute(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 7200, "End": True}}}, {}
    )
    fig = draw.history_timeline({"events": run.history}, time_unit="h")
    assert fig.axes[0].get_xlim()[1] == pytest.approx(2 * 1.04)
    with pytest.raises(ValueError, match="time_unit"):
        draw.history_timeline(run, time_unit="days")
    with pytest.raises(ValueError, match="no state"):
        draw.history_timeline([])


def test_history_table_lists_every_event():
    run = execute({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"a": 1})
    table = draw.history_table(run).splitlines()
    assert len(table) == len(run.history)
    assert "PassStateEntered" in table[1] and table[1].endswith("P")
    assert draw.history_table([]) == ""


def test_cost_chart_has_two_lines():
    fig = draw.cost_chart(4, 0.25, title="cost")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    standard, express = (line.get_ydata() for line in ax.lines)
    assert standard[0] == pytest.approx(4 * 1000 * 0.025 / 1000)
    assert all(s > e for s, e in zip(standard, express, strict=True))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        draw.cost_chart(4, 0.25, executions=[0])


def test_static_diagrams():
    anatomy = draw.resource_anatomy()
    assert "aws-sdk" in anatomy.source and ".waitForTaskToken" in anatomy.source
    flow = draw.dataflow_diagram()
    order = ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"]
    positions = [flow.source.index(f'"{name}" [') for name in order]
    assert positions == sorted(positions)
