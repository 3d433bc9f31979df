"""Check cells: one line, a hint when wrong, progress recorded in a learner copy."""

import pytest

from course_lib import copies, exercises
from course_lib.exercises import progress as progress_module


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Checks run in a folder of learner copies, the only place progress is recorded."""
    (tmp_path / copies.MANIFEST).write_text('{"lessons": {}}')
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path


def test_right_answer_prints_one_line_and_is_recorded(capsys):
    exercises.check("00.1", 4_500)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("✅ Exercise 00.1")
    assert progress_module.passed() == {"00.1"}


def test_wrong_answer_gives_a_hint_and_is_not_recorded(capsys):
    exercises.check("00.1", 135 * 60)
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 00.1: not yet. Hint:") and "do not add up" in out
    assert progress_module.passed() == set()


def test_a_stub_answer_says_not_yet():
    verdict = exercises.evaluate("00.1", ...)
    assert not verdict.passed and verdict.message.startswith("not yet")
    assert "not answered yet" in verdict.message


def test_an_answer_whose_str_raises_gets_a_hint_not_a_traceback():
    class Sneaky:
        def __str__(self):
            raise RuntimeError("no")

        __repr__ = __str__

    @exercises.exercise("99.2", "explodes with an unprintable error")
    def explode(answer):
        raise ValueError(answer)

    verdict = exercises.evaluate("99.2", Sneaky())
    assert not verdict.passed and "ValueError" in verdict.message
    assert "cannot be shown" in verdict.message
    assert not exercises.evaluate("00.1", Sneaky()).passed


def test_a_hint_does_not_repeat_a_huge_answer():
    @exercises.exercise("99.3", "echoes the answer")
    def echo(answer):
        return f"you gave {answer!r}, which is wrong; try a number."

    huge = "x" * 100_000
    message = exercises.evaluate("99.3", huge).message
    assert len(message) < 400
    assert "100,002 chars" in message and message.endswith("which is wrong; try a number.")


def test_a_solution_is_printed_not_run(capsys):
    exercises.solution("01.1")
    out = capsys.readouterr().out
    assert "p_arrives = (1 - 0.03) ** 8" in out
    assert "formula" in out  # the code is shown, its output is not: nothing ran
    assert progress_module.passed() == set()


def test_an_unfinished_exercise_stops_a_notebook_cell_with_one_line(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell(
            'import course_lib as cl\ncl.exercises.require(..., "00.1")\nprint("not reached")'
        )
        assert result.error_in_exec is None  # Run All carries on with the next cell
        shown = capsys.readouterr().out
        assert shown.strip() == "⏸ finish exercise 00.1 first: this cell uses its answer."
        assert shell.run_cell("1 + 1").result == 2
    finally:
        InteractiveShell.clear_instance()


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


def test_a_check_outside_a_learner_copy_records_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path.parent)
    exercises.check("00.1", 4_500)
    assert capsys.readouterr().out.startswith("✅")
    assert progress_module.passed() == set()


def test_progress_table_counts_per_lesson(progress_file):
    exercises.check("00.1", 4_500)
    table = progress_module.progress()
    row = next(r for r in table if r.lesson == "00")
    assert (row.passed, row.total) == (1, 1)
    assert "00" in str(table)


def test_an_unreadable_progress_file_counts_as_no_progress(progress_file):
    progress_file.write_text("{not json")
    assert progress_module.passed() == set()
