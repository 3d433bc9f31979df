"""Checks for the start page."""

from __future__ import annotations

from course_lib.exercises import exercise


@exercise("00.1", "A day of virtual time")
def one_day(answer: object) -> str | None:
    if not isinstance(answer, int | float):
        return "the answer is a number of seconds: what does `world.now` say after the wait?"
    if answer == 86_400:
        return None
    if answer == 24:
        return "that is hours; the virtual clock counts seconds."
    if answer == 1_440:
        return "that is minutes; the virtual clock counts seconds."
    if answer == 86_400 + 3_600:
        return (
            "that clock had already run for the hour above: start a new `World` first, so it "
            "begins at 0."
        )
    return (
        "start a process that waits one day, expressed in seconds, run the world, then read "
        "`world.now`."
    )
