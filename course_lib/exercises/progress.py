"""Which exercises this learner has passed, kept in a small local file (never committed).

The file is ``.course_progress.json`` at the top of the course folder, or the path in
the ``COURSE_PROGRESS_FILE`` environment variable.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def progress_file() -> Path:
    """Where progress is stored."""
    return Path(os.environ.get("COURSE_PROGRESS_FILE", _ROOT / ".course_progress.json"))


def passed() -> set[str]:
    """Ids of the exercises passed so far (an unreadable file counts as none)."""
    try:
        data = json.loads(progress_file().read_text())
    except (OSError, ValueError):
        return set()
    return {key for key, value in data.get("passed", {}).items() if value}


def record_pass(exercise_id: str) -> None:
    """Remember that ``exercise_id`` was passed; a read-only folder is silently skipped."""
    done = passed() | {exercise_id}
    with contextlib.suppress(OSError):
        progress_file().write_text(
            json.dumps({"passed": dict.fromkeys(sorted(done), True)}, indent=1)
        )


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
