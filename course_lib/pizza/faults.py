"""Faults to inject into the pizza shop: what breaks, when, and how badly.

A :class:`Faults` value is data: the shop's domains ask it whether the kitchen is down
at a moment, whether a callback gets lost, how much slower the ovens are; the event bus
takes its duplicate rate. :func:`fault` turns a kind and an intensity between 0 and 1
into a :class:`Faults`, for sliders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

HOUR = 3600.0

#: The kinds :func:`fault` knows, as a drop-down lists them.
FAULT_KINDS = ("none", "kitchen down", "duplicate deliveries", "lost callback", "slow oven")


@dataclass(frozen=True)
class Faults:
    """What goes wrong during a run (all off by default).

    * ``kitchen_down_at`` / ``kitchen_down_for``: the kitchen's function refuses every
      event in that window (seconds of virtual time). EventBridge retries, then sends the
      event to the kitchen's dead-letter queue. With ``replay`` an operator replays the
      window from the bus archive ``replay_after`` seconds after the kitchen is back.
    * ``duplicate_rate``: the chance that EventBridge delivers an event a second time.
    * ``lost_callback_rate``: the chance that the kitchen's SendTaskSuccess never arrives.
    * ``oven_slowdown``: baking takes this many times longer.
    """

    kitchen_down_at: float = 0.0
    kitchen_down_for: float = 0.0
    replay: bool = True
    replay_after: float = 60.0
    duplicate_rate: float = 0.0
    lost_callback_rate: float = 0.0
    oven_slowdown: float = 1.0

    def __post_init__(self) -> None:
        for name in ("kitchen_down_at", "kitchen_down_for", "replay_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must be >= 0 seconds, got {getattr(self, name)!r}")
        for name in ("duplicate_rate", "lost_callback_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(
                    f"{name}: a probability between 0 and 1, got {getattr(self, name)!r}"
                )
        if not self.oven_slowdown >= 1.0:
            raise ValueError(f"oven_slowdown: a factor >= 1, got {self.oven_slowdown!r}")

    @property
    def kitchen_back_at(self) -> float:
        return self.kitchen_down_at + self.kitchen_down_for

    def kitchen_is_down(self, now: float) -> bool:
        return self.kitchen_down_for > 0 and self.kitchen_down_at <= now < self.kitchen_back_at

    def lose_callback(self, rng) -> bool:
        return self.lost_callback_rate > 0 and rng.random() < self.lost_callback_rate

    def describe(self) -> str:
        """One line saying what is broken."""
        parts = []
        if self.kitchen_down_for:
            parts.append(
                f"kitchen down {self.kitchen_down_for / 60:g} min from "
                f"t={self.kitchen_down_at / 60:g} min"
                + (" (then replay)" if self.replay else " (no replay)")
            )
        if self.duplicate_rate:
            parts.append(f"{self.duplicate_rate:.0%} duplicate deliveries")
        if self.lost_callback_rate:
            parts.append(f"{self.lost_callback_rate:.0%} lost callbacks")
        if self.oven_slowdown != 1.0:
            parts.append(f"ovens {self.oven_slowdown:g}x slower")
        return ", ".join(parts) or "no faults"

    def with_(self, **changes) -> Faults:
        return replace(self, **changes)


NONE = Faults()


def fault(kind: str, intensity: float = 0.5) -> Faults:
    """A single fault of ``kind`` (one of :data:`FAULT_KINDS`) at ``intensity`` in [0, 1].

    Kitchen down: an outage of ``intensity`` hours starting after one hour. Duplicate
    deliveries and lost callbacks: that probability. Slow oven: baking ``1 + 2 * intensity``
    times longer.
    """
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind: one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity: between 0 and 1, got {intensity!r}")
    if kind == "kitchen down":
        return Faults(kitchen_down_at=HOUR, kitchen_down_for=intensity * HOUR)
    if kind == "duplicate deliveries":
        return Faults(duplicate_rate=intensity)
    if kind == "lost callback":
        return Faults(lost_callback_rate=intensity)
    if kind == "slow oven":
        return Faults(oven_slowdown=1.0 + 2.0 * intensity)
    return NONE
