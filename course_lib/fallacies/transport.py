"""Fallacy 7, transport cost is zero: serialization time and per-chunk prices."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from course_lib.facts import fact
from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
    _check_positive,
)

#: EventBridge custom events: USD 1.00 per million, each 64 KB chunk billed as one event.
EVENTBRIDGE_PRICE_PER_MILLION: float = fact("eventbridge.pricing.custom_events_usd_per_million")
BILLING_CHUNK_BYTES: int = fact("eventbridge.pricing.billing_chunk_bytes")
#: AWS Lambda (x86, us-east-1): USD per GB-second of compute.
LAMBDA_PRICE_PER_GB_SECOND: float = fact("lambda.pricing.usd_per_gb_second")


def transport_cost(
    payload_sizes: Iterable[int] = (512, 8_192, 65_536, 65_537, 262_144, 1_048_576),
    requests: int = 10_000_000,
    *,
    serialize_ns_per_byte: float = 5.0,
    price_per_million: float = EVENTBRIDGE_PRICE_PER_MILLION,
    chunk_bytes: int = BILLING_CHUNK_BYTES,
    memory_gb: float = 1.0,
) -> list[dict]:
    """What moving ``requests`` messages of each size costs, in CPU time and dollars.

    Serialization time is modelled as ``serialize_ns_per_byte`` per byte, each way
    (encode and decode), paid as Lambda compute at ``memory_gb``; the transport price is
    per started ``chunk_bytes`` chunk. Deterministic. Rows: ``payload_bytes``,
    ``chunks``, ``serialization_seconds``, ``compute_usd``, ``request_usd``, ``total_usd``.
    """
    _check_int("requests", requests, 0)
    _check_non_negative("serialize_ns_per_byte", serialize_ns_per_byte)
    _check_non_negative("price_per_million", price_per_million)
    _check_int("chunk_bytes", chunk_bytes, 1)
    _check_positive("memory_gb", memory_gb)
    sizes = list(payload_sizes)
    if not sizes:
        raise ValueError("payload_sizes: need at least one size")
    rows = []
    for size in sizes:
        _check_int("payload_sizes", size, 0)
        chunks = max(1, math.ceil(size / chunk_bytes))
        seconds = 2 * size * serialize_ns_per_byte * 1e-9 * requests
        compute = seconds * memory_gb * LAMBDA_PRICE_PER_GB_SECOND
        request_usd = chunks * requests * price_per_million / 1_000_000
        rows.append(
            {
                "payload_bytes": size,
                "chunks": chunks,
                "serialization_seconds": seconds,
                "compute_usd": compute,
                "request_usd": request_usd,
                "total_usd": compute + request_usd,
            }
        )
    return rows


def serialized_size(record: Any) -> int:
    """Bytes of ``record`` as compact, key-sorted JSON: the size the price is paid on."""
    return len(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())
