"""The interpreter: runs a state machine as SimPy processes on a World's virtual clock.

Each state type has one method. This module holds the graph walk and the states
that only move data or time (Pass, Succeed, Fail, Choice, Wait); the other families
live beside it and are mixed into :class:`Interpreter`: Task states in
:mod:`~course_lib.stepfunctions.tasks`, Parallel and Map in
:mod:`~course_lib.stepfunctions.branches`, Retry and Catch in
:mod:`~course_lib.stepfunctions.retrying`. Data flow uses the stage functions of
:mod:`~course_lib.stepfunctions.dataflow` (JSONPath) and
:mod:`~course_lib.stepfunctions.jsonata_mode` (JSONata). Map iterations and Parallel
branches are child processes, so their Waits overlap in virtual time as they do on AWS.
"""

from __future__ import annotations

from typing import Any

import simpy

from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.branches import BranchStates
from course_lib.stepfunctions.choice import rule_matches
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.history import History
from course_lib.stepfunctions.integrations import (
    MAX_JSON_DEPTH,
    MAX_PAYLOAD_BYTES,
    Handlers,
)
from course_lib.stepfunctions.intrinsics import utf8
from course_lib.stepfunctions.jsonpath import MISSING
from course_lib.stepfunctions.retrying import RetryAndCatch
from course_lib.stepfunctions.runtime import (
    DEEP_OUTPUT,
    JSONATA,
    Aborted,
    Frame,
    LazyRandom,
    StateVisit,
    cancel_timeout,
    internal_error,
    nests_deeper_than,
)
from course_lib.stepfunctions.tasks import TaskStates
from course_lib.stepfunctions.timestamps import parse_timestamp

#: The longest Wait AWS accepts in seconds (Seconds, SecondsPath), and the furthest ahead
#: a Wait's timestamp may lie (AWS counts the seconds in a 32-bit int).
MAX_WAIT_SECONDS = 99_999_999
MAX_WAIT_UNTIL_SECONDS = 2**31
#: State types that never wait: plain functions rather than generators.
INSTANT_STATES = frozenset({"Pass", "Succeed", "Fail", "Choice"})


class Interpreter(RetryAndCatch, TaskStates, BranchStates):
    """Runs one execution. Create it, then run :meth:`run_graph` as a SimPy process."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.world = run.world
        self.env = run.world.env
        self.history: History = run.history
        self.handlers: Handlers = run.handlers
        self.states_entered: list[str] = run.states_entered
        self.visits: list[StateVisit] = run.visits
        self._visit_by_entry: dict[int, StateVisit] = {}
        self._checked_text: str | None = None  # the last output text found within limits
        self.random = LazyRandom(lambda: self.world.rng(f"stepfunctions/{run.execution_arn}"))

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
        if input_text is None:
            input_text = to_json(raw_input)
        entered_id = self.history.add(
            f"{kind}StateEntered",
            frame.thread,
            {"name": name, "input": input_text, "inputDetails": {"truncated": False}},
        )
        context = self._context_object(name, 0 if kind == "Task" else None)
        ctx = self._ctx(name, entered_id, context, frame)
        visit = StateVisit(name, entered_id, state, ql, raw_input, frame.scope.visible(), context)
        self.visits.append(visit)
        self._visit_by_entry[entered_id] = visit
        method = getattr(self, f"_state_{kind.lower()}")
        try:
            if kind in INSTANT_STATES:
                output, next_name, assigned = method(name, state, raw_input, ctx, frame, ql)
            else:
                output, next_name, assigned = yield from method(
                    name, state, raw_input, ctx, frame, ql
                )
        except (StatesError, Aborted, simpy.Interrupt):
            raise
        except Exception as exc:  # a bug in the engine: fail the state, never hang or crash
            raise internal_error(exc) from exc
        if assigned:
            frame.scope.assign(assigned)
        text = None
        if kind != "Fail":
            # A state that passes its input on unchanged shares its text: a loop over a
            # large input then keeps one copy in the history, not one per event.
            text = input_text if output is raw_input else to_json(output)
            if text is not self._checked_text:  # the same text is measured once
                if len(text) > MAX_PAYLOAD_BYTES // 4 and len(utf8(text)) > MAX_PAYLOAD_BYTES:
                    raise self._data_limit(name)
                if nests_deeper_than(text, MAX_JSON_DEPTH):
                    raise ctx.error(errors.RUNTIME, DEEP_OUTPUT)
                self._checked_text = text
            details: dict = {"name": name, "output": text, "outputDetails": {"truncated": False}}
            if assigned:
                details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
                details["assignedVariablesDetails"] = {"truncated": False}
            self.history.add(f"{kind}StateExited", frame.thread, details)
        # An End state has no Next, so next_name is None, unless a Catcher sent it on.
        if kind == "Succeed":
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
                jsonata_mode.evaluate_typed(state["Error"], ctx, states, "Error", "string")
                if "Error" in state
                else None
            )
            cause = (
                jsonata_mode.evaluate_typed(state["Cause"], ctx, states, "Cause", "string")
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

    def _until(self, moment, ctx: EvalContext, field: str, shown: str) -> float:
        """Seconds until a Wait's timestamp. AWS reads it to the second (fractions are
        truncated) and cannot wait 2**31 seconds or more; a time in the past waits 0 s."""
        seconds = (moment.replace(microsecond=0) - self.world.timestamp()).total_seconds()
        if seconds >= MAX_WAIT_UNTIL_SECONDS:
            raise ctx.error(
                errors.RUNTIME,
                f"The {field} parameter does not reference a valid ISO-8601 extended offset date-time format string: {shown}",
            )
        return max(0.0, seconds)

    def _jsonpath_wait_delay(self, state: dict, value: Any, ctx: EvalContext) -> float:
        if "Seconds" in state:
            return float(state["Seconds"])
        if "Timestamp" in state:
            text = state["Timestamp"]
            return self._until(parse_timestamp(text), ctx, "Timestamp", text)
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
            return float(min(seconds, MAX_WAIT_SECONDS))
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
        return self._until(moment, ctx, "TimestampPath", f"{path} == {text}")

    def _jsonata_wait_delay(self, state: dict, ctx: EvalContext, states: dict) -> float:
        if "Seconds" in state:
            seconds = jsonata_mode.evaluate_template(state["Seconds"], ctx, states, "Seconds")
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or seconds != int(seconds)
                or not 0 <= seconds <= MAX_WAIT_SECONDS
            ):
                raise ctx.error(
                    errors.QUERY_EVALUATION_ERROR,
                    f"The Seconds field must be an integer from 0 to {MAX_WAIT_SECONDS}, got {to_json(seconds)}",
                )
            return float(seconds)
        text = jsonata_mode.evaluate_template(state["Timestamp"], ctx, states, "Timestamp")
        moment = parse_timestamp(text)
        if moment is None:
            raise ctx.error(
                errors.QUERY_EVALUATION_ERROR,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text if isinstance(text, str) else to_json(text)}",
            )
        return self._until(
            moment, ctx, "Timestamp", text if isinstance(text, str) else to_json(text)
        )

    # -- Retry / Catch --------------------------------------------------------------------
    @staticmethod
    def _data_limit(name: str) -> StatesError:
        return StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit.",
        )
