"""Check cells for the exercises: one deterministic line, a hint when wrong, never the answer.

A lesson's check cell is ``cl.exercises.check("01.2", answer)``. The checks themselves
live in ``course_lib/exercises/lessonNN.py`` so that a notebook's check cell does not
show the solution. Passing checks are recorded for :func:`course_lib.progress`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course_lib.exercises.progress import record_pass

#: What an exercise stub assigns before the learner answers: ``answer = ...``.
NOT_DONE = ...

Checker = Callable[[Any], "str | None"]


class ExerciseNotDone(RuntimeError):
    """Raised by :func:`require` when a later cell needs an exercise that is still a stub."""


@dataclass(frozen=True)
class Exercise:
    """An exercise: its id (``"01.2"``), a title, and a checker returning None or a hint."""

    id: str
    title: str
    checker: Checker


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check; printed as one line by :func:`check`."""

    exercise: str
    passed: bool
    message: str

    def __str__(self) -> str:
        mark = "✅" if self.passed else "❌"
        return f"{mark} Exercise {self.exercise}: {self.message}"


_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, title: str) -> Callable[[Checker], Checker]:
    """Register a checker: it returns None when the answer is right, else a hint."""

    def register(checker: Checker) -> Checker:
        _REGISTRY[exercise_id] = Exercise(exercise_id, title, checker)
        return checker

    return register


def get(exercise_id: str) -> Exercise:
    """The registered exercise, importing its lesson's module on first use."""
    if exercise_id not in _REGISTRY:
        module = f"course_lib.exercises.lesson{exercise_id.split('.', 1)[0]}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:  # the lesson's checks exist but cannot load: say why
                raise
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}: check the id in the cell") from None


def evaluate(exercise_id: str, answer: Any) -> Verdict:
    """Check ``answer`` without printing or recording anything."""
    ex = get(exercise_id)
    if answer is NOT_DONE:
        return Verdict(
            ex.id, False, "not yet: not answered yet, replace the `...` in the cell above."
        )
    try:
        hint = ex.checker(answer)
    except Exception as error:  # a malformed answer deserves a hint, not a traceback
        hint = f"your answer could not be checked ({type(error).__name__}: {_text(error)})."
    if hint is None:
        return Verdict(ex.id, True, f"correct. {ex.title}: done.")
    return Verdict(ex.id, False, f"not yet. Hint: {_short_hint(_text(hint), answer)}")


#: Longest piece of an answer a hint repeats, and the longest hint.
SHOWN_CHARS = 120
HINT_CHARS = 600


def _text(thing: Any) -> str:
    """``str(thing)``, or a stand-in when its ``__str__`` fails."""
    try:
        return str(thing)
    except Exception:  # an answer's own __str__ must not break the check
        return f"<{type(thing).__name__} that cannot be shown>"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 12]}… ({len(text):,} chars)"


def _short_hint(hint: str, answer: Any) -> str:
    """The hint with any long rendering of ``answer`` shortened, and capped in length."""
    for render in (repr, str):
        try:
            shown = render(answer)
        except Exception:
            continue
        if len(shown) > SHOWN_CHARS and shown in hint:
            hint = hint.replace(shown, _shorten(shown, SHOWN_CHARS))
    return _shorten(hint, HINT_CHARS)


def check(exercise_id: str, answer: Any) -> None:
    """Print one line saying whether ``answer`` is right (with a hint if not), and record it."""
    verdict = evaluate(exercise_id, answer)
    if verdict.passed:
        record_pass(exercise_id)
    print(verdict)


def require(value: Any, exercise_id: str) -> Any:
    """Return ``value``, or stop with a clear message while exercise ``exercise_id`` is a stub.

    In a notebook the stop shows one line, no traceback, and does not halt *Run All*:
    the cells after it still run, so every later exercise says "not yet".
    """
    if value is NOT_DONE:
        _stop_quietly_in_ipython()
        raise ExerciseNotDone(f"finish exercise {exercise_id} first: this cell uses its answer.")
    return value


def _stop_quietly_in_ipython() -> None:
    """Make IPython show an :class:`ExerciseNotDone` as its message alone and go on.

    IPython would print a traceback, and the kernel would then cancel every cell queued
    after it, so *Run All* would stop at the first unfinished exercise. Installed on first
    use; outside IPython the exception is raised as usual.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_course_quiet_stop", False):
        return

    def one_line(shell, etype, value, tb, tb_offset=None) -> list[str]:
        shown = [f"⏸ {value}"]
        shell._showtraceback(etype, value, shown)  # IPython leaves showing it to the handler
        return shown

    def carry_on(result) -> None:
        if isinstance(result.error_in_exec, ExerciseNotDone):
            result.error_in_exec = None

    shell.set_custom_exc((ExerciseNotDone,), one_line)
    shell.events.register("post_run_cell", carry_on)
    shell._course_quiet_stop = True


def solution(exercise_id: str) -> None:
    """Show the reference solution of ``exercise_id`` (``"05.3"``): a deliberate act only.

    The code comes from the reference notebook; it is printed, never run.
    """
    from course_lib.copies import solution_source

    get(exercise_id)  # an unknown id gets the same clear error as in a check cell
    path, code = solution_source(exercise_id)
    print(f"Reference solution of exercise {exercise_id} (from {path.parent.name}/{path.name}):")
    print()
    print(code)


def registered(lesson: str | None = None) -> list[Exercise]:
    """All exercises of a lesson (``"01"``) or of the course, in id order."""
    for module in _lesson_modules():
        importlib.import_module(module)
    found = [ex for ex in _REGISTRY.values() if lesson is None or ex.id.startswith(f"{lesson}.")]
    return sorted(found, key=lambda ex: [int(p) for p in ex.id.split(".")])


def _lesson_modules() -> list[str]:
    from pathlib import Path

    here = Path(__file__).parent
    return [f"course_lib.exercises.{p.stem}" for p in sorted(here.glob("lesson*.py"))]


__all__ = [
    "NOT_DONE",
    "Exercise",
    "ExerciseNotDone",
    "Verdict",
    "check",
    "evaluate",
    "exercise",
    "get",
    "registered",
    "require",
    "solution",
]
