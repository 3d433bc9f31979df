"""JSONata states: ``{% expression %}`` strings, ``$states``, and Step Functions' extra functions.

The ``jsonata`` package is imported on first use, so ``import course_lib.stepfunctions``
stays light. ``$now``/``$millis`` read the virtual clock and ``$random``/``$uuid`` the
world's seeded streams, so JSONata results repeat exactly.

Every evaluation is bounded: at most ``TIMEOUT_MS`` of wall time and ``MAX_DEPTH``
nested calls (a runaway recursive function fails with ``States.QueryEvaluationError``
instead of hanging), ``$range`` checks AWS's 1,000-item limit before building
anything, ``$pad`` stays within the 256 KiB payload limit, and ``$parse``
reads JSON strictly (no NaN or Infinity, at most 1,000 levels deep).
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import QUERY_EVALUATION_ERROR, StatesError
from course_lib.stepfunctions.intrinsics import HASH_ALGORITHMS
from course_lib.stepfunctions.timestamps import format_timestamp

UNDEFINED: Any = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()
#: Wall-clock milliseconds and nested calls one expression may take.
TIMEOUT_MS = 1000
MAX_DEPTH = 500
#: AWS's limit on the arrays ``$range`` and ``$partition`` build.
MAX_ITEMS = 1000
#: No string can usefully outgrow a payload (256 KiB).
MAX_STRING = 256 * 1024


def is_expression(value: Any) -> bool:
    """Whether a field value is a JSONata expression string ``{% ... %}``."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4
    )


def expression_body(value: str) -> str:
    return value[2:-2].strip()


def _jsonata():
    import jsonata

    return jsonata


@lru_cache(maxsize=2048)
def compile_expression(body: str) -> Any:
    """Parse a JSONata expression once (raises the library's error on bad syntax)."""
    expr = _jsonata().Jsonata(body)
    expr.set_output_convert_nulls(False)
    return expr


def _to_jsonata(value: Any) -> Any:
    if value is None:
        return _jsonata().utils.Utils.NULL_VALUE
    if isinstance(value, dict):
        return {k: _to_jsonata(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_jsonata(v) for v in value]
    return value


def _from_jsonata(value: Any) -> Any:
    """Plain JSON from a JSONata result; functions and other non-JSON raise TypeError."""
    if value is None:
        return UNDEFINED
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            converted = _from_jsonata(v)
            if converted is not UNDEFINED:
                out[k] = converted
        return out
    if isinstance(value, list):
        return [c for c in (_from_jsonata(v) for v in value) if c is not UNDEFINED]
    if type(value).__name__ == "NullValue":
        return None
    raise TypeError(type(value).__name__)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Functions:
    """Step Functions' JSONata additions, bound to one evaluation context."""

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx

    def partition(self, array: Any, size: Any) -> list:
        if not isinstance(array, list):
            array = [array]
        if (
            not isinstance(size, int | float)
            or isinstance(size, bool)
            or size < 1
            or size != int(size)
        ):
            raise ValueError("$partition: the chunk size must be a positive integer")
        size = int(size)
        return [array[i : i + size] for i in range(0, len(array), size)]

    def range(self, start: Any, end: Any, step: Any) -> list:
        """A JSONata sequence, as AWS's ``$range`` returns: one number is that number."""
        for v in (start, end, step):
            if not isinstance(v, int | float) or isinstance(v, bool) or v != int(v):
                raise ValueError("$range: start, end and step must be integers")
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("$range: the step cannot be 0")
        values = range(start, end + (1 if step > 0 else -1), step)
        if len(values) > MAX_ITEMS:  # counted, not built
            raise ValueError(
                f"$range: the range would have {len(values)} items; at most {MAX_ITEMS} are allowed"
            )
        return _jsonata().utils.Utils.create_sequence_from_iter(values)

    def pad(self, text: Any, width: Any, char: Any = None) -> Any:
        number = isinstance(width, int | float) and not isinstance(width, bool)
        if number and abs(width) > MAX_STRING:
            raise ValueError(f"$pad: a width of {width} exceeds {MAX_STRING} characters")
        return _jsonata().functions.Functions.pad(text, width, char)

    def hash(self, value: Any, algorithm: Any) -> str:
        if not isinstance(algorithm, str) or algorithm not in HASH_ALGORITHMS:
            raise ValueError(f"$hash: algorithm must be one of {', '.join(HASH_ALGORITHMS)}")
        text = value if isinstance(value, str) else to_json(_from_jsonata(value))
        return hashlib.new(HASH_ALGORITHMS[algorithm], text.encode()).hexdigest()

    def random(self, seed: Any = None) -> float:
        if seed is not None:
            return random.Random(seed).random()
        return self.ctx.random.random()

    def uuid(self) -> str:
        return self.ctx.uuid()

    def parse(self, text: Any) -> Any:
        if not isinstance(text, str):
            raise ValueError("$parse: the argument must be a string")
        try:
            return _to_jsonata(strict_json.loads(text, field="$parse"))
        except strict_json.JsonError as exc:
            raise ValueError(f"$parse: the string is not JSON ({exc.reason})") from None

    def now(self, picture: Any = None, timezone: Any = None) -> str:
        millis = self.ctx.now_millis()
        if picture is None and timezone is None:
            return format_timestamp(datetime.fromtimestamp(millis / 1000, UTC))
        return _jsonata().functions.Functions.datetime_from_millis(millis, picture, timezone)

    def millis(self) -> int:
        return self.ctx.now_millis()


def evaluate_expression(
    text: str, ctx: EvalContext, states: dict, field_path: str, *, allow_undefined: bool = False
) -> Any:
    """Evaluate one ``{% %}`` string with ``$states`` and the visible variables bound."""
    body = expression_body(text)
    try:
        expr = compile_expression(body)
    except Exception as exc:  # the library raises its own exception type
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' could not be parsed: {exc}",
        ) from None
    funcs = _Functions(ctx)
    for name in ("partition", "range", "hash", "random", "uuid", "parse", "now", "millis", "pad"):
        expr.register_lambda(name, getattr(funcs, name))
    # The library's clock starts when bounds are set: set them afresh for each evaluation.
    expr.environment.set_runtime_bounds(TIMEOUT_MS, MAX_DEPTH)
    bindings = {name: _to_jsonata(value) for name, value in ctx.scope.visible().items()}
    bindings["states"] = _to_jsonata(states)
    try:
        raw = expr.evaluate(None, bindings)
    except StatesError:
        raise
    except RecursionError:
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' threw an error during evaluation. "
            "It nests too deeply.",
        ) from None
    except Exception as exc:
        code = getattr(exc, "error", None)
        detail = f"{code}: {exc}" if code else str(exc)
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' threw an error during evaluation. {detail}",
        ) from None
    try:
        value = _from_jsonata(raw)
    except TypeError:
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' returned an unsupported result type.",
        ) from None
    if value is UNDEFINED and not allow_undefined:
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' returned nothing (undefined).",
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' returned a non-finite number.",
        )
    return value


def evaluate_template(template: Any, ctx: EvalContext, states: dict, field_path: str) -> Any:
    """A JSONata-mode field value: expressions anywhere inside objects and arrays are evaluated."""
    if is_expression(template):
        return evaluate_expression(template, ctx, states, field_path)
    if isinstance(template, dict):
        return {
            k: evaluate_template(v, ctx, states, f"{field_path}/{k}") for k, v in template.items()
        }
    if isinstance(template, list):
        return [
            evaluate_template(v, ctx, states, f"{field_path}[{i}]") for i, v in enumerate(template)
        ]
    return template


def evaluate_typed(
    template: Any, ctx: EvalContext, states: dict, field_path: str, expected: str
) -> Any:
    """Evaluate a field that must produce one JSON type (``Items`` must be an array...)."""
    value = evaluate_template(template, ctx, states, field_path)
    if _type_name(value) != expected:
        body = expression_body(template) if is_expression(template) else to_json(template)
        raise ctx.error(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_path}' returned an unexpected result type. "
            f"Expected '{expected}', but was '{_type_name(value)}' for value: {to_json(value)}",
        )
    return value


def states_variable(ctx: EvalContext, raw_input: Any, **extra: Any) -> dict:
    """The reserved ``$states`` variable: input, context, and result or errorOutput when known."""
    return {"input": raw_input, "context": ctx.context_object, **extra}


def evaluate_assign(assign: Any, ctx: EvalContext, states: dict) -> dict:
    """A JSONata Assign: an object of templates, or one expression giving an object."""
    if is_expression(assign):
        value = evaluate_expression(assign, ctx, states, "Assign")
        if not isinstance(value, dict):
            raise ctx.error(QUERY_EVALUATION_ERROR, "The Assign field must evaluate to an object.")
        return value
    return {k: evaluate_template(v, ctx, states, f"Assign/{k}") for k, v in assign.items()}


def evaluate_output(state: dict, ctx: EvalContext, states: dict, default_output: Any) -> Any:
    """A JSONata Output (the default is the state's result, or its input when there is none)."""
    if "Output" not in state:
        return default_output
    return evaluate_template(state["Output"], ctx, states, "Output")


def evaluate_output_and_assign(
    state: dict, ctx: EvalContext, states: dict, default_output: Any
) -> tuple[Any, dict]:
    """Output and Assign of a JSONata state (or Catcher, or Choice rule); both read the
    variables as they were before the state, so neither sees the other's assignments."""
    assigned = evaluate_assign(state["Assign"], ctx, states) if "Assign" in state else {}
    return evaluate_output(state, ctx, states, default_output), assigned


def type_name(value: Any) -> str:
    """JSON type name of a value as AWS names it in messages."""
    return _type_name(value)
