"""The gate and helpers for the optional "On AWS" cells of the lessons.

``cl.aws.session(lesson, creates=[...])`` hands out boto3 clients for one of three
backends: moto in this kernel (the default, and what CI runs), an AWS-compatible
endpoint (``COURSE_AWS_ENDPOINT_URL``), or the learner's account (only with
``COURSE_LIVE_AWS=1`` and working credentials). Resources get course names and tags
and are deleted when the cell ends; ``cl.aws.cleanup()`` removes any leftovers.
Importing this package loads neither boto3 nor moto: they load with the first client.
"""

from __future__ import annotations

from course_lib.aws.backends import ENDPOINT_ENV, LIVE_ENV
from course_lib.aws.deletion import cleanup, leftovers
from course_lib.aws.errors import CourseAwsError
from course_lib.aws.executions import wait_for_execution
from course_lib.aws.masking import mask, printable
from course_lib.aws.naming import COURSE_TAG_KEY, COURSE_TAG_VALUE, PREFIX, resource_name
from course_lib.aws.pricing import PRICES, PRICES_CHECKED, estimate_cost
from course_lib.aws.resources import CourseResource
from course_lib.aws.sdk_retries import active_retry_mode, installed_retry_numbers
from course_lib.aws.sessions import AwsSession, session

__all__ = [
    "COURSE_TAG_KEY",
    "COURSE_TAG_VALUE",
    "ENDPOINT_ENV",
    "LIVE_ENV",
    "PREFIX",
    "PRICES",
    "PRICES_CHECKED",
    "AwsSession",
    "CourseAwsError",
    "CourseResource",
    "active_retry_mode",
    "cleanup",
    "estimate_cost",
    "installed_retry_numbers",
    "leftovers",
    "mask",
    "printable",
    "resource_name",
    "session",
    "wait_for_execution",
]
