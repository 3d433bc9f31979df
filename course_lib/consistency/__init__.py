"""Strong and eventual consistency: a replicated store, staleness, session guarantees,
a linearizability checker and the transactional outbox.

Each submodule owns one idea; the names below are the public surface the lessons use.
"""

from course_lib.consistency.history import Operation, operations_from_events
from course_lib.consistency.item_size import item_size, read_capacity_units, write_capacity_units
from course_lib.consistency.linearizability import LinearizabilityResult, check_linearizability
from course_lib.consistency.pbs import (
    PBS_CONFIGS,
    ParetoExponentialMixture,
    PBSCurve,
    WarsModel,
    k_staleness,
    k_staleness_simulated,
    pbs_consistency,
    pbs_curve,
    pbs_staleness_window,
)
from course_lib.consistency.replicated_store import (
    LEADER,
    QueryResult,
    ReadResult,
    ReplicatedStore,
    ValidationException,
    WriteResult,
)

__all__ = [
    "LEADER",
    "PBS_CONFIGS",
    "LinearizabilityResult",
    "Operation",
    "PBSCurve",
    "ParetoExponentialMixture",
    "QueryResult",
    "ReadResult",
    "ReplicatedStore",
    "ValidationException",
    "WarsModel",
    "WriteResult",
    "check_linearizability",
    "item_size",
    "k_staleness",
    "k_staleness_simulated",
    "operations_from_events",
    "pbs_consistency",
    "pbs_curve",
    "pbs_staleness_window",
    "read_capacity_units",
    "write_capacity_units",
]
