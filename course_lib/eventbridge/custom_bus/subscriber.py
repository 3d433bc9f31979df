"""One subscriber: which events it takes, and the order and pace it hands them to its target.

A subscriber keeps a backlog of the events that matched its filters. ``FIFO`` keeps one
queue per event group and delivers each group's events one after another, so an event that
fails holds up the later events of its group (head-of-line blocking) while other groups go
on; events without a group, and every event of an ``UNORDERED`` subscriber, are delivered
in parallel. ``STOPPED`` starts no new delivery and keeps the backlog; ``RUNNING`` resumes
it (or skips it, with ResumePosition ``LATEST``). Each delivery is the classic engine's
:func:`deliver` process (latency, back-off with jitter, retry limits), with the subscriber's
retry policy, and the Custom Event Bus's dead-letter record instead of the classic one.
An event is never delivered after its bus's retention period ends.

Not simulated, and said so here rather than left silent: BatchConfiguration is validated and
described but each event is its own invocation (the user guide does not document a batch's
payload); of the target parameters only SqsParameters.MessageGroupId is applied (a literal
or a JSONata expression; an SQS FIFO target otherwise gets the event group); a local
function is called synchronously, as Lambda's REQUEST_RESPONSE would be.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from course_lib.eventbridge.custom_bus import transform
from course_lib.eventbridge.custom_bus.filters import Filters
from course_lib.eventbridge.custom_bus.records import StoredEvent
from course_lib.eventbridge.delivery import DeliveryContext, deliver
from course_lib.eventbridge.targets import Target, TargetError
from course_lib.sim.world import TraceRecord

if TYPE_CHECKING:
    from course_lib.eventbridge.custom_bus.service import CustomBus

DEFAULT_MAX_RETRY_ATTEMPTS = 5
DEFAULT_MAX_EVENT_AGE = 300
DEFAULT_BATCH_SIZE = 10
DEFAULT_BATCH_WINDOW = 0


@dataclass
class Subscriber:
    """A subscriber's configuration (as the API describes it) and its delivery state."""

    bus: CustomBus
    name: str
    arn: str
    config: dict[str, Any]
    filters: Filters
    created: datetime
    modified: datetime
    end_at: float | None = None
    deleted: bool = False
    revoked: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    _groups: dict[str, deque] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    _loose: deque = field(default_factory=deque)

    # -- configuration read by delivery ------------------------------------------
    @property
    def state(self) -> str:
        return self.config.get("State", "RUNNING")

    @property
    def fifo(self) -> bool:
        return self.config.get("Type", "UNORDERED") == "FIFO"

    @property
    def target_arn(self) -> str:
        return self.config["InvokeConfiguration"]["TargetArn"]

    def _retry(self, key: str, default: int) -> int:
        value = (self.config.get("RetryPolicy") or {}).get(key)
        return default if value is None else value

    @property
    def dead_letter_arn(self) -> str | None:
        return (self.config.get("OnFailureConfiguration") or {}).get("Arn")

    # -- intake --------------------------------------------------------------------
    def wants(self, event: StoredEvent, delivery_type: str) -> bool:
        """Whether ``event`` is in range and matches every filter. Changes nothing, so an
        event the matcher refuses (:class:`InvalidEvent`) can be refused first."""
        if self.deleted or self.revoked:
            return False
        if self.end_at is not None and event.ingested_at > self.end_at:
            return False
        return self.filters.matches(event.filter_documents(delivery_type))

    def take(self, event: StoredEvent, delivery_type: str) -> None:
        """Put an event :meth:`wants` accepted into the backlog."""
        item = (event, delivery_type)
        if self.fifo and event.group is not None:
            self._groups.setdefault(event.group, deque()).append(item)
            if self._running() and event.group not in self._busy:
                self._start_group(event.group)
        elif self._running():
            self.bus.world.env.process(self._deliver_one(*item))
        else:
            self._loose.append(item)

    def _running(self) -> bool:
        return self.state == "RUNNING" and not (self.deleted or self.revoked)

    def _start_group(self, group: str) -> None:
        self._busy.add(group)
        self.bus.world.env.process(self._group_worker(group))

    def pump(self) -> None:
        """Start what may start now: one worker per idle group, every loose event."""
        if not self._running():
            return
        while self._loose:
            self.bus.world.env.process(self._deliver_one(*self._loose.popleft()))
        for group, queue in self._groups.items():
            if queue and group not in self._busy:
                self._start_group(group)

    def skip_backlog(self, before: float) -> None:
        """ResumePosition LATEST: forget queued events published before ``before``."""
        for queue in (self._loose, *self._groups.values()):
            kept = [item for item in queue if item[0].ingested_at >= before]
            queue.clear()
            queue.extend(kept)

    def backlog(self) -> int:
        return len(self._loose) + sum(len(queue) for queue in self._groups.values())

    # -- delivery ------------------------------------------------------------------
    def _group_worker(self, group: str) -> Generator:
        queue = self._groups[group]
        try:
            while queue and self._running():
                yield from self._deliver_one(*queue.popleft())
        finally:
            self._busy.discard(group)

    def _deliver_one(self, event: StoredEvent, delivery_type: str) -> Generator:
        world = self.bus.world
        latency_high = self.bus.service.latency[1]
        budget = event.ingested_at + self.bus.retention_seconds - world.now - latency_high
        if budget <= 0:
            self._trace(event, "expired", {"reason": "retention period ended"})
            return
        if self.target_arn in event.path:
            # the documented loop detection: never deliver to a bus the event passed through
            error = TargetError(
                "LoopDetected",
                f"the event already passed through event bus {self.target_arn}",
                retriable=False,
                dlq_code="LOOP_DETECTED",
            )
            self._dead_letter(event, error, 1, None)
            return
        documents = event.documents(delivery_type)
        transformer = self.config.get("Transformer") or {}
        kind = transformer.get("Type", "RAW")
        expression = (transformer.get("JsonataConfiguration") or {}).get("Expression")
        try:
            text = transform.payload(
                kind, expression, documents, event.raw_payload(), self.bus.clock
            )
            group_id = self._message_group(event, documents)
        except transform.TransformError as exc:
            error = TargetError(
                "TransformationFailed", str(exc), retriable=False, dlq_code="TRANSFORMATION_ERROR"
            )
            self._dead_letter(event, error, 1, None)
            return
        target = Target(
            id=self.name,
            arn=self.target_arn,
            input=text,
            maximum_event_age=min(
                self._retry("MaxEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE), budget
            ),
            maximum_retry_attempts=self._retry("MaxRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS),
            message_group_id=group_id,
        )
        handed = event.data if event.is_envelope else {"id": event.event_id, "data": event.data}
        context = DeliveryContext(self.bus.name, self.name, self.arn)
        self.bus.service.forwarding[event.event_id] = event.path  # read if a bus receives it
        yield world.env.process(
            deliver(
                world,
                handed,
                target,
                context,
                latency=self.bus.service.latency,
                duplicate_rate=self.bus.service.duplicate_rate,
                on_failure=lambda error, attempts, condition: self._dead_letter(
                    event, error, attempts, condition
                ),
            )
        )

    def _message_group(self, event: StoredEvent, documents: dict) -> str | None:
        """MessageGroupId for an SQS FIFO target: SqsParameters', else the event group."""
        parameters = self.config["InvokeConfiguration"].get("SqsParameters") or {}
        given = parameters.get("MessageGroupId")
        if given:
            if given.strip().startswith("{%"):
                value = transform.evaluate(given, documents, self.bus.clock)
                return value if isinstance(value, str) else json.dumps(value)
            return given
        if self.target_arn.endswith(".fifo"):
            return event.group or event.event_id
        return None

    def _dead_letter(
        self, event: StoredEvent, error: TargetError, attempts: int, condition: str | None
    ) -> None:
        """Write the documented dead-letter record (not the event) to the queue, if any."""
        world = self.bus.world
        record: dict[str, Any] = {
            "version": "1.0",
            "busArn": self.bus.arn,
            "subscriberArn": self.arn,
            "targetArn": self.target_arn,
            "errorCode": error.dlq_code,
            "errorMessage": f"{error.code}: {error.message}",
        }
        if condition:
            record["exhaustedRetryCondition"] = condition
        record["retryAttempts"] = attempts - 1
        record["failedMessages"] = [
            {
                "eventId": event.event_id,
                "eventGroupId": event.group,
                "deduplicationId": event.deduplication_id,
                "timestamp": event.ingestion_time,
            }
        ]
        body = json.dumps(record, ensure_ascii=False)
        dlq = self.dead_letter_arn
        if dlq and world.has_service(dlq):
            extra = {}
            if dlq.endswith(".fifo"):
                extra = {"group_id": event.group or self.name, "deduplication_id": event.event_id}
            world.service(dlq).send_message(body, **extra)
            self._trace(event, "dead-lettered", {"dlq": dlq, **record}, body)
        else:
            self._trace(event, "dropped", {"dlq": dlq or "none", **record}, body)

    def _trace(self, event: StoredEvent, outcome: str, meta: dict, payload: Any = None) -> None:
        world = self.bus.world
        meta = {"subscriber": self.name, "event_id": event.event_id, **meta}
        world.trace.append(
            TraceRecord(
                world.now, self.bus.name, self.name, "event", payload, world.now, outcome, meta
            )
        )
