"""The package's front door: fast import, setup, lazy submodules."""

import json
import random
import subprocess
import sys

import course_lib as cl
from course_lib import session
from course_lib.sim import World


def _fresh_python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def test_import_does_not_load_heavy_libraries():
    loaded = json.loads(
        _fresh_python(
            "import sys, json, course_lib; "
            "print(json.dumps(sorted(m for m in ('matplotlib', 'graphviz', 'boto3', 'moto', "
            "'ipywidgets', 'numpy', 'jsonata', 'simpy') if m in sys.modules)))"
        )
    )
    assert loaded == []


def test_unknown_attribute_is_a_clear_error():
    try:
        cl.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("expected AttributeError")


def test_submodules_load_on_first_use():
    assert cl.sim.World is World


def test_setup_seeds_the_world_default_and_python_random():
    cl.setup(seed=5)
    first = (World().rng("x").random(), random.random())
    cl.setup(seed=5)
    assert (World().rng("x").random(), random.random()) == first
    cl.setup(seed=6)
    assert World().rng("x").random() != first[0]
    session.set_seed(session.DEFAULT_SEED)


def test_setup_rejects_a_seed_that_is_not_an_int():
    for bad in ("42", 4.2, True):
        try:
            session.set_seed(bad)
        except TypeError as error:
            assert "seed" in str(error)
        else:
            raise AssertionError(f"{bad!r} accepted")


def test_named_streams_are_independent_of_each_other():
    alone = World(seed=1).rng("a").random()
    world = World(seed=1)
    world.rng("b").random()
    assert world.rng("a").random() == alone


def test_world_ids_and_uuids_repeat_for_a_seed():
    a, b = World(seed=3), World(seed=3)
    assert [a.uuid(), a.next_id("order"), a.next_id("order")] == [b.uuid(), "order-1", "order-2"]
    assert a.uuid()[14] == "4"  # version 4 layout


def test_world_timestamps_follow_the_virtual_clock():
    world = World()

    def wait(env):
        yield env.timeout(90)

    world.env.process(wait(world.env))
    world.run()
    assert world.now == 90
    assert (world.timestamp() - session.EPOCH).total_seconds() == 90


def test_unknown_service_names_what_is_registered():
    world = World()
    world.register("bus", object())
    try:
        world.service("nope")
    except LookupError as error:
        assert "nope" in str(error) and "bus" in str(error)
    else:
        raise AssertionError("expected LookupError")
