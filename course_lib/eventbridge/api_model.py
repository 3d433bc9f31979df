"""Check a request against an AWS API model from botocore's data: names, types, required
members, enums, lengths, ranges and patterns, the way a service's front door does.

The model is read from botocore's data directory (the same JSON a boto3 client uses), found
with :func:`importlib.util.find_spec` and never imported: the engines stay below the edge,
where botocore may not be imported, and there is one source of truth for every limit.
Messages follow AWS's validation format: ``1 validation error detected: Value '...' at
'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from course_lib import botocore_models

_SHOWN = 80  # characters of a bad value quoted in a message


@cache
def load_model(service: str, api_version: str, needed_by: str = "The engine") -> dict[str, Any]:
    """The service model ``service``/``api_version`` as JSON (operations and shapes), once."""
    if botocore_models.models_root() is None:
        raise RuntimeError(f"{needed_by} reads its API model from botocore's data; install boto3.")
    model = botocore_models.read_model(service, api_version)
    if model is None:
        raise RuntimeError(
            f"botocore has no {service} {api_version} model: upgrade boto3 and botocore."
        )
    return model


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _printable(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\ud800``, so it can always be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def as_datetime(value: Any) -> datetime | None:
    """A boto3-style timestamp (datetime, ISO 8601 text or epoch seconds) as aware UTC.

    A time with another offset is converted (10:00+01:00 is 09:00 UTC); one that falls
    outside years 1-9999 once in UTC is no timestamp (None)."""
    moment = _as_datetime(value)
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:  # NaN, infinities and epochs beyond year 9999 are no timestamp
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


_NOT_UNICODE = "Member must be valid Unicode (a lone surrogate cannot be sent as UTF-8)"


def _is_unicode(text: str) -> bool:
    """Whether ``text`` can be sent as UTF-8 (no lone surrogate such as ``"\\ud800"``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class ModelChecker:
    """Walks one request against ``model``'s shapes, collecting every violation (as AWS does)."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.shapes = model["shapes"]
        self.errors: list[str] = []

    def fail(self, value: Any, where: str, constraint: str) -> None:
        self.errors.append(
            f"Value '{_quote(value)}' at '{where}' failed to satisfy constraint: {constraint}"
        )

    def check(self, value: Any, name: str, where: str) -> None:
        spec = self.shapes[name]
        kind = spec["type"]
        getattr(self, f"_check_{kind}", self._check_other)(value, spec, where)

    def _check_structure(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, Mapping):
            self.fail(value, where, "Member must be a structure")
            return
        members = spec.get("members", {})
        for key in value:
            if key not in members:
                self.errors.append(f"Unknown parameter '{key}' at '{where or 'request'}'")
        for key in spec.get("required", []):
            if value.get(key) is None:
                self.fail(None, _join(where, key), "Member must not be null")
        present = [key for key in members if value.get(key) is not None]
        if spec.get("union") and len(present) != 1:
            self.errors.append(
                f"Exactly one member of '{where or 'request'}' must be set "
                f"({', '.join(members)}), got {len(present)}"
            )
        for key in members:
            if key in value and value[key] is None and key not in spec.get("required", []):
                # boto3 refuses None for any member: an optional one is left out, not null
                self.fail(None, _join(where, key), "Member must not be null")
        for key in present:
            self.check(value[key], members[key]["shape"], _join(where, key))

    def _check_list(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, list | tuple):
            self.fail(value, where, "Member must be a list")
            return
        self._length(len(value), value, spec, where)
        for index, item in enumerate(value):
            self.check(item, spec["member"]["shape"], f"{where}.{index + 1}.member")

    def _check_map(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, Mapping):
            self.fail(value, where, "Member must be a map")
            return
        self._length(len(value), value, spec, where)
        for key, item in value.items():
            self.check(key, spec["key"]["shape"], f"{where}.{key}.key")
            self.check(item, spec["value"]["shape"], f"{where}.{key}.value")

    def _check_string(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, str):
            self.fail(value, where, "Member must be a string")
            return
        if not _is_unicode(value):
            self.fail(value, where, _NOT_UNICODE)
            return
        if "enum" in spec and value not in spec["enum"]:
            self.fail(
                value, where, f"Member must satisfy enum value set: [{', '.join(spec['enum'])}]"
            )
            return
        self._length(len(value), value, spec, where)
        pattern = spec.get("pattern")
        if pattern and not _regex(pattern).fullmatch(value):
            self.fail(value, where, f"Member must satisfy regular expression pattern: {pattern}")

    def _check_integer(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(value, where, "Member must be an integer")
            return
        if "min" in spec and value < spec["min"]:
            self.fail(
                value, where, f"Member must have value greater than or equal to {spec['min']}"
            )
        if "max" in spec and value > spec["max"]:
            self.fail(value, where, f"Member must have value less than or equal to {spec['max']}")

    _check_long = _check_integer

    def _check_boolean(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, bool):
            self.fail(value, where, "Member must be a boolean")

    def _check_timestamp(self, value: Any, spec: dict, where: str) -> None:
        if as_datetime(value) is None:
            self.fail(value, where, "Member must be a timestamp")

    def _check_blob(self, value: Any, spec: dict, where: str) -> None:
        if not isinstance(value, bytes | bytearray | str):
            self.fail(type(value).__name__, where, "Member must be a blob (bytes)")
        elif isinstance(value, str) and not _is_unicode(value):
            self.fail(value, where, _NOT_UNICODE)

    def _check_other(self, value: Any, spec: dict, where: str) -> None:
        self.fail(value, where, f"Member has unsupported type {spec['type']}")

    def _length(self, size: int, value: Any, spec: dict, where: str) -> None:
        if "min" in spec and size < spec["min"]:
            self.fail(
                value, where, f"Member must have length greater than or equal to {spec['min']}"
            )
        if "max" in spec and size > spec["max"]:
            self.fail(value, where, f"Member must have length less than or equal to {spec['max']}")


def _join(where: str, key: str) -> str:
    return f"{where}.{_camel(key)}" if where else _camel(key)


def request_errors(model: Mapping[str, Any], operation: str, params: Mapping[str, Any]) -> str:
    """AWS's message for every way ``params`` breaks ``operation``'s input shape ('' if none)."""
    checker = ModelChecker(model)
    checker.check(dict(params), model["operations"][operation]["input"]["shape"], "")
    if not checker.errors:
        return ""
    count = len(checker.errors)
    noun = "error" if count == 1 else "errors"
    message = f"{count} validation {noun} detected: " + "; ".join(checker.errors)
    return _printable(message)


def snake_case(operation: str) -> str:
    """``CreateEventBus`` -> ``create_event_bus`` (boto3's method names)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
