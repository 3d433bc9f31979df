"""Every lesson's student copy is sound and runs top to bottom.

The only errors a student copy may show are the "finish exercise N first" stops of
cells that need an unfinished answer.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import student_copy  # noqa: E402
from notebook_tools import lesson_notebooks, read  # noqa: E402


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.stem)
def test_student_copy_is_sound_and_runs(path):
    original = read(path)
    student = student_copy.student_version(original)
    assert student_copy.problems(original, student) == []
    assert student_copy.execute_copy(student, path.parent) == []
