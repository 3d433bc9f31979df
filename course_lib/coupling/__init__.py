"""Lesson 02, coupling: facets, changes that break (or don't), and the cost of decoupling.

* :func:`assess` and :func:`assessment_table`: an integration described as data
  (``data/integrations.json``), levelled 0 (loose) to 2 (tight) on each of Hohpe's facets.
* :func:`run_change` and :func:`change_matrix`: one change per facet, simulated on a model
  of each integration's mechanics (never on its assessment), to see whether the other
  side breaks: where the run agrees with the rating, that is evidence for the rules.
* :func:`decoupling_cost`: direct call, queue and bus compared on latency, moving parts
  and the window during which the consumer's view is stale.
* :func:`recommend_coupling`, :func:`fit` and :func:`rank_integrations`: the coupling to
  accept given the control you have over each endpoint.
"""

from course_lib.coupling.changes import (
    CHANGES,
    Change,
    ChangeResult,
    change_matrix,
    run_baseline,
    run_change,
)
from course_lib.coupling.control import (
    CONTROL,
    QUOTE,
    Recommendation,
    fit,
    rank_integrations,
    recommend_coupling,
)
from course_lib.coupling.cost import PATHS, DeliveryPath, decoupling_cost
from course_lib.coupling.facets import (
    FACETS,
    LEVELS,
    FacetLevel,
    Integration,
    assess,
    assessment_table,
    get_integration,
    load_integrations,
)

__all__ = [
    "CHANGES",
    "CONTROL",
    "FACETS",
    "LEVELS",
    "PATHS",
    "QUOTE",
    "Change",
    "ChangeResult",
    "DeliveryPath",
    "FacetLevel",
    "Integration",
    "Recommendation",
    "assess",
    "assessment_table",
    "change_matrix",
    "decoupling_cost",
    "fit",
    "get_integration",
    "load_integrations",
    "rank_integrations",
    "recommend_coupling",
    "run_baseline",
    "run_change",
]
