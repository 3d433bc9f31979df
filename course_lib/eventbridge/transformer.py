"""Input transformers: what a target receives instead of the raw event.

``InputPathsMap`` names values picked out of the event with JSON paths; ``InputTemplate``
is text with ``<name>`` placeholders. The rules below come from three sources, named
after each: AWS's documentation ("Common issues with transforming input": *doc*), outputs
recorded on AWS (*recorded*), and, where neither speaks, observed behaviour that the
course takes as given (*observed*):

* A path missing from the event gives the empty string: nothing inside a JSON string or
  in plain text (*recorded*), ``""`` where a JSON value stands, ``{"id": <id>}``
  (*observed*).
* Outside strings a value is written as JSON (strings get their quotes); in a plain-text
  template (one that starts with neither ``{``, ``[`` nor ``"``) strings go in as text
  (*doc*, *recorded*).
* Inside a JSON string a value is inserted as its text, *not escaped* (*doc*): a string
  as it is, a number or boolean as JSON. An object or array loses its quotes in a string
  template, ``"Payload of <p>"`` gives ``{acc_id:0a78,sf_id:baz}`` (*doc*, *recorded*),
  but keeps them in an object or array template, which then is no longer valid JSON
  (*observed*; the documentation's wording covers string templates only).
* An object or array template whose output is not valid JSON is not delivered: the
  invocation is dropped (*observed*). :func:`transform_input` raises
  :class:`InvalidTransformedInput` for it.

The reserved ``<aws.events.*>`` variables give the rule, the ingestion time and the event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from course_lib import strict_json
from course_lib.eventbridge import json_text
from course_lib.eventbridge.errors import (
    InvalidEvent,
    InvalidInputTransformer,
    InvalidTransformedInput,
)
from course_lib.facts import fact

MAX_PATHS = 100
MAX_TEMPLATE_LENGTH = 8192
MAX_PATH_LENGTH = 256
#: The largest payload a target takes (SQS, Lambda asynchronous invocation, and the
#: event itself); a template that repeats large values can ask for far more.
MAX_OUTPUT_BYTES = fact("lambda.async_invoke.max_payload_bytes")
RESERVED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
KEY = re.compile(r"[A-Za-z0-9_\-]+")
PATH_STEP = re.compile(r"\.([A-Za-z0-9_\-/@:$ ]+|\*)|\[([0-9]+|\*)\]")

_MISSING = object()


def parse_json_path(path: str) -> list[str | int | None]:
    """``$.detail.items[0].sku`` into steps (names, indices, None for ``*``), or a clear error."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise InvalidInputTransformer(f"{path!r} is not a valid JSON path: it must start with '$'")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidInputTransformer(
            f"JSON path {path[:40]!r}... is longer than {MAX_PATH_LENGTH} characters"
        )
    steps: list[str | int | None] = []
    position = 1
    while position < len(path):
        match = PATH_STEP.match(path, position)
        if match is None:
            raise InvalidInputTransformer(
                f"{path!r} is not a valid JSON path: unexpected {path[position:]!r} at "
                f"position {position} (use dot notation and [index])"
            )
        name, index = match.groups()
        if name is not None:
            steps.append(None if name == "*" else name)
        else:
            steps.append(None if index == "*" else int(index))
        position = match.end()
    return steps


def select(document: Any, steps: list[str | int | None]) -> Any:
    """The value at ``steps`` in ``document``; a list when a ``*`` step fans out; or _MISSING."""
    current = [document]
    fanned = False
    for step in steps:
        following = []
        for node in current:
            if step is None:
                fanned = True
                if isinstance(node, dict):
                    following.extend(node.values())
                elif isinstance(node, list):
                    following.extend(node)
            elif isinstance(step, int):
                if isinstance(node, list) and step < len(node):
                    following.append(node[step])
            elif isinstance(node, dict) and step in node:
                following.append(node[step])
        current = following
    if fanned:
        return current if current else _MISSING
    return current[0] if current else _MISSING


def validate_input_transformer(
    input_paths_map: Mapping[str, str] | None, input_template: str, *, target_id: str
) -> dict[str, list]:
    """Check an InputTransformer as PutTargets does; return the parsed paths by name."""
    if input_paths_map is not None and not isinstance(input_paths_map, Mapping):
        raise InvalidInputTransformer(
            f"InputPathsMap for target {target_id} must be a map of names to JSON paths, "
            f"not {type(input_paths_map).__name__}."
        )
    paths_map = dict(input_paths_map or {})
    if len(paths_map) > MAX_PATHS:
        raise InvalidInputTransformer(
            f"InputPathsMap for target {target_id} has {len(paths_map)} entries; "
            f"the maximum is {MAX_PATHS}."
        )
    parsed = {}
    for name, path in paths_map.items():
        if not isinstance(name, str) or not KEY.fullmatch(name):
            raise InvalidInputTransformer(
                f"InputPathsMap key {name!r} for target {target_id} must contain only "
                "letters, digits, '_' and '-'."
            )
        if name.startswith("aws."):
            raise InvalidInputTransformer(
                f"InputPathsMap key {name!r} for target {target_id} uses the reserved prefix 'aws.'."
            )
        parsed[name] = parse_json_path(path)
    if not isinstance(input_template, str) or not input_template:
        raise InvalidInputTransformer(
            f"InputTemplate for target {target_id} must be a non-empty string."
        )
    if len(input_template) > MAX_TEMPLATE_LENGTH:
        raise InvalidInputTransformer(
            f"InputTemplate for target {target_id} is longer than {MAX_TEMPLATE_LENGTH} characters."
        )
    for match in PLACEHOLDER.finditer(input_template):
        name = match.group(1)
        if name not in parsed and name not in RESERVED:
            raise InvalidInputTransformer(
                f"InputTemplate for target {target_id} contains invalid placeholder {name}."
            )
    if input_template.lstrip().startswith("{"):
        _check_no_placeholder_keys(input_template, target_id)
    return parsed


def _check_no_placeholder_keys(template: str, target_id: str) -> None:
    for match, inside_string in _placeholders(template):
        if not inside_string and template[match.end() :].lstrip().startswith(":"):
            raise InvalidInputTransformer(
                f"InputTemplate for target {target_id} uses placeholder <{match.group(1)}> "
                "as an object key, which a JSON template does not allow."
            )


def _placeholders(template: str):
    """Each placeholder match with whether it stands inside a JSON string literal."""
    inside = False
    escaped = False
    string_at = []
    for char in template:
        string_at.append(inside)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    for match in PLACEHOLDER.finditer(template):
        yield match, string_at[match.start()]


def _compact_text(value: Any) -> str:
    """An object or array written inside a string template: JSON without any quotes."""
    stack: list[Any] = [value]
    out: list[str] = []
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, dict):
            parts: list[Any] = [_Raw("{")]
            for number, (key, child) in enumerate(item.items()):
                parts += [_Raw(("," if number else "") + f"{key}:"), child]
            stack.extend(reversed([*parts, _Raw("}")]))
        elif isinstance(item, list):
            parts = [_Raw("[")]
            for number, child in enumerate(item):
                parts += [_Raw(",")] * bool(number) + [child]
            stack.extend(reversed([*parts, _Raw("]")]))
        elif isinstance(item, str):
            out.append(item)
        else:
            out.append(json.dumps(item))
    return "".join(out)


class _Raw:
    """Punctuation queued by :func:`_compact_text` (which walks without recursion)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _in_string(value: Any, *, compact: bool) -> str:
    """A value inside a JSON string literal: its text, unescaped, as AWS inserts it."""
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list) and compact:
        return _compact_text(value)
    return json_text.dumps(value)


def _outside_string(value: Any, plain_text: bool) -> str:
    if value is _MISSING:
        value = ""
    if plain_text and isinstance(value, str):
        return value
    return json_text.dumps(value)


def _timestamp(value: str | datetime) -> str:
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def event_without_detail(event: Mapping[str, Any]) -> dict:
    """``<aws.events.event>``: the envelope without ``detail``, as AWS writes it."""
    envelope = {}
    for key, value in event.items():
        if key == "detail":
            continue
        envelope["detailType" if key == "detail-type" else key] = value
    return envelope


def _fill(
    template: str,
    parsed: dict[str, list],
    event: Mapping[str, Any],
    rule_name: str,
    rule_arn: str,
    ingestion_time: str | datetime,
) -> list[str]:
    """The template's text with every placeholder replaced, as pieces to join."""
    values: dict[str, Any] = {name: select(event, steps) for name, steps in parsed.items()}
    reserved_text = {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": _timestamp(ingestion_time),
    }
    raw_json = {
        "aws.events.event": lambda: json_text.dumps(event_without_detail(event)),
        "aws.events.event.json": lambda: json_text.dumps(event),
    }
    start = template.lstrip()[:1]
    plain_text = start not in ("{", "[", '"')
    json_document = start in ("{", "[")
    pieces = []
    last = size = 0
    for match, inside_string in _placeholders(template):
        name = match.group(1)
        pieces.append(template[last : match.start()])
        if name in raw_json:
            pieces.append(raw_json[name]())
        elif name in reserved_text:
            text = reserved_text[name]
            pieces.append(
                _in_string(text, compact=True)
                if inside_string
                else _outside_string(text, plain_text)
            )
        elif inside_string:
            pieces.append(_in_string(values[name], compact=not json_document))
        else:
            pieces.append(_outside_string(values[name], plain_text))
        last = match.end()
        # Characters are a lower bound on UTF-8 bytes: stop as soon as the output cannot
        # fit, so a template repeating a large value never builds gigabytes.
        size += len(pieces[-2]) + len(pieces[-1])
        if size > MAX_OUTPUT_BYTES:
            break
    pieces.append(template[last:])
    return pieces


def transform_input(
    input_paths_map: Mapping[str, str] | None,
    input_template: str,
    event: Mapping[str, Any] | str,
    *,
    rule_name: str,
    rule_arn: str,
    event_bus_name: str,
    ingestion_time: str | datetime,
) -> str:
    """The payload a target receives for ``event`` under this InputTransformer.

    Raises :class:`InvalidInputTransformer` for a paths map or template PutTargets rejects,
    and its subclass :class:`InvalidTransformedInput` when an object or array template
    yields text that is not JSON, or any template more than :data:`MAX_OUTPUT_BYTES`
    (1 MiB): AWS drops such an invocation.
    ``event_bus_name`` is part of the delivery context; no reserved variable exposes it.
    """
    parsed = validate_input_transformer(input_paths_map, input_template, target_id="<target-id>")
    try:
        # A Detail may nest the full limit, and the envelope adds one level around it.
        depth = strict_json.MAX_DEPTH + 1
        if isinstance(event, str | bytes):
            event = strict_json.loads(event, field="Event", max_depth=depth)
        else:
            strict_json.check(event, field="Event", max_depth=depth)
    except strict_json.JsonError as error:
        raise InvalidEvent(f"{error.field}: {error.reason}") from None
    try:
        pieces = _fill(input_template, parsed, event, rule_name, rule_arn, ingestion_time)
    except ValueError as error:  # json.dumps refuses an integer of more than 4,300 digits
        raise InvalidEvent(f"Event: a value cannot be written as JSON text ({error})") from None
    output = "".join(pieces)
    size = len(output.encode("utf-8", "surrogatepass"))  # "\ud800" is valid JSON text
    if size > MAX_OUTPUT_BYTES:
        raise InvalidTransformedInput(
            f"The InputTemplate produces more than {MAX_OUTPUT_BYTES} bytes, more than a "
            "target accepts, so the invocation cannot be delivered; select smaller parts "
            "of the event."
        )
    if input_template.lstrip()[:1] in ("{", "["):
        try:
            json_text.check(output)
        except ValueError as error:
            raise InvalidTransformedInput(
                f"The InputTemplate produced text that is not valid JSON ({error}); "
                "AWS drops such an invocation. A placeholder inside quotes that holds an "
                "object, an array or a string with quotes breaks the JSON: put it outside "
                "the quotes."
            ) from None
    return output


def apply_input_path(input_path: str, event: Mapping[str, Any]) -> str:
    """``InputPath``: the JSON text of the part of the event the path selects (``null`` if none)."""
    value = select(event, parse_json_path(input_path))
    return "null" if value is _MISSING else json_text.dumps(value)


def transform_with_context(
    input_paths_map: Mapping[str, str] | None,
    input_template: str,
    event: Mapping[str, Any] | str,
    context: Mapping[str, Any],
) -> str:
    """:func:`transform_input` with the delivery context as one mapping.

    ``context`` holds ``rule_name``, ``rule_arn``, ``event_bus_name`` and ``ingestion_time``,
    the shape the recorded conformance cases use.
    """
    missing = [
        k for k in ("rule_name", "rule_arn", "event_bus_name", "ingestion_time") if k not in context
    ]
    if missing:
        raise ValueError(f"context is missing {', '.join(missing)}")
    return transform_input(
        input_paths_map,
        input_template,
        event,
        rule_name=context["rule_name"],
        rule_arn=context["rule_arn"],
        event_bus_name=context["event_bus_name"],
        ingestion_time=context["ingestion_time"],
    )
