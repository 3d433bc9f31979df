"""What the EventBridge tests share: an event envelope, and (for hostile input) a
wall-clock bound on each call so that a regression to a hang fails instead of freezing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

LIMIT = 5.0  # seconds; every case takes milliseconds when healthy
ENVELOPE = {
    "id": "1",
    "account": "123456789012",
    "source": "s",
    "time": "2025-01-06T09:00:00Z",
    "region": "us-east-1",
    "detail-type": "t",
}


def bounded(function, *args, seconds: float = LIMIT) -> Any:
    """``function(*args)``, failing the test past ``seconds`` where threads can be started."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed back to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    try:
        worker.start()
    except RuntimeError:  # no threads (Pyodide): run it here, unbounded
        run()
    else:
        worker.join(seconds)
        if worker.is_alive():
            pytest.fail(f"{getattr(function, '__name__', function)} ran longer than {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
