"""Schedule expressions: ``rate(5 minutes)`` and six-field ``cron(...)``, for rules (UTC) and Scheduler.

A parsed schedule answers one question, :meth:`Schedule.next_after`: the first firing
time strictly after a given moment. The bus turns that into SimPy timeouts on the
world's virtual clock.

Cron fields are ``minutes hours day-of-month month day-of-week year``. Exactly one of the
two day fields must be ``?``. Supported: ``*``, ``?``, values, ranges ``a-b``, lists
``a,b``, increments ``a/n`` and ``*/n``, month names ``JAN``-``DEC``, weekday names
``SUN``-``SAT`` (1 = Sunday), ``L`` (last day of month; ``nL`` last weekday n of the
month), ``W`` (``15W``: weekday nearest the 15th, ``LW``: last weekday) and ``#``
(``3#2``: second Tuesday).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from course_lib.eventbridge.errors import ValidationException

RATE = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)")
CRON = re.compile(r"cron\((.*)\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
FIRST_YEAR, LAST_YEAR = 1970, 2199


def _invalid(expression: str, reason: str) -> ValidationException:
    return ValidationException(
        f"Parameter ScheduleExpression is not valid: {expression!r} ({reason})."
    )


@dataclass(frozen=True)
class RateSchedule:
    """Every ``period`` seconds, counted from when the rule was created."""

    expression: str
    period: int

    def next_after(self, moment: datetime, start: datetime) -> datetime:
        elapsed = (moment - start).total_seconds()
        periods = int(elapsed // self.period) + 1 if elapsed >= 0 else 1
        try:
            fire = start + timedelta(seconds=periods * self.period)
        except OverflowError:  # a period of millions of years: past any calendar
            fire = None
        if fire is None or fire.year > LAST_YEAR:
            raise _invalid(self.expression, "it never fires again")
        return fire


@dataclass(frozen=True)
class CronSchedule:
    """Fire at every minute the six cron fields allow.

    The fields are read on the clock of the moment given: an aware UTC moment for rules,
    a naive local wall-clock time for EventBridge Scheduler's time zones.
    """

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int]

    def next_after(self, moment: datetime, start: datetime) -> datetime:
        candidate = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = candidate.date()
        while day.year <= LAST_YEAR:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _first_of_next_month(day)
                continue
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        fire = datetime(
                            day.year, day.month, day.day, hour, minute, tzinfo=moment.tzinfo
                        )
                        if fire >= candidate:
                            return fire
            day += timedelta(days=1)
        raise _invalid(self.expression, "it never fires again")

    def _day_matches(self, day: date) -> bool:
        if self.day_of_month != "?":
            return _day_of_month_matches(self.day_of_month, day)
        return _day_of_week_matches(self.day_of_week, day)


Schedule = RateSchedule | CronSchedule


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _weekday_number(day: date) -> int:
    """AWS's numbering: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, target: int) -> int:
    last = _last_day(day)
    target = min(target, last)
    weekday = date(day.year, day.month, target).weekday()
    if weekday == 5:  # Saturday: Friday before, or Monday after when that leaves the month
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday: Monday after, or Friday before at the end of the month
        return target + 1 if target < last else target - 2
    return target


def _day_of_month_matches(field: str, day: date) -> bool:
    for part in field.split(","):
        if part == "L":
            if day.day == _last_day(day):
                return True
        elif part == "LW":
            if day.day == _nearest_weekday(day, _last_day(day)):
                return True
        elif part.endswith("W"):
            if day.day == _nearest_weekday(day, int(part[:-1])):
                return True
        elif day.day in _expand(part, 1, 31, {}, field):
            return True
    return False


def _day_of_week_matches(field: str, day: date) -> bool:
    weekday = _weekday_number(day)
    for part in field.split(","):
        if part.endswith("L"):
            wanted = _name_or_number(part[:-1] or "7", WEEKDAYS, field)
            if weekday == wanted and day.day + 7 > _last_day(day):
                return True
        elif "#" in part:
            name, nth = part.split("#")
            wanted = _name_or_number(name, WEEKDAYS, field)
            if weekday == wanted and (day.day - 1) // 7 + 1 == int(nth):
                return True
        elif weekday in _expand(part, 1, 7, WEEKDAYS, field):
            return True
    return False


def _check_day_of_month(field: str) -> None:
    """Every comma-separated part of a day-of-month field is valid, or ValueError says which."""
    for part in field.split(","):
        if part in ("L", "LW"):
            continue
        if part.endswith("W"):
            if not (part[:-1].isascii() and part[:-1].isdigit() and 1 <= int(part[:-1]) <= 31):
                raise ValueError(f"{part!r} in {field!r}: W needs a day of month 1-31 before it")
        else:
            _expand(part, 1, 31, {}, field)


def _check_day_of_week(field: str) -> None:
    """Every comma-separated part of a day-of-week field is valid, or ValueError says which."""
    for part in field.split(","):
        if part.endswith("L"):
            day = _name_or_number(part[:-1] or "7", WEEKDAYS, field)
        elif "#" in part:
            name, _, nth = part.partition("#")
            day = _name_or_number(name, WEEKDAYS, field)
            if not (nth.isascii() and nth.isdigit() and 1 <= int(nth) <= 5):
                raise ValueError(f"{part!r} in {field!r}: # needs an occurrence 1-5 after it")
        else:
            _expand(part, 1, 7, WEEKDAYS, field)
            continue
        if not 1 <= day <= 7:
            raise ValueError(f"value out of range 1-7 in {field!r}")


def _name_or_number(text: str, names: dict[str, int], field: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{text!r} in {field!r}")
    return int(text)


def _expand(part: str, low: int, high: int, names: dict[str, int], field: str) -> set[int]:
    """One comma-separated piece of a cron field: ``*``, ``a``, ``a-b``, ``a/n``, ``*/n``."""
    step = 1
    if "/" in part:
        part, step_text = part.split("/", 1)
        if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
            raise ValueError(f"bad increment in {field!r}")
        step = int(step_text)
    if part == "*":
        first, last = low, high
    elif "-" in part:
        first_text, last_text = part.split("-", 1)
        first = _name_or_number(first_text, names, field)
        last = _name_or_number(last_text, names, field)
    else:
        first = _name_or_number(part, names, field)
        last = high if step > 1 else first
    if not (low <= first <= high and low <= last <= high):
        raise ValueError(f"value out of range {low}-{high} in {field!r}")
    if first <= last:
        return set(range(first, last + 1, step))
    return set(range(first, high + 1, step)) | set(range(low, last + 1, step))


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values |= _expand(part, low, high, names or {}, text)
    return frozenset(values)


def parse_schedule(expression: str) -> Schedule:
    """Parse ``rate(...)`` or ``cron(...)``; a ValidationException names what is wrong."""
    if not isinstance(expression, str):
        raise _invalid(str(expression), "expected a string")
    rate = RATE.fullmatch(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value == 0:
            raise _invalid(expression, "the rate must be a positive number")
        if (value == 1) != (not unit.endswith("s")):
            raise _invalid(expression, "use a singular unit for 1 and a plural unit otherwise")
        return RateSchedule(expression, value * UNIT_SECONDS[unit.rstrip("s")])
    cron = CRON.fullmatch(expression)
    if not cron:
        raise _invalid(expression, "expected rate(value unit) or cron(fields)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise _invalid(expression, f"cron needs 6 fields, got {len(fields)}")
    minutes, hours, day_of_month, months, day_of_week, years = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _invalid(expression, "exactly one of day-of-month and day-of-week must be '?'")
    try:
        schedule = CronSchedule(
            expression,
            _field(minutes, 0, 59),
            _field(hours, 0, 23),
            day_of_month.upper(),
            _field(months, 1, 12, MONTHS),
            day_of_week.upper(),
            _field(years, FIRST_YEAR, LAST_YEAR),
        )
        if day_of_month != "?":
            _check_day_of_month(schedule.day_of_month)
        else:
            _check_day_of_week(schedule.day_of_week)
    except ValueError as exc:
        raise _invalid(expression, str(exc)) from None
    return schedule
