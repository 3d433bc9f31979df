"""When a schedule runs: ``at()``, ``rate()`` and ``cron()`` in an IANA time zone.

:func:`occurrences` yields a schedule's scheduled times (aware UTC) after it is created,
following EventBridge Scheduler's documented rules:

* ``at(yyyy-mm-ddThh:mm:ss)`` runs once, at that wall-clock time in the schedule's zone;
  StartDate and EndDate are ignored. A time already past never runs.
* ``rate(value unit)`` runs at StartDate (or at once when there is none) and then every
  period; a day is 24 hours, so across a daylight-saving change the local hour shifts.
* ``cron(...)`` reads its fields on the zone's wall clock, with the cron parser the
  scheduled rules use. When clocks move forward, a time that does not exist that day is
  skipped; when they move back, a repeated time runs once (at its first occurrence).
* Recurring schedules run on or after StartDate and before EndDate.

Scheduled times fall on whole seconds; the documented 60-second precision is modelled as
invocation at the scheduled second plus the delivery latency.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from course_lib.eventbridge.errors import ValidationException as ClassicValidation
from course_lib.eventbridge.scheduler.errors import ValidationException
from course_lib.eventbridge.schedules import CronSchedule, RateSchedule, parse_schedule

AT = re.compile(r"at\(([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\)")


@dataclass(frozen=True)
class OneTime:
    """``at(...)``: one wall-clock time (naive, read in the schedule's zone)."""

    expression: str
    when: datetime


Expression = OneTime | RateSchedule | CronSchedule


def _calendar_problem(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    """What makes an ``at()`` time impossible, in the course's words ("" when nothing)."""
    if year < 1:
        return "year is out of range"
    if not 1 <= month <= 12:
        return "month must be in 1..12"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"day is out of range for month ({year}-{month:02d} has {days} days)"
    for name, value, top in (("hour", hour, 23), ("minute", minute, 59), ("second", second, 59)):
        if value > top:
            return f"{name} must be in 0..{top}"
    return ""


def parse_expression(expression: str) -> Expression:
    """Parse an ``at``, ``rate`` or ``cron`` expression; a ValidationException says why not."""
    if expression.startswith("at("):
        match = AT.fullmatch(expression)
        if not match:
            raise ValidationException(
                f"Parameter ScheduleExpression is not valid: {expression!r} "
                "(expected at(yyyy-mm-ddThh:mm:ss))."
            )
        parts = [int(part) for part in match.groups()]
        problem = _calendar_problem(*parts)
        if problem:
            raise ValidationException(
                f"Parameter ScheduleExpression is not valid: {expression!r} ({problem})."
            )
        return OneTime(expression, datetime(*parts))
    try:
        return parse_schedule(expression)
    except ClassicValidation as exc:
        raise ValidationException(str(exc)) from None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (``Europe/Zurich``, ``UTC``...).

    UTC needs no time zone database, so it works where none is installed."""
    if name == "UTC":
        return UTC
    if name not in _zone_names():
        raise ValidationException(
            f"Invalid ScheduleExpressionTimezone {name}: not an IANA time zone name."
        )
    return ZoneInfo(name)


def local_to_utc(local: datetime, tz: tzinfo) -> datetime | None:
    """The UTC instant of wall-clock ``local`` in ``tz``: the first one when the time repeats,
    None when it does not exist (skipped by a daylight-saving change) or falls outside
    the calendar Python can represent (a local time in year 9999 that is 10000 in UTC)."""
    try:
        instant = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    except OverflowError:
        return None
    if instant.astimezone(tz).replace(tzinfo=None) != local:
        return None
    return instant


def occurrences(
    expression: Expression,
    tz: tzinfo,
    created: datetime,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[datetime]:
    """Scheduled times (aware UTC, increasing) at or after ``created``, within the bounds."""
    if isinstance(expression, OneTime):
        instant = local_to_utc(expression.when, tz)
        if instant is not None and instant >= created:
            yield instant
        return
    lower = max(created, start) if start is not None else created
    if isinstance(expression, RateSchedule):
        yield from _rate(expression, created, start, lower, end)
        return
    try:
        cursor = (lower - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
    except OverflowError:  # a StartDate at the very edge of the calendar
        return
    last = lower - timedelta(microseconds=1)
    while True:
        try:
            cursor = expression.next_after(cursor, cursor)
        except (ClassicValidation, OverflowError):  # no minute left before 2200
            return
        instant = local_to_utc(cursor, tz)
        if instant is None or instant <= last:
            continue
        if end is not None and instant >= end:
            return
        last = instant
        yield instant


def _rate(
    rate: RateSchedule,
    created: datetime,
    start: datetime | None,
    lower: datetime,
    end: datetime | None,
) -> Iterator[datetime]:
    anchor = start if start is not None else created
    try:
        period = timedelta(seconds=rate.period)
        skipped = max(0, -(-(lower - anchor) // period)) if lower > anchor else 0
        moment = anchor + skipped * period
        while end is None or moment < end:
            yield moment
            moment += period
    except OverflowError:  # the next time lies past year 9999: the schedule has run out
        return
