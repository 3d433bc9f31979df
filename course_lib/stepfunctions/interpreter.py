"""The interpreter: runs a state machine as SimPy processes on a World's virtual clock.

Each state type has one method. Data flow uses the stage functions of
:mod:`~course_lib.stepfunctions.dataflow` (JSONPath) and
:mod:`~course_lib.stepfunctions.jsonata_mode` (JSONata); Retry and Catch wrap Task,
Map and Parallel. Map iterations and Parallel branches are child processes, so
their Waits overlap in virtual time as they do on AWS.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from typing import Any

import simpy

from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.choice import rule_matches
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.history import History, Thread
from course_lib.stepfunctions.integrations import (
    MAX_PAYLOAD_BYTES,
    DataLimit,
    Handlers,
    Outcome,
    ServiceContext,
    call_lambda,
    check_put_events_response,
    function_arn,
    json_result,
    lambda_invoke_result,
    missing_handler,
    parse_resource,
    put_events_entries,
)
from course_lib.stepfunctions.jsonpath import MISSING
from course_lib.stepfunctions.timestamps import parse_timestamp
from course_lib.stepfunctions.variables import Scope

JSONPATH = "JSONPath"
JSONATA = "JSONata"
DEFAULT_RETRY = {"IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}
_TIMEOUTS = (errors.TIMEOUT, errors.HEARTBEAT_TIMEOUT)
#: State types that never wait: plain functions rather than generators.
INSTANT_STATES = frozenset({"Pass", "Succeed", "Fail", "Choice"})
#: How many iterations AWS runs at once when MaxConcurrency is 0 or absent.
INLINE_CONCURRENCY = 40
DISTRIBUTED_CONCURRENCY = 10000


@dataclass
class Frame:
    """Where a state runs: its scope of variables, its history thread, its query language."""

    scope: Scope
    thread: Thread
    query_language: str


@dataclass
class StateVisit:
    """One state entered by an execution, with what it saw and what its work returned.

    ``outcome`` is the result (or the :class:`StatesError`) of a Task, Map or Parallel,
    None while it runs; ``retries`` is how often the retrier that met the last error
    had fired. TestState replays a visit stage by stage (``Execution.inspect``)."""

    name: str
    entered_event_id: int
    state: dict
    query_language: str
    input: Any
    variables: dict
    context: dict
    outcome: Any = None
    retries: int = 0


class Aborted(Exception):
    """Raised inside a branch or iteration that was stopped because a sibling failed."""


class Interpreter:
    """Runs one execution. Create it, then run :meth:`process` as a SimPy process."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.world = run.world
        self.env = run.world.env
        self.history: History = run.history
        self.handlers: Handlers = run.handlers
        self.states_entered: list[str] = run.states_entered
        self.visits: list[StateVisit] = run.visits
        self._visit_by_entry: dict[int, StateVisit] = {}
        self.random = _LazyRandom(lambda: self.world.rng(f"stepfunctions/{run.execution_arn}"))

    # -- helpers ------------------------------------------------------------------------
    def now_iso(self) -> str:
        return self.run.clock.iso()

    def _context_object(self, name: str, retry_count: int | None) -> dict:
        """The context object (``$$``) a state sees when it is entered."""
        state_info: dict = {"EnteredTime": self.now_iso(), "Name": name}
        if retry_count is not None:
            state_info["RetryCount"] = retry_count
        context = {
            "Execution": self.run.context_execution,
            "State": state_info,
            "StateMachine": self.run.context_state_machine,
        }
        return context

    def _ctx(self, name: str, entered_id: int, context: dict, frame: Frame) -> EvalContext:
        return EvalContext(
            state_name=name,
            entered_event_id=entered_id,
            context_object=context,
            scope=frame.scope,
            random=self.random,
            uuid=self.world.uuid,
            now_millis=lambda: round(self.world.timestamp().timestamp() * 1000),
        )

    # -- the graph ----------------------------------------------------------------------
    def run_graph(self, graph: dict, value: Any, frame: Frame):
        """Run states from StartAt until an End; return the final output (a generator)."""
        name = graph["StartAt"]
        states = graph["States"]
        default_ql = graph.get("QueryLanguage", frame.query_language)
        frame = Frame(frame.scope, frame.thread, default_ql)
        text = None
        while True:
            if self.run.stopping:
                raise Aborted()
            state = states[name]
            value, name, text = yield from self.run_state(name, state, value, frame, text)
            if name is None:
                return value

    def run_state(
        self, name: str, state: dict, raw_input: Any, frame: Frame, input_text: str | None = None
    ):
        """Enter one state, run it, record its events; return (output, next state or None,
        the output as JSON text). ``input_text`` is the input as JSON text, when known."""
        kind = state["Type"]
        ql = state.get("QueryLanguage", frame.query_language)
        self.states_entered.append(name)
        entered_id = self.history.add(
            f"{kind}StateEntered",
            frame.thread,
            {
                "name": name,
                "input": to_json(raw_input) if input_text is None else input_text,
                "inputDetails": {"truncated": False},
            },
        )
        context = self._context_object(name, 0 if kind == "Task" else None)
        ctx = self._ctx(name, entered_id, context, frame)
        visit = StateVisit(name, entered_id, state, ql, raw_input, frame.scope.visible(), context)
        self.visits.append(visit)
        self._visit_by_entry[entered_id] = visit
        method = getattr(self, f"_state_{kind.lower()}")
        if kind in INSTANT_STATES:
            output, next_name, assigned = method(name, state, raw_input, ctx, frame, ql)
        else:
            output, next_name, assigned = yield from method(name, state, raw_input, ctx, frame, ql)
        if assigned:
            frame.scope.assign(assigned)
        text = None
        if kind != "Fail":
            text = to_json(output)
            if len(text) > MAX_PAYLOAD_BYTES // 4 and len(text.encode()) > MAX_PAYLOAD_BYTES:
                raise self._data_limit(name)
            details: dict = {"name": name, "output": text, "outputDetails": {"truncated": False}}
            if assigned:
                details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
                details["assignedVariablesDetails"] = {"truncated": False}
            self.history.add(f"{kind}StateExited", frame.thread, details)
        if state.get("End") or kind == "Succeed":
            return output, None, text
        return output, next_name, text

    # -- shared pieces ------------------------------------------------------------------
    def _jsonpath_finish(
        self, state: dict, raw_input: Any, result: Any, ctx: EvalContext
    ) -> tuple[Any, dict]:
        """ResultSelector, Assign, ResultPath and OutputPath of a JSONPath state."""
        selected = dataflow.apply_result_selector(state, result, ctx)
        assigned = (
            dataflow.evaluate_assign_jsonpath(state["Assign"], selected, ctx)
            if "Assign" in state
            else {}
        )
        placed = dataflow.apply_result_path(state, raw_input, selected, ctx)
        return dataflow.apply_output_path(state, placed, ctx), assigned

    # -- Pass ---------------------------------------------------------------------------
    def _state_pass(self, name, state, raw_input, ctx, frame, ql):
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                state, ctx, states, raw_input
            )
            return output, state.get("Next"), assigned
        effective = dataflow.apply_input_path(state, raw_input, ctx)
        if "Result" in state:
            result = state["Result"]
        else:
            result = dataflow.apply_parameters(state, effective, ctx)
        assigned = (
            dataflow.evaluate_assign_jsonpath(state["Assign"], result, ctx)
            if "Assign" in state
            else {}
        )
        placed = dataflow.apply_result_path(state, raw_input, result, ctx)
        output = dataflow.apply_output_path(state, placed, ctx)
        return output, state.get("Next"), assigned

    # -- Succeed / Fail -----------------------------------------------------------------
    def _state_succeed(self, name, state, raw_input, ctx, frame, ql):
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            output, _ = jsonata_mode.evaluate_output_and_assign(state, ctx, states, raw_input)
            return output, None, {}
        effective = dataflow.apply_input_path(state, raw_input, ctx)
        return dataflow.apply_output_path(state, effective, ctx), None, {}

    def _state_fail(self, name, state, raw_input, ctx, frame, ql):
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            error = (
                jsonata_mode.evaluate_template(state["Error"], ctx, states, "Error")
                if "Error" in state
                else None
            )
            cause = (
                jsonata_mode.evaluate_template(state["Cause"], ctx, states, "Cause")
                if "Cause" in state
                else None
            )
        else:
            error = self._fail_field(state, "Error", raw_input, ctx)
            cause = self._fail_field(state, "Cause", raw_input, ctx)
        raise StatesError(error, cause)

    def _fail_field(self, state: dict, key: str, raw_input: Any, ctx: EvalContext) -> Any:
        if key in state:
            return state[key]
        path_key = f"{key}Path"
        if path_key not in state:
            return None
        value = dataflow.evaluate_path_or_intrinsic(state[path_key], raw_input, ctx, path_key)
        if not isinstance(value, str):
            raise ctx.error(
                errors.RUNTIME,
                f"The {path_key} field must reference a string, got {to_json(value)}",
            )
        return value

    # -- Choice -------------------------------------------------------------------------
    def _state_choice(self, name, state, raw_input, ctx, frame, ql):
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            for rule in state["Choices"]:
                cond = jsonata_mode.evaluate_typed(
                    rule["Condition"], ctx, states, "Condition", "boolean"
                )
                if cond:
                    output, assigned = jsonata_mode.evaluate_output_and_assign(
                        rule, ctx, states, raw_input
                    )
                    return output, rule["Next"], assigned
            return self._choice_default(state, raw_input, ctx, states)
        effective = dataflow.apply_input_path(state, raw_input, ctx)
        for rule in state["Choices"]:
            if rule_matches(rule, effective, ctx):
                assigned = (
                    dataflow.evaluate_assign_jsonpath(rule["Assign"], effective, ctx)
                    if "Assign" in rule
                    else {}
                )
                return dataflow.apply_output_path(state, effective, ctx), rule["Next"], assigned
        if "Default" not in state:
            raise StatesError(
                errors.NO_CHOICE_MATCHED,
                f"No Choice Rule matched and no Default is specified in the Choice state '{name}'.",
            )
        assigned = (
            dataflow.evaluate_assign_jsonpath(state["Assign"], effective, ctx)
            if "Assign" in state
            else {}
        )
        return dataflow.apply_output_path(state, effective, ctx), state["Default"], assigned

    def _choice_default(self, state, raw_input, ctx, states):
        if "Default" not in state:
            raise StatesError(
                errors.NO_CHOICE_MATCHED,
                f"No Choice Rule matched and no Default is specified in the Choice state '{ctx.state_name}'.",
            )
        output, assigned = jsonata_mode.evaluate_output_and_assign(state, ctx, states, raw_input)
        return output, state["Default"], assigned

    # -- Wait ---------------------------------------------------------------------------
    def _state_wait(self, name, state, raw_input, ctx, frame, ql):
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            delay = self._jsonata_wait_delay(state, ctx, states)
            yield from self._sleep(delay)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                state, ctx, states, raw_input
            )
            return output, state.get("Next"), assigned
        effective = dataflow.apply_input_path(state, raw_input, ctx)
        delay = self._jsonpath_wait_delay(state, effective, ctx)
        assigned = (
            dataflow.evaluate_assign_jsonpath(state["Assign"], effective, ctx)
            if "Assign" in state
            else {}
        )
        yield from self._sleep(delay)
        return dataflow.apply_output_path(state, effective, ctx), state.get("Next"), assigned

    def _sleep(self, delay: float):
        """Wait ``delay`` virtual seconds, or until the execution's deadline if sooner."""
        deadline = self.run.deadline
        if deadline is not None and self.env.now + delay >= deadline:
            yield from self._timeout(max(0.0, deadline - self.env.now))
            self.run.time_out()
            raise Aborted()
        if delay > 0:
            yield from self._timeout(delay)

    def _timeout(self, delay: float):
        """A timeout that leaves the clock's queue if this branch is stopped meanwhile."""
        timer = self.env.timeout(delay)
        try:
            yield timer
        except simpy.Interrupt:
            cancel_timeout(self.env, timer)
            raise

    def _until(self, moment) -> float:
        return max(0.0, (moment - self.world.timestamp()).total_seconds())

    def _jsonpath_wait_delay(self, state: dict, value: Any, ctx: EvalContext) -> float:
        if "Seconds" in state:
            return float(state["Seconds"])
        if "Timestamp" in state:
            return self._until(parse_timestamp(state["Timestamp"]))
        if "SecondsPath" in state:
            path = state["SecondsPath"]
            seconds = dataflow.resolve(path, value, ctx)
            if seconds is MISSING:
                raise ctx.error(
                    errors.RUNTIME,
                    f"The SecondsPath parameter does not reference an input value: {path}",
                )
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or (isinstance(seconds, float) and not seconds.is_integer())
            ):
                raise ctx.error(
                    errors.RUNTIME,
                    f"The SecondsPath parameter cannot be parsed as a long value: {path} == {to_json(seconds)}",
                )
            if seconds < 0:
                raise ctx.error(
                    errors.RUNTIME,
                    f"The SecondsPath parameter references a negative value: {path} == {to_json(seconds)}",
                )
            return float(seconds)
        path = state["TimestampPath"]
        text = dataflow.resolve(path, value, ctx)
        if text is MISSING:
            raise ctx.error(
                errors.RUNTIME,
                f"The TimestampPath parameter does not reference an input value: {path}",
            )
        moment = parse_timestamp(text)
        if moment is None:
            shown = text if isinstance(text, str) else to_json(text)
            raise ctx.error(
                errors.RUNTIME,
                f"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}",
            )
        return self._until(moment)

    def _jsonata_wait_delay(self, state: dict, ctx: EvalContext, states: dict) -> float:
        if "Seconds" in state:
            seconds = jsonata_mode.evaluate_template(state["Seconds"], ctx, states, "Seconds")
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or seconds != int(seconds)
                or seconds < 0
            ):
                raise ctx.error(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The Seconds field must be a non-negative integer, got {to_json(seconds)}",
                )
            return float(seconds)
        text = jsonata_mode.evaluate_template(state["Timestamp"], ctx, states, "Timestamp")
        moment = parse_timestamp(text)
        if moment is None:
            raise ctx.error(
                errors.QUERY_EVALUATION_ERROR,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text if isinstance(text, str) else to_json(text)}",
            )
        return self._until(moment)

    # -- Retry / Catch --------------------------------------------------------------------
    def _with_retry_and_catch(self, name, state, raw_input, ctx, frame, ql, attempt):
        """Run ``attempt(retry_count)`` under the state's Retriers; then its Catchers."""
        retriers = state.get("Retry", [])
        counts = [0] * len(retriers)
        retry_count = 0
        visit = self._visit_by_entry.get(ctx.entered_event_id)
        while True:
            try:
                result = yield from attempt(retry_count)
                if visit is not None:
                    visit.outcome = result
                return result
            except StatesError as err:
                index = next(
                    (
                        i
                        for i, r in enumerate(retriers)
                        if errors.error_matches(err.error, r["ErrorEquals"])
                    ),
                    None,
                )
                if index is not None:
                    retrier = {**DEFAULT_RETRY, **retriers[index]}
                    if counts[index] < retrier["MaxAttempts"]:
                        delay = retry_delay(retrier, counts[index], ctx.random)
                        counts[index] += 1
                        retry_count += 1
                        yield from self._sleep(delay)
                        ctx.context_object["State"]["RetryCount"] = retry_count
                        continue
                if visit is not None:
                    visit.outcome = err
                    visit.retries = counts[index] if index is not None else 0
                catcher = next(
                    (
                        c
                        for c in state.get("Catch", [])
                        if errors.error_matches(err.error, c["ErrorEquals"])
                    ),
                    None,
                )
                if catcher is None:
                    raise
                return self._caught(catcher, err, raw_input, ctx, ql)

    def _caught(self, catcher: dict, err: StatesError, raw_input: Any, ctx: EvalContext, ql: str):
        error_output = err.to_output()
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input, errorOutput=error_output)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                catcher, ctx, states, error_output
            )
        else:
            assigned = (
                dataflow.evaluate_assign_jsonpath(catcher["Assign"], error_output, ctx)
                if "Assign" in catcher
                else {}
            )
            output = dataflow.apply_result_path(catcher, raw_input, error_output, ctx)
        return _Caught(output, catcher["Next"], assigned)

    # -- Task -----------------------------------------------------------------------------
    def _attempt_and_finish(self, name, state, raw_input, ctx, frame, ql, attempt):
        """Run ``attempt`` under the state's Retry and Catch, then shape its output.

        Task, Parallel and Map states end the same way: a caught error continues at the
        catcher's Next; a result goes through Output/Assign (JSONata) or ResultSelector,
        ResultPath and OutputPath (JSONPath).
        """
        outcome = yield from self._with_retry_and_catch(
            name, state, raw_input, ctx, frame, ql, attempt
        )
        if isinstance(outcome, _Caught):
            return outcome.output, outcome.next, outcome.assigned
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input, result=outcome)
            output, assigned = jsonata_mode.evaluate_output_and_assign(state, ctx, states, outcome)
            return output, state.get("Next"), assigned
        output, assigned = self._jsonpath_finish(state, raw_input, outcome, ctx)
        return output, state.get("Next"), assigned

    def _state_task(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            ctx.context_object["State"]["RetryCount"] = retry_count
            result = yield from self._task_attempt(name, state, raw_input, ctx, frame, ql)
            return result

        return (
            yield from self._attempt_and_finish(name, state, raw_input, ctx, frame, ql, attempt)
        )

    def _task_payload(self, state, raw_input, ctx, ql):
        """What the task receives: JSONata Arguments, or InputPath then Parameters."""
        if ql == JSONATA:
            if "Arguments" not in state:
                return raw_input
            states = jsonata_mode.states_variable(ctx, raw_input)
            return jsonata_mode.evaluate_template(state["Arguments"], ctx, states, "Arguments")
        effective = dataflow.apply_input_path(state, raw_input, ctx)
        return dataflow.apply_parameters(state, effective, ctx)

    def _timeout_value(self, state, key, raw_input, ctx, ql) -> float | None:
        if key in state:
            value = state[key]
            if ql == JSONATA and isinstance(value, str):
                value = jsonata_mode.evaluate_template(
                    value, ctx, jsonata_mode.states_variable(ctx, raw_input), key
                )
        elif f"{key}Path" in state:
            effective = dataflow.apply_input_path(state, raw_input, ctx)
            value = dataflow.select_required(state[f"{key}Path"], effective, ctx, f"{key}Path")
        else:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ctx.error(
                errors.RUNTIME, f"The {key} value must be a positive integer, got {to_json(value)}"
            )
        return float(value)

    def _task_attempt(self, name, state, raw_input, ctx, frame, ql):
        resource = state["Resource"]
        target = parse_resource(resource)
        if target is None:
            raise ctx.error(errors.RUNTIME, f"Unsupported Task Resource: {resource}")
        token = None
        if target.pattern == "waitForTaskToken":
            token = self.run.tokens.new_token()
            ctx.context_object["Task"] = {"Token": token}
        payload = self._task_payload(state, raw_input, ctx, ql)
        timeout = self._timeout_value(state, "TimeoutSeconds", raw_input, ctx, ql)
        heartbeat = self._timeout_value(state, "HeartbeatSeconds", raw_input, ctx, ql)
        thread = frame.thread
        if target.kind == "lambda_function":
            details = {
                "resource": resource,
                "input": to_json(payload),
                "inputDetails": {"truncated": False},
            }
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            self.history.add("LambdaFunctionScheduled", thread, details)
            self.history.add("LambdaFunctionStarted", thread)
            try:
                handler = self.handlers.lambda_handler(resource)
                if handler is None:
                    raise missing_handler(resource)
                request_id = self.world.uuid()
                outcome = call_lambda(handler, resource, payload, request_id, self.world)
                yield from self._run_for(outcome.duration, timeout)
            except StatesError as err:
                kind = (
                    "LambdaFunctionTimedOut" if err.error in _TIMEOUTS else "LambdaFunctionFailed"
                )
                self.history.add(kind, thread, _error_details(err))
                raise
            except DataLimit:
                err = self._data_limit(resource)
                self.history.add("LambdaFunctionFailed", thread, _error_details(err))
                raise err from None
            self.history.add(
                "LambdaFunctionSucceeded",
                thread,
                {"output": to_json(outcome.result), "outputDetails": {"truncated": False}},
            )
            return outcome.result
        resource_type, resource_name = target.resource_type, target.resource_name
        scheduled = {
            "resource": resource_name,
            "resourceType": resource_type,
            "region": "us-east-1",
            "parameters": to_json(payload),
        }
        if timeout is not None:
            scheduled["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            scheduled["heartbeatInSeconds"] = int(heartbeat)
        self.history.add("TaskScheduled", thread, scheduled)
        self.history.add(
            "TaskStarted", thread, {"resource": resource_name, "resourceType": resource_type}
        )
        try:
            if self._is_nested_execution(target):
                outcome = Outcome((yield from self._start_nested(target, payload, timeout)))
            else:
                outcome = self._invoke_service(target, payload, ctx)
            yield from self._run_for(outcome.duration, timeout)
            result = outcome.result
            if token is not None:
                self.history.add(
                    "TaskSubmitted",
                    thread,
                    {
                        "resource": resource_name,
                        "resourceType": resource_type,
                        "output": to_json(result),
                        "outputDetails": {"truncated": False},
                    },
                )
                result = yield from self._await_token(token, timeout, heartbeat, outcome.duration)
        except StatesError as err:
            if token is not None:
                self.run.tokens.forget(token)
            self.history.add(
                "TaskTimedOut" if err.error in _TIMEOUTS else "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **_error_details(err)},
            )
            raise
        except DataLimit:
            err = self._data_limit(resource_type)
            self.history.add(
                "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **_error_details(err)},
            )
            raise err from None
        if len(to_json(result).encode()) > MAX_PAYLOAD_BYTES:
            err = self._data_limit(resource_type)
            self.history.add(
                "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **_error_details(err)},
            )
            raise err
        self.history.add(
            "TaskSucceeded",
            thread,
            {
                "resource": resource_name,
                "resourceType": resource_type,
                "output": to_json(result),
                "outputDetails": {"truncated": False},
            },
        )
        return result

    @staticmethod
    def _data_limit(name: str) -> StatesError:
        return StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit.",
        )

    def _run_for(self, duration: float, timeout: float | None):
        """Let an invocation take ``duration`` virtual seconds, failing at ``timeout``."""
        if timeout is not None and duration > timeout:
            yield from self._sleep(timeout)
            raise StatesError(errors.TIMEOUT, "")
        if duration > 0:
            yield from self._sleep(duration)

    def _is_nested_execution(self, target) -> bool:
        """``states:startExecution`` with no local handler: start a StateMachine on the world."""
        base = target.resource.rsplit(".", 1)[0] if target.pattern else target.resource
        return (
            target.service == "states"
            and target.action == "startExecution"
            and self.handlers.resource_handler(target.resource, base) is None
        )

    def _start_nested(self, target, payload, timeout: float | None):
        """Start a child execution; with ``.sync``/``.sync:2`` wait for it and return its
        DescribeExecution, as AWS does (a child that does not succeed fails the task)."""
        if not isinstance(payload, dict) or "StateMachineArn" not in payload:
            raise StatesError(errors.TASK_FAILED, "states:startExecution needs 'StateMachineArn'")
        arn = payload["StateMachineArn"]
        if not self.world.has_service(arn):
            raise missing_handler(f"{target.resource} (no StateMachine registered as {arn})")
        child = self.world.service(arn)
        child_input = payload.get("Input", {})
        started = child.start_execution(
            input=child_input if isinstance(child_input, str) else to_json(child_input),
            name=payload.get("Name"),
        )
        execution = child.execution(started["executionArn"])
        if not target.pattern.startswith("sync"):
            return {
                "ExecutionArn": execution.execution_arn,
                "StartDate": _millis(execution.start_date),
            }
        process = child.process(execution.execution_arn)
        if timeout is None:
            yield process
        else:
            timer = self.env.timeout(timeout)
            fired = yield process | timer
            if process not in fired:
                child.stop_execution(execution.execution_arn)
                raise StatesError(errors.TIMEOUT, "")
            cancel_timeout(self.env, timer)
        described = {
            "ExecutionArn": execution.execution_arn,
            "Input": to_json(execution.input),
            "InputDetails": {"Included": True},
            "Name": execution.name,
            "StartDate": _millis(execution.start_date),
            "StateMachineArn": execution.state_machine_arn,
            "Status": execution.status,
            "StopDate": _millis(execution.stop_date),
        }
        if execution.status != "SUCCEEDED":
            described.update(
                {k: v for k, v in (("Error", execution.error), ("Cause", execution.cause)) if v}
            )
            raise StatesError(errors.TASK_FAILED, to_json(described))
        described["Output"] = (
            execution.output if target.pattern == "sync:2" else to_json(execution.output)
        )
        described["OutputDetails"] = {"Included": True}
        return described

    def _invoke_service(self, target, payload, ctx) -> Outcome:
        service = target.service
        if service == "lambda" and target.action == "invoke":
            if not isinstance(payload, dict) or "FunctionName" not in payload:
                raise ctx.error(
                    errors.RUNTIME,
                    "The field 'FunctionName' is required by arn:aws:states:::lambda:invoke",
                )
            reference = payload["FunctionName"]
            handler = self.handlers.lambda_handler(reference)
            if handler is None:
                raise missing_handler(reference)
            request_id = self.world.uuid()
            body = _lambda_event(payload.get("Payload"), ctx)
            invocation_type = payload.get("InvocationType", "RequestResponse")
            if invocation_type in ("Event", "DryRun"):
                return Outcome(
                    self._invoke_without_waiting(
                        handler, reference, body, request_id, invocation_type
                    )
                )
            if invocation_type != "RequestResponse":
                raise StatesError(
                    "Lambda.InvalidParameterValueException",
                    f"InvocationType must be RequestResponse, Event or DryRun, got {invocation_type!r}",
                )
            outcome = call_lambda(handler, function_arn(reference), body, request_id, self.world)
            result = lambda_invoke_result(
                outcome.result, request_id, log_tail=payload.get("LogType") == "Tail"
            )
            return Outcome(result, outcome.duration)
        if service == "events" and target.action == "putEvents":
            resources = (self.run.execution_arn, self.run.context_state_machine["Id"])
            entries = put_events_entries(payload, resources)
            if not self.world.has_service("events"):
                raise missing_handler(
                    "the 'events' service (register an event bus on the world as 'events')"
                )
            response = self.world.service("events").put_events(entries)
            return Outcome(check_put_events_response(json_result(response, target.resource)))
        base = target.resource.rsplit(".", 1)[0] if target.pattern else target.resource
        handler = self.handlers.resource_handler(target.resource, base)
        if handler is None:
            raise missing_handler(target.resource)
        context = ServiceContext(target.resource, self.world)
        try:
            value = handler(json.loads(json.dumps(payload)), context)
        except StatesError:
            raise
        except Exception as exc:
            raise StatesError(type(exc).__name__, str(exc)) from None
        return Outcome(json_result(value, target.resource), context.virtual_duration)

    def _invoke_without_waiting(
        self, handler, reference, body, request_id, invocation_type
    ) -> dict:
        """lambda:invoke with InvocationType Event (run, do not wait: 202) or DryRun (204).

        An asynchronous invocation's outcome never reaches the state machine, as on AWS;
        it is recorded on the world's trace instead."""
        status = 204
        if invocation_type == "Event":
            status = 202
            try:
                call_lambda(handler, function_arn(reference), body, request_id, self.world)
                outcome = "succeeded"
            except (StatesError, DataLimit) as err:
                outcome = f"failed: {err}"
            self.world.record(
                "stepfunctions",
                function_arn(reference),
                "lambda.async-invoke",
                body,
                result=outcome,
            )
        result = lambda_invoke_result("", request_id)
        result["StatusCode"] = status
        result["SdkHttpMetadata"]["HttpStatusCode"] = status
        result.pop("ExecutedVersion")
        return result

    def _await_token(
        self, token: str, timeout: float | None, heartbeat: float | None, spent: float
    ):
        self.run.waiting_tokens += 1
        try:
            result = yield from self._wait_for_token(token, timeout, heartbeat, spent)
        finally:
            self.run.waiting_tokens -= 1
        return result

    def _wait_for_token(
        self, token: str, timeout: float | None, heartbeat: float | None, spent: float
    ):
        waiter = self.run.tokens.waiter(token)
        deadline = None if timeout is None else self.env.now + max(0.0, timeout - spent)
        while True:
            events = [waiter.done]
            limits = []
            if deadline is not None:
                limits.append(("timeout", deadline))
            if heartbeat is not None:
                limits.append(("heartbeat", waiter.last_beat + heartbeat))
            if self.run.deadline is not None:
                limits.append(("execution", self.run.deadline))
            timer = None
            if limits:
                kind, at = min(limits, key=lambda x: x[1])
                timer = self.env.timeout(max(0.0, at - self.env.now), value=kind)
                events.append(timer)
            beat = waiter.beat_event()
            events.append(beat)
            fired = yield self.env.any_of(events)
            if timer is not None and timer not in fired:
                cancel_timeout(self.env, timer)
            if waiter.done in fired:
                self.run.tokens.forget(token)
                status, value = waiter.done.value
                if status == "success":
                    return value
                raise StatesError(value[0], value[1])
            if timer is not None and timer in fired:
                self.run.tokens.forget(token)
                if timer.value == "execution":
                    self.run.time_out()
                    raise Aborted()
                raise StatesError(
                    errors.TIMEOUT if timer.value == "timeout" else errors.HEARTBEAT_TIMEOUT, ""
                )

    # -- Parallel -----------------------------------------------------------------------------
    def _state_parallel(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            if ql == JSONATA:
                states = jsonata_mode.states_variable(ctx, raw_input)
                branch_input = (
                    jsonata_mode.evaluate_template(state["Arguments"], ctx, states, "Arguments")
                    if "Arguments" in state
                    else raw_input
                )
            else:
                effective = dataflow.apply_input_path(state, raw_input, ctx)
                branch_input = dataflow.apply_parameters(state, effective, ctx)
            self.history.add("ParallelStateStarted", frame.thread)
            thunks = [
                self._branch_thunk(branch, branch_input, frame, ql) for branch in state["Branches"]
            ]
            results, failures = yield from self._run_children(thunks, 0, tolerated=None)
            if failures:
                err = failures[0][1]
                self.history.add("ParallelStateFailed", frame.thread, _error_details(err))
                raise err
            self.history.add("ParallelStateSucceeded", frame.thread)
            return results

        return (
            yield from self._attempt_and_finish(name, state, raw_input, ctx, frame, ql, attempt)
        )

    def _branch_thunk(self, branch: dict, branch_input: Any, frame: Frame, ql: str):
        thread = frame.thread.fork()
        return lambda: self.run_graph(branch, branch_input, Frame(frame.scope.child(), thread, ql))

    def _run_children(self, thunks: list, max_concurrency: int, tolerated: tuple | None):
        """Run child graphs concurrently; return (results in order, [(index, error)]).

        ``tolerated`` is ``(count, percentage)`` for a Map, None for fail-fast."""
        total = len(thunks)
        results: list = [None] * total
        failures: list = []
        if total == 0:
            return results, failures
        limit = total if not max_concurrency else min(max_concurrency, total)
        done = self.env.event()
        state = {"next": 0, "running": {}, "finished": 0, "stopped": False, "launching": False}

        def exceeded() -> bool:
            if tolerated is None:
                return bool(failures)
            return tolerance_exceeded(len(failures), total, *tolerated)

        def child(index):
            try:
                value = yield from thunks[index]()
                results[index] = value
            except StatesError as err:
                failures.append((index, err))
            except (Aborted, simpy.Interrupt):
                pass
            self.run.children.discard(state["running"].pop(index, None))
            state["finished"] += 1
            if state["stopped"]:
                return
            if exceeded():
                state["stopped"] = True
                for proc in list(state["running"].values()):
                    if proc is not None and proc.is_alive:
                        proc.interrupt("aborted")
                done.succeed()
                return
            launch()
            if state["finished"] == total and not done.triggered:
                done.succeed()

        def launch():
            if state["launching"]:
                return
            state["launching"] = True
            while state["next"] < total and len(state["running"]) < limit and not state["stopped"]:
                i = state["next"]
                state["next"] += 1
                state["running"][i] = None
                gen = child(i)
                try:
                    first = next(gen)
                except StopIteration:
                    continue
                proc = self.env.process(_resume(gen, first))
                state["running"][i] = proc
                self.run.children.add(proc)
            state["launching"] = False
            if state["finished"] == total and not done.triggered:
                done.succeed()

        launch()
        yield done
        failures.sort(key=lambda f: f[0])
        return results, failures

    # -- Map ----------------------------------------------------------------------------------
    def _map_number(self, state, key, value_in, ctx, ql, kind):
        """MaxConcurrency, ToleratedFailureCount/Percentage and their Path forms."""
        if key in state:
            value = state[key]
            if ql == JSONATA and isinstance(value, str):
                value = jsonata_mode.evaluate_template(
                    value, ctx, jsonata_mode.states_variable(ctx, value_in), key
                )
            return value
        path_key = f"{key}Path"
        if path_key not in state:
            return None
        path = state[path_key]
        raw = dataflow.select_required(path, value_in, ctx, path_key)
        shown = raw if isinstance(raw, str) else to_json(raw)
        try:
            if isinstance(raw, (bool, dict | list)) or raw is None:
                raise ValueError
            number = (
                float(raw) if kind == "float" else int(raw) if not isinstance(raw, float) else raw
            )
            if kind == "integer" and isinstance(number, float):
                if not number.is_integer():
                    raise ValueError
                number = int(number)
        except (TypeError, ValueError):
            raise ctx.error(
                errors.RUNTIME,
                f'The {path_key} field refers to value "{shown}" which is not a valid {kind}: {path}',
            ) from None
        return number

    def _state_map(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            value_in = (
                raw_input if ql == JSONATA else dataflow.apply_input_path(state, raw_input, ctx)
            )
            items = (
                None
                if "ItemReader" in state
                else self._map_items(state, raw_input, value_in, ctx, ql)
            )
            max_concurrency = (
                self._map_number(state, "MaxConcurrency", value_in, ctx, ql, "integer") or 0
            )
            count = self._map_number(state, "ToleratedFailureCount", value_in, ctx, ql, "integer")
            percentage = self._map_number(
                state, "ToleratedFailurePercentage", value_in, ctx, ql, "float"
            )
            if percentage is not None and not 0 <= percentage <= 100:
                raise ctx.error(
                    errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
                )
            if count is not None and count < 0:
                raise ctx.error(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
            processor = state.get("ItemProcessor") or state.get("Iterator")
            distributed = processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
            if "ItemReader" in state:
                items = self._read_items(state["ItemReader"], value_in, ctx, ql, raw_input)
            selector_key = next((k for k in ("ItemSelector", "Parameters") if k in state), None)
            item_inputs = self._map_item_inputs(
                items, selector_key, state, value_in, ctx, ql, raw_input
            )
            if "ItemBatcher" in state:
                item_inputs = self._batches(
                    state["ItemBatcher"], item_inputs, value_in, ctx, ql, raw_input
                )
            self.history.add("MapStateStarted", frame.thread, {"length": len(item_inputs)})
            thunks = [
                (lambda i=i, item=item: self._map_iteration(name, processor, item, i, frame, ql))
                for i, item in enumerate(item_inputs)
            ]
            if count is None and percentage is None:
                tolerance = (0, None) if distributed else None
            else:
                tolerance = (count, percentage)
            ceiling = DISTRIBUTED_CONCURRENCY if distributed else INLINE_CONCURRENCY
            limit = min(max_concurrency, ceiling) if max_concurrency else ceiling
            results, failures = yield from self._run_children(thunks, limit, tolerance)
            if failures:
                if tolerance is None:
                    self.history.add("MapStateFailed", frame.thread)
                    raise failures[0][1]
                if tolerance_exceeded(len(failures), len(item_inputs), *tolerance):
                    self.history.add("MapStateFailed", frame.thread)
                    raise StatesError(
                        errors.EXCEED_TOLERATED_FAILURE,
                        "The specified tolerated failure threshold was exceeded",
                    )
                for index, err in failures:
                    results[index] = err.to_output()
            if "ResultWriter" in state:
                results = self._write_results(
                    state["ResultWriter"], results, value_in, ctx, ql, raw_input
                )
            self.history.add("MapStateSucceeded", frame.thread)
            return results

        return (
            yield from self._attempt_and_finish(name, state, raw_input, ctx, frame, ql, attempt)
        )

    def _map_items(self, state, raw_input, value_in, ctx, ql) -> list:
        """The array a Map iterates: Items (JSONata), ItemsPath, or the whole input."""
        if ql == JSONATA:
            if "Items" in state:
                states = jsonata_mode.states_variable(ctx, raw_input)
                return jsonata_mode.evaluate_typed(state["Items"], ctx, states, "Items", "array")
            error, items = errors.QUERY_EVALUATION_ERROR, raw_input
        else:
            error = errors.RUNTIME
            items = value_in
            if "ItemsPath" in state:
                items = dataflow.select_required(state["ItemsPath"], value_in, ctx, "ItemsPath")
        if not isinstance(items, list):
            raise ctx.error(error, f"Map state input must be an array but was: {to_json(items)}")
        return items

    def _map_item_inputs(self, items, selector_key, state, value_in, ctx, ql, raw_input) -> list:
        """Each item's input: the ItemSelector (or legacy Parameters) with ``$$.Map.Item``."""
        if selector_key is None:
            return list(items)
        out = []
        for index, item in enumerate(items):
            item_ctx = self._item_ctx(ctx, {"Index": index, "Value": item})
            if ql == JSONATA:
                states = {"input": raw_input, "context": item_ctx.context_object}
                out.append(
                    jsonata_mode.evaluate_template(
                        state[selector_key], item_ctx, states, selector_key
                    )
                )
            else:
                out.append(dataflow.payload_template(state[selector_key], value_in, item_ctx))
        return out

    @staticmethod
    def _item_ctx(ctx: EvalContext, item: dict) -> EvalContext:
        context = {**ctx.context_object, "Map": {"Item": item}}
        return EvalContext(
            ctx.state_name,
            ctx.entered_event_id,
            context,
            ctx.scope,
            ctx.random,
            ctx.uuid,
            ctx.now_millis,
        )

    def _template(self, template, value_in, ctx, ql, raw_input, field_name):
        if ql == JSONATA:
            return jsonata_mode.evaluate_template(
                template, ctx, jsonata_mode.states_variable(ctx, raw_input), field_name
            )
        return dataflow.payload_template(template, value_in, ctx)

    def _batches(self, batcher: dict, items: list, value_in, ctx, ql, raw_input) -> list:
        """ItemBatcher: groups of items ``{"Items": [...], "BatchInput": ...}``."""
        size = batcher.get("MaxItemsPerBatch")
        if "MaxItemsPerBatchPath" in batcher:
            size = dataflow.select_required(
                batcher["MaxItemsPerBatchPath"], value_in, ctx, "MaxItemsPerBatchPath"
            )
        max_bytes = batcher.get("MaxInputBytesPerBatch")
        if "MaxInputBytesPerBatchPath" in batcher:
            max_bytes = dataflow.select_required(
                batcher["MaxInputBytesPerBatchPath"], value_in, ctx, "MaxInputBytesPerBatchPath"
            )
        for label, value in (("MaxItemsPerBatch", size), ("MaxInputBytesPerBatch", max_bytes)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ctx.error(
                    errors.RUNTIME, f"{label} must be a positive integer, got {to_json(value)}"
                )
        batch_input = None
        if "BatchInput" in batcher:
            batch_input = self._template(
                batcher["BatchInput"], value_in, ctx, ql, raw_input, "BatchInput"
            )
        batches: list = []
        current: list = []
        for item in items:
            candidate = [*current, item]
            too_many = size is not None and len(candidate) > size
            too_big = (
                max_bytes is not None and len(to_json({"Items": candidate}).encode()) > max_bytes
            )
            if current and (too_many or too_big):
                batches.append(current)
                current = [item]
            else:
                current = candidate
        if current:
            batches.append(current)
        out = []
        for batch in batches:
            entry = {"Items": batch}
            if batch_input is not None:
                entry["BatchInput"] = batch_input
            out.append(entry)
        return out

    def _read_items(self, reader: dict, value_in, ctx, ql, raw_input) -> list:
        """ItemReader: a handler registered for its Resource returns the items."""
        resource = reader.get("Resource")
        handler = self.handlers.resource_handler(resource, resource)
        if handler is None:
            raise StatesError(
                errors.ITEM_READER_FAILED, str(missing_handler(f"ItemReader resource {resource}"))
            )
        key = "Arguments" if ql == JSONATA else "Parameters"
        parameters = self._template(
            reader.get(key, {}), value_in, ctx, ql, raw_input, f"ItemReader/{key}"
        )
        items = handler(
            {"Parameters": parameters, "ReaderConfig": reader.get("ReaderConfig", {})},
            ServiceContext(resource, self.world),
        )
        if not isinstance(items, list):
            raise StatesError(
                errors.ITEM_READER_FAILED,
                f"The ItemReader handler for {resource} must return a list of items",
            )
        limit = reader.get("ReaderConfig", {}).get("MaxItems")
        return items[:limit] if isinstance(limit, int) and limit > 0 else items

    def _write_results(self, writer: dict, results: list, value_in, ctx, ql, raw_input) -> Any:
        """ResultWriter: a handler registered for its Resource stores the results and
        returns what the Map state outputs."""
        resource = writer.get("Resource")
        handler = self.handlers.resource_handler(resource, resource)
        if handler is None:
            raise missing_handler(f"ResultWriter resource {resource}")
        key = "Arguments" if ql == JSONATA else "Parameters"
        parameters = self._template(
            writer.get(key, {}), value_in, ctx, ql, raw_input, f"ResultWriter/{key}"
        )
        return handler(
            {"Parameters": parameters, "Results": results}, ServiceContext(resource, self.world)
        )

    def _map_iteration(self, map_name, processor, item, index, frame, ql):
        thread = frame.thread.fork()
        self.history.add("MapIterationStarted", thread, {"name": map_name, "index": index})
        child = Frame(frame.scope.child(), thread, ql)
        try:
            result = yield from self.run_graph(processor, item, child)
        except StatesError as err:
            self.history.add("MapIterationFailed", thread, {"name": map_name, "index": index})
            raise err
        except (Aborted, simpy.Interrupt):
            if not self.run.stopping:
                self.history.add("MapIterationAborted", thread, {"name": map_name, "index": index})
            raise
        self.history.add("MapIterationSucceeded", thread, {"name": map_name, "index": index})
        return result


@dataclass
class _Caught:
    output: Any
    next: str
    assigned: dict


class _LazyRandom:
    """The execution's seeded random stream, derived only if something draws from it."""

    def __init__(self, factory) -> None:
        self._factory = factory
        self._stream = None

    def __getattr__(self, name: str):
        if self._stream is None:
            self._stream = self._factory()
        return getattr(self._stream, name)


def cancel_timeout(env: simpy.Environment, timeout: simpy.Event) -> None:
    """Take a pending timeout that lost its race off the clock's queue.

    SimPy cannot cancel an event, and a stale timeout would still move the clock
    forward when the world runs on. Its queue is a heap of (time, priority, id, event).
    """
    queue = env._queue
    for index, entry in enumerate(queue):
        if entry[3] is timeout:
            queue[index] = queue[-1]
            queue.pop()
            heapq.heapify(queue)
            return


def _resume(gen, first_event):
    """Continue, as a SimPy process, a child that was started inline and is now waiting.

    Children that never wait (a Map of Pass states) finish inline without the cost
    of a process; the others hand their first event to this trampoline."""
    event = first_event
    while True:
        try:
            value = yield event
        except Exception as exc:  # an Interrupt, or a failed event, goes to the child
            try:
                event = gen.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                event = gen.send(value)
            except StopIteration as stop:
                return stop.value


def retry_delay(retrier: dict, retried: int, random: Any) -> float:
    """The wait before a retrier's next attempt once it has fired ``retried`` times:
    IntervalSeconds times BackoffRate per retry, capped by MaxDelaySeconds, FULL jitter
    drawn from ``random``."""
    retrier = {**DEFAULT_RETRY, **retrier}
    delay = retrier["IntervalSeconds"] * retrier["BackoffRate"] ** retried
    if "MaxDelaySeconds" in retrier:
        delay = min(delay, retrier["MaxDelaySeconds"])
    if retrier.get("JitterStrategy") == "FULL":
        delay = random.uniform(0, delay)
    return delay


def tolerance_exceeded(
    failed: int, total: int, count: int | None, percentage: float | None
) -> bool:
    """Whether a Map's failures break its tolerance: more than ``count`` items, or more
    than ``percentage`` percent of them (either limit suffices)."""
    if count is not None and failed > count:
        return True
    return percentage is not None and total > 0 and failed * 100.0 / total > percentage


def _millis(moment) -> int:
    return round(moment.timestamp() * 1000)


def _lambda_event(payload: Any, ctx: EvalContext) -> Any:
    """The event a function receives from lambda:invoke: a string Payload is raw JSON text."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            raise StatesError(
                "Lambda.InvalidRequestContentException",
                f"Could not parse request body into json: the Payload string is not JSON: {payload[:80]!r}",
            ) from None
    return payload


def _error_details(err: StatesError) -> dict:
    details = {"error": err.error}
    if err.cause is not None:
        details["cause"] = err.cause
    return details
