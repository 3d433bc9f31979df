import hashlib
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.events import (
    Event,
    IdempotencyAlreadyInProgressError,
    IdempotencyConfig,
    IdempotencyKeyError,
    IdempotencyPersistenceError,
    IdempotencyValidationError,
    IdempotentHandler,
    InMemoryPersistenceStore,
    RecordStatus,
    idempotent,
    slide_event,
)
from course_lib.sim.world import World


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def order_event(world, order_id, key=None, **data):
    detail = {
        "metadata": {"idempotency-key": key or f"key-{order_id}"},
        "data": {"order-id": order_id, **data},
    }
    return Event.create(world, source="com.orders", detail_type="OrderCreated", detail=detail)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def counting(clock):
    store = InMemoryPersistenceStore(clock)
    effects = []

    @idempotent(store)
    def handler(event):
        effects.append(event["detail"]["data"]["order-id"])
        return {"charged": event["detail"]["data"]["order-id"], "n": len(effects)}

    return handler, effects, store


def test_a_repeat_returns_the_stored_result_without_running_again(counting):
    handler, effects, store = counting
    event = slide_event().to_dict()
    first = handler(event)
    assert handler(event) == first == {"charged": "1073459984", "n": 1}
    assert effects == ["1073459984"]
    [record] = store.records()
    assert record.status is RecordStatus.COMPLETED
    assert record.expiry_timestamp == 3600


def test_the_key_is_function_name_and_md5_of_the_sorted_json(counting):
    handler, _, store = counting
    handler(slide_event().to_dict())
    digest = hashlib.md5(json.dumps("c1b95b88", sort_keys=True).encode()).hexdigest()
    assert store.records()[0].key == f"counting.<locals>.handler#{digest}"


def test_events_and_their_dicts_share_a_key(clock):
    store = InMemoryPersistenceStore(clock)
    handler = IdempotentHandler(lambda e: 1, store, function_name="f")
    assert handler.key_for(slide_event()) == handler.key_for(slide_event().to_dict())


def test_the_stored_result_is_a_copy(counting):
    handler, _, _ = counting
    event = slide_event().to_dict()
    handler(event)["n"] = 99
    repeat = handler(event)
    repeat["n"] = 42
    assert handler(event)["n"] == 1


def test_records_expire_after_an_hour_by_default(counting, clock):
    handler, effects, _ = counting
    event = slide_event().to_dict()
    handler(event)
    clock.now = 3600
    handler(event)
    assert len(effects) == 1
    clock.now = 3600.5
    assert handler(event)["n"] == 2


def test_expiry_is_configurable(clock):
    store = InMemoryPersistenceStore(clock)
    runs = []
    handler = IdempotentHandler(
        lambda e: runs.append(1), store, IdempotencyConfig(expires_after_seconds=10)
    )
    event = slide_event().to_dict()
    handler(event)
    clock.now = 11
    handler(event)
    assert len(runs) == 2


def test_a_failed_handler_leaves_no_record_so_a_retry_runs(clock):
    store = InMemoryPersistenceStore(clock)
    attempts = []

    @idempotent(store)
    def flaky(event):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("payment provider timed out")
        return "paid"

    event = slide_event().to_dict()
    with pytest.raises(ConnectionError):
        flaky(event)
    assert store.records() == []
    assert flaky(event) == "paid"
    assert flaky(event) == "paid"
    assert len(attempts) == 2


def test_a_reentrant_duplicate_sees_the_in_progress_record(clock):
    store = InMemoryPersistenceStore(clock)
    seen = []

    @idempotent(store)
    def handler(event):
        with pytest.raises(IdempotencyAlreadyInProgressError, match="already in progress"):
            handler(event)
        seen.append(store.records()[0].status)
        return "done"

    assert handler(slide_event().to_dict()) == "done"
    assert seen == [RecordStatus.INPROGRESS]


def test_payload_validation_refuses_a_reused_key_with_a_different_payload(clock):
    store = InMemoryPersistenceStore(clock)
    config = IdempotencyConfig(payload_validation_jmespath="detail.data")
    handler = IdempotentHandler(lambda e: "ok", store, config)
    world = World(seed=1)
    handler(order_event(world, "1", key="same"))
    assert handler(order_event(world, "1", key="same")) == "ok"
    with pytest.raises(IdempotencyValidationError, match="Payload does not match"):
        handler(order_event(world, "2", key="same"))


def test_without_payload_validation_a_reused_key_returns_the_first_result(clock):
    store = InMemoryPersistenceStore(clock)
    handler = IdempotentHandler(lambda e: e["detail"]["data"]["order-id"], store)
    world = World(seed=1)
    assert handler(order_event(world, "1", key="same").to_dict()) == "1"
    assert handler(order_event(world, "2", key="same").to_dict()) == "1"


@pytest.mark.parametrize("missing", [None, "", []])
def test_missing_key_runs_without_idempotency_by_default(clock, missing):
    store = InMemoryPersistenceStore(clock)
    runs = []
    handler = IdempotentHandler(lambda e: runs.append(1), store)
    event = {"detail": {"metadata": {"idempotency-key": missing}}}
    handler(event)
    handler(event)
    assert len(runs) == 2
    assert store.records() == []


def test_missing_key_raises_when_configured(clock):
    store = InMemoryPersistenceStore(clock)
    config = IdempotencyConfig(raise_on_no_idempotency_key=True)
    handler = IdempotentHandler(lambda e: 1, store, config)
    with pytest.raises(IdempotencyKeyError, match=r"detail.metadata.\"idempotency-key\""):
        handler({"detail": {"data": {}}})


def test_numbers_and_compound_keys_count_as_present(clock):
    store = InMemoryPersistenceStore(clock)
    config = IdempotencyConfig(event_key_jmespath="[detail.a, detail.b]")
    runs = []
    handler = IdempotentHandler(lambda e: runs.append(1), store, config)
    handler({"detail": {"a": 0, "b": None}})
    handler({"detail": {"a": 0, "b": None}})
    handler({"detail": {"a": 0, "b": 1}})
    assert len(runs) == 2


def test_a_result_that_is_not_json_cannot_be_stored(clock):
    store = InMemoryPersistenceStore(clock)
    handler = IdempotentHandler(lambda e: {1, 2}, store)
    with pytest.raises(IdempotencyPersistenceError, match="not JSON serializable"):
        handler(slide_event().to_dict())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"event_key_jmespath": "detail.["}, "event_key_jmespath: not a valid JMESPath"),
        ({"event_key_jmespath": ""}, "event_key_jmespath: must not be empty"),
        ({"payload_validation_jmespath": "a[?"}, "payload_validation_jmespath: not a valid"),
        ({"expires_after_seconds": 0}, "expires_after_seconds: must be positive"),
        ({"in_progress_expiry_seconds": -1}, "in_progress_expiry_seconds: must be positive"),
        ({"hash_function": "crc32"}, "hash_function: 'crc32' is not a hashlib algorithm"),
    ],
)
def test_bad_configuration_is_named(options, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        IdempotencyConfig(**options)


@pytest.mark.parametrize("name", ["expires_after_seconds", "in_progress_expiry_seconds"])
def test_durations_must_be_numbers(name):
    with pytest.raises(TypeError, match=f"{name}: expected a number of seconds"):
        IdempotencyConfig(**{name: "1h"})


def test_store_lookup_by_key(counting):
    handler, _, store = counting
    key = handler.key_for(slide_event())
    assert store.get(key) is None
    handler(slide_event().to_dict())
    assert store.get(key).response() == {"charged": "1073459984", "n": 1}
    assert store.get(key).in_progress_expiry_timestamp is None


def test_a_clock_must_be_a_world_or_a_callable():
    with pytest.raises(TypeError, match="clock: expected a World or a callable"):
        InMemoryPersistenceStore(42)


# -- concurrency on the virtual clock ------------------------------------------------------


def kitchen(world, store, in_progress_expiry=None, bake_seconds=5.0):
    baked = []
    config = IdempotencyConfig(in_progress_expiry_seconds=in_progress_expiry)

    @idempotent(store, config)
    def bake(event):
        yield world.env.timeout(bake_seconds)
        baked.append((world.now, event["detail"]["data"]["order-id"]))
        return {"oven": "oven-1", "at": world.now}

    outcomes = []

    def deliver(event, at):
        yield world.env.timeout(at)
        try:
            result = yield from bake(event)
            outcomes.append((world.now, "result", result))
        except IdempotencyAlreadyInProgressError:
            outcomes.append((world.now, "in progress", None))

    return bake, deliver, baked, outcomes


def test_a_concurrent_duplicate_is_refused_while_the_first_is_running():
    world = World(seed=1)
    store = InMemoryPersistenceStore(world)
    _, deliver, baked, outcomes = kitchen(world, store)
    event = slide_event().to_dict()
    for at in (0, 2, 9):
        world.env.process(deliver(event, at))
    world.run()
    assert baked == [(5.0, "1073459984")]
    assert outcomes == [
        (2.0, "in progress", None),
        (5.0, "result", {"oven": "oven-1", "at": 5.0}),
        (9.0, "result", {"oven": "oven-1", "at": 5.0}),
    ]


def test_an_in_progress_record_past_its_timeout_is_taken_over():
    world = World(seed=1)
    store = InMemoryPersistenceStore(world)
    _, deliver, baked, outcomes = kitchen(world, store, in_progress_expiry=3, bake_seconds=5)
    event = slide_event().to_dict()
    world.env.process(deliver(event, 0))
    world.env.process(deliver(event, 2))
    world.env.process(deliver(event, 4))
    world.run()
    assert [at for at, _ in baked] == [5.0, 9.0]
    assert [kind for _, kind, _ in outcomes] == ["in progress", "result", "result"]


# -- at-least-once delivery, exactly-once effects ---------------------------------------------


def duplicated_deliveries(world, events):
    rng = world.rng("deliveries")
    deliveries = [event for event in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)
    return deliveries


def run_consumer(seed, count):
    world = World(seed=seed)
    store = InMemoryPersistenceStore(world)
    charges = Counter()

    @idempotent(store)
    def charge(event):
        order_id = event["detail"]["data"]["order-id"]
        charges[order_id] += 1
        return {"receipt": f"r-{order_id}"}

    events = [order_event(world, str(n)).to_dict() for n in range(count)]
    deliveries = duplicated_deliveries(world, events)
    receipts = [charge(event) for event in deliveries]
    return events, deliveries, charges, receipts


def test_duplicates_cause_side_effects_exactly_once():
    events, deliveries, charges, receipts = run_consumer(seed=2024, count=50)
    assert len(deliveries) > len(events)
    assert charges == Counter({e["detail"]["data"]["order-id"]: 1 for e in events})
    for delivery, receipt in zip(deliveries, receipts, strict=True):
        assert receipt == {"receipt": f"r-{delivery['detail']['data']['order-id']}"}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 30))
def test_exactly_once_for_any_seed(seed, count):
    events, _, charges, _ = run_consumer(seed, count)
    assert sum(charges.values()) == len(events)
    assert set(charges.values()) == {1}


def test_the_same_seed_gives_the_same_delivery_order():
    assert run_consumer(7, 10)[1] == run_consumer(7, 10)[1]
