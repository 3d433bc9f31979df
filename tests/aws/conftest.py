"""Fixtures for the live-AWS layer: a clean environment, and no leftovers after any test."""

from __future__ import annotations

import pytest

from course_lib.aws import backends, deletion, moto_support


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch):
    """Every test starts offline and must leave the offline account without course resources."""
    monkeypatch.delenv(backends.LIVE_ENV, raising=False)
    monkeypatch.delenv(backends.ENDPOINT_ENV, raising=False)
    moto_support.stop_offline_account()
    yield
    if moto_support.offline_running():
        backend = backends.offline_backend()
        left = deletion.find_leftovers(deletion.cached_clients(backend.client))
        moto_support.stop_offline_account()
        assert left == [], f"course resources left in the offline account: {left}"
