"""The lesson table (start page, README, progress) matches the notebooks themselves."""

import re
from pathlib import Path

import nbformat
import pytest

from course_lib.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.number)
def test_each_lesson_has_its_notebook_title_and_time(lesson):
    nb = nbformat.read(ROOT / "notebooks" / lesson.notebook, as_version=4)
    title = nb.cells[0].source.splitlines()[0]
    assert lesson.title in title
    if lesson.number != "00":
        match = re.search(r"estimated time:?\**\s*(\d+)\s*min", nb.cells[0].source, re.I)
        assert match and int(match.group(1)) == lesson.minutes


def test_the_readme_lists_every_lesson():
    readme = (ROOT / "README.md").read_text()
    for lesson in LESSONS:
        assert f"[{lesson.title}](notebooks/{lesson.notebook})" in readme
