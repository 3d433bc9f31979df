"""Offline, a real ``boto3.client("eventbridgev2")`` is answered by the course's Custom Event Bus.

moto has no ``eventbridgev2``. On a simulated backend (offline or a local endpoint) each
client of that service gets a botocore ``before-call`` handler that answers from
:class:`course_lib.eventbridge.EventBridgeV2` instead of the network. boto3 has already
validated the parameters by then, so a live cell runs unchanged and fails the same way.

The bus runs on its own virtual clock, which starts at the wall-clock time and never runs
behind it (a deduplication window or a retention period ends when it would on AWS). After
each call the clock runs until nothing is left to do, so a new bus is ACTIVE by the next
call (the EventBusActive waiter never sleeps) and deliveries, retries and dead letters are
done. SQS targets and dead-letter
queues deliver into the backend's SQS (moto's, offline), so a cell receives from them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from course_lib.aws import moto_support

#: One bus service per simulated account: resources outlive a client, as in an account.
_SERVICES: dict[tuple[str, str, str], tuple[Any, OfflineCustomBus]] = {}
_SQS_ARN = re.compile(r"arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)")


class _SqsQueue:
    """A queue of the backend's SQS, as a target the bus's delivery can send to."""

    def __init__(self, backend: Any, arn: str) -> None:
        _, account, name = _SQS_ARN.fullmatch(arn).groups()
        self.backend = backend
        self.name = name
        self.account = account
        self._client = None

    def send_message(
        self,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        **_attributes: Any,
    ) -> dict:
        from botocore.exceptions import ClientError

        from course_lib.eventbridge import TargetError

        if self._client is None:
            self._client = self.backend.client("sqs")
        params: dict[str, Any] = {"MessageBody": body}
        if group_id is not None:
            params["MessageGroupId"] = group_id
        if deduplication_id is not None:
            params["MessageDeduplicationId"] = deduplication_id
        try:
            url = self._client.get_queue_url(QueueName=self.name)["QueueUrl"]
        except ClientError as error:
            raise TargetError(
                "ResourceNotFoundException",
                f"queue {self.name} does not exist ({error.response['Error']['Code']})",
                retriable=False,
                dlq_code="NO_RESOURCE",
            ) from None
        return self._client.send_message(QueueUrl=url, **params)


class OfflineCustomBus:
    """The Custom Event Bus of one simulated account, and the queues it delivers to."""

    def __init__(self, backend: Any) -> None:
        from course_lib.eventbridge import EventBridgeV2
        from course_lib.sim.world import World

        self.backend = backend
        self.world = World(seed=0, epoch=datetime.now(UTC))
        self._started = time.monotonic()
        self.service = EventBridgeV2(
            self.world, account=backend.account_id or "123456789012", region=backend.region
        )

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one operation, then let the bus's clock run until everything has happened."""
        from course_lib.eventbridge.custom_bus.validation import snake_case

        elapsed = time.monotonic() - self._started
        if elapsed > self.world.now:
            self.world.run(until=elapsed)
        for arn in set(_SQS_ARN.findall(repr(params))):
            full = f"arn:aws:sqs:{arn[0]}:{arn[1]}:{arn[2]}"
            if not self.world.has_service(full):
                self.world.register(full, _SqsQueue(self.backend, full))
        result = getattr(self.service, snake_case(operation))(**params)
        self.world.run()
        return result


def offline_bus(backend: Any) -> OfflineCustomBus:
    """The bus service of ``backend``'s simulated account (a fresh one per offline account)."""
    key = (backend.mode, backend.endpoint_url or "", backend.region)
    account = moto_support._account if backend.mode == "offline" else None
    known = _SERVICES.get(key)
    if known is None or known[0] is not account:
        known = (account, OfflineCustomBus(backend))
        _SERVICES[key] = known
    return known[1]


def serve(client: Any, backend: Any) -> None:
    """Answer ``client``'s calls from the course's Custom Event Bus instead of the network."""
    from botocore.awsrequest import AWSResponse

    from course_lib.eventbridge.custom_bus import CustomBusError

    event = client.meta.service_model.service_id.hyphenize()

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["course_custom_bus_params"] = params  # the same dict later hooks may tag

    def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, dict]:
        params = context.get("course_custom_bus_params", {})
        request_id = f"offline-{model.name}"
        try:
            parsed = offline_bus(backend).call(model.name, dict(params))
            status = 200
        except CustomBusError as error:
            status = error.status
            parsed = {
                "Error": {"Code": error.code, "Message": error.message},
                "Message": error.message,
            }
        parsed["ResponseMetadata"] = {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        }
        return AWSResponse("offline://eventbridgev2", status, {}, None), parsed

    client.meta.events.register(f"before-parameter-build.{event}", keep_params)
    # Last, and on the generic name: hooks on this client's calls (recorders) still run first.
    client.meta.events.register_last("before-call", answer)
