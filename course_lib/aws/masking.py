"""Keep account ids out of stored notebook outputs, and keep printed responses stable.

An AWS account id is twelve digits; anything printed shows only the first four
(``1234********``), including inside ARNs and queue URLs. Timestamps and request ids
change on every run, so :func:`printable` drops or replaces them.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

_ACCOUNT_ID = re.compile(r"(?<!\d)(\d{4})\d{8}(?!\d)")
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")

#: What a timestamp prints as: it differs on every run.
TIMESTAMP = "<timestamp>"
#: Response keys that only describe the HTTP exchange (request ids, retries).
VOLATILE_KEYS = frozenset({"ResponseMetadata"})


def mask(text: str) -> str:
    """``text`` with every twelve-digit number (an account id) cut to its first four digits.

    User names and passwords inside URLs (``https://user:pass@host``) are removed too.
    """
    return _URL_USERINFO.sub("", _ACCOUNT_ID.sub(lambda m: m.group(1) + "*" * 8, text))


def mask_exception(exc: BaseException) -> None:
    """Mask account ids in an AWS error's message in place, so its traceback can be stored.

    Only botocore errors are touched; their type stays the same, so code that catches
    them still works.
    """
    if type(exc).__module__.startswith("botocore"):
        exc.args = tuple(mask(arg) if isinstance(arg, str) else arg for arg in exc.args)


def printable(value: Any, keys: list[str] | tuple[str, ...] | None = None) -> Any:
    """A copy of an AWS response that is safe and stable to print.

    Account ids are masked, ``ResponseMetadata`` is dropped, timestamps become
    ``"<timestamp>"``. With ``keys``, only those top-level keys are kept (missing ones
    are left out, never invented).
    """
    if keys is not None and isinstance(value, dict):
        value = {key: value[key] for key in keys if key in value}
    return _clean(value)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {mask(str(k)): _clean(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, datetime | date):
        return TIMESTAMP
    if isinstance(value, bytes):
        return mask(value.decode("utf-8", errors="replace"))
    return value


def to_json(value: Any, keys: list[str] | tuple[str, ...] | None = None) -> str:
    """:func:`printable` as indented JSON with sorted keys: the same text on every run."""
    return json.dumps(
        printable(value, keys),
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
        default=lambda other: mask(str(other)),
    )
