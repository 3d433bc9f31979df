"""Task states: Lambda functions, service integrations, nested executions and callbacks,
with their TimeoutSeconds and HeartbeatSeconds on the virtual clock."""

from __future__ import annotations

import json
import re
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.dataflow import to_json
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.integrations import (
    MAX_PAYLOAD_BYTES,
    DataLimit,
    Outcome,
    ServiceContext,
    call_lambda,
    check_put_events_response,
    exception_message,
    function_arn,
    json_result,
    lambda_invoke_result,
    missing_handler,
    parse_resource,
    put_events_entries,
)
from course_lib.stepfunctions.intrinsics import utf8
from course_lib.stepfunctions.runtime import (
    JSONATA,
    TIMEOUT_ERRORS,
    Aborted,
    cancel_timeout,
    error_details,
)

#: The largest TimeoutSeconds and HeartbeatSeconds AWS accepts, however they are given.
MAX_TIMEOUT_SECONDS = 99_999_999


class TaskStates:
    """The Task half of the interpreter (mixed into :class:`Interpreter`)."""

    def _state_task(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            ctx.context_object["State"]["RetryCount"] = retry_count
            try:
                return (yield from self._task_attempt(name, state, raw_input, ctx, frame, ql))
            finally:  # however the attempt ended (even stopped), its token is spent
                token = ctx.context_object.get("Task", {}).get("Token")
                if token is not None:
                    self.run.tokens.forget(token)

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
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= MAX_TIMEOUT_SECONDS
            or value != int(value)
        ):
            raise ctx.error(
                errors.RUNTIME,
                f"The {key} value must be a positive integer up to {MAX_TIMEOUT_SECONDS}, got {to_json(value)[:80]}",
            )
        return float(value)

    def _task_credentials(self, state, raw_input, ctx, ql) -> dict:
        """``{"taskCredentials": {"roleArn": ...}}`` for the history when the state has
        Credentials (its role resolved from the input, like Parameters); else ``{}``."""
        if "Credentials" not in state:
            return {}
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input)
            value = jsonata_mode.evaluate_template(state["Credentials"], ctx, states, "Credentials")
        else:
            effective = dataflow.apply_input_path(state, raw_input, ctx)
            value = dataflow.payload_template(state["Credentials"], effective, ctx)
        role = value.get("RoleArn") if isinstance(value, dict) else None
        if not isinstance(role, str) or not role:
            raise ctx.error(
                errors.RUNTIME,
                f"The Credentials field must give a RoleArn string, got {to_json(value)[:200]}",
            )
        return {"taskCredentials": {"roleArn": role}}

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
        credentials = self._task_credentials(state, raw_input, ctx, ql)
        thread = frame.thread
        if target.kind == "lambda_function":
            details = {
                "resource": resource,
                "input": to_json(payload),
                "inputDetails": {"truncated": False},
            }
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            details.update(credentials)
            self.history.add("LambdaFunctionScheduled", thread, details)
            self.history.add("LambdaFunctionStarted", thread)
            try:
                handler = self.handlers.lambda_handler(resource)
                if handler is None:
                    raise missing_handler(resource)
                request_id = self.world.uuid()
                outcome = call_lambda(handler, resource, payload, request_id, self.world)
                yield from self._run_for(outcome.duration, timeout)
                result = outcome.value()
            except StatesError as err:
                kind = (
                    "LambdaFunctionTimedOut"
                    if err.error in TIMEOUT_ERRORS
                    else "LambdaFunctionFailed"
                )
                self.history.add(kind, thread, error_details(err))
                raise
            except DataLimit:
                err = self._data_limit(resource)
                self.history.add("LambdaFunctionFailed", thread, error_details(err))
                raise err from None
            self.history.add(
                "LambdaFunctionSucceeded",
                thread,
                {"output": to_json(result), "outputDetails": {"truncated": False}},
            )
            return result
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
        scheduled.update(credentials)
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
            result = outcome.value()
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
            self.history.add(
                "TaskTimedOut" if err.error in TIMEOUT_ERRORS else "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **error_details(err)},
            )
            raise
        except DataLimit:
            err = self._data_limit(resource_type)
            self.history.add(
                "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **error_details(err)},
            )
            raise err from None
        if len(utf8(to_json(result))) > MAX_PAYLOAD_BYTES:
            err = self._data_limit(resource_type)
            self.history.add(
                "TaskFailed",
                thread,
                {"resource": resource_name, "resourceType": resource_type, **error_details(err)},
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
        if not isinstance(arn, str):
            raise StatesError(
                errors.TASK_FAILED,
                f"states:startExecution needs 'StateMachineArn' to be a string, got {to_json(arn)}",
            )
        child = self.world.service(arn) if self.world.has_service(arn) else None
        if not hasattr(child, "start_child_execution"):
            raise missing_handler(f"{target.resource} (no StateMachine registered as {arn})")
        child_input = payload.get("Input", {})
        try:  # the child knows how deep it nests, so a machine that starts itself ends
            started = child.start_child_execution(
                child_input if isinstance(child_input, str) else to_json(child_input),
                payload.get("Name"),
                depth=self.run.depth + 1,
            )
        except ValueError as exc:  # StartExecution refused the call: the task fails with it
            raise _start_execution_error(exc) from None
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
            if not isinstance(reference, str):
                raise ctx.error(
                    errors.RUNTIME,
                    f"The field 'FunctionName' of arn:aws:states:::lambda:invoke must be a string, got {to_json(reference)}",
                )
            handler = self.handlers.lambda_handler(reference)
            if handler is None:
                raise missing_handler(reference)
            request_id = self.world.uuid()
            body = _lambda_event(payload.get("Payload"), request_id)
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
            if outcome.error is not None:
                outcome.error = _compact_cause(outcome.error)
                return outcome
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
            return Outcome(json_result(value, target.resource), context.virtual_duration)
        except StatesError as err:
            return Outcome(None, context.virtual_duration, err)
        except Exception as exc:
            error = StatesError(type(exc).__name__, exception_message(exc))
            return Outcome(None, context.virtual_duration, error)

    def _invoke_without_waiting(
        self, handler, reference, body, request_id, invocation_type
    ) -> dict:
        """lambda:invoke with InvocationType Event (run, do not wait: 202) or DryRun (204).

        An asynchronous invocation's outcome never reaches the state machine, as on AWS;
        it is recorded on the world's trace instead."""
        status = 204
        if invocation_type == "Event":
            status = 202
            error = call_lambda(
                handler, function_arn(reference), body, request_id, self.world
            ).error
            outcome = "succeeded" if error is None else f"failed: {error}"
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
                    errors.TIMEOUT if timer.value == "timeout" else errors.HEARTBEAT_TIMEOUT,
                    "",
                )


def _millis(moment) -> int:
    return round(moment.timestamp() * 1000)


def _lambda_event(payload: Any, request_id: str) -> Any:
    """The event a function receives from lambda:invoke: a string Payload is raw JSON text,
    so text that is not JSON (a plain string) fails as Lambda's Invoke API refuses it."""
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return strict_json.loads(payload, field="Payload")
        except strict_json.JsonError:
            message = "Could not parse request body into json: Could not parse payload into json: "
            raise StatesError(
                "Lambda.InvalidRequestContentException",
                f"{message}{_jackson_complaint(payload)} (Service: AWSLambda; Status Code: 400; "
                f"Error Code: InvalidRequestContentException; Request ID: {request_id}; Proxy: null)",
            ) from None
    return payload


_TOKEN = re.compile(r"[^\s\[\]{}:,\"]+")


def _jackson_complaint(text: str) -> str:
    """What Jackson (Lambda's parser) says of text that is not JSON: for a bare word, as
    Lambda reports a plain-string payload, ``Unrecognized token 'word'``."""
    stripped = text.lstrip()
    token = _TOKEN.match(stripped)
    shown = text if len(text) <= 500 else text[:500] + "[truncated]"
    if token and stripped[0] not in "-0123456789":
        end = len(text) - len(stripped) + token.end()
        column = end + (2 if end < len(text) else 1)  # Jackson has read one more character
        return (
            f"Unrecognized token '{token.group(0)}': was expecting (JSON String, Number, Array, "
            f"Object or token 'null', 'true' or 'false')\n at [Source: (byte[])\"{shown}\"; "
            f"line: 1, column: {column}]"
        )
    return f'Unexpected content in "{shown}"'


def _compact_cause(error: Exception) -> Exception:
    """Through ``lambda:invoke`` AWS passes the function's error JSON on without spaces."""
    if isinstance(error, StatesError) and error.cause and error.cause.startswith("{"):
        try:
            cause = json.dumps(json.loads(error.cause), separators=(",", ":"))
        except ValueError:
            return error
        return StatesError(error.error, cause)
    return error


def _start_execution_error(exc: ValueError) -> StatesError:
    """The task error for a refused StartExecution: ``StepFunctions.<Code>Exception``,
    the code as the API names it (InvalidName, ExecutionAlreadyExists, ...)."""
    if isinstance(exc, strict_json.JsonError):
        code, message = "InvalidExecutionInput", str(exc)
    else:
        code, _, message = str(exc).partition(": ")
        if not message or not code.isidentifier():
            code, message = "InvalidExecutionInput", str(exc)
    return StatesError(f"StepFunctions.{code}Exception", message)
