"""The learner's copies in work/: made once, updated without losing a keystroke."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from course_lib import copies, exercises
from course_lib.__main__ import main as cli
from course_lib.exercises import progress

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 5, 16, 30, 0)
LATER = datetime(2026, 12, 6, 9, 15, 0)


def _cell(cell_id, kind, text, **extra):
    cell = {"cell_type": kind, "id": cell_id, "metadata": extra.pop("metadata", {}), "source": text}
    if kind == "code":
        cell |= {"execution_count": extra.pop("execution_count", 1), "outputs": []}
    return cell | extra


def _out(text):
    return {"name": "stdout", "output_type": "stream", "text": text}


def _lesson(prompt="### Exercise 1\n\nWhat is 6 times 7?", intro="# Lesson"):
    cells = [
        _cell("title", "markdown", intro),
        _cell("setup", "code", "import course_lib as cl", outputs=[_out("ready\n")]),
        _cell("prompt", "markdown", prompt),
        _cell("stub", "code", "answer = ..."),
        _cell(
            "solution",
            "code",
            'answer = 6 * 7\nprint(f"the answer is {answer}")',
            metadata={"tags": ["solution"]},
            outputs=[_out("the answer is 42\n")],
        ),
        _cell("check", "code", 'cl.exercises.check("99.1", answer)', outputs=[_out("✅ ok\n")]),
        _cell("uses", "code", "print(answer + 1)", outputs=[_out("43\n")]),
        _cell("end", "markdown", "## Summary"),
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def course(tmp_path):
    """A reference folder with one small lesson, and an empty place for the copies."""
    reference = tmp_path / "notebooks"
    reference.mkdir()
    (reference / "01_lesson.ipynb").write_text(copies.dumps(_lesson()))
    return reference, tmp_path / "work"


def _make(course, now=NOW):
    reference, work = course
    return [str(o) for o in copies.make_work(work, copies.reference_notebooks(reference), now=now)]


def _cells(path):
    return {c["id"]: c for c in json.loads(path.read_text())["cells"]}


def test_a_fresh_copy_has_stubs_and_teaching_outputs_but_no_solution(course):
    _, work = course
    [line] = _make(course)
    assert line.split() == ["01_lesson.ipynb", "created"]
    cells = _cells(work / "01_lesson.ipynb")
    assert "solution" not in cells and cells["stub"]["source"] == "answer = ..."
    assert cells["setup"]["outputs"] == [_out("ready\n")]  # a teaching cell keeps its picture
    assert cells["check"]["outputs"] == [] and cells["uses"]["outputs"] == []
    assert all(c.get("execution_count") is None for c in cells.values())
    assert copies.leaks(_lesson(), json.loads((work / "01_lesson.ipynb").read_text())) == []
    assert copies.is_work_folder(work)


def test_running_it_again_changes_nothing(course):
    _, work = course
    _make(course)
    before = (work / "01_lesson.ipynb").read_bytes()
    [line] = _make(course, now=LATER)
    assert line.endswith("yours, up to date")
    assert (work / "01_lesson.ipynb").read_bytes() == before
    assert not (work / "backups").exists()


def test_an_upstream_change_keeps_every_cell_the_learner_edited(course):
    reference, work = course
    _make(course)
    mine = json.loads((work / "01_lesson.ipynb").read_text())
    assert mine["cells"][3]["id"] == "stub"
    mine["cells"][3]["source"] = "answer = 42  # my answer"
    mine["cells"][3]["outputs"] = [_out("mine\n")]
    mine["cells"].insert(4, _cell("note", "markdown", "my own note"))
    (work / "01_lesson.ipynb").write_text(copies.dumps(mine))
    old_text = (work / "01_lesson.ipynb").read_text()
    (reference / "01_lesson.ipynb").write_text(
        copies.dumps(_lesson(prompt="### Exercise 1\n\nWhat is six times seven?"))
    )

    [line] = _make(course, now=LATER)

    assert "updated to the new version" in line and "kept 2 cell(s)" in line
    cells = json.loads((work / "01_lesson.ipynb").read_text())["cells"]
    ids = [c["id"] for c in cells]
    by_id = {c["id"]: c for c in cells}
    assert by_id["stub"]["source"] == "answer = 42  # my answer"
    assert by_id["stub"]["outputs"] == [_out("mine\n")]
    assert ids.index("note") == ids.index("stub") + 1  # the learner's own cell stays put
    assert "six times seven" in by_id["prompt"]["source"]  # the upstream change came in
    backup = work / "backups" / "01_lesson.2026-12-06_091500.ipynb"
    assert backup.read_text() == old_text and backup.name in line
    # and the edit still counts as the learner's at the next update
    (reference / "01_lesson.ipynb").write_text(copies.dumps(_lesson(intro="# Lesson, v3")))
    _make(course, now=datetime(2026, 12, 7))
    again = _cells(work / "01_lesson.ipynb")
    assert again["stub"]["source"] == "answer = 42  # my answer"
    assert again["title"]["source"] == "# Lesson, v3" and "note" in again


def test_a_deleted_copy_is_made_again(course):
    _, work = course
    _make(course)
    (work / "01_lesson.ipynb").unlink()
    [line] = _make(course, now=LATER)
    assert "re-created" in line
    assert "stub" in _cells(work / "01_lesson.ipynb")


@pytest.mark.parametrize(
    "broken", ["{not json", '{"cells": 3}', "\udcff".encode("utf-8", "surrogatepass")]
)
def test_a_copy_that_is_not_a_notebook_is_set_aside_never_deleted(course, broken):
    _, work = course
    _make(course)
    path = work / "01_lesson.ipynb"
    path.write_bytes(broken if isinstance(broken, bytes) else broken.encode())
    [line] = _make(course, now=LATER)
    assert "was not a readable notebook" in line
    [aside] = (work / "backups").iterdir()
    assert aside.name == "01_lesson.not-json-2026-12-06_091500.ipynb" and aside.name in line
    assert aside.read_bytes() == (broken if isinstance(broken, bytes) else broken.encode())
    assert "stub" in _cells(path)


def test_a_copy_made_without_a_record_keeps_whatever_differs(course):
    reference, work = course
    _make(course)
    (work / copies.MANIFEST).unlink()
    mine = json.loads((work / "01_lesson.ipynb").read_text())
    mine["cells"][3]["source"] = "answer = 42"
    (work / "01_lesson.ipynb").write_text(copies.dumps(mine))
    (reference / "01_lesson.ipynb").write_text(copies.dumps(_lesson(intro="# New title")))
    _make(course, now=LATER)
    cells = _cells(work / "01_lesson.ipynb")
    assert cells["stub"]["source"] == "answer = 42"
    assert cells["title"]["source"] == "# Lesson"  # unknown origin: kept as the learner's


def test_backups_never_overwrite_each_other(course):
    reference, work = course
    _make(course)
    for version in range(3):
        (reference / "01_lesson.ipynb").write_text(copies.dumps(_lesson(intro=f"# v{version}")))
        _make(course, now=LATER)
    assert len(list((work / "backups").iterdir())) == 3


def test_leaks_finds_a_solution_output_or_a_passed_check():
    reference = _lesson()
    shown = copies.learner_version(reference)
    shown["cells"][1]["outputs"] = [_out("the answer is 42\n")]
    assert any("solution's output" in p for p in copies.leaks(reference, shown))
    shown["cells"][1]["outputs"] = [_out("✅ Exercise 99.1: correct.\n")]
    assert any("passed check" in p for p in copies.leaks(reference, shown))


@pytest.mark.parametrize("path", copies.reference_notebooks(), ids=lambda p: p.stem)
def test_no_lesson_copy_gives_a_solution_away(path):
    reference = copies.read(path)
    learner = copies.learner_version(reference)
    assert copies.leaks(reference, learner) == []
    assert not any(copies.WIDGET_VIEW in json.dumps(c.get("outputs", [])) for c in learner["cells"])


def test_the_cli_makes_the_copies_and_prints_one_line_per_lesson(tmp_path, capsys):
    assert cli(["work", "--dest", str(tmp_path / "work")]) == 0
    lines = capsys.readouterr().out.splitlines()
    lessons = copies.reference_notebooks()
    assert len(lines) == len(lessons) + 1
    assert all(line.split()[1] == "created" for line in lines[:-1])
    assert sorted(p.name for p in (tmp_path / "work").glob("*.ipynb")) == [p.name for p in lessons]


def test_a_solution_shows_only_when_asked_for(capsys):
    exercises.solution("00.1")
    out = capsys.readouterr().out
    assert out.startswith("Reference solution of exercise 00.1 (from notebooks/00_start_here")
    assert "clock_after = world.now" in out
    with pytest.raises(KeyError, match="no exercise '00.9'"):
        exercises.solution("00.9")


def test_progress_counts_only_checks_passed_in_a_learner_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("COURSE_PROGRESS_FILE", raising=False)
    reference_run = tmp_path / "notebooks"
    reference_run.mkdir()
    monkeypatch.chdir(reference_run)  # a reference notebook, as CI and nbval run it
    exercises.check("00.1", 4_500)
    assert progress.passed() == set()
    work = tmp_path / "work"
    copies.make_work(work, [ROOT / "notebooks" / "00_start_here.ipynb"], now=NOW)
    monkeypatch.chdir(work)  # the learner's copy
    exercises.check("00.1", 4_500)
    assert progress.passed() == {"00.1"}
    assert json.loads((work / progress.FILENAME).read_text()) == {"passed": {"00.1": True}}
    assert cli(["progress"]) == 0
    assert "00        1 / 1" in capsys.readouterr().out


def test_the_copies_are_the_same_code_as_the_student_copies():
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import student_copy

    assert student_copy.learner_version is copies.learner_version


def test_the_cli_says_where_the_lessons_are_missing(tmp_path, capsys):
    assert cli(["work", "--dest", str(tmp_path / "work"), "--source", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"python -m course_lib work: no lessons (NN_name.ipynb) in {tmp_path}\n"
    )
    assert not (tmp_path / "work").exists()
