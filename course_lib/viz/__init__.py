"""Drawing for the lessons: one plot style, diagrams rendered to PNG, sequence diagrams.

Everything here returns or displays pictures built from data the simulations return;
no simulation code lives here.
"""

import importlib

from course_lib.viz.graphs import Diagram, diagram, graph_renderer, lesson_map
from course_lib.viz.sequence import sequence_diagram, timeline
from course_lib.viz.style import COLORS, figure, style

__all__ = [
    "COLORS",
    "Diagram",
    "diagram",
    "figure",
    "graph_renderer",
    "lesson_map",
    "sequence_diagram",
    "style",
    "timeline",
]


def __getattr__(name: str):
    """Lesson-specific drawings (``cl.viz.fallacies``, ...) load on first use."""
    try:
        return importlib.import_module(f"course_lib.viz.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"course_lib.viz.{name}":
            raise
        raise AttributeError(f"module 'course_lib.viz' has no attribute {name!r}") from None
