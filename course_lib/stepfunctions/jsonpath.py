"""JSONPath as Amazon States Language uses it (the Jayway dialect).

Paths select from the state input (``$``), the context object (``$$``) or a workflow
variable (``$name``). A *definite* path (only fields and indexes) yields one value;
an indefinite one (``*``, ``..``, slices, unions, filters) yields a list. A
*reference path* (ResultPath, a Choice Variable) must be definite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


class PathSyntaxError(ValueError):
    """A path that does not parse; the message names the offending position."""


@dataclass(frozen=True)
class Field:
    """``.name`` or ``['name']``."""

    name: str


@dataclass(frozen=True)
class Index:
    """``[3]`` or ``[-1]``."""

    index: int


@dataclass(frozen=True)
class Wildcard:
    """``*`` or ``[*]``: every member."""

    pass


@dataclass(frozen=True)
class Slice:
    """``[start:end:step]``."""

    start: int | None
    end: int | None
    step: int | None


@dataclass(frozen=True)
class Union:
    """``['a','b']`` or ``[0,2]``."""

    members: tuple


@dataclass(frozen=True)
class DeepScan:
    """``..step``: the step applied at every depth."""

    step: Any


@dataclass(frozen=True)
class Filter:
    """``[?(expression)]``."""

    expression: Any


@dataclass(frozen=True)
class Path:
    """A parsed path: its root (``$``, ``$$`` or a variable name) and its steps."""

    text: str
    root: str
    steps: tuple
    definite: bool = True
    function: str | None = None

    def normalized(self) -> str:
        """Jayway's normalized form, e.g. ``$['a'][0]``, used in AWS error messages."""
        return "$" + "".join(_step_text(s) for s in self.steps)


def _step_text(step: Any) -> str:
    if isinstance(step, Field):
        return f"['{step.name}']"
    if isinstance(step, Index):
        return f"[{step.index}]"
    if isinstance(step, Wildcard):
        return "[*]"
    if isinstance(step, DeepScan):
        return ".." + _step_text(step.step)
    if isinstance(step, Union):
        return "[" + ",".join(_step_text(m)[1:-1] for m in step.members) + "]"
    if isinstance(step, Slice):
        parts = ["" if v is None else str(v) for v in (step.start, step.end)]
        return f"[{':'.join(parts)}]"
    return "[?]"


#: Jayway's path functions, written at the end of a path: ``$.items.length()``.
PATH_FUNCTIONS = ("length", "min", "max", "avg", "sum", "stddev", "keys", "first", "last")
_FUNCTION_CALL = re.compile(r"\.(" + "|".join(PATH_FUNCTIONS) + r")\(\)\Z")
_NAME = re.compile(r"[^.\[\]\s()'\",=<>!&|@]+")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=4096)
def parse(text: str) -> Path:
    """Parse a path; raise :class:`PathSyntaxError` with the reason when it is malformed."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"path must start with '$': {text!r}")
    if text.startswith("$$"):
        root, pos = "$$", 2
    else:
        m = _VAR_NAME.match(text, 1)
        if m:
            root, pos = m.group(0), m.end()
        else:
            root, pos = "$", 1
    body, function = text, None
    m = _FUNCTION_CALL.search(text, pos)
    if m:
        body, function = text[: m.start()], m.group(1)
    steps, pos = _parse_steps(body, pos, stop=None)
    if pos != len(body):
        raise PathSyntaxError(f"unexpected character {text[pos]!r} at position {pos} in {text!r}")
    simple = all(isinstance(s, Field | Index) for s in steps)
    return Path(text, root, tuple(steps), simple and function is None, function)


def _parse_steps(text: str, pos: int, stop: str | None) -> tuple[list, int]:
    steps: list = []
    n = len(text)
    while pos < n:
        c = text[pos]
        if stop and c in stop:
            break
        if text.startswith("..", pos):
            pos += 2
            if pos < n and text[pos] == "[":
                step, pos = _parse_bracket(text, pos)
            elif pos < n and text[pos] == "*":
                step, pos = Wildcard(), pos + 1
            else:
                m = _NAME.match(text, pos)
                if not m:
                    raise PathSyntaxError(
                        f"expected a name after '..' at position {pos} in {text!r}"
                    )
                step, pos = Field(m.group(0)), m.end()
            steps.append(DeepScan(step))
        elif c == ".":
            pos += 1
            if pos < n and text[pos] == "*":
                steps.append(Wildcard())
                pos += 1
                continue
            m = _NAME.match(text, pos)
            if not m:
                raise PathSyntaxError(f"expected a field name at position {pos} in {text!r}")
            steps.append(Field(m.group(0)))
            pos = m.end()
        elif c == "[":
            step, pos = _parse_bracket(text, pos)
            steps.append(step)
        else:
            if stop is not None:
                break
            raise PathSyntaxError(f"unexpected character {c!r} at position {pos} in {text!r}")
    return steps, pos


def _parse_bracket(text: str, pos: int) -> tuple[Any, int]:
    pos += 1
    if text.startswith("?(", pos):
        expr, pos = _parse_filter(text, pos + 2)
        if not text.startswith(")]", pos):
            raise PathSyntaxError(f"unterminated filter in {text!r}")
        return Filter(expr), pos + 2
    if text.startswith("*]", pos):
        return Wildcard(), pos + 2
    close = _find_close(text, pos)
    if close < 0:
        raise PathSyntaxError(f"missing ']' in {text!r}")
    inner = text[pos:close].strip()
    if not inner:
        raise PathSyntaxError(f"empty brackets in {text!r}")
    members = [_parse_member(m.strip(), text) for m in _split_union(inner)]
    if len(members) == 1:
        return members[0], close + 1
    if any(isinstance(m, Slice) for m in members):
        raise PathSyntaxError(f"a slice cannot be part of a union in {text!r}")
    return Union(tuple(members)), close + 1


def _find_close(text: str, pos: int) -> int:
    quote = None
    i = pos
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "]":
            return i
        i += 1
    return -1


def _split_union(inner: str) -> list[str]:
    parts, quote, cur, i = [], None, "", 0
    while i < len(inner):
        c = inner[i]
        if quote:
            cur += c
            if c == "\\" and i + 1 < len(inner):
                cur += inner[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur += c
        elif c == ",":
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


def _parse_member(member: str, text: str) -> Any:
    if len(member) >= 2 and member[0] == member[-1] and member[0] in "'\"":
        quote = member[0]
        return Field(member[1:-1].replace("\\" + quote, quote))
    if ":" in member:
        pieces = member.split(":")
        if len(pieces) > 3:
            raise PathSyntaxError(f"bad slice [{member}] in {text!r}")
        try:
            values = [int(p) if p.strip() else None for p in pieces] + [None] * (3 - len(pieces))
        except ValueError:
            raise PathSyntaxError(f"bad slice [{member}] in {text!r}") from None
        if values[2] == 0:
            raise PathSyntaxError(f"slice step cannot be zero in {text!r}")
        return Slice(*values)
    try:
        return Index(int(member))
    except ValueError:
        raise PathSyntaxError(f"bad bracket expression [{member}] in {text!r}") from None


# -- filter expressions: @.a == 1, @.a, !@.a, &&, ||, parentheses --------------------
_FILTER_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|<=|>=|<|>|=~|&&|\|\||!|\(|\))|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<kw>true|false|null)\b"
    r"|(?P<word>in|nin|subsetof|anyof|noneof|size|empty)\b|(?P<path>[@$][^\s=!<>&|()]*)"
    r"|(?P<array>\[[^\]]*\])|(?P<regex>/(?:[^/\\]|\\.)*/[a-z]*))"
)


def _parse_filter(text: str, pos: int) -> tuple[Any, int]:
    tokens: list[tuple[str, Any]] = []
    depth = 0
    while pos < len(text):
        if text[pos] == ")" and depth == 0:
            break
        m = _FILTER_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PathSyntaxError(f"cannot parse filter at position {pos} in {text!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "op" and value == "(":
            depth += 1
        elif kind == "op" and value == ")":
            depth -= 1
        tokens.append((kind, value))
        while pos < len(text) and text[pos] == " ":
            pos += 1
    parser = _FilterParser(tokens, text)
    expr = parser.parse_or()
    if parser.i != len(tokens):
        raise PathSyntaxError(f"unexpected token in filter of {text!r}")
    return expr, pos


class _FilterParser:
    def __init__(self, tokens: list, text: str) -> None:
        self.tokens, self.i, self.text = tokens, 0, text

    def _peek(self) -> tuple | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse_or(self) -> Any:
        left = self.parse_and()
        while self._peek() == ("op", "||"):
            self.i += 1
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self) -> Any:
        left = self.parse_not()
        while self._peek() == ("op", "&&"):
            self.i += 1
            left = ("and", left, self.parse_not())
        return left

    def parse_not(self) -> Any:
        if self._peek() == ("op", "!"):
            self.i += 1
            return ("not", self.parse_not())
        return self.parse_cmp()

    def parse_cmp(self) -> Any:
        left = self.parse_operand()
        tok = self._peek()
        comparison = tok and tok[0] == "op" and tok[1] in ("==", "!=", "<", "<=", ">", ">=", "=~")
        if comparison or (tok and tok[0] == "word"):
            self.i += 1
            return ("cmp", tok[1], left, self.parse_operand())
        return ("exists", left) if left[0] == "path" else ("truthy", left)

    def parse_operand(self) -> Any:
        tok = self._peek()
        if tok is None:
            raise PathSyntaxError(f"incomplete filter in {self.text!r}")
        self.i += 1
        kind, value = tok
        if kind == "op" and value == "(":
            inner = self.parse_or()
            if self._peek() != ("op", ")"):
                raise PathSyntaxError(f"missing ')' in filter of {self.text!r}")
            self.i += 1
            return ("group", inner)
        if kind == "str":
            return ("lit", re.sub(r"\\(.)", r"\1", value[1:-1]))
        if kind == "num":
            return ("lit", json.loads(value))
        if kind == "kw":
            return ("lit", json.loads(value))
        if kind == "path":
            rooted = "$" + value[1:]
            return ("path", value[0], parse(rooted))
        if kind == "array":
            inner = value[1:-1].strip()
            items = (
                [_literal(part.strip(), self.text) for part in _split_union(inner)] if inner else []
            )
            return ("lit", items)
        if kind == "regex":
            body, _, flags = value[1:].rpartition("/")
            return ("regex", re.compile(body, re.I if "i" in flags else 0))
        raise PathSyntaxError(f"unexpected {value!r} in filter of {self.text!r}")


def _literal(text: str, path_text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        raise PathSyntaxError(f"bad array element {text!r} in filter of {path_text!r}") from None


def _contains(items: Any, value: Any) -> bool:
    return isinstance(items, list) and any(_same_kind(i, value) and i == value for i in items)


#: Jayway's word operators in filters, e.g. ``[?(@.size in ['S', 'M'])]``.
_SET_OPERATORS = {
    "in": lambda left, right: _contains(right, left),
    "nin": lambda left, right: isinstance(right, list) and not _contains(right, left),
    "subsetof": lambda left, right: (
        isinstance(left, list) and all(_contains(right, v) for v in left)
    ),
    "anyof": lambda left, right: isinstance(left, list) and any(_contains(right, v) for v in left),
    "noneof": lambda left, right: (
        isinstance(left, list) and not any(_contains(right, v) for v in left)
    ),
    "size": lambda left, right: (
        isinstance(left, list | str) and _same_kind(len(left), right) and len(left) == right
    ),
    "empty": lambda left, right: (
        isinstance(left, list | str) and isinstance(right, bool) and (len(left) == 0) == right
    ),
}


def _operand_value(node: Any, current: Any, root: Any) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "path":
        base = current if node[1] == "@" else root
        found = select(node[2], base)
        return found
    if kind == "group":
        return _filter_true(node[1], current, root)
    return node[1]


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return True
    return type(a) is type(b)


def _filter_true(expr: Any, current: Any, root: Any) -> bool:
    kind = expr[0]
    if kind == "or":
        return _filter_true(expr[1], current, root) or _filter_true(expr[2], current, root)
    if kind == "and":
        return _filter_true(expr[1], current, root) and _filter_true(expr[2], current, root)
    if kind == "not":
        return not _filter_true(expr[1], current, root)
    if kind == "exists":
        return _operand_value(expr[1], current, root) is not MISSING
    if kind == "truthy":
        return bool(_operand_value(expr[1], current, root))
    _, op, left_node, right_node = expr
    left = _operand_value(left_node, current, root)
    if op == "=~":
        return (
            isinstance(left, str)
            and right_node[0] == "regex"
            and bool(right_node[1].fullmatch(left))
        )
    right = _operand_value(right_node, current, root)
    if left is MISSING or right is MISSING:
        return False
    if op in _SET_OPERATORS:
        return _SET_OPERATORS[op](left, right)
    if op == "==":
        return _same_kind(left, right) and left == right
    if op == "!=":
        return not (_same_kind(left, right) and left == right)
    if not _same_kind(left, right) or not isinstance(left, int | float | str):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


# -- evaluation -------------------------------------------------------------------------
def _apply(step: Any, value: Any, root: Any, out: list) -> None:
    if isinstance(step, Field):
        if isinstance(value, dict) and step.name in value:
            out.append(value[step.name])
    elif isinstance(step, Index):
        if isinstance(value, list):
            i = step.index
            if -len(value) <= i < len(value):
                out.append(value[i])
    elif isinstance(step, Wildcard):
        if isinstance(value, dict):
            out.extend(value.values())
        elif isinstance(value, list):
            out.extend(value)
    elif isinstance(step, Slice):
        if isinstance(value, list):
            out.extend(value[step.start : step.end : step.step])
    elif isinstance(step, Union):
        for member in step.members:
            _apply(member, value, root, out)
    elif isinstance(step, Filter):
        items = (
            value
            if isinstance(value, list)
            else list(value.values())
            if isinstance(value, dict)
            else []
        )
        out.extend(item for item in items if _filter_true(step.expression, item, root))
    elif isinstance(step, DeepScan):
        _deep(step.step, value, root, out)


def _deep(step: Any, value: Any, root: Any, out: list) -> None:
    _apply(step, value, root, out)
    if isinstance(value, dict):
        for child in value.values():
            _deep(step, child, root, out)
    elif isinstance(value, list):
        for child in value:
            _deep(step, child, root, out)


def select(path: Path, document: Any) -> Any:
    """The value ``path`` selects in ``document``: one value for a definite path (MISSING
    when absent), a list (possibly empty) for an indefinite one; a trailing function
    (``.length()``...) is applied to that selection."""
    value = _select_steps(path, document)
    if path.function is None or value is MISSING:
        return value
    return _apply_function(path.function, value)


def _apply_function(name: str, value: Any) -> Any:
    if name == "length":
        return len(value) if isinstance(value, list | dict | str) else MISSING
    if name == "keys":
        return list(value) if isinstance(value, dict) else MISSING
    if not isinstance(value, list):
        return MISSING
    if name in ("first", "last"):
        return (value[0] if name == "first" else value[-1]) if value else MISSING
    numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers or len(numbers) != len(value):
        return MISSING
    if name == "min":
        return min(numbers)
    if name == "max":
        return max(numbers)
    if name == "sum":
        return sum(numbers)
    mean = sum(numbers) / len(numbers)
    if name == "avg":
        return mean
    return (sum((v - mean) ** 2 for v in numbers) / len(numbers)) ** 0.5


def _select_steps(path: Path, document: Any) -> Any:
    if path.definite or (path.function and all(isinstance(s, Field | Index) for s in path.steps)):
        value = document
        for step in path.steps:
            if isinstance(step, Field):
                if not isinstance(value, dict) or step.name not in value:
                    return MISSING
                value = value[step.name]
            else:
                if not isinstance(value, list) or not -len(value) <= step.index < len(value):
                    return MISSING
                value = value[step.index]
        return value
    current = [document]
    for step in path.steps:
        nxt: list = []
        for value in current:
            _apply(step, value, document, nxt)
        current = nxt
    return current


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
