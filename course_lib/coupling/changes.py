"""One change per facet, run through each integration: does the other side break?

Each change edits one side (or what sits between) of a running integration, then the
integration is simulated (see :mod:`course_lib.coupling.simulation`). Whether it broke
comes out of the run: errors the sender saw, updates the receiver rejected or lost, or
a receiver whose final state silently differs from what the sender meant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from course_lib.coupling.facets import FACETS, Integration, load_integrations
from course_lib.coupling.simulation import ENRICHER, Setup, baseline_setup, run


@dataclass(frozen=True)
class Change:
    """A change on one side of an integration that probes one facet."""

    facet: str
    side: str
    description: str
    apply: Callable[[Setup], None]


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of one change on one integration, and the reason in one line."""

    integration: str
    facet: str
    change: str
    side: str
    broke: bool
    why: str


def _rewrite_in_python(setup: Setup) -> None:
    setup.receiver.runtime = "python"


def _move_receiver(setup: Setup) -> None:
    receiver = setup.receiver
    del setup.endpoints[receiver.address]
    receiver.address = "10.0.2.9"
    setup.endpoints[receiver.address] = "billing"
    setup.dns[receiver.dns_name] = receiver.address


def _add_enrichment_hop(setup: Setup) -> None:
    """Deploy an enricher with an address of its own and point billing's input at its
    output; the sender is left alone. Whether the enricher ends up in the path is up to
    the integration's mechanics (see :mod:`course_lib.coupling.simulation`)."""
    setup.receiver.requires_enrichment = True
    setup.hops.append(ENRICHER)
    setup.endpoints["10.0.3.3"] = ENRICHER
    setup.dns["enricher.internal"] = "10.0.3.3"


def _rename_amount(setup: Setup) -> None:
    setup.sender.schema = setup.sender.schema.renamed("amount", "total_cents")


def _send_euros(setup: Setup) -> None:
    setup.sender.amount_unit = "EUR"


def _reply_accepted(setup: Setup) -> None:
    setup.receiver.reply = "accepted"


def _scale_out(setup: Setup) -> None:
    setup.receiver.workers = 3


def _take_down(setup: Setup) -> None:
    setup.receiver.down.append((0.0, 3600.0))


CHANGES: dict[str, Change] = {
    "technology": Change(
        "technology", "receiver", "rewrite the receiver in Python", _rewrite_in_python
    ),
    "location": Change("location", "receiver", "move the receiver to a new host", _move_receiver),
    "topology": Change(
        "topology",
        "between",
        "put an enrichment step in front of the receiver",
        _add_enrichment_hop,
    ),
    "data_format": Change(
        "data_format", "sender", "rename amount_cents to total_cents", _rename_amount
    ),
    "semantic": Change("semantic", "sender", "send amounts in euros instead of cents", _send_euros),
    "conversation": Change(
        "conversation", "receiver", "reply 202 Accepted and finish the work later", _reply_accepted
    ),
    "order": Change(
        "order", "receiver", "scale the receiver out to 3 parallel workers", _scale_out
    ),
    "temporal": Change("temporal", "receiver", "take the receiver down for an hour", _take_down),
}


def run_change(integration: Integration, facet: str, *, seed: int = 0) -> ChangeResult:
    """Apply the change probing ``facet`` to ``integration``, simulate, and report."""
    if facet not in CHANGES:
        raise ValueError(f"facet: expected one of {', '.join(FACETS)}, got {facet!r}")
    change = CHANGES[facet]
    setup = baseline_setup(integration)
    change.apply(setup)
    outcome = run(setup, seed=seed)
    return ChangeResult(
        integration=integration.name,
        facet=facet,
        change=change.description,
        side=change.side,
        broke=outcome.broke,
        why=outcome.explain(),
    )


def run_baseline(integration: Integration, *, seed: int = 0) -> ChangeResult:
    """The integration with no change: the control every change is compared with."""
    outcome = run(baseline_setup(integration), seed=seed)
    return ChangeResult(
        integration.name, "none", "no change", "none", outcome.broke, outcome.explain()
    )


def change_matrix(integrations: list[Integration] | None = None, *, seed: int = 0) -> dict:
    """Every change against every integration, as records and as a grid for a chart.

    ``broke[i][j]`` is whether the change for facet ``j`` broke integration ``i``.
    """
    integrations = load_integrations() if integrations is None else integrations
    records = [run_change(i, facet, seed=seed) for i in integrations for facet in FACETS]
    width = len(FACETS)
    rows = [records[n : n + width] for n in range(0, len(records), width)]
    return {
        "integrations": [i.name for i in integrations],
        "facets": list(FACETS),
        "changes": [CHANGES[f].description for f in FACETS],
        "broke": [[r.broke for r in row] for row in rows],
        "why": [[r.why for r in row] for row in rows],
        "records": records,
    }
