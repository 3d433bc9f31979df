"""PutEvents' limits and entry checks, computed the way EventBridge computes them.

A call to PutEvents goes through three gates, and this module reproduces each:

1. **The SDK** (boto3/botocore) checks types before anything is sent and raises
   :class:`ParamValidationError` listing every problem in the request.
2. **The service** checks the request's shape (at most 10 entries, bus names, lengths)
   and the total size of the entries, and rejects the whole call with a
   :class:`ValidationException`.
3. **Each entry** is then judged on its own: a missing ``Source``, a source reserved
   for AWS services (``aws.*``) or a malformed ``Detail`` fails that entry only (``ErrorCode``/``ErrorMessage`` in its slot of the
   response) and the rest of the batch goes through.

Entry size follows "Calculating PutEvents event entry size" in the EventBridge User
Guide: UTF-8 bytes of ``Source``, ``DetailType``, ``Detail`` and each ``Resources``
entry, plus 14 bytes when ``Time`` is set. The limit applies to the sum over the
request. It was 256 KB until 29 January 2026, when AWS raised it to 1 MB.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from course_lib import strict_json

#: At most this many entries in one PutEvents call.
MAX_ENTRIES_PER_REQUEST = 10
#: Total entry size allowed in one request since 29 January 2026 (1 MB).
MAX_REQUEST_BYTES = 1_048_576
#: The limit before 29 January 2026 (256 KB), still quoted by older material.
PREVIOUS_MAX_REQUEST_BYTES = 262_144
#: What a set ``Time`` adds to an entry's size.
TIME_BYTES = 14
#: ``DetailType`` is free-form text of at most this many characters.
MAX_DETAIL_TYPE_CHARS = 128
#: Each ``Resources`` entry is at most this many characters.
MAX_RESOURCE_CHARS = 2048
#: Sources that only AWS services may publish under (``aws.s3``, ``aws.ecs``...).
RESERVED_SOURCE_PREFIX = "aws."
#: Limits on an entry's bus name (or ARN) and X-Ray trace header.
MAX_EVENT_BUS_NAME_CHARS = 1600
MAX_TRACE_HEADER_CHARS = 500

ENTRY_PARAMETERS = (
    "Time",
    "Source",
    "Resources",
    "DetailType",
    "Detail",
    "EventBusName",
    "TraceHeader",
)
_EVENT_BUS_NAME_PATTERN = (
    r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+"
)
_EVENT_BUS_NAME = re.compile(_EVENT_BUS_NAME_PATTERN)


class PutEventsError(Exception):
    """A PutEvents call rejected as a whole; ``code`` is the AWS error code."""

    code = "PutEventsError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParamValidationError(PutEventsError):
    """What botocore raises before sending a request whose parameters have the wrong types."""

    code = "ParamValidationError"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("Parameter validation failed:\n" + "\n".join(problems))
        self.problems = tuple(problems)


class ValidationException(PutEventsError):
    """The service's HTTP 400 for a request it will not process at all."""

    code = "ValidationException"


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8; an unpaired surrogate counts one byte, as in Java."""
    return len(text.encode("utf-8", errors="replace"))


def entry_size(entry: Mapping[str, Any]) -> int:
    """An entry's size as EventBridge counts it against the request limit.

    Absent (or ``None``) fields count zero, so an entry that will fail still has a size.
    """
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        if isinstance(entry.get(name), str):
            size += utf8_size(entry[name])
    for resource in entry.get("Resources") or ():
        if isinstance(resource, str):
            size += utf8_size(resource)
    return size


def request_size(entries: Sequence[Mapping[str, Any]]) -> int:
    """The total entry size of a PutEvents request."""
    return sum(entry_size(entry) for entry in entries)


def entry_time(value: Any) -> datetime | None:
    """The UTC time an entry's ``Time`` stands for, read the way the AWS SDK reads it.

    Accepts a datetime (naive means UTC), epoch seconds (a number or a numeric string),
    or an ISO 8601 or RFC 822 date string. ``None`` means the field is not set. Raises
    ``ValueError`` for anything else, including the partial strings ("10:00") the SDK
    would complete with today's date: a simulation must not depend on the wall clock.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = _from_epoch(float(value))
    elif isinstance(value, str):
        moment = _from_text(value)
    else:
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_epoch(seconds: float) -> datetime:
    if not math.isfinite(seconds):
        raise ValueError(f"not a timestamp: {seconds!r}")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"timestamp out of range: {seconds!r}") from exc


def _from_text(text: str) -> datetime:
    try:
        return _from_epoch(float(text))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    from dateutil.parser import isoparse

    try:
        return isoparse(text)
    except (ValueError, OverflowError):
        pass
    try:
        return parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"not a timestamp: {text!r}") from exc


def _type_name(value: Any) -> str:
    return str(type(value))


def _sdk_problems(entries: Any) -> list[str]:
    """botocore's client-side checks, with its wording, in its order."""
    if not isinstance(entries, list | tuple):
        return [
            f"Invalid type for parameter Entries, value: {entries}, type: "
            f"{_type_name(entries)}, valid types: <class 'list'>, <class 'tuple'>"
        ]
    if not entries:
        return ["Invalid length for parameter Entries, value: 0, valid min length: 1"]
    problems: list[str] = []
    for i, entry in enumerate(entries):
        where = f"Entries[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(
                f"Invalid type for parameter {where}, value: {entry}, type: "
                f"{_type_name(entry)}, valid types: <class 'dict'>"
            )
            continue
        unknown = [key for key in entry if key not in ENTRY_PARAMETERS]
        problems.extend(
            f'Unknown parameter in {where}: "{key}", must be one of: ' + ", ".join(ENTRY_PARAMETERS)
            for key in unknown
        )
        for key, value in entry.items():
            if key not in unknown:
                problems.extend(_sdk_member_problems(f"{where}.{key}", key, value))
    return problems


def _sdk_member_problems(where: str, key: str, value: Any) -> list[str]:
    if key == "Time":
        try:
            valid = entry_time(value) is not None
        except (ValueError, OverflowError):  # OverflowError: outside years 1-9999 in UTC
            valid = False
        if valid:
            return []
        return [
            f"Invalid type for parameter {where}, value: {value}, type: "
            f"{_type_name(value)}, valid types: <class 'datetime.datetime'>, timestamp-string"
        ]
    if key == "Resources":
        if not isinstance(value, list | tuple):
            return [
                f"Invalid type for parameter {where}, value: {value}, type: "
                f"{_type_name(value)}, valid types: <class 'list'>, <class 'tuple'>"
            ]
        return [
            f"Invalid type for parameter {where}[{j}], value: {item}, type: "
            f"{_type_name(item)}, valid types: <class 'str'>"
            for j, item in enumerate(value)
            if not isinstance(item, str)
        ]
    if not isinstance(value, str):
        return [
            f"Invalid type for parameter {where}, value: {value}, type: "
            f"{_type_name(value)}, valid types: <class 'str'>"
        ]
    if key in ("EventBusName", "TraceHeader") and not value:
        return [f"Invalid length for parameter {where}, value: 0, valid min length: 1"]
    return []


def _entry_as_aws_prints_it(entry: Mapping[str, Any]) -> str:
    """An entry the way EventBridge quotes it in a validation message (Java's toString)."""

    def text(value: Any) -> str:
        return "null" if value is None else str(value)

    detail = entry.get("Detail")
    if detail:
        with contextlib.suppress(ValueError, RecursionError):
            detail = json.dumps(json.loads(detail), separators=(", ", ": "), ensure_ascii=False)
    moment = entry_time(entry.get("Time"))
    resources = entry.get("Resources")
    fields = {
        "time": None if moment is None else moment.isoformat().replace("+00:00", "Z"),
        "source": entry.get("Source"),
        "resources": None if resources is None else "[" + ", ".join(resources) + "]",
        "detailType": entry.get("DetailType"),
        "detail": detail or None,
        "eventBusName": entry.get("EventBusName"),
        "traceHeader": entry.get("TraceHeader"),
        "kmsKeyIdentifier": None,
        "internalMetadata": None,
    }
    return (
        "PutEventsRequestEntry("
        + ", ".join(f"{name}={text(value)}" for name, value in fields.items())
        + ")"
    )


def _service_violations(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """The service's request-shape checks, in the wording of AWS validation errors."""
    if len(entries) > MAX_ENTRIES_PER_REQUEST:
        listing = ", ".join(_entry_as_aws_prints_it(entry) for entry in entries)
        return [
            f"Value '[{listing}]' at 'entries' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_ENTRIES_PER_REQUEST}"
        ]
    violations: list[str] = []
    for number, entry in enumerate(entries, start=1):
        where = f"entries.{number}.member"
        bus = entry.get("EventBusName")
        if bus is not None:
            if len(bus) > MAX_EVENT_BUS_NAME_CHARS:
                violations.append(
                    f"Value '{bus}' at '{where}.eventBusName' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {MAX_EVENT_BUS_NAME_CHARS}"
                )
            elif not _EVENT_BUS_NAME.fullmatch(bus):
                violations.append(
                    f"Value '{bus}' at '{where}.eventBusName' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {_EVENT_BUS_NAME_PATTERN}"
                )
        trace = entry.get("TraceHeader")
        if trace is not None and len(trace) > MAX_TRACE_HEADER_CHARS:
            violations.append(
                f"Value '{trace}' at '{where}.traceHeader' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_TRACE_HEADER_CHARS}"
            )
        for index, resource in enumerate(entry.get("Resources") or (), start=1):
            if len(resource) > MAX_RESOURCE_CHARS:
                violations.append(
                    f"Value '{resource}' at '{where}.resources.{index}.member' failed to "
                    "satisfy constraint: Member must have length less than or equal to "
                    f"{MAX_RESOURCE_CHARS}"
                )
    return violations


def _validation_summary(violations: Sequence[str]) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)


def entry_verdict(entry: Mapping[str, Any]) -> dict[str, str] | None:
    """Why EventBridge fails this one entry (``ErrorCode``/``ErrorMessage``), or None."""
    for name in ("Source", "DetailType", "Detail"):
        if not entry.get(name):
            return {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": f"Parameter {name} is not valid. "
                f"Reason: {name} is a required argument.",
            }
    if entry["Source"].startswith(RESERVED_SOURCE_PREFIX):
        return {
            "ErrorCode": "NotAuthorizedForSourceException",
            "ErrorMessage": "Not authorized for the source.",
        }
    if len(entry["DetailType"]) > MAX_DETAIL_TYPE_CHARS:
        return {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType "
            f"exceeds the maximum length of {MAX_DETAIL_TYPE_CHARS} characters.",
        }
    try:  # strict: NaN, Infinity, bad UTF-8 and over-deep nesting are malformed too
        detail = strict_json.loads(entry["Detail"], field="Detail")
    except strict_json.JsonError:
        detail = None
    if not isinstance(detail, dict):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


def check_put_events(
    entries: Sequence[Mapping[str, Any]],
    *,
    new_event_id: Callable[[], str],
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> dict[str, Any]:
    """Judge a PutEvents request and answer with PutEvents' response shape.

    ``entries`` are boto3-style dicts. Each accepted entry gets
    ``{"EventId": new_event_id()}``, each failed one ``{"ErrorCode", "ErrorMessage"}``,
    in request order; ``FailedEntryCount`` counts the failures. A request EventBridge
    refuses outright raises :class:`ParamValidationError` or :class:`ValidationException`
    instead, as boto3 would. Pass ``max_request_bytes=PREVIOUS_MAX_REQUEST_BYTES`` to
    reproduce the limit that applied before 29 January 2026.
    """
    problems = _sdk_problems(entries)
    if problems:
        raise ParamValidationError(problems)
    violations = _service_violations(entries)
    if violations:
        raise ValidationException(_validation_summary(violations))
    if request_size(entries) > max_request_bytes:
        raise ValidationException("Total size of the entries in the request is over the limit.")
    results: list[dict[str, str]] = []
    for entry in entries:
        verdict = entry_verdict(entry)
        results.append({"EventId": new_event_id()} if verdict is None else verdict)
    failed = sum(1 for result in results if "ErrorCode" in result)
    return {"FailedEntryCount": failed, "Entries": results}
