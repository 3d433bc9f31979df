"""The grammar of JSONPath as Step Functions reads it: Jayway JsonPath's path compiler.

``compile_path`` follows Jayway's PathCompiler character by character: ``$`` then ``.``
or ``[``; a dot before a bracket (``$.[0]``, ``$.['a']``); quoted names in either quote,
several at once (``['a','b']``); ``*``; deep scan ``..``; index lists; slices without a
step; filters ``[?(...)]`` read by Jayway's FilterCompiler grammar; functions written
``name(...)``. It rejects what Jayway rejects (a trailing ``.``, ``...``, empty brackets,
an unclosed quote, a space in a dot name) and, like Jayway, ignores one stray character
after the last token. ASL adds two roots: ``$$`` (the context object) and ``$name`` (a
workflow variable); ``@`` roots the paths inside a filter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from course_lib.stepfunctions.regex_linear import compile_pattern


class PathSyntaxError(ValueError):
    """A path that does not parse; the message names the offending position."""


@dataclass(frozen=True)
class Field:
    """``.name`` or ``['name']``."""

    name: str


@dataclass(frozen=True)
class Fields:
    """``['a','b']``: an object of those members when last, each member otherwise."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    """``[3]`` or ``[-1]``."""

    index: int


@dataclass(frozen=True)
class Indexes:
    """``[0,2]``."""

    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Wildcard:
    """``*`` or ``[*]``: every member."""


@dataclass(frozen=True)
class Slice:
    """``[start:end]``, ``[start:]`` or ``[:end]`` (Jayway has no step)."""

    start: int | None
    end: int | None


@dataclass(frozen=True)
class DeepScan:
    """``..step``: the step applied at every depth."""

    step: Any


@dataclass(frozen=True)
class Filter:
    """``[?(expression)]``."""

    expression: Any
    text: str = ""


@dataclass(frozen=True)
class Function:
    """``name()`` or ``name(args)``: applied to what the path selected so far."""

    name: str
    args: tuple = ()


@dataclass(frozen=True)
class Path:
    """A parsed path: its root (``$``, ``$$``, ``@`` or a variable name) and its steps.

    ``definite`` holds when every step is a single name or index: the shape of a
    reference path (ResultPath). ``function`` names a trailing ``name()`` step.
    """

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
    if isinstance(step, Fields):
        return "[" + ",".join(f"'{n}'" for n in step.names) + "]"
    if isinstance(step, Index):
        return f"[{step.index}]"
    if isinstance(step, Indexes):
        return "[" + ",".join(str(i) for i in step.indexes) + "]"
    if isinstance(step, Wildcard):
        return "[*]"
    if isinstance(step, DeepScan):
        return ".." + _step_text(step.step)
    if isinstance(step, Slice):
        return "[" + ":".join("" if v is None else str(v) for v in (step.start, step.end)) + "]"
    if isinstance(step, Function):
        return f".{step.name}()"
    return f"[?{step.text}]"


_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_MAX = 2**31 - 1


def _fail(message: str, text: str) -> PathSyntaxError:
    return PathSyntaxError(f"{message} in {text!r}")


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Parse a path rooted at ``$``, ``$$``, ``$name`` or (inside a filter) ``@``."""
    if text.startswith("$$"):
        root, body = "$$", text[1:]
    elif text[0] == "@":
        root, body = "@", "$" + text[1:]
    else:
        m = _VAR_NAME.match(text, 1)
        root, body = (m.group(0), "$" + text[m.end() :]) if m else ("$", text)
    try:
        steps = _Compiler(body.rstrip(" \t\r\n"), text).compile()
    except RecursionError:
        raise _fail("nested too deeply", text) from None
    plain = all(isinstance(s, Field | Index) for s in steps)
    function = steps[-1].name if steps and isinstance(steps[-1], Function) else None
    return Path(text, root, tuple(steps), plain, function)


class _Compiler:
    """Jayway's PathCompiler: reads one token after another from ``$``."""

    def __init__(self, body: str, text: str) -> None:
        self.s, self.text, self.pos, self.steps = body, text, 0, []

    def err(self, message: str) -> PathSyntaxError:
        return _fail(message, self.text)

    def ch(self, i: int | None = None) -> str:
        i = self.pos if i is None else i
        if not 0 <= i < len(self.s):
            raise self.err(f"unexpected end of path at position {i}")
        return self.s[i]

    def next_significant(self, start: int) -> int:
        """Index of the first non-space character after ``start`` (may be out of range)."""
        i = start + 1
        while i < len(self.s) and self.s[i] == " ":
            i += 1
        return i

    def next_significant_is(self, start: int, c: str) -> bool:
        i = self.next_significant(start)
        return i < len(self.s) and self.s[i] == c

    def is_tail(self) -> bool:
        return self.pos + 1 >= len(self.s)

    def compile(self) -> list:
        if self.s.endswith("."):
            raise self.err("a path must not end with '.' or '..'")
        if self.is_tail():
            return self.steps
        self.pos = 1
        if self.s[1] not in ".[":
            raise self.err("illegal character at position 1, expected '.' or '['")
        self.read_next()
        while not self.is_tail():  # like Jayway, one last character alone is not read
            self.read_next()
        return self.steps

    def read_next(self) -> None:
        c = self.ch()
        if c == "[":
            ok = (
                self.read_bracket_names()
                or self.read_array()
                or self.read_wildcard()
                or self.read_filter()
            )
            if not ok:
                raise self.err(f"could not parse the bracket at position {self.pos}")
        elif c == ".":
            self.read_dot()
        elif c == "*":
            self.read_wildcard()
        else:
            self.read_name_or_function()

    def read_dot(self) -> None:
        if self.pos + 1 < len(self.s) and self.s[self.pos + 1] == ".":
            self.steps.append("..")
            self.pos += 2
        elif self.pos + 1 >= len(self.s):
            raise self.err("a path must not end with '.'")
        else:
            self.pos += 1
        if self.ch() == ".":
            raise self.err(f"character '.' at position {self.pos} is not valid")
        self.read_next()

    def read_name_or_function(self) -> None:
        if self.ch() in "[*. ":
            raise self.err(f"could not parse the token at position {self.pos}")
        start = i = self.pos
        while i < len(self.s) and self.s[i] not in ".[(":
            if self.s[i] == " ":
                raise self.err("use bracket notation ['my prop'] for a name with spaces")
            i += 1
        name = self.s[start:i]
        if i < len(self.s) and self.s[i] == "(":
            self.read_function(name, i)
            return
        self.pos = i
        self.append(Field(name))

    def read_function(self, name: str, open_at: int) -> None:
        depth, i = 1, open_at + 1
        while i < len(self.s) and depth:
            depth += {"(": 1, ")": -1}.get(self.s[i], 0)
            i += 1
        if depth:
            raise self.err(f"arguments to function '{name}' are not closed properly")
        inner = self.s[open_at + 1 : i - 1]
        args = tuple(_function_args(inner, name, self.text)) if inner.strip() else ()
        self.append(Function(name, args))
        # Jayway resumes at the closing parenthesis of an empty argument list.
        self.pos = open_at + 1 if not inner else i

    def read_wildcard(self) -> bool:
        in_bracket = self.ch() == "["
        if in_bracket and not self.next_significant_is(self.pos, "*"):
            return False
        if in_bracket:
            star = self.next_significant(self.pos)
            if not self.next_significant_is(star, "]"):
                raise self.err(f"expected wildcard token to end with ']' at position {star + 1}")
            self.pos = self.next_significant(star) + 1
        else:
            self.pos += 1
        self.append(Wildcard())
        return True

    def read_array(self) -> bool:
        first = self.next_significant(self.pos)
        if first >= len(self.s) or not (self.s[first].isdigit() or self.s[first] in "-:"):
            return False
        end = self.s.find("]", self.pos + 1)
        if end < 0:
            return False
        expr = self.s[self.pos + 1 : end].strip()
        if any(not (c.isdigit() or c in ",-: ") for c in expr):
            return False
        self.append(_slice(expr, self.text) if ":" in expr else _indexes(expr, self.text))
        self.pos = end + 1
        return True

    def read_bracket_names(self) -> bool:
        quote_at = self.next_significant(self.pos)
        if quote_at >= len(self.s) or self.s[quote_at] not in "'\"":
            return False
        quote, names = self.s[quote_at], []
        i, start, end, in_name, escaped, after_comma = self.pos + 1, 0, 0, False, False, False
        while i < len(self.s):
            c = self.s[i]
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == "]" and not in_name:
                if after_comma:
                    raise self.err(f"empty name at position {i}")
                break
            elif c == quote:
                if in_name:
                    if (
                        self.next_significant(i) >= len(self.s)
                        or self.s[self.next_significant(i)] not in "],"
                    ):
                        raise self.err(f"names must be separated by ',' or end with ']' ({i})")
                    end = i
                    names.append(self.s[start:i])
                    in_name = False
                else:
                    start, in_name, after_comma = i + 1, True, False
            elif c == "," and not in_name:
                if after_comma:
                    raise self.err(f"empty name at position {i}")
                after_comma = True
            i += 1
        if in_name:
            raise self.err(f"name not closed, missing {quote}")
        if not self.next_significant_is(end, "]"):
            raise self.err("name not closed, missing ']'")
        self.pos = self.next_significant(end) + 1
        self.append(Field(names[0]) if len(names) == 1 else Fields(tuple(names)))
        return True

    def read_filter(self) -> bool:
        question = self.next_significant(self.pos)
        if question >= len(self.s) or self.s[question] != "?":
            return False
        if not self.next_significant_is(question, "("):
            return False
        open_at = self.next_significant(question)
        close = _matching(self.s, open_at, "(", ")", regex=True)
        if close < 0 or not self.next_significant_is(close, "]"):
            return False
        end = self.next_significant(close)
        inner = self.s[open_at : close + 1]
        self.append(Filter(_FilterParser(inner, self.text).parse(), inner))
        self.pos = end + 1
        return True

    def append(self, step: Any) -> None:
        if self.steps and self.steps[-1] == "..":
            self.steps[-1] = DeepScan(step)
        else:
            self.steps.append(step)


def _java_int(token: str, text: str) -> int:
    if not re.fullmatch(r"-?\d+", token):
        raise _fail(f"bad integer {token!r}", text)
    value = int(token)
    if not -_INT_MAX - 1 <= value <= _INT_MAX:
        raise _fail(f"integer {token} out of range", text)
    return value


def _indexes(expr: str, text: str) -> Index | Indexes:
    values = tuple(_java_int(t.strip(), text) for t in re.split(r"\s*,\s*", expr))
    return Index(values[0]) if len(values) == 1 else Indexes(values)


def _slice(expr: str, text: str) -> Slice:
    if any(not (c.isdigit() or c in "-:") for c in expr):
        raise _fail(f"bad slice [{expr}]", text)
    parts = expr.split(":")
    while parts and parts[-1] == "":  # Java's split drops trailing empty strings
        parts.pop()
    start = _java_int(parts[0], text) if parts and parts[0] else None
    end = _java_int(parts[1], text) if len(parts) > 1 and parts[1] else None
    if start is None and end is None:
        raise _fail(f"bad slice [{expr}]", text)
    return Slice(start, end)


def _skip_quoted(s: str, i: int, quote: str) -> int:
    """Index just past the quote closing the string that opens at ``i``."""
    i += 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == quote:
            return i + 1
        i += 1
    return -1


def _matching(s: str, open_at: int, open_c: str, close_c: str, regex: bool = False) -> int:
    """Index of the bracket closing ``s[open_at]``, skipping quoted strings and regexes."""
    depth, i = 1, open_at + 1
    while i < len(s):
        c = s[i]
        if c in "'\"" or (regex and c == "/"):
            i = _skip_quoted(s, i, c)
            if i < 0:
                return -1
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _function_args(inner: str, name: str, text: str) -> list:
    """Arguments of a path function: JSON literals or paths, split at top-level commas."""
    args, depth, cur, quote = [], 0, "", None
    for c in inner + ",":
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        cur += c
    if depth or quote:
        raise _fail(f"arguments to function '{name}' are not closed properly", text)
    out = []
    for arg in args:
        if arg.startswith(("$", "@")):
            out.append(compile_path(arg))
        elif arg:
            out.append(Literal(arg))
    return out


# -- filters: Jayway's FilterCompiler -------------------------------------------------
#: Jayway's relational operators; word operators are matched without regard to case.
_OPERATORS = {
    "==", "!=", "<", "<=", ">", ">=", "=~", "===", "!==",
    "in", "nin", "contains", "all", "size", "exists", "type", "matches",
    "empty", "subsetof", "anyof", "noneof",
}  # fmt: skip
_OPERATOR_CHARS = "<>=~!"


@dataclass(frozen=True)
class Literal:
    """A JSON literal (``[...]`` or ``{...}``) parsed when it is first compared."""

    text: str

    def value(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            pass
        quoted = re.sub(
            r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(_unescape(m.group(1))), self.text
        )
        try:
            return json.loads(quoted)
        except ValueError:
            raise ValueError(f"invalid JSON literal {self.text}") from None


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _unescape(text: str) -> str:
    """Jayway's unescaping of a filter's string literal (``\\'``, ``\\n``, ``\\u00e9``...)."""

    def one(m: re.Match) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if len(code) == 5 else _ESCAPES.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text, flags=re.S)


#: How deep '(' and '!' may nest in one filter: far beyond any real definition, well
#: within Python's stack.
_MAX_FILTER_NESTING = 256


class _FilterParser:
    """LogicalOR := AND {'||' AND}; AND := Operand {'&&' Operand};
    Operand := '!' Operand | '(' LogicalOR ')' | Value [operator Value]."""

    def __init__(self, body: str, text: str) -> None:
        self.s, self.text, self.pos, self.depth = body, text, 0, 0

    def err(self, message: str) -> PathSyntaxError:
        return _fail(f"invalid filter: {message}", self.text)

    def blanks(self) -> int:
        while self.pos < len(self.s) and self.s[self.pos] == " ":
            self.pos += 1
        return self.pos

    def at(self, token: str) -> bool:
        self.blanks()
        if self.s.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def parse(self) -> Any:
        expr = self.logical_or()
        if self.blanks() < len(self.s):
            raise self.err(f"unexpected {self.s[self.pos :]!r}")
        return expr

    def logical_or(self) -> Any:
        ops = [self.logical_and()]
        while self.at("||"):
            ops.append(self.logical_and())
        return ops[0] if len(ops) == 1 else ("or", *ops)

    def logical_and(self) -> Any:
        ops = [self.operand()]
        while self.at("&&"):
            ops.append(self.operand())
        return ops[0] if len(ops) == 1 else ("and", *ops)

    def operand(self) -> Any:
        self.depth += 1
        if self.depth > _MAX_FILTER_NESTING:
            raise _fail("filter nested too deeply", self.text)
        try:
            return self._operand()
        finally:
            self.depth -= 1

    def _operand(self) -> Any:
        save = self.blanks()
        if self.at("!"):
            if self.blanks() < len(self.s) and self.s[self.pos] not in "$@":
                return ("not", self.operand())
            self.pos = save
        if self.at("("):
            inner = self.logical_or()
            if not self.at(")"):
                raise self.err("expected ')'")
            return inner
        return self.relation()

    def relation(self) -> Any:
        left = self.value()
        save = self.pos
        op = self.operator()
        if op is not None:
            return ("cmp", op, left, self.value())
        self.pos = save
        if left[0] != "path":
            raise self.err("a value alone is not a condition (expected a path)")
        return ("exists", left, left[3])

    def operator(self) -> str | None:
        start = self.blanks()
        if start < len(self.s) and self.s[start] in _OPERATOR_CHARS:
            while self.pos < len(self.s) and self.s[self.pos] in _OPERATOR_CHARS:
                self.pos += 1
        else:
            while self.pos < len(self.s) and self.s[self.pos] != " ":
                self.pos += 1
        op = self.s[start : self.pos]
        op = op if op in _OPERATORS else op.lower()
        return op if op in _OPERATORS else None

    def value(self) -> Any:
        if self.blanks() >= len(self.s):
            raise self.err("a value is missing")
        c = self.s[self.pos]
        if c in "$@":
            return self.path(exists=True)
        if c == "!":
            self.pos += 1
            if self.blanks() < len(self.s) and self.s[self.pos] in "$@":
                return self.path(exists=False)
            raise self.err("unexpected '!'")
        if c in "'\"":
            end = _skip_quoted(self.s, self.pos, c)
            if end < 0:
                raise self.err(f"string literal without its closing {c}")
            literal, self.pos = self.s[self.pos + 1 : end - 1], end
            return ("lit", _unescape(literal))
        for word, val in (("true", True), ("false", False), ("null", None)):
            if c == word[0]:
                if not self.s.startswith(word, self.pos):
                    raise self.err(f"expected {word}")
                self.pos += len(word)
                return ("lit", val)
        if c in "[{":
            end = _matching(self.s, self.pos, c, "]" if c == "[" else "}")
            if end < 0:
                raise self.err(f"unclosed {c}")
            literal, self.pos = self.s[self.pos : end + 1], end + 1
            return ("json", Literal(literal))
        if c == "/":
            return self.regex()
        return self.number()

    def number(self) -> Any:
        number = re.compile(r"[0-9.\-]*").match(self.s, self.pos).group(0)
        self.pos += len(number)
        if not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", number):
            raise self.err(f"bad number {number!r}")
        return ("lit", float(number) if "." in number else int(number))

    def regex(self) -> Any:
        i = self.pos + 1
        while i < len(self.s) and (self.s[i] != "/" or self.s[i - 1] == "\\"):
            i += 1
        if i >= len(self.s):
            raise self.err("regular expression without its closing '/'")
        flags = re.compile(r"[a-zA-Z]*").match(self.s, i + 1).group(0)
        body, self.pos = self.s[self.pos + 1 : i], i + 1 + len(flags)
        bits = sum({"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(f, 0) for f in set(flags))
        try:  # Java's named groups are written (?<name>...), Python's (?P<name>...)
            return ("regex", compile_pattern(re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", body), bits))
        except re.error:
            # Java syntax Python lacks (\p{Alpha}...): Jayway accepts it, so the path is
            # valid; comparing with it fails when evaluated
            return ("regex", None)

    def path(self, exists: bool) -> Any:
        begin = self.pos
        self.pos += 1
        while self.pos < len(self.s):
            if self.s[self.pos] == "[":
                end = _matching(self.s, self.pos, "[", "]")
                if end < 0:
                    raise self.err("square brackets do not match")
                self.pos = end + 1
                if self.pos >= len(self.s):
                    break
            c = self.s[self.pos]
            if c in _OPERATOR_CHARS or c == " " or (c == ")" and not self.closes_call(begin)):
                break
            self.pos += 1
        text = self.s[begin : self.pos]
        return ("path", text[0], compile_path(text), exists)

    def closes_call(self, begin: int) -> bool:
        i = self.pos - 1
        while i >= 0 and self.s[i] == " ":
            i -= 1
        return i > begin and self.s[i] == "(" and "." in self.s[begin + 1 : i]
