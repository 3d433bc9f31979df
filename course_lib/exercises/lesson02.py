"""Checks for lesson 02, coupling."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from course_lib.exercises import exercise


def _facet_names(answer: Any) -> set[str] | str:
    """The answer as a set of facet names, or a hint when it is not one."""
    from course_lib.coupling import FACETS

    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return "give a collection of facet names, e.g. `{'location', 'order'}`."
    names = set()
    for item in answer:
        name = getattr(item, "facet", item)
        if not isinstance(name, str):
            return f"{item!r} is not a facet name; the names are the keys of `cl.coupling.FACETS`."
        normal = name.strip().lower().replace(" ", "_").replace("-", "_")
        normal = {"time": "temporal", "semantics": "semantic", "format": "data_format"}.get(
            normal, normal
        )
        if normal not in FACETS:
            return f"{name!r} is not one of the facets in `cl.coupling.FACETS`."
        names.add(normal)
    return names


def _compare_facets(found: set[str], expected: set[str], what: str) -> str | None:
    if found == expected:
        return None
    extra, missing = found - expected, expected - found
    parts = []
    if extra:
        parts.append(f"{len(extra)} of your facets {'is' if len(extra) == 1 else 'are'} not {what}")
    if missing:
        parts.append(f"{len(missing)} more {'is' if len(missing) == 1 else 'are'} {what}")
    return "; ".join(parts) + "."


#: Exercise 1: the Custom Event Bus integration with an UNORDERED subscriber that retries
#: delivery for the maximum event age; the learner predicts which changes break it.
VARIANT = {"name": "custom-bus-unordered", "fifo": False, "retry_max_age_s": 86_400}


@cache
def _variant_breaks() -> frozenset[str]:
    from dataclasses import replace

    from course_lib.coupling import FACETS, get_integration, run_change

    variant = replace(get_integration("eventbridge-custom-bus"), **VARIANT)
    return frozenset(f for f in FACETS if run_change(variant, f).broke)


@exercise("02.1", "Predict what breaks an unordered Custom Event Bus subscriber")
def custom_bus_breaks(answer: Any) -> str | None:
    found = _facet_names(answer)
    if isinstance(found, str):
        return found
    expected = set(_variant_breaks())
    if found == expected:
        return None
    if "temporal" in found and "temporal" not in expected:
        return (
            "the subscriber now retries delivery for 24 hours: does an hour-long outage "
            "outlast that?"
        )
    if "order" in expected and "order" not in found:
        return (
            "an UNORDERED subscriber hands events to the target in parallel: what do three "
            "workers do with one order's 'paid' and 'shipped'?"
        )
    if "semantic" in found and "semantic" not in expected:
        return "this integration's schema names the unit of every amount: read its label."
    hint = _compare_facets(found, expected, "broken by their change")
    return (hint or "") + (
        " Run `cl.coupling.change_matrix([variant])` and read the reason of every surprise."
    )


@exercise("02.2", "An integration that no change breaks")
def unbreakable(answer: Any) -> str | None:
    from course_lib.coupling import FACETS, Integration, change_matrix

    if isinstance(answer, Mapping):
        try:
            answer = Integration(**answer)
        except (TypeError, ValueError) as error:
            return f"that description is not a valid integration: {error}"
    if not isinstance(answer, Integration):
        return (
            "the answer is an `Integration` (build one with `cl.coupling.Integration(...)` "
            "or `dataclasses.replace` on a catalogued one)."
        )
    matrix = change_matrix([answer])
    broken = [
        (facet, why)
        for facet, broke, why in zip(FACETS, matrix["broke"][0], matrix["why"][0], strict=True)
        if broke
    ]
    if not broken:
        return None
    facet, why = broken[0]
    names = ", ".join(f for f, _ in broken)
    return (
        f"{len(broken)} change(s) still break it ({names}). The {facet} change: {why}. "
        "Which of the integration's fields decides that facet?"
    )


#: Exercise 3: the order service may wait this long (p99) for the hand-off, and billing's
#: view may lag this far behind (p99).
PRODUCER_LIMIT_MS = 100
WINDOW_LIMIT_MS = 200


@cache
def _cost() -> dict:
    from course_lib.coupling import decoupling_cost

    return decoupling_cost()


def _p99_ms(path: str) -> tuple[float, float]:
    entry = _cost()[path]
    return (
        1000 * entry["producer_wait_s"]["p99"],
        1000 * entry["consistency_window_s"]["p99"],
    )


def _close(value: Any, expected: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value - expected) <= max(1.0, 0.02 * expected)
    )


@exercise("02.3", "A delivery path that meets both limits")
def path_within_limits(answer: Any) -> str | None:
    keys = {"path", "producer_p99_ms", "window_p99_ms"}
    if not isinstance(answer, Mapping) or set(answer) != keys:
        return (
            "the answer is a dict with exactly the keys 'path', 'producer_p99_ms' and "
            "'window_p99_ms'."
        )
    cost = _cost()
    path = answer["path"]
    if not isinstance(path, str) or path not in cost:
        return f"'path' is one of {', '.join(repr(p) for p in cost)}."
    producer, window = _p99_ms(path)
    if not _close(answer["producer_p99_ms"], producer):
        return (
            f"'producer_p99_ms' is not the {path} path's p99 producer wait in milliseconds "
            "(`cost[path]['producer_wait_s']['p99']` is in seconds)."
        )
    if not _close(answer["window_p99_ms"], window):
        return (
            f"'window_p99_ms' is not the {path} path's p99 consistency window in milliseconds "
            "(`cost[path]['consistency_window_s']['p99']` is in seconds)."
        )
    if producer > PRODUCER_LIMIT_MS:
        return (
            f"your numbers are right, and they show the order service waiting longer than "
            f"{PRODUCER_LIMIT_MS} ms at the p99 on this path."
        )
    if window > WINDOW_LIMIT_MS:
        return (
            f"your numbers are right, and they show billing's view lagging more than "
            f"{WINDOW_LIMIT_MS} ms at the p99 on this path."
        )
    return None
