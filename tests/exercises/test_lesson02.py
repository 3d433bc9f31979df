"""Lesson 02's checks accept the solutions and answer typical mistakes with a hint."""

from dataclasses import asdict, replace

import pytest
from exercise_checks import hint, passes

from course_lib.coupling import (
    assess,
    decoupling_cost,
    fit,
    get_integration,
    recommend_coupling,
)
from course_lib.exercises import NOT_DONE, evaluate

QUEUE_TIGHT = {c.facet for c in assess(get_integration("sqs-queue")) if c.level == 2}


# -- 02.1 tight facets of a standard queue --------------------------------------------------
@pytest.mark.parametrize(
    "answer",
    [
        QUEUE_TIGHT,
        sorted(QUEUE_TIGHT, reverse=True),
        tuple(QUEUE_TIGHT),
        {f.replace("_", " ").upper() for f in QUEUE_TIGHT},
        [c for c in assess(get_integration("sqs-queue")) if c.level == 2],
    ],
)
def test_02_1_accepts_any_order_and_spelling(answer):
    assert passes("02.1", answer)


def test_02_1_hints():
    assert "time" in hint("02.1", QUEUE_TIGHT | {"temporal"})
    assert "1 more" in hint("02.1", sorted(QUEUE_TIGHT)[:2])
    assert "not tight" in hint("02.1", QUEUE_TIGHT | {"location"})
    assert "collection" in hint("02.1", "data_format")
    assert "not one of the facets" in hint("02.1", ["colour"])
    assert "not answered" in evaluate("02.1", NOT_DONE).message


def test_02_1_hint_never_lists_the_answer():
    message = hint("02.1", [])
    assert not any(facet in message for facet in QUEUE_TIGHT)


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


# -- 02.3 the price of an event bus ----------------------------------------------------------
COST = decoupling_cost()
WINDOW = {p: COST[p]["consistency_window_s"] for p in COST}
RATIO = WINDOW["bus"]["p99"] / WINDOW["direct"]["p99"]


def test_02_3_accepts_the_ratio_with_tolerance():
    assert passes("02.3", RATIO)
    assert passes("02.3", round(RATIO, 2))
    assert passes("02.3", RATIO * 1.01)


def test_02_3_recognises_typical_mistakes():
    assert "turn the ratio around" in hint("02.3", 1 / RATIO)
    assert "p50" in hint("02.3", WINDOW["bus"]["p50"] / WINDOW["direct"]["p50"])
    wait = COST["bus"]["producer_wait_s"]["p99"] / COST["direct"]["producer_wait_s"]["p99"]
    assert "producer" in hint("02.3", wait)
    assert "one number" in hint("02.3", "4")
    assert "decoupling_cost" in hint("02.3", 10.0)


# -- 02.4 too tight for a shared endpoint ----------------------------------------------------
GRPC_TOO_TIGHT = set(
    fit(get_integration("grpc-call"), recommend_coupling("full", "shared"))["too_tight"]
)


def test_02_4_accepts_names_or_the_fit_itself():
    assert passes("02.4", GRPC_TOO_TIGHT)
    assert passes("02.4", sorted(GRPC_TOO_TIGHT))
    assert passes("02.4", fit(get_integration("grpc-call"), recommend_coupling("full", "shared")))


def test_02_4_hints():
    none_advice = recommend_coupling("full", "none")
    stricter = set(fit(get_integration("grpc-call"), none_advice)["too_tight"])
    assert "not above" in hint("02.4", stricter)
    assert "more" in hint("02.4", sorted(GRPC_TOO_TIGHT)[:1])
