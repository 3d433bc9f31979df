"""Schedule expressions: rate and six-field cron, including L, W and #."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from course_lib.eventbridge import ValidationException, parse_schedule

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday


def nexts(expression: str, count: int = 3) -> list[str]:
    schedule = parse_schedule(expression)
    moment, out = START, []
    for _ in range(count):
        moment = schedule.next_after(moment, START)
        out.append(moment.strftime("%Y-%m-%d %H:%M %a"))
    return out


def test_rate():
    assert nexts("rate(1 hour)", 2) == ["2025-01-06 10:00 Mon", "2025-01-06 11:00 Mon"]
    assert nexts("rate(2 days)", 1) == ["2025-01-08 09:00 Wed"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "cron(15 10 * * ? *)",
            ["2025-01-06 10:15 Mon", "2025-01-07 10:15 Tue", "2025-01-08 10:15 Wed"],
        ),
        (
            "cron(0/30 9 * * ? *)",
            ["2025-01-06 09:30 Mon", "2025-01-07 09:00 Tue", "2025-01-07 09:30 Tue"],
        ),
        (
            "cron(0 18 ? * MON-FRI *)",
            ["2025-01-06 18:00 Mon", "2025-01-07 18:00 Tue", "2025-01-08 18:00 Wed"],
        ),
        (
            "cron(0 8 1 * ? *)",
            ["2025-02-01 08:00 Sat", "2025-03-01 08:00 Sat", "2025-04-01 08:00 Tue"],
        ),
        (
            "cron(0 0 L * ? *)",
            ["2025-01-31 00:00 Fri", "2025-02-28 00:00 Fri", "2025-03-31 00:00 Mon"],
        ),
        (
            "cron(0 0 ? * 6L *)",
            ["2025-01-31 00:00 Fri", "2025-02-28 00:00 Fri", "2025-03-28 00:00 Fri"],
        ),
        (
            "cron(0 0 ? * 3#2 *)",
            ["2025-01-14 00:00 Tue", "2025-02-11 00:00 Tue", "2025-03-11 00:00 Tue"],
        ),
        (
            "cron(0 0 1W * ? *)",
            ["2025-02-03 00:00 Mon", "2025-03-03 00:00 Mon", "2025-04-01 00:00 Tue"],
        ),
        (
            "cron(0 0 LW * ? *)",
            ["2025-01-31 00:00 Fri", "2025-02-28 00:00 Fri", "2025-03-31 00:00 Mon"],
        ),
        (
            "cron(0 12 1 JAN,JUL ? 2025-2026)",
            ["2025-07-01 12:00 Tue", "2026-01-01 12:00 Thu", "2026-07-01 12:00 Wed"],
        ),
    ],
)
def test_cron(expression, expected):
    assert nexts(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 minute)",
        "rate(1 minutes)",
        "rate(5 seconds)",
        "cron(0 12 * * * *)",
        "cron(0 12 ? * ? *)",
        "cron(0 12 * *)",
        "cron(61 12 * * ? *)",
        "cron(0 12 ? * FUNDAY *)",
        "cron(0 12 * FOO ? *)",
        "cron(0/0 12 * * ? *)",
        "every day",
    ],
)
def test_invalid(expression):
    with pytest.raises(ValidationException, match="ScheduleExpression"):
        parse_schedule(expression)


def test_never_firing_again():
    schedule = parse_schedule("cron(0 0 1 1 ? 1999)")
    with pytest.raises(ValidationException, match="never fires"):
        schedule.next_after(START, START)
