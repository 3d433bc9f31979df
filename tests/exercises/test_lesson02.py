"""Lesson 02's checks accept the solutions and answer typical mistakes with a hint."""

from dataclasses import asdict, replace

import pytest
from exercise_checks import hint, passes

from course_lib import exercises
from course_lib.coupling import (
    FACETS,
    change_matrix,
    decoupling_cost,
    get_integration,
    run_change,
)
from course_lib.exercises import NOT_DONE, evaluate

VARIANT = replace(
    get_integration("eventbridge-custom-bus"),
    name="custom-bus-unordered",
    fifo=False,
    retry_max_age_s=86_400,
)
BREAKS = {f for f in FACETS if run_change(VARIANT, f).broke}


# -- 02.1 predict what breaks an unordered Custom Event Bus subscriber ---------------------
def test_02_1_the_simulation_breaks_the_variant_on_format_and_order():
    # Unordered delivery reorders one order's updates; 24 h of retries outlast an hour away.
    assert {"data_format", "order"} == BREAKS


@pytest.mark.parametrize(
    "answer",
    [
        BREAKS,
        sorted(BREAKS, reverse=True),
        tuple(BREAKS),
        {f.replace("_", " ").upper() for f in BREAKS},
        [r for r in change_matrix([VARIANT])["records"] if r.broke],
    ],
)
def test_02_1_accepts_any_order_and_spelling(answer):
    assert passes("02.1", answer)


def test_02_1_hints():
    assert "24 hours" in hint("02.1", BREAKS | {"temporal"})
    assert "UNORDERED" in hint("02.1", BREAKS - {"order"})
    assert "names the unit" in hint("02.1", BREAKS | {"semantic"})
    assert "not broken" in hint("02.1", BREAKS | {"location"})
    assert "collection" in hint("02.1", "data_format")
    assert "not one of the facets" in hint("02.1", ["colour"])
    assert "not answered" in evaluate("02.1", NOT_DONE).message


def test_02_1_hint_never_lists_the_answer():
    message = hint("02.1", [])
    assert "data_format" not in message and "'order'" not in message


# -- 02.2 an integration that no change breaks ----------------------------------------------
STURDY = replace(
    get_integration("sqs-fifo-queue"),
    name="sturdy",
    codec="protobuf",
    units_in_message=True,
)


def test_02_2_accepts_sturdy_integrations_as_objects_or_dicts():
    assert passes("02.2", STURDY)
    assert passes("02.2", asdict(STURDY))
    assert passes("02.2", replace(get_integration("file-transfer"), units_in_message=True))


def test_02_2_names_the_changes_that_still_break():
    message = hint("02.2", get_integration("sqs-queue"))
    assert "3 change(s)" in message and "order" in message
    short_retention = replace(STURDY, retention_s=600)
    assert "temporal" in hint("02.2", short_retention)
    assert "Integration" in hint("02.2", "sqs-fifo-queue")
    assert "not a valid integration" in hint("02.2", {"name": "x", "style": "telepathy"})


# -- 02.3 a delivery path that meets both limits ------------------------------------------
COST = decoupling_cost()


def p99_ms(path):
    return {
        "path": path,
        "producer_p99_ms": 1000 * COST[path]["producer_wait_s"]["p99"],
        "window_p99_ms": 1000 * COST[path]["consistency_window_s"]["p99"],
    }


def test_02_3_exactly_one_path_meets_both_limits():
    meets = [
        p for p in COST if p99_ms(p)["producer_p99_ms"] <= 100 and p99_ms(p)["window_p99_ms"] <= 200
    ]
    assert meets == ["queue"]


def test_02_3_accepts_the_queue_with_rounded_numbers():
    assert passes("02.3", p99_ms("queue"))
    rounded = {k: round(v) if isinstance(v, float) else v for k, v in p99_ms("queue").items()}
    assert passes("02.3", rounded)


def test_02_3_hints():
    assert "waiting longer" in hint("02.3", p99_ms("direct"))
    assert "lagging" in hint("02.3", p99_ms("bus"))
    seconds = {**p99_ms("queue"), "producer_p99_ms": COST["queue"]["producer_wait_s"]["p99"]}
    assert "in seconds" in hint("02.3", seconds)
    wrong_window = {**p99_ms("queue"), "window_p99_ms": p99_ms("bus")["window_p99_ms"]}
    assert "consistency window" in hint("02.3", wrong_window)
    assert "one of" in hint("02.3", {**p99_ms("queue"), "path": "carrier pigeon"})
    assert "exactly the keys" in hint("02.3", "queue")
    assert "one of" in hint("02.3", {**p99_ms("queue"), "path": ["queue"]})
    assert "not answered" in evaluate("02.3", NOT_DONE).message


def test_the_lesson_registers_three_exercises():
    assert [ex.id for ex in exercises.registered("02")] == ["02.1", "02.2", "02.3"]
