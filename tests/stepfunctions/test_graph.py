"""to_dot: DOT text drawn like Workflow Studio, with an execution's path."""

from __future__ import annotations

import json
from pathlib import Path

from course_lib.stepfunctions import execute, to_dot

CHOICE = json.loads(
    (
        Path(__file__).resolve().parents[2] / "data" / "statemachines" / "choice_state.asl.json"
    ).read_text()
)


def test_nodes_edges_and_labels():
    dot = to_dot(CHOICE)
    assert dot.startswith("digraph StateMachine {")
    assert dot.rstrip().endswith("}")
    assert '"ChoiceState" [' in dot and "shape=diamond" in dot
    assert '"ChoiceState" -> "FirstMatchState" [label="$.foo == 1"]' in dot
    assert '"ChoiceState" -> "DefaultState" [label="Default", style=dashed]' in dot
    assert '"__start__" -> "FirstState"' in dot
    assert '"NextState" -> "__end__"' in dot
    assert "graphviz" not in dot


def test_execution_highlights_path_failure_and_retries():
    handlers = {"FirstFunction": lambda e, c: e}
    failed = execute(CHOICE, {"foo": 9}, handlers=handlers)
    dot = to_dot(CHOICE, failed)
    assert (
        '"DefaultState" [label="DefaultState", shape=box, style="rounded,filled", fillcolor="#ff8a80"'
        in dot
    )
    assert '"FirstState" -> "ChoiceState" [color="#2e7d32", penwidth=2.5]' in dot

    attempts = []

    def flaky(event, context):
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("again")
        return event

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
                "End": True,
            },
            "F": {"Type": "Fail"},
        },
    }
    dot = to_dot(definition, execute(definition, {}, handlers={"flaky": flaky}))
    assert "(retried 2x)" in dot
    assert 'label="Catch States.ALL", style=dashed' in dot


def test_parallel_and_map_are_clusters():
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch, branch], "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": branch, "End": True},
        },
    }
    dot = to_dot(json.dumps(definition))
    assert dot.count("subgraph cluster_") == 3
    assert 'label="P: branch 2"' in dot
    assert 'label="M: each item"' in dot
    assert '"P/0/B"' in dot and '"M/0/B"' in dot
