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


@exercise("02.1", "Where a standard queue is still tight")
def queue_tight_facets(answer: Any) -> str | None:
    from course_lib.coupling import assess, get_integration

    found = _facet_names(answer)
    if isinstance(found, str):
        return found
    expected = {c.facet for c in assess(get_integration("sqs-queue")) if c.level == 2}
    if "temporal" in found:
        return (
            "the queue keeps messages while billing is away: is time really tight? "
            "Read the `reason` of each facet."
        )
    hint = _compare_facets(found, expected, "tight (level 2) for the queue")
    if hint:
        return hint + " Look at each `FacetLevel.level` that `assess` returns for 'sqs-queue'."
    return None


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


@cache
def _cost() -> dict:
    from course_lib.coupling import decoupling_cost

    return decoupling_cost()


@exercise("02.3", "The price of an event bus")
def bus_price(answer: Any) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
        return "the answer is one number: a ratio of two p99 consistency windows."
    cost = _cost()
    window = {path: cost[path]["consistency_window_s"] for path in ("direct", "bus")}
    expected = window["bus"]["p99"] / window["direct"]["p99"]
    if math.isclose(answer, expected, rel_tol=0.02):
        return None
    if answer > 0 and math.isclose(1 / answer, expected, rel_tol=0.02):
        return "that is the direct call's window divided by the bus's; turn the ratio around."
    wait = cost["bus"]["producer_wait_s"]["p99"] / cost["direct"]["producer_wait_s"]["p99"]
    if math.isclose(answer, wait, rel_tol=0.02):
        return (
            "that compares how long the producer waits; the question is about the consumer's view."
        )
    for q in ("p50", "p90", "p99.9"):
        if math.isclose(answer, window["bus"][q] / window["direct"][q], rel_tol=0.02):
            return f"you compared the {q}; the question asks for the p99."
    return (
        "divide the bus's `consistency_window_s['p99']` by the direct call's, both from "
        "`cl.coupling.decoupling_cost()` with its default arguments."
    )


@exercise("02.4", "Too tight for a shared endpoint")
def too_tight_for_shared(answer: Any) -> str | None:
    from course_lib.coupling import fit, get_integration, recommend_coupling

    if isinstance(answer, Mapping) and "too_tight" in answer:
        answer = answer["too_tight"]
    found = _facet_names(answer)
    if isinstance(found, str):
        return found
    recommendation = recommend_coupling("full", "shared")
    expected = set(fit(get_integration("grpc-call"), recommendation)["too_tight"])
    hint = _compare_facets(found, expected, "above the recommended limit")
    if hint is None:
        return None
    return hint + " Compare each facet's level with the recommendation's `max_levels`."
