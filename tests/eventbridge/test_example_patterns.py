"""The example patterns in data/patterns are valid and match the catalogue events they describe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_lib.eventbridge import test_event_pattern as matches
from course_lib.eventbridge.pattern_language import compile_pattern

DATA = Path(__file__).resolve().parents[2] / "data"
PATTERNS = sorted((DATA / "patterns").glob("*.json"))


def load(path: Path):
    return json.loads(path.read_text())


def catalogue_event(name: str) -> dict:
    return load(DATA / "events" / f"{name}.json")


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_every_example_pattern_is_valid(path):
    compile_pattern(load(path))


EXPECTED = {
    "new_orders": {"OrderCreated": True, "PaymentFailed": False},
    "large_orders": {"OrderCreated": True, "OrderCancelled": False},
    "large_margherita_line": {"OrderCreated": True},
    "medium_margherita_line": {"OrderCreated": False},
    "payment_problems": {"PaymentFailed": True, "PaymentRefunded": True, "PaymentReceived": False},
    "everything_but_payments": {"OrderCreated": True, "PaymentFailed": False},
    "orders_without_idempotency_key": {"OrderCreated": False},
}


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [(p, e, x) for p, cases in EXPECTED.items() for e, x in cases.items()],
)
def test_examples_against_catalogue_events(pattern, event, expected):
    assert matches(load(DATA / "patterns" / f"{pattern}.json"), catalogue_event(event)) is expected
