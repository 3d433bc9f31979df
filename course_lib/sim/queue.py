"""An SQS-like queue on the world's clock: at-least-once delivery, as Amazon SQS does it.

A received message stays in the queue, invisible for the visibility timeout; unless the
consumer deletes it in time, it becomes visible again and is delivered again (its
``ApproximateReceiveCount`` grows). After ``max_receive_count`` receives the next
receive moves it to a dead-letter queue instead (where its receive count starts again).
FIFO queues (names ending ``.fifo``) keep each message group in order, hold back a group
while any of its messages is in flight, and drop duplicates sent within five minutes.

Shapes follow the SQS API: ``send_message`` returns ``MessageId`` and
``MD5OfMessageBody``; received messages carry ``ReceiptHandle``, ``Body`` and
``Attributes`` such as ``ApproximateReceiveCount``.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from course_lib.facts import fact
from course_lib.sim.world import World

ARN_PREFIX = "arn:aws:sqs:us-east-1:123456789012:"
URL_PREFIX = "https://sqs.us-east-1.amazonaws.com/123456789012/"
#: FIFO deduplication interval: a repeat of a deduplication id within it is dropped.
DEDUPLICATION_WINDOW = float(fact("sqs.fifo.deduplication_window_seconds"))
#: Largest message (body plus attributes) SQS accepts since January 2026: 1 MiB.
MAX_MESSAGE_BYTES: int = fact("sqs.max_message_bytes")
MAX_VISIBILITY_TIMEOUT: int = fact("sqs.visibility_timeout.max_seconds")
MAX_DELAY_SECONDS: int = fact("sqs.max_delay_seconds")
MAX_WAIT_TIME_SECONDS: int = fact("sqs.receive.max_wait_seconds")
MAX_MESSAGES_PER_RECEIVE: int = fact("sqs.receive.max_messages")


class QueueError(ValueError):
    """A request SQS would reject; ``code`` is the SQS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def queue_arn(name: str) -> str:
    """The ARN a queue called ``name`` is registered under on the world."""
    return ARN_PREFIX + name


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _seconds(name: str, value: float, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(f"{name}: expected a number of seconds, got {value!r}")
    if not 0 <= value <= maximum:
        raise ValueError(f"{name}: must lie in [0, {maximum}] seconds, got {value!r}")
    return float(value)


def _whole(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}: must be a whole number in [{low}, {high}], got {value!r}")
    return value


def _message_attribute(name: str, value: Any) -> dict:
    """Turn a plain value into SQS's ``{"DataType", "StringValue"}`` shape."""
    if isinstance(value, Mapping):
        if "DataType" not in value:
            raise ValueError(f"attributes[{name!r}]: an attribute mapping needs a DataType")
        return dict(value)
    if isinstance(value, bool) or value is None:
        return {"DataType": "String", "StringValue": json.dumps(value)}
    if isinstance(value, (int, float)):
        return {"DataType": "Number", "StringValue": repr(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"DataType": "Binary", "BinaryValue": bytes(value)}
    return {"DataType": "String", "StringValue": str(value)}


def _attribute_bytes(attributes: Mapping[str, dict]) -> int:
    total = 0
    for name, attribute in attributes.items():
        total += len(name.encode()) + len(attribute["DataType"].encode())
        value = attribute.get("StringValue", attribute.get("BinaryValue", b""))
        total += len(value) if isinstance(value, bytes) else len(str(value).encode())
    return total


@dataclass
class _Stored:
    message_id: str
    body: str
    attributes: dict
    sent_at: float
    visible_at: float
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None
    receive_count: int = 0
    first_receive_at: float | None = None
    receipt_handle: str | None = None


class Queue:
    """One queue on a world, reachable as ``world.service(queue_arn(name))``.

    ``dead_letter_queue`` (a Queue) and ``max_receive_count`` form the redrive policy.
    """

    def __init__(
        self,
        world: World,
        name: str,
        *,
        visibility_timeout: float = 30,
        delay_seconds: float = 0,
        message_retention_period: float = 345_600,
        content_based_deduplication: bool = False,
        dead_letter_queue: Queue | None = None,
        max_receive_count: int | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: a queue needs a non-empty name, got {name!r}")
        stem = name.removesuffix(".fifo")
        if not stem or len(name) > 80 or not all(c.isalnum() or c in "-_" for c in stem):
            raise ValueError(
                f"name: up to 80 letters, digits, hyphens and underscores (plus .fifo), got {name!r}"
            )
        self.world = world
        self.name = name
        self.fifo = name.endswith(".fifo")
        self.arn = queue_arn(name)
        self.url = URL_PREFIX + name
        self.visibility_timeout = _seconds(
            "visibility_timeout", visibility_timeout, MAX_VISIBILITY_TIMEOUT
        )
        self.delay_seconds = _seconds("delay_seconds", delay_seconds, MAX_DELAY_SECONDS)
        self.message_retention_period = _seconds(
            "message_retention_period", message_retention_period, 1_209_600
        )
        if self.message_retention_period < 60:
            raise ValueError(
                f"message_retention_period: must be >= 60 seconds, got {message_retention_period!r}"
            )
        if content_based_deduplication and not self.fifo:
            raise ValueError("content_based_deduplication: only FIFO queues (.fifo) deduplicate")
        self.content_based_deduplication = bool(content_based_deduplication)
        self.max_message_bytes = _whole(
            "max_message_bytes", max_message_bytes, 1024, MAX_MESSAGE_BYTES
        )
        if (dead_letter_queue is None) != (max_receive_count is None):
            raise ValueError(
                "max_receive_count: give both dead_letter_queue and max_receive_count, or neither"
            )
        if dead_letter_queue is not None:
            if not isinstance(dead_letter_queue, Queue):
                raise TypeError(
                    f"dead_letter_queue: expected a Queue, got {type(dead_letter_queue).__name__}"
                )
            if dead_letter_queue.fifo != self.fifo:
                raise ValueError(
                    "dead_letter_queue: a FIFO queue needs a FIFO dead-letter queue and a"
                    " standard queue a standard one"
                )
            if dead_letter_queue is self:
                raise ValueError("dead_letter_queue: a queue cannot be its own dead-letter queue")
            _whole("max_receive_count", max_receive_count, 1, 1000)
        self.dead_letter_queue = dead_letter_queue
        self.max_receive_count = max_receive_count
        if world.has_service(self.arn):
            raise ValueError(f"name: a service is already registered as {self.arn!r}")
        world.register(self.arn, self)
        self._messages: list[_Stored] = []
        self._by_handle: dict[str, _Stored] = {}
        self._issued: set[str] = set()
        self._deduplication: dict[str, tuple[float, str, str | None]] = {}
        self._sequence = 0
        # Message ids come from the queue's own stream: sending here never shifts the
        # ids other services draw from the world.
        self._ids = world.rng(f"sqs/{name}/message-ids")
        self._changed = world.env.event()
        self.stats = {"sent": 0, "received": 0, "deleted": 0, "redriven": 0, "deduplicated": 0}

    def __repr__(self) -> str:
        return f"Queue({self.name!r}, {len(self._messages)} messages)"

    # -- sending -------------------------------------------------------------------
    def send_message(
        self,
        body: Any,
        *,
        delay_seconds: float = 0,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        **message_attributes: Any,
    ) -> dict:
        """Enqueue ``body`` (a str; dicts and lists are sent as JSON) and return SQS's reply.

        On a standard queue ``group_id`` only labels the message (as fair queues do);
        ordering and deduplication belong to FIFO queues.

        ``delay_seconds`` of 0 means the queue's own delay. Message attributes come from
        ``attributes`` and any extra keyword arguments (plain values become String or
        Number attributes).
        """
        if isinstance(body, (dict, list)):
            body = json.dumps(body, sort_keys=True, separators=(",", ":"))
        if not isinstance(body, str):
            raise TypeError(
                f"body: expected a str (or a dict/list sent as JSON), got {type(body).__name__}"
            )
        if not body:
            raise QueueError("MissingParameter", "body: the message body must not be empty")
        delay = _seconds("delay_seconds", delay_seconds, MAX_DELAY_SECONDS)
        merged = {**dict(attributes or {}), **message_attributes}
        shaped = {name: _message_attribute(name, value) for name, value in sorted(merged.items())}
        size = len(body.encode()) + _attribute_bytes(shaped)
        if size > self.max_message_bytes:
            raise QueueError(
                "InvalidParameterValue",
                f"body: message is {size} bytes, the queue accepts at most {self.max_message_bytes}",
            )
        if self.fifo:
            if delay_seconds:
                raise QueueError(
                    "InvalidParameterValue",
                    "delay_seconds: FIFO queues take a delay per queue, not per message",
                )
            if not group_id:
                raise QueueError("MissingParameter", "group_id: FIFO queues need a MessageGroupId")
            if deduplication_id is None:
                if not self.content_based_deduplication:
                    raise QueueError(
                        "InvalidParameterValue",
                        "deduplication_id: give one, or enable content_based_deduplication",
                    )
                deduplication_id = hashlib.sha256(body.encode()).hexdigest()
            duplicate = self._deduplication.get(deduplication_id)
            if duplicate is not None and self.world.now - duplicate[0] < DEDUPLICATION_WINDOW:
                self.stats["deduplicated"] += 1
                return self._send_reply(duplicate[1], body, duplicate[2])
        elif deduplication_id is not None:
            raise QueueError(
                "InvalidParameterValue",
                "deduplication_id: MessageDeduplicationId needs a FIFO (.fifo) queue",
            )
        message_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        sequence = None
        if self.fifo:
            self._sequence += 1
            sequence = f"{self._sequence:020d}"
            self._deduplication[deduplication_id] = (self.world.now, message_id, sequence)
        now = self.world.now
        visible_at = now + (delay or self.delay_seconds)
        stored = _Stored(
            message_id, body, shaped, now, visible_at, group_id, deduplication_id, sequence
        )
        self._messages.append(stored)
        self.stats["sent"] += 1
        self.world.record(
            "producer", self.name, "SendMessage", body, message_id=message_id, delivered_at=now
        )
        self._notify()
        return self._send_reply(message_id, body, sequence)

    def _send_reply(self, message_id: str, body: str, sequence: str | None) -> dict:
        reply = {"MessageId": message_id, "MD5OfMessageBody": _md5(body)}
        if sequence is not None:
            reply["SequenceNumber"] = sequence
        return reply

    # -- receiving -----------------------------------------------------------------
    def receive_message(
        self,
        max_messages: int = 1,
        visibility_timeout: float | None = None,
        wait_time_seconds: float = 0,
    ) -> list[dict]:
        """Receive up to ``max_messages`` visible messages now.

        With ``wait_time_seconds`` (long polling) the call advances the world's clock
        until a message is available or the wait is over, so it may only be used outside
        a SimPy process; inside one, use ``messages = yield queue.receive(...)``.
        """
        _whole("max_messages", max_messages, 1, MAX_MESSAGES_PER_RECEIVE)
        vt = self._visibility(visibility_timeout)
        wait = _seconds("wait_time_seconds", wait_time_seconds, MAX_WAIT_TIME_SECONDS)
        if wait == 0:
            return self._take(max_messages, vt)
        if self.world.env.active_process is not None:
            raise RuntimeError(
                "wait_time_seconds: a process cannot block in receive_message; "
                "use `messages = yield queue.receive(...)`"
            )
        poll = self.receive(max_messages, visibility_timeout, wait_time_seconds)
        self.world.run(until=poll)
        return poll.value

    def receive(
        self,
        max_messages: int = 1,
        visibility_timeout: float | None = None,
        wait_time_seconds: float = MAX_WAIT_TIME_SECONDS,
    ) -> simpy.Process:
        """Long-poll inside a SimPy process: ``messages = yield queue.receive()``.

        The event fires with a list of messages as soon as any is available, or with an
        empty list after ``wait_time_seconds``.
        """
        _whole("max_messages", max_messages, 1, MAX_MESSAGES_PER_RECEIVE)
        vt = self._visibility(visibility_timeout)
        wait = _seconds("wait_time_seconds", wait_time_seconds, MAX_WAIT_TIME_SECONDS)
        return self.world.env.process(self._long_poll(max_messages, vt, wait))

    def _long_poll(
        self, max_messages: int, visibility_timeout: float, wait: float
    ) -> Generator[simpy.Event, Any, list[dict]]:
        env = self.world.env
        deadline = env.now + wait
        while True:
            messages = self._take(max_messages, visibility_timeout)
            if messages or env.now >= deadline:
                return messages
            wake = min(deadline, self._next_visible_at())
            yield self._changed | env.timeout(wake - env.now)

    def _visibility(self, visibility_timeout: float | None) -> float:
        if visibility_timeout is None:
            return self.visibility_timeout
        return _seconds("visibility_timeout", visibility_timeout, MAX_VISIBILITY_TIMEOUT)

    def _next_visible_at(self) -> float:
        later = [m.visible_at for m in self._messages if m.visible_at > self.world.now]
        return min(later, default=math.inf)

    def _expire(self) -> None:
        """Drop messages older than the retention period (redriven ones may sit anywhere)."""
        cutoff = self.world.now - self.message_retention_period
        if any(message.sent_at <= cutoff for message in self._messages):
            for message in [m for m in self._messages if m.sent_at <= cutoff]:
                self._remove(message)

    def _take(self, max_messages: int, visibility_timeout: float) -> list[dict]:
        self._expire()
        now = self.world.now
        chosen: list[_Stored] = []
        blocked: set[str] = set()
        if self.fifo:
            blocked = {m.group_id for m in self._messages if m.visible_at > now and m.receive_count}
        for message in list(self._messages):
            if len(chosen) == max_messages:
                break
            if self.fifo and message.group_id in blocked:
                continue
            if message.visible_at > now:
                if self.fifo:
                    blocked.add(message.group_id)
                continue
            if (
                self.dead_letter_queue is not None
                and message.receive_count >= self.max_receive_count
            ):
                self._redrive(message)
                continue
            chosen.append(message)
        return [self._deliver(message, visibility_timeout) for message in chosen]

    def _deliver(self, message: _Stored, visibility_timeout: float) -> dict:
        now = self.world.now
        if message.receipt_handle is not None:
            self._by_handle.pop(message.receipt_handle, None)
        message.receive_count += 1
        if message.first_receive_at is None:
            message.first_receive_at = now
        message.visible_at = now + visibility_timeout
        message.receipt_handle = f"{message.message_id}#{message.receive_count}"
        self._by_handle[message.receipt_handle] = message
        self._issued.add(message.receipt_handle)
        self.stats["received"] += 1
        self.world.record(
            self.name,
            "consumer",
            "ReceiveMessage",
            message.body,
            message_id=message.message_id,
            delivered_at=self.world.now,
            receive_count=message.receive_count,
        )
        attributes = {
            "ApproximateReceiveCount": str(message.receive_count),
            "SentTimestamp": str(round(1000 * self.world.timestamp(message.sent_at).timestamp())),
            "ApproximateFirstReceiveTimestamp": str(
                round(1000 * self.world.timestamp(message.first_receive_at).timestamp())
            ),
        }
        if message.group_id is not None:
            attributes["MessageGroupId"] = message.group_id
        if self.fifo:
            attributes["MessageDeduplicationId"] = message.deduplication_id
            attributes["SequenceNumber"] = message.sequence_number
        reply = {
            "MessageId": message.message_id,
            "ReceiptHandle": message.receipt_handle,
            "MD5OfBody": _md5(message.body),
            "Body": message.body,
            "Attributes": attributes,
        }
        if message.attributes:
            reply["MessageAttributes"] = {k: dict(v) for k, v in message.attributes.items()}
        return reply

    def _redrive(self, message: _Stored) -> None:
        self._remove(message)
        dlq = self.dead_letter_queue
        # A standard DLQ keeps the original enqueue time (retention runs from it); a FIFO
        # DLQ resets it, as SQS does.
        moved = _Stored(
            message.message_id,
            message.body,
            message.attributes,
            self.world.now if dlq.fifo else message.sent_at,
            self.world.now,
            message.group_id,
            message.deduplication_id,
        )
        if dlq.fifo:
            dlq._sequence += 1
            moved.sequence_number = f"{dlq._sequence:020d}"
        dlq._messages.append(moved)
        dlq.stats["sent"] += 1
        dlq._notify()
        self.stats["redriven"] += 1
        self.world.record(
            self.name,
            dlq.name,
            "Redrive",
            message.body,
            message_id=message.message_id,
            delivered_at=self.world.now,
            receive_count=message.receive_count,
        )

    # -- after receiving -------------------------------------------------------
    def delete_message(self, receipt_handle: str) -> None:
        """Delete the message last received with ``receipt_handle``.

        As on SQS, an older handle of a message received again is accepted but deletes
        nothing; a handle that never existed is an error.
        """
        message = self._lookup(receipt_handle)
        if message is None:
            return
        self._remove(message)
        self.stats["deleted"] += 1
        self.world.record(
            "consumer",
            self.name,
            "DeleteMessage",
            None,
            message_id=message.message_id,
            delivered_at=self.world.now,
        )
        self._notify()

    def change_message_visibility(self, receipt_handle: str, visibility_timeout: float) -> None:
        """Hide an in-flight message for ``visibility_timeout`` seconds from now (0 releases it)."""
        timeout = _seconds("visibility_timeout", visibility_timeout, MAX_VISIBILITY_TIMEOUT)
        message = self._lookup(receipt_handle)
        if message is None or message.visible_at <= self.world.now:
            raise QueueError(
                "MessageNotInflight", f"receipt_handle: {receipt_handle!r} is not in flight"
            )
        message.visible_at = self.world.now + timeout
        self._notify()

    def _lookup(self, receipt_handle: str) -> _Stored | None:
        """The message a handle belongs to; ``None`` for an outdated handle of this queue."""
        if receipt_handle not in self._issued:
            raise QueueError(
                "ReceiptHandleIsInvalid",
                f"receipt_handle: {receipt_handle!r} was never issued by queue {self.name!r}",
            )
        return self._by_handle.get(receipt_handle)

    def _remove(self, message: _Stored) -> None:
        self._messages.remove(message)
        if message.receipt_handle is not None:
            self._by_handle.pop(message.receipt_handle, None)

    def _notify(self) -> None:
        changed, self._changed = self._changed, self.world.env.event()
        changed.succeed()

    # -- inspection -------------------------------------------------------------------
    def get_queue_attributes(self) -> dict[str, str]:
        """The counts SQS reports, as strings like the API: visible, in flight, delayed."""
        self._expire()
        now = self.world.now
        visible = sum(1 for m in self._messages if m.visible_at <= now)
        in_flight = sum(1 for m in self._messages if m.visible_at > now and m.receive_count)
        delayed = len(self._messages) - visible - in_flight
        attributes = {
            "QueueArn": self.arn,
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            "ApproximateNumberOfMessagesDelayed": str(delayed),
            "VisibilityTimeout": str(round(self.visibility_timeout)),
            "FifoQueue": str(self.fifo).lower(),
        }
        if self.dead_letter_queue is not None:
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": self.dead_letter_queue.arn,
                    "maxReceiveCount": self.max_receive_count,
                }
            )
        return attributes
