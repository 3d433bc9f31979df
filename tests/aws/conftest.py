"""Fixtures for the live-AWS layer: a clean environment, and no leftovers after any test."""

from __future__ import annotations

import pytest

from course_lib.aws import backends, deletion, moto_support


@pytest.fixture(scope="module", autouse=True)
def offline_account_ends_each_module_empty():
    """The offline account lives across a module's tests, like a real one, and must end up empty."""
    yield
    left = []
    if moto_support.offline_running():
        backend = backends.offline_backend()
        left = deletion.find_leftovers(deletion.cached_clients(backend.client))
    moto_support.stop_offline_account()
    assert left == [], f"course resources left in the offline account: {left}"


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch: pytest.MonkeyPatch):
    """Every test starts offline; one that used the offline account must leave it clean."""
    monkeypatch.delenv(backends.LIVE_ENV, raising=False)
    monkeypatch.delenv(backends.ENDPOINT_ENV, raising=False)
    used = []
    start = moto_support.offline_account

    def offline_account() -> moto_support.OfflineAccount:
        used.append(True)
        return start()

    monkeypatch.setattr(moto_support, "offline_account", offline_account)
    yield
    if used and moto_support.offline_running():
        backend = backends.offline_backend()
        left = deletion.find_leftovers(deletion.cached_clients(backend.client))
        if left:
            moto_support.stop_offline_account()
        assert left == [], f"course resources left in the offline account: {left}"
