"""Course-wide settings: the seed every random stream derives from, and the virtual epoch.

Notebooks call :func:`course_lib.setup` once; library code reads the seed from here so
that the same notebook produces the same bytes every time it runs.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

#: Virtual time zero. Simulated timestamps are ``EPOCH + seconds since start``.
EPOCH = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)

DEFAULT_SEED = 2024

_seed = DEFAULT_SEED


def set_seed(seed: int) -> None:
    """Set the course seed that worlds created without an explicit seed use."""
    global _seed
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    _seed = seed


def current_seed() -> int:
    """The seed set by the last :func:`course_lib.setup` (or the default)."""
    return _seed


def derive_rng(seed: int, name: str) -> random.Random:
    """An independent random stream for ``name``.

    The stream's seed is a hash of the course seed and the name, so adding a new
    stream never shifts the numbers an existing stream produces.
    """
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
