"""JSONPath data flow: each stage of a state's input/output processing as its own function.

The stages run in AWS's order: InputPath -> Parameters -> (task) -> ResultSelector ->
ResultPath -> OutputPath. Each takes a :class:`EvalContext` so a caller (the
interpreter, or a TestState layer) can run and record them one by one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course_lib.stepfunctions import intrinsics, jsonpath
from course_lib.stepfunctions.errors import (
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
    StatesError,
)
from course_lib.stepfunctions.jsonpath import MISSING
from course_lib.stepfunctions.variables import Scope

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def to_json(value: Any) -> str:
    """Compact JSON the way AWS prints values in messages and history."""
    return _COMPACT.encode(value)


@dataclass
class EvalContext:
    """Everything an expression in one state may read: context object, variables, streams."""

    state_name: str
    entered_event_id: int
    context_object: dict
    scope: Scope
    random: Any
    uuid: Callable[[], str]
    now_millis: Callable[[], int] = lambda: 0

    def error(self, error: str, message: str) -> StatesError:
        """A StatesError whose cause says which state failed, as AWS words it."""
        return StatesError(
            error,
            f"An error occurred while executing the state '{self.state_name}' "
            f"(entered at the event id #{self.entered_event_id}). {message}",
        )


def resolve(text: str, current: Any, ctx: EvalContext) -> Any:
    """The value of path ``text`` against the input ``current``, ``$$`` or a variable
    (``MISSING`` when it selects nothing)."""
    path = jsonpath.parse(text)
    if path.root == "$":
        return jsonpath.select(path, current)
    if path.root == "$$":
        return jsonpath.select(path, ctx.context_object)
    value = ctx.scope.get(path.root)
    if value is MISSING:
        return MISSING
    return jsonpath.select(path, value)


def _missing_field(ctx: EvalContext, text: str, field_name: str, current: Any) -> StatesError:
    return ctx.error(
        RUNTIME,
        f"The JSONPath '{text}' specified for the field '{field_name}' could not be found in the input '{to_json(current)}'",
    )


def select_required(text: str, current: Any, ctx: EvalContext, field_name: str) -> Any:
    """Resolve a path that must select something; fail with AWS's message otherwise."""
    try:
        value = resolve(text, current, ctx)
    except jsonpath.PathSyntaxError as exc:
        raise ctx.error(
            RUNTIME, f"Invalid path '{text}' for the field '{field_name}': {exc}"
        ) from None
    if value is MISSING:
        path = jsonpath.parse(text)
        if path.root not in ("$", "$$"):
            raise ctx.error(
                RUNTIME,
                f"The JSONPath '{text}' specified for the field '{field_name}' could not be found: no variable named '{path.root}'",
            )
        raise _missing_field(ctx, text, field_name, current)
    return value


def evaluate_path_or_intrinsic(text: str, current: Any, ctx: EvalContext, field_name: str) -> Any:
    """A ``.$`` value: an intrinsic call or a path."""
    if intrinsics.looks_like_intrinsic(text):
        env = intrinsics.Env(
            lambda p: select_required(p, current, ctx, field_name), ctx.random, ctx.uuid
        )
        try:
            return intrinsics.evaluate(text, env)
        except intrinsics.IntrinsicSyntaxError as exc:
            raise ctx.error(
                RUNTIME, f"Invalid intrinsic function in the field '{field_name}': {exc}"
            ) from None
    return select_required(text, current, ctx, field_name)


def payload_template(template: Any, current: Any, ctx: EvalContext) -> Any:
    """Evaluate a payload template (Parameters, ResultSelector, ItemSelector, Assign...):
    keys ending in ``.$`` take the value of their path or intrinsic."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = evaluate_path_or_intrinsic(value, current, ctx, key)
            else:
                out[key] = payload_template(value, current, ctx)
        return out
    if isinstance(template, list):
        return [payload_template(item, current, ctx) for item in template]
    return template


def _path_stage(text: str | None, value: Any, ctx: EvalContext) -> Any:
    if text is None:
        return {}
    try:
        found = resolve(text, value, ctx)
    except jsonpath.PathSyntaxError as exc:
        raise ctx.error(RUNTIME, f"Invalid path '{text}' : {exc}") from None
    if found is MISSING:
        raise ctx.error(
            RUNTIME,
            f"Invalid path '{text}' : No results for path: {jsonpath.parse(text).normalized()}",
        )
    return found


def apply_input_path(state: dict, raw_input: Any, ctx: EvalContext) -> Any:
    """InputPath: the part of the raw input the state works on (``null`` gives ``{}``)."""
    if "InputPath" not in state:
        return raw_input
    return _path_stage(state["InputPath"], raw_input, ctx)


def apply_parameters(state: dict, value: Any, ctx: EvalContext, key: str = "Parameters") -> Any:
    """Parameters (or ItemSelector): the payload template applied to the effective input."""
    if key not in state:
        return value
    return payload_template(state[key], value, ctx)


def apply_result_selector(state: dict, result: Any, ctx: EvalContext) -> Any:
    """ResultSelector: reshape a task, Map or Parallel result before ResultPath."""
    if "ResultSelector" not in state:
        return result
    return payload_template(state["ResultSelector"], result, ctx)


def apply_result_path(state: dict, raw_input: Any, result: Any, ctx: EvalContext) -> Any:
    """ResultPath: place the result into the raw input (``null`` discards it)."""
    if "ResultPath" not in state:
        return result
    text = state["ResultPath"]
    if text is None:
        return raw_input
    path = jsonpath.parse(text)
    try:
        return jsonpath.set_reference(raw_input, path, result)
    except ValueError:
        raise ctx.error(
            RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ResultPath '{text}' to input '{to_json(raw_input)}'",
        ) from None


def apply_output_path(state: dict, value: Any, ctx: EvalContext) -> Any:
    """OutputPath: the part of the processed value passed to the next state."""
    if "OutputPath" not in state:
        return value
    return _path_stage(state["OutputPath"], value, ctx)


def evaluate_assign_jsonpath(assign: dict, value: Any, ctx: EvalContext) -> dict:
    """Assign in a JSONPath state: a payload template over the state's result, all
    expressions reading the variables as they were before the state."""
    return payload_template(assign, value, ctx)
