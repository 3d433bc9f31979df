"""Short helpers for testing the exercises' checks."""

from course_lib.exercises import evaluate


def passes(exercise_id: str, answer) -> bool:
    """Whether the check accepts ``answer``."""
    return evaluate(exercise_id, answer).passed


def hint(exercise_id: str, answer) -> str:
    """The check's message for a wrong ``answer``; fails the test if it is accepted."""
    verdict = evaluate(exercise_id, answer)
    assert not verdict.passed
    assert "Hint:" in verdict.message
    return verdict.message
