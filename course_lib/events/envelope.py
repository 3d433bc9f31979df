"""The EventBridge envelope: the nine top-level fields every event on a bus carries.

An :class:`Event` is immutable: once published, an event is a fact, and consumers that
share it must not be able to change it under each other's feet. Its ``detail`` is frozen
deeply (objects become read-only mappings, arrays become tuples); :meth:`Event.to_dict`
gives back plain JSON values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from course_lib.sim.world import World

#: The account and Region the local simulations pretend to run in.
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

#: EventBridge always sets ``version`` to "0" on the events it delivers.
ENVELOPE_VERSION = "0"

ENVELOPE_FIELDS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)

_TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_ACCOUNT_PATTERN = re.compile(r"^\d{12}$")


class EnvelopeError(ValueError):
    """An event (or a PutEvents entry) is not a valid EventBridge envelope.

    ``field`` names the offending field, ``reason`` says what is wrong with it.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def format_event_time(moment: datetime) -> str:
    """EventBridge's ``time`` format: UTC, whole seconds, a trailing ``Z``.

    A naive datetime is read as UTC (as the AWS SDKs do). Fractions of a second are
    dropped, because EventBridge keeps only whole seconds.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_event_time(text: str) -> datetime:
    """The UTC datetime of an envelope ``time`` string such as ``2025-01-06T09:00:00Z``."""
    if not isinstance(text, str) or not _TIME_PATTERN.match(text):
        raise EnvelopeError("time", f"expected YYYY-MM-DDThh:mm:ssZ, got {text!r}")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise EnvelopeError("time", f"not a calendar time: {text!r}") from exc


def freeze(value: Any, where: str = "detail") -> Any:
    """A read-only deep copy of a JSON value: objects to mappings, arrays to tuples."""
    if isinstance(value, Mapping):
        frozen = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EnvelopeError(where, f"object keys must be strings, got {key!r}")
            frozen[key] = freeze(item, f"{where}.{key}")
        return MappingProxyType(frozen)
    if isinstance(value, list | tuple):
        return tuple(freeze(item, f"{where}[{i}]") for i, item in enumerate(value))
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise EnvelopeError(where, f"JSON has no {value!r}")
        return value
    raise EnvelopeError(where, f"not a JSON value: {type(value).__name__}")


def thaw(value: Any) -> Any:
    """Plain, mutable JSON values from a :func:`freeze`-d value."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def _require_text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise EnvelopeError(field, f"expected string, got {_json_type(value)}")
    if not value:
        raise EnvelopeError(field, "must not be empty")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


@dataclass(frozen=True, eq=False, repr=False)
class Event:
    """One event as EventBridge delivers it to a rule's targets.

    Field names follow Python; :meth:`to_dict` and :meth:`from_dict` use the wire
    names (``detail-type``). ``time`` is the envelope string (whole seconds, UTC).
    Two events are equal when their JSON is: ``1`` and ``1.0`` or ``true`` differ.
    """

    id: str
    source: str
    detail_type: str
    detail: Mapping[str, Any]
    time: str
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    resources: tuple[str, ...] = ()
    version: str = ENVELOPE_VERSION

    def __post_init__(self) -> None:
        _require_text("id", self.id)
        _require_text("source", self.source)
        _require_text("detail-type", self.detail_type)
        _require_text("region", self.region)
        if self.version != ENVELOPE_VERSION:
            raise EnvelopeError("version", f"expected {ENVELOPE_VERSION!r}, got {self.version!r}")
        if not isinstance(self.account, str) or not _ACCOUNT_PATTERN.match(self.account):
            raise EnvelopeError("account", f"expected 12 digits, got {self.account!r}")
        parse_event_time(self.time)
        if not isinstance(self.detail, Mapping):
            raise EnvelopeError("detail", f"expected object, got {_json_type(self.detail)}")
        if isinstance(self.resources, str) or not isinstance(self.resources, Sequence):
            raise EnvelopeError("resources", f"expected array, got {_json_type(self.resources)}")
        for i, resource in enumerate(self.resources):
            if not isinstance(resource, str):
                raise EnvelopeError(
                    f"resources[{i}]", f"expected string, got {_json_type(resource)}"
                )
        object.__setattr__(self, "detail", freeze(self.detail))
        object.__setattr__(self, "resources", tuple(self.resources))

    def _canonical(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return self._canonical() == other._canonical()

    def __hash__(self) -> int:
        return hash(self._canonical())

    def __repr__(self) -> str:
        return (
            f"Event(id={self.id!r}, source={self.source!r}, detail_type={self.detail_type!r}, "
            f"time={self.time!r}, detail={thaw(self.detail)!r})"
        )

    @classmethod
    def create(
        cls,
        world: World,
        *,
        source: str,
        detail_type: str,
        detail: Mapping[str, Any],
        resources: Sequence[str] = (),
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
    ) -> Event:
        """A new event stamped with the world's virtual time and a repeatable id."""
        return cls(
            id=world.uuid(),
            source=source,
            detail_type=detail_type,
            detail=detail,
            time=format_event_time(world.timestamp()),
            account=account,
            region=region,
            resources=tuple(resources),
        )

    @property
    def timestamp(self) -> datetime:
        """``time`` as a timezone-aware datetime."""
        return parse_event_time(self.time)

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON values, keys in the order EventBridge writes them."""
        return {
            "version": self.version,
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": self.time,
            "region": self.region,
            "resources": list(self.resources),
            "detail": thaw(self.detail),
        }

    def to_json(self) -> str:
        """The event as one JSON document (what a Lambda target receives)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """Read an event in EventBridge's JSON shape; every field is required.

        Raises :class:`EnvelopeError` naming the first missing, unknown or ill-typed field.
        """
        if not isinstance(data, Mapping):
            raise EnvelopeError("event", f"expected object, got {_json_type(data)}")
        for name in ENVELOPE_FIELDS:
            if name not in data:
                raise EnvelopeError(name, "required field is missing")
        unknown = sorted(set(data) - set(ENVELOPE_FIELDS))
        if unknown:
            raise EnvelopeError(unknown[0], "not an EventBridge envelope field")
        resources = data["resources"]
        if not isinstance(resources, list | tuple):
            raise EnvelopeError("resources", f"expected array, got {_json_type(resources)}")
        return cls(
            id=data["id"],
            source=data["source"],
            detail_type=data["detail-type"],
            detail=data["detail"],
            time=data["time"],
            account=data["account"],
            region=data["region"],
            resources=tuple(resources),
            version=data["version"],
        )

    def to_put_events_entry(self, event_bus_name: str | None = None) -> dict[str, Any]:
        """The PutEvents request entry that publishes this event (boto3's shape).

        ``Detail`` is a JSON string, ``Time`` a timezone-aware datetime. The ``id``,
        ``account`` and ``region`` are not part of an entry: EventBridge assigns them.
        """
        entry: dict[str, Any] = {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": json.dumps(thaw(self.detail), ensure_ascii=False),
            "Resources": list(self.resources),
            "Time": self.timestamp,
        }
        if event_bus_name is not None:
            entry["EventBusName"] = event_bus_name
        return entry

    @classmethod
    def from_put_events_entry(
        cls,
        entry: Mapping[str, Any],
        *,
        event_id: str,
        received_at: datetime,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
    ) -> Event:
        """The event EventBridge builds from an accepted PutEvents entry.

        ``event_id`` is the ``EventId`` PutEvents returned; ``received_at`` is the call's
        time, used when the entry has no ``Time`` (as EventBridge does). Check entries
        with :func:`course_lib.events.put_events.check_put_events` first.
        """
        from course_lib.events.put_events import entry_time

        for name in ("Source", "DetailType", "Detail"):
            if not entry.get(name):
                raise EnvelopeError(name, "required in a PutEvents entry")
        try:
            detail = json.loads(entry["Detail"])
        except (TypeError, ValueError) as exc:
            raise EnvelopeError("Detail", "not valid JSON") from exc
        moment = entry_time(entry.get("Time"))
        return cls(
            id=event_id,
            source=entry["Source"],
            detail_type=entry["DetailType"],
            detail=detail,
            time=format_event_time(received_at if moment is None else moment),
            account=account,
            region=region,
            resources=tuple(entry.get("Resources") or ()),
        )
