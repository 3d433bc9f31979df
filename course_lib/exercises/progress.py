"""Which exercises this learner has passed, kept in a small local file (never committed).

Only checks passed in the learner's own copies count: a pass is recorded when the
notebook runs in a folder of learner copies (``work/``, made by ``python -m course_lib
work``), never when the reference notebooks run (CI, nbval, re-execution, an instructor
reading them). The file is ``.course_progress.json`` in that folder, or the path in the
``COURSE_PROGRESS_FILE`` environment variable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from course_lib.copies import ROOT, is_work_folder

FILENAME = ".course_progress.json"


def work_folder() -> Path:
    """The learner copies in use: the current folder when it holds them, else ``work/``."""
    here = Path.cwd()
    return here if is_work_folder(here) else ROOT / "work"


def progress_file() -> Path:
    """Where progress is stored."""
    override = os.environ.get("COURSE_PROGRESS_FILE")
    return Path(override) if override else work_folder() / FILENAME


def passed() -> set[str]:
    """Ids of the exercises passed so far (an unreadable file counts as none)."""
    try:
        data = json.loads(progress_file().read_text())
        return {key for key, value in data.get("passed", {}).items() if value is True}
    except (OSError, ValueError, AttributeError):
        return set()


def record_pass(exercise_id: str) -> bool:
    """Remember that ``exercise_id`` was passed, in a learner copy only; say if it was recorded.

    A reference notebook (anything run outside a folder of learner copies) records
    nothing, and a read-only folder is silently skipped.
    """
    if not is_work_folder(Path.cwd()):
        return False
    done = passed() | {exercise_id}
    try:
        progress_file().write_text(
            json.dumps({"passed": dict.fromkeys(sorted(done), True)}, indent=1)
        )
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class LessonProgress:
    lesson: str
    passed: int
    total: int

    def bar(self, width: int = 10) -> str:
        filled = round(width * self.passed / self.total) if self.total else 0
        return "█" * filled + "·" * (width - filled)


class Progress(list):
    """A table of :class:`LessonProgress` rows that prints nicely in a notebook."""

    def __str__(self) -> str:
        lines = [f"{'lesson':<8}{'passed':>8}  progress"]
        lines += [f"{row.lesson:<8}{row.passed:>3} / {row.total:<3} {row.bar()}" for row in self]
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def progress() -> Progress:
    """One row per lesson: how many of its exercises this learner has passed."""
    from course_lib import exercises

    done = passed()
    by_lesson: dict[str, list[str]] = {}
    for ex in exercises.registered():
        by_lesson.setdefault(ex.id.split(".")[0], []).append(ex.id)
    return Progress(
        LessonProgress(lesson, sum(i in done for i in ids), len(ids))
        for lesson, ids in sorted(by_lesson.items())
    )
