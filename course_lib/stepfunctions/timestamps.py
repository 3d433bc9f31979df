"""ISO-8601 timestamps the way Step Functions reads and writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

#: Java's ISO-8601 extended offset date-time (the format AWS names in its errors): at most
#: nine digits of fraction, and an offset of at most 18 hours.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})\Z"
)
_MAX_OFFSET = timedelta(hours=18)


def parse_timestamp(text: object) -> datetime | None:
    """The instant ``text`` names (RFC 3339 with an upper-case T and a zone), else None."""
    if not isinstance(text, str):
        return None
    m = _TIMESTAMP.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = m.group(7) or ""
    zone = m.group(8)
    try:
        tz = UTC
        if zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            if offset > _MAX_OFFSET or int(zone[4:6]) > 59:
                return None
            tz = timezone(sign * offset)
        micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=tz)
    except ValueError:
        return None


def format_timestamp(moment: datetime) -> str:
    """``2025-01-06T09:00:00.123Z``: the form AWS uses in the context object."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Clock:
    """A world's virtual time as a datetime and as AWS text, computed once per instant."""

    __slots__ = ("_at", "_iso", "_moment", "_world")

    def __init__(self, world) -> None:
        self._world = world
        self._at: float | None = None
        self._moment: datetime | None = None
        self._iso = ""

    def _refresh(self) -> None:
        now = self._world.env.now
        if now != self._at:
            self._at = now
            self._moment = self._world.timestamp(now)
            self._iso = format_timestamp(self._moment)

    def datetime(self) -> datetime:
        self._refresh()
        return self._moment

    def iso(self) -> str:
        self._refresh()
        return self._iso
