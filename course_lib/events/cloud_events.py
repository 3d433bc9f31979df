"""EventBridge events to CloudEvents 1.0 and back, without losing a field.

CloudEvents is the CNCF's vendor-neutral envelope. The core attributes map directly:

=====================  ==========================================
EventBridge            CloudEvents
=====================  ==========================================
``id``                 ``id``
``source``             ``source``
``detail-type``        ``type``
``time``               ``time``
``detail``             ``data`` (``datacontenttype`` application/json)
=====================  ==========================================

The rest become extension attributes. CloudEvents allows only lowercase letters and
digits in extension names, so each takes an ``aws`` prefix: ``awsaccount``,
``awsregion``, ``awsversion`` and ``awsresources``. Extension values must be
CloudEvents types, which have no list, so ``awsresources`` carries the resources as
a JSON array in a string.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from course_lib.events.envelope import EnvelopeError, Event, format_event_time, thaw

if TYPE_CHECKING:  # pragma: no cover
    from cloudevents.core.v1.event import CloudEvent

DATA_CONTENT_TYPE = "application/json"

#: Envelope field -> CloudEvents extension attribute.
EXTENSIONS = {
    "account": "awsaccount",
    "region": "awsregion",
    "version": "awsversion",
    "resources": "awsresources",
}


def to_cloudevent(event: Event) -> CloudEvent:
    """The CloudEvents 1.0 form of an EventBridge event (the ``cloudevents`` SDK type)."""
    from cloudevents.core.v1.event import CloudEvent

    attributes = {
        "specversion": "1.0",
        "id": event.id,
        "source": event.source,
        "type": event.detail_type,
        "time": event.timestamp,
        "datacontenttype": DATA_CONTENT_TYPE,
        EXTENSIONS["account"]: event.account,
        EXTENSIONS["region"]: event.region,
        EXTENSIONS["version"]: event.version,
        EXTENSIONS["resources"]: json.dumps(list(event.resources), ensure_ascii=False),
    }
    return CloudEvent(attributes, thaw(event.detail))


def from_cloudevent(cloudevent: CloudEvent) -> Event:
    """The EventBridge event a CloudEvent stands for.

    The ``aws*`` extensions must all be present (they are, for anything
    :func:`to_cloudevent` made); ``time`` is required and ``data`` must be a JSON
    object. Raises :class:`EnvelopeError` naming the attribute otherwise.
    """
    attributes = cloudevent.get_attributes()
    values: dict[str, Any] = {}
    for field, extension in EXTENSIONS.items():
        if extension not in attributes:
            raise EnvelopeError(extension, f"extension attribute needed for {field!r} is missing")
        values[field] = attributes[extension]
    content_type = attributes.get("datacontenttype", DATA_CONTENT_TYPE)
    if content_type != DATA_CONTENT_TYPE:
        raise EnvelopeError(
            "datacontenttype", f"expected {DATA_CONTENT_TYPE!r}, got {content_type!r}"
        )
    if attributes.get("time") is None:
        raise EnvelopeError("time", "required to make an EventBridge event")
    data = cloudevent.get_data()
    if not isinstance(data, dict):
        raise EnvelopeError("data", f"expected a JSON object, got {type(data).__name__}")
    try:
        resources = json.loads(values["resources"])
    except (TypeError, ValueError):
        resources = None
    if not isinstance(resources, list):
        raise EnvelopeError(EXTENSIONS["resources"], "expected a JSON array in a string")
    return Event(
        id=cloudevent.get_id(),
        source=cloudevent.get_source(),
        detail_type=cloudevent.get_type(),
        detail=data,
        time=format_event_time(attributes["time"]),
        account=values["account"],
        region=values["region"],
        resources=tuple(resources),
        version=values["version"],
    )


def to_cloudevent_json(event: Event) -> bytes:
    """The event in the CloudEvents JSON format (structured mode), as UTF-8 bytes."""
    from cloudevents.core.formats.json import JSONFormat

    return JSONFormat().write(to_cloudevent(event))


def from_cloudevent_json(document: str | bytes) -> Event:
    """Read a structured-mode CloudEvents JSON document into an EventBridge event."""
    from cloudevents.core.exceptions import BaseCloudEventException
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    try:
        cloudevent = JSONFormat().read(CloudEvent, document)
    except (ValueError, BaseCloudEventException) as exc:
        raise EnvelopeError("cloudevent", f"not a valid CloudEvents JSON document: {exc}") from exc
    return from_cloudevent(cloudevent)
