"""Lesson 08's pictures: each returns a figure with the expected axes and marks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_lib.consistency import (
    LEADER,
    Operation,
    ReplicatedStore,
    check_linearizability,
    compare_session_guarantees,
    k_staleness,
    pbs_curve,
    run_sagas,
)
from course_lib.sim import World
from course_lib.viz import consistency as vc


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def recorded_history():
    world = World(seed=1)
    store = ReplicatedStore(world, followers=2, replication_lag=0.05)
    store.call(store.put("k", {"v": 1}))

    def reader(replica):
        for _ in range(5):
            yield store.get("k", replica=replica)
            yield world.env.timeout(0.02)

    for replica in (LEADER, "follower-1", "follower-2"):
        world.env.process(reader(replica))
    world.run()
    return store.history


def test_freshness_and_window_from_a_recorded_history():
    history = recorded_history()
    judged = vc.read_freshness(history)
    assert len(judged) == 15
    assert all(fresh for op, fresh in judged if op.replica == LEADER)
    assert any(not fresh for op, fresh in judged if op.replica == "follower-1")
    start, end = vc.inconsistency_window(history)
    assert start == pytest.approx(0.002) and 0.05 <= end <= 0.08


def test_no_stale_read_means_no_window():
    ops = [Operation("a", "write", "k", 1, 0, 1), Operation("b", "read", "k", 1, 2, 3)]
    assert vc.inconsistency_window(ops) is None


def test_replication_timeline_has_a_lane_per_replica_and_both_kinds_of_read():
    fig = vc.replication_timeline(recorded_history(), title="t")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [LEADER, "follower-1", "follower-2"]
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0].startswith("window of inconsistency")
    assert "read: latest value" in labels and "read: stale value" in labels


def test_pbs_curves_draw_one_line_per_curve_and_the_paper_marks():
    times = [0, 1, 10, 100]
    curves = [pbs_curve(c, times, trials=2_000) for c in ("LNKD-SSD", "LNKD-DISK", "WAN")]
    fig = vc.pbs_curves(curves, paper=vc.PBS_PAPER_T0)
    (ax,) = fig.axes
    # three curves, the paper's crosses (one line of markers), the 99.9 % target line
    assert len(ax.get_lines()) == 5
    marks = ax.get_lines()[3]
    assert list(marks.get_ydata()) == pytest.approx([97.4, 43.9, 33.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()][:3] == [
        "LNKD-SSD",
        "LNKD-DISK",
        "WAN",
    ]


def test_pbs_curves_label_by_quorum_when_only_the_quorum_varies():
    curves = [pbs_curve("YMMR", [0, 5], r=r, w=w, trials=500) for r, w in ((1, 1), (2, 2))]
    fig = vc.pbs_curves(curves, target=None)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["R=1, W=1", "R=2, W=2"]
    assert len(fig.axes[0].get_lines()) == 2
    with pytest.raises(ValueError, match="curves"):
        vc.pbs_curves([])


def test_k_staleness_bars():
    fig = vc.k_staleness_bars({k: k_staleness(3, 1, 1, k) for k in (1, 2, 3)})
    assert len(fig.axes[0].patches) == 3


def test_history_diagram_numbers_a_linearization_and_marks_the_culprit():
    ops = [
        Operation("A", "write", "x", 1, 0, 3),
        Operation("B", "read", "x", 1, 1, 2),
        Operation("C", "read", "x", 0, 2.5, 4),
        Operation("D", "write", "x", 2, 3.5, None),
    ]
    bad = check_linearizability(ops, initial=0)
    fig = vc.history_diagram(ops, bad)
    (ax,) = fig.axes
    assert len(ax.patches) == 4
    assert ax.get_title() == "not linearizable"
    good_ops = [*ops[:2], Operation("C", "read", "x", 1, 2.5, 4)]
    good = check_linearizability(good_ops, initial=0)
    texts = [t.get_text() for t in vc.history_diagram(good_ops, good).axes[0].texts]
    assert sorted(t.split(".")[0] for t in texts) == ["1", "2", "3"]
    with pytest.raises(ValueError, match="empty"):
        vc.history_diagram([])


def test_session_violations_has_two_panels():
    reports = compare_session_guarantees(users=3, rounds=4)
    fig = vc.session_violations(reports)
    left, right = fig.axes
    assert len(left.patches) == 2 * len(reports)
    assert len(right.patches) == len(reports)


def test_outcome_bars_stack_three_outcomes_per_row():
    report = run_sagas(50, failure_probability=0.3)
    fig = vc.outcome_bars({"saga": report.as_dict(), "other": {"committed": 3, "violation": 2}})
    (ax,) = fig.axes
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_yticklabels()] == ["saga", "other"]


def test_saga_graph_draws_catch_edges_from_above_and_retry_loops_on_the_right():
    from course_lib.consistency import order_saga_definition

    report = run_sagas(50, failure_probability=0.3)
    diagram = vc.saga_graph(order_saga_definition(), report.example, title="saga")
    catches = [line for line in diagram.source.splitlines() if 'label="Catch ' in line]
    # Two catchers per step: the clean refusal and every other (ambiguous) failure.
    assert len(catches) == 6 and all("headport=n" in line for line in catches)
    retries = [line for line in diagram.source.splitlines() if 'label="Retry ' in line]
    assert len(retries) == 3 and all("tailport=e, headport=e" in line for line in retries)
    assert diagram.title == "saga"
