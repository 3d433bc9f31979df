"""What it takes to make moto behave like the AWS the lessons describe.

moto does not run Step Functions executions unless told to, really sleeps in Wait
states and Retry intervals, logs every failed state to stderr, and without a ``name``
a second ``start_execution`` collides with the first. This module hides all of that:
the offline account runs executions, compresses waits to nothing (the course's clock
is virtual anyway), keeps the interpreter quiet, and sessions name executions
``run-0001``, ``run-0002``... so offline output is the same on every run.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import types
from typing import Any

#: moto's configuration for the offline account. moto must not replace the learner's
#: environment credentials or boto3's default session: clients get fake keys explicitly.
OFFLINE_CONFIG: dict[str, Any] = {
    "core": {
        "mock_credentials": False,
        "passthrough": {"urls": [], "services": []},
        "reset_boto3_session": False,
        "service_whitelist": None,
    },
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    "iam": {"load_aws_managed_policies": False},
}

#: The settings a moto server needs for the same behaviour (sent to /moto-api/config).
SERVER_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}

#: moto's Step Functions interpreter logs every failed state as an error on stderr; the
#: failure is already in the execution's status and history, and stderr breaks notebooks.
INTERPRETER_LOGGER = "moto.stepfunctions.parser"

#: Keys for the offline account and for endpoints such as a moto server, which accept any.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@functools.cache
def fake_boto3_session(region: str) -> Any:
    """A boto3 session with fake keys that reads no environment variable and no AWS file.

    Offline and endpoint clients use it, so the learner's profile, keys, region and
    endpoint settings can neither leak into a simulator nor break it. One per region is
    kept: it caches the service models that clients load.
    """
    import boto3
    import botocore.session
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

    variables = {
        name: (config_name, None, default, convert)
        for name, (config_name, _env, default, convert) in BOTOCORE_DEFAUT_SESSION_VARIABLES.items()
    }
    variables["config_file"] = (None, None, os.devnull, None)
    variables["credentials_file"] = (None, None, os.devnull, None)
    variables["ignore_configured_endpoint_urls"] = (None, None, True, None)
    core = botocore.session.Session(session_vars=variables)
    return boto3.Session(botocore_session=core, region_name=region, **FAKE_CREDENTIALS)


class OfflineAccount:
    """moto running in this process, started on first use and kept until :meth:`stop`.

    Resources persist between sessions, as in a real account, so a forgotten cleanup
    shows up as a leftover instead of vanishing.
    """

    def __init__(self) -> None:
        from unittest import mock

        _import_moto_without_a_missing_profile()
        from moto import mock_aws
        from moto.core.base_backend import AccountSpecificBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
            wait_function,
        )

        self._patches = [
            mock_aws(config=OFFLINE_CONFIG),
            mock.patch.object(
                AccountSpecificBackend, "get_session", classmethod(_isolated_region_catalogue)
            ),
            mock.patch.object(wait_function.WaitFunction, "_wait_interval", _no_wait),
            mock.patch.object(retrier_decl, "time", types.SimpleNamespace(sleep=_no_sleep)),
            _QuietLogger(INTERPRETER_LOGGER),
        ]
        for patch in self._patches:
            patch.start()

    def stop(self) -> None:
        """Stop moto and forget every resource in the offline account."""
        for patch in reversed(self._patches):
            patch.stop()
        self._patches = []


def _import_moto_without_a_missing_profile() -> None:
    """Import the moto modules that build a default boto3 session at import time.

    ``moto.ec2`` (pulled in by moto's Step Functions interpreter) lists regions through
    ``boto3.Session()`` in a class body, which raises ``ProfileNotFound`` when
    ``AWS_PROFILE`` names a profile that does not exist. Offline never uses the profile,
    so it is hidden from the environment while these modules import.
    """
    names = [name for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") if os.environ.get(name)]
    if not names or "moto.ec2" in sys.modules:
        return
    import botocore.session

    known = botocore.session.Session(profile=None).available_profiles
    if all(os.environ[name] in known for name in names):
        return
    saved = {name: os.environ.pop(name) for name in names}
    try:
        import moto.ec2
        import moto.stepfunctions.parser.models  # noqa: F401
    finally:
        os.environ.update(saved)


def _isolated_region_catalogue(cls: type) -> Any:
    """The session moto reads its region list from, immune to a broken AWS_PROFILE."""
    return fake_boto3_session("us-east-1")


class _QuietLogger:
    """Raise a logger's level to CRITICAL while started (its children inherit it)."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)
        self._level = self._logger.level

    def start(self) -> None:
        self._level = self._logger.level
        self._logger.setLevel(logging.CRITICAL)

    def stop(self) -> None:
        self._logger.setLevel(self._level)


def _no_wait(self: object, env: object, wait_seconds: int) -> None:
    """A Wait state that takes no wall-clock time."""


def _no_sleep(seconds: float) -> None:
    """A Retry interval that takes no wall-clock time."""


_account: OfflineAccount | None = None


def offline_account() -> OfflineAccount:
    """The process-wide offline account, started if needed."""
    global _account
    if _account is None:
        _account = OfflineAccount()
    return _account


def stop_offline_account() -> None:
    """Stop the offline account if it runs; its resources are gone afterwards."""
    global _account
    if _account is not None:
        _account.stop()
        _account = None


def offline_running() -> bool:
    """True while the offline account is active in this process."""
    return _account is not None


def configure_moto_server(endpoint_url: str) -> bool:
    """Ask a moto server at ``endpoint_url`` to run executions; False if it is not moto."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        endpoint_url.rstrip("/") + "/moto-api/config",
        data=json.dumps(SERVER_CONFIG).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class ExecutionNamer:
    """Names ``run-0001``, ``run-0002``... per state machine, for ``start_execution`` calls
    that give none (moto would otherwise collide on the second unnamed call)."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def __call__(self, params: dict[str, Any], **kwargs: Any) -> None:
        if params.get("name"):
            return
        machine = str(params.get("stateMachineArn", ""))
        self._counts[machine] = self._counts.get(machine, 0) + 1
        params["name"] = f"run-{self._counts[machine]:04d}"
