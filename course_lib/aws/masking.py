"""Keep account ids out of stored notebook outputs, and keep printed responses stable.

An AWS account id is twelve digits; anything printed shows only the first four
(``1234********``), including inside ARNs and queue URLs, and when it arrives as an
integer (``123456789012``, or a shorter one under a key that names an account, whose
leading zeros were lost). Timestamps and request ids change on every run, so
:func:`printable` drops or replaces them.
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


_ACCOUNT_KEY = re.compile(r"account|owner", re.IGNORECASE)


def mask(text: str | int) -> str:
    """``text`` with every twelve-digit number (an account id) cut to its first four digits.

    User names and passwords inside URLs (``https://user:pass@host``) are removed too.
    An integer is masked as the twelve-digit id it spells.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return mask(f"{text:012d}" if 0 <= text < 10**12 else str(text))
    return _URL_USERINFO.sub("", _ACCOUNT_ID.sub(lambda m: m.group(1) + "*" * 8, text))


def _mask_int(value: int, account_key: bool) -> int | str:
    """A twelve-digit integer, or any id-sized one under an account key, masked."""
    if isinstance(value, bool):
        return value
    if 10**11 <= value < 10**12 or (account_key and 0 <= value < 10**12):
        return mask(value)
    return value


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


def _clean(value: Any, account_key: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            mask(str(k)): _clean(v, bool(_ACCOUNT_KEY.search(str(k))))
            for k, v in value.items()
            if k not in VOLATILE_KEYS
        }
    if isinstance(value, list | tuple):
        return [_clean(v, account_key) for v in value]
    if isinstance(value, int):
        return _mask_int(value, account_key)
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
