"""The eight fallacies of distributed computing, as experiments that return data.

Each function is pure: the same parameters (and seed) give the same rows, which the
lesson plots with :mod:`course_lib.viz`. Anything that takes time runs on the
:mod:`course_lib.sim` clock. One module per fallacy; every public name is importable
from here.
"""

from __future__ import annotations

from course_lib.fallacies.administrators import BASELINE_CONFIGURATION, configuration_drift
from course_lib.fallacies.amplification import AmplificationResult, retry_amplification
from course_lib.fallacies.backoff import backoff_experiment
from course_lib.fallacies.bandwidth import (
    EVENT_SIZE_LIMIT,
    PREVIOUS_EVENT_SIZE_LIMIT,
    payload_transfer,
)
from course_lib.fallacies.homogeneous import (
    CLIENT_PROFILES,
    HEADER_BYTES,
    float_id_precision,
    heterogeneous_clients,
)
from course_lib.fallacies.latency import LATENCY_NUMBERS, ROUND_TRIPS, chatty_vs_batched
from course_lib.fallacies.reliable import LostAckResult, lossy_hops, lost_ack_duplicates
from course_lib.fallacies.retry_modes import retry_modes_outage
from course_lib.fallacies.secure import TamperingResult, tampering_proxy
from course_lib.fallacies.topology import endpoint_move
from course_lib.fallacies.transport import (
    BILLING_CHUNK_BYTES,
    EVENTBRIDGE_PRICE_PER_MILLION,
    LAMBDA_PRICE_PER_GB_SECOND,
    serialized_size,
    transport_cost,
)
from course_lib.sim.retry import BACKOFF_NAMES

#: The eight fallacies, as listed at Sun Microsystems (Bill Joy and Tom Lyon, then
#: L. Peter Deutsch in 1994; James Gosling added the eighth around 1997), and the
#: experiments in this package that show each one.
FALLACIES: tuple[dict, ...] = (
    {
        "fallacy": "The network is reliable",
        "experiments": (
            "lossy_hops",
            "lost_ack_duplicates",
            "backoff_experiment",
            "retry_amplification",
            "retry_modes_outage",
        ),
    },
    {"fallacy": "Latency is zero", "experiments": ("chatty_vs_batched",)},
    {"fallacy": "Bandwidth is infinite", "experiments": ("payload_transfer",)},
    {"fallacy": "The network is secure", "experiments": ("tampering_proxy",)},
    {"fallacy": "Topology doesn't change", "experiments": ("endpoint_move",)},
    {"fallacy": "There is one administrator", "experiments": ("configuration_drift",)},
    {"fallacy": "Transport cost is zero", "experiments": ("transport_cost",)},
    {
        "fallacy": "The network is homogeneous",
        "experiments": ("heterogeneous_clients", "float_id_precision"),
    },
)

__all__ = [
    "BACKOFF_NAMES",
    "BASELINE_CONFIGURATION",
    "BILLING_CHUNK_BYTES",
    "CLIENT_PROFILES",
    "EVENTBRIDGE_PRICE_PER_MILLION",
    "EVENT_SIZE_LIMIT",
    "FALLACIES",
    "HEADER_BYTES",
    "LAMBDA_PRICE_PER_GB_SECOND",
    "LATENCY_NUMBERS",
    "PREVIOUS_EVENT_SIZE_LIMIT",
    "ROUND_TRIPS",
    "AmplificationResult",
    "LostAckResult",
    "TamperingResult",
    "backoff_experiment",
    "chatty_vs_batched",
    "configuration_drift",
    "endpoint_move",
    "float_id_precision",
    "heterogeneous_clients",
    "lossy_hops",
    "lost_ack_duplicates",
    "payload_transfer",
    "retry_amplification",
    "retry_modes_outage",
    "serialized_size",
    "tampering_proxy",
    "transport_cost",
]
