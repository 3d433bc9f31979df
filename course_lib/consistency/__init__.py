"""Strong and eventual consistency: a replicated store, staleness, session guarantees,
a linearizability checker and the transactional outbox.

Each submodule owns one idea; the names below are the public surface the lessons use.
"""

from course_lib.consistency.history import Operation, operations_from_events
from course_lib.consistency.item_size import item_size, read_capacity_units, write_capacity_units
from course_lib.consistency.linearizability import LinearizabilityResult, check_linearizability
from course_lib.consistency.outbox import (
    OUTBOX_STRATEGIES,
    OutboxReport,
    compare_outbox,
    simulate_outbox,
)
from course_lib.consistency.pbs import (
    PBS_CONFIGS,
    ParetoExponentialMixture,
    PBSCurve,
    WarsModel,
    k_staleness,
    k_staleness_simulated,
    pbs_consistency,
    pbs_curve,
    pbs_latency,
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
from course_lib.consistency.saga import SagaReport, order_saga_definition, run_sagas
from course_lib.consistency.session_guarantees import (
    SESSION_STRATEGIES,
    SessionReport,
    compare_session_guarantees,
    simulate_sessions,
)

__all__ = [
    "LEADER",
    "OUTBOX_STRATEGIES",
    "PBS_CONFIGS",
    "SESSION_STRATEGIES",
    "LinearizabilityResult",
    "Operation",
    "OutboxReport",
    "PBSCurve",
    "ParetoExponentialMixture",
    "QueryResult",
    "ReadResult",
    "ReplicatedStore",
    "SagaReport",
    "SessionReport",
    "ValidationException",
    "WarsModel",
    "WriteResult",
    "check_linearizability",
    "compare_outbox",
    "compare_session_guarantees",
    "item_size",
    "k_staleness",
    "k_staleness_simulated",
    "operations_from_events",
    "order_saga_definition",
    "pbs_consistency",
    "pbs_curve",
    "pbs_latency",
    "pbs_staleness_window",
    "read_capacity_units",
    "run_sagas",
    "simulate_outbox",
    "simulate_sessions",
    "write_capacity_units",
]
