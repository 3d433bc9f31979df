"""Ready-made events: the one on the "What is an event?" slide, and one per catalogue type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from course_lib.events.catalogue import event_type
from course_lib.events.envelope import Event

if TYPE_CHECKING:  # pragma: no cover
    from course_lib.sim.world import World

SLIDE_SOURCE = "com.orders"
SLIDE_DETAIL_TYPE = "PizzaBaked"
SLIDE_DETAIL = {
    "metadata": {"idempotency-key": "c1b95b88", "callbackToken": "897bfeojnwj"},
    "data": {"order-id": "1073459984"},
}


def example_event(detail_type: str) -> Event:
    """The committed example event (``data/events/<DetailType>.json``) of a catalogue type."""
    return Event.from_dict(event_type(detail_type).example())


def slide_event(world: World | None = None) -> Event:
    """The slide's PizzaBaked event, exactly: its source, detail-type and detail.

    The slide shows no id or time. With a ``world`` they come from its seeded ids and
    virtual clock; without one, from the committed example ``data/events/PizzaBaked.json``.
    """
    if world is None:
        return example_event(SLIDE_DETAIL_TYPE)
    return Event.create(
        world, source=SLIDE_SOURCE, detail_type=SLIDE_DETAIL_TYPE, detail=SLIDE_DETAIL
    )
