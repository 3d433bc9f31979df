"""The 18 intrinsic functions of JSONPath states (``States.Format(...)`` and friends).

An intrinsic is parsed once into a small tree, then evaluated with a resolver that
turns a path argument (``$.x``, ``$$.Execution.Id``, ``$var``) into its value.
Argument errors raise ``States.IntrinsicFailure`` with the function's name.

Limits, as on AWS: ``States.ArrayRange`` makes at most 1,000 items (counted before
anything is built), ``Base64Encode``/``Base64Decode``/``Hash`` take at most 10,000
characters, ``MathAdd``/``MathRandom`` work on Java ints, ``StringToJson`` reads JSON
strictly (no NaN or Infinity). Calls nest at most 100 deep.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions.errors import INTRINSIC_FAILURE, StatesError

FUNCTION_NAMES = (
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
)

MAX_ARRAY_RANGE = 1000
MAX_ENCODE_LENGTH = 10000
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class IntrinsicSyntaxError(ValueError):
    """An intrinsic call that does not parse."""


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


@dataclass(frozen=True)
class PathArg:
    text: str


@dataclass(frozen=True)
class Literal:
    value: Any
    raw: str | None = None


@dataclass(frozen=True)
class FormatTemplate:
    """A States.Format template written as a literal: ``\\{`` and ``\\}`` are literal braces."""

    raw: str

    def pieces(self) -> list[str]:
        out, cur, i = [], [], 0
        raw = self.raw
        while i < len(raw):
            if raw[i] == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                cur.append(nxt if nxt in "'{}\\" else "\\" + nxt)
                i += 2
            elif raw.startswith("{}", i):
                out.append("".join(cur))
                cur = []
                i += 2
            else:
                cur.append(raw[i])
                i += 1
        out.append("".join(cur))
        return out


def looks_like_intrinsic(text: str) -> bool:
    """Whether a ``.$`` value is an intrinsic call rather than a path."""
    return isinstance(text, str) and text.startswith("States.")


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FUNC = re.compile(r"States\.[A-Za-z0-9]+")


#: How deeply calls may nest inside one another (the parser recurses once per level).
MAX_NESTING = 100


@lru_cache(maxsize=4096)
def parse(text: str) -> Call:
    """Parse an intrinsic call; raise :class:`IntrinsicSyntaxError` naming the problem."""
    if _nesting(text) > MAX_NESTING:
        raise IntrinsicSyntaxError(f"calls nest deeper than {MAX_NESTING} levels")
    node, pos = _parse_call(text, 0)
    if text[pos:].strip():
        raise IntrinsicSyntaxError(f"unexpected text after the call at position {pos}: {text!r}")
    return node


def _nesting(text: str) -> int:
    """The deepest parenthesis nesting outside quoted strings."""
    depth = deepest = 0
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and ch == ")":
            depth -= 1
    return deepest


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _parse_call(text: str, pos: int) -> tuple[Call, int]:
    m = _FUNC.match(text, pos)
    if not m:
        raise IntrinsicSyntaxError(f"expected an intrinsic function at position {pos}: {text!r}")
    name = m.group(0)
    if name not in FUNCTION_NAMES:
        raise IntrinsicSyntaxError(f"unknown intrinsic function {name!r}")
    pos = _skip(text, m.end())
    if pos >= len(text) or text[pos] != "(":
        raise IntrinsicSyntaxError(f"expected '(' after {name}")
    pos = _skip(text, pos + 1)
    args: list = []
    if pos < len(text) and text[pos] == ")":
        return Call(name, ()), pos + 1
    while True:
        arg, pos = _parse_arg(text, pos)
        args.append(arg)
        pos = _skip(text, pos)
        if pos >= len(text):
            raise IntrinsicSyntaxError(f"missing ')' in {text!r}")
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
            continue
        if text[pos] == ")":
            return Call(name, tuple(args)), pos + 1
        raise IntrinsicSyntaxError(f"unexpected {text[pos]!r} at position {pos} in {text!r}")


def _parse_arg(text: str, pos: int) -> tuple[Any, int]:
    if pos >= len(text):
        raise IntrinsicSyntaxError(f"missing argument in {text!r}")
    c = text[pos]
    if c == "'":
        out, i = [], pos + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                out.append(nxt if nxt in "'{}\\" else "\\" + nxt)
                i += 2
                continue
            if ch == "'":
                return Literal("".join(out), text[pos + 1 : i]), i + 1
            out.append(ch)
            i += 1
        raise IntrinsicSyntaxError(f"unterminated string literal in {text!r}")
    if c == "$":
        depth, i, quote = 0, pos, None
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"" and depth > 0:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            i += 1
        return PathArg(text[pos:i].strip()), i
    if text.startswith("States.", pos):
        return _parse_call(text, pos)
    for word, value in (("true", True), ("false", False), ("null", None)):
        if text.startswith(word, pos):
            return Literal(value), pos + len(word)
    m = _NUMBER.match(text, pos)
    if m:
        try:
            number = json.loads(m.group(0))
        except ValueError:  # more digits than Python converts
            raise IntrinsicSyntaxError(f"the number at position {pos} is too long") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise IntrinsicSyntaxError(f"the number at position {pos} is out of range")
        return Literal(number), m.end()
    raise IntrinsicSyntaxError(f"unexpected {c!r} at position {pos} in {text!r}")


# -- evaluation ---------------------------------------------------------------------------
class Env:
    """What an intrinsic needs from the outside: path resolution and random streams."""

    def __init__(self, resolve: Callable[[str], Any], random: Any, uuid: Callable[[], str]) -> None:
        self.resolve = resolve
        self.random = random
        self.uuid = uuid


def evaluate(call: Call | str, env: Env) -> Any:
    """Evaluate an intrinsic (parsed or text) and return its JSON value."""
    if isinstance(call, str):
        call = parse(call)
    args = [_arg_value(a, env) for a in call.args]
    if call.name == "States.Format" and call.args and isinstance(call.args[0], Literal):
        args[0] = FormatTemplate(call.args[0].raw or "")
    return _FUNCTIONS[call.name](call.name, args, env)


def _arg_value(arg: Any, env: Env) -> Any:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, PathArg):
        return env.resolve(arg.text)
    return evaluate(arg, env)


def _fail(name: str, message: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, f"Invalid arguments in {name}: {message}")


def _count(name: str, args: list, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise _fail(name, f"expected {expected} argument(s), got {len(args)}")


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer()
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _need(name: str, value: Any, check: Callable[[Any], bool], what: str, position: int) -> None:
    if not check(value):
        raise _fail(name, f"argument {position} must be {what}, got {json.dumps(value)}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return java_json(value)


def java_json(value: Any) -> str:
    """Compact JSON as AWS's Jackson writes it: a float in Java's ``Double.toString``
    form (``1.0E10``, ``1.0E-4``, ``2.5``), everything else as JSON."""
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string(k)}:{java_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(java_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def utf8(text: str) -> bytes:
    """Text as UTF-8 bytes the way Java's ``String.getBytes(UTF_8)`` makes them: a lone
    surrogate (JSON's ``"\\ud800"`` escape reads as one) becomes ``?`` instead of an error."""
    return text.encode("utf-8", "replace")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _java_double(number: float) -> str:
    """Java's ``Double.toString``: plain from 10^-3 to 10^7, else ``d.dddE±n``, always
    with a fraction digit; the digits are the shortest that read back the same."""
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    if 1e-3 <= abs(number) < 1e7:
        text = format(number, "f") if "e" in repr(number) else repr(number)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    shown = "".join(map(str, digits))
    power = len(shown) - 1 + exponent
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def _format(name: str, args: list, env: Env) -> str:
    if not args:
        raise _fail(name, "expected a template string")
    template = args[0]
    if isinstance(template, FormatTemplate):
        pieces = template.pieces()
    else:
        _need(name, template, lambda v: isinstance(v, str), "a string", 1)
        pieces = template.split("{}")
    values = args[1:]
    if len(pieces) - 1 != len(values):
        raise _fail(
            name,
            f"the template has {len(pieces) - 1} placeholder(s) but {len(values)} value(s) were given",
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(_java_text(value))
        out.append(piece)
    return "".join(out)


def _java_text(value: Any) -> str:
    """A value as States.Format writes it: AWS formats with Java's ``toString``, so an
    object reads ``{a=1, b=[x, y]}`` and strings inside it lose their quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    return _text(value)


def _string_to_json(name: str, args: list, env: Env) -> Any:
    _count(name, args, 1)
    _need(name, args[0], lambda v: isinstance(v, str), "a string", 1)
    if not args[0].strip():
        return None
    try:
        return strict_json.loads(args[0], field="argument 1")
    except strict_json.JsonError as exc:
        raise _fail(
            name, f"the string is not valid JSON ({exc.reason}): {args[0][:80]!r}"
        ) from None


def _json_to_string(name: str, args: list, env: Env) -> str:
    _count(name, args, 1)
    return java_json(args[0])


def _array(name: str, args: list, env: Env) -> list:
    return list(args)


def _array_partition(name: str, args: list, env: Env) -> list:
    _count(name, args, 2)
    array, size = args
    _need(name, array, lambda v: isinstance(v, list), "an array", 1)
    _need(name, size, lambda v: _is_int(v) and v > 0, "a positive integer", 2)
    size = int(size)
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(name: str, args: list, env: Env) -> bool:
    _count(name, args, 2)
    _need(name, args[0], lambda v: isinstance(v, list), "an array", 1)
    return any(_json_equal(item, args[1]) for item in args[0])


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _array_range(name: str, args: list, env: Env) -> list:
    _count(name, args, 3)
    for i, v in enumerate(args, 1):
        _need(name, v, _is_int, "an integer", i)
    start, end, step = (int(v) for v in args)
    if step == 0:
        raise _fail(name, "the step cannot be 0")
    count = range_length(start, end, step)
    if count > MAX_ARRAY_RANGE:  # counted, not built: a range of 1e18 costs nothing
        raise _fail(
            name, f"the range would have {count} items; at most {MAX_ARRAY_RANGE} are allowed"
        )
    return list(range(start, end + (1 if step > 0 else -1), step))


def range_length(start: int, end: int, step: int) -> int:
    """How many numbers run from ``start`` to ``end`` (inclusive) by ``step`` (not 0),
    counted without ``len(range(...))``, which overflows past 2**63."""
    if (end - start) * step < 0:
        return 0
    return (end - start) // step + 1


def _array_get_item(name: str, args: list, env: Env) -> Any:
    _count(name, args, 2)
    array, index = args
    _need(name, array, lambda v: isinstance(v, list), "an array", 1)
    _need(name, index, lambda v: _is_int(v) and v >= 0, "a non-negative integer", 2)
    if int(index) >= len(array):
        raise _fail(
            name, f"index {int(index)} is out of bounds for an array of length {len(array)}"
        )
    return array[int(index)]


def _array_length(name: str, args: list, env: Env) -> int:
    _count(name, args, 1)
    _need(name, args[0], lambda v: isinstance(v, list), "an array", 1)
    return len(args[0])


def _array_unique(name: str, args: list, env: Env) -> list:
    _count(name, args, 1)
    _need(name, args[0], lambda v: isinstance(v, list), "an array", 1)
    out: list = []
    seen: set[str] = set()
    for item in args[0]:  # one canonical text per JSON value: linear, not quadratic
        key = json.dumps(_canonical(item), sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _canonical(value: Any) -> Any:
    """A value whose JSON text is equal exactly when :func:`_json_equal` says so."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _base64_encode(name: str, args: list, env: Env) -> str:
    _count(name, args, 1)
    _need(name, args[0], lambda v: isinstance(v, str), "a string", 1)
    if len(args[0]) > MAX_ENCODE_LENGTH:
        raise _fail(name, f"the input exceeds {MAX_ENCODE_LENGTH} characters")
    return base64.b64encode(utf8(args[0])).decode()


def _base64_decode(name: str, args: list, env: Env) -> str:
    _count(name, args, 1)
    _need(name, args[0], lambda v: isinstance(v, str), "a string", 1)
    if len(args[0]) > MAX_ENCODE_LENGTH:
        raise _fail(name, f"the input exceeds {MAX_ENCODE_LENGTH} characters")
    try:
        return base64.b64decode(args[0], validate=True).decode()
    except ValueError:
        raise _fail(name, "the input is not valid base64") from None


def _hash(name: str, args: list, env: Env) -> str:
    _count(name, args, 2)
    data, algorithm = args
    if data is None:
        raise _fail(name, "the data to hash cannot be null")
    text = _text(data)
    if len(text) > MAX_ENCODE_LENGTH:
        raise _fail(name, f"the data exceeds {MAX_ENCODE_LENGTH} characters")
    if not isinstance(algorithm, str) or algorithm not in HASH_ALGORITHMS:
        raise _fail(
            name,
            f"algorithm must be one of {', '.join(HASH_ALGORITHMS)}, got {json.dumps(algorithm)}",
        )
    return hashlib.new(HASH_ALGORITHMS[algorithm], utf8(text)).hexdigest()


def _json_merge(name: str, args: list, env: Env) -> dict:
    _count(name, args, 3)
    left, right, deep = args
    _need(name, left, lambda v: isinstance(v, dict), "an object", 1)
    _need(name, right, lambda v: isinstance(v, dict), "an object", 2)
    if deep is not False:
        raise _fail(name, "deep merging is not supported; the third argument must be false")
    return {**left, **right}


#: MathRandom and MathAdd work on Java ints, as on AWS.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _java_round(value: float) -> int:
    return math.floor(value + 0.5)


def _int_argument(name: str, value: Any, position: int) -> int:
    """A number argument rounded as Java rounds it; outside Java's int range it fails."""
    _need(name, value, _is_number, "a number", position)
    if not INT_MIN <= value <= INT_MAX:
        raise _fail(
            name, f"argument {position} must be between {INT_MIN} and {INT_MAX}, got {value}"
        )
    return _java_round(value)


def _math_random(name: str, args: list, env: Env) -> int:
    _count(name, args, 2, 3)
    lo, hi = _int_argument(name, args[0], 1), _int_argument(name, args[1], 2)
    if lo >= hi:
        raise _fail(name, "the start must be lower than the end")
    if len(args) == 3:
        _need(name, args[2], _is_int, "an integer seed", 3)
        return random.Random(int(args[2])).randrange(lo, hi)
    return env.random.randrange(lo, hi)


def _math_add(name: str, args: list, env: Env) -> int:
    _count(name, args, 2)
    total = _int_argument(name, args[0], 1) + _int_argument(name, args[1], 2)
    if not INT_MIN <= total <= INT_MAX:
        raise _fail(name, f"the sum {total} is outside {INT_MIN} to {INT_MAX}")
    return total


def _string_split(name: str, args: list, env: Env) -> list:
    _count(name, args, 2)
    text, delimiters = args
    _need(name, text, lambda v: isinstance(v, str), "a string", 1)
    _need(name, delimiters, lambda v: isinstance(v, str), "a string", 2)
    if not delimiters:
        return [text] if text else []
    parts = re.split("|".join(re.escape(ch) for ch in delimiters), text)
    return [p for p in parts if p]


def _uuid(name: str, args: list, env: Env) -> str:
    _count(name, args, 0)
    return env.uuid()


_FUNCTIONS: dict[str, Callable[[str, list, Env], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
