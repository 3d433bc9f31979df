"""Writing events as JSON text at any depth the engines accept.

PutEvents accepts events nested up to :data:`~course_lib.strict_json.MAX_DEPTH` (1,000)
levels, the same order as Python's recursion limit, so :func:`json.dumps` (which recurses
once per level) fails on such an event once a delivery's own call stack is added. AWS
delivers it. :func:`dumps` and :func:`loads` take the fast C codec and, only when that
runs out of stack, do the same work with an explicit stack. Text nested deeper than the
events the engines accept is read with the explicit stack from the start: in the browser's
Python a very deep document exhausts the JavaScript stack before any RecursionError.
"""

from __future__ import annotations

import json
import re
from typing import Any

from course_lib import strict_json

_ITEM, _KEY = ", ", ": "


class _Raw(str):
    """Punctuation queued by :func:`_write_iteratively`, written as it is."""


def dumps(value: Any, *, compact: bool = False) -> str:
    """``json.dumps(value, ensure_ascii=False)`` (``separators=(",", ":")`` when compact)."""
    separators = (",", ":") if compact else (_ITEM, _KEY)
    try:
        return json.dumps(value, ensure_ascii=False, separators=separators)
    except RecursionError:
        return _write_iteratively(value, *separators)


def _write_iteratively(value: Any, item: str, key: str) -> str:
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, _Raw):
            out.append(node)
        elif isinstance(node, dict):
            parts: list[Any] = [_Raw("{")]
            for number, (name, child) in enumerate(node.items()):
                lead = item if number else ""
                parts += [_Raw(lead + json.dumps(name, ensure_ascii=False) + key), child]
            stack.extend(reversed([*parts, _Raw("}")]))
        elif isinstance(node, list | tuple):
            parts = [_Raw("[")]
            for number, child in enumerate(node):
                parts += [_Raw(item)] * bool(number) + [child]
            stack.extend(reversed([*parts, _Raw("]")]))
        else:
            out.append(json.dumps(node, ensure_ascii=False))
    return "".join(out)


_SPACE = re.compile(r"[ \t\n\r]*")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(text: str) -> Any:
    """Strict ``json.loads(text)`` (no NaN or Infinity) at any depth; ValueError when the
    text is not JSON."""
    if strict_json.nesting_depth(text) > strict_json.MAX_DEPTH:
        return _read_iteratively(text)
    try:
        return _DECODER.decode(text)
    except RecursionError:
        return _read_iteratively(text)


def check(text: str) -> None:
    """Raise ValueError unless ``text`` is strict JSON; a deep document is checked without
    being built (freeing thousands of nested containers strains the browser's stack too)."""
    if strict_json.nesting_depth(text) > strict_json.MAX_DEPTH:
        _read_iteratively(text, build=False)
    else:
        loads(text)


def _read_iteratively(text: str, *, build: bool = True) -> Any:
    """Containers on an explicit stack; scalars read by the C decoder (which never recurses
    for them). With ``build`` False the containers stay empty: only the syntax is read."""
    stack: list[list[Any]] = []  # [container, pending key]
    position = _SPACE.match(text, 0).end()
    while True:
        char = text[position : position + 1]
        if char in ("{", "["):
            stack.append([{} if char == "{" else [], None])
            position = _SPACE.match(text, position + 1).end()
            if text[position : position + 1] in ("}", "]"):
                value, position = _close(stack, text, position)
            elif char == "{":
                stack[-1][1], position = _key(text, position)
                continue
            else:
                continue
        else:
            value, position = _DECODER.raw_decode(text, position)
        while True:
            position = _SPACE.match(text, position).end()
            if not stack:
                if position != len(text):
                    raise ValueError(f"Extra data at character {position}")
                return value
            container, key = stack[-1]
            if build and isinstance(container, dict):
                container[key] = value
            elif build:
                container.append(value)
            char = text[position : position + 1]
            if char == ",":
                position = _SPACE.match(text, position + 1).end()
                if isinstance(container, dict):
                    stack[-1][1], position = _key(text, position)
                break
            value, position = _close(stack, text, position)


def _key(text: str, position: int) -> tuple[str, int]:
    key, position = _DECODER.raw_decode(text, position)
    if not isinstance(key, str):
        raise ValueError(f"Expecting a property name at character {position}")
    position = _SPACE.match(text, position).end()
    if text[position : position + 1] != ":":
        raise ValueError(f"Expecting ':' at character {position}")
    return key, _SPACE.match(text, position + 1).end()


def _close(stack: list[list[Any]], text: str, position: int) -> tuple[Any, int]:
    container = stack[-1][0]
    if text[position : position + 1] != ("}" if isinstance(container, dict) else "]"):
        raise ValueError(f"Expecting ',' or a closing bracket at character {position}")
    stack.pop()
    return container, position + 1
