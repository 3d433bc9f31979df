"""Check events against the catalogue and its JSON Schemas, with errors a person can act on.

Every problem is a :class:`ValidationIssue` naming the field by its path in the event
(``detail.data.order-id``), the rule it broke (``required``, ``type``, ``pattern``...)
and what was expected (``expected string, got integer``). Validation collects every
issue rather than stopping at the first, so a learner sees the whole list at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from course_lib.events.catalogue import event_type
from course_lib.events.envelope import EnvelopeError, Event, thaw


@dataclass(frozen=True, order=True)
class ValidationIssue:
    """One broken rule: where (``path``), which rule, and why in plain words."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.rule})"


class EventValidationError(ValueError):
    """An event broke its schema; ``issues`` lists every broken rule."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{len(issues)} validation issue(s):\n{lines}")


_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (type(None), "null"),
    (Mapping, "object"),
    (list, "array"),
    (tuple, "array"),
)


def json_type_name(value: Any) -> str:
    """The JSON Schema type name of a Python value (``True`` is a boolean, not an integer)."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _join(root: str, parts: Any) -> str:
    path = root
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else f"{path}.{part}"
    return path


def _issues_from(error: Any, root: str) -> list[ValidationIssue]:
    path = _join(root, error.absolute_path)
    rule = error.validator
    value = error.instance
    expected = error.validator_value
    if rule == "required":
        return [
            ValidationIssue(f"{path}.{name}", "required", "required field is missing")
            for name in expected
            if isinstance(value, Mapping) and name not in value
        ]
    if rule == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        message = f"expected {wanted}, got {json_type_name(value)}"
    elif rule == "enum":
        message = f"expected one of {', '.join(map(repr, expected))}, got {value!r}"
    elif rule == "const":
        message = f"expected {expected!r}, got {value!r}"
    elif rule == "pattern":
        message = f"expected a string matching {expected}, got {value!r}"
    elif rule in ("minLength", "maxLength"):
        bound = "at least" if rule == "minLength" else "at most"
        message = f"expected {bound} {expected} character(s), got {len(value)}"
    elif rule in ("minItems", "maxItems"):
        bound = "at least" if rule == "minItems" else "at most"
        message = f"expected {bound} {expected} item(s), got {len(value)}"
    elif rule in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(rule, "<")
        message = f"expected a number {sign} {expected}, got {value!r}"
    elif rule == "additionalProperties":
        extras = sorted(set(value) - set(error.schema.get("properties", {})))
        return [
            ValidationIssue(f"{path}.{name}", rule, "field is not allowed here") for name in extras
        ]
    else:
        message = error.message
    return [ValidationIssue(path, rule, message)]


@cache
def _validator_for(detail_type: str) -> Any:
    return compile_schema(event_type(detail_type).schema())


def compile_schema(schema: Mapping[str, Any]) -> Any:
    """A jsonschema validator for a draft 2020-12 schema; a clear error if it is invalid."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = _join("schema", exc.absolute_path)
        raise ValueError(f"{where}: not a valid JSON Schema: {exc.message}") from None
    return Draft202012Validator(schema)


def validate_instance(
    schema: Mapping[str, Any] | Any, instance: Any, root: str = "detail"
) -> list[ValidationIssue]:
    """Every rule ``instance`` breaks in ``schema`` (a schema dict or a compiled validator).

    Paths start at ``root``. Issues come sorted by path, so the output is stable.
    """
    validator = compile_schema(schema) if isinstance(schema, Mapping) else schema
    issues: list[ValidationIssue] = []
    for error in validator.iter_errors(thaw(instance)):
        issues.extend(_issues_from(error, root))
    return sorted(set(issues))


def validate_detail(detail_type: str, detail: Any) -> list[ValidationIssue]:
    """Every rule a ``detail`` breaks in the catalogue schema of its ``detail-type``."""
    return validate_instance(_validator_for(detail_type), detail)


def validate_event(event: Event | Mapping[str, Any]) -> list[ValidationIssue]:
    """Every problem with an event: its envelope, its source, and its ``detail``.

    Accepts an :class:`Event` or the event's JSON (a dict). An unknown ``detail-type``
    or a ``source`` other than the one the catalogue gives is an issue, not an exception.
    """
    if not isinstance(event, Event):
        try:
            event = Event.from_dict(event)
        except EnvelopeError as exc:
            return [ValidationIssue(exc.field, "envelope", exc.reason)]
    try:
        expected = event_type(event.detail_type)
    except LookupError as exc:
        return [ValidationIssue("detail-type", "catalogue", str(exc.args[0]))]
    issues = []
    if event.source != expected.source:
        issues.append(
            ValidationIssue(
                "source",
                "catalogue",
                f"{event.detail_type} is published by {expected.source!r}, got {event.source!r}",
            )
        )
    issues.extend(validate_detail(event.detail_type, event.detail))
    return issues


def check_event(event: Event | Mapping[str, Any]) -> Event:
    """The event as an :class:`Event` if it is valid; :class:`EventValidationError` if not."""
    issues = validate_event(event)
    if issues:
        raise EventValidationError(issues)
    return event if isinstance(event, Event) else Event.from_dict(event)
