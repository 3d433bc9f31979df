"""to_dot with an execution: every transition taken (from the history), Retry loops."""

from __future__ import annotations

from course_lib.exercises.lesson05 import BATCH_DEFINITION, BATCH_ORDER, batch_handlers
from course_lib.stepfunctions import execute, to_dot
from course_lib.stepfunctions.graph import END, taken_transitions

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"
GREEN = '[color="#2e7d32", penwidth=2.5]'


class Busy(Exception):
    pass


class Broken(Exception):
    pass


def failing(*errors):
    """A handler that raises ``errors`` in turn, then succeeds."""
    left = list(errors)

    def handler(event, context):
        if left:
            raise left.pop(0)("no")
        return {"ok": True}

    return handler


TWO_RULES = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": FUNCTION + "t",
            "Retry": [
                {"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 3},
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2},
            ],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_transitions_after_parallel_and_map_and_to_end():
    branch = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    each = {"StartAt": "E", "States": {"E": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch], "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$[0].items", "ItemProcessor": each, "Next": "B"},
            "B": {"Type": "Pass", "End": True},
        },
    }
    run = execute(definition, {"items": [1, 2]})
    taken = taken_transitions(run)
    assert {("P", "M"), ("M", "B"), ("B", END)} <= taken
    dot = to_dot(definition, run)
    assert f'"P" -> "M" {GREEN};' in dot
    assert f'"M" -> "B" {GREEN};' in dot
    assert f'"B" -> "__end__" {GREEN};' in dot
    assert '"M" -> "M/0/E" [style=dotted, arrowhead=none, color="#2e7d32"' in dot
    # the same from the history alone, or a GetExecutionHistory response
    assert taken_transitions({"events": run.history}) == taken
    assert to_dot(definition, run.history).count("penwidth=2.5") == dot.count("penwidth=2.5")


def test_untaken_edges_and_failed_runs_stay_plain():
    run = execute(TWO_RULES, {}, handlers={"t": failing(Busy, Busy, Busy, Busy)})
    assert run.status == "FAILED"
    dot = to_dot(TWO_RULES, run)
    assert '"T" -> "Done";' in dot
    assert '"Done" -> "__end__";' in dot
    assert '"T" [label="T\\n(retried 3x)"' in dot and 'fillcolor="#ff8a80"' in dot


def test_retry_rules_are_dotted_self_loops_with_counts():
    plain = to_dot(TWO_RULES)
    assert '"T" -> "T" [label="Retry Busy\\nup to 3x", style=dotted' in plain
    assert '"T" -> "T" [label="Retry States.ALL\\nup to 2x", style=dotted' in plain
    assert '"T" -> "T"' not in to_dot(TWO_RULES, show_retries=False)

    run = execute(TWO_RULES, {}, handlers={"t": failing(Busy, Broken, Busy)})
    assert run.status == "SUCCEEDED"
    dot = to_dot(TWO_RULES, run)
    assert 'label="Retry Busy\\nup to 3x, retried 2x"' in dot
    assert 'label="Retry States.ALL\\nup to 2x, retried 1x"' in dot
    assert '"T" [label="T\\n(retried 3x)"' in dot


def test_retries_inside_a_map_are_counted_per_state():
    run = execute(BATCH_DEFINITION, BATCH_ORDER, handlers=batch_handlers())
    dot = to_dot(BATCH_DEFINITION, run)
    assert (
        '"BakeAll/0/Bake" -> "BakeAll/0/Bake" [label="Retry OvenBusy\\nup to 3x, retried 2x"' in dot
    )
    assert '"BakeAll/0/Bake" [label="Bake\\n(retried 2x)"' in dot
    assert f'"BakeAll" -> "Ready" {GREEN};' in dot
    assert f'"BakeAll/0/Bake" -> "BakeAll/0/Box" {GREEN};' in dot
