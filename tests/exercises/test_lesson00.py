"""Lesson 00's check accepts the clock's reading and hints at typical mistakes."""

import pytest
from exercise_checks import hint, passes

from course_lib.exercises import lesson00


def test_the_prediction_is_what_the_clock_reads():
    assert lesson00.clock_after_both() == 75 * 60
    assert passes("00.1", 4500)
    assert passes("00.1", 4500.0)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (135 * 60, "they do not add up"),
        (3600, "until the last process is done"),
        (75, "counts seconds"),
        (1.25, "counts seconds"),
        (1234, "which process finishes last"),
        ("4500", "a number of seconds"),
        (True, "a number of seconds"),
    ],
)
def test_wrong_predictions_get_a_hint(answer, words):
    assert words in hint("00.1", answer)
