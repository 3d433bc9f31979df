from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.latency import Exponential
from course_lib.sim.network import Link, Network
from course_lib.sim.trace import outcome_counts, participants, sequence_arrows, timeline
from course_lib.sim.world import World


def small_run():
    world = World(1)
    net = Network(world, default=Link(latency=1.0))
    for node in ("client", "api", "db"):
        net.add_node(node)
    net.connect("api", "db", Link(latency=2.0, loss=1.0))
    net.send("client", "api", "GET", kind="request")
    net.send("api", "db", "SELECT", kind="query")
    world.run()
    return world.trace


def test_participants_in_order_of_first_appearance():
    assert participants(small_run()) == ["client", "api", "db"]


def test_sequence_arrows_carry_send_and_arrival_times():
    arrows = sequence_arrows(small_run())
    assert arrows[0] == {
        "source": "client",
        "target": "api",
        "kind": "request",
        "sent_at": 0.0,
        "arrived_at": 1.0,
        "outcome": "delivered",
        "label": "request",
    }
    assert arrows[1]["arrived_at"] is None
    assert arrows[1]["label"] == "query (lost)"


def test_timeline_lists_sends_receives_and_losses_in_time_order():
    events = timeline(small_run())
    assert [(e["participant"], e["time"], e["event"]) for e in events] == [
        ("client", 0.0, "send"),
        ("api", 0.0, "send"),
        ("api", 1.0, "receive"),
        ("db", 2.0, "lost"),
    ]


def test_outcome_counts_lists_every_outcome():
    assert outcome_counts(small_run()) == {
        "delivered": 1,
        "duplicate": 0,
        "tampered": 0,
        "lost": 1,
        "failed": 0,
        "in_flight": 0,
    }


@settings(max_examples=30, deadline=None)
@given(
    sends=st.lists(st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz")), max_size=20),
    loss=st.floats(0, 1),
    seed=st.integers(0, 1000),
)
def test_helpers_keep_every_message_and_time_order(sends, loss, seed):
    world = World(seed)
    net = Network(world, default=Link(latency=Exponential(0.1), loss=loss, duplicate=0.2))
    for node in "xyz":
        net.add_node(node)
    for source, target in sends:
        net.send(source, target, "m")
    world.run()
    arrows = sequence_arrows(world.trace)
    assert len(arrows) == len(world.trace)
    assert [a["sent_at"] for a in arrows] == sorted(a["sent_at"] for a in arrows)
    assert all(a["arrived_at"] is None or a["arrived_at"] >= a["sent_at"] for a in arrows)
    events = timeline(world.trace)
    assert sum(e["event"] == "send" for e in events) == len(world.trace)
    assert len(events) == 2 * len(world.trace)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert set(participants(world.trace)) == {n for pair in sends for n in pair}
