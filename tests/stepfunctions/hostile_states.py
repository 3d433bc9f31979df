"""What the hostile-input tests of the Step Functions engine share: small definitions, the
wall-clock bound per case, and the check that an execution failed with a given error."""

from __future__ import annotations

from typing import Any

import pytest

LIMIT = 10.0  # seconds of wall time per case; the slowest takes about two when healthy
INTERNAL = "The local engine failed"
FN = "arn:aws:lambda:us-east-1:123456789012:function:f"


@pytest.fixture(autouse=True)
def bounded(wall_clock):
    """Every case in a module that imports this fixture ends within :data:`LIMIT`."""
    with wall_clock(LIMIT):
        yield


def machine(states: dict, **top: Any) -> dict:
    return {"StartAt": next(iter(states)), "States": states, **top}


def one(state: dict, **top: Any) -> dict:
    return machine({"S": {**state, "End": True}}, **top)


def fails(outcome, error: str, cause: str | None = None) -> None:
    assert (outcome.status, outcome.error) == ("FAILED", error), outcome.to_dict()
    if cause is not None:
        assert cause in (outcome.cause or ""), outcome.cause
