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
