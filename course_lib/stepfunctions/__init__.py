"""A local Amazon States Language engine on the course's virtual clock.

``execute(definition, input)`` runs one execution in milliseconds of wall time and
returns an :class:`Execution` (status, output, error, cause, history in AWS's shape).
``StateMachine`` runs many executions on a shared :class:`~course_lib.sim.World`;
``validate`` lists every problem in a definition; ``to_dot`` draws it.

How the pieces meet:

* Lambda functions and other task resources are plain Python callables passed as
  ``handlers`` (keyed by function name or ARN, or by the resource ARN). A handler
  spends virtual time with ``context.sleep(seconds)``.
* ``arn:aws:states:::events:putEvents`` calls ``world.service("events").put_events``;
  ``states:startExecution`` (``.sync``, ``.sync:2``) starts the StateMachine registered
  on the world under ``StateMachineArn``, unless a handler serves that resource.
* Callbacks: every world running state machines has a :class:`TaskTokens` service
  registered as ``"states"``; ``world.service("states").send_task_success(token, output)``
  (or ``send_task_failure`` / ``send_task_heartbeat``) resumes a ``.waitForTaskToken``
  task, and ``pending()`` lists the tokens that are waiting.
* Each data-flow stage is its own function: ``dataflow.apply_input_path``,
  ``apply_parameters``, ``apply_result_selector``, ``apply_result_path``,
  ``apply_output_path`` and ``evaluate_assign_jsonpath`` for JSONPath states;
  ``jsonata_mode.states_variable``, ``evaluate_template``, ``evaluate_output`` and
  ``evaluate_assign`` for JSONata states.
* AWS's limits hold: a Standard execution's history stops at 25,000 events (the
  execution fails with ``States.Runtime``), a Standard execution runs for at most a
  year and an Express one five minutes (then ``TIMED_OUT``), a payload over 256 KiB
  fails with ``States.DataLimitExceeded``, ``States.ArrayRange`` and ``$range`` build
  at most 1,000 items, and JSON crossing into the engine is read strictly (no NaN or
  Infinity). Bad input raises :class:`InvalidDefinition`, :class:`ValidationException`
  or a ``ValueError`` naming the field; an error inside the engine fails the execution
  with ``States.Runtime`` instead of leaving it RUNNING (details in
  :mod:`~course_lib.stepfunctions.machine`).
* ``test_state(definition, input, inspection_level="DEBUG", mock=...)`` answers like
  AWS's TestState API: one state run once, with the data after every stage;
  ``inspect_execution(execution)`` (or ``execution.inspect(state)``) gives the same view
  of each state a local execution entered.
"""

from __future__ import annotations

from course_lib.stepfunctions.callbacks import TaskTimedOut, TaskTokens
from course_lib.stepfunctions.errors import (
    Diagnostic,
    InvalidDefinition,
    StatesError,
    ValidationException,
)
from course_lib.stepfunctions.graph import to_dot
from course_lib.stepfunctions.machine import Execution, StateMachine, execute
from course_lib.stepfunctions.teststate import inspect_execution, test_state
from course_lib.stepfunctions.validation import validate

__all__ = [
    "Diagnostic",
    "Execution",
    "InvalidDefinition",
    "StateMachine",
    "StatesError",
    "TaskTimedOut",
    "TaskTokens",
    "ValidationException",
    "execute",
    "inspect_execution",
    "test_state",
    "to_dot",
    "validate",
]
