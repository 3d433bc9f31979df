"""A local Amazon States Language engine on the course's virtual clock.

``execute(definition, input)`` runs one execution in milliseconds of wall time and
returns an :class:`Execution` (status, output, error, cause, history in AWS's shape).
``StateMachine`` runs many executions on a shared :class:`~course_lib.sim.World`;
``validate`` lists every problem in a definition; ``to_dot`` draws it.
"""

from __future__ import annotations

from course_lib.stepfunctions.callbacks import TaskTimedOut, TaskTokens
from course_lib.stepfunctions.errors import Diagnostic, InvalidDefinition, StatesError
from course_lib.stepfunctions.graph import to_dot
from course_lib.stepfunctions.machine import Execution, StateMachine, execute
from course_lib.stepfunctions.validation import validate

__all__ = [
    "Diagnostic",
    "Execution",
    "InvalidDefinition",
    "StateMachine",
    "StatesError",
    "TaskTimedOut",
    "TaskTokens",
    "execute",
    "to_dot",
    "validate",
]
