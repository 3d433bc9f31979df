"""Choice rules: every comparison operator of JSONPath Choice states, and JSONata Conditions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from course_lib.stepfunctions.dataflow import EvalContext, resolve
from course_lib.stepfunctions.errors import RUNTIME
from course_lib.stepfunctions.jsonpath import MISSING
from course_lib.stepfunctions.timestamps import parse_timestamp


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_string(v: Any) -> bool:
    return isinstance(v, str)


def _ordered(kind: str):
    def compare(a: Any, b: Any, op: str) -> bool:
        if kind == "Numeric":
            if not (_is_number(a) and _is_number(b)):
                return False
        elif kind == "String":
            if not (_is_string(a) and _is_string(b)):
                return False
            a, b = a.encode("utf-16-be", "surrogatepass"), b.encode("utf-16-be", "surrogatepass")
        elif kind == "Timestamp":
            a, b = parse_timestamp(a), parse_timestamp(b)
            if a is None or b is None:
                return False
        elif kind == "Boolean":
            return isinstance(a, bool) and isinstance(b, bool) and a == b
        return {
            "Equals": a == b,
            "LessThan": a < b,
            "GreaterThan": a > b,
            "LessThanEquals": a <= b,
            "GreaterThanEquals": a >= b,
        }[op]

    return compare


COMPARISONS: dict[str, tuple] = {}
for _kind in ("String", "Numeric", "Timestamp"):
    for _op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
        COMPARISONS[f"{_kind}{_op}"] = (_ordered(_kind), _op)
COMPARISONS["BooleanEquals"] = (_ordered("Boolean"), "Equals")

TYPE_TESTS = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

#: Every operator key a choice rule may use, with its ``...Path`` variants.
OPERATORS = frozenset(
    [*COMPARISONS, *(f"{k}Path" for k in COMPARISONS), "StringMatches", *TYPE_TESTS, "IsPresent"]
)


@lru_cache(maxsize=1024)
def _wildcard_pieces(pattern: str) -> tuple[str, ...]:
    """The literal pieces between unescaped ``*`` (``\\*`` is a star, ``\\\\`` a backslash)."""
    pieces, current, i = [], [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            current.append(pattern[i + 1])
            i += 2
            continue
        if c == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    pieces.append("".join(current))
    return tuple(pieces)


def string_matches(value: Any, pattern: str) -> bool:
    """StringMatches: ``*`` matches any run of characters, ``\\*`` a literal star.

    Linear in the length of ``value``: the first piece must start it, the last must end
    it, and each piece between is found leftmost after the previous one (the leftmost
    place is never worse), so no backtracking is needed."""
    if not isinstance(value, str):
        return False
    pieces = _wildcard_pieces(pattern)
    if len(pieces) == 1:
        return value == pieces[0]
    first, *middle, last = pieces
    if len(value) < len(first) + len(last) or not value.startswith(first):
        return False
    if not value.endswith(last):
        return False
    position, end = len(first), len(value) - len(last)
    for piece in middle:
        found = value.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def rule_matches(rule: dict, value: Any, ctx: EvalContext) -> bool:
    """Whether a choice rule (a top-level Choice or a nested one) holds for ``value``."""
    if "And" in rule:
        return all(rule_matches(r, value, ctx) for r in rule["And"])
    if "Or" in rule:
        return any(rule_matches(r, value, ctx) for r in rule["Or"])
    if "Not" in rule:
        return not rule_matches(rule["Not"], value, ctx)
    variable = rule.get("Variable")
    found = resolve(variable, value, ctx)
    for op in rule:
        if op in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        expected = rule[op]
        if op == "IsPresent":
            return (found is not MISSING) == expected
        if found is MISSING:
            raise ctx.error(
                RUNTIME,
                f"Invalid path '{variable}': The choice state's condition path references an invalid value.",
            )
        if op in TYPE_TESTS:
            return TYPE_TESTS[op](found) == expected
        if op == "StringMatches":
            return string_matches(found, expected)
        if op.endswith("Path"):
            other = resolve(expected, value, ctx)
            if other is MISSING:
                raise ctx.error(
                    RUNTIME,
                    f"Invalid path '{expected}': The choice state's condition path references an invalid value.",
                )
            compare, kind = COMPARISONS[op[:-4]]
            return compare(found, other, kind)
        compare, kind = COMPARISONS[op]
        return compare(found, expected, kind)
    raise ctx.error(RUNTIME, "The choice rule has no comparison operator.")
