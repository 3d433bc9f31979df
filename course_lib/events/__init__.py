"""What an event is: the EventBridge envelope, the pizza shop's catalogue and schemas,
PutEvents' limits, the CloudEvents mapping, idempotent consumers and schema evolution.

Heavy libraries (``jsonschema``, ``cloudevents``) load only when a function needs them.
"""

from course_lib.events.catalogue import (
    CATALOGUE,
    SOURCES,
    EventType,
    catalogue_table,
    data_dir,
    event_type,
    event_types,
)
from course_lib.events.cloud_events import (
    from_cloudevent,
    from_cloudevent_json,
    to_cloudevent,
    to_cloudevent_json,
)
from course_lib.events.envelope import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    EnvelopeError,
    Event,
    format_event_time,
    parse_event_time,
)
from course_lib.events.examples import example_event, slide_event
from course_lib.events.put_events import (
    MAX_ENTRIES_PER_REQUEST,
    MAX_REQUEST_BYTES,
    PREVIOUS_MAX_REQUEST_BYTES,
    ParamValidationError,
    PutEventsError,
    ValidationException,
    check_put_events,
    entry_size,
    request_size,
)
from course_lib.events.validation import (
    EventValidationError,
    ValidationIssue,
    check_event,
    validate_detail,
    validate_event,
    validate_instance,
)

__all__ = [
    "CATALOGUE",
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "MAX_ENTRIES_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "PREVIOUS_MAX_REQUEST_BYTES",
    "SOURCES",
    "EnvelopeError",
    "Event",
    "EventType",
    "EventValidationError",
    "ParamValidationError",
    "PutEventsError",
    "ValidationException",
    "ValidationIssue",
    "catalogue_table",
    "check_event",
    "check_put_events",
    "data_dir",
    "entry_size",
    "event_type",
    "event_types",
    "example_event",
    "format_event_time",
    "from_cloudevent",
    "from_cloudevent_json",
    "parse_event_time",
    "request_size",
    "slide_event",
    "to_cloudevent",
    "to_cloudevent_json",
    "validate_detail",
    "validate_event",
    "validate_instance",
]
