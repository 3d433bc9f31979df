"""The transactional outbox against dual writes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.consistency import compare_outbox, simulate_outbox


def test_dual_writes_lose_events_when_the_service_crashes():
    report = simulate_outbox("dual-write", orders=300, crash_probability=0.1, seed=1)
    assert report.committed == 300
    assert report.crashes > 0
    assert report.lost == report.crashes
    assert report.applied == 300 - report.lost


def test_outbox_loses_nothing_and_deduplication_applies_each_event_once():
    report = simulate_outbox("outbox", orders=300, crash_probability=0.1, seed=1)
    assert report.lost == 0
    assert report.duplicate_deliveries == report.crashes > 0
    assert report.applied == report.committed == 300
    assert report.applied_twice == 0


def test_without_deduplication_duplicates_are_applied():
    report = simulate_outbox("outbox", orders=300, crash_probability=0.1, deduplicate=False, seed=1)
    assert report.lost == 0
    assert report.applied_twice > 0
    assert report.applied == report.published


def test_compare_outbox_rows():
    rows = compare_outbox(orders=100, seed=3)
    assert [(r.strategy, r.deduplicate) for r in rows] == [
        ("dual-write", True),
        ("outbox", False),
        ("outbox", True),
    ]
    with pytest.raises(TypeError, match="strategy"):
        compare_outbox(strategy="outbox")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.floats(0.0, 0.9), st.integers(0, 10_000))
def test_outbox_with_dedup_is_effectively_exactly_once(orders, crash_probability, seed):
    report = simulate_outbox(
        "outbox", orders=orders, crash_probability=crash_probability, seed=seed
    )
    assert report.lost == 0
    assert report.applied == report.distinct_published == report.committed == orders
    assert report.applied_twice == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.floats(0.0, 0.9), st.integers(0, 10_000))
def test_dual_write_never_duplicates_but_loses_one_event_per_crash(orders, p, seed):
    report = simulate_outbox("dual-write", orders=orders, crash_probability=p, seed=seed)
    assert report.duplicate_deliveries == 0
    assert report.lost == report.crashes
    assert report.applied + report.lost == orders


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"strategy": "2pc"}, "strategy"),
        ({"orders": -1}, "orders"),
        ({"crash_probability": 1.0}, "crash_probability"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"restart_delay": -1}, "restart_delay"),
    ],
)
def test_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        simulate_outbox(**kwargs)
