"""Lesson 03 library: availability of sync chains vs queues, backlog, exchanges, events."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.messaging import (
    add_consumers,
    availability_experiment,
    backlog_experiment,
    change_requests,
    exchange_latencies,
    exchange_trace,
)
from course_lib.messaging.availability import (
    Intervals,
    outage_timeline,
    union,
    weighted_percentiles,
)

A = 1000 / 1001


# -- interval helpers ---------------------------------------------------------------------
interval_lists = st.lists(
    st.tuples(st.integers(0, 200), st.integers(1, 30)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=12,
)


@given(st.lists(interval_lists, min_size=1, max_size=4))
def test_union_matches_a_brute_force_mask(parts):
    sets = [
        Intervals(np.array([s for s, _ in p], float), np.array([e for _, e in p], float))
        for p in parts
    ]
    merged = union(*sets)
    grid = np.arange(0, 240, 0.5)
    expected = np.zeros(grid.size, dtype=bool)
    for part in parts:
        for start, end in part:
            expected |= (grid >= start) & (grid < end)
    assert np.array_equal(merged.contains(grid), expected)
    assert np.all(merged.starts[1:] > merged.ends[:-1])
    assert merged.total == pytest.approx(float(expected.sum()) * 0.5)


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=50))
def test_weighted_percentiles_with_unit_weights_match_numpy(values):
    array = np.array(values)
    got = weighted_percentiles(array, np.ones(array.size), {"p50": 50, "p90": 90})
    assert got["p50"] == np.percentile(array, 50, method="inverted_cdf")
    assert got["p90"] == np.percentile(array, 90, method="inverted_cdf")
    assert got["max"] == array.max()


def test_outage_timeline_has_the_configured_availability():
    rng = np.random.default_rng(1)
    down = outage_timeline(rng, 1e8, mtbf_s=600.0, mttr_s=60.0)
    assert 1 - down.total / 1e8 == pytest.approx(600 / 660, abs=0.002)
    assert np.all(down.ends > down.starts)
    assert np.all(down.starts[1:] >= down.ends[:-1])


# -- availability ---------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 3, 10])
def test_sync_success_follows_a_to_the_k_and_async_acceptance_a_squared(k):
    result = availability_experiment(k, days=30, seed=3)
    sync, async_ = result["sync"], result["async"]
    assert sync["expected_success_ratio"] == pytest.approx(A**k)
    assert sync["success_ratio"] == pytest.approx(A**k, abs=0.0015)
    assert async_["acceptance_ratio"] == pytest.approx(A**2, abs=0.0015)
    assert async_["processed_fraction"] == 1.0
    assert async_["dlq"] == 0
    assert sync["requests"] == pytest.approx(30 * 86_400 * 10, rel=0.001)
    assert async_["requests"] == pytest.approx(30 * 86_400 * 10, rel=0.001)


def test_async_tail_latency_grows_with_the_chain_and_exceeds_sync():
    one, ten = availability_experiment(1, days=10), availability_experiment(10, days=10)
    assert ten["async"]["latency_s"]["p99.9"] > one["async"]["latency_s"]["p99.9"]
    assert ten["async"]["latency_s"]["p99.9"] > ten["sync"]["latency_s"]["p99.9"]
    for result in (one, ten):
        for mode in ("sync", "async"):
            latency = result[mode]["latency_s"]
            values = [latency[q] for q in ("p50", "p90", "p99", "p99.9", "max")]
            assert values == sorted(values)
            assert values[0] > 0


def test_repairs_longer_than_the_max_event_age_fill_the_dlq():
    result = availability_experiment(
        2, days=3, mtbf_s=7200, mttr_s=3600, max_event_age_s=600, rate_per_s=1
    )
    async_ = result["async"]
    assert async_["dlq"] > 0
    assert async_["processed_fraction"] < 1
    assert async_["processed_fraction"] == pytest.approx(1 - async_["dlq"] / async_["accepted"])


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32), k=st.integers(1, 4))
def test_short_outages_lose_nothing_and_runs_repeat(seed, k):
    params = {
        "days": 0.5,
        "rate_per_s": 2,
        "seed": seed,
        "mtbf_s": 3000,
        "latency_sample_size": 500,
    }
    result = availability_experiment(k, **params)
    assert result["async"]["dlq"] == 0
    assert result["async"]["processed_fraction"] == 1.0
    assert 0 <= result["sync"]["success_ratio"] <= 1
    assert result["async"]["accepted"] + result["async"]["refused"] == result["async"]["requests"]
    assert result == availability_experiment(k, **params)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k:"),
        ({"k": True}, "k:"),
        ({"k": 2, "days": 0}, "days:"),
        ({"k": 2, "rate_per_s": -1}, "rate_per_s:"),
        ({"k": 2, "mttr_s": float("nan")}, "mttr_s:"),
        ({"k": 2, "max_attempts": 0}, "max_attempts:"),
        ({"k": 2, "seed": 1.5}, "seed:"),
    ],
)
def test_availability_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        availability_experiment(**kwargs)


# -- backlog --------------------------------------------------------------------------------
def test_an_outage_longer_than_the_max_age_dead_letters_and_leaves_a_stale_backlog():
    result = backlog_experiment(outage_s=3 * 3600, max_event_age_s=3600, horizon_s=6 * 3600)
    assert result["dlq"] > 0
    assert result["max_wait_s"] <= 3600
    assert result["peak_backlog"] <= 10 * 3600 * 1.05
    assert result["arrived"] == result["processed"] + result["dlq"] + result["backlog_at_end"]
    assert result["series"]["dlq"] == sorted(result["series"]["dlq"])


def test_a_short_outage_is_absorbed_and_the_backlog_drains():
    result = backlog_experiment(outage_s=600, max_event_age_s=3600, capacity_per_s=20)
    assert result["dlq"] == 0
    assert result["processed"] == result["arrived"]
    assert result["recovered_at_s"] is not None
    assert 4200 <= result["recovered_at_s"] < 4200 + 600
    assert result["max_wait_s"] == pytest.approx(600, abs=1)


def test_without_spare_capacity_the_backlog_never_drains():
    result = backlog_experiment(
        outage_s=600, max_event_age_s=3600, capacity_per_s=10, horizon_s=4 * 3600
    )
    assert result["recovered_at_s"] is None


@settings(max_examples=25)
@given(
    outage=st.integers(0, 7200),
    max_age=st.integers(60, 3600),
    rate=st.floats(0.5, 5),
    spare=st.floats(0.5, 3),
    seed=st.integers(0, 1000),
)
def test_backlog_conserves_events(outage, max_age, rate, spare, seed):
    result = backlog_experiment(
        outage_s=outage,
        max_event_age_s=max_age,
        rate_per_s=rate,
        capacity_per_s=rate + spare,
        outage_start_s=600,
        horizon_s=600 + outage + 2 * max_age,
        seed=seed,
    )
    assert result["arrived"] == result["processed"] + result["dlq"] + result["backlog_at_end"]
    assert result["max_wait_s"] <= max_age
    if outage < max_age:
        assert result["dlq"] == 0


def test_backlog_rejects_bad_parameters():
    with pytest.raises(ValueError, match="capacity_per_s"):
        backlog_experiment(capacity_per_s=0)
    with pytest.raises(ValueError, match="outage_s"):
        backlog_experiment(outage_s=-5)


# -- exchanges ------------------------------------------------------------------------------
def test_fire_and_forget_releases_the_caller_sooner_but_finishes_later():
    result = exchange_latencies(500, seed=4)
    rr, ff = result["request_response"], result["fire_and_forget"]
    assert len(rr["samples"]["caller_wait_s"]) == 500
    assert rr["samples"]["caller_wait_s"] == rr["samples"]["end_to_end_s"]
    assert ff["percentiles"]["caller_wait_s"]["p50"] < rr["percentiles"]["caller_wait_s"]["p50"]
    assert ff["percentiles"]["end_to_end_s"]["p50"] > ff["percentiles"]["caller_wait_s"]["p50"]
    assert exchange_latencies(500, seed=4) == result


def test_traces_show_who_talks_to_whom():
    rr = exchange_trace("request_response")
    assert [(r.source, r.target, r.kind) for r in rr] == [
        ("client", "service", "request"),
        ("service", "client", "response"),
    ]
    ff = exchange_trace("fire_and_forget")
    assert [(r.source, r.target, r.kind) for r in ff][:3] == [
        ("producer", "broker", "put"),
        ("broker", "producer", "ack"),
        ("broker", "consumer", "event"),
    ]
    assert ff[1].delivered_at <= ff[2].time
    with pytest.raises(ValueError, match="style"):
        exchange_trace("carrier pigeon")


# -- commands versus events -----------------------------------------------------------------
def test_new_consumers_change_the_producer_of_commands_only():
    result = add_consumers(("kitchen",), ("payments", "delivery"))
    assert result["command"]["producer_changes"] == 2
    assert result["event"]["producer_changes"] == 0
    for wiring in ("command", "event"):
        last = result[wiring]["steps"][-1]
        assert last.received_by == ("delivery", "kitchen", "payments")
    assert [s.consumers_known_to_producer for s in result["command"]["steps"]] == [2, 3]
    assert all(s.consumers_known_to_producer == 0 for s in result["event"]["steps"])


def test_retired_consumers_and_new_needs():
    result = change_requests(
        [("remove", "payments"), ("needs", "kitchen", "address"), ("needs", "kitchen", "customer")],
        ("kitchen", "payments"),
    )
    command, event = result["command"]["steps"], result["event"]["steps"]
    # Commands: every request edits the producer; it passes each consumer what it reads.
    assert [s.producer_changed for s in command] == [True, True, True]
    # Events: a retired consumer deletes its own rule; a field the event lacks (address)
    # changes the producer, one it already carries (customer) does not.
    assert [s.producer_changed for s in event] == [False, True, False]
    assert event[0].changed_components == ("payments", "rule payments-orders (owned by payments)")
    for step in command + event:
        assert step.received_by == ("kitchen",) and step.unmet_needs == ()


@pytest.mark.parametrize(
    "request_, words",
    [
        ("add", "tuple"),
        (("invite", "fraud"), "kind"),
        (("add",), "form"),
        (("needs", "kitchen"), "form"),
        (("add", "kitchen"), "already a consumer"),
        (("remove", "fraud"), "not a consumer"),
        (("needs", "kitchen", "iban"), "no field"),
        (("add", "orders"), "taken"),
    ],
)
def test_change_requests_reject_what_cannot_apply(request_, words):
    with pytest.raises(ValueError, match=words):
        change_requests([request_], ("kitchen",))


def test_add_consumers_rejects_duplicates():
    with pytest.raises(ValueError, match="added"):
        add_consumers(("kitchen",), ("kitchen",))
    with pytest.raises(ValueError, match="initial"):
        add_consumers("kitchen", ())


@st.composite
def request_sequences(draw):
    """Valid change requests in turn: add new consumers, retire existing ones, add needs."""
    consumers, requests = ["kitchen"], []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["add", "remove", "needs"] if consumers else ["add"]))
        if kind == "add":
            name = f"team{len(requests)}"
            consumers.append(name)
            requests.append(("add", name))
        elif kind == "remove":
            name = draw(st.sampled_from(consumers))
            consumers.remove(name)
            requests.append(("remove", name))
        else:
            field = draw(st.sampled_from(["customer", "address", "email"]))
            requests.append(("needs", draw(st.sampled_from(consumers)), field))
    return requests


@settings(max_examples=60, deadline=None)
@given(request_sequences())
def test_every_change_leaves_every_consumer_served_and_only_commands_pay_for_who(requests):
    result = change_requests(requests, ("kitchen",))
    published: set[str] = {"order_id", "customer", "pizzas"}
    reads: dict[str, set[str]] = {}
    for command, event in zip(result["command"]["steps"], result["event"]["steps"], strict=True):
        assert command.unmet_needs == () and event.unmet_needs == ()
        assert command.received_by == event.received_by
        kind, consumer = event.request[:2]
        known = reads.setdefault(consumer, {"order_id", "pizzas"})
        new_need = kind != "needs" or event.request[2] not in known
        # commands: every real change edits the producer; events: only a field it lacks
        assert command.producer_changed == new_need
        assert event.producer_changed == (kind == "needs" and event.request[2] not in published)
        if kind == "needs":
            published.add(event.request[2])
            known.add(event.request[2])
        if kind == "remove":
            del reads[consumer]
