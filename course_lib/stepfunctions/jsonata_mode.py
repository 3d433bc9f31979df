"""JSONata states: ``{% expression %}`` strings, ``$states``, and Step Functions' extra functions.

Expressions are evaluated by :mod:`course_lib.jsonata_eval`, which imports jsonata-python
on first use, binds ``$now``/``$millis``/``$random``/``$uuid`` to the virtual clock and
seeded streams, and bounds every evaluation in time and depth; this module adds Step
Functions' functions and maps failures to ``States.QueryEvaluationError``.

Step Functions' additions are bounded too: ``$range`` and ``$partition`` check AWS's
1,000-item limit before building anything, and ``$parse`` reads JSON strictly (no NaN
or Infinity, at most 1,000 levels deep).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from course_lib import jsonata_eval, strict_json
from course_lib.jsonata_eval import UNDEFINED, Clock
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import QUERY_EVALUATION_ERROR
from course_lib.stepfunctions.intrinsics import HASH_ALGORITHMS, range_length, utf8

#: AWS's limit on the arrays ``$range`` and ``$partition`` build.
MAX_ITEMS = 1000


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


def compile_expression(body: str) -> Any:
    """Parse a JSONata expression once (raises ExpressionSyntaxError on bad syntax)."""
    return jsonata_eval.compile_expression(body)


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
        count = range_length(start, end, step)
        if count > MAX_ITEMS:  # counted, not built
            raise ValueError(
                f"$range: the range would have {count} items; at most {MAX_ITEMS} are allowed"
            )
        values = range(start, end + (1 if step > 0 else -1), step)
        return jsonata_eval.library().utils.Utils.create_sequence_from_iter(values)

    def hash(self, value: Any, algorithm: Any) -> str:
        if not isinstance(algorithm, str) or algorithm not in HASH_ALGORITHMS:
            raise ValueError(f"$hash: algorithm must be one of {', '.join(HASH_ALGORITHMS)}")
        text = value if isinstance(value, str) else to_json(jsonata_eval.from_jsonata(value))
        return hashlib.new(HASH_ALGORITHMS[algorithm], utf8(text)).hexdigest()

    def random(self, seed: Any = None) -> float:
        """``$random(seed)``: Step Functions' seeded form; without a seed, the world's stream."""
        if seed is not None:
            return random.Random(seed).random()
        return self.ctx.random.random()

    def parse(self, text: Any) -> Any:
        if not isinstance(text, str):
            raise ValueError("$parse: the argument must be a string")
        try:
            return jsonata_eval.to_jsonata(strict_json.loads(text, field="$parse"))
        except strict_json.JsonError as exc:
            raise ValueError(f"$parse: the string is not JSON ({exc.reason})") from None

    def table(self) -> dict:
        return {
            "partition": self.partition,
            "range": self.range,
            "hash": self.hash,
            "random": self.random,
            "parse": self.parse,
        }


def evaluate_expression(
    text: str, ctx: EvalContext, states: dict, field_path: str, *, allow_undefined: bool = False
) -> Any:
    """Evaluate one ``{% %}`` string with ``$states`` and the visible variables bound."""
    body = expression_body(text)
    where = f"The JSONata expression '{body}' specified for the field '{field_path}'"
    variables = {**ctx.scope.visible(), "states": states}
    clock = Clock(now_millis=ctx.now_millis, rng=ctx.random, uuid=ctx.uuid)
    try:
        value = jsonata_eval.evaluate(body, variables, clock, _Functions(ctx).table())
    except jsonata_eval.ExpressionSyntaxError as exc:
        raise ctx.error(QUERY_EVALUATION_ERROR, f"{where} could not be parsed: {exc}") from None
    except jsonata_eval.EvaluationError as exc:
        detail = f"{exc.code}: {exc}" if exc.code else str(exc)
        raise ctx.error(
            QUERY_EVALUATION_ERROR, f"{where} threw an error during evaluation. {detail}"
        ) from None
    except jsonata_eval.NonFiniteError:
        raise ctx.error(QUERY_EVALUATION_ERROR, f"{where} returned a non-finite number.") from None
    except jsonata_eval.NotJsonError:
        raise ctx.error(
            QUERY_EVALUATION_ERROR, f"{where} returned an unsupported result type."
        ) from None
    if value is UNDEFINED and not allow_undefined:
        raise ctx.error(QUERY_EVALUATION_ERROR, f"{where} returned nothing (undefined).")
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
