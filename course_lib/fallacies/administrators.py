"""Fallacy 6, there is one administrator: configuration drift across servers."""

from __future__ import annotations

from course_lib.fallacies._checks import (
    _check_int,
    _check_non_negative,
)
from course_lib.sim.world import World

#: The settings every server starts with in :func:`configuration_drift`.
BASELINE_CONFIGURATION: dict[str, str] = {
    "timeout_seconds": "30",
    "max_connections": "100",
    "tls_minimum": "1.2",
    "log_level": "INFO",
    "retry_attempts": "3",
}

_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "timeout_seconds": ("5", "10", "30", "60", "120"),
    "max_connections": ("50", "100", "200", "500"),
    "tls_minimum": ("1.0", "1.2", "1.3"),
    "log_level": ("DEBUG", "INFO", "WARN", "ERROR"),
    "retry_attempts": ("0", "1", "3", "5"),
}


def configuration_drift(
    servers: int = 6,
    administrators: int = 3,
    days: int = 30,
    changes_per_day: float = 0.5,
    *,
    centralized: bool = False,
    seed: int = 2024,
) -> list[dict]:
    """Administrators change settings on their own servers at random moments.

    Each administrator looks after a share of the servers and, on average,
    ``changes_per_day`` times a day changes one setting on just their share; with
    ``centralized`` every change goes through one source of truth and reaches every
    server. Rows per day: ``day``, ``distinct_configurations``,
    ``settings_in_disagreement``.
    """
    _check_int("servers", servers, 1)
    _check_int("administrators", administrators, 1)
    if administrators > servers:
        raise ValueError(
            f"administrators: at most one per server ({servers}), got {administrators}"
        )
    _check_int("days", days, 1)
    _check_non_negative("changes_per_day", changes_per_day)
    world = World(seed)
    day = 86_400.0
    configs = [dict(BASELINE_CONFIGURATION) for _ in range(servers)]
    rows: list[dict] = []

    def administrator(index: int):
        rng = world.rng(f"admin-{index}")
        share = range(servers) if centralized else range(index, servers, administrators)
        while changes_per_day > 0:
            yield world.env.timeout(rng.expovariate(changes_per_day / day))
            setting = rng.choice(sorted(_ALTERNATIVES))
            value = rng.choice(_ALTERNATIVES[setting])
            for server in share:
                configs[server][setting] = value

    def observer():
        for number in range(1, days + 1):
            yield world.env.timeout(day)
            rows.append(
                {
                    "day": number,
                    "distinct_configurations": len({tuple(sorted(c.items())) for c in configs}),
                    "settings_in_disagreement": sum(
                        1 for s in BASELINE_CONFIGURATION if len({c[s] for c in configs}) > 1
                    ),
                }
            )

    for index in range(1 if centralized else administrators):
        world.env.process(administrator(index))
    world.run(until=world.env.process(observer()))
    return rows
