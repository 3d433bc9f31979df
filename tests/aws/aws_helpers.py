"""Shared by the live-AWS tests: the learner policy, and the API calls a block of code makes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from course_lib.aws import backends

ROOT = Path(__file__).resolve().parents[2]
POLICY_PATH = ROOT / "data" / "iam" / "course-learner-policy.json"

#: IAM action prefix -> botocore service model name.
IAM_PREFIXES = {
    "states": "stepfunctions",
    "events": "events",
    "sqs": "sqs",
    "dynamodb": "dynamodb",
    "iam": "iam",
    "sts": "sts",
    "tag": "resourcegroupstaggingapi",
}
SERVICE_PREFIXES = {service: prefix for prefix, service in IAM_PREFIXES.items()}
#: The Custom Event Bus is its own botocore model but shares the ``events:`` IAM prefix.
SERVICE_PREFIXES["eventbridgev2"] = "events"


def load_policy() -> dict[str, Any]:
    return json.loads(POLICY_PATH.read_text())


def policy_actions() -> set[str]:
    actions = set()
    for statement in load_policy()["Statement"]:
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


@contextlib.contextmanager
def recorded_actions(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Collect the IAM action (``prefix:Operation``) of every call made by course clients."""
    seen: set[str] = set()
    make_client = backends.Backend.client

    def recording_client(self: backends.Backend, service: str) -> Any:
        client = make_client(self, service)
        prefix = SERVICE_PREFIXES[client.meta.service_model.service_name]

        def record(model: Any, **_: Any) -> None:
            seen.add(f"{prefix}:{model.name}")

        client.meta.events.register("before-call", record)
        return client

    monkeypatch.setattr(backends.Backend, "client", recording_client)
    yield seen
