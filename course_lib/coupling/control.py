"""How much coupling to accept, given how much control you have over each endpoint.

"The appropriate level of coupling depends on the level of control you have over the
endpoints" (Gregor Hohpe, Enterprise Integration Patterns). If one team deploys both
ends together, a change on one side is a change on both and tight coupling costs little;
decoupling would add latency and components for independence nobody uses. The less you
control the other end, the looser each facet should be, down to what is achievable at
all: some data format and some meaning are always shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.coupling.facets import FACETS, Integration, assess, load_integrations

QUOTE = (
    "The appropriate level of coupling depends on the level of control you have over the "
    "endpoints. (Gregor Hohpe, Enterprise Integration Patterns)"
)

CONTROL = {
    "full": "your team builds and deploys this endpoint",
    "shared": "another team in your organisation owns it; changes are negotiated",
    "none": "a third party or the public owns it; you cannot make it change",
}
_ORDER = ("none", "shared", "full")
_TARGET = {"full": 2, "shared": 1, "none": 0}
_WHY = {
    "full": "you change both ends in one deployment, so tight coupling costs little and "
    "decoupling would buy independence nobody uses",
    "shared": "changes need another team's agreement: avoid lockstep releases, keep each "
    "facet at most medium",
    "none": "you cannot make the other end change in step: loosen every facet as far as "
    "any integration allows",
}


@dataclass(frozen=True)
class Recommendation:
    """The coupling level to aim for, the highest acceptable level per facet, and why.

    ``governing`` is the control over the endpoint you control least; ``level`` is the
    target it sets (0 loose .. 2 tight); ``max_levels`` raises it per facet where no
    integration can go that loose.
    """

    sender_control: str
    receiver_control: str
    governing: str
    level: int
    max_levels: dict[str, int]
    reason: str
    quote: str = QUOTE


def recommend_coupling(
    sender_control: str,
    receiver_control: str,
    integrations: list[Integration] | None = None,
) -> Recommendation:
    """The coupling to aim for when you have ``*_control`` over each end.

    The endpoint you control least governs. A facet's limit is never set below the
    loosest level any of ``integrations`` (the catalogue by default) achieves, since a
    recommendation nobody can meet is no recommendation.
    """
    for name, value in (("sender_control", sender_control), ("receiver_control", receiver_control)):
        if value not in CONTROL:
            raise ValueError(f"{name}: expected one of {', '.join(CONTROL)}, got {value!r}")
    integrations = load_integrations() if integrations is None else integrations
    if not integrations:
        raise ValueError("integrations: need at least one integration to compare with")
    governing = min(sender_control, receiver_control, key=_ORDER.index)
    achievable = {
        facet: min(cell.level for i in integrations for cell in assess(i) if cell.facet == facet)
        for facet in FACETS
    }
    limits = {facet: max(_TARGET[governing], achievable[facet]) for facet in FACETS}
    floors = [f for f in FACETS if achievable[f] > _TARGET[governing]]
    reason = _WHY[governing]
    if floors:
        reason += "; no integration gets " + ", ".join(f"{f} below {achievable[f]}" for f in floors)
    return Recommendation(
        sender_control, receiver_control, governing, _TARGET[governing], limits, reason
    )


def fit(integration: Integration, recommendation: Recommendation) -> dict:
    """Which facets of ``integration`` exceed the recommendation, and by how much."""
    excess = {
        cell.facet: {
            "level": cell.level,
            "limit": recommendation.max_levels[cell.facet],
            "reason": cell.reason,
        }
        for cell in assess(integration)
        if cell.level > recommendation.max_levels[cell.facet]
    }
    return {"integration": integration.name, "fits": not excess, "too_tight": excess}


def rank_integrations(
    recommendation: Recommendation, integrations: list[Integration] | None = None
) -> list[dict]:
    """The integrations ordered by how well they fit: fewest facets too tight first."""
    integrations = load_integrations() if integrations is None else integrations
    fits = [fit(i, recommendation) for i in integrations]
    return sorted(
        fits,
        key=lambda f: (
            len(f["too_tight"]),
            sum(c["level"] - c["limit"] for c in f["too_tight"].values()),
            f["integration"],
        ),
    )
