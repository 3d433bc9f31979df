"""Directed commands versus observable events: who changes when a new consumer appears.

With directed commands the producer calls each consumer, so every new consumer is a
change to the producer ("I'll add that to the order service..."). With observable
events the producer publishes one event to a bus and each consumer subscribes with its
own rule, so the producer never changes. Both wirings are configuration that is diffed
before and after each new consumer, and an order is run through each wiring to check
that every consumer really receives it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from course_lib.sim import World

WIRINGS = ("command", "event")
PRODUCER = "orders"
DEFAULT_INITIAL = ("kitchen",)
DEFAULT_ADDED = ("payments", "delivery", "loyalty", "analytics")


@dataclass(frozen=True)
class ConsumerAdded:
    """What adding one consumer took: which components changed, and did the order arrive."""

    wiring: str
    consumer: str
    changed_components: tuple[str, ...]
    producer_changed: bool
    consumers_known_to_producer: int
    received_by: tuple[str, ...]


def _initial_config(wiring: str, consumers: tuple[str, ...]) -> dict[str, dict]:
    if wiring == "command":
        config = {PRODUCER: {"calls": list(consumers)}}
    else:
        config = {
            PRODUCER: {"publishes": ["OrderPlaced"], "bus": "default"},
            "bus": {"rules": {}},
        }
    for consumer in consumers:
        _add(config, wiring, consumer)
    return config


def _add(config: dict[str, dict], wiring: str, consumer: str) -> None:
    if wiring == "command":
        if consumer not in config[PRODUCER]["calls"]:
            config[PRODUCER]["calls"].append(consumer)
    else:
        config["bus"]["rules"][f"{consumer}-orders"] = {
            "owner": consumer,
            "pattern": {"source": [PRODUCER], "detail-type": ["OrderPlaced"]},
            "target": consumer,
        }
    config[consumer] = {"handles": "PlaceOrder" if wiring == "command" else "OrderPlaced"}


def _place_order(config: dict[str, dict], wiring: str, seed: int) -> tuple[str, ...]:
    """Run one order through the wiring on a world; return who received it."""
    world = World(seed=seed)
    order = {"order_id": world.next_id("order")}
    if wiring == "command":
        for consumer in config[PRODUCER]["calls"]:
            world.record(PRODUCER, consumer, "PlaceOrder", order)
    else:
        event = {"source": PRODUCER, "detail-type": "OrderPlaced", "detail": order}
        world.record(PRODUCER, "bus", "PutEvents", event)
        for rule in config["bus"]["rules"].values():
            pattern = rule["pattern"]
            if all(event[field] in allowed for field, allowed in pattern.items()):
                world.record("bus", rule["target"], "OrderPlaced", event)
    return tuple(sorted(r.target for r in world.trace if r.target != "bus"))


def _changed(before: dict[str, dict], after: dict[str, dict], wiring: str) -> list[str]:
    changed = [name for name in after if before.get(name) != after[name] and name != "bus"]
    if wiring == "event":
        new_rules = set(after["bus"]["rules"]) - set(before["bus"]["rules"])
        changed.extend(
            f"rule {name} (owned by {after['bus']['rules'][name]['owner']})"
            for name in sorted(new_rules)
        )
    return changed


def _check_names(name: str, values) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{name}: expected a sequence of non-empty consumer names, got {values!r}")
    values = tuple(values)
    if PRODUCER in values or "bus" in values:
        raise ValueError(f"{name}: {PRODUCER!r} and 'bus' are taken by the producer and the bus")
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: consumer names must be unique, got {values!r}")
    return values


def add_consumers(
    initial: tuple[str, ...] = DEFAULT_INITIAL,
    added: tuple[str, ...] = DEFAULT_ADDED,
    *,
    seed: int = 0,
) -> dict:
    """Add consumers one at a time under both wirings and count the producer's changes.

    Returns, per wiring, one :class:`ConsumerAdded` per new consumer and the total number
    of producer changes (``len(added)`` for commands, 0 for events).
    """
    initial = _check_names("initial", initial)
    added = _check_names("added", added)
    if set(initial) & set(added):
        raise ValueError(
            f"added: already consumers from the start: {sorted(set(initial) & set(added))}"
        )
    result: dict = {}
    for wiring in WIRINGS:
        config = _initial_config(wiring, initial)
        steps = []
        for consumer in added:
            before = copy.deepcopy(config)
            _add(config, wiring, consumer)
            changed = _changed(before, config, wiring)
            steps.append(
                ConsumerAdded(
                    wiring=wiring,
                    consumer=consumer,
                    changed_components=tuple(changed),
                    producer_changed=PRODUCER in changed,
                    consumers_known_to_producer=len(config[PRODUCER].get("calls", [])),
                    received_by=_place_order(config, wiring, seed),
                )
            )
        result[wiring] = {
            "steps": steps,
            "producer_changes": sum(step.producer_changed for step in steps),
        }
    return result
