"""JSON as AWS reads it, wherever JSON crosses a boundary into the engines.

Python's :mod:`json` accepts ``NaN``, ``Infinity`` and ``-Infinity``, which are not
JSON (RFC 8259) and which AWS rejects; it also recurses once per nesting level, so a
deeply nested document ends in a RecursionError on CPython and kills a Pyodide kernel
outright (the JavaScript stack runs out first). Every engine parses and serialises
through this module, so both cases get one clear :class:`JsonError` instead.

The depth limit is the default of Jackson's ``StreamReadConstraints`` (1,000 levels),
the JSON parser of AWS's Java services.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 1000

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonError(ValueError):
    """Text that is not JSON, or a value that cannot be written as JSON.

    ``field`` names what was being read (``"input"``, ``"Detail"``, ...), ``reason``
    says why, in the words a learner can act on.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    """A JSON number as a double; one too large for it (``1e999``) would read as Infinity."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, brackets inside strings ignored."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return min(text.count("[") + text.count("{"), MAX_DEPTH)
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str | bytes, *, field: str = "JSON", max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text strictly: no NaN or Infinity, no invalid UTF-8, bounded depth."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonError(field, f"is not valid UTF-8 (byte {error.start})") from None
    if not isinstance(text, str):
        raise JsonError(field, f"must be a JSON string, not {type(text).__name__}")
    if nesting_depth(text) > max_depth:
        raise JsonError(field, f"nests deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise JsonError(
            field, f"is not valid JSON ({error.msg} at character {error.pos})"
        ) from None
    except (ValueError, RecursionError) as error:
        raise JsonError(field, f"is not valid JSON ({error})") from None


def check(value: Any, *, field: str = "JSON", max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`JsonError` unless ``value`` is plain JSON data.

    Plain means: dicts with string keys, lists, strings, finite numbers, booleans and
    None, nested at most ``max_depth`` levels. Walks iteratively, so depth is no danger.
    """
    stack: list[tuple[Any, int, str]] = [(value, 0, field)]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict | list):
            if depth >= max_depth:
                raise JsonError(where, f"nests deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise JsonError(where, f"has a key that is not a string: {key!r}")
                    stack.append((child, depth + 1, f"{where}.{key}"))
            else:
                stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise JsonError(where, f"{item} is not a JSON number")
        elif item is not None and not isinstance(item, str | int | bool):
            raise JsonError(where, f"a {type(item).__name__} is not a JSON value")


def dumps(value: Any, *, field: str = "JSON", **options: Any) -> str:
    """Serialise plain JSON data; NaN, Infinity and non-JSON types raise :class:`JsonError`."""
    check(value, field=field)
    return json.dumps(value, allow_nan=False, **options)
