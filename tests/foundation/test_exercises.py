"""Check cells: one line, a hint when wrong, progress recorded."""

import pytest

from course_lib import exercises
from course_lib.exercises import progress as progress_module


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path


def test_right_answer_prints_one_line_and_is_recorded(capsys):
    exercises.check("00.1", 86_400)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("✅ Exercise 00.1")
    assert progress_module.passed() == {"00.1"}


def test_wrong_answer_gives_a_hint_and_is_not_recorded(capsys):
    exercises.check("00.1", 24)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 00.1: not yet. Hint:") and "hours" in out
    assert progress_module.passed() == set()


def test_a_stub_answer_says_not_answered():
    verdict = exercises.evaluate("00.1", ...)
    assert not verdict.passed and "not answered yet" in verdict.message


def test_a_malformed_answer_gets_a_hint_not_a_traceback():
    @exercises.exercise("99.1", "explodes")
    def explode(answer):
        raise ZeroDivisionError("boom")

    verdict = exercises.evaluate("99.1", 1)
    assert not verdict.passed and "ZeroDivisionError" in verdict.message


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(KeyError, match="no exercise '42.42'"):
        exercises.evaluate("42.42", 1)


def test_require_stops_later_cells_while_the_exercise_is_a_stub():
    assert exercises.require(3, "00.1") == 3
    with pytest.raises(exercises.ExerciseNotDone, match="finish exercise 00.1 first"):
        exercises.require(..., "00.1")


def test_progress_table_counts_per_lesson(progress_file):
    exercises.check("00.1", 86_400)
    table = progress_module.progress()
    row = next(r for r in table if r.lesson == "00")
    assert (row.passed, row.total) == (1, 1)
    assert "00" in str(table)


def test_an_unreadable_progress_file_counts_as_no_progress(progress_file):
    progress_file.write_text("{not json")
    assert progress_module.passed() == set()
