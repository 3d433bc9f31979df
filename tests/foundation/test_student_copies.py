"""Every lesson's copies are sound, and Run All in a learner copy ends in "not yet".

A learner copy runs top to bottom the way JupyterLab's Run All does: no cell may fail in
a way that stops the run. Every check says "not yet", a cell that needs an unfinished
answer shows the one line "finish exercise N first" (no traceback), and no solution or
passed check appears anywhere.
"""

import re
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib import copies

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import student_copy  # noqa: E402
from notebook_tools import lesson_notebooks, read, tags  # noqa: E402

CHECK = re.compile(r"""exercises\.check\(\s*["'](\d\d\.\d+)["']""")


def _text(output) -> str:
    return "".join(output.get("text", "")) + "".join(output.get("traceback", []))


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.stem)
def test_student_copy_is_sound(path):
    original = read(path)
    assert student_copy.problems(original, student_copy.student_version(original)) == []


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.stem)
def test_run_all_in_a_learner_copy_ends_with_every_exercise_not_yet(path, tmp_path):
    copies.make_work(tmp_path, [path])
    learner = nbformat.read(tmp_path / path.name, 4)
    ran = student_copy.run_copy(learner, tmp_path)  # raises if a cell would stop Run All

    checked = []
    for cell in ran.cells:
        if cell.cell_type != "code":
            continue
        shown = "".join(_text(o) for o in cell.outputs)
        if match := CHECK.search(cell.source):
            checked.append(match.group(1))
            assert shown.startswith(f"❌ Exercise {match.group(1)}: not yet"), shown
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "exercises.require(" in cell.source:
            assert [e.ename for e in errors] == ["ExerciseNotDone"], cell.source
        if "raises-exception" in tags(cell):
            continue
        for error in errors:
            assert error.ename == "ExerciseNotDone", _text(error)
            assert error.traceback == [f"⏸ {error.evalue}"]
            assert re.fullmatch(r"finish exercise \d\d\.\d+ first: .*", error.evalue)
    reference = copies.read(path)
    expected = [m.group(1) for c in reference["cells"] if (m := CHECK.search(copies.source(c)))]
    assert checked == expected
    assert copies.leaks(reference, nbformat.from_dict(ran)) == []
