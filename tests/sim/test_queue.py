import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.queue import DEDUPLICATION_WINDOW, Queue, QueueError, queue_arn
from course_lib.sim.world import World


def make(name="orders", **kwargs):
    world = World(1)
    return world, Queue(world, name, **kwargs)


def advance(world, seconds):
    if world.now + seconds > world.now:
        world.run(until=world.now + seconds)


def test_send_and_receive_in_sqs_shapes():
    _world, queue = make()
    reply = queue.send_message("hello", attributes={"source": "web"}, priority=3)
    assert set(reply) == {"MessageId", "MD5OfMessageBody"}
    assert reply["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    (message,) = queue.receive_message()
    assert message["Body"] == "hello"
    assert message["MessageId"] == reply["MessageId"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["MessageAttributes"] == {
        "priority": {"DataType": "Number", "StringValue": "3"},
        "source": {"DataType": "String", "StringValue": "web"},
    }
    assert queue.receive_message() == []


def test_registered_on_the_world_by_arn_for_an_event_bus():
    world, queue = make("pizza-dlq")
    assert queue.arn == "arn:aws:sqs:us-east-1:123456789012:pizza-dlq"
    service = world.service(queue_arn("pizza-dlq"))
    service.send_message('{"detail": {}}', RULE_ARN="arn:aws:events:rule/x", ERROR_CODE="SDK")
    (message,) = queue.receive_message()
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "SDK"
    with pytest.raises(ValueError, match="already registered"):
        Queue(world, "pizza-dlq")


def test_standard_queue_keeps_a_group_id_as_a_label():
    _, queue = make()
    queue.send_message("tenant work", group_id="tenant-1")
    assert queue.receive_message()[0]["Attributes"]["MessageGroupId"] == "tenant-1"


def test_dict_bodies_are_sent_as_json():
    _, queue = make()
    queue.send_message({"b": 1, "a": 2})
    assert json.loads(queue.receive_message()[0]["Body"]) == {"a": 2, "b": 1}


def test_visibility_timeout_redelivers_until_deleted():
    world, queue = make(visibility_timeout=30)
    queue.send_message("job")
    first = queue.receive_message()[0]
    advance(world, 29)
    assert queue.receive_message() == []
    advance(world, 1)
    second = queue.receive_message()[0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    queue.delete_message(first["ReceiptHandle"])  # stale handle: accepted, deletes nothing
    advance(world, 30)
    third = queue.receive_message()[0]
    assert third["Attributes"]["ApproximateReceiveCount"] == "3"
    queue.delete_message(third["ReceiptHandle"])
    advance(world, 60)
    assert queue.receive_message() == []


def test_change_message_visibility_extends_and_releases():
    world, queue = make(visibility_timeout=10)
    queue.send_message("long job")
    handle = queue.receive_message()[0]["ReceiptHandle"]
    queue.change_message_visibility(handle, 60)
    advance(world, 30)
    assert queue.receive_message() == []
    queue.change_message_visibility(handle, 0)
    assert len(queue.receive_message()) == 1
    with pytest.raises(QueueError, match="ReceiptHandleIsInvalid"):
        queue.change_message_visibility("nonsense", 5)


def test_redrive_to_dlq_after_max_receives():
    world = World(1)
    dlq = Queue(world, "orders-dlq")
    queue = Queue(world, "orders", visibility_timeout=5, dead_letter_queue=dlq, max_receive_count=3)
    queue.send_message("poison")
    counts = []
    for _ in range(5):
        counts.extend(m["Attributes"]["ApproximateReceiveCount"] for m in queue.receive_message())
        advance(world, 5)
    assert counts == ["1", "2", "3"]
    (dead,) = dlq.receive_message()
    assert dead["Body"] == "poison"
    assert queue.stats["redriven"] == 1
    assert json.loads(queue.get_queue_attributes()["RedrivePolicy"])["maxReceiveCount"] == 3
    assert dead["Attributes"]["SentTimestamp"] == str(round(world.timestamp(0).timestamp() * 1000))


def test_fifo_redrive_resets_the_enqueue_time_and_unblocks_the_group():
    world = World(1)
    dlq = Queue(world, "pay-dlq.fifo")
    queue = Queue(
        world,
        "pay.fifo",
        visibility_timeout=5,
        content_based_deduplication=True,
        dead_letter_queue=dlq,
        max_receive_count=1,
    )
    queue.send_message("poison", group_id="g")
    queue.send_message("next", group_id="g")
    assert [m["Body"] for m in queue.receive_message(max_messages=1)] == ["poison"]
    advance(world, 5)
    assert [m["Body"] for m in queue.receive_message(max_messages=1)] == ["next"]
    (dead,) = dlq.receive_message()
    assert dead["Attributes"]["SentTimestamp"] == str(round(world.timestamp(5).timestamp() * 1000))


def test_delay_seconds_hides_a_message():
    world, queue = make()
    queue.send_message("later", delay_seconds=10)
    assert queue.get_queue_attributes()["ApproximateNumberOfMessagesDelayed"] == "1"
    assert queue.receive_message() == []
    advance(world, 10)
    assert queue.receive_message()[0]["Body"] == "later"


def test_long_poll_inside_a_process_wakes_on_send():
    world, queue = make()
    got = []

    def consumer():
        messages = yield queue.receive(wait_time_seconds=20)
        got.append((world.now, [m["Body"] for m in messages]))
        messages = yield queue.receive(wait_time_seconds=5)
        got.append((world.now, messages))

    def producer():
        yield world.env.timeout(7)
        queue.send_message("ping")

    world.env.process(consumer())
    world.env.process(producer())
    world.run()
    assert got == [(7, ["ping"]), (12, [])]


def test_plain_long_poll_advances_the_clock_until_a_message_is_visible():
    world, queue = make()
    queue.send_message("soon", delay_seconds=4)
    (message,) = queue.receive_message(wait_time_seconds=20)
    assert message["Body"] == "soon" and world.now == 4
    assert queue.receive_message(wait_time_seconds=3) == []
    assert world.now == 7


def test_fifo_keeps_groups_in_order_and_blocks_a_group_in_flight():
    _world, queue = make("orders.fifo", content_based_deduplication=True)
    for i in range(3):
        queue.send_message(f"a{i}", group_id="A")
        queue.send_message(f"b{i}", group_id="B")
    first = queue.receive_message(max_messages=10)
    assert [m["Body"] for m in first] == ["a0", "b0", "a1", "b1", "a2", "b2"]
    assert queue.receive_message(max_messages=10) == []
    sequence = [int(m["Attributes"]["SequenceNumber"]) for m in first]
    assert sequence == sorted(sequence)


def test_fifo_group_waits_for_its_head_to_be_deleted():
    _world, queue = make("orders.fifo", content_based_deduplication=True, visibility_timeout=10)
    queue.send_message("a0", group_id="A")
    queue.send_message("a1", group_id="A")
    queue.send_message("b0", group_id="B")
    head = queue.receive_message()[0]
    assert head["Body"] == "a0"
    assert [m["Body"] for m in queue.receive_message(max_messages=10)] == ["b0"]
    queue.delete_message(head["ReceiptHandle"])
    assert [m["Body"] for m in queue.receive_message(max_messages=10)] == ["a1"]


def test_fifo_deduplicates_within_five_minutes():
    world, queue = make("pay.fifo")
    first = queue.send_message("charge", group_id="g", deduplication_id="order-1")
    again = queue.send_message("charge", group_id="g", deduplication_id="order-1")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    advance(world, DEDUPLICATION_WINDOW)
    later = queue.send_message("charge", group_id="g", deduplication_id="order-1")
    assert later["MessageId"] != first["MessageId"]
    bodies = [m["Body"] for m in queue.receive_message(max_messages=10)]
    assert bodies == ["charge", "charge"]
    assert queue.stats == {**queue.stats, "sent": 2, "deduplicated": 1}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda q, f: q.send_message("x", delay_seconds=-1), "delay_seconds"),
        (lambda q, f: q.send_message("x", delay_seconds=901), "delay_seconds"),
        (lambda q, f: q.send_message(""), "body"),
        (lambda q, f: q.send_message("x" * 1_048_577), "body"),
        (lambda q, f: q.send_message("x", deduplication_id="d"), "FIFO"),
        (lambda q, f: q.receive_message(max_messages=11), "max_messages"),
        (lambda q, f: q.receive_message(wait_time_seconds=21), "wait_time_seconds"),
        (lambda q, f: q.receive_message(visibility_timeout=-1), "visibility_timeout"),
        (lambda q, f: f.send_message("x"), "MessageGroupId"),
        (lambda q, f: f.send_message("x", group_id="g"), "deduplication_id"),
        (
            lambda q, f: f.send_message("x", group_id="g", deduplication_id="d", delay_seconds=5),
            "delay",
        ),
        (lambda q, f: Queue(q.world, "bad name!"), "name"),
        (lambda q, f: Queue(q.world, "x", visibility_timeout=43_201), "visibility_timeout"),
        (
            lambda q, f: Queue(q.world, "y", dead_letter_queue=f, max_receive_count=3),
            "dead_letter_queue",
        ),
        (lambda q, f: Queue(q.world, "z", dead_letter_queue=q), "max_receive_count"),
        (lambda q, f: Queue(q.world, "w", content_based_deduplication=True), "content_based"),
        (lambda q, f: q.delete_message("no-such-handle"), "ReceiptHandleIsInvalid"),
        (lambda q, f: q.delete_message("made-up#1"), "never issued"),
    ],
)
def test_bad_requests_are_rejected_with_the_reason(call, message):
    world = World(1)
    standard, fifo = Queue(world, "std"), Queue(world, "f.fifo")
    with pytest.raises(ValueError, match=message):
        call(standard, fifo)


def test_bodies_must_be_text():
    _, queue = make()
    with pytest.raises(TypeError, match="body"):
        queue.send_message(3)


def test_long_poll_with_wait_inside_a_process_is_refused():
    world, queue = make()
    errors = []

    def consumer():
        try:
            queue.receive_message(wait_time_seconds=1)
        except RuntimeError as error:
            errors.append(str(error))
        yield world.env.timeout(0)

    world.env.process(consumer())
    world.run()
    assert "yield queue.receive" in errors[0]


@settings(max_examples=30, deadline=None)
@given(
    groups=st.lists(st.sampled_from("ABC"), min_size=1, max_size=30),
    seed=st.integers(0, 1000),
    batch=st.integers(1, 10),
)
def test_fifo_never_reorders_a_group_even_with_redelivery(groups, seed, batch):
    world = World(seed)
    queue = Queue(world, "q.fifo", content_based_deduplication=True, visibility_timeout=5)
    for index, group in enumerate(groups):
        queue.send_message(f"{group}:{index}", group_id=group)
    rng = world.rng("consumer")
    processed = {g: [] for g in "ABC"}
    for _ in range(400):
        failed = set()
        for message in queue.receive_message(max_messages=batch):
            group, index = message["Body"].split(":")
            # A correct FIFO consumer stops a group at its first failure in a batch.
            if group in failed or rng.random() < 0.3:
                failed.add(group)
                continue
            processed[group].append(int(index))
            queue.delete_message(message["ReceiptHandle"])
        if queue.get_queue_attributes()["ApproximateNumberOfMessages"] == "0" and not failed:
            break
        advance(world, 5)
    for group, indices in processed.items():
        assert indices == [i for i, g in enumerate(groups) if g == group]


@settings(max_examples=30, deadline=None)
@given(count=st.integers(1, 30), seed=st.integers(0, 1000))
def test_standard_queue_delivers_every_message_at_least_once(count, seed):
    world = World(seed)
    queue = Queue(world, "work", visibility_timeout=2)
    sent = {queue.send_message(f"m{i}")["MessageId"] for i in range(count)}
    rng = world.rng("consumer")
    seen, deleted = [], set()
    while len(deleted) < count:
        for message in queue.receive_message(max_messages=10):
            seen.append(message["MessageId"])
            if rng.random() < 0.5:
                queue.delete_message(message["ReceiptHandle"])
                deleted.add(message["MessageId"])
        advance(world, 2)
    assert deleted == sent
    assert set(seen) == sent and len(seen) >= count


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.floats(0, 400), min_size=1, max_size=8))
def test_deduplication_window_is_exactly_five_minutes_from_the_accepted_send(gaps):
    world = World(1)
    queue = Queue(world, "d.fifo")
    accepted_at = None
    ids = set()
    expected_messages = 0
    for gap in [0.0, *gaps]:
        advance(world, gap)
        reply = queue.send_message("same", group_id="g", deduplication_id="k")
        if accepted_at is None or world.now - accepted_at >= DEDUPLICATION_WINDOW:
            accepted_at = world.now
            expected_messages += 1
            assert reply["MessageId"] not in ids
        ids.add(reply["MessageId"])
    assert len(ids) == expected_messages == queue.stats["sent"]


@settings(max_examples=30, deadline=None)
@given(timeouts=st.lists(st.integers(1, 50), min_size=1, max_size=6), seed=st.integers(0, 99))
def test_a_message_is_never_in_two_consumers_hands_at_once(timeouts, seed):
    world = World(seed)
    queue = Queue(world, "v")
    queue.send_message("job")
    held_until = -1.0
    for timeout in timeouts:
        got = queue.receive_message(visibility_timeout=timeout)
        if world.now < held_until:
            assert got == []
        else:
            assert len(got) == 1
            held_until = world.now + timeout
        advance(world, world.rng("gap").choice([1, timeout, 2 * timeout]))


def test_retention_drops_old_messages_even_behind_newer_ones_in_a_dlq():
    world = World(1)
    dlq = Queue(world, "old-dlq", message_retention_period=100)
    queue = Queue(world, "old", visibility_timeout=1, dead_letter_queue=dlq, max_receive_count=1)
    dlq.send_message("sent first")
    advance(world, 10)
    queue.send_message("redriven later")
    queue.receive_message()
    advance(world, 1)
    assert queue.receive_message() == []
    assert dlq.get_queue_attributes()["ApproximateNumberOfMessages"] == "2"
    advance(world, 95)
    assert [m["Body"] for m in dlq.receive_message(max_messages=10)] == ["redriven later"]
    advance(world, 10)
    assert dlq.receive_message(max_messages=10) == []


def test_queue_calls_appear_on_the_trace_as_instant_arrows():
    world, queue = make("traced")
    queue.send_message("a")
    advance(world, 2)
    handle = queue.receive_message()[0]["ReceiptHandle"]
    queue.delete_message(handle)
    kinds = [(r.kind, r.time, r.delivered_at) for r in world.trace]
    assert kinds == [("SendMessage", 0, 0), ("ReceiveMessage", 2, 2), ("DeleteMessage", 2, 2)]


def test_queue_ids_do_not_draw_from_the_worlds_uuid_stream():
    quiet, busy = World(4), World(4)
    Queue(busy, "noisy").send_message("x")
    assert quiet.uuid() == busy.uuid()
