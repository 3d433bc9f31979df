"""What a Custom Event Bus stores for each published event, and how publishing judges entries.

Every event has three parts (the user guide's addressing model): ``Data`` (for PutEvents the
EventBridge envelope with the payload under ``detail``; for PutRawEvents the payload as
sent), ``Metadata`` (PutRawEvents keys only) and ``SystemMetadata`` (fields EventBridge
sets). Deduplication happens at publish time: an entry whose DeduplicationId, or whose
content hash under ``CONTENT_BASED``, was accepted less than five minutes earlier in the
same scope answers ``DEDUPLICATED`` and is not stored again. The scope is the publishing
account and event group; entries without a group share one scope per bus.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from course_lib import strict_json
from course_lib.eventbridge import json_text
from course_lib.eventbridge.custom_bus.errors import InvalidInputException

DEDUPLICATION_WINDOW = 300.0
MAX_REQUEST_BYTES = 1_048_576
PUT_EVENTS_CONTENT_TYPE = "application/eventbridge+json"
JSON = "application/json"
BINARY_TYPES = ("application/avro", "application/protobuf", "application/octet-stream")
REGISTRY_TYPES = ("application/avro", "application/protobuf")
CONTENT_TYPES = (JSON, *BINARY_TYPES)


class EntryError(Exception):
    """One entry refused on its own; the rest of the request goes on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class StoredEvent:
    """One accepted event as the bus keeps it for its retention period."""

    sequence: int
    event_id: str
    ingested_at: float
    ingestion_time: str
    account: str
    content_type: str
    data: Any
    filterable: bool
    metadata: dict[str, str] | None = None
    group: str | None = None
    deduplication_id: str | None = None
    extra_system: dict[str, str] = field(default_factory=dict)
    #: The Custom Event Buses this event, or the one it was forwarded from, passed through.
    path: frozenset[str] = frozenset()

    @property
    def is_envelope(self) -> bool:
        return self.content_type == PUT_EVENTS_CONTENT_TYPE

    def system_metadata(self, delivery_type: str) -> dict[str, str]:
        system = {"ContentType": self.content_type}
        if self.group is not None:
            system["EventGroupId"] = self.group
        if self.deduplication_id is not None:
            system["DeduplicationId"] = self.deduplication_id
        system.update(
            {
                "aws:EventId": self.event_id,
                "aws:IngestionTime": self.ingestion_time,
                "aws:DeliveryType": delivery_type,
                "aws:SequenceNumber": sequence_text(self.sequence),
                **self.extra_system,
            }
        )
        return system

    def documents(self, delivery_type: str) -> dict[str, Any]:
        """``$events``: Data, Metadata (raw events only) and SystemMetadata."""
        envelope: dict[str, Any] = {"Data": self.data}
        if self.metadata is not None:
            envelope["Metadata"] = dict(self.metadata)
        envelope["SystemMetadata"] = self.system_metadata(delivery_type)
        return envelope

    def filter_documents(self, delivery_type: str) -> dict[str, Any]:
        """What each filter scope reads; ``None`` where a scope has nothing to match."""
        return {
            "DATA": self.data if self.filterable else None,
            "METADATA": self.metadata,
            "SYSTEM_METADATA": self.system_metadata(delivery_type),
        }

    def raw_payload(self) -> str:
        """The published data as text: JSON as JSON, binary data as its base64 string."""
        if isinstance(self.data, str) and self.content_type in BINARY_TYPES:
            return self.data
        return json_text.dumps(self.data)


def sequence_text(sequence: int) -> str:
    return f"{sequence:020d}"


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def entry_bytes(entry: Mapping[str, Any]) -> int:
    """Bytes an entry counts toward the request's 1 MB: its strings, blobs and metadata keys."""
    total = 0
    stack: list[Any] = [entry]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str):
            total += len(item.encode("utf-8"))
        elif isinstance(item, bytes | bytearray):
            total += len(item)
    metadata = entry.get("Metadata")
    if isinstance(metadata, Mapping):
        total += sum(len(str(key).encode("utf-8")) for key in metadata)
    return total


def check_request_size(entries: list[Mapping[str, Any]]) -> None:
    size = sum(entry_bytes(entry) for entry in entries)
    if size > MAX_REQUEST_BYTES:
        raise InvalidInputException(
            f"Total size of the entries in the request is {size} bytes, over the "
            f"{MAX_REQUEST_BYTES}-byte (1 MB) limit; no entry was published."
        )


def put_events_data(
    entry: Mapping[str, Any], *, event_id: str, account: str, region: str, time: datetime
) -> dict[str, Any]:
    """The EventBridge envelope of a PutEvents entry (its ``Data``)."""
    if entry["Source"].startswith("aws."):
        raise EntryError(
            "InvalidInputException", "The aws. source prefix is reserved for AWS services."
        )
    detail: Any = {}
    if "Detail" in entry:
        try:
            detail = strict_json.loads(entry["Detail"], field="Detail")
        except strict_json.JsonError as error:
            raise EntryError("MalformedDetail", f"Detail {error.reason}.") from None
        if not isinstance(detail, dict):
            raise EntryError("MalformedDetail", "Detail must be a JSON object.")
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": iso(time),
        "region": region,
        "resources": list(entry.get("Resources", [])),
        "detail": detail,
    }


def raw_data(entry: Mapping[str, Any], has_registry: bool) -> tuple[Any, bool]:
    """A PutRawEvents entry's data and whether DATA filters can read it."""
    content_type = entry["SystemMetadata"]["ContentType"]
    if content_type not in CONTENT_TYPES:
        raise EntryError(
            "InvalidInputException",
            f"ContentType {content_type} is not supported; use one of {', '.join(CONTENT_TYPES)}.",
        )
    blob = entry["Data"]
    raw = blob.encode("utf-8") if isinstance(blob, str) else bytes(blob)
    if not raw:
        raise EntryError("InvalidInputException", "Data must not be empty.")
    if content_type == JSON:
        try:
            return strict_json.loads(raw, field="Data"), True
        except strict_json.JsonError as error:
            raise EntryError("MalformedData", f"Data {error.reason} (application/json).") from None
    if content_type in REGISTRY_TYPES and not has_registry:
        raise EntryError(
            "InvalidInputException",
            f"{content_type} entries need a SchemaRegistryConfiguration on the request.",
        )
    return base64.b64encode(raw).decode("ascii"), False


def content_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 of an entry's content (everything but its deduplication id)."""
    content = {key: value for key, value in entry.items() if key != "SystemMetadata"}
    system = dict(entry.get("SystemMetadata") or {})
    system.pop("DeduplicationId", None)
    content["SystemMetadata"] = system
    if isinstance(content.get("Data"), bytes | bytearray):
        content["Data"] = base64.b64encode(bytes(content["Data"])).decode("ascii")
    return hashlib.sha256(_text(content).encode("utf-8")).hexdigest()


class Deduplicator:
    """Remembers accepted keys for five minutes, per account and event group."""

    def __init__(self) -> None:
        self._seen: dict[tuple, tuple[float, StoredEvent]] = {}
        # Keys in acceptance order (the clock never goes back): the expired ones are always
        # at the front, so each is dropped once, in constant time.
        self._order: deque[tuple[float, tuple]] = deque()

    @staticmethod
    def key(entry: Mapping[str, Any], account: str, content_based: bool) -> tuple | None:
        system = entry.get("SystemMetadata") or {}
        token = system.get("DeduplicationId")
        if token is None and content_based:
            token = "sha256:" + content_hash(entry)
        if token is None:
            return None
        group = system.get("EventGroupId")
        return (account if group is not None else None, group, token)

    def earlier(self, key: tuple | None, now: float) -> StoredEvent | None:
        if key is None:
            return None
        found = self._seen.get(key)
        if found is None or now - found[0] >= DEDUPLICATION_WINDOW:
            return None
        return found[1]

    def remember(self, key: tuple | None, now: float, event: StoredEvent) -> None:
        if key is None:
            return
        self._seen[key] = (now, event)
        self._order.append((now, key))
        while self._order and now - self._order[0][0] >= DEDUPLICATION_WINDOW:
            accepted_at, oldest = self._order.popleft()
            if self._seen.get(oldest, (None,))[0] == accepted_at:  # not remembered again since
                del self._seen[oldest]
