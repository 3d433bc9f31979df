"""Parse and validate an event pattern into sub-rules of field predicates.

A pattern is compiled the way AWS compiles it: nested keys join into dotted field paths
(``{"detail": {"state": [...]}}`` constrains ``detail.state``), the fields of one object
must all match (AND), the values listed for a field are alternatives (OR), and every
``$or`` forks the pattern into one sub-rule per branch. A pattern matches an event when
any of its sub-rules does.

Everything AWS rejects raises :class:`InvalidEventPattern` with AWS's reason text.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from course_lib.eventbridge.errors import InvalidEventPattern
from course_lib.eventbridge.predicates import (
    FIVE_BILLION,
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Predicate,
    Prefix,
    Suffix,
    Wildcard,
    is_number,
    parse_ip,
    value_key,
)

#: AWS's limit on the EventPattern string (PutRule and TestEventPattern).
MAX_PATTERN_LENGTH = 4096
#: Upper bound on the sub-rules a pattern's ``$or`` branches may multiply into.
MAX_SUBRULES = 1000
#: The wildcard complexity above which AWS answers "Rule is too complex". AWS does not
#: publish its measure; this limit makes :func:`wildcard_complexity` agree with a reported
#: rejection (four ``*:stack/<name>/*`` wildcards on one field refused, three accepted).
MAX_WILDCARD_COMPLEXITY = 16

OR_KEY = "$or"
OPERATORS = (
    "anything-but",
    "cidr",
    "equals-ignore-case",
    "exists",
    "numeric",
    "prefix",
    "suffix",
    "wildcard",
)
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)


@dataclass(frozen=True)
class Field:
    """One constrained field of a sub-rule: its dotted path and the alternatives it accepts.

    ``allows_absent`` is True when one alternative is ``{"exists": false}``: the field is
    then also satisfied by the path having no value at all.
    """

    path: str
    predicates: tuple[Predicate, ...]
    allows_absent: bool


@dataclass(frozen=True)
class Subrule:
    """A conjunction of fields, sorted by path. The pattern matches if any sub-rule does."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class CompiledPattern:
    """A validated pattern: its sub-rules (one per ``$or`` branch combination)."""

    subrules: tuple[Subrule, ...]


def load_pattern(pattern: Any) -> Any:
    """The pattern as parsed JSON: a JSON string is decoded, anything else is taken as given."""
    if isinstance(pattern, str | bytes):
        text = pattern.decode() if isinstance(pattern, bytes) else pattern
        if len(text) > MAX_PATTERN_LENGTH:
            raise InvalidEventPattern(
                f"Event pattern is {len(text)} characters long; the maximum is {MAX_PATTERN_LENGTH}"
            )
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise InvalidEventPattern(
                f'{exc.msg}\n at [Source: (String)"{text}"; line: {exc.lineno}, column: {exc.colno}]'
            ) from None
    if isinstance(pattern, dict):
        size = len(json.dumps(pattern, separators=(",", ":"), default=str))
        if size > MAX_PATTERN_LENGTH:
            raise InvalidEventPattern(
                f"Event pattern is {size} characters long; the maximum is {MAX_PATTERN_LENGTH}"
            )
    return pattern


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"Non-standard token '{name}'", name, 0)


def compile_pattern(pattern: Any) -> CompiledPattern:
    """Validate ``pattern`` (a dict or a JSON string) and compile it into sub-rules."""
    document = load_pattern(pattern)
    if not isinstance(document, dict):
        raise InvalidEventPattern("Filter is not an object")
    alternatives: list[dict[str, list[Predicate]]] = []
    _parse_object(document, "", alternatives, inside_or=False)
    subrules = tuple(_subrule(alternative) for alternative in alternatives)
    _check_wildcard_complexity(subrules)
    return CompiledPattern(subrules)


def _subrule(alternative: dict[str, list[Predicate]]) -> Subrule:
    fields = []
    for path in sorted(alternative):
        predicates = tuple(dict.fromkeys(alternative[path]))
        allows_absent = Exists(False) in predicates
        kept = tuple(p for p in predicates if p != Exists(False))
        fields.append(Field(path, kept, allows_absent))
    return Subrule(tuple(fields))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _parse_object(
    obj: dict, path: str, alternatives: list[dict[str, list[Predicate]]], *, inside_or: bool
) -> None:
    if not obj:
        raise InvalidEventPattern("Empty objects are not allowed")
    for key, value in obj.items():
        if not isinstance(key, str):
            raise InvalidEventPattern(f"Field names must be strings, got {key!r}")
        if key == OR_KEY:
            _parse_or(value, path, alternatives)
            continue
        if inside_or and key in OPERATORS:
            raise InvalidEventPattern(
                f"{key} is Ruler reserved fieldName which cannot be used inside {OR_KEY}."
            )
        if isinstance(value, dict):
            _parse_object(value, _join(path, key), alternatives, inside_or=inside_or)
        elif isinstance(value, list | tuple):
            predicates = _parse_values(list(value))
            if not alternatives:
                alternatives.append({})
            for alternative in alternatives:
                alternative[_join(path, key)] = predicates
        else:
            raise InvalidEventPattern(f'"{key}" must be an object or an array')


def _parse_or(value: Any, path: str, alternatives: list[dict[str, list[Predicate]]]) -> None:
    if not isinstance(value, list | tuple):
        raise InvalidEventPattern(f"It must be an Array followed with {OR_KEY}.")
    current = [dict(alternative) for alternative in alternatives] or [{}]
    alternatives.clear()
    for member in value:
        if not isinstance(member, dict):
            raise InvalidEventPattern(
                f"Only JSON object is allowed in array of {OR_KEY} relationship."
            )
        forked = [dict(alternative) for alternative in current]
        _parse_object(member, path, forked, inside_or=True)
        alternatives.extend(forked)
        if len(alternatives) > MAX_SUBRULES:
            raise InvalidEventPattern(
                f"Event pattern expands into more than {MAX_SUBRULES} {OR_KEY} combinations"
            )
    if len(value) < 2:
        raise InvalidEventPattern(f"There must have at least 2 Objects in {OR_KEY} relationship.")


def _token_text(value: Any) -> str:
    """How a JSON value reads in AWS's messages (``]`` stands for the end of an array)."""
    if value is _END:
        return "]"
    if isinstance(value, str):
        return value
    return json.dumps(value)


_END = object()


def _parse_values(values: list) -> list[Predicate]:
    if not values:
        raise InvalidEventPattern("Empty arrays are not allowed")
    predicates: list[Predicate] = []
    for value in values:
        if isinstance(value, dict):
            predicates.append(_parse_operator(value))
        elif isinstance(value, str):
            address = parse_ip(value)
            if address is not None:
                predicates.append(Cidr(ipaddress.ip_network(address)))
            else:
                predicates.append(Exact(("s", value)))
        elif (
            value is None or isinstance(value, bool) or (is_number(value) and math.isfinite(value))
        ):
            predicates.append(Exact(value_key(value)))
        else:
            raise InvalidEventPattern("Match value must be String, number, true, false, or null")
    return predicates


def _only_key(operator: dict, message: str = "Only one key allowed in match expression") -> None:
    if len(operator) > 1:
        raise InvalidEventPattern(message)


TOO_MANY_NUMERIC = "Too many elements in numeric expression"


def _parse_operator(operator: dict) -> Predicate:
    if not operator:
        raise InvalidEventPattern("Match expression name not found")
    name, argument = next(iter(operator.items()))
    if name in ("prefix", "suffix"):
        predicate = _parse_affix(name, argument)
    elif name == "equals-ignore-case":
        if not isinstance(argument, str):
            raise InvalidEventPattern("equals-ignore-case match pattern must be a string")
        predicate = EqualsIgnoreCase(argument)
    elif name == "wildcard":
        if not isinstance(argument, str):
            raise InvalidEventPattern("wildcard match pattern must be a string")
        predicate = parse_wildcard(argument)
    elif name == "cidr":
        if not isinstance(argument, str):
            raise InvalidEventPattern("prefix match pattern must be a string")
        predicate = Cidr(parse_cidr(argument))
    elif name == "exists":
        if not isinstance(argument, bool):
            raise InvalidEventPattern("exists match pattern must be either true or false.")
        predicate = Exists(argument)
    elif name == "numeric":
        if not isinstance(argument, list | tuple):
            raise InvalidEventPattern("Value of numeric must be an array.")
        predicate = parse_numeric(list(argument))
        _only_key(operator, TOO_MANY_NUMERIC)
        return predicate
    elif name == "anything-but":
        predicate = _parse_anything_but(argument)
        _only_key(operator, TOO_MANY_NUMERIC)
        return predicate
    else:
        raise InvalidEventPattern(f"Unrecognized match type {name}")
    _only_key(operator)
    return predicate


def _parse_affix(name: str, argument: Any) -> Predicate:
    kind = Prefix if name == "prefix" else Suffix
    if isinstance(argument, dict):
        if not argument:
            raise InvalidEventPattern(f"{name.capitalize()} expression name not found")
        inner, text = next(iter(argument.items()))
        if inner != "equals-ignore-case":
            raise InvalidEventPattern(f"Unsupported {name} pattern: {inner}")
        if not isinstance(text, str):
            raise InvalidEventPattern("equals-ignore-case match pattern must be a string")
        _only_key(argument)
        return kind(text, ignore_case=True)
    if not isinstance(argument, str):
        raise InvalidEventPattern(f"{name} match pattern must be a string")
    return kind(argument)


def _check_number(value: Any, message: str) -> Decimal:
    """A number usable in a numeric comparison: at most six decimals, within +/-5e9."""
    if not is_number(value) or not math.isfinite(value):
        raise InvalidEventPattern(message)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number != number.to_integral_value() and -number.normalize().as_tuple().exponent > 6:
        raise InvalidEventPattern("Only values upto 6 decimals are supported")
    if abs(number) > FIVE_BILLION:
        raise InvalidEventPattern("Value must be between -5.0E9 and 5.0E9, inclusive")
    return number


def parse_numeric(items: list) -> Numeric:
    """``["=", 5]``, ``[">", 0]``, ``["<=", 9]`` or ``[">", 0, "<=", 5]`` into a range."""
    padded = [*items, _END, _END, _END, _END]
    operator = padded[0]
    if not isinstance(operator, str):
        raise InvalidEventPattern(f"Invalid member in numeric match: {_token_text(operator)}")
    if operator == "=":
        number = _check_number(padded[1], "Value of equals must be numeric")
        if len(items) > 2:
            raise InvalidEventPattern(TOO_MANY_NUMERIC)
        return Numeric(number, False, number, False)
    if operator in ("<", "<="):
        number = _check_number(padded[1], f"Value of {operator} must be numeric")
        if len(items) > 2:
            raise InvalidEventPattern(TOO_MANY_NUMERIC)
        return Numeric(None, False, number, operator == "<")
    if operator not in (">", ">="):
        raise InvalidEventPattern(f"Unrecognized numeric range operator: {operator}")
    low = _check_number(padded[1], f"Value of {operator} must be numeric")
    if len(items) == 2:
        return Numeric(low, operator == ">", None, False)
    upper = padded[2]
    if not isinstance(upper, str):
        raise InvalidEventPattern(f"Bad value in numeric range: {_token_text(upper)}")
    if upper not in ("<", "<="):
        raise InvalidEventPattern(f"Bad numeric range operator: {upper}")
    high = _check_number(padded[3], f"Value of {upper} must be numeric")
    if len(items) > 4:
        raise InvalidEventPattern("Too many terms in numeric range expression")
    if low >= high:
        raise InvalidEventPattern("Bottom must be less than top")
    return Numeric(low, operator == ">", high, upper == "<")


def parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``"10.0.0.0/24"`` or ``"2001:db8::/64"`` into a network, with AWS's error messages."""
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidEventPattern("Malformed CIDR, one '/' required")
    address_text, mask_text = parts
    if not mask_text.isascii() or not mask_text.isdigit():
        raise InvalidEventPattern("Malformed CIDR, mask bits must be an integer")
    address = parse_ip(address_text)
    if address is None:
        raise InvalidEventPattern(f"Nonstandard IP address: {address_text}")
    bits = int(mask_text)
    if bits > address.max_prefixlen:
        raise InvalidEventPattern(
            f"Malformed CIDR, mask bits must be between 0 and {address.max_prefixlen}"
        )
    return ipaddress.ip_network(f"{address}/{bits}", strict=False)


def parse_wildcard(text: str) -> Wildcard:
    """A wildcard pattern: ``*`` is any run of characters, ``\\*`` and ``\\\\`` are literals."""
    pieces: list[str] = []
    position = 0
    previous_star = False
    while position < len(text):
        char = text[position]
        if char == "\\":
            following = text[position + 1 : position + 2]
            if following not in ("*", "\\"):
                raise InvalidEventPattern(f"Invalid escape character at pos {position}")
            pieces.append(re.escape(following))
            position += 2
            previous_star = False
            continue
        if char == "*":
            if previous_star:
                raise InvalidEventPattern(f"Consecutive wildcard characters at pos {position}")
            pieces.append(".*")
            previous_star = True
        else:
            pieces.append(re.escape(char))
            previous_star = False
        position += 1
    return Wildcard(text, re.compile("".join(pieces), re.DOTALL))


def wildcard_tokens(text: str) -> list[str | None]:
    """A validated wildcard pattern as literal characters, with None for each ``*``."""
    tokens: list[str | None] = []
    position = 0
    while position < len(text):
        if text[position] == "\\":
            tokens.append(text[position + 1])
            position += 2
        else:
            tokens.append(None if text[position] == "*" else text[position])
            position += 1
    return tokens


def _parse_anything_but(argument: Any) -> AnythingBut:
    kind = None
    if isinstance(argument, dict):
        if not argument:
            raise InvalidEventPattern("Anything-But expression name not found")
        kind, argument_value = next(iter(argument.items()))
        if kind not in ("equals-ignore-case", "prefix", "suffix", "wildcard"):
            raise InvalidEventPattern(f"Unsupported anything-but pattern: {kind}")
        extra_keys = len(argument) > 1
        argument = argument_value
    else:
        extra_keys = False
    if not (isinstance(argument, list | tuple | str) or is_number(argument)):
        raise InvalidEventPattern(
            "Value of anything-but must be an array or single string/number value."
        )
    if kind is None:
        predicate = _anything_but_values(argument)
    else:
        predicate = _anything_but_set(kind, argument)
    if extra_keys:
        raise InvalidEventPattern(TOO_MANY_NUMERIC)
    return predicate


def _anything_but_values(argument: Any) -> AnythingBut:
    items = list(argument) if isinstance(argument, list | tuple) else [argument]
    keys = set()
    has_string = has_number = False
    for item in items:
        if isinstance(item, str):
            has_string = True
        elif is_number(item):
            _check_number(item, "Inside anything but list, start|null|boolean is not supported.")
            has_number = True
        else:
            raise InvalidEventPattern(
                "Inside anything but list, start|null|boolean is not supported."
            )
        keys.add(value_key(item))
    if has_string == has_number:
        raise InvalidEventPattern(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    return AnythingBut(values=frozenset(keys))


def _anything_but_set(kind: str, argument: Any) -> AnythingBut:
    items = list(argument) if isinstance(argument, list | tuple) else [argument]
    texts = []
    for item in items:
        if not isinstance(item, str):
            if kind == "equals-ignore-case":
                raise InvalidEventPattern(
                    "Inside anything-but/equals-ignore-case list, "
                    "number|start|null|boolean is not supported."
                )
            if kind == "wildcard":
                raise InvalidEventPattern("wildcard match pattern must be a string")
            raise InvalidEventPattern("prefix/suffix match pattern must be a string")
        if kind in ("prefix", "suffix") and item == "":
            raise InvalidEventPattern("Null prefix/suffix not allowed")
        texts.append(item)
    if kind == "equals-ignore-case":
        return AnythingBut(ignore_case=frozenset(t.lower() for t in texts))
    if kind == "prefix":
        return AnythingBut(prefixes=tuple(dict.fromkeys(texts)))
    if kind == "suffix":
        return AnythingBut(suffixes=tuple(dict.fromkeys(texts)))
    return AnythingBut(wildcards=tuple(parse_wildcard(t) for t in dict.fromkeys(texts)))


def _check_wildcard_complexity(subrules: tuple[Subrule, ...]) -> None:
    """Reject wildcard sets whose matching automaton could track too many states at once.

    The complexity of a field is the largest number of pattern positions that can be alive
    together while reading some input, over all wildcards the pattern puts on that field.
    """
    by_path: dict[str, set[str]] = {}
    for subrule in subrules:
        for field in subrule.fields:
            for predicate in field.predicates:
                texts = by_path.setdefault(field.path, set())
                if isinstance(predicate, Wildcard):
                    texts.add(predicate.text)
                elif isinstance(predicate, AnythingBut):
                    texts.update(w.text for w in predicate.wildcards)
    for texts in by_path.values():
        if (
            texts
            and wildcard_complexity(sorted(texts), MAX_WILDCARD_COMPLEXITY)
            > MAX_WILDCARD_COMPLEXITY
        ):
            raise InvalidEventPattern(TOO_COMPLEX)


def wildcard_complexity(texts: list[str], limit: int | None = None, max_states: int = 5000) -> int:
    """The largest set of live positions an automaton for ``texts`` reaches on any input.

    The search stops as soon as it exceeds ``limit`` (the answer is then some value above
    it) or has explored ``max_states`` distinct sets (the answer is then ``max_states``).
    """
    patterns = [wildcard_tokens(t) for t in texts]
    if not any(None in tokens for tokens in patterns):
        return 1
    alphabet = sorted({c for tokens in patterns for c in tokens if c is not None})
    alphabet.append("")  # stands for every character no pattern mentions

    def closure(states: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        pending = list(states)
        seen = set(states)
        while pending:
            index, position = pending.pop()
            tokens = patterns[index]
            if position < len(tokens) and tokens[position] is None:
                skip = (index, position + 1)
                if skip not in seen:
                    seen.add(skip)
                    pending.append(skip)
        return frozenset(seen)

    start = closure({(i, 0) for i in range(len(patterns))})
    worst = len(start)
    frontier = [start]
    visited = {start}
    while frontier:
        current = frontier.pop()
        for char in alphabet:
            following = set()
            for index, position in current:
                tokens = patterns[index]
                if position >= len(tokens):
                    continue
                token = tokens[position]
                if token is None:
                    following.add((index, position))
                elif token == char:
                    following.add((index, position + 1))
            state = closure(following)
            if state and state not in visited:
                visited.add(state)
                worst = max(worst, len(state))
                if limit is not None and worst > limit:
                    return worst
                if len(visited) > max_states:
                    return max_states
                frontier.append(state)
    return worst
