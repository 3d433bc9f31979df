"""JSONPath as Amazon States Language uses it: the Jayway JsonPath dialect.

Step Functions compiles and evaluates paths with Jayway's JsonPath: the grammar is in
:mod:`jsonpath_syntax`; this module evaluates a parsed path the way Jayway does with
exceptions suppressed, and places ResultPath values.

A path whose every step is definite (one name, one index, several names at the end)
yields one value, and nothing found is an error; any other path yields a list.
A *reference path* (ResultPath) holds only single names and indexes.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from course_lib.stepfunctions.jsonpath_syntax import (
    DeepScan,
    Field,
    Fields,
    Filter,
    Function,
    Index,
    Indexes,
    Literal,
    Path,
    PathSyntaxError,
    Slice,
    Wildcard,
    compile_path,
)

__all__ = [
    "MISSING",
    "Path",
    "PathSyntaxError",
    "parse",
    "select",
    "set_reference",
]

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
_DEFINITE_STEPS = (Field, Index, Function)


def parse(text: str) -> Path:
    """Parse a path; raise :class:`PathSyntaxError` with the reason when it is malformed."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"path must start with '$': {text!r}")
    return compile_path(text)


# -- evaluation -------------------------------------------------------------------------
class _NotFound(Exception):
    """Jayway's PathNotFoundException: a definite step found nothing."""


class _EvalError(_NotFound):
    """A value the path cannot be evaluated against (bad literal, unknown function)."""


def select(path: Path, document: Any, root: Any = None) -> Any:
    """The value ``path`` selects in ``document``: one value for a definite path (MISSING
    when absent), a list (possibly empty) for an indefinite one, MISSING where Jayway
    raises (e.g. a missing object in the middle of a definite path)."""
    try:
        return _select(path.steps, document, document if root is None else root)
    except (_NotFound, RecursionError):  # RecursionError: filters within filters, deeply
        return MISSING


def _select(steps: tuple, document: Any, root: Any) -> Any:
    value, start = document, 0
    for k in range(len(steps) + 1):
        if k < len(steps) and not isinstance(steps[k], Function):
            continue
        segment = steps[start:k]
        if segment:
            value = _segment(segment, value, root)
        if k < len(steps):
            value = _apply_function(steps[k], value, root)
        start = k + 1
    return value


def _step_definite(step: Any, leaf: bool) -> bool:
    return isinstance(step, _DEFINITE_STEPS) or (isinstance(step, Fields) and leaf)


def _segment(steps: tuple, value: Any, root: Any) -> Any:
    """Jayway's token chain, one step at a time over every value reached so far (which
    keeps Jayway's depth-first order). Step Functions evaluates with exceptions
    suppressed: a member missing on the way, or a step applied to the wrong type,
    selects nothing, so an indefinite path gives ``[]``."""
    current = [value]
    for i, step in enumerate(steps):
        leaf = i == len(steps) - 1
        current = [hit for v in current for hit in _hits(step, v, root, leaf)]
    if all(_step_definite(s, i == len(steps) - 1) for i, s in enumerate(steps)):
        if not current:
            raise _NotFound
        return current[0]
    return current


def _hits(step: Any, value: Any, root: Any, leaf: bool) -> list:
    """What one step selects from one value, in Jayway's order."""
    if isinstance(step, Field | Fields) and isinstance(value, dict):
        if isinstance(step, Fields) and leaf:  # several names last: one object of them
            return [{n: value[n] for n in step.names if n in value}]
        names = (step.name,) if isinstance(step, Field) else step.names
        return [value[n] for n in names if n in value]
    if isinstance(step, Index | Indexes | Slice) and isinstance(value, list):
        n = len(value)
        effective = (k + n if k < 0 else k for k in _array_indexes(step, n))
        return [value[e] for e in effective if 0 <= e < n]
    if isinstance(step, Wildcard):
        return _children(value)
    if isinstance(step, Filter):  # an object is tested itself, an array item by item
        candidates = [value] if isinstance(value, dict) else _children(value)
        return [c for c in candidates if _filter_true(step.expression, c, root)]
    if isinstance(step, DeepScan):
        out: list = []
        _scan(step.step, value, root, leaf, out)
        return out
    return []


def _children(value: Any) -> list:
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else []


def _array_indexes(step: Any, length: int) -> range | tuple:
    if isinstance(step, Index):
        return (step.index,)
    if isinstance(step, Indexes):
        return step.indexes
    start, end = step.start, step.end
    if end is None:  # [start:]
        start = max(0, start + length if start < 0 else start)
        return range(start, length)
    if start is None:  # [:end]
        return range(0, min(length, end + length if end < 0 else end)) if length else ()
    end = min(length, end)  # [start:end]: Jayway does not resolve negative bounds here
    return range(start, end) if start < end and length else ()


def _scan(step: Any, value: Any, root: Any, leaf: bool, out: list) -> None:
    """Jayway's ScanPathToken: visit every node (pre-order) where the step applies."""
    stack = [value]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if _scan_matches(step, node, root, leaf):
            # Jayway applies a last step to an array, but hands a middle step's
            # successor every element of the array directly
            direct = isinstance(node, list) and not leaf
            out.extend(node if direct else _hits(step, node, root, leaf))
        stack.extend(reversed(_children(node)))


def _scan_matches(step: Any, node: Any, root: Any, leaf: bool) -> bool:
    if isinstance(step, Field):
        return isinstance(node, dict) and step.name in node
    if isinstance(step, Fields):  # several names: all of them when the step is last
        return isinstance(node, dict) and (not leaf or all(n in node for n in step.names))
    if isinstance(step, Index | Indexes | Slice):
        return isinstance(node, list)
    if isinstance(step, Wildcard):
        return True
    if isinstance(step, Filter):
        return _filter_true(step.expression, node, root)
    return False


# -- filter evaluation: Jayway's value nodes and evaluators ----------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_JAVA_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _decimal(value: Any) -> Decimal | None:
    """The value as Java's BigDecimal reads it (None when it does not)."""
    text = value if isinstance(value, str) else repr(value)
    if not _JAVA_DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def _text(value: Any) -> str:
    """A number or string as Jayway's StringNode holds it."""
    return value if isinstance(value, str) else str(_decimal(value))


def _equal(left: Any, right: Any) -> bool:
    """Jayway's ``left.equals(right)``: a number and a string compare as the left one's
    kind (5 == '5.0' holds, '5.0' == 5 does not); a missing value equals nothing."""
    if left is MISSING or right is MISSING:
        return False
    if _is_number(left) and (_is_number(right) or isinstance(right, str)):
        other = _decimal(right)
        return other is not None and _decimal(left) == other
    if isinstance(left, str) and (_is_number(right) or isinstance(right, str)):
        return left == _text(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if left is None or right is None:
        return left is None and right is None
    return type(left) is type(right) and left == right  # two JSON arrays or objects


def _value_list(value: Any) -> list | None:
    """Jayway's ValueListNode: an array; another JSON value gives none; a scalar is an
    evaluation error, as in Jayway."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return None
    raise _EvalError("expected an array")


def _operand(node: Any, current: Any, root: Any) -> Any:
    kind = node[0]
    if kind == "json":
        try:
            return node[1].value()
        except (ValueError, RecursionError):
            raise _EvalError(node[1].text) from None
    if kind == "path":
        return select(node[2], current if node[1] == "@" else root, root)
    return node[1]  # a literal or a compiled regular expression


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("===", "!=="):
        same = type(left) is type(right) or (_is_number(left) and _is_number(right))
        return (same and _equal(left, right)) == (op == "===")
    if op in ("==", "!="):
        return _equal(left, right) == (op == "==")
    if op in ("<", "<=", ">", ">="):
        if not (_is_number(left) and _is_number(right)) and not (
            isinstance(left, str) and isinstance(right, str)
        ):
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if op in ("in", "nin"):
        items = None if right is MISSING else _value_list(right)
        found = items is not None and any(_equal(left, v) for v in items)
        return found == (op == "in")
    if op == "contains":
        if isinstance(left, str) and isinstance(right, str):
            return right in left
        return isinstance(left, list) and any(_equal(right, v) for v in left)
    if op == "all":
        required = _value_list(right) or []
        return isinstance(left, list | dict) and (
            isinstance(left, dict) or all(any(_equal(r, v) for v in left) for r in required)
        )
    if op in ("subsetof", "anyof", "noneof"):
        lefts, rights = _value_list(left), _value_list(right)
        if lefts is None or rights is None:
            return False
        if op == "subsetof":
            return all(any(_equal(v, r) for r in rights) for v in lefts)
        hit = any(_equal(v, r) for v in lefts for r in rights)
        return hit if op == "anyof" else not hit
    if op == "size":
        if not _is_number(right):
            return False
        return isinstance(left, str | list) and len(left) == int(right)
    if op == "empty":
        if not isinstance(right, bool):
            raise _EvalError("empty needs true or false")
        return isinstance(left, str | list | dict) and (len(left) == 0) == right
    if op == "exists":
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise _EvalError("exists compares booleans")
        return left == right
    raise _EvalError(f"{op} needs a Java class or predicate")  # ``type``, ``matches``


def _regex_input(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _text(value) if isinstance(value, str) or _is_number(value) else ""


def _filter_true(expr: Any, current: Any, root: Any) -> bool:
    kind = expr[0]
    if kind == "or":
        return any(_filter_true(e, current, root) for e in expr[1:])
    if kind == "and":
        return all(_filter_true(e, current, root) for e in expr[1:])
    if kind == "not":
        return not _filter_true(expr[1], current, root)
    if kind == "exists":
        found = _operand(expr[1], current, root) is not MISSING
        return found == expr[2]
    _, op, left_node, right_node = expr
    left, right = _operand(left_node, current, root), _operand(right_node, current, root)
    if op == "=~":  # exactly one side is a pattern; it must match the other side whole
        if (left_node[0] == "regex") == (right_node[0] == "regex"):
            return False
        pattern, value = (left, right) if left_node[0] == "regex" else (right, left)
        if pattern is None:
            raise _EvalError("a regular expression in Java syntax this engine cannot run")
        return bool(pattern.fullmatch(_regex_input(value)))
    return _compare(op, left, right)


# -- path functions ------------------------------------------------------------------------
def _apply_function(step: Function, value: Any, root: Any) -> Any:
    name = step.name
    try:
        extra = [a.value() if isinstance(a, Literal) else select(a, root, root) for a in step.args]
    except ValueError:
        raise _EvalError(name) from None
    if name in ("length", "size"):
        if isinstance(value, list | dict | str):
            return len(value)
        raise _EvalError(name)
    if name == "keys" and isinstance(value, dict):
        return list(value)
    if name in ("first", "last") and isinstance(value, list) and value:
        return value[0] if name == "first" else value[-1]
    if name not in ("min", "max", "avg", "sum", "stddev"):
        raise _EvalError(name)
    items = (value if isinstance(value, list) else []) + extra
    numbers = [v for v in items if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        raise _EvalError(f"{name} of no numbers")
    if name == "min":
        return min(numbers)
    if name == "max":
        return max(numbers)
    try:  # in doubles, as Jayway computes them; past their range there is no JSON number
        total = sum(numbers)
        if name == "sum":
            result = total
        else:
            mean = total / len(numbers)
            result = mean if name == "avg" else _stddev(numbers, mean)
    except OverflowError:
        raise _EvalError(f"{name} is out of the range of a number") from None
    huge = not math.isfinite(result) if isinstance(result, float) else abs(result) > _LARGEST
    if huge:
        raise _EvalError(f"{name} is out of the range of a number")
    return result


_LARGEST = 1.7976931348623157e308  # the largest double


def _stddev(numbers: list, mean: float) -> float:
    """The population standard deviation (Jayway's ``stddev()``)."""
    return (sum((v - mean) ** 2 for v in numbers) / len(numbers)) ** 0.5


# -- ResultPath ----------------------------------------------------------------------------
def set_reference(document: Any, path: Path, value: Any) -> Any:
    """A copy of ``document`` with ``value`` placed at the reference ``path`` (ResultPath).

    Missing objects on the way are created; a step through a non-object raises
    ``ValueError`` naming the path.
    """
    if not path.definite:
        raise ValueError(
            f"ResultPath must be a reference path (no wildcards or filters): {path.text}"
        )
    if not path.steps:
        return value
    return _set(document, list(path.steps), value, path)


def _set(node: Any, steps: list, value: Any, path: Path) -> Any:
    step, rest = steps[0], steps[1:]
    if isinstance(step, Field):
        if not isinstance(node, dict):
            raise ValueError(path.text)
        copy = dict(node)
        copy[step.name] = value if not rest else _set(node.get(step.name, {}), rest, value, path)
        return copy
    if not isinstance(node, list) or not -len(node) <= step.index < len(node):
        raise ValueError(path.text)
    copy = list(node)
    copy[step.index] = value if not rest else _set(node[step.index], rest, value, path)
    return copy
