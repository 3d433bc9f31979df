"""The one virtual clock and everything that takes time: see :class:`World`.

Latency distributions, retry policies, lossy links and networks, and an SQS-like
queue, all running on a world's SimPy environment.
"""

from course_lib.sim.latency import (
    Constant,
    Empirical,
    Exponential,
    FoldedNormal,
    Latency,
    LogNormal,
    Mixture,
    Normal,
    Pareto,
    latency,
)
from course_lib.sim.network import Link, Message, Network, flip_one_bit
from course_lib.sim.queue import DEDUPLICATION_WINDOW, Queue, QueueError, queue_arn
from course_lib.sim.retry import (
    BACKOFF_NAMES,
    AttemptTimeout,
    Backoff,
    DecorrelatedJitter,
    EqualJitter,
    ExponentialBackoff,
    FullJitter,
    NoBackoff,
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    RetryTokenBucket,
    backoff,
    call_with_retry,
)
from course_lib.sim.trace import outcome_counts, participants, sequence_arrows, timeline
from course_lib.sim.world import TraceRecord, World

__all__ = [
    "BACKOFF_NAMES",
    "DEDUPLICATION_WINDOW",
    "AttemptTimeout",
    "Backoff",
    "Constant",
    "DecorrelatedJitter",
    "Empirical",
    "EqualJitter",
    "Exponential",
    "ExponentialBackoff",
    "FoldedNormal",
    "FullJitter",
    "Latency",
    "Link",
    "LogNormal",
    "Message",
    "Mixture",
    "Network",
    "NoBackoff",
    "Normal",
    "Pareto",
    "Queue",
    "QueueError",
    "RetriesExhausted",
    "RetryPolicy",
    "RetryStats",
    "RetryTokenBucket",
    "TraceRecord",
    "World",
    "backoff",
    "call_with_retry",
    "flip_one_bit",
    "latency",
    "outcome_counts",
    "participants",
    "queue_arn",
    "sequence_arrows",
    "timeline",
]
