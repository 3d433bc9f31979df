"""TestState mocks: a mocked result or error, and the check of a result against the service's shape.

AWS's TestState accepts ``mock={"result": "<JSON text>"}`` or
``mock={"errorOutput": {"error": ..., "cause": ...}}`` with a ``fieldValidationMode``:
STRICT (the default) checks a mocked result against the integration's response shape,
required fields included; PRESENT checks only the fields that are there; NONE checks
nothing. The shapes are the AWS SDK's service models, which botocore ships as JSON
data: they are read from its package folder on first use (botocore itself is not
imported), so a mock that passes here has the shape the real service returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from course_lib import botocore_models, strict_json
from course_lib.stepfunctions.errors import StatesError, ValidationException, check_length
from course_lib.stepfunctions.integrations import MAX_JSON_DEPTH, parse_resource

MODES = ("STRICT", "PRESENT", "NONE")
#: The longest mocked result the API takes, in characters of JSON text.
MAX_RESULT_CHARS = 262_144
_KEYS = {"result", "errorOutput", "fieldValidationMode"}
_SCHEMA = "Mock result schema validation error: "

#: Optimized integrations (``arn:aws:states:::sqs:sendMessage``) whose SDK service has
#: another name; the rest share it.
_OPTIMIZED_SERVICES = {"states": "stepfunctions", "bedrock": "bedrock-runtime"}
#: SDK integrations (``arn:aws:states:::aws-sdk:sfn:startExecution``) named unlike the model.
_SDK_SERVICES = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs"}
#: Fields an optimized integration returns as JSON rather than as the SDK's blob.
_JSON_FIELDS = {("lambda", "invoke"): {"Payload"}, ("bedrock", "invokeModel"): {"Body"}}


@dataclass(frozen=True)
class Mock:
    """A parsed TestState mock: the result value, or the error it raises, and the mode."""

    result: Any = None
    error: StatesError | None = None
    mode: str = "STRICT"

    @property
    def has_result(self) -> bool:
        return self.error is None


def parse_mock(mock: Any) -> Mock:
    """Read a mock as AWS takes it; a malformed one raises :class:`ValidationException`."""
    if not isinstance(mock, dict):
        raise ValidationException(
            f"mock: must be an object with 'result' or 'errorOutput', got {type(mock).__name__}"
        )
    unknown = sorted(set(mock) - _KEYS)
    if unknown:
        raise ValidationException(
            f"mock: unknown field(s) {unknown}; allowed: errorOutput, fieldValidationMode, result"
        )
    if "result" in mock and "errorOutput" in mock:
        raise ValidationException(
            "A test mock should have only one of the following fields: [result, errorOutput]."
        )
    mode = mock.get("fieldValidationMode", "STRICT")
    if mode not in MODES:
        raise ValidationException(
            f"mock.fieldValidationMode: must be one of STRICT, PRESENT, NONE, got {mode!r}"
        )
    if "errorOutput" in mock:
        return Mock(error=_error_output(mock["errorOutput"]), mode=mode)
    if "result" not in mock:
        raise ValidationException("A test mock needs one of the fields: [result, errorOutput].")
    raw = mock["result"]
    if not isinstance(raw, str):
        raise ValidationException(
            f"mock.result: must be JSON text (a str), got {type(raw).__name__}; "
            "pass json.dumps(value)"
        )
    check_length("mock.result", raw, MAX_RESULT_CHARS)
    try:
        value = strict_json.loads(raw, field="mock.result", max_depth=MAX_JSON_DEPTH)
    except strict_json.JsonError:
        raise ValidationException("Mocked result must be valid JSON") from None
    return Mock(result=value, mode=mode)


def _error_output(value: Any) -> StatesError:
    if not isinstance(value, dict):
        raise ValidationException("mock.errorOutput: must be an object with 'error' and 'cause'")
    unknown = sorted(set(value) - {"error", "cause"})
    if unknown:
        raise ValidationException(
            f"mock.errorOutput: unknown field(s) {unknown}; allowed: cause, error"
        )
    for key, high in (("error", 256), ("cause", 32_768)):
        if key in value and not isinstance(value[key], str):
            raise ValidationException(f"mock.errorOutput.{key}: must be a string")
        check_length(f"mock.errorOutput.{key}", value.get(key) or "", high)
    return StatesError(value.get("error", ""), value.get("cause"))


def check_task_result(resource: str, result: Any, mode: str) -> None:
    """Check a mocked Task result against its integration's response shape (STRICT/PRESENT).

    Only request-response service integrations have a response shape: a Lambda
    function ARN returns the function's own payload, ``.sync`` or ``.waitForTaskToken``
    results come from elsewhere, and an action with no SDK operation behind it
    (``apigateway:invoke``, ``http:invoke``) has no model, so those are not checked.
    """
    if mode == "NONE":
        return
    target = parse_resource(resource)
    if target is None or target.kind != "service" or target.pattern:
        return
    service = target.service.removeprefix("aws-sdk:")
    aliases = _SDK_SERVICES if target.service.startswith("aws-sdk:") else _OPTIMIZED_SERVICES
    model = _service_model(aliases.get(service, service))
    if model is None:
        return
    operation = model["operations"].get(target.action[:1].upper() + target.action[1:])
    if operation is None or "output" not in operation:
        return
    json_fields = _JSON_FIELDS.get((service, target.action), set())
    shape = model["shapes"][operation["output"]["shape"]]
    if not isinstance(result, dict):
        raise ValidationException(_SCHEMA + "The mocked result must be a JSON object")
    _Checker(model["shapes"], strict=mode == "STRICT", json_fields=json_fields).structure(
        result, shape
    )


def _sfn_cased(name: str) -> str:
    """Step Functions presents SDK response members with an upper-case first letter."""
    return name[:1].upper() + name[1:]


class _Checker:
    """Walks a value beside a botocore shape; the first mismatch raises with AWS's wording."""

    def __init__(self, shapes: dict, *, strict: bool, json_fields: set[str]) -> None:
        self.shapes = shapes
        self.strict = strict
        self.json_fields = json_fields

    @staticmethod
    def fail(field: str, problem: str) -> None:
        raise ValidationException(f"{_SCHEMA}Field '{field}' {problem}")

    def structure(self, value: dict, shape: dict) -> None:
        members = {_sfn_cased(k): v for k, v in shape.get("members", {}).items()}
        if self.strict:
            for name in shape.get("required", []):
                if _sfn_cased(name) not in value:
                    raise ValidationException(
                        f"{_SCHEMA}Required field '{_sfn_cased(name)}' is missing"
                    )
        for key, item in value.items():
            member = members.get(key)
            if member is None or key in self.json_fields:
                continue
            self.value(item, self.shapes[member["shape"]], key)

    def value(self, value: Any, shape: dict, field: str) -> None:
        kind = shape["type"]
        if shape.get("document"):
            return
        if kind in ("structure", "union"):
            if not isinstance(value, dict):
                self.fail(field, "must be an object")
            self.structure(value, shape)
        elif kind == "list":
            if not isinstance(value, list):
                self.fail(field, "must be an array")
            member = self.shapes[shape["member"]["shape"]]
            for item in value:
                self.value(item, member, field)
        elif kind == "map":
            if not isinstance(value, dict):
                self.fail(field, "must be an object")
            member = self.shapes[shape["value"]["shape"]]
            for item in value.values():
                self.value(item, member, field)
        elif kind in ("string", "blob", "timestamp"):
            self.text(value, shape, field)
        elif kind in ("integer", "long", "float", "double"):
            self.number(value, shape, field, integral=kind in ("integer", "long"))
        elif kind == "boolean" and not isinstance(value, bool):
            self.fail(field, "must be a boolean")

    def text(self, value: Any, shape: dict, field: str) -> None:
        if not isinstance(value, str):
            self.fail(field, "must be a string")
        if "enum" in shape and value not in shape["enum"]:
            self.fail(field, "is not an expected value")
        if "min" in shape and len(value) < shape["min"]:
            self.fail(field, "is smaller than the minimum length")
        if "max" in shape and len(value) > shape["max"]:
            self.fail(field, "exceeds the maximum length")

    def number(self, value: Any, shape: dict, field: str, *, integral: bool) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(field, "must be a number")
        if integral and isinstance(value, float) and not value.is_integer():
            self.fail(field, "must be an integer")
        if "min" in shape and value < shape["min"]:
            self.fail(field, "is less than the minimum value")
        if "max" in shape and value > shape["max"]:
            self.fail(field, "exceeds the maximum value")


@lru_cache(maxsize=64)
def _service_model(name: str) -> dict | None:
    """The newest ``service-2`` model of an SDK service (None when botocore has none)."""
    return botocore_models.read_model(name)
