"""Checks for the start page."""

from __future__ import annotations

from course_lib.exercises import exercise

#: The two processes of exercise 00.1, in minutes: the courier waits twice, the oven once.
COURIER_WAITS, OVEN_WAIT = (45, 30), 60


def clock_after_both() -> float:
    """Run exercise 00.1's two processes on a fresh world; return ``world.now``."""
    from course_lib.sim import World

    world = World()

    def courier(env):
        for minutes in COURIER_WAITS:
            yield env.timeout(minutes * 60)

    def oven(env):
        yield env.timeout(OVEN_WAIT * 60)

    world.env.process(courier(world.env))
    world.env.process(oven(world.env))
    world.run()
    return world.now


@exercise("00.1", "Predict the virtual clock")
def clock_prediction(answer: object) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return "the answer is a number of seconds: what will `world.now` say after the run?"
    truth = clock_after_both()
    if answer == truth:
        return None
    minutes = sum(COURIER_WAITS) + OVEN_WAIT
    if answer == minutes * 60:
        return (
            "the two processes run side by side on one clock: their waits overlap, they do "
            "not add up."
        )
    if answer == OVEN_WAIT * 60:
        return "`world.run()` runs until the last process is done, not the first."
    if answer in (truth / 60, minutes, truth / 3600):
        return "the virtual clock counts seconds."
    return "which process finishes last, and after how many seconds of waiting in all?"
