"""The register of dated AWS facts: every limit, default, quota, price and date a lesson states.

AWS changes its services; a course that repeats numbers in prose and code goes stale one
copy at a time. The register (``aws_facts.json`` in the course's data) holds each fact once,
with the page that states it and the date someone last checked it, and lessons and the
library read the value from here. ``tests/foundation/test_facts.py`` compares every fact
that botocore's installed models or code also state, and lists facts due for a re-check.

Bottom layer: only the standard library.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

#: The register's file name inside the course's data.
FACTS_FILE = "aws_facts.json"

#: A fact checked longer ago than this is due for a re-check.
RECHECK_AFTER_DAYS = 365

_REQUIRED = {"id": str, "unit": str, "source": str, "as_of": str}
_OPTIONAL = {"note": str, "botocore": dict}


def data_file(name: str) -> Path:
    """The path of ``name`` in the course's data: the one place that knows where data lives.

    The package ``course_lib.data`` when it is installed as one, else the repository's
    ``data/`` folder beside the package.
    """
    try:
        root = resources.files("course_lib.data")
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parents[1] / "data"
    return Path(str(root)) / name


class FactError(ValueError):
    """The register holds a malformed entry, or no entry with the id asked for."""


def check_entry(entry: Any, where: str = "entry") -> dict:
    """``entry`` if it is a well-formed register entry, else :class:`FactError` naming the field."""
    if not isinstance(entry, dict):
        raise FactError(f"{where}: expected an object, got {type(entry).__name__}")
    for key, kind in _REQUIRED.items():
        if not isinstance(entry.get(key), kind):
            raise FactError(f"{where}.{key}: required, a {kind.__name__}")
    if "value" not in entry:
        raise FactError(f"{where}.value: required")
    unknown = set(entry) - set(_REQUIRED) - set(_OPTIONAL) - {"value"}
    if unknown:
        raise FactError(f"{where}: unknown field(s) {sorted(unknown)}")
    for key, kind in _OPTIONAL.items():
        if key in entry and not isinstance(entry[key], kind):
            raise FactError(f"{where}.{key}: expected a {kind.__name__}")
    if not entry["source"].startswith("https://"):
        raise FactError(f"{where}.source: expected an https:// URL, got {entry['source']!r}")
    try:
        datetime.date.fromisoformat(entry["as_of"])
    except ValueError:
        raise FactError(
            f"{where}.as_of: expected a date YYYY-MM-DD, got {entry['as_of']!r}"
        ) from None
    return entry


@cache
def _register(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    if not isinstance(entries, list):
        raise FactError(f"{path}: expected a list of facts")
    register: dict[str, dict] = {}
    for number, entry in enumerate(entries):
        check_entry(entry, f"facts[{number}]")
        if entry["id"] in register:
            raise FactError(f"facts[{number}].id: {entry['id']!r} appears twice")
        register[entry["id"]] = entry
    return register


def _load(path: str | Path | None) -> dict[str, dict]:
    return _register(str(data_file(FACTS_FILE) if path is None else Path(path)))


def fact(fact_id: str, *, path: str | Path | None = None) -> Any:
    """The value the register holds for ``fact_id`` (a copy: callers cannot change it)."""
    register = _load(path)
    if fact_id not in register:
        near = difflib.get_close_matches(str(fact_id), register, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise FactError(f"fact_id: no fact {fact_id!r} in the register{hint}")
    return copy.deepcopy(register[fact_id]["value"])


def source(fact_id: str, *, path: str | Path | None = None) -> str:
    """The AWS page that states ``fact_id``."""
    fact(fact_id, path=path)
    return _load(path)[fact_id]["source"]


def facts(*, path: str | Path | None = None) -> list[dict]:
    """Every entry of the register, in file order (copies)."""
    return copy.deepcopy(list(_load(path).values()))


def due_for_recheck(
    today: datetime.date | None = None,
    *,
    max_age_days: int = RECHECK_AFTER_DAYS,
    path: str | Path | None = None,
) -> list[dict]:
    """Entries checked more than ``max_age_days`` before ``today``: re-read their source."""
    today = datetime.date.today() if today is None else today
    return [
        entry
        for entry in facts(path=path)
        if (today - datetime.date.fromisoformat(entry["as_of"])).days > max_age_days
    ]
