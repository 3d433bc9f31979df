"""JSONata as AWS evaluates it: bounded, and deterministic on the virtual clock.

Two engines take JSONata: Step Functions' JSONata states and the Custom Event Bus's
transformers. Both evaluate here, so both get the same guarantees, and each maps
:class:`ExpressionSyntaxError` and :class:`EvaluationError` to its own AWS error:

- ``$now`` and ``$millis`` read the world's virtual clock and ``$random`` and ``$uuid``
  its seeded streams (jsonata-python reads the wall clock and global randomness), so
  a result repeats exactly;
- every evaluation is bounded: at most ``TIMEOUT_MS`` of wall time and ``MAX_DEPTH``
  nested calls (a runaway recursive function fails instead of hanging), ``$pad``
  cannot build a string larger than any payload (``MAX_STRING``), and regexes match
  without backtracking (:func:`linear_regex`);
- values cross in both directions as plain JSON: ``null`` stays ``null``, an absent
  result is :data:`UNDEFINED`, a function or a non-finite number is not JSON.

jsonata-python is imported on first use, so ``import course_lib`` stays light.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

UNDEFINED: Any = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()
#: Wall-clock milliseconds and nested calls one evaluation may take.
TIMEOUT_MS = 1000
MAX_DEPTH = 500
#: No string can usefully outgrow a payload (256 KiB).
MAX_STRING = 256 * 1024


class ExpressionSyntaxError(ValueError):
    """An expression that does not parse; the text is jsonata-python's message."""


class EvaluationError(Exception):
    """An expression that failed while running. ``code`` is JSONata's error code
    (``D1011`` too deep, ``D1012`` too long, ...) when the library gave one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class NotJsonError(TypeError):
    """A result that is not JSON (a function, ...)."""


class NonFiniteError(NotJsonError):
    """A result holding NaN or an infinity, which JSON cannot write."""


@dataclass(frozen=True)
class Clock:
    """The world's time and randomness, as JSONata's nondeterministic functions see them."""

    now_millis: Callable[[], int]
    rng: random.Random
    uuid: Callable[[], str]


def library() -> Any:
    """The ``jsonata`` package, imported on first use."""
    import jsonata

    return jsonata


def linear_regex(pattern: str, flags: Any) -> Any:
    """A JSONata regex (``/.../i``) compiled for matching in time linear in the text.

    Python's ``re`` backtracks: ``$match(s, /(a+)+b/)`` on thirty ``a`` runs for minutes
    inside one call, where the evaluation's time bound cannot stop it. RE2 (google-re2)
    cannot backtrack. What RE2 cannot run (backreferences, lookaround), and a Python
    without it (the browser's), falls back to ``re``.
    """
    fallback = library().regex_engine.default_regex_engine
    try:
        import re2
    except ImportError:
        return fallback(pattern, flags)
    options = re2.Options()
    options.log_errors = False  # a pattern RE2 refuses goes to re, silently
    options.case_sensitive = not flags.case_insensitive
    try:
        return re2.compile(f"(?m){pattern}" if flags.multiline else pattern, options)
    except re2.error:
        return fallback(pattern, flags)


@lru_cache(maxsize=2048)
def compile_expression(body: str) -> Any:
    """Parse an expression once. Compiled expressions are shared: evaluation never
    changes them (functions and bounds go into a fresh frame per evaluation)."""
    try:
        expression = library().Jsonata(body, linear_regex)
    except Exception as exc:  # the library raises its own exception types
        raise ExpressionSyntaxError(str(exc)) from None
    expression.set_output_convert_nulls(False)
    return expression


def to_jsonata(value: Any) -> Any:
    """A JSON value as jsonata-python reads it (``None`` is its null, not undefined)."""
    if value is None:
        return library().utils.Utils.NULL_VALUE
    if isinstance(value, Mapping):
        return {k: to_jsonata(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_jsonata(v) for v in value]
    return value


def from_jsonata(value: Any) -> Any:
    """Plain JSON from a result (:data:`UNDEFINED` when absent); raises NotJsonError."""
    if value is None:
        return UNDEFINED
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise NonFiniteError("a non-finite number")
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, Mapping):
        out = {k: from_jsonata(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not UNDEFINED}
    if isinstance(value, list):
        return [v for v in (from_jsonata(item) for item in value) if v is not UNDEFINED]
    if type(value).__name__ == "NullValue":
        return None
    raise NotJsonError(f"a {type(value).__name__}")


def format_millis(millis: int) -> str:
    """``2025-01-06T09:00:00.123Z``: what ``$now()`` returns without a picture."""
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def _deterministic(clock: Clock) -> dict[str, Callable]:
    functions = library().functions.Functions

    def now(picture: Any = None, timezone: Any = None) -> str:
        millis = clock.now_millis()
        if picture is None and timezone is None:
            return format_millis(millis)
        return functions.datetime_from_millis(millis, picture, timezone)

    def pad(text: Any, width: Any, char: Any = None) -> Any:
        number = isinstance(width, int | float) and not isinstance(width, bool)
        if number and abs(width) > MAX_STRING:
            raise ValueError(f"$pad: a width of {width} exceeds {MAX_STRING} characters")
        return functions.pad(text, width, char)

    return {
        "now": now,
        "millis": clock.now_millis,
        "random": lambda: clock.rng.random(),
        "uuid": clock.uuid,
        "pad": pad,
    }


def evaluate(
    body: str,
    variables: Mapping[str, Any],
    clock: Clock,
    functions: Mapping[str, Callable] | None = None,
) -> Any:
    """Evaluate ``body`` with ``variables`` (plain JSON) bound as ``$name``.

    ``functions`` add to or replace the deterministic ones (an engine's own extras).
    Returns plain JSON or :data:`UNDEFINED`; raises ExpressionSyntaxError,
    EvaluationError, or NotJsonError for a result that is not JSON.
    """
    jsonata = library()
    expression = compile_expression(body)
    frame = expression.create_frame(expression.environment)
    for name, implementation in {**_deterministic(clock), **(functions or {})}.items():
        frame.bind(name, jsonata.Jsonata.JLambda(implementation))
    for name, value in variables.items():
        frame.bind(name, to_jsonata(value))
    # The library's clock starts when the bounds are set: a fresh one for each evaluation.
    frame.set_runtime_bounds(TIMEOUT_MS, MAX_DEPTH)
    try:
        raw = expression.evaluate(None, frame)
    except RecursionError:
        raise EvaluationError("It nests too deeply.") from None
    except Exception as exc:  # the library's errors, and those of the functions it calls
        raise EvaluationError(str(exc), getattr(exc, "error", None)) from None
    return from_jsonata(raw)
