"""Parse and validate an event pattern into sub-rules of field predicates.

A pattern is compiled the way AWS compiles it: nested keys join into dotted field paths
(``{"detail": {"state": [...]}}`` constrains ``detail.state``), the fields of one object
must all match (AND), the values listed for a field are alternatives (OR), and every
``$or`` forks the pattern into one sub-rule per branch. A pattern matches an event when
any of its sub-rules does.

Everything AWS rejects raises :class:`InvalidEventPattern` with AWS's reason text.

Limits: a pattern is at most :data:`MAX_PATTERN_LENGTH` (4,096) characters of JSON, nests
at most :data:`MAX_PATTERN_DEPTH` (1,000) levels, forks into at most :data:`MAX_SUBRULES`
(1,000) ``$or`` combinations; numeric ranges lie within -5e9..5e9 with six decimals,
exact-match numbers must be finite doubles, and wildcards on one field stay under the
"Rule is too complex" bound. Parsing walks nested objects with an explicit stack.
"""

from __future__ import annotations

import ipaddress
import json
import math
import sys
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from course_lib import strict_json
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
#: Nesting limit of the JSON parser of AWS's Java services (Jackson's default), which
#: applies to patterns as to any JSON document.
MAX_PATTERN_DEPTH = strict_json.MAX_DEPTH
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
MAX_DOUBLE = sys.float_info.max
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
    """The pattern as parsed JSON: a JSON string is decoded, anything else is taken as given.

    Either way the pattern must be plain JSON (no NaN, no sets or datetimes, string keys),
    at most :data:`MAX_PATTERN_LENGTH` characters as compact JSON and nested at most
    :data:`MAX_PATTERN_DEPTH` levels, or :class:`InvalidEventPattern` says which rule it breaks.
    """
    if isinstance(pattern, bytes | bytearray):
        try:
            pattern = bytes(pattern).decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidEventPattern(
                f"Event pattern is not valid UTF-8 (byte {error.start})"
            ) from None
    if isinstance(pattern, str):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidEventPattern(
                f"Event pattern is {len(pattern)} characters long; the maximum is {MAX_PATTERN_LENGTH}"
            )
        if strict_json.nesting_depth(pattern) > MAX_PATTERN_DEPTH:
            raise InvalidEventPattern(f"Event pattern nests deeper than {MAX_PATTERN_DEPTH} levels")
        try:
            return json.loads(pattern, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise InvalidEventPattern(
                f'{exc.msg}\n at [Source: (String)"{pattern}"; line: {exc.lineno}, column: {exc.colno}]'
            ) from None
        except RecursionError:
            raise InvalidEventPattern(
                f"Event pattern nests deeper than this engine can read ({MAX_PATTERN_DEPTH} levels)"
            ) from None
    try:
        strict_json.check(pattern, field="EventPattern", max_depth=MAX_PATTERN_DEPTH)
    except strict_json.JsonError as error:
        raise InvalidEventPattern(f"{error.field}: {error.reason}") from None
    size = compact_json_length(pattern)
    if size > MAX_PATTERN_LENGTH:
        raise InvalidEventPattern(
            f"Event pattern is {size} characters long; the maximum is {MAX_PATTERN_LENGTH}"
        )
    return pattern


def compact_json_length(value: Any) -> int:
    """The length of ``json.dumps(value, separators=(",", ":"))``, computed without recursion."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            total += 1 + 2 * len(item) + sum(_leaf_length(key) for key in item) + (not item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            total += 1 + max(len(item), 1)
            stack.extend(item)
        else:
            total += _leaf_length(item)
    return total


def _leaf_length(leaf: Any) -> int:
    """Characters a JSON leaf takes as text: non-ASCII characters count once, as AWS counts
    the pattern string; an integer too long for Python to print counts by its digits."""
    if isinstance(leaf, int) and not isinstance(leaf, bool) and leaf.bit_length() > 10_000:
        return int(leaf.bit_length() * math.log10(2)) + (leaf < 0)
    return len(json.dumps(leaf, ensure_ascii=False))


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"Non-standard token '{name}'", name, 0)


def compile_pattern(pattern: Any) -> CompiledPattern:
    """Validate ``pattern`` (a dict or a JSON string) and compile it into sub-rules."""
    document = load_pattern(pattern)
    if not isinstance(document, dict):
        raise InvalidEventPattern("Filter is not an object")
    alternatives: list[dict[str, list[Predicate]]] = []
    _parse_object(document, None, alternatives, inside_or=False)
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


def join_path(prefix: str | None, key: str) -> str:
    """``prefix.key``; ``None`` stands for the top level, so an empty key still adds a step."""
    return key if prefix is None else f"{prefix}.{key}"


class PatternWarning(UserWarning):
    """A pattern AWS accepts but that probably does not say what its author meant."""


def _parse_object(
    obj: dict,
    path: str | None,
    alternatives: list[dict[str, list[Predicate]]],
    *,
    inside_or: bool,
) -> None:
    """Add the fields of ``obj`` (at ``path``) to every alternative, in document order.

    Nested objects are walked with an explicit stack, so deep patterns cannot exhaust
    Python's recursion limit; only ``$or`` recurses, once per ``$or`` level.
    """
    stack = [(iter(obj.items()), path)]
    if not obj:
        raise InvalidEventPattern("Empty objects are not allowed")
    while stack:
        items, prefix = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            continue
        key, value = entry
        if not isinstance(key, str):
            raise InvalidEventPattern(f"Field names must be strings, got {key!r}")
        if key == OR_KEY:
            _parse_or(value, prefix, alternatives)
            continue
        if inside_or and key in OPERATORS:
            raise InvalidEventPattern(
                f"{key} is Ruler reserved fieldName which cannot be used inside {OR_KEY}."
            )
        if isinstance(value, dict):
            if not value:
                raise InvalidEventPattern("Empty objects are not allowed")
            stack.append((iter(value.items()), join_path(prefix, key)))
        elif isinstance(value, list | tuple):
            predicates = _parse_values(list(value))
            if not alternatives:
                alternatives.append({})
            field = join_path(prefix, key)
            if field in alternatives[-1] and not inside_or:
                warnings.warn(
                    f"Event pattern names field {field!r} twice (for example once as a dotted "
                    "key and once nested); as on AWS, the later one replaces the earlier.",
                    PatternWarning,
                    stacklevel=4,
                )
            for alternative in alternatives:
                alternative[field] = predicates
        else:
            raise InvalidEventPattern(f'"{key}" must be an object or an array')


def _parse_or(value: Any, path: str | None, alternatives: list[dict[str, list[Predicate]]]) -> None:
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
        elif value is None or isinstance(value, bool):
            predicates.append(Exact(value_key(value)))
        elif is_number(value):
            predicates.append(Exact(value_key(_check_exact_number(value))))
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


def _check_exact_number(value: int | float) -> int | float:
    """An exact-match number must be a finite double, as AWS's Java parser reads it.

    A 400-digit integer or ``1e400`` is out of that range and is rejected.
    """
    finite = math.isfinite(value) if isinstance(value, float) else abs(value) <= MAX_DOUBLE
    if not finite:
        raise InvalidEventPattern(
            "Number is out of range: exact-match numbers must be finite doubles "
            f"(magnitude at most {MAX_DOUBLE:.3e}); numeric ranges must be between -5.0E9 "
            "and 5.0E9, inclusive"
        )
    return value


def _check_number(value: Any, message: str) -> Decimal:
    """A number usable in a numeric comparison: at most six decimals, within +/-5e9."""
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidEventPattern(message)
    if isinstance(value, int) and abs(value) > FIVE_BILLION:
        raise InvalidEventPattern("Value must be between -5.0E9 and 5.0E9, inclusive")
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
    current: list[str] = []
    position = 0
    previous_star = False
    while position < len(text):
        char = text[position]
        if char == "\\":
            following = text[position + 1 : position + 2]
            if following not in ("*", "\\"):
                raise InvalidEventPattern(f"Invalid escape character at pos {position}")
            current.append(following)
            position += 2
            previous_star = False
            continue
        if char == "*":
            if previous_star:
                raise InvalidEventPattern(f"Consecutive wildcard characters at pos {position}")
            pieces.append("".join(current))
            current = []
            previous_star = True
        else:
            current.append(char)
            previous_star = False
        position += 1
    pieces.append("".join(current))
    return Wildcard(text, tuple(pieces))


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
    it) or has explored ``max_states`` distinct sets: the answer is then the largest set
    seen so far: long literal runs (one 3,000-character wildcard) reach many sets that
    each hold few positions, which is no sign of complexity.
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
                    return worst
                frontier.append(state)
    return worst
