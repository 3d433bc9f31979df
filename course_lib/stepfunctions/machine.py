"""State machines and executions: ``execute`` for one run, ``StateMachine`` for many on a world.

A ``StateMachine`` registers itself on the world under its ARN, so an EventBridge
rule target (or any other service) starts it with
``world.service(arn).start_execution(input=...)``.

AWS's limits hold here too, so a runaway definition ends the way it ends on AWS:

* **History quota**: a Standard execution whose history would pass 25,000 events
  fails with ``States.Runtime`` ("The execution reached the maximum number of history
  events (25000).") as event 25,000 (a Pass or Choice loop, a Retry with a huge
  MaxAttempts, an inline Map over tens of thousands of items).
* **Duration**: a Standard execution runs for at most a year and an Express one for
  five minutes (less with ``TimeoutSeconds``); then it ends ``TIMED_OUT``. An Express
  execution keeps no history on AWS, so it has no event quota; one that enters state
  after state without its virtual clock reaching its five minutes (a loop of Pass and
  Choice states) would run until then, so after ``EXPRESS_EVENT_BUDGET`` events it
  ends ``TIMED_OUT`` with its stop date five minutes after its start.
* **History data**: the local engine keeps at most 256 MiB of state data in one
  execution's history (``MAX_HISTORY_TEXT``); past it the execution fails with
  ``States.Runtime``, where 25,000 events of 256 KiB each would exhaust memory.
* **Payloads**: an input, a state's output or a task's result over 256 KiB fails with
  ``States.DataLimitExceeded`` (StartExecution refuses such an input).
* **Open executions**: AWS refuses StartExecution with ``ExecutionLimitExceeded`` once an
  account has 1,000,000 open executions. In the local engine, executions started by
  tasks (``states:startExecution``) nest at most ``MAX_CHILD_DEPTH`` levels deep and at
  most ``MAX_OPEN_CHILD_EXECUTIONS`` of them are open on one world, so a state machine
  that starts itself ends
  instead of filling memory: the start past a limit fails the task with
  ``StepFunctions.ExecutionLimitExceededException``. An execution's cause keeps at most
  32,768 characters, as on AWS.
* **Names**: an execution name has 1 to 80 characters, none of them whitespace,
  ``< > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /`` or control characters.
* **JSON**: input text must be JSON (no NaN or Infinity); AWS reads up to 1,000 levels
  of nesting, the local engine up to 500 (``MAX_JSON_DEPTH``), past which it says so.

An error inside the engine itself never leaves an execution RUNNING: it fails with
``States.Runtime`` and a cause that names the Python error.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import simpy

from course_lib import strict_json
from course_lib.sim.world import World
from course_lib.stepfunctions.callbacks import MAX_CAUSE_LENGTH, TaskTokens
from course_lib.stepfunctions.dataflow import to_json
from course_lib.stepfunctions.errors import (
    RUNTIME,
    InvalidDefinition,
    StatesError,
)
from course_lib.stepfunctions.history import LIMIT_CAUSE, MAX_EVENTS, History, Thread
from course_lib.stepfunctions.integrations import (
    ACCOUNT,
    MAX_JSON_DEPTH,
    MAX_PAYLOAD_BYTES,
    REGION,
    Handlers,
)
from course_lib.stepfunctions.interpreter import Interpreter
from course_lib.stepfunctions.intrinsics import utf8
from course_lib.stepfunctions.runtime import (
    JSONPATH,
    Aborted,
    Frame,
    StateVisit,
    error_details,
    internal_error,
)
from course_lib.stepfunctions.teststate import inspect_visit
from course_lib.stepfunctions.timestamps import Clock, format_timestamp
from course_lib.stepfunctions.validation import load_definition, validate
from course_lib.stepfunctions.variables import Scope

STANDARD = "STANDARD"
EXPRESS = "EXPRESS"
#: An EXPRESS execution runs for at most five minutes, a STANDARD one for a year (taken
#: as 366 days, so that a leap year fits; AWS's longest retry interval is as long).
EXPRESS_MAX_SECONDS = 300
STANDARD_MAX_SECONDS = 366 * 24 * 3600
#: Characters of data (inputs, outputs, parameters) one execution's events may hold in the
#: local engine: 25,000 events of 256 KiB each would need 6 GB of memory.
MAX_HISTORY_TEXT = 256 * 2**20
HISTORY_TEXT_CAUSE = (
    "The execution's history holds more than 256 MiB of state data, more than the local "
    "engine keeps for one execution (a loop that changes a large document at every turn?)."
)
#: Events an Express execution may record before it counts as looping until its deadline.
EXPRESS_EVENT_BUDGET = 50_000
#: Open executions started by tasks one world runs at once (AWS allows 1,000,000 open
#: executions per account and Region, however they were started).
MAX_OPEN_CHILD_EXECUTIONS = 1_000
#: How deep executions started by tasks (``states:startExecution``) may nest.
MAX_CHILD_DEPTH = 100
#: Open executions started by tasks, per world, counted as they start and end.
_OPEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Execution names: 1 to 80 characters, none of these (AWS's naming rules).
MAX_NAME_LENGTH = 80
_NAME_FORBIDDEN = re.compile(r'[\s<>{}\[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]')
DEFAULT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/StepFunctionsLocalRole"


@dataclass
class Execution:
    """One execution: its status, output or error, history and the states it entered."""

    execution_arn: str
    name: str
    state_machine_arn: str
    input: Any
    start_date: datetime
    status: str = "RUNNING"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    history: list[dict] = field(default_factory=list)
    states_entered: list[str] = field(default_factory=list)
    visits: list[StateVisit] = field(default_factory=list, repr=False)

    def inspect(self, state: str | int, *, inspection_level: str = "TRACE") -> dict:
        """TestState's stage-by-stage answer for one state this execution entered: by
        position in ``states_entered``, or by name (its last visit).

        See :func:`~course_lib.stepfunctions.teststate.inspect_execution` for all of them.
        """
        if isinstance(state, int):
            if not -len(self.visits) <= state < len(self.visits):
                raise IndexError(
                    f"state: this execution entered {len(self.visits)} states, no index {state}"
                )
            return inspect_visit(self.visits[state], inspection_level=inspection_level)
        for visit in reversed(self.visits):
            if visit.name == state:
                return inspect_visit(visit, inspection_level=inspection_level)
        raise KeyError(
            f"state: this execution never entered {state!r}; it entered {sorted(set(self.states_entered))}"
        )

    def describe(self) -> dict:
        """The DescribeExecution response for this execution."""
        out: dict[str, Any] = {
            "executionArn": self.execution_arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": self.start_date,
            "input": to_json(self.input),
            "inputDetails": {"included": True},
        }
        if self.stop_date is not None:
            out["stopDate"] = self.stop_date
        if self.status == "SUCCEEDED":
            out["output"] = to_json(self.output)
            out["outputDetails"] = {"included": True}
        if self.error is not None:
            out["error"] = self.error
        if self.cause is not None:
            out["cause"] = self.cause
        return out

    def to_dict(self) -> dict:
        """``status``, ``output``, ``error`` and ``cause``: the comparable result."""
        return {
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
        }


class _Run:
    """The mutable state of an execution while it runs."""

    def __init__(self, machine: StateMachine, execution: Execution) -> None:
        self.world = machine.world
        self.machine = machine
        self.execution = execution
        self.execution_arn = execution.execution_arn
        self.clock = Clock(self.world)
        express = machine.type == EXPRESS
        self.history = History(
            self.clock.datetime,
            limit=EXPRESS_EVENT_BUDGET if express else MAX_EVENTS,
            on_limit=self._runaway if express else self._history_full,
            text_limit=MAX_HISTORY_TEXT,
            on_text_limit=self._history_too_large,
        )
        execution.history = self.history.events
        self.handlers = machine.handlers
        self.tokens = TaskTokens.on(self.world)
        self.states_entered = execution.states_entered
        self.visits = execution.visits
        self.stopping = False
        self.main_proc: Any = None
        self.deadline: float | None = None
        self.started_at = self.world.now
        self.waiting_tokens = 0
        self.children: set = set()
        self.depth = 0  # how many task-started executions this one is below a start from outside
        self.context_execution = {
            "Id": execution.execution_arn,
            "Input": execution.input,
            "Name": execution.name,
            "RoleArn": machine.role_arn,
            "StartTime": format_timestamp(execution.start_date),
        }
        if not express:  # only Standard executions can be redriven; Express shows no count
            self.context_execution["RedriveCount"] = 0
        self.context_state_machine = {"Id": machine.arn, "Name": machine.name}

    def main(self):
        """The run itself: ExecutionStarted, the states, then ExecutionSucceeded/Failed."""
        thread = Thread()
        self.history.add(
            "ExecutionStarted",
            thread,
            {
                "input": to_json(self.execution.input),
                "inputDetails": {"truncated": False},
                "roleArn": self.machine.role_arn,
            },
        )
        interpreter = Interpreter(self)
        frame = Frame(Scope(), thread, self.machine.definition.get("QueryLanguage", JSONPATH))
        try:
            output = yield from interpreter.run_graph(
                self.machine.definition, self.execution.input, frame
            )
        except StatesError as err:
            self._fail(err)
            return
        except (Aborted, simpy.Interrupt):
            return
        except Exception as exc:  # a bug in the engine: the execution still ends
            self._fail(internal_error(exc))
            return
        self._finish("SUCCEEDED", output=output)
        self.history.add(
            "ExecutionSucceeded",
            thread,
            {"output": to_json(output), "outputDetails": {"truncated": False}},
        )

    def _fail(self, err: StatesError) -> None:
        details = error_details(err)
        if len(details.get("cause", "")) > MAX_CAUSE_LENGTH:  # AWS keeps 32,768 characters
            details["cause"] = details["cause"][:MAX_CAUSE_LENGTH]
        self._finish("FAILED", error=err.error, cause=details.get("cause"))
        self.history.add("ExecutionFailed", Thread(self.history.last_id), details)

    def _history_full(self) -> None:
        """The 25,000th event would not end the execution: it fails, as on AWS."""
        self.stop("FAILED", "ExecutionFailed", {"error": RUNTIME, "cause": LIMIT_CAUSE})
        raise Aborted()

    def _history_too_large(self) -> None:
        """The events would hold more data than the local engine keeps for one execution."""
        self.stop("FAILED", "ExecutionFailed", {"error": RUNTIME, "cause": HISTORY_TEXT_CAUSE})
        raise Aborted()

    def _runaway(self) -> None:
        """An Express execution looping in zero virtual time would run until its deadline."""
        self.stop("TIMED_OUT", "ExecutionTimedOut", {})
        if self.deadline is not None:
            self.execution.stop_date = self.execution.start_date + timedelta(
                seconds=self.deadline - self.started_at
            )
        raise Aborted()

    def supervise(self, timeout: float | None):
        """The execution's process. Its deadline (TimeoutSeconds, else a year or five
        minutes) is one every wait respects, so an execution that ends early leaves no
        timer behind on the world."""
        self.started_at = self.world.now
        if timeout is not None:
            self.deadline = self.world.now + timeout
        self.main_proc = self.world.env.process(self.main())
        yield self.main_proc

    def time_out(self) -> None:
        """Called by the wait that reached the deadline: the execution is TIMED_OUT."""
        self.stop("TIMED_OUT", "ExecutionTimedOut", {})

    def stop(self, status: str, event_type: str, details: dict) -> None:
        """End a running execution from outside (timeout or StopExecution)."""
        if self.execution.status != "RUNNING":
            return
        self.stopping = True
        current = self.world.env.active_process
        for proc in [self.main_proc, *self.children]:
            if proc is not None and proc.is_alive and proc is not current:
                proc.interrupt(status)
        self._finish(status, **{k: v for k, v in details.items() if k in ("error", "cause")})
        self.history.add(event_type, Thread(self.history.last_id), details)

    def _finish(self, status: str, **values: Any) -> None:
        if self.execution.status != "RUNNING":
            return
        if self.depth:
            _OPEN[self.world] -= 1
        self.execution.status = status
        self.execution.stop_date = self.world.timestamp()
        for key, value in values.items():
            setattr(self.execution, key, value)


class StateMachine:
    """A state machine on a world: start many executions, describe them, read their history."""

    def __init__(
        self,
        definition: dict | str,
        *,
        world: World,
        name: str | None = None,
        handlers: Mapping[str, Callable] | None = None,
        state_machine_type: str = STANDARD,
        role_arn: str | None = None,
    ) -> None:
        if state_machine_type not in (STANDARD, EXPRESS):
            raise ValueError(
                f"state_machine_type: must be 'STANDARD' or 'EXPRESS', got {state_machine_type!r}"
            )
        self.definition = load_definition(definition)
        problems = _validated(self.definition, state_machine_type)
        if problems:
            raise InvalidDefinition(problems)
        self.world = world
        self.name = name or world.next_id("StateMachine").replace("-", "_")
        self.type = state_machine_type
        self.role_arn = role_arn or DEFAULT_ROLE_ARN
        self.handlers = Handlers(handlers)
        self.arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{self.name}"
        self.creation_date = world.timestamp()
        self.executions: dict[str, Execution] = {}
        self._processes: dict[str, Any] = {}
        self._runs: dict[str, _Run] = {}
        TaskTokens.on(world)
        world.register(self.arn, self)

    def start_execution(self, input: Any = None, name: str | None = None) -> dict:
        """StartExecution: begins at the world's current virtual time; returns ``executionArn`` and ``startDate``."""
        return self.start_child_execution(input, name, depth=0)

    def start_child_execution(self, input: Any, name: str | None, *, depth: int) -> dict:
        """StartExecution from a task of an execution ``depth - 1`` levels below a start
        from outside: past ``MAX_CHILD_DEPTH`` levels it is refused (ExecutionLimitExceeded)."""
        if depth > MAX_CHILD_DEPTH:
            raise ValueError(
                f"ExecutionLimitExceeded: executions started by tasks nest {MAX_CHILD_DEPTH} "
                "levels deep at most in the local engine (does a state machine start itself?)"
            )
        value = _load_input(input)
        if len(utf8(to_json(value))) > MAX_PAYLOAD_BYTES:
            raise ValueError(
                f"InvalidExecutionInput: the input is larger than {MAX_PAYLOAD_BYTES} bytes (256 KiB)"
            )
        name = self.world.uuid() if name is None else check_execution_name(name)
        if self.type == EXPRESS:
            arn = (
                f"arn:aws:states:{REGION}:{ACCOUNT}:express:{self.name}:{name}:{self.world.uuid()}"
            )
        else:
            arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{self.name}:{name}"
        if arn in self.executions:
            raise ValueError(
                f"ExecutionAlreadyExists: an execution named {name!r} already exists for {self.arn}"
            )
        if depth and _OPEN.get(self.world, 0) >= MAX_OPEN_CHILD_EXECUTIONS:
            raise ValueError(
                f"ExecutionLimitExceeded: {MAX_OPEN_CHILD_EXECUTIONS} executions started by "
                "tasks are already open on this world (the local engine's limit)"
            )
        execution = Execution(arn, name, self.arn, value, self.world.timestamp())
        if depth:
            _OPEN[self.world] = _OPEN.get(self.world, 0) + 1
        self.executions[arn] = execution
        run = _Run(self, execution)
        run.depth = depth
        self._runs[arn] = run
        longest = EXPRESS_MAX_SECONDS if self.type == EXPRESS else STANDARD_MAX_SECONDS
        timeout = min(self.definition.get("TimeoutSeconds") or longest, longest)
        self._processes[arn] = self.world.env.process(run.supervise(timeout))
        return {"executionArn": arn, "startDate": execution.start_date}

    def describe_state_machine(self) -> dict:
        """DescribeStateMachine for this machine."""
        return {
            "stateMachineArn": self.arn,
            "name": self.name,
            "status": "ACTIVE",
            "definition": json.dumps(self.definition),
            "roleArn": self.role_arn,
            "type": self.type,
            "creationDate": self.creation_date,
        }

    def list_executions(self, status_filter: str | None = None) -> dict:
        """ListExecutions: newest first, optionally only those with ``status_filter``."""
        found = [
            {
                "executionArn": e.execution_arn,
                "stateMachineArn": self.arn,
                "name": e.name,
                "status": e.status,
                "startDate": e.start_date,
                **({"stopDate": e.stop_date} if e.stop_date is not None else {}),
            }
            for e in reversed(self.executions.values())
            if status_filter is None or e.status == status_filter
        ]
        return {"executions": found}

    def stop_execution(self, arn: str, error: str | None = None, cause: str | None = None) -> dict:
        """StopExecution: a running execution ends ABORTED at the current virtual time."""
        execution = self.execution(arn)
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        self._runs[arn].stop("ABORTED", "ExecutionAborted", details)
        return {"stopDate": execution.stop_date}

    def execution(self, arn: str) -> Execution:
        """The :class:`Execution` object for ``arn`` (it updates as the execution runs)."""
        try:
            return self.executions[arn]
        except KeyError:
            raise LookupError(f"ExecutionDoesNotExist: {arn}") from None

    def describe_execution(self, arn: str) -> dict:
        """DescribeExecution for ``arn``."""
        return self.execution(arn).describe()

    def get_execution_history(self, arn: str) -> dict:
        """GetExecutionHistory (``{"events": [...]}``). AWS keeps no history for EXPRESS."""
        if self.type == EXPRESS:
            raise ValueError(
                "UnsupportedOperation: GetExecutionHistory is not supported by EXPRESS state machines"
            )
        return {"events": list(self.execution(arn).history)}

    def process(self, arn: str) -> Any:
        """The SimPy process of an execution (to ``world.run(until=...)`` it)."""
        return self._processes[arn]


_VALIDATED: dict[tuple[str, str], list] = {}


def _validated(definition: dict, state_machine_type: str) -> list:
    """validate(), remembered per definition text: lessons start the same machine often."""
    key = (json.dumps(definition, sort_keys=True), state_machine_type)
    if key not in _VALIDATED:
        if len(_VALIDATED) >= 256:
            _VALIDATED.clear()
        _VALIDATED[key] = validate(definition, state_machine_type=state_machine_type)
    return _VALIDATED[key]


def _load_input(value: Any) -> Any:
    """StartExecution's input: JSON text (``str`` or UTF-8 ``bytes``) or a JSON value.

    Raises :class:`~course_lib.strict_json.JsonError` (a ValueError naming ``input``)
    for NaN, Infinity, invalid UTF-8, nesting past 1,000 levels or non-JSON values."""
    if value is None:
        return {}
    if isinstance(value, str | bytes | bytearray):
        return strict_json.loads(value, field="input", max_depth=MAX_JSON_DEPTH)
    strict_json.check(value, field="input", max_depth=MAX_JSON_DEPTH)
    return json.loads(strict_json.dumps(value, field="input"))


def check_execution_name(name: Any) -> str:
    """An execution name as StartExecution accepts it; ValueError (InvalidName) otherwise."""
    if not isinstance(name, str):
        raise ValueError(f"InvalidName: name must be a string, not {type(name).__name__}")
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise ValueError(
            f"InvalidName: name must have 1 to {MAX_NAME_LENGTH} characters, got {len(name)}"
        )
    bad = _NAME_FORBIDDEN.search(name)
    if bad:
        raise ValueError(f"InvalidName: name must not contain {bad.group(0)!r}: {name!r}")
    return name


def execute(
    definition: dict | str,
    input: Any = None,
    *,
    handlers: Mapping[str, Callable] | None = None,
    state_machine_type: str = STANDARD,
    world: World | None = None,
    name: str | None = None,
    state_machine_name: str | None = None,
    role_arn: str | None = None,
) -> Execution:
    """Run one execution to its end on virtual time and return it.

    ``definition`` is a dict or JSON text. ``input`` is a JSON value; a ``str`` is read
    as JSON text, as StartExecution reads it (pass ``'"text"'`` for a JSON string).

    A new :class:`~course_lib.sim.World` is made unless ``world`` is given. When a
    task waits for a token nobody sends, stepping stops before the execution's
    deadline (a year for Standard) and the execution is returned with status
    ``RUNNING``, so a later ``send_task_success`` can still resume it. Every other
    execution is returned ended (see the module's notes on AWS's limits).
    """
    world = world if world is not None else World()
    machine = StateMachine(
        definition,
        world=world,
        name=state_machine_name,
        handlers=handlers,
        state_machine_type=state_machine_type,
        role_arn=role_arn,
    )
    arn = machine.start_execution(input, name=name)["executionArn"]
    proc = machine.process(arn)
    run = machine._runs[arn]
    horizon = world.now + STANDARD_MAX_SECONDS
    while not proc.triggered and world.env.peek() != float("inf"):
        if run.waiting_tokens and world.env.peek() >= horizon:
            break
        world.env.step()
    if proc.triggered and not proc.ok:  # the supervisor failed: surface it, never RUNNING
        proc.defused = True
        raise proc.value
    return machine.execution(arn)
