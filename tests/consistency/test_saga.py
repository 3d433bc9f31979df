"""The order saga: all committed or all compensated, whatever fails and when."""

import json

import pytest

from course_lib.consistency import run_sagas
from course_lib.consistency.saga import (
    DEFINITION_FILE,
    SAGA_STEPS,
    STEP_ERRORS,
    classify,
    order_saga_definition,
)
from course_lib.stepfunctions import execute, validate

# 10,000 runs take about 10 s on one core; 2,000 keep the unit test quick and still
# exercise every failure path hundreds of times.
RUNS = 2_000


def test_every_run_ends_all_committed_or_all_compensated():
    report = run_sagas(RUNS, failure_probability=0.15, seed=11)
    assert report.violations == 0
    assert report.committed + report.compensated == RUNS
    assert report.committed > 0 and report.compensated > 0
    assert all(count > 0 for count in report.failed_step.values())
    assert sum(report.failed_step.values()) == report.compensated
    assert report.retries > 0  # compensations failed transiently and were retried


def test_the_definition_file_is_valid_asl_and_is_what_runs():
    text = DEFINITION_FILE.read_text()
    assert validate(json.loads(text)) == []
    assert order_saga_definition() == json.loads(text)


def test_the_compensations_run_newest_first_from_the_failed_step():
    report = run_sagas(300, failure_probability=0.3, seed=2)
    entered = report.example.states_entered
    assert entered == [
        "ReserveStock",
        "ChargePayment",
        "BookCourier",
        "CancelCourier",
        "RefundPayment",
        "ReleaseStock",
        "OrderCancelled",
    ]
    assert report.example.status == "FAILED" and report.example.error == "OrderCancelled"


def test_a_clean_refusal_undoes_only_the_completed_steps_as_in_the_paper():
    # Every order's first step refuses before acting: nothing to undo, no compensation runs.
    report = run_sagas(200, failure_probability=1.0, lost_reply_share=0.0, seed=4)
    assert report.as_dict() == {"committed": 0, "compensated": 200, "violation": 0}
    assert report.compensations == 0
    assert report.example.states_entered == ["ReserveStock", "OrderCancelled"]


def test_an_ambiguous_failure_also_undoes_the_failed_step():
    # Every order's first step acts and then times out: its own undo must run.
    report = run_sagas(
        200, failure_probability=1.0, lost_reply_share=1.0, compensation_failure_probability=0.0
    )
    assert report.as_dict() == {"committed": 0, "compensated": 200, "violation": 0}
    assert report.compensations == 200
    assert report.example.states_entered == ["ReserveStock", "ReleaseStock", "OrderCancelled"]


def test_each_catcher_follows_the_rule_it_is_labelled_with():
    definition = order_saga_definition()
    previous = "OrderCancelled"
    for step, compensation, _ in SAGA_STEPS:
        refusal, other = definition["States"][step]["Catch"]
        assert refusal == {
            "ErrorEquals": [STEP_ERRORS[step]],
            "ResultPath": "$.error",
            "Next": previous,
        }
        assert other["ErrorEquals"] == ["States.ALL"] and other["Next"] == compensation
        previous = compensation


def test_the_papers_rule_for_every_failure_leaves_effects_behind():
    paper = order_saga_definition(compensate_failed_step=False)
    assert validate(paper) == []
    broken = run_sagas(1_000, failure_probability=0.2, definition=paper, seed=3)
    assert broken.violations > 0
    order_id, ledger = broken.violation_examples[0]
    assert order_id.startswith("order-") and sum(ledger.values()) == 1
    # Without lost replies a failed step never acted, so the paper's rule is enough.
    clean = run_sagas(1_000, failure_probability=0.2, lost_reply_share=0.0, definition=paper)
    assert clean.violations == 0


def test_no_failures_commit_everything_and_certain_failure_compensates_everything():
    assert run_sagas(200, failure_probability=0.0).as_dict() == {
        "committed": 200,
        "compensated": 0,
        "violation": 0,
    }
    report = run_sagas(200, failure_probability=1.0, compensation_failure_probability=0.0)
    assert report.as_dict() == {"committed": 0, "compensated": 200, "violation": 0}
    assert report.failed_step["ReserveStock"] == 200


def test_a_compensation_that_never_succeeds_is_a_violation():
    report = run_sagas(
        100, failure_probability=0.5, lost_reply_share=1.0, compensation_failure_probability=1.0
    )
    assert report.committed + report.violations == 100 and report.violations > 0


def test_same_seed_same_counts():
    first = run_sagas(300, failure_probability=0.2, seed=5)
    again = run_sagas(300, failure_probability=0.2, seed=5)
    assert first.as_dict() == again.as_dict()
    assert first.failed_step == again.failed_step


def test_classify_reads_the_ledger_not_only_the_status():
    done = {entry: True for _, _, entry in SAGA_STEPS}
    undone = {entry: False for _, _, entry in SAGA_STEPS}
    success = execute({"StartAt": "Ok", "States": {"Ok": {"Type": "Succeed"}}})
    cancelled = execute(
        {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "OrderCancelled"}}}
    )
    assert classify(success, done) == "committed"
    assert classify(success, undone) == "violation"
    assert classify(cancelled, undone) == "compensated"
    assert classify(cancelled, {**undone, "payment": True}) == "violation"


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"runs": 0}, ValueError, "runs"),
        ({"runs": 1.5}, TypeError, "runs"),
        ({"failure_probability": 1.5}, ValueError, "failure_probability"),
        ({"lost_reply_share": "half"}, TypeError, "lost_reply_share"),
        ({"compensation_failure_probability": -0.1}, ValueError, "compensation_failure"),
        ({"seed": "x"}, TypeError, "seed"),
    ],
)
def test_bad_parameters_name_the_field(kwargs, error, field):
    with pytest.raises(error, match=field):
        run_sagas(**kwargs)
