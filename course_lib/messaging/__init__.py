"""Lesson 03, "Think async": synchronous commands versus asynchronous events, measured.

* :func:`availability_experiment`: a chain of services called synchronously versus
  through a queue with retries, over a month of traffic.
* :func:`backlog_experiment`: an outage longer than the maximum event age fills the DLQ.
* :func:`exchange_latencies` and :func:`exchange_trace`: request/response versus
  fire-and-forget waits, and the messages of one exchange for a sequence diagram.
* :func:`add_consumers` and :func:`change_requests`: a new or retired consumer changes
  the producer of directed commands, never the producer of observable events; a consumer
  that needs new data changes the producer in both.
"""

from course_lib.messaging.availability import availability_experiment
from course_lib.messaging.backlog import backlog_experiment
from course_lib.messaging.commands_events import WiringChange, add_consumers, change_requests
from course_lib.messaging.exchanges import exchange_latencies, exchange_trace

__all__ = [
    "WiringChange",
    "add_consumers",
    "availability_experiment",
    "backlog_experiment",
    "change_requests",
    "exchange_latencies",
    "exchange_trace",
]
