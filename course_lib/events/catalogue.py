"""The pizza shop's event catalogue: which business events exist, who publishes them, and
the JSON Schema each event's ``detail`` follows.

The catalogue is the contract between domains. Producers publish only what is listed
here, consumers subscribe to what they need, and the schemas (in ``data/schemas``) say
what a consumer may rely on. Every ``detail`` has the slide's shape: ``metadata``
(idempotency key, optional callback token) and ``data`` (the business facts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


def data_dir() -> Path:
    """The course's committed fixtures: ``data/`` in the repository, shipped in the wheel.

    Read through ``importlib.resources`` (the package ``course_lib.data``), so an installed
    course finds its data from any working directory.
    """
    root = resources.files("course_lib.data")
    if not isinstance(root, Path):
        raise RuntimeError(
            f"course_lib.data is not a folder on disk ({root!r}): install the course "
            "unpacked (pip and micropip do)"
        )
    return root


@dataclass(frozen=True)
class EventType:
    """One entry of the catalogue: a business event and the domain that publishes it."""

    name: str
    source: str
    domain: str
    description: str

    @property
    def schema_path(self) -> Path:
        return data_dir() / "schemas" / f"{self.name}.schema.json"

    @property
    def example_path(self) -> Path:
        return data_dir() / "events" / f"{self.name}.json"

    def schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of this event's ``detail``."""
        return json.loads(json.dumps(_load_json(self.schema_path)))

    def example(self) -> dict[str, Any]:
        """A complete example event of this type, in EventBridge's JSON shape."""
        return json.loads(json.dumps(_load_json(self.example_path)))


@cache
def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path.name} is missing from {path.parent}; the course data folder is incomplete"
        ) from None


CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "OrderCreated",
        "com.orders",
        "orders",
        "A customer placed an order; the order workflow starts.",
    ),
    EventType(
        "PaymentReceived",
        "com.payments",
        "payments",
        "The customer's payment for an order was captured.",
    ),
    EventType(
        "PaymentFailed",
        "com.payments",
        "payments",
        "The payment for an order was declined; the order cannot go ahead.",
    ),
    EventType(
        "PizzaPrepared",
        "com.kitchen",
        "kitchen",
        "The kitchen topped a pizza of the order and put it in the oven.",
    ),
    EventType(
        "PizzaBaked",
        "com.orders",
        "orders",
        "The order workflow saw the oven step finish: the order's pizzas are baked "
        "(published by the orders domain, as on the slide).",
    ),
    EventType(
        "OrderDispatched",
        "com.delivery",
        "delivery",
        "A courier left the shop with the order.",
    ),
    EventType(
        "OrderDelivered",
        "com.delivery",
        "delivery",
        "The courier handed the order to the customer.",
    ),
    EventType(
        "OrderCancelled",
        "com.orders",
        "orders",
        "The order was cancelled, by the customer or because it could not be fulfilled.",
    ),
    EventType(
        "PaymentRefunded",
        "com.payments",
        "payments",
        "Money for a cancelled or failed order went back to the customer.",
    ),
)

#: The sources the pizza shop's domains publish under.
SOURCES = ("com.orders", "com.kitchen", "com.delivery", "com.payments")


def event_types() -> tuple[EventType, ...]:
    """Every event type in the catalogue, in the order an order's story unfolds."""
    return CATALOGUE


def event_type(name: str) -> EventType:
    """The catalogue entry for a ``detail-type``; a clear error for an unknown one."""
    for candidate in CATALOGUE:
        if candidate.name == name:
            return candidate
    known = ", ".join(sorted(t.name for t in CATALOGUE))
    raise LookupError(f"detail-type {name!r} is not in the catalogue (known: {known})")


def catalogue_table() -> list[dict[str, str]]:
    """The catalogue as rows (name, source, domain, description) for display."""
    return [
        {
            "name": t.name,
            "source": t.source,
            "domain": t.domain,
            "description": t.description,
        }
        for t in CATALOGUE
    ]
