"""Input transformers: what a target receives instead of the raw event.

``InputPathsMap`` names values picked out of the event with JSON paths; ``InputTemplate``
is text with ``<name>`` placeholders. How a value is written depends on where its
placeholder stands, as on AWS:

* inside a JSON string (``"users/<id>"``) a string is inserted as its text, an object or
  array in a compact form without quotes (``{acc_id:0a78,sf_id:baz}``, ``[HIGH]``), and a
  path missing from the event as nothing;
* outside strings (``{"id": <id>}``) the value is inserted as JSON, a missing path as
  ``null``; in a plain-text template (not JSON) strings go in without quotes and a
  missing path as nothing.

The reserved ``<aws.events.*>`` variables give the rule, the ingestion time and the event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from course_lib.eventbridge.errors import InvalidInputTransformer

MAX_PATHS = 100
MAX_TEMPLATE_LENGTH = 8192
MAX_PATH_LENGTH = 256
RESERVED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
KEY = re.compile(r"[A-Za-z0-9_\-]+")
PATH_STEP = re.compile(r"\.([A-Za-z0-9_\-/@:$ ]+|\*)|\[(\d+|\*)\]")

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
    """An object or array written inside a string: JSON without any quotes."""
    if isinstance(value, dict):
        members = (f"{_escaped(k)}:{_compact_text(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact_text(v) for v in value) + "]"
    if isinstance(value, str):
        return _escaped(value)
    return json.dumps(value)


def _escaped(text: str) -> str:
    """``text`` escaped to sit inside a JSON string literal (quotes, backslashes, controls)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _in_string(value: Any) -> str:
    if value is _MISSING:
        return ""
    return _compact_text(value)


def _outside_string(value: Any, plain_text: bool) -> str:
    if value is _MISSING:
        return "" if plain_text else "null"
    if plain_text and isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


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

    Raises :class:`InvalidInputTransformer` for a paths map or template PutTargets rejects.
    ``event_bus_name`` is part of the delivery context; no reserved variable exposes it.
    """
    parsed = validate_input_transformer(input_paths_map, input_template, target_id="<target-id>")
    if isinstance(event, str):
        event = json.loads(event)
    values: dict[str, Any] = {name: select(event, steps) for name, steps in parsed.items()}
    reserved_text = {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": _timestamp(ingestion_time),
    }
    raw_json = {
        "aws.events.event": json.dumps(event_without_detail(event), ensure_ascii=False),
        "aws.events.event.json": json.dumps(event, ensure_ascii=False),
    }
    plain_text = not input_template.lstrip().startswith(("{", "[", '"'))
    pieces = []
    last = 0
    for match, inside_string in _placeholders(input_template):
        name = match.group(1)
        pieces.append(input_template[last : match.start()])
        if name in raw_json:
            pieces.append(raw_json[name])
        elif name in reserved_text:
            text = reserved_text[name]
            pieces.append(_in_string(text) if inside_string else _outside_string(text, plain_text))
        elif inside_string:
            pieces.append(_in_string(values[name]))
        else:
            pieces.append(_outside_string(values[name], plain_text))
        last = match.end()
    pieces.append(input_template[last:])
    return "".join(pieces)


def apply_input_path(input_path: str, event: Mapping[str, Any]) -> str:
    """``InputPath``: the JSON text of the part of the event the path selects (``null`` if none)."""
    value = select(event, parse_json_path(input_path))
    return "null" if value is _MISSING else json.dumps(value, ensure_ascii=False)


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
