"""Archives keep the events a bus received; replays send a time window of them again.

An archive stores every event of its source bus that matches its optional pattern, with
the virtual time it arrived, and forgets events older than its retention (0 = forever).
Replayed events carry a ``replay-name`` field and are never archived a second time. A
replay does not keep the original order: AWS replays in parallel batches, and so does
this model (a seeded shuffle, then one event every ``1 / rate`` seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from course_lib.eventbridge.pattern_language import CompiledPattern
from course_lib.eventbridge.reference import pattern_matches

DAY = 86_400.0


@dataclass
class Archive:
    """One archive on one bus."""

    name: str
    arn: str
    source_arn: str
    pattern: CompiledPattern | None
    pattern_text: str | None
    retention_days: int
    created_at: float
    events: list[tuple[float, dict]] = field(default_factory=list)

    def wants(self, event: dict) -> bool:
        """Whether ``event`` belongs here (not a replayed event, and matching the pattern)."""
        if "replay-name" in event:
            return False
        return self.pattern is None or pattern_matches(self.pattern, event)

    def expire(self, now: float) -> None:
        """Forget events older than the retention period."""
        if self.retention_days:
            horizon = now - self.retention_days * DAY
            self.events = [(t, e) for t, e in self.events if t >= horizon]

    def describe(self) -> dict[str, Any]:
        description = {
            "ArchiveName": self.name,
            "ArchiveArn": self.arn,
            "EventSourceArn": self.source_arn,
            "State": "ENABLED",
            "RetentionDays": self.retention_days,
            "EventCount": len(self.events),
            "SizeBytes": sum(len(repr(e)) for _, e in self.events),
        }
        if self.pattern_text is not None:
            description["EventPattern"] = self.pattern_text
        return description


@dataclass
class Replay:
    """One replay: which archive, which window, where to, and how far it has got."""

    name: str
    arn: str
    archive: Archive
    destination_arn: str
    filter_arns: tuple[str, ...]
    start: datetime
    end: datetime
    state: str = "STARTING"
    replay_start: datetime | None = None
    replay_end: datetime | None = None
    last_replayed: datetime | None = None
    replayed: int = 0

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = {
            "ReplayName": self.name,
            "ReplayArn": self.arn,
            "EventSourceArn": self.archive.arn,
            "Destination": {"Arn": self.destination_arn, "FilterArns": list(self.filter_arns)},
            "State": self.state,
            "EventStartTime": self.start,
            "EventEndTime": self.end,
            "EventsReplayed": self.replayed,
        }
        for key, value in (
            ("ReplayStartTime", self.replay_start),
            ("ReplayEndTime", self.replay_end),
            ("EventLastReplayedTime", self.last_replayed),
        ):
            if value is not None:
                description[key] = value
        return description
