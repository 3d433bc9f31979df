"""A wall-clock bound for the Step Functions tests that feed the engine hostile input.

The ``wall_clock`` fixture gives :func:`wall_clock_limit`; ``with wall_clock(seconds):`` raises :class:`WallClockExceeded` in the main
thread once ``seconds`` of wall time have passed, so a regression to a hang fails the
test instead of freezing the run. It derives from BaseException: the engine turns
every Exception raised inside an execution into a failed execution, and must not
swallow this one. Where there is no SIGALRM (Windows) or off the main thread, the
block runs unbounded.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


class WallClockExceeded(BaseException):
    """The block ran longer than its wall-clock bound."""


@contextmanager
def wall_clock_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of wall time (main thread, POSIX only)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def on_alarm(signum, frame):
        raise WallClockExceeded(f"took longer than {seconds} s of wall time")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Repeating: an alarm raised where Python ignores exceptions (a finalizer) comes again.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def wall_clock():
    """:func:`wall_clock_limit`, for a test (or an autouse fixture) to bound itself."""
    return wall_clock_limit
