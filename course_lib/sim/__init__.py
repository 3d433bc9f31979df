"""The one virtual clock and everything that takes time: see :class:`World`."""

from course_lib.sim.world import TraceRecord, World

__all__ = ["TraceRecord", "World"]
