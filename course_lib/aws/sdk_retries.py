"""The retry numbers of the installed botocore, read from botocore itself.

The simulations in :mod:`course_lib.sim.retry` take their numbers from the register of
AWS facts (they may not import botocore); this edge module reads the same numbers from
the botocore the course installed, so a lesson can show them and a test can check that
the register agrees. Nothing here makes a network call.
"""

from __future__ import annotations

import os
from typing import Any


def installed_retry_numbers() -> dict[str, Any]:
    """Retry defaults of the installed botocore, keyed by register fact id."""
    from botocore.loaders import create_loader
    from botocore.retries import quota, standard

    backoff = standard.ExponentialBackoff
    checker = standard.RetryQuotaChecker
    legacy = create_loader().load_data("_retry")["retry"]
    return {
        "sdk.retry.standard.max_attempts": standard.DEFAULT_MAX_ATTEMPTS,
        "sdk.retry.standard.max_attempts_dynamodb": standard._SERVICE_MAX_ATTEMPTS["dynamodb"],
        "sdk.retry.standard.quota_tokens": quota.RetryQuota.INITIAL_CAPACITY,
        "sdk.retry.standard.transient_retry_cost": checker._RETRY_COST,
        "sdk.retry.standard.throttling_retry_cost": checker._THROTTLING_RETRY_COST,
        "sdk.retry.standard.success_refund": checker._NO_RETRY_INCREMENT,
        "sdk.retry.standard.transient_base_seconds": backoff._DEFAULT_BACKOFF_CONFIG[
            "non_throttling_base_scale"
        ],
        "sdk.retry.standard.transient_base_seconds_dynamodb": backoff._SERVICE_BACKOFF_CONFIG[
            "dynamodb"
        ]["non_throttling_base_scale"],
        "sdk.retry.standard.throttling_base_seconds": backoff._DEFAULT_BACKOFF_CONFIG[
            "throttling_base_scale"
        ],
        "sdk.retry.standard.max_backoff_seconds": backoff._MAX_BACKOFF,
        "sdk.retry.standard.retry_after_max_extra_seconds": backoff._RETRY_AFTER_MAX_ADDITIONAL,
        "sdk.retry.legacy.max_attempts": legacy["__default__"]["max_attempts"],
        "sdk.retry.legacy.max_attempts_dynamodb": legacy["dynamodb"]["__default__"]["max_attempts"],
        "sdk.retry.legacy.base_seconds_dynamodb": legacy["dynamodb"]["__default__"]["delay"][
            "base"
        ],
    }


def active_retry_mode() -> str:
    """The retry mode a new boto3 client gets here: ``AWS_RETRY_MODE``, else the shared
    config file's ``retry_mode``, else botocore's default (``standard`` since 1.44.0).

    A profile named in ``AWS_PROFILE`` that does not exist is ignored, not an error.
    """
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    session = botocore.session.Session()
    try:
        mode = session.get_config_variable("retry_mode")
    except ProfileNotFound:
        mode = os.environ.get("AWS_RETRY_MODE")
    return mode or "standard"
