"""TestState: run one state the way AWS's TestState API does and see the data after each stage.

Learners stumble most over how data moves through a single state: InputPath,
Parameters, the task's result, ResultSelector, ResultPath, OutputPath (Arguments,
Output and Assign in JSONata). ``test_state`` answers like AWS's TestState: it runs
one state (given alone, or by name inside a whole state machine) on an input, and
at the ``DEBUG`` or ``TRACE`` inspection level returns ``inspectionData`` with the
JSON after every stage. A Task, Map or Parallel takes a mock of its result or error
(:mod:`~course_lib.stepfunctions.mocks`); a Retry that would fire answers
``RETRIABLE`` with the interval it would wait, a Catch that matches answers
``CAUGHT_ERROR`` with the next state.

:func:`inspect_execution` gives the same stage-by-stage view of every state a local
execution entered: each visit is replayed through TestState with the input,
variables and context object it saw, its task's recorded result as the mock.

Values in the response are Python values (AWS sends them as JSON text).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Protocol

from course_lib import strict_json
from course_lib.sim.world import World
from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.branches import tolerance_exceeded
from course_lib.stepfunctions.callbacks import MAX_CAUSE_LENGTH
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import (
    InvalidDefinition,
    StatesError,
    ValidationException,
    check_length,
)
from course_lib.stepfunctions.history import History
from course_lib.stepfunctions.integrations import (
    ACCOUNT,
    MAX_JSON_DEPTH,
    MAX_PAYLOAD_BYTES,
    REGION,
    Handlers,
    parse_resource,
)
from course_lib.stepfunctions.interpreter import Interpreter
from course_lib.stepfunctions.intrinsics import utf8
from course_lib.stepfunctions.mocks import Mock, check_task_result, parse_mock
from course_lib.stepfunctions.retrying import DEFAULT_RETRY, retry_delay
from course_lib.stepfunctions.runtime import (
    DEEP_OUTPUT,
    JSONATA,
    JSONPATH,
    StateVisit,
    nests_deeper_than,
)
from course_lib.stepfunctions.timestamps import format_timestamp
from course_lib.stepfunctions.validation import MAX_DEFINITION_CHARS, validate
from course_lib.stepfunctions.variables import Scope

LEVELS = ("INFO", "DEBUG", "TRACE")
#: The API's limit on the request's JSON text fields (input, variables, context, a mocked
#: result...), in characters.
MAX_TEXT_CHARS = 262_144


class Visited(Protocol):
    """What :func:`inspect_execution` reads of an execution: the states it entered, in order."""

    visits: list[StateVisit]


#: The name AWS gives the state under test (in ``$$.State.Name`` and in a lone state's checks).
STATE_NAME = "StateName"
#: The states that call something: only they take a mock (Map and Parallel need one),
#: and only they retry (their context object counts the retries).
MOCKABLE = ("Task", "Map", "Parallel")
_CONFIG_KEYS = ("errorCausedByState", "mapItemReaderData", "mapIterationFailureCount",
                "retrierRetryCount")  # fmt: skip
#: The fields a mocked context object may hold, with the JSON type of each (None: any).
_CONTEXT_FIELDS: dict[str, dict[str, type | None]] = {
    "Execution": {
        "Id": str,
        "Input": None,
        "Name": str,
        "RoleArn": str,
        "StartTime": str,
        "RedriveCount": int,
        "RedriveTime": str,
    },
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
_BAD_CONTEXT = "Invalid Context object provided: "


def test_state(
    definition: dict | str,
    input: Any,
    *,
    inspection_level: str = "INFO",
    state_name: str | None = None,
    mock: dict | None = None,
    variables: dict | str | None = None,
    context: dict | str | None = None,
    state_configuration: dict | None = None,
    reveal_secrets: bool = False,
    role_arn: str | None = None,
) -> dict:
    """Run one state as AWS's TestState does; return ``{"status", "output", "error",
    "cause", "nextState", "inspectionData"}`` with only the fields AWS would send.

    ``definition`` is one state, or a whole state machine with ``state_name`` naming the
    state to test (at any depth). ``input``, ``variables`` and ``context`` are JSON values
    (a ``str`` is read as JSON text). ``mock`` is AWS's: ``{"result": "<JSON text>"}`` or
    ``{"errorOutput": {"error", "cause"}}``, with ``"fieldValidationMode"`` STRICT
    (default), PRESENT or NONE. ``state_configuration`` takes AWS's
    ``retrierRetryCount``, ``mapIterationFailureCount``, ``mapItemReaderData`` and
    ``errorCausedByState``. ``role_arn`` shows as ``$$.Execution.RoleArn``.

    A request AWS would refuse raises :class:`ValidationException` or
    :class:`InvalidDefinition`, each with AWS's ``code`` and message.
    """
    _check_level(inspection_level)
    _check_scalars(role_arn, reveal_secrets, state_name)
    state, ql, name = _select_state(
        _json_argument(definition, "definition", MAX_DEFINITION_CHARS), state_name
    )
    parsed = parse_mock(mock) if mock is not None else None
    config = _configuration(state_configuration)
    _check_request(state, parsed, config, reveal_secrets)
    raw_input = {} if input is None else _json_argument(input, "input")
    scope_values = _variables(variables)
    world = World()
    if context is not None:
        context_object = _json_argument(context, "context")
        _check_context(context_object, state)
    else:
        context_object = default_context(world, state, raw_input, role_arn, config)
    if parsed is not None:
        _check_mock_result(state, parsed, config)
    single = _SingleState(
        state, ql, name, raw_input, parsed, config, scope_values, context_object, world
    )
    return single.respond(inspection_level)


test_state.__test__ = False  # a library function, not a pytest test


def inspect_execution(execution: Visited, *, inspection_level: str = "TRACE") -> list[dict]:
    """TestState's answer for every state an execution entered, in the order entered.

    Each entry is a TestState response plus ``"stateName"``: the state replayed on the
    input, variables and context object it saw, with its task's (or Map's, or
    Parallel's) recorded result or error as the mock, and the retries it had spent.
    A state still running when the execution stopped shows only its input.
    """
    return [inspect_visit(visit, inspection_level=inspection_level) for visit in execution.visits]


def inspect_visit(visit: StateVisit, *, inspection_level: str = "TRACE") -> dict:
    """TestState's answer for one recorded state visit (see :func:`inspect_execution`)."""
    _check_level(inspection_level)
    kind = visit.state["Type"]
    if kind in MOCKABLE and visit.outcome is None:
        return {
            "stateName": visit.name,
            "status": "RUNNING",
            "inspectionData": {"input": visit.input},
        }
    parsed = None
    config: dict = {}
    if kind in MOCKABLE:
        if isinstance(visit.outcome, StatesError):
            parsed = Mock(error=visit.outcome, mode="NONE")
        else:
            parsed = Mock(result=visit.outcome, mode="NONE")
        config["retrierRetryCount"] = visit.retries
    single = _SingleState(
        visit.state,
        visit.query_language,
        visit.name,
        visit.input,
        parsed,
        config,
        dict(visit.variables),
        visit.context,
        World(),
        visit.entered_event_id,
    )
    return {"stateName": visit.name, **single.respond(inspection_level)}


def default_context(
    world: World, state: dict, raw_input: Any, role_arn: str | None, config: dict
) -> dict:
    """The context object TestState gives a state when none is mocked: a fresh express
    execution of a one-state machine (``$$.State.Name`` is ``"StateName"``, as on AWS)."""
    machine, execution = world.uuid(), world.uuid()
    started = format_timestamp(world.timestamp())
    state_info: dict = {"EnteredTime": started, "Name": STATE_NAME}
    if state["Type"] in MOCKABLE:
        state_info["RetryCount"] = config.get("retrierRetryCount", 0)
    context = {
        "Execution": {
            "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:express:{machine}:{execution}",
            "Input": raw_input,
            "Name": execution,
            "RoleArn": role_arn,
            "StartTime": started,
        },
        "State": state_info,
        "StateMachine": {
            "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine}",
            "Name": machine,
        },
    }
    target = parse_resource(state.get("Resource")) if state["Type"] == "Task" else None
    if target is not None and target.pattern == "waitForTaskToken":
        context["Task"] = {"Token": world.uuid()}
    return context


# -- the request ---------------------------------------------------------------------------
def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValidationException(
            f"inspectionLevel: must be one of INFO, DEBUG, TRACE, got {level!r}"
        )


def _json_argument(value: Any, name: str, limit: int = MAX_TEXT_CHARS) -> Any:
    """A request argument as JSON: text (``str`` or UTF-8 ``bytes``) or a JSON value,
    read strictly (no NaN or Infinity, at most 1,000 levels deep), and no longer as
    text than the API allows (a value counts as its compact JSON text)."""
    try:
        if isinstance(value, str | bytes | bytearray):
            text = value
            parsed = strict_json.loads(value, field=name, max_depth=MAX_JSON_DEPTH)
        else:
            strict_json.check(value, field=name, max_depth=MAX_JSON_DEPTH)
            text = strict_json.dumps(value, field=name, separators=(",", ":"))
            parsed = json.loads(text)
    except strict_json.JsonError as exc:
        raise ValidationException(f"{exc.field}: {exc.reason}") from None
    check_length(name, text, limit)
    return parsed


def _check_scalars(role_arn: Any, reveal_secrets: Any, state_name: Any) -> None:
    """roleArn (1 to 256 characters), revealSecrets (a boolean), stateName (at most 80)."""
    if role_arn is not None:
        if not isinstance(role_arn, str):
            raise ValidationException(f"roleArn: must be a string, got {type(role_arn).__name__}")
        check_length("roleArn", role_arn, 256, 1)
    if not isinstance(reveal_secrets, bool):
        raise ValidationException(
            f"revealSecrets: must be true or false, got {type(reveal_secrets).__name__}"
        )
    if isinstance(state_name, str):
        check_length("stateName", state_name, 80)


def _definition_error(problems: list) -> InvalidDefinition:
    listed = ", ".join(f"{d.code}: {d.message} at {d.location}" for d in problems)
    return InvalidDefinition(problems, f"Invalid State Machine Definition: '{listed}'")


def _select_state(document: Any, state_name: str | None) -> tuple[dict, str, str]:
    """The state under test, its query language and its name."""
    if not isinstance(document, dict):
        raise InvalidDefinition(
            [], "Invalid State Machine Definition: the definition must be a JSON object"
        )
    is_machine = "States" in document and "Type" not in document
    if state_name is not None and (not isinstance(state_name, str) or not state_name):
        raise ValidationException(
            f"stateName: must be a non-empty string, got {type(state_name).__name__}"
        )
    if state_name is None:
        if is_machine:
            raise ValidationException(
                "stateName: required when the definition is a whole state machine "
                "(name the state to test)"
            )
        problems = [p for p in validate(_one_state_machine(document)) if p.severity == "ERROR"]
        if problems:
            raise _definition_error(problems)
        return document, document.get("QueryLanguage", JSONPATH), STATE_NAME
    if not is_machine:
        raise ValidationException(
            "stateName: only for a whole state machine; this definition is a single state"
        )
    problems = [p for p in validate(document) if p.severity == "ERROR"]
    if problems:
        raise _definition_error(problems)
    state = _find_state(document, state_name)
    if state is None:
        raise ValidationException(f"stateName: no state named {state_name!r} in the definition")
    return state, state.get("QueryLanguage", document.get("QueryLanguage", JSONPATH)), state_name


def _one_state_machine(state: dict) -> dict:
    """A lone state wrapped as AWS checks it: ``StateName``, its targets as Succeed states."""
    targets = [state.get("Next"), state.get("Default")]
    for key in ("Choices", "Catch"):
        rules = state.get(key)
        if isinstance(rules, list):
            targets += [r.get("Next") for r in rules if isinstance(r, dict)]
    states: dict = {t: {"Type": "Succeed"} for t in targets if isinstance(t, str)}
    states[STATE_NAME] = state
    return {"StartAt": STATE_NAME, "States": states}


def _find_state(graph: dict, name: str) -> dict | None:
    """A state by name at any depth (inside Map processors and Parallel branches)."""
    states = graph.get("States", {})
    if name in states:
        return states[name]
    for state in states.values():
        inner = [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]
        for sub in inner:
            found = _find_state(sub, name) if isinstance(sub, dict) else None
            if found is not None:
                return found
    return None


def _configuration(config: Any) -> dict:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ValidationException("stateConfiguration: must be an object")
    config = {k: v for k, v in config.items() if v is not None}  # null is no value, as in JSON
    unknown = sorted(set(config) - set(_CONFIG_KEYS))
    if unknown:
        raise ValidationException(
            f"stateConfiguration: unknown field(s) {unknown}; allowed: {', '.join(_CONFIG_KEYS)}"
        )
    for key in ("retrierRetryCount", "mapIterationFailureCount"):
        value = config.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31
        ):
            raise ValidationException(
                f"stateConfiguration.{key}: must be an integer from 0 to {2**31 - 1}"
            )
    for key, high in (("errorCausedByState", 80), ("mapItemReaderData", MAX_TEXT_CHARS)):
        if key in config and not isinstance(config[key], str):
            raise ValidationException(f"stateConfiguration.{key}: must be a string")
        if key in config:
            check_length(f"stateConfiguration.{key}", config[key], high)
    return dict(config)


def _check_request(state: dict, mock: Mock | None, config: dict, reveal_secrets: bool) -> None:
    """The checks AWS makes before running anything, in AWS's order."""
    kind = state["Type"]
    if mock is None and "mapIterationFailureCount" in config:
        raise ValidationException(
            "TestState does not support MapIterationFailureCount when a mock is not specified."
        )
    if mock is None and kind in ("Map", "Parallel"):
        raise InvalidDefinition(
            [],
            "TestState API does not support Map or Parallel states. "
            "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
        )
    if mock is not None and kind not in MOCKABLE:
        raise ValidationException(f"State type '{kind}' is not supported when a mock is specified")
    if mock is not None and reveal_secrets:
        raise ValidationException(
            "TestState does not support RevealSecrets when a mock is specified."
        )
    if mock is None and kind == "Task":
        raise ValidationException(
            "A Task state needs a mock here: this local TestState cannot call the real service. "
            "Pass mock={'result': '<JSON text>'} or mock={'errorOutput': {'error': ..., "
            "'cause': ...}}"
        )
    for key in ("mapIterationFailureCount", "mapItemReaderData"):
        if key in config and kind != "Map":
            raise ValidationException(f"stateConfiguration.{key}: only for a Map state")
    caused_by = config.get("errorCausedByState")
    if caused_by is not None and (
        kind not in ("Map", "Parallel") or _find_state(_children(state), caused_by) is None
    ):
        raise ValidationException(
            f"stateConfiguration.errorCausedByState: {caused_by!r} is not a state inside "
            "the Map or Parallel state under test"
        )


def _children(state: dict) -> dict:
    """The states inside a Map or Parallel, as one graph to search."""
    graphs = [state.get("ItemProcessor") or state.get("Iterator") or {}, *state.get("Branches", [])]
    merged: dict = {}
    for graph in graphs:
        merged.update(graph.get("States", {}))
    return {"States": merged}


def _variables(variables: Any) -> dict:
    if variables is None:
        return {}
    value = _json_argument(variables, "variables")
    if not isinstance(value, dict):
        raise ValidationException("variables: must be a JSON object of variable names to values")
    return value


def _check_context(context: Any, state: dict) -> None:
    """A mocked context object holds only the fields AWS allows, with their types."""
    if not isinstance(context, dict):
        raise ValidationException(_BAD_CONTEXT + "the context object must be a JSON object")
    for key, fields in context.items():
        if key == "Map":
            raise ValidationException(
                _BAD_CONTEXT + "'Map' field is not supported when mocking a Context object"
            )
        if key not in _CONTEXT_FIELDS:
            raise ValidationException(_BAD_CONTEXT + f"Field '{key}' is not allowed")
        if not isinstance(fields, dict):
            raise ValidationException(_BAD_CONTEXT + f"{key} must be an object")
        for field, value in fields.items():
            if field not in _CONTEXT_FIELDS[key]:
                raise ValidationException(_BAD_CONTEXT + f"Field '{field}' is not allowed")
            expected = _CONTEXT_FIELDS[key][field]
            if expected is str and not isinstance(value, str):
                raise ValidationException(_BAD_CONTEXT + f"{key}.{field} must be a string")
            if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationException(_BAD_CONTEXT + f"{key}.{field} must be a number")
    if "Task" in context:
        target = parse_resource(state.get("Resource")) if state["Type"] == "Task" else None
        if target is None or not target.pattern:
            raise ValidationException(
                _BAD_CONTEXT + "Context object contains 'Task' when state is not a Task state "
                "with a '.sync' or '.waitForTaskToken' service integration pattern"
            )


def _check_mock_result(state: dict, mock: Mock, config: dict) -> None:
    """A mocked result fits the state: an array per Map item or Parallel branch, or the
    integration's response shape for a Task."""
    if not mock.has_result:
        return
    kind, result = state["Type"], mock.result
    if kind == "Parallel":
        if not isinstance(result, list):
            raise ValidationException("Mocked result must be an array.")
        if len(result) != len(state["Branches"]):
            raise ValidationException(
                "Mocked result must contain the same number of items as number of Parallel branches."
            )
    elif kind == "Map":
        if "ResultWriter" in state:
            if not isinstance(result, dict):
                raise ValidationException("Mocked result must be a JSON object.")
        elif not isinstance(result, list):
            raise ValidationException("Mocked result must be an array.")
        failures = config.get("mapIterationFailureCount")
        if failures is not None and isinstance(result, list) and failures > len(result):
            raise ValidationException(
                "Map iteration failure count must be less than or equal to the number of Map iterations"
            )
    else:
        check_task_result(state["Resource"], result, mock.mode)


# -- the run -----------------------------------------------------------------------------
class _SingleState:
    """One state run once: the stages recorded as they happen, then AWS's response."""

    def __init__(
        self,
        state: dict,
        ql: str,
        name: str,
        raw_input: Any,
        mock: Mock | None,
        config: dict,
        variables: dict,
        context: dict,
        world: World,
        entered_event_id: int = 2,
    ) -> None:
        """``entered_event_id`` is the history event error causes name (a lone state
        is event 2, after ExecutionStarted)."""
        self.state = state
        self.kind = state["Type"]
        self.ql = ql
        self.name = name
        self.raw = raw_input
        self.mock = mock
        self.config = config
        self.given_variables = variables
        self.stages: dict[str, Any] = {"input": raw_input}
        self.ctx = EvalContext(
            state_name=name,
            entered_event_id=entered_event_id,
            context_object=context,
            scope=Scope(values=variables),
            random=world.rng("stepfunctions/test-state"),
            uuid=world.uuid,
            now_millis=lambda: round(world.timestamp().timestamp() * 1000),
        )
        run = SimpleNamespace(
            world=world,
            history=History(world.timestamp, enabled=False),
            handlers=Handlers(None),
            states_entered=[],
            execution_arn=context.get("Execution", {}).get("Id", ""),
            deadline=None,
            visits=[],
        )
        # The interpreter's own state logic, so a state here computes what it computes
        # in an execution.
        self.engine = Interpreter(run)

    def respond(self, level: str) -> dict:
        response: dict[str, Any] = {}
        assigned: dict = {}
        try:
            output, next_state, assigned = getattr(self, f"_{self.kind.lower()}")()
        except StatesError as err:
            try:
                handled, assigned = self._handle_error(err)
            except StatesError as late:  # the catcher's own ResultPath, Output or Assign failed
                handled = {"status": "FAILED", "error": late.error, "cause": late.cause}
            response.update(handled)
        else:
            response["status"] = "SUCCEEDED"
            response["output"] = output
            if next_state is not None and not self.state.get("End"):
                response["nextState"] = next_state
        if "output" in response:  # the limits an execution's states keep
            text = to_json(response["output"])
            if len(utf8(text)) > MAX_PAYLOAD_BYTES:
                err = Interpreter._data_limit(self.name)
                response = {"status": "FAILED", "error": err.error, "cause": err.cause}
            elif nests_deeper_than(text, MAX_JSON_DEPTH):
                err = self.ctx.error(errors.RUNTIME, DEEP_OUTPUT)
                response = {"status": "FAILED", "error": err.error, "cause": err.cause}
        if len(response.get("cause") or "") > MAX_CAUSE_LENGTH:  # as the API returns it
            response["cause"] = response["cause"][:MAX_CAUSE_LENGTH]
        if level != "INFO":
            visible = {**self.given_variables, **assigned}
            if visible:
                self.stages["variables"] = visible
            response["inspectionData"] = self.stages
        return response

    # -- errors: Retry, then Catch --------------------------------------------------------
    def _handle_error(self, err: StatesError) -> tuple[dict, dict]:
        """The answer to an error, and the variables a matching catcher assigns."""
        out: dict[str, Any] = {"status": "FAILED", "error": err.error}
        if err.cause is not None:
            out["cause"] = err.cause
        retried = self.config.get("retrierRetryCount", 0)
        details: dict = {}
        for index, retrier in enumerate(self.state.get("Retry", [])):
            if not errors.error_matches(err.error, retrier["ErrorEquals"]):
                continue
            details["retryIndex"] = index
            retrier = {**DEFAULT_RETRY, **retrier}
            if retried < retrier["MaxAttempts"]:
                out["status"] = "RETRIABLE"
                delay = retry_delay(retrier, retried, self.ctx.random)
                details["retryBackoffIntervalSeconds"] = (
                    int(delay) if delay == int(delay) else delay
                )
                self.stages["errorDetails"] = details
                return out, {}
            break
        assigned: dict = {}
        for index, catcher in enumerate(self.state.get("Catch", [])):
            if errors.error_matches(err.error, catcher["ErrorEquals"]):
                details["catchIndex"] = index
                out["status"] = "CAUGHT_ERROR"
                caught = self.engine._caught(catcher, err, self.raw, self.ctx, self.ql)
                out["output"], assigned = caught.output, caught.assigned
                out["nextState"] = catcher["Next"]
                break
        if details:
            self.stages["errorDetails"] = details
        return out, assigned

    # -- states ---------------------------------------------------------------------------
    def _effective_input(self) -> Any:
        effective = dataflow.apply_input_path(self.state, self.raw, self.ctx)
        self.stages["afterInputPath"] = effective
        return effective

    def _pass(self):
        if self.ql == JSONATA:
            return self.engine._state_pass(self.name, self.state, self.raw, self.ctx, None, self.ql)
        if "Result" in self.state:
            # InputPath still applies (a path that selects nothing fails the state, as in
            # an execution); AWS just does not show its stage beside a Result.
            dataflow.apply_input_path(self.state, self.raw, self.ctx)
            result = self.state["Result"]
            self.stages["result"] = result
        else:
            effective = self._effective_input()
            result = dataflow.apply_parameters(self.state, effective, self.ctx)
            self.stages["afterParameters"] = result
        self.stages["afterResultSelector"] = result
        assigned = self._assign_jsonpath(self.state, result)
        placed = dataflow.apply_result_path(self.state, self.raw, result, self.ctx)
        self.stages["afterResultPath"] = placed
        return (
            dataflow.apply_output_path(self.state, placed, self.ctx),
            self.state.get("Next"),
            assigned,
        )

    def _succeed(self):
        if self.ql == JSONPATH:
            self._effective_input()
        return self.engine._state_succeed(self.name, self.state, self.raw, self.ctx, None, self.ql)

    def _fail(self):
        if self.ql == JSONPATH:
            self._effective_input()
        return self.engine._state_fail(self.name, self.state, self.raw, self.ctx, None, self.ql)

    def _choice(self):
        if self.ql == JSONPATH:
            self._effective_input()
        return self.engine._state_choice(self.name, self.state, self.raw, self.ctx, None, self.ql)

    def _wait(self):
        """A Wait checks its time as it would in an execution, but TestState does not wait."""
        if self.ql == JSONATA:
            states = jsonata_mode.states_variable(self.ctx, self.raw)
            self.engine._jsonata_wait_delay(self.state, self.ctx, states)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                self.state, self.ctx, states, self.raw
            )
            return output, self.state.get("Next"), assigned
        effective = self._effective_input()
        self.engine._jsonpath_wait_delay(self.state, effective, self.ctx)
        assigned = self._assign_jsonpath(self.state, effective)
        output = dataflow.apply_output_path(self.state, effective, self.ctx)
        return output, self.state.get("Next"), assigned

    def _task(self):
        if self.ql == JSONATA:
            payload = self.raw
            if "Arguments" in self.state:
                states = jsonata_mode.states_variable(self.ctx, self.raw)
                payload = jsonata_mode.evaluate_template(
                    self.state["Arguments"], self.ctx, states, "Arguments"
                )
            self.stages["afterArguments"] = payload
        else:
            effective = self._effective_input()
            self.stages["afterParameters"] = dataflow.apply_parameters(
                self.state, effective, self.ctx
            )
        result = self._mocked()
        self.stages["result"] = result
        return self._finish(result)

    def _parallel(self):
        if self.ql == JSONATA and "Arguments" in self.state:
            states = jsonata_mode.states_variable(self.ctx, self.raw)
            jsonata_mode.evaluate_template(self.state["Arguments"], self.ctx, states, "Arguments")
        elif self.ql == JSONPATH:
            effective = dataflow.apply_input_path(self.state, self.raw, self.ctx)
            dataflow.apply_parameters(self.state, effective, self.ctx)
        return self._finish(self._mocked())

    def _map(self):
        state, ctx, ql = self.state, self.ctx, self.ql
        value_in = self.raw if ql == JSONATA else self._effective_input()
        items = self._map_items(value_in)
        selector = next((k for k in ("ItemSelector", "Parameters") if k in state), None)
        if items is not None and selector is not None:
            items = self.engine._map_item_inputs(
                items, selector, state, value_in, ctx, ql, self.raw
            )
            self.stages["afterItemSelector"] = items
        if items is not None and "ItemBatcher" in state:
            items = self.engine._batches(state["ItemBatcher"], items, value_in, ctx, ql, self.raw)
            self.stages["afterItemBatcher"] = items
        self.stages["maxConcurrency"] = (
            self.engine._map_number(state, "MaxConcurrency", value_in, ctx, ql, "integer") or 0
        )
        count = self.engine._map_number(
            state, "ToleratedFailureCount", value_in, ctx, ql, "integer"
        )
        percentage = self.engine._map_number(
            state, "ToleratedFailurePercentage", value_in, ctx, ql, "float"
        )
        if count is not None:
            self.stages["toleratedFailureCount"] = count
        if percentage is not None:
            self.stages["toleratedFailurePercentage"] = percentage
        result = self._mocked()
        failures = self.config.get("mapIterationFailureCount", 0)
        total = len(result) if isinstance(result, list) else len(items or [])
        tolerated = count is not None or percentage is not None
        if failures and tolerated and tolerance_exceeded(failures, total, count, percentage):
            raise StatesError(
                errors.EXCEED_TOLERATED_FAILURE,
                "The specified tolerated failure threshold was exceeded",
            )
        return self._finish(result)

    def _map_items(self, value_in: Any) -> list | None:
        """The items a Map iterates (None when an ItemReader would read them and no
        ``mapItemReaderData`` stands in for the reader)."""
        state, ctx = self.state, self.ctx
        if "ItemReader" in state:
            data = self.config.get("mapItemReaderData")
            if data is None:
                return None
            items = _json_argument(data, "stateConfiguration.mapItemReaderData")
            if not isinstance(items, list):
                raise ValidationException("stateConfiguration.mapItemReaderData: must be an array")
            return items
        if self.ql == JSONATA:
            if "Items" in state:
                states = jsonata_mode.states_variable(ctx, self.raw)
                return jsonata_mode.evaluate_typed(state["Items"], ctx, states, "Items", "array")
            if not isinstance(self.raw, list):
                raise ctx.error(
                    errors.QUERY_EVALUATION_ERROR,
                    f"Map state input must be an array but was: {dataflow.to_json(self.raw)}",
                )
            return self.raw
        path = state.get("ItemsPath", "$")
        items = dataflow.select_required(path, value_in, ctx, "ItemsPath")
        if not isinstance(items, list):
            shown = path[1:] if path.startswith("$$") else path
            raise StatesError(errors.RUNTIME, f'Reference path "{shown}" must point to array.')
        if "ItemsPath" in state:
            self.stages["afterItemsPath"] = items
        return items

    # -- shared pieces --------------------------------------------------------------------
    def _mocked(self) -> Any:
        if self.mock.error is not None:
            raise self.mock.error
        return self.mock.result

    def _assign_jsonpath(self, holder: dict, value: Any) -> dict:
        if "Assign" not in holder:
            return {}
        return dataflow.evaluate_assign_jsonpath(holder["Assign"], value, self.ctx)

    def _finish(self, result: Any):
        """What follows the result of a Task, Map or Parallel."""
        if self.ql == JSONATA:
            states = jsonata_mode.states_variable(self.ctx, self.raw, result=result)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                self.state, self.ctx, states, result
            )
            return output, self.state.get("Next"), assigned
        selected = dataflow.apply_result_selector(self.state, result, self.ctx)
        self.stages["afterResultSelector"] = selected
        assigned = self._assign_jsonpath(self.state, selected)
        placed = dataflow.apply_result_path(self.state, self.raw, selected, self.ctx)
        self.stages["afterResultPath"] = placed
        output = dataflow.apply_output_path(self.state, placed, self.ctx)
        return output, self.state.get("Next"), assigned
