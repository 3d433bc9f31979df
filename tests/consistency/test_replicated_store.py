"""The replicated store: consistency of reads, DynamoDB's capacity rules, indexes, stream."""

import random

import pytest

from course_lib.consistency import (
    LEADER,
    ReplicatedStore,
    ValidationException,
    check_linearizability,
)
from course_lib.sim import World


class UniformLag:
    """A tiny sampler: uniform delays between low and high seconds."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


def make_store(**kwargs):
    world = World(seed=11)
    return world, ReplicatedStore(world, **kwargs)


def test_follower_is_stale_until_replication_lag_passes():
    world, store = make_store(replication_lag=0.5, network_latency=0.001)
    store.call(store.put("k", {"v": 1}))
    early = store.call(store.get("k", replica="follower-1"))
    assert early.item is None and early.version == 0
    world.run(until=1.0)
    late = store.call(store.get("k", replica="follower-1"))
    assert late.item == {"pk": "k", "v": 1} and late.version == 1


def test_strongly_consistent_read_sees_the_write_at_once():
    _, store = make_store(replication_lag=10.0)
    store.call(store.put("k", {"v": 1}))
    result = store.call(store.get("k", consistent=True))
    assert result.replica == LEADER and result.item["v"] == 1


def test_accepts_a_sampler_for_lags():
    world, store = make_store(
        replication_lag=UniformLag(0.2, 0.4), network_latency=UniformLag(0, 0.01)
    )
    store.call(store.put("k", {"v": 1}))
    world.run(until=1.0)
    assert all(store.call(store.get("k", replica=r.name)).version == 1 for r in store.replicas)


def test_rejects_a_sampler_that_returns_a_negative_delay():
    _, store = make_store(replication_lag=UniformLag(-2, -1))
    with pytest.raises(ValueError, match="replication_lag"):
        store.call(store.put("k", {"v": 1}))


def test_capacity_consistent_reads_cost_twice_eventual_ones():
    _, store = make_store()
    store.call(store.put("k", {"blob": "x" * 5000}))  # ~5 KB: two 4 KB read units
    strong = store.call(store.get("k", consistent=True, return_consumed_capacity="TOTAL"))
    eventual = store.call(store.get("k", replica=LEADER, return_consumed_capacity="TOTAL"))
    assert strong.consumed_capacity == {
        "TableName": "table",
        "CapacityUnits": 2.0,
    }
    assert eventual.consumed_capacity["CapacityUnits"] == 1.0
    assert store.call(store.get("k")).consumed_capacity is None


def test_capacity_for_missing_items_and_small_writes():
    _, store = make_store()
    missing = store.call(store.get("none", return_consumed_capacity="TOTAL"))
    assert missing.consumed_capacity["CapacityUnits"] == 0.5
    written = store.call(store.put("k", {"v": "x" * 1500}, return_consumed_capacity="TOTAL"))
    assert written.consumed_capacity["CapacityUnits"] == 2.0  # 1.5 KB -> two 1 KB units


def test_index_writes_are_reported_per_index():
    _, store = make_store(global_secondary_indexes={"by_status": "status"})
    first = store.call(store.put("o1", {"status": "new"}, return_consumed_capacity="INDEXES"))
    assert first.consumed_capacity["GlobalSecondaryIndexes"] == {
        "by_status": {"CapacityUnits": 1.0}
    }
    moved = store.call(store.put("o1", {"status": "paid"}, return_consumed_capacity="INDEXES"))
    # The index key changed: one delete and one put in the index.
    assert moved.consumed_capacity["GlobalSecondaryIndexes"]["by_status"]["CapacityUnits"] == 2.0
    assert moved.consumed_capacity["CapacityUnits"] == 3.0
    assert moved.consumed_capacity["Table"] == {"CapacityUnits": 1.0}


def test_consistent_read_on_a_global_secondary_index_is_rejected():
    _, store = make_store(global_secondary_indexes={"by_status": "status"})
    with pytest.raises(
        ValidationException,
        match=r"^Consistent reads are not supported on global secondary indexes$",
    ):
        store.query_index("by_status", "new", consistent=True)
    with pytest.raises(ValidationException, match="does not have the specified index: nope"):
        store.query_index("nope", "new")


def test_index_is_eventually_consistent():
    world, store = make_store(global_secondary_indexes={"by_status": "status"}, index_lag=0.3)
    store.call(store.put("o1", {"status": "new"}))
    assert store.call(store.query_index("by_status", "new")).items == []
    world.run(until=1.0)
    result = store.call(store.query_index("by_status", "new", return_consumed_capacity="TOTAL"))
    assert result.items == [{"pk": "o1", "status": "new"}]
    assert result.consumed_capacity["CapacityUnits"] == 0.5


def test_stream_records_are_delivered_in_order_after_the_lag():
    world, store = make_store(stream_lag=0.2)
    store.call(store.put("k", {"v": 1}))
    store.call(store.put("k", {"v": 2}))
    store.call(store.delete("k"))
    assert store.get_records() == []
    seen = []
    store.consume_stream(seen.append, poll_interval=0.1)
    world.run(until=2.0)
    assert [r["eventName"] for r in seen] == ["INSERT", "MODIFY", "REMOVE"]
    modify = seen[1]["dynamodb"]
    assert modify["OldImage"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    assert modify["NewImage"] == {"pk": {"S": "k"}, "v": {"N": "2"}}
    assert store.get_records(seen[0]["dynamodb"]["SequenceNumber"]) == seen[1:]


def test_conditional_write_is_a_compare_and_set():
    _, store = make_store()
    assert store.call(store.put("k", {"v": 1}, expected=None)).succeeded
    failed = store.call(store.put("k", {"v": 2}, expected=None))
    assert not failed.succeeded and failed.error == "ConditionalCheckFailedException"
    assert store.call(store.put("k", {"v": 3}, expected={"pk": "k", "v": 1})).succeeded
    assert store.call(store.get("k", consistent=True)).item["v"] == 3
    assert [op.kind for op in store.history[:3]] == ["cas", "cas", "cas"]


def test_version_token_waits_or_forwards():
    world, store = make_store(replication_lag=0.5, network_latency=0.001)
    written = store.call(store.put("k", {"v": 1}))
    waited = store.call(store.get("k", replica="follower-1", min_version=written.version))
    assert waited.item["v"] == 1 and waited.replica == "follower-1"
    assert world.now >= 0.5
    store.call(store.put("k", {"v": 2}))
    forwarded = store.call(store.get("k", replica="follower-2", min_version=2, if_behind="forward"))
    assert forwarded.forwarded and forwarded.replica == LEADER and forwarded.item["v"] == 2


def run_clients(store, *, consistent, writes=6, readers=3):
    """One writer and a few readers hammering one key concurrently."""
    env = store.world.env

    def writer():
        for value in range(1, writes + 1):
            yield store.put("k", {"v": value}, client="writer")
            yield env.timeout(0.05)

    def reader(name):
        for _ in range(writes * 2):
            yield store.get("k", consistent=consistent, client=name)
            yield env.timeout(0.02)

    env.process(writer())
    for i in range(readers):
        env.process(reader(f"reader-{i}"))
    store.world.run()


def test_strong_reads_give_linearizable_histories():
    _, store = make_store(
        replication_lag=UniformLag(0.05, 0.3), network_latency=UniformLag(0.001, 0.01)
    )
    run_clients(store, consistent=True)
    result = check_linearizability(store.history)
    assert result.linearizable, result.explanation
    assert len(result.order) == len(store.history)


def test_eventual_reads_under_lag_give_violations_the_checker_finds():
    _, store = make_store(
        replication_lag=UniformLag(0.05, 0.3), network_latency=UniformLag(0.001, 0.01)
    )
    run_clients(store, consistent=False)
    result = check_linearizability(store.history)
    assert not result.linearizable
    assert result.failed_operation.kind == "read"
    assert result.failed_operation.replica.startswith("follower")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"followers": -1}, "followers"),
        ({"replication_lag": -0.1}, "replication_lag"),
        ({"network_latency": "fast"}, "network_latency"),
        ({"global_secondary_indexes": {"i": ""}}, "global_secondary_indexes"),
        ({"write_quorum": 0}, "write_quorum"),
        ({"write_quorum": 4}, "write_quorum"),
        ({"followers": 1, "write_quorum": 3}, "write_quorum"),
        ({"write_quorum": True}, "write_quorum"),
    ],
)
def test_constructor_rejects_bad_parameters(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ReplicatedStore(World(seed=1), **kwargs)


def test_calls_reject_bad_parameters():
    _, store = make_store()
    with pytest.raises(ValueError, match="replica"):
        store.get("k", replica="follower-9")
    with pytest.raises(ValueError, match="replica"):
        store.get("k", consistent=True, replica="follower-1")
    with pytest.raises(ValueError, match="return_consumed_capacity"):
        store.get("k", return_consumed_capacity="ALL")
    with pytest.raises(ValueError, match="if_behind"):
        store.get("k", if_behind="give-up")
    with pytest.raises(TypeError, match="key"):
        store.put(1.5, {})
    with pytest.raises(ValueError, match="differs from key"):
        store.put("a", {"pk": "b"})
    with pytest.raises(ValidationException, match="Item size has exceeded"):
        store.put("a", {"blob": "x" * 410_000})


def test_get_records_rejects_unknown_sequence_numbers():
    _, store = make_store()
    with pytest.raises(ValueError, match="after_sequence_number"):
        store.get_records("abc")
    with pytest.raises(ValueError, match="after_sequence_number"):
        store.get_records("5")
    with pytest.raises(ValueError, match="limit"):
        store.get_records(limit=0)


def test_history_names_the_replica_that_served_each_read():
    _, store = make_store(replication_lag=0.5)
    store.call(store.put("k", {"v": 1}))
    store.call(store.get("k", replica="follower-2"))
    read = store.history[-1]
    assert read.replica == "follower-2" and read.consistent is False
    assert "at follower-2" in read.describe()


@pytest.mark.parametrize("quorum", [1, 2, 3])
def test_a_write_is_acknowledged_once_its_quorum_of_copies_holds_it(quorum):
    for seed in range(20):
        world = World(seed=seed)
        store = ReplicatedStore(world, replication_lag=UniformLag(0.01, 0.5), write_quorum=quorum)
        written = store.call(store.put("k", {"v": seed}))
        holding = [r for r in store.replicas if r.version("k") == written.version]
        assert len(holding) >= quorum
        if quorum == 3:
            assert len(holding) == 3


def test_a_larger_write_quorum_waits_longer_and_leaves_fewer_stale_reads():
    def stale_share(quorum):
        world = World(seed=3)
        store = ReplicatedStore(world, replication_lag=UniformLag(0.05, 0.3), write_quorum=quorum)
        stale = total = 0
        took = []
        for n in range(200):
            started = world.now
            written = store.call(store.put(f"k{n}", {"n": n}))
            took.append(world.now - started)
            for replica in store.replicas:
                read = store.call(store.get(f"k{n}", replica=replica.name))
                stale += read.version < written.version
                total += 1
        return stale / total, sum(took) / len(took)

    (one, fast), (two, slower) = stale_share(1), stale_share(2)
    assert two < one and slower > fast
