import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.latency import Constant, Exponential, Normal
from course_lib.sim.network import Link, Network, flip_one_bit
from course_lib.sim.trace import outcome_counts
from course_lib.sim.world import World


def two_nodes(link, seed=1):
    world = World(seed)
    net = Network(world, default=link)
    net.add_node("a")
    net.add_node("b")
    return world, net


def received(net, node):
    return list(net.inbox(node).items)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(0, 40),
    mean=st.floats(0, 0.5),
    sd=st.floats(0, 0.2),
    seed=st.integers(0, 10_000),
)
def test_lossless_link_delivers_everything_exactly_once(count, mean, sd, seed):
    world, net = two_nodes(Link(latency=Normal(mean, sd)), seed)
    ids = [net.send("a", "b", i) for i in range(count)]
    world.run()
    got = received(net, "b")
    assert sorted(m.id for m in got) == sorted(ids)
    assert sorted(m.payload for m in got) == list(range(count))
    assert outcome_counts(world.trace)["delivered"] == count
    assert all(r.delivered_at >= r.time for r in world.trace)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_seeded_runs_are_identical(seed):
    def run():
        link = Link(latency=Exponential(0.02), loss=0.2, duplicate=0.2, reorder=0.3, tamper=0.1)
        world, net = two_nodes(link, seed)
        for i in range(30):
            net.send("a", "b", f"m{i}")
        world.run()
        return world.trace

    assert run() == run()


@settings(max_examples=50, deadline=None)
@given(
    size=st.integers(0, 10**9),
    bandwidth=st.floats(1, 1e10),
    seconds=st.floats(0, 10),
)
def test_bandwidth_time_is_latency_plus_size_over_bandwidth(size, bandwidth, seconds):
    world, net = two_nodes(Link(latency=Constant(seconds), bandwidth=bandwidth))
    net.send("a", "b", "x", size=size)
    world.run()
    assert world.trace[0].delivered_at == pytest.approx(seconds + size / bandwidth)


def test_messages_on_a_narrow_link_wait_for_the_one_before():
    world, net = two_nodes(Link(latency=0.1, bandwidth=1000))
    net.send("a", "b", "first", size=1000)
    net.send("a", "b", "second", size=500)
    world.run()
    assert [r.delivered_at for r in world.trace] == pytest.approx([1.1, 1.6])


def test_loss_one_drops_everything_and_duplicate_one_doubles():
    world, net = two_nodes(Link(loss=1.0))
    for i in range(5):
        net.send("a", "b", i)
    world.run()
    assert received(net, "b") == []
    assert outcome_counts(world.trace)["lost"] == 5

    world, net = two_nodes(Link(duplicate=1.0, latency=0.01))
    net.send("a", "b", "charge card")
    world.run()
    copies = received(net, "b")
    assert [m.payload for m in copies] == ["charge card", "charge card"]
    assert len({m.id for m in copies}) == 1
    assert sorted(r.outcome for r in world.trace) == ["delivered", "duplicate"]


def test_loss_rate_is_about_right():
    world, net = two_nodes(Link(loss=0.3))
    for i in range(2000):
        net.send("a", "b", i)
    world.run()
    assert len(received(net, "b")) / 2000 == pytest.approx(0.7, abs=0.04)


def test_reorder_lets_later_messages_overtake():
    world, net = two_nodes(Link(latency=0.01, reorder=0.5, reorder_delay=1.0), seed=4)
    for i in range(20):
        net.send("a", "b", i)
    world.run()
    order = [m.payload for m in received(net, "b")]
    assert sorted(order) == list(range(20))
    assert order != list(range(20))


def test_tampering_changes_the_payload_and_marks_it():
    world, net = two_nodes(Link(tamper=1.0))
    net.send("a", "b", b"amount=10")
    net.send("a", "b", "amount=10")
    world.run()
    got = received(net, "b")
    assert all(m.tampered for m in got)
    assert outcome_counts(world.trace)["tampered"] == 2
    assert got[0].payload != b"amount=10" and len(got[0].payload) == 9
    assert got[1].payload != "amount=10"


def test_flip_one_bit_rejects_unknown_payloads():
    import random

    with pytest.raises(TypeError, match="tamperer"):
        flip_one_bit({"amount": 10}, random.Random(0))


def test_partition_drops_and_heal_restores():
    world = World(1)
    net = Network(world, default=Link(latency=0.5))
    for node in ("a", "b", "c"):
        net.add_node(node)
    net.partition(["a"], ["b"], at=1.0, heal_at=3.0)

    def traffic():
        for _ in range(8):
            net.send("a", "b", world.now)
            net.send("a", "c", world.now)
            yield world.env.timeout(0.5)

    world.env.process(traffic())
    world.run()
    to_b = sorted(m.payload for m in received(net, "b"))
    # sent at 0.0 arrives at 0.5 (before the cut); sent at 0.5 arrives at 1.0 (cut);
    # sent at 2.5 arrives at 3.0 (healed).
    assert to_b == [0.0, 2.5, 3.0, 3.5]
    assert len(received(net, "c")) == 8
    reasons = [r.meta["reason"] for r in world.trace if r.outcome == "lost"]
    assert reasons == ["partition"] * 4


def test_moved_endpoint_breaks_hardcoded_address_but_not_discovery():
    world = World(1)
    net = Network(world, default=Link(latency=0.1))
    net.add_node("client")
    net.add_node("orders", address="10.0.0.5")
    hardcoded = net.address_of("orders")
    net.move("orders", "10.0.0.9", at=1.0)

    def client():
        yield world.env.timeout(2.0)
        net.send("client", hardcoded, "old")
        net.send("client", net.address_of("orders"), "discovered")

    world.env.process(client())
    world.run()
    assert [m.payload for m in received(net, "orders")] == ["discovered"]
    failed = [r for r in world.trace if r.outcome == "failed"]
    assert len(failed) == 1 and "10.0.0.5" in failed[0].meta["reason"]


def test_a_scheduled_move_to_an_address_taken_meanwhile_fails_loudly():
    world = World(1)
    net = Network(world)
    net.add_node("orders")
    net.move("orders", "10.0.0.9", at=5.0)
    net.add_node("billing", address="10.0.0.9")
    with pytest.raises(ValueError, match="took it first"):
        world.run()


def test_handler_runs_on_delivery():
    world = World(1)
    net = Network(world, default=Link(latency=0.2))
    replies = []
    net.add_node("client", handler=lambda m: replies.append((world.now, m.payload)))

    def echo(message):
        yield world.env.timeout(0.1)
        net.send("server", message.source, message.payload.upper())

    net.add_node("server", handler=echo)
    net.send("client", "server", "ping")
    world.run()
    assert replies == [(pytest.approx(0.5), "PING")]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Link(loss=1.5), "loss"),
        (lambda: Link(duplicate=-0.1), "duplicate"),
        (lambda: Link(bandwidth=0), "bandwidth"),
        (lambda: Link(latency=-1), "seconds"),
        (lambda: Link(latency={"dist": "gamma"}), "dist"),
    ],
)
def test_bad_link_parameters(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_network_calls():
    world, net = two_nodes(Link())
    with pytest.raises(ValueError, match="node"):
        net.send("z", "b", 1)
    with pytest.raises(ValueError, match="size"):
        net.send("a", "b", 1, size=-1)
    with pytest.raises(ValueError, match="name"):
        net.add_node("a")
    with pytest.raises(ValueError, match="groups"):
        net.partition(["a", "b"])
    with pytest.raises(ValueError, match="groups"):
        net.partition(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="heal_at"):
        net.partition(["a"], ["b"], at=5, heal_at=1)
    world.run(until=2)
    with pytest.raises(ValueError, match="at"):
        net.heal(at=1)


def test_per_link_streams_are_independent():
    def deliveries(extra_link):
        world = World(5)
        net = Network(world, default=Link(latency=Exponential(0.1)))
        for node in ("a", "b", "c"):
            net.add_node(node)
        for i in range(10):
            net.send("a", "b", i)
            if extra_link:
                net.send("a", "c", i)
        world.run()
        return [r.delivered_at for r in world.trace if r.target == "b"]

    assert deliveries(False) == deliveries(True)


@settings(max_examples=40, deadline=None)
@given(
    loss=st.floats(0, 1),
    duplicate=st.floats(0, 1),
    tamper=st.floats(0, 1),
    reorder=st.floats(0, 1),
    count=st.integers(1, 30),
    seed=st.integers(0, 10_000),
)
def test_every_send_is_accounted_for(loss, duplicate, tamper, reorder, count, seed):
    link = Link(
        latency=Exponential(0.01), loss=loss, duplicate=duplicate, tamper=tamper, reorder=reorder
    )
    world, net = two_nodes(link, seed)
    for i in range(count):
        net.send("a", "b", f"m{i}")
    world.run()
    counts = outcome_counts(world.trace)
    firsts = counts["delivered"] + counts["tampered"] + counts["lost"]
    assert firsts == count == net.sent
    assert counts["duplicate"] <= count - counts["lost"]
    assert counts["in_flight"] == 0
    assert len(received(net, "b")) == net.delivered == count - counts["lost"] + counts["duplicate"]


def test_a_second_network_on_the_same_world_does_not_shift_the_first():
    def first_network_arrivals(with_second):
        world = World(9)
        first = Network(world, default=Link(latency=Exponential(0.1)))
        first.add_node("a")
        first.add_node("b")
        if with_second:
            second = Network(world, default=Link(latency=Exponential(0.1)))
            second.add_node("a")
            second.add_node("b")
        for i in range(5):
            if with_second:
                second.send("a", "b", i)
            first.send("a", "b", i)
        world.run()
        return [r.delivered_at for r in world.trace if r.meta["message_id"].startswith(first.name)]

    assert first_network_arrivals(False) == first_network_arrivals(True)
