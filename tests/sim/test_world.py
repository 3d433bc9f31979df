from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.sim.world import World


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(-(2**40), 2**40),
    others=st.lists(st.text(min_size=1, max_size=8), max_size=5),
)
def test_adding_a_stream_never_changes_another_streams_numbers(seed, others):
    alone = World(seed).rng("network")
    expected = [alone.random() for _ in range(5)]
    crowded = World(seed)
    for name in others:
        if name != "network":
            crowded.rng(name).random()
    assert [crowded.rng("network").random() for _ in range(5)] == expected


def test_same_seed_same_ids_and_different_seed_different_numbers():
    a, b = World(3), World(3)
    assert [a.uuid() for _ in range(3)] == [b.uuid() for _ in range(3)]
    assert a.next_id("msg") == "msg-1" and a.next_id("msg") == "msg-2"
    assert World(3).rng("x").random() != World(4).rng("x").random()
