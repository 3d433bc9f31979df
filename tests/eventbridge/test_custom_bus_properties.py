"""Properties of the Custom Event Bus that must hold whatever fails, retries or pauses.

* per event group, a FIFO subscriber settles events (delivers them or gives them up) in
  publish order: what it has settled is always a prefix of the group's publish order, what
  it delivers is never reordered, and every event is settled exactly once;
* no event is delivered after its bus's retention period ends;
* a duplicate published inside the five-minute window is never delivered twice.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.eventbridge import EventBridgeV2
from course_lib.sim.queue import Queue
from course_lib.sim.world import World

ROLE = "arn:aws:iam::123456789012:role/eb-invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class FlakyTarget:
    """Fails an event's k-th attempt when (event number, k) is in ``failures``."""

    def __init__(self, world: World, failures: set[tuple[int, int]]) -> None:
        self.world = world
        self.failures = failures
        self.attempts: dict[int, int] = {}
        self.delivered: list[tuple[float, int]] = []

    def __call__(self, payload) -> None:
        n = payload["detail"]["n"]
        self.attempts[n] = self.attempts.get(n, 0) + 1
        if (n, self.attempts[n]) in self.failures:
            raise RuntimeError("unavailable")
        self.delivered.append((self.world.now, n))


def _bus(world: World, eb: EventBridgeV2, days: int = 1) -> str:
    arn = eb.create_event_bus(Name="b", StorageConfiguration={"RetentionPeriodInDays": days})
    world.run(until=world.now + 10)
    return arn["EventBusArn"]


def _advance(world: World, seconds: float) -> None:
    until = world.now + seconds
    if until > world.now:
        world.run(until=until)


def _subscribe(eb: EventBridgeV2, bus: str, **extra) -> str:
    invoke = {"RoleArn": ROLE, "TargetArn": FN}
    return eb.create_subscriber(Name="s", EventBusArn=bus, InvokeConfiguration=invoke, **extra)[
        "SubscriberArn"
    ]


def _entry(n: int, group: str | None, dedup: str | None = None) -> dict:
    entry = {"Source": "shop", "DetailType": "Step", "Detail": json.dumps({"n": n})}
    system = {k: v for k, v in (("EventGroupId", group), ("DeduplicationId", dedup)) if v}
    if system:
        entry["SystemMetadata"] = system
    return entry


publishes = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 30)), min_size=1, max_size=14
)
failure_plans = st.sets(st.tuples(st.integers(0, 13), st.integers(1, 4)), max_size=25)


@SETTINGS
@given(publishes, failure_plans, st.integers(0, 3), st.integers(0, 10_000))
def test_fifo_settles_each_group_in_publish_order(plan, failures, retries, seed):
    world = World(seed=seed)
    eb = EventBridgeV2(world)
    bus = _bus(world, eb)
    target = FlakyTarget(world, failures)
    world.register(FN, target)
    dlq = Queue(world, "dlq")
    _subscribe(
        eb,
        bus,
        Type="FIFO",
        RetryPolicy={"MaxRetryAttempts": retries},
        OnFailureConfiguration={"Arn": dlq.arn},
    )
    groups: dict[str, list[int]] = {}
    ids: dict[str, int] = {}
    for n, (group, gap) in enumerate(plan):
        _advance(world, gap)
        answer = eb.put_events(EventBusArn=bus, Entries=[_entry(n, group)])
        ids[answer["Entries"][0]["EventId"]] = n
        groups.setdefault(group, []).append(n)
    world.run()
    delivered_order = [n for _, n in target.delivered]
    for numbers in groups.values():
        in_group = [n for n in delivered_order if n in numbers]
        assert in_group == sorted(in_group), "a group was reordered"
    # Settled events, in the order they settled, form each group's publish order.
    settle_order = [
        record.meta["event_id"]
        for record in world.trace
        if record.target == "s" and record.outcome in ("delivered", "dead-lettered", "dropped")
    ]
    numbers_in_order = [ids[event_id] for event_id in settle_order]
    for numbers in groups.values():
        assert [n for n in numbers_in_order if n in numbers] == numbers
    assert sorted(numbers_in_order) == list(range(len(plan))), "an event was lost or settled twice"


@SETTINGS
@given(
    st.lists(st.floats(0, 40_000), min_size=1, max_size=8),
    st.floats(0, 120_000),
    st.sets(st.tuples(st.integers(0, 7), st.integers(1, 6)), max_size=20),
    st.sampled_from(["FIFO", "UNORDERED"]),
    st.integers(0, 10_000),
)
def test_nothing_is_delivered_after_retention_ends(gaps, pause, failures, kind, seed):
    world = World(seed=seed)
    eb = EventBridgeV2(world)
    bus = _bus(world, eb, days=1)
    target = FlakyTarget(world, failures)
    world.register(FN, target)
    sub = _subscribe(
        eb,
        bus,
        Type=kind,
        State="STOPPED",
        RetryPolicy={"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86_400},
    )
    published_at = {}
    for n, gap in enumerate(gaps):
        _advance(world, gap)
        published_at[n] = world.now
        eb.put_events(EventBusArn=bus, Entries=[_entry(n, "g")])
    _advance(world, pause)
    eb.update_subscriber(SubscriberArn=sub, State="RUNNING")
    world.run()
    for delivered_at, n in target.delivered:
        assert delivered_at <= published_at[n] + 86_400


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["k1", "k2", "k3"]), st.sampled_from(["g1", "g2"]), st.floats(0, 200)
        ),
        min_size=1,
        max_size=15,
    ),
    st.integers(0, 10_000),
)
def test_a_duplicate_inside_the_window_is_never_delivered_twice(publishes_, seed):
    world = World(seed=seed)
    eb = EventBridgeV2(world)
    bus = _bus(world, eb)
    target = FlakyTarget(world, set())
    world.register(FN, target)
    _subscribe(eb, bus)
    accepted_at: dict[tuple[str, str], float] = {}
    published = []
    for n, (key, group, gap) in enumerate(publishes_):
        _advance(world, gap)
        answer = eb.put_events(EventBusArn=bus, Entries=[_entry(n, group, key)])["Entries"][0]
        earlier = accepted_at.get((key, group))
        inside = earlier is not None and world.now - earlier < 300
        assert answer["SuccessCode"] == ("DEDUPLICATED" if inside else "PUBLISHED")
        if not inside:
            accepted_at[(key, group)] = world.now
            published.append(n)
    world.run()
    delivered = [n for _, n in target.delivered]
    assert sorted(delivered) == published
