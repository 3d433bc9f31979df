"""Task resources: local Lambda functions, EventBridge PutEvents, and pluggable services.

A Lambda handler is a plain Python callable ``handler(event, context)``. What it
returns or raises is reported the way Lambda reports it to Step Functions. A handler
may spend virtual time with ``context.sleep(seconds)``.
"""

from __future__ import annotations

import base64
import json
import linecache
import math
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions.errors import RUNTIME, TASK_FAILED, StatesError

REGION = "us-east-1"
ACCOUNT = "123456789012"
MAX_PAYLOAD_BYTES = 256 * 1024
#: How deeply JSON may nest in a definition, an input or a result here. AWS's parser
#: allows 1,000 levels; the local engine walks values recursively and stops at 500 with a
#: clear error rather than a RecursionError.
MAX_JSON_DEPTH = 500
#: Longer than any execution may run (a Standard one runs a year): a handler that sleeps
#: more simply meets its timeout.
MAX_SLEEP_SECONDS = 10 * 365 * 24 * 3600

_SERVICE_ARN = re.compile(
    r"arn:aws[\w-]*:states:::(?P<service>[\w-]+(?::[\w-]+)?):(?P<action>[\w.-]+?)(?:\.(?P<pattern>sync(?::2)?|waitForTaskToken))?$"
)
_LAMBDA_ARN = re.compile(
    r"arn:aws[\w-]*:lambda:(?P<region>[\w-]+):(?P<account>[\w-]+):function:(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?$"
)
_ACTIVITY_ARN = re.compile(r"arn:aws[\w-]*:states:[\w-]+:\d{12}:activity:[\w-]+$")


@dataclass(frozen=True)
class TaskTarget:
    """What a Task's Resource names: a Lambda function, a service action or an activity."""

    resource: str
    kind: str  # "lambda_function", "service" or "activity"
    service: str = ""
    action: str = ""
    pattern: str = ""

    @property
    def resource_type(self) -> str:
        return self.service.split(":")[-1] if self.service else "lambda"

    @property
    def resource_name(self) -> str:
        return self.action + (f".{self.pattern}" if self.pattern else "")


def parse_resource(resource: str) -> TaskTarget | None:
    """Classify a Task Resource ARN; None when it is not a valid resource."""
    if not isinstance(resource, str):
        return None
    if _LAMBDA_ARN.match(resource):
        return TaskTarget(resource, "lambda_function")
    m = _SERVICE_ARN.match(resource)
    if m:
        return TaskTarget(
            resource, "service", m.group("service"), m.group("action"), m.group("pattern") or ""
        )
    if _ACTIVITY_ARN.match(resource):
        return TaskTarget(resource, "activity")
    return None


def function_name(reference: str) -> str:
    """The bare function name of a name, partial ARN or full ARN (qualifier dropped)."""
    m = _LAMBDA_ARN.match(reference)
    if m:
        return m.group("name")
    parts = reference.split(":")
    if len(parts) >= 3 and parts[-3] == "function":
        return parts[-2]
    if len(parts) >= 2 and parts[-2] == "function":
        return parts[-1]
    if len(parts) == 2:
        return parts[0]
    return reference


def function_arn(reference: str) -> str:
    """The full ARN for a function name or ARN (as the local account and region)."""
    m = _LAMBDA_ARN.match(reference)
    if m:
        return reference
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name(reference)}"


class LambdaContext:
    """The ``context`` a local Lambda handler receives."""

    def __init__(self, arn: str, request_id: str, world: Any) -> None:
        self.function_name = function_name(arn)
        self.invoked_function_arn = arn
        self.aws_request_id = request_id
        self.memory_limit_in_mb = 128
        self.function_version = "$LATEST"
        self.world = world
        self.virtual_duration = 0.0

    def sleep(self, seconds: float) -> None:
        """Spend ``seconds`` of virtual time in this invocation."""
        self.virtual_duration += _sleep_seconds(seconds)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((900 - self.virtual_duration) * 1000))


class ServiceContext:
    """The ``context`` a local service handler (aws-sdk, ItemReader...) receives."""

    def __init__(self, resource: str, world: Any) -> None:
        self.resource = resource
        self.world = world
        self.virtual_duration = 0.0

    def sleep(self, seconds: float) -> None:
        """Spend ``seconds`` of virtual time in this call."""
        self.virtual_duration += _sleep_seconds(seconds)


def _sleep_seconds(seconds: Any) -> float:
    """A handler's ``context.sleep`` argument: a finite number of seconds (negative is 0)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"context.sleep(seconds): a number, not {type(seconds).__name__}")
    if not math.isfinite(seconds):
        raise ValueError(f"context.sleep(seconds): a finite number, not {seconds}")
    return max(0.0, float(min(seconds, MAX_SLEEP_SECONDS)))


class Handlers:
    """Lookup of local handlers by Lambda name/ARN or by service resource ARN."""

    def __init__(self, handlers: Mapping[str, Callable] | None) -> None:
        if handlers is not None and not isinstance(handlers, Mapping):
            raise TypeError(
                f"handlers: a mapping of function names or ARNs to callables, not {type(handlers).__name__}"
            )
        self._exact = dict(handlers or {})
        self._by_name: dict[str, Callable] = {}
        for key, fn in self._exact.items():
            if not isinstance(key, str):
                raise TypeError(f"handlers: keys are function names or ARNs, got {key!r}")
            if not callable(fn):
                raise TypeError(f"handlers[{key!r}] must be callable, got {type(fn).__name__}")
            if not key.startswith("arn:aws:states:"):
                self._by_name.setdefault(function_name(key), fn)

    def lambda_handler(self, reference: str) -> Callable | None:
        return self._exact.get(reference) or self._by_name.get(function_name(reference))

    def resource_handler(self, resource: str, base: str) -> Callable | None:
        return self._exact.get(resource) or self._exact.get(base)


@dataclass
class Outcome:
    """A finished invocation: its result (or its error) and the virtual seconds it took."""

    result: Any
    duration: float = 0.0
    error: Exception | None = None

    def value(self) -> Any:
        """The result, or raise the error (once the invocation's time has been spent)."""
        if self.error is not None:
            raise self.error
        return self.result


def _lambda_error(exc: BaseException, request_id: str) -> StatesError:
    # Lambda reports frames under /var/task; keeping only the file's name there also keeps
    # an error's cause the same on every machine that runs the lesson. Frames whose code
    # sets ``__tracebackhide__`` (wrappers around a handler) are left out, as pytest does.
    frames = []
    for frame, lineno in list(traceback.walk_tb(exc.__traceback__))[1:]:
        if frame.f_locals.get("__tracebackhide__"):
            continue
        code = frame.f_code
        line = linecache.getline(code.co_filename, lineno, frame.f_globals).strip()
        frames.append(
            f'  File "/var/task/{PurePath(code.co_filename).name}", line {lineno}, in {code.co_name}\n    {line}\n'
        )
    error_type = type(exc).__name__
    cause = {
        "errorMessage": exception_message(exc),
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": frames,
    }
    return StatesError(error_type, json.dumps(cause))


def exception_message(exc: BaseException) -> str:
    """``str(exc)``, or a stand-in when the exception cannot print itself."""
    try:
        return str(exc)
    except Exception:  # an exception whose __str__ fails still fails the task
        return f"<unprintable {type(exc).__name__}>"


def _decode_payload(value: Any) -> tuple[Any, int]:
    """What Lambda sends back for a handler's return value, and its size in bytes.

    Lambda serialises the value as JSON; what JSON cannot carry (a set, NaN, a
    datetime) fails the invocation with ``Runtime.MarshalError``, as the Python runtime does.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        if len(raw) > MAX_PAYLOAD_BYTES:
            raise DataLimit()
        try:
            return strict_json.loads(raw, field="Payload"), len(raw)
        except strict_json.JsonError:
            return raw.decode("utf-8", errors="replace"), len(raw)
    try:
        text = strict_json.dumps(value, field="result")
    except strict_json.JsonError as exc:
        raise StatesError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
    if len(text) > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise DataLimit()
    return json.loads(text), len(text.encode())


def call_lambda(handler: Callable, arn: str, payload: Any, request_id: str, world: Any) -> Outcome:
    """Run a local Lambda handler. Its result, or the error Lambda reports for what it
    raised, comes back in the :class:`Outcome` with the virtual time it spent either way."""
    context = LambdaContext(arn, request_id, world)
    try:
        value = handler(json.loads(json.dumps(payload)), context)
    except Exception as exc:
        return Outcome(None, context.virtual_duration, _lambda_error(exc, request_id))
    try:
        result, _size = _decode_payload(value)
    except (StatesError, DataLimit) as err:
        return Outcome(None, context.virtual_duration, err)
    return Outcome(result, context.virtual_duration)


class DataLimit(Exception):
    """A result over 256 KiB; the interpreter turns it into States.DataLimitExceeded."""


def lambda_invoke_result(payload: Any, request_id: str, *, log_tail: bool = False) -> dict:
    """The result shape of ``arn:aws:states:::lambda:invoke`` (``LogResult`` when LogType is Tail)."""
    body = json.dumps(payload, separators=(",", ":"))
    result = {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [str(len(body.encode()))],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": str(len(body.encode())),
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
    if log_tail:
        log = f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n"
        encoded = base64.b64encode(log.encode()).decode()
        result["LogResult"] = encoded
        result["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Log-Result"] = [encoded]
        result["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Log-Result"] = encoded
    return result


def put_events_entries(parameters: Any, resources: tuple[str, ...] = ()) -> list[dict]:
    """Validate the ``Entries`` of an ``events:putEvents`` task and return them as PutEvents
    takes them. As on AWS, ``resources`` (the execution and state machine ARNs) are appended
    to each entry's ``Resources``."""
    if not isinstance(parameters, dict) or not isinstance(parameters.get("Entries"), list):
        raise StatesError(
            TASK_FAILED, "events:putEvents needs a parameter 'Entries' holding a list of entries"
        )
    entries = []
    for i, entry in enumerate(parameters["Entries"]):
        if not isinstance(entry, dict):
            raise StatesError(TASK_FAILED, f"Entries[{i}] must be an object")
        entry = dict(entry)
        if "Detail" in entry and not isinstance(entry["Detail"], str):
            entry["Detail"] = json.dumps(entry["Detail"], separators=(",", ":"))
        if resources:
            listed = entry.get("Resources", [])
            if not isinstance(listed, list):
                raise StatesError(TASK_FAILED, f"Entries[{i}].Resources must be a list of ARNs")
            entry["Resources"] = [*listed, *resources]
        entries.append(entry)
    return entries


def check_put_events_response(response: Any) -> Any:
    """A PutEvents response with failed entries fails the task with EventBridge.FailedEntry."""
    if isinstance(response, dict) and response.get("FailedEntryCount", 0):
        raise StatesError("EventBridge.FailedEntry", json.dumps(response, separators=(",", ":")))
    return response


def json_result(value: Any, resource: str) -> Any:
    """A service result as plain JSON; anything JSON cannot carry (a set, NaN) is a clear
    task failure."""
    try:
        return json.loads(strict_json.dumps(value, field="result"))
    except strict_json.JsonError as exc:
        raise StatesError(TASK_FAILED, f"The result of {resource} is not JSON: {exc}") from None


def missing_handler(what: str) -> StatesError:
    """The error for a resource no local handler serves, saying how to provide one."""
    return StatesError(
        RUNTIME, f"No local handler for {what}: pass handlers={{{what!r}: callable}}"
    )
