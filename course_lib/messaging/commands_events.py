"""Directed commands versus observable events: who changes when the consumers change.

With directed commands the producer calls each consumer and passes it what it needs, so
every new consumer, every retired one and every new need is a change to the producer
("I'll add that to the order service..."). With observable events the producer publishes
one event to a bus and each consumer subscribes with its own rule: consumers come and go
without the producer hearing of it, but a consumer that needs data the event does not
carry still needs the producer to add it. Events remove the coupling to *who* listens,
not to *what* they need.

Both wirings are configuration that is diffed before and after each change request, and
an order is run through each wiring to check that every consumer really receives it with
every field it reads.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from course_lib.sim import World

WIRINGS = ("command", "event")
PRODUCER = "orders"
DEFAULT_INITIAL = ("kitchen",)
DEFAULT_ADDED = ("payments", "delivery", "loyalty", "analytics")
#: What the order service knows about an order, and the part of it every consumer reads.
ORDER = {
    "order_id": "order-1",
    "customer": "alice",
    "pizzas": ["margherita"],
    "address": "12 Via Roma",
    "email": "alice@example.com",
}
READ_BY_EVERY_CONSUMER = ("order_id", "pizzas")
#: What OrderCreated carries at first: the fact, not everything the producer knows.
PUBLISHED_AT_FIRST = ("order_id", "customer", "pizzas")
REQUESTS = ("add", "remove", "needs")


@dataclass(frozen=True)
class WiringChange:
    """One change request applied to one wiring: what it touched, and the order run after.

    ``request`` is ``("add", consumer)``, ``("remove", consumer)`` or
    ``("needs", consumer, field)``. ``unmet_needs`` lists the (consumer, field) pairs an
    order did not deliver; it is empty when the change was complete.
    """

    wiring: str
    request: tuple[str, ...]
    changed_components: tuple[str, ...]
    producer_changed: bool
    consumers_known_to_producer: int
    received_by: tuple[str, ...]
    unmet_needs: tuple[tuple[str, str], ...]

    @property
    def consumer(self) -> str:
        return self.request[1]


def _consumers(config: dict[str, dict]) -> list[str]:
    return [name for name, part in config.items() if "handles" in part]


def _initial_config(wiring: str, consumers: tuple[str, ...]) -> dict[str, dict]:
    if wiring == "command":
        config: dict[str, dict] = {PRODUCER: {"calls": {}}}
    else:
        config = {
            PRODUCER: {"publishes": {"OrderCreated": list(PUBLISHED_AT_FIRST)}, "bus": "default"},
            "bus": {"rules": {}},
        }
    for consumer in consumers:
        _add(config, wiring, consumer)
    return config


def _add(config: dict[str, dict], wiring: str, consumer: str) -> None:
    if wiring == "command":
        config[PRODUCER]["calls"][consumer] = list(READ_BY_EVERY_CONSUMER)
    else:
        config["bus"]["rules"][f"{consumer}-orders"] = {
            "owner": consumer,
            "pattern": {"source": [PRODUCER], "detail-type": ["OrderCreated"]},
            "target": consumer,
        }
    config[consumer] = {
        "handles": "PlaceOrder" if wiring == "command" else "OrderCreated",
        "reads": list(READ_BY_EVERY_CONSUMER),
    }


def _remove(config: dict[str, dict], wiring: str, consumer: str) -> None:
    if wiring == "command":
        del config[PRODUCER]["calls"][consumer]
    else:
        del config["bus"]["rules"][f"{consumer}-orders"]
    del config[consumer]


def _needs(config: dict[str, dict], wiring: str, consumer: str, field: str) -> None:
    if field in config[consumer]["reads"]:
        return  # it has it already: nothing changes anywhere
    config[consumer]["reads"].append(field)
    if wiring == "command":
        config[PRODUCER]["calls"][consumer].append(field)
    elif field not in config[PRODUCER]["publishes"]["OrderCreated"]:
        config[PRODUCER]["publishes"]["OrderCreated"].append(field)


def _place_order(config: dict[str, dict], wiring: str, seed: int) -> dict[str, set[str]]:
    """Run one order through the wiring on a world; return who received which fields."""
    world = World(seed=seed)
    received: dict[str, set[str]] = {}
    if wiring == "command":
        for consumer, fields in config[PRODUCER]["calls"].items():
            command = {field: ORDER[field] for field in fields}
            world.record(PRODUCER, consumer, "PlaceOrder", command)
    else:
        detail = {field: ORDER[field] for field in config[PRODUCER]["publishes"]["OrderCreated"]}
        event = {"source": PRODUCER, "detail-type": "OrderCreated", "detail": detail}
        world.record(PRODUCER, "bus", "PutEvents", event)
        for rule in config["bus"]["rules"].values():
            pattern = rule["pattern"]
            if all(event[field] in allowed for field, allowed in pattern.items()):
                world.record("bus", rule["target"], "OrderCreated", event)
    for record in world.trace:
        if record.target != "bus":
            payload = record.payload if wiring == "command" else record.payload["detail"]
            received[record.target] = set(payload)
    return received


def _changed(before: dict[str, dict], after: dict[str, dict], wiring: str) -> list[str]:
    names = list(after) + [name for name in before if name not in after]
    changed = [name for name in names if name != "bus" and before.get(name) != after.get(name)]
    if wiring == "event":
        rules_before, rules_after = before["bus"]["rules"], after["bus"]["rules"]
        for name in sorted(set(rules_before) ^ set(rules_after)):
            owner = (rules_after.get(name) or rules_before[name])["owner"]
            changed.append(f"rule {name} (owned by {owner})")
    return changed


def _check_request(request, consumers: list[str]) -> tuple[str, ...]:
    if isinstance(request, str) or not isinstance(request, tuple | list) or not request:
        raise ValueError(f"request: expected a tuple such as ('add', 'fraud'), got {request!r}")
    kind, *rest = request
    if kind not in REQUESTS:
        raise ValueError(f"request: the kind must be one of {REQUESTS}, got {kind!r}")
    size = 2 if kind in ("add", "remove") else 3
    if len(request) != size or not all(isinstance(x, str) and x for x in rest):
        shape = "('needs', consumer, field)" if kind == "needs" else f"('{kind}', consumer)"
        raise ValueError(f"request: {kind!r} takes the form {shape}, got {request!r}")
    consumer = rest[0]
    _check_names("request", (consumer,))
    if kind == "add" and consumer in consumers:
        raise ValueError(f"request: {consumer!r} is already a consumer")
    if kind != "add" and consumer not in consumers:
        raise ValueError(f"request: {consumer!r} is not a consumer (consumers: {consumers})")
    if kind == "needs" and rest[1] not in ORDER:
        raise ValueError(
            f"request: the order service knows no field {rest[1]!r} (it knows {list(ORDER)})"
        )
    return tuple(request)


def change_requests(
    requests: Iterable[tuple[str, ...]],
    initial: tuple[str, ...] = DEFAULT_INITIAL,
    *,
    seed: int = 0,
) -> dict:
    """Apply change requests in turn under both wirings and count the producer's changes.

    Each request is ``("add", consumer)``, ``("remove", consumer)`` or
    ``("needs", consumer, field)`` with a field of :data:`ORDER`. Returns, per wiring,
    one :class:`WiringChange` per request and the number of requests that changed the
    producer.
    """
    initial = _check_names("initial", initial)
    requests = list(requests)
    result: dict = {}
    for wiring in WIRINGS:
        config = _initial_config(wiring, initial)
        steps = []
        for raw in requests:
            request = _check_request(raw, _consumers(config))
            before = copy.deepcopy(config)
            {"add": _add, "remove": _remove, "needs": _needs}[request[0]](
                config, wiring, *request[1:]
            )
            changed = _changed(before, config, wiring)
            received = _place_order(config, wiring, seed)
            unmet = tuple(
                (consumer, field)
                for consumer in _consumers(config)
                for field in config[consumer]["reads"]
                if field not in received.get(consumer, ())
            )
            steps.append(
                WiringChange(
                    wiring=wiring,
                    request=request,
                    changed_components=tuple(changed),
                    producer_changed=PRODUCER in changed,
                    consumers_known_to_producer=len(config[PRODUCER].get("calls", {})),
                    received_by=tuple(sorted(received)),
                    unmet_needs=unmet,
                )
            )
        result[wiring] = {
            "steps": steps,
            "producer_changes": sum(step.producer_changed for step in steps),
        }
    return result


def add_consumers(
    initial: tuple[str, ...] = DEFAULT_INITIAL,
    added: tuple[str, ...] = DEFAULT_ADDED,
    *,
    seed: int = 0,
) -> dict:
    """Add consumers one at a time under both wirings and count the producer's changes.

    The same as :func:`change_requests` with one ``("add", consumer)`` per new consumer:
    ``len(added)`` producer changes for commands, 0 for events.
    """
    added = _check_names("added", added)
    initial = _check_names("initial", initial)
    if set(initial) & set(added):
        raise ValueError(
            f"added: already consumers from the start: {sorted(set(initial) & set(added))}"
        )
    return change_requests([("add", consumer) for consumer in added], initial, seed=seed)


def _check_names(name: str, values) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{name}: expected a sequence of non-empty consumer names, got {values!r}")
    values = tuple(values)
    if PRODUCER in values or "bus" in values:
        raise ValueError(f"{name}: {PRODUCER!r} and 'bus' are taken by the producer and the bus")
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: consumer names must be unique, got {values!r}")
    return values
