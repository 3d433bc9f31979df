"""Schema evolution: which changes to an event's schema break the consumers reading it.

An event schema is a contract with every subscriber, most of whom the producer does not
know. Producers and consumers upgrade at different times, so a change is judged in two
directions, with the names schema registries (Confluent Schema Registry, AWS Glue Schema
Registry) give them:

* **FORWARD** compatible: consumers written against the *old* schema keep working on
  events that follow the *new* one (producers may upgrade first);
* **BACKWARD** compatible: consumers written against the *new* schema can read events
  that follow the *old* one, such as events already published, replayed or still queued
  (consumers may upgrade first);
* **FULL**: both.

:func:`compare_schemas` answers the forward question change by change; the backward
question is the same question with the roles swapped (the new schema's readers, the old
schema's events), so :func:`is_backward_compatible` compares ``new`` against ``old``.
The verdicts take a consumer's view (it ignores fields it does not know); a registry's
own JSON Schema checker can be stricter, e.g. about schemas open to extra fields.

The rules, field by field, for readers of the first schema and events of the second:

* adding a field never breaks a consumer: it ignores what it does not know (unless the
  old schema forbade extra fields with ``additionalProperties: false``);
* removing or renaming a field the old schema *required* breaks consumers that read it;
  a required field becoming optional breaks them the same way, some of the time;
* changing a field's type breaks them, unless the new types are a subset of the old;
* new enum values break consumers that handle a closed list; removing values does not;
* tighter bounds (``minimum``, ``maxLength``...) are safe, looser ones are not, and a
  changed ``pattern`` is reported as breaking because no tool can prove it narrower.

Paths name fields inside ``detail`` as ``data.order-id``; ``[]`` stands for array items.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ChangeKind(StrEnum):
    FIELD_ADDED = "field added"
    FIELD_REMOVED = "field removed"
    FIELD_RENAMED = "field renamed"
    TYPE_CHANGED = "type changed"
    BECAME_REQUIRED = "became required"
    BECAME_OPTIONAL = "became optional"
    ENUM_VALUES_ADDED = "enum values added"
    ENUM_VALUES_REMOVED = "enum values removed"
    CONSTRAINT_CHANGED = "constraint changed"


@dataclass(frozen=True, order=True)
class SchemaChange:
    """One difference between two schema versions and what it does to old consumers."""

    path: str
    kind: ChangeKind
    breaking: bool
    explanation: str


_UNSUPPORTED = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "patternProperties")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_IGNORED = {"description", "title", "examples", "default", "$comment", "$schema", "$id"}


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return frozenset([declared] if isinstance(declared, str) else declared)


def _shape(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema without its annotations, to recognise a renamed field by its content."""
    return {key: value for key, value in schema.items() if key not in _IGNORED}


def _check_supported(schema: Any, path: str) -> None:
    if not isinstance(schema, Mapping):
        raise ValueError(f"{path or 'schema'}: expected a schema object, got {schema!r}")
    for keyword in _UNSUPPORTED:
        if keyword in schema:
            raise ValueError(
                f"{path or 'schema'}: compare_schemas does not follow {keyword!r}; "
                "compare schemas written with properties, items, type and enum"
            )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def compare_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SchemaChange]:
    """Every change from ``old`` to ``new``, sorted by path.

    A change is ``breaking`` when consumers written against ``old`` fail on events that
    follow ``new`` (the FORWARD direction).
    """
    changes: list[SchemaChange] = []
    _compare(old, new, "", changes)
    return sorted(changes)


def is_forward_compatible(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """FORWARD: consumers written against ``old`` keep working on events following ``new``."""
    return not any(change.breaking for change in compare_schemas(old, new))


def is_backward_compatible(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """BACKWARD: consumers written against ``new`` can read events following ``old``."""
    return not any(change.breaking for change in compare_schemas(new, old))


def is_fully_compatible(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """FULL: both forward and backward compatible."""
    return is_forward_compatible(old, new) and is_backward_compatible(old, new)


def compatibility(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The registry name of the strongest mode ``new`` satisfies against ``old``.

    ``"FULL"``, ``"BACKWARD"``, ``"FORWARD"`` or ``"NONE"``.
    """
    forward, backward = is_forward_compatible(old, new), is_backward_compatible(old, new)
    if forward and backward:
        return "FULL"
    return "BACKWARD" if backward else "FORWARD" if forward else "NONE"


def _compare(old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list) -> None:
    _check_supported(old, path)
    _check_supported(new, path)
    old_types, new_types = _types(old), _types(new)
    if old_types != new_types:
        narrowed = old_types is None or (new_types is not None and new_types <= old_types)
        out.append(
            SchemaChange(
                path or "(root)",
                ChangeKind.TYPE_CHANGED,
                not narrowed,
                f"type {_describe(old_types)} -> {_describe(new_types)}: "
                + (
                    "every new value is one old consumers already handle"
                    if narrowed
                    else "old consumers get values of a type they do not expect"
                ),
            )
        )
        return
    _compare_enum(old, new, path, out)
    _compare_bounds(old, new, path, out)
    if "properties" in old or "properties" in new:
        _compare_properties(old, new, path, out)
    if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
        _compare(old["items"], new["items"], f"{path}[]", out)


def _describe(types: frozenset[str] | None) -> str:
    return "any" if types is None else " or ".join(sorted(types))


def _compare_enum(old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list) -> None:
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in new:
        out.append(
            SchemaChange(
                path,
                ChangeKind.ENUM_VALUES_ADDED,
                True,
                "the closed list of values was lifted: consumers may get values they do not handle",
            )
        )
        return
    if "enum" not in old:
        out.append(
            SchemaChange(
                path,
                ChangeKind.ENUM_VALUES_REMOVED,
                False,
                "values are now limited to a list consumers already accept",
            )
        )
        return
    added = [value for value in new["enum"] if value not in old["enum"]]
    removed = [value for value in old["enum"] if value not in new["enum"]]
    if added:
        out.append(
            SchemaChange(
                path,
                ChangeKind.ENUM_VALUES_ADDED,
                True,
                f"new values {added!r}: consumers with a closed list do not handle them",
            )
        )
    if removed:
        out.append(
            SchemaChange(
                path,
                ChangeKind.ENUM_VALUES_REMOVED,
                False,
                f"values {removed!r} are no longer sent; consumers still handle the rest",
            )
        )


def _compare_bounds(old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list) -> None:
    for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if before is None:
            looser = False
        elif after is None:
            looser = True
        else:
            looser = after < before if keyword in _LOWER_BOUNDS else after > before
        out.append(
            SchemaChange(
                path,
                ChangeKind.CONSTRAINT_CHANGED,
                looser,
                f"{keyword} {before!r} -> {after!r}: "
                + ("values old consumers never saw are now allowed" if looser else "tighter"),
            )
        )
    if old.get("pattern") != new.get("pattern"):
        tightened = "pattern" not in old
        out.append(
            SchemaChange(
                path,
                ChangeKind.CONSTRAINT_CHANGED,
                not tightened,
                f"pattern {old.get('pattern')!r} -> {new.get('pattern')!r}: "
                + ("tighter" if tightened else "values old consumers never saw may now be allowed"),
            )
        )


def _compare_properties(
    old: Mapping[str, Any], new: Mapping[str, Any], path: str, out: list
) -> None:
    old_props: Mapping[str, Any] = old.get("properties", {})
    new_props: Mapping[str, Any] = new.get("properties", {})
    old_required = set(old.get("required", ()))
    new_required = set(new.get("required", ()))
    removed = [name for name in old_props if name not in new_props]
    added = [name for name in new_props if name not in old_props]
    for name in list(removed):
        twin = next(
            (other for other in added if _shape(new_props[other]) == _shape(old_props[name])),
            None,
        )
        if twin is None:
            continue
        removed.remove(name)
        added.remove(twin)
        was_required = name in old_required
        out.append(
            SchemaChange(
                _join(path, name),
                ChangeKind.FIELD_RENAMED,
                was_required,
                f"renamed to {twin!r}: consumers reading {name!r} "
                + ("fail, it was required" if was_required else "now always find it missing"),
            )
        )
    for name in removed:
        was_required = name in old_required
        out.append(
            SchemaChange(
                _join(path, name),
                ChangeKind.FIELD_REMOVED,
                was_required,
                "consumers relying on this required field fail"
                if was_required
                else "it was optional, so consumers already cope without it",
            )
        )
    closed = old.get("additionalProperties") is False
    for name in added:
        required = name in new_required
        out.append(
            SchemaChange(
                _join(path, name),
                ChangeKind.FIELD_ADDED,
                closed,
                (
                    "the old schema forbade extra fields, so strict consumers reject it"
                    if closed
                    else f"{'required' if required else 'optional'} field: old consumers ignore it"
                ),
            )
        )
    for name in old_props:
        if name not in new_props:
            continue
        child = _join(path, name)
        if name in old_required and name not in new_required:
            out.append(
                SchemaChange(
                    child,
                    ChangeKind.BECAME_OPTIONAL,
                    True,
                    "consumers that rely on it fail on events that leave it out",
                )
            )
        elif name in new_required and name not in old_required:
            out.append(
                SchemaChange(
                    child,
                    ChangeKind.BECAME_REQUIRED,
                    False,
                    "always present now; consumers already handled it",
                )
            )
        _compare(old_props[name], new_props[name], child, out)


def _parent(schema: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object schema holding the field at ``path``, and the field's name."""
    parts = path.split(".")
    node = schema
    for part in parts[:-1]:
        properties = node.get("properties", {})
        if part not in properties:
            raise KeyError(f"{path}: no field {part!r} in the schema")
        node = properties[part]
    return node, parts[-1]


def add_field(
    schema: Mapping[str, Any], path: str, field_schema: Mapping[str, Any], *, required: bool = False
) -> dict[str, Any]:
    """A copy of ``schema`` with a new field at ``path`` (e.g. ``data.coupon``)."""
    result = copy.deepcopy(dict(schema))
    parent, name = _parent(result, path)
    properties = parent.setdefault("properties", {})
    if name in properties:
        raise KeyError(f"{path}: the field already exists")
    properties[name] = copy.deepcopy(dict(field_schema))
    if required:
        parent["required"] = [*parent.get("required", []), name]
    return result


def remove_field(schema: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``schema`` without the field at ``path``."""
    result = copy.deepcopy(dict(schema))
    parent, name = _parent(result, path)
    if name not in parent.get("properties", {}):
        raise KeyError(f"{path}: no such field in the schema")
    del parent["properties"][name]
    if name in parent.get("required", []):
        parent["required"] = [other for other in parent["required"] if other != name]
    return result


def rename_field(schema: Mapping[str, Any], path: str, new_name: str) -> dict[str, Any]:
    """A copy of ``schema`` with the field at ``path`` renamed, keeping its place and rules."""
    result = copy.deepcopy(dict(schema))
    parent, name = _parent(result, path)
    properties = parent.get("properties", {})
    if name not in properties:
        raise KeyError(f"{path}: no such field in the schema")
    if new_name in properties:
        raise KeyError(f"{path}: a field {new_name!r} already exists")
    parent["properties"] = {
        (new_name if key == name else key): value for key, value in properties.items()
    }
    if "required" in parent:
        parent["required"] = [new_name if key == name else key for key in parent["required"]]
    return result


def change_type(schema: Mapping[str, Any], path: str, new_type: str | list[str]) -> dict[str, Any]:
    """A copy of ``schema`` whose field at ``path`` has a different JSON type."""
    result = copy.deepcopy(dict(schema))
    parent, name = _parent(result, path)
    if name not in parent.get("properties", {}):
        raise KeyError(f"{path}: no such field in the schema")
    field = {
        key: value
        for key, value in parent["properties"][name].items()
        if key not in ("pattern", "minLength", "maxLength", "format")
    }
    field["type"] = new_type
    parent["properties"][name] = field
    return result
