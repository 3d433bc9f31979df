"""course_lib: the local simulations behind the Week 2 notebooks.

``import course_lib as cl; cl.setup(seed=42)`` at the top of every lesson. Submodules
load on first use, so importing the package stays fast and heavy libraries
(matplotlib, graphviz, boto3) are only imported by the lessons that draw or call AWS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from course_lib.session import EPOCH, current_seed

__version__ = "0.1.0"

_SUBMODULES = (
    "aws",
    "consistency",
    "coupling",
    "diagnostics",
    "eventbridge",
    "events",
    "exercises",
    "fallacies",
    "messaging",
    "pizza",
    "sim",
    "stepfunctions",
    "viz",
    "widgets",
)

if TYPE_CHECKING:  # pragma: no cover
    from course_lib import sim, viz  # noqa: F401


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"course_lib.{name}")
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])


def setup(seed: int = 2024) -> None:
    """Prepare a notebook: seed every random stream, keep warnings off stderr, PNG figures.

    Call it once, in the first code cell of a lesson. Running the notebook again with
    the same seed reproduces every number, id and timestamp.
    """
    from course_lib import runtime

    runtime.setup(seed)


def progress():
    """A table of the exercises passed so far, one row per lesson."""
    from course_lib.exercises.progress import progress as _progress

    return _progress()


def doctor() -> None:
    """Check this installation (Python, packages, Graphviz, widgets) and say what to fix."""
    from course_lib.diagnostics import doctor as _doctor

    _doctor()


__all__ = ["EPOCH", "__version__", "current_seed", "doctor", "progress", "setup"]
