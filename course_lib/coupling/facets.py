"""The facets of coupling, and an integration described as data and assessed facet by facet.

Coupling is the independent variability of connected systems: if a change in A forces a
change in B, they are coupled. Gregor Hohpe ("The Many Facets of Coupling",
enterpriseintegrationpatterns.com, 2024) splits it into facets (technology, location,
topology, data format and type, semantics, conversation, order and time), so one
integration can be loose on one facet and tight on another. Levels here run from 0
(loose: the other side can change freely) to 2 (tight: a change on one side breaks the
other); 1 means it survives the usual change but still shares something.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

from course_lib.events.catalogue import data_dir

FACETS: dict[str, str] = {
    "technology": "Do both ends need the same language, runtime or toolchain?",
    "location": "Does the sender need to know where the receiver runs?",
    "topology": "Does the sender decide the route, so a new hop means changing it?",
    "data_format": "Do both ends share field names, numbers or positions?",
    "semantic": "Do both ends share the meaning (units, codes) of the values?",
    "conversation": "Does the sender depend on how the receiver replies or acknowledges?",
    "order": "Does the result depend on messages being handled in the order sent?",
    "temporal": "Must both ends be up at the same time?",
}
LEVELS = {0: "loose", 1: "medium", 2: "tight"}

STYLES = ("call", "queue", "bus", "custom-bus", "database", "file")
CODECS = ("json", "protobuf", "java-serialization", "csv", "sql-row")
ADDRESSING = ("ip", "dns", "channel")
_CHANNEL_NAMES = {
    "queue": "queue",
    "bus": "event bus",
    "custom-bus": "event bus",
    "database": "database",
    "file": "drop folder",
}
#: Styles that push each message to the receiver and retry delivery for a while.
PUSH_STYLES = ("bus", "custom-bus")
#: An outage the temporal facet is judged against: the usual change is an hour away.
USUAL_OUTAGE_S = 3600.0
_DAY = 86_400.0


@dataclass(frozen=True)
class Integration:
    """How a sender reaches a receiver: the mechanics that decide each facet.

    ``style`` is the channel: a synchronous ``call``, a ``queue``, an EventBridge
    Custom Event Bus - Classic (``bus``: rules push each event to targets and keep
    nothing), the EventBridge Custom Event Bus (``custom-bus``: keeps every event for
    its retention period and delivers through subscribers), a shared ``database`` (the
    sender writes the rows the receiver reads) or a ``file`` drop. ``codec`` is the
    wire format, ``addressing`` what the sender knows about the receiver's whereabouts
    (``channel`` for everything but calls), ``fifo`` whether a queue or a Custom Event
    Bus subscriber keeps order per key (message group, event group), and
    ``units_in_message`` whether amounts carry their unit.

    Two durations keep storing apart from retrying: ``retention_s`` is how long the
    channel *stores* a message (a queue, a file, a Custom Event Bus; ``None``: until
    read, as a table row; a Classic bus and a call store nothing) and
    ``retry_max_age_s`` how long a bus keeps *retrying delivery* to a receiver that is
    away before the event goes to a dead-letter queue (a rule target's or subscriber's
    ``MaximumEventAgeInSeconds``, 60 to 86,400 s).
    """

    name: str
    label: str
    style: str
    codec: str
    addressing: str
    fifo: bool = False
    units_in_message: bool = False
    retention_s: float | None = None
    retry_max_age_s: float | None = None

    def __post_init__(self) -> None:
        for attribute, allowed in (
            ("style", STYLES),
            ("codec", CODECS),
            ("addressing", ADDRESSING),
        ):
            value = getattr(self, attribute)
            if value not in allowed:
                raise ValueError(
                    f"{self.name}: {attribute}: expected one of {', '.join(allowed)}, got {value!r}"
                )
        if (self.style == "call") != (self.addressing != "channel"):
            raise ValueError(
                f"{self.name}: addressing: a call addresses the receiver ('ip' or 'dns'); "
                f"a {self.style} is addressed as 'channel'"
            )
        if self.fifo and self.style not in ("queue", "custom-bus"):
            raise ValueError(
                f"{self.name}: fifo: only a queue or a Custom Event Bus subscriber can be "
                f"FIFO, not a {self.style}"
            )
        for name in ("retention_s", "retry_max_age_s"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
            ):
                raise ValueError(f"{self.name}: {name}: must be > 0 seconds, got {value!r}")
        if self.style in ("call", "bus") and self.retention_s is not None:
            raise ValueError(f"{self.name}: retention_s: a {self.style} stores nothing; use null")
        if self.style == "custom-bus" and not (
            self.retention_s is not None and _DAY <= self.retention_s <= 365 * _DAY
        ):
            raise ValueError(
                f"{self.name}: retention_s: a Custom Event Bus keeps events 1 to 365 days "
                f"(86400 to 31536000 s), got {self.retention_s!r}"
            )
        if self.style in PUSH_STYLES:
            if self.retry_max_age_s is None or not 60 <= self.retry_max_age_s <= _DAY:
                raise ValueError(
                    f"{self.name}: retry_max_age_s: a bus retries delivery for 60 to 86400 s "
                    f"(MaximumEventAgeInSeconds), got {self.retry_max_age_s!r}"
                )
        elif self.retry_max_age_s is not None:
            raise ValueError(
                f"{self.name}: retry_max_age_s: only a bus pushes and retries delivery; "
                f"a {self.style} uses null"
            )
        if self.style == "database" and self.codec != "sql-row":
            raise ValueError(f"{self.name}: codec: a shared database stores 'sql-row'")
        if self.codec == "sql-row" and self.style != "database":
            raise ValueError(f"{self.name}: codec: 'sql-row' needs style 'database'")

    @property
    def buffered(self) -> bool:
        return self.style != "call"

    @property
    def channel_name(self) -> str:
        return _CHANNEL_NAMES.get(self.style, "receiver")


@dataclass(frozen=True)
class FacetLevel:
    """One cell of an assessment: an integration's level on one facet, and why."""

    integration: str
    facet: str
    level: int
    reason: str

    @property
    def label(self) -> str:
        return LEVELS[self.level]


def data_path() -> Path:
    return data_dir() / "integrations.json"


def load_integrations(path: str | Path | None = None) -> list[Integration]:
    """The integrations described in ``data/integrations.json`` (or ``path``)."""
    source = Path(path) if path is not None else data_path()
    entries = json.loads(source.read_text(encoding="utf-8"))["integrations"]
    known = {f.name for f in fields(Integration)}
    integrations = []
    for position, entry in enumerate(entries):
        unknown = sorted(set(entry) - known)
        if unknown:
            raise ValueError(f"integrations[{position}]: unknown keys {unknown}")
        integrations.append(Integration(**entry))
    names = [i.name for i in integrations]
    if len(set(names)) != len(names):
        raise ValueError(f"integrations: names must be unique, got {names}")
    return integrations


def get_integration(name: str) -> Integration:
    """The catalogued integration called ``name``."""
    catalogue = {i.name: i for i in load_integrations()}
    if name not in catalogue:
        raise LookupError(f"name: no integration {name!r} (known: {', '.join(catalogue)})")
    return catalogue[name]


def _technology(i: Integration) -> tuple[int, str]:
    if i.codec == "java-serialization":
        return 2, "Java serialization: both ends must run on a JVM"
    if i.codec == "protobuf":
        return 1, "any language works, but both compile stubs from the same .proto"
    if i.codec == "sql-row":
        return 1, "any language works, but both need a driver for the same database engine"
    return 0, f"{i.codec.upper()} is text that any runtime can read"


def _location(i: Integration) -> tuple[int, str]:
    if i.addressing == "ip":
        return 2, "the sender calls a fixed IP address"
    if i.addressing == "dns":
        return 1, "the sender knows the receiver's DNS name; a move needs a DNS update"
    if i.style == "database":
        return 1, (
            "billing can move to another host, but not its data: the order service writes "
            "billing's input into tables both share"
        )
    return 0, f"both ends know only the {i.channel_name}, not each other"


def _topology(i: Integration) -> tuple[int, str]:
    if i.style == "call":
        return 2, "the route lives in the sender: a new hop means changing the sender"
    if i.style == "database":
        return 1, (
            "there is no channel to put a step in: a new step can only poll the shared "
            "tables too (change data capture), one more polling delay"
        )
    if i.style == "custom-bus":
        return 0, "a new step is one more subscriber on the bus, without the sender"
    return 0, f"a step can be added behind the {i.channel_name} without the sender"


def _data_format(i: Integration) -> tuple[int, str]:
    return {
        "json": (2, "fields are matched by name: a rename breaks the reader"),
        "sql-row": (2, "columns are matched by name: a rename breaks the reader's query"),
        "java-serialization": (2, "fields are matched by name: a renamed field reads as 0"),
        "protobuf": (1, "fields travel by number: names may change, numbers and types may not"),
        "csv": (1, "columns are read by position: names may change, the order may not"),
    }[i.codec]


def _semantic(i: Integration) -> tuple[int, str]:
    if i.units_in_message:
        return 1, "amounts carry their unit; the vocabulary itself is still shared"
    return 2, "the unit of an amount is implicit: a change of unit is misread silently"


def _conversation(i: Integration) -> tuple[int, str]:
    if i.style == "call":
        return 2, "the sender waits for the receiver's reply and parses it"
    if i.style == "database":
        return 0, "the order service waits only for its own commit"
    return 0, f"the sender's acknowledgement comes from the {i.channel_name}"


def _order(i: Integration) -> tuple[int, str]:
    if i.style == "call":
        return 1, "order holds only because the sender waits for each reply"
    if i.fifo and i.style == "queue":
        return 1, "order holds per order id because of the FIFO queue's message groups"
    if i.fifo:
        return 1, (
            "a FIFO subscriber delivers each order's events (one event group) in publish "
            "order, one at a time"
        )
    if i.style == "database":
        return 2, (
            "readers see rows, not a sequence: competing pollers can apply an older "
            "snapshot of a row after a newer one"
        )
    if i.style == "file":
        return 1, "order holds because one reader reads a file top to bottom"
    if i.style == "custom-bus":
        return 2, "an unordered subscriber delivers in parallel: updates apply out of order"
    return (
        2,
        f"the {i.channel_name} does not keep order: parallel readers apply updates out of order",
    )


def _hours(seconds: float) -> str:
    if seconds >= 86_400:
        return f"{seconds / 86_400:g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


def _temporal(i: Integration) -> tuple[int, str]:
    if i.style == "call":
        return 2, "both ends must be up at the same moment"
    if i.style == "database":
        return 1, (
            "billing may be away (the rows wait), but both ends depend on one database at "
            "run time: its load and its locks are shared"
        )
    if i.style in PUSH_STYLES:
        window = i.retry_max_age_s
        stored = (
            "it stores nothing"
            if i.retention_s is None
            else f"it keeps the event {_hours(i.retention_s)} for replay"
        )
        level = 0 if window >= USUAL_OUTAGE_S * 24 else 1 if window >= USUAL_OUTAGE_S else 2
        return level, (
            f"the bus retries delivery for {_hours(window)}, then sends the event to a "
            f"dead-letter queue ({stored})"
        )
    if i.retention_s is None:
        return 0, f"the {i.channel_name} keeps data until the receiver reads it"
    return 0, (
        f"the {i.channel_name} keeps messages for {_hours(i.retention_s)} while the "
        "receiver is away"
    )


_RULES = {
    "technology": _technology,
    "location": _location,
    "topology": _topology,
    "data_format": _data_format,
    "semantic": _semantic,
    "conversation": _conversation,
    "order": _order,
    "temporal": _temporal,
}


def assess(integration: Integration) -> list[FacetLevel]:
    """The integration's level on every facet, in :data:`FACETS` order, with reasons."""
    return [FacetLevel(integration.name, facet, *_RULES[facet](integration)) for facet in FACETS]


def assessment_table(integrations: list[Integration] | None = None) -> dict:
    """Levels of several integrations side by side, shaped for a heatmap or radar chart.

    ``levels[i][j]`` is integration ``i`` on facet ``j``; ``reasons`` has the same shape.
    """
    integrations = load_integrations() if integrations is None else integrations
    rows = [assess(i) for i in integrations]
    return {
        "integrations": [i.name for i in integrations],
        "labels": [i.label for i in integrations],
        "facets": list(FACETS),
        "levels": [[cell.level for cell in row] for row in rows],
        "reasons": [[cell.reason for cell in row] for row in rows],
        "totals": [sum(cell.level for cell in row) for row in rows],
    }
