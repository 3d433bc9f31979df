"""Lesson 04's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson04.py [notebook]   (default: notebooks/04_events.ipynb)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_events.ipynb"


class PatchError(RuntimeError):
    """The notebook is not the one this patch was written for."""


def _index(nb, cell_id: str) -> int:
    for position, cell in enumerate(nb.cells):
        if cell.get("id") == cell_id:
            return position
    raise PatchError(f"cell {cell_id!r} not found in the notebook")


def replace(nb, cell_id: str, source: str) -> None:
    cell = nb.cells[_index(nb, cell_id)]
    if cell.source != source and cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.source = source


def edit(nb, cell_id: str, old: str, new: str) -> None:
    cell = nb.cells[_index(nb, cell_id)]
    if new in cell.source:
        return
    if old not in cell.source:
        raise PatchError(f"cell {cell_id!r}: neither the old nor the new text is there: {old!r}")
    cell.source = cell.source.replace(old, new)


def insert_after(nb, anchor: str, cell_id: str, kind: str, source: str, **options) -> None:
    try:
        replace(nb, cell_id, source)
        return
    except PatchError:
        pass
    cell = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(
        source
    )
    cell.id = cell_id
    cell.metadata["slideshow"] = {"slide_type": options.get("slide", "-")}
    tags = list(options.get("tags", []))
    if options.get("solution"):
        tags.append("solution")
        cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    if tags:
        cell.metadata["tags"] = tags
    nb.cells.insert(_index(nb, anchor) + 1, cell)


def insert_chain(nb, anchor: str, cells: list[tuple]) -> None:
    """Insert cells one after the other, starting after ``anchor``."""
    for cell_id, kind, source, *rest in cells:
        insert_after(nb, anchor, cell_id, kind, source, **(rest[0] if rest else {}))
        anchor = cell_id


def move_after(nb, anchor: str, cell_ids: list[str]) -> None:
    """Move existing cells, in this order, to just after ``anchor`` (a no-op the second time)."""
    moved = [nb.cells.pop(_index(nb, cell_id)) for cell_id in cell_ids]
    position = _index(nb, anchor) + 1
    nb.cells[position:position] = moved


def untag(nb, cell_id: str, tag: str) -> None:
    cell = nb.cells[_index(nb, cell_id)]
    cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != tag]
    if not cell.metadata["tags"]:
        del cell.metadata["tags"]


# -- the title: objectives and an honest time ----------------------------------------------------


def title(nb) -> None:
    edit(
        nb,
        "4a1129f5",
        "- explain what an event is (an immutable fact, named in the past tense) and how it\n"
        "  differs from a command;",
        "- name the parts of an event-driven architecture (producers, routers, consumers), and\n"
        "  explain what an event is (an immutable fact, named in the past tense) and how it\n"
        "  differs from a command;",
    )
    edit(
        nb,
        "4a1129f5",
        "- validate events against JSON Schemas and tell safe schema changes from breaking ones;",
        "- validate events against JSON Schemas and say whether a schema change is FORWARD,\n"
        "  BACKWARD or FULL compatible;",
    )
    edit(
        nb,
        "4a1129f5",
        "- make a consumer idempotent, so that at-least-once delivery does not bake a pizza twice;",
        "- make a consumer idempotent, so that at-least-once delivery does not bake a pizza twice,\n"
        "  and say where idempotency keys stop protecting you;",
    )
    edit(nb, "4a1129f5", "**Estimated time:** 45 minutes.", "**Estimated time:** 70 minutes.")


# -- what an event-driven architecture is ------------------------------------------------------

EDA = """## What is an event-driven architecture?

An **event-driven architecture** is built from three kinds of parts:

- **producers** notice that something happened and publish an event about it: the
  orders service when a customer orders, the payments service when money arrives, or an
  AWS service itself (S3 when a file lands);
- **routers** take the event from the producer, keep it as long as needed and hand it to
  whoever wants it: an event **bus** such as EventBridge (routes by rules or subscribers),
  a **queue** such as SQS (holds events until one consumer takes each), a **topic** such
  as SNS (fans out to every subscriber);
- **consumers** react to the events they subscribed to, on their own time.

No producer points at a consumer: every arrow from a producer ends at a router, so
producers and consumers can be built, deployed, scaled and fail on their own. Lesson 03
measured what that buys; this lesson looks at the thing on the arrows."""

EDA_PICTURE = """cl.viz.events.event_driven_architecture()"""


def architecture(nb) -> None:
    insert_chain(
        nb,
        "da1fc717",
        [
            ("04e0a001", "markdown", EDA, {"slide": "slide"}),
            ("04e0a002", "code", EDA_PICTURE),
        ],
    )


# -- a frozen event: the error, not a traceback ---------------------------------------------------


def frozen(nb) -> None:
    untag(nb, "663e56a0", "raises-exception")
    replace(
        nb,
        "663e56a0",
        "from dataclasses import FrozenInstanceError\n"
        "\n"
        "try:\n"
        '    event.source = "com.kitchen"\n'
        "except FrozenInstanceError as error:\n"
        '    print(f"{type(error).__name__}: {error}")',
    )


# -- the timeline tells three orders' stories ---------------------------------------------------

TIMELINE_INTRO = """Every catalogue entry comes with an example event. Retold for three orders on a virtual
clock, they make three stories, one colour each: one order goes well, one is cancelled
because its payment was declined, and one is paid, then cancelled by the customer and
refunded (each event checked against its schema)."""

TIMELINE = """STORY = [  # minute, what happened, order id, fields that differ from the example
    (0, "OrderCreated", "1073459984", {}),
    (1, "PaymentReceived", "1073459984", {}),
    (2, "OrderCreated", "1073459985", {"total-cents": 1200}),
    (3, "PaymentFailed", "1073459985", {}),
    (3, "PizzaPrepared", "1073459984", {}),
    (4, "OrderCancelled", "1073459985", {}),
    (5, "OrderCreated", "1073459986", {"total-cents": 1200}),
    (6, "PizzaBaked", "1073459984", {}),
    (6, "PaymentReceived", "1073459986", {"payment-id": "pay-7f3c", "amount-cents": 1200}),
    (8, "OrderDispatched", "1073459984", {}),
    (9, "OrderCancelled", "1073459986", {"reason": "customer-request", "cancelled-by": "customer"}),
    (10, "PaymentRefunded", "1073459986", {}),
    (11, "OrderDelivered", "1073459984", {}),
]
shop = World(seed=4)
story = []
for minute, name, order, changes in STORY:
    if 60 * minute > shop.now:
        shop.run(until=60 * minute)
    detail = cl.events.example_event(name).to_dict()["detail"]
    detail["data"].update({"order-id": order, **changes})
    detail["metadata"]["idempotency-key"] = f"{name}-{order}"
    source = cl.events.event_type(name).source
    story.append(cl.events.Event.create(shop, source=source, detail_type=name, detail=detail))
assert not any(cl.events.validate_event(e) for e in story)  # every event follows its schema
outcomes = {
    "1073459984": "delivered",
    "1073459985": "payment declined, so the shop cancelled it",
    "1073459986": "paid, then cancelled by the customer and refunded",
}
cl.viz.events.business_timeline(story, outcomes=outcomes)
plt.show()"""

TIMELINE_READ = """Notice that every name is a noun plus a verb in the past tense, and that nothing on the
picture says *who* reacts to an event. Someone surely reacts to `PaymentReceived` (the
kitchen, before it starts cooking), but the payments team never had to know who. The
unhappy stories are facts too: order `…985` never reaches the kitchen, because
`PaymentFailed` is followed by `OrderCancelled`; order `…986` was paid, so its
cancellation is followed by `PaymentRefunded`. Nothing is edited or deleted: each turn
of the story is a new event."""


def timeline(nb) -> None:
    replace(nb, "51d7e7ce", TIMELINE_INTRO)
    replace(nb, "e8011707", TIMELINE)
    replace(nb, "70d5d3e6", TIMELINE_READ)


# -- size limits: every service's, and the bill ----------------------------------------------------

SIZES = """from course_lib.facts import fact

print(f"entry size: {cl.events.entry_size(entry)} bytes")
print(f"entries per PutEvents call: at most {cl.events.MAX_ENTRIES_PER_REQUEST}")
print(f"limit per call, until January 2026: {cl.events.PREVIOUS_MAX_REQUEST_BYTES:,} bytes")
print(f"limit per call, since {fact('payload_1mb.since')}: {cl.events.MAX_REQUEST_BYTES:,} bytes")
chunk = fact("eventbridge.pricing.billing_chunk_bytes")
print(f"billed per started {chunk // 1024} KB: a 1 MB event counts as {2**20 // chunk} events")
for name in (
    "sqs.max_message_bytes",
    "lambda.async_invoke.max_payload_bytes",
    "stepfunctions.max_payload_bytes",
):
    print(f"  {name:<38} {fact(name):>9,} bytes")"""


def sizes(nb) -> None:
    replace(nb, "62c2d6c9", SIZES)
    edit(
        nb,
        "f10ee011",
        "entries. It was 256 KB for years; in January 2026 AWS raised it to 1 MB. An event that",
        "entries. It was 256 KB for years; on 29 January 2026 AWS raised it to 1 MB, together\n"
        "with SQS messages and Lambda's asynchronous invocations. Step Functions stayed at\n"
        "256 KiB, so a 1 MB event that starts a workflow still fails there (lesson 05). A big\n"
        "event also costs more: EventBridge bills every started 64 KB as one event. An event that",
    )


# -- at-least-once: what it promises, and what it does not ----------------------------------------

AT_LEAST_ONCE = """## Idempotency keys and callback tokens

EventBridge, SQS and Lambda promise **at-least-once** delivery: an event that is
delivered may be delivered more than once. It is *not* a promise that every event
arrives: lesson 03 showed events that outlive their retry policy go to a dead-letter
queue if one is configured, and are dropped if not. Duplicates come from two places:

1. **Redelivery.** A consumer takes an event from a queue, bakes the pizza, and crashes
   before it deletes the message. After the visibility timeout the queue hands the same
   message out again.
2. **A retried publish.** The producer's `PutEvents` call times out, so it sends the
   entry again. On a **Custom Event Bus - Classic** (the bus with rules, used in this
   lesson) both copies reach the bus, each with its own `id` (and, unless the producer
   set `Time`, its own `time`). The new **Custom Event Bus** (September 2026; as of
   December 2026) drops a repeat with the same `DeduplicationId` within 5 minutes per
   event group (lesson 06), but redeliveries and later repeats still get through, so
   consumers stay idempotent there too.

That second case is why the slide puts an **idempotency key** in `detail.metadata`: the
producer chooses it once per business fact, so it survives retries, while the envelope's
`id` does not. Let us watch it happen. The orders domain publishes one `OrderCreated`
per order into the kitchen's queue; now and then a publish is retried:"""

IDEMPOTENT_READ = """The naive kitchen baked a pizza for every delivery, duplicates included; the idempotent
kitchen baked exactly one per order. Keying on the envelope `id` would not have been
enough: it catches redeliveries, but a retried publish has a new `id`.

### Where the key stops protecting you

"Exactly once" above holds because the kitchen crashed only *after* the idempotency
record said `COMPLETED`. The record and the pizza are two writes. Like Powertools, the
handler first writes an `INPROGRESS` record, then bakes, then marks the record
`COMPLETED` with the result, which it keeps for an hour (`expires_after_seconds`). Two
gaps remain, and the cell below hits both. Its first delivery bakes and then hangs until
the function's 60-second timeout kills it, so the record is never completed:"""

WINDOW = """world = World(seed=4)
store = cl.events.InMemoryPersistenceStore(world)
TIMEOUT = 60  # the function's timeout: an INPROGRESS record older than this is taken over
config = cl.events.IdempotencyConfig(in_progress_expiry_seconds=TIMEOUT)
oven, log = [], []


def bake(event):
    oven.append(world.now)  # the side effect
    if len(oven) == 1:
        yield world.env.event()  # the first run hangs here, after baking, until it is killed
    yield world.env.timeout(5)
    return {"baked": event.detail["data"]["order-id"]}


kitchen = cl.events.IdempotentHandler(bake, store, config, function_name="bake")
order = cl.events.example_event("OrderCreated")


def delivery(at):
    yield world.env.timeout(at)
    before, run = len(oven), world.env.process(kitchen(order))
    try:
        yield run | world.env.timeout(TIMEOUT)
        if not run.triggered:
            outcome = "timed out after baking: the record stays INPROGRESS"
        elif len(oven) > before:
            outcome = "baked, record COMPLETED"
        else:
            outcome = "answered from the COMPLETED record, no baking"
    except cl.events.IdempotencyAlreadyInProgressError:
        outcome = "refused: IdempotencyAlreadyInProgressError, retried later"
    log.append((at, outcome, len(oven)))


for at in (0, 30, 90, 200, 4000):  # seconds: the same event delivered five times
    world.env.process(delivery(at))
world.run()
for at, outcome, pizzas in sorted(log):
    print(f"delivery at {at:>4} s: {outcome:<58} pizzas: {pizzas}")"""

WINDOW_READ = """Five deliveries of one fact, three pizzas:

- **in progress** (30 s): a duplicate that arrives while the first run holds the
  `INPROGRESS` record is refused, and retried later: no double baking yet;
- **a crash mid-way** (90 s): the first run baked but died before writing `COMPLETED`.
  Once the record is older than the function's timeout, the next delivery takes it over
  and bakes **again**;
- **after expiry** (4000 s): an hour after `COMPLETED` the record is gone, and a late
  duplicate (a slow redrive, a replay from an archive) bakes **again**.

So "exactly-once side effects" holds only when the effect and the idempotency record
**commit together**: the effect is itself a conditional write keyed by the idempotency
key (a DynamoDB write that fails if the key exists), or both happen in one transaction.
An effect outside it, such as charging a card, needs the downstream service to take the
key too. And keep records longer than duplicates can arrive: the retry window, the
dead-letter queue's retention, any replay you might run."""

CALLBACK = """### The callback token

The slide's event carries a second piece of metadata, `callbackToken`. When a Step
Functions workflow publishes an event and must **wait for an answer** (the
"wait for callback" pattern), it puts a *task token* in the event and pauses. Whoever
handles the event answers with that token, calling `SendTaskSuccess` (or
`SendTaskFailure`), and the workflow carries on. The token is how the answer finds its
way back to the right paused step, without the consumer knowing anything about the
workflow. Like the idempotency key, it is about *handling* the event, not about the
business fact, so it travels in `metadata`. Lesson 05 builds this with Step Functions."""


def idempotency(nb) -> None:
    replace(nb, "8bad5c63", AT_LEAST_ONCE)
    replace(nb, "46bd6b8d", IDEMPOTENT_READ)
    insert_chain(
        nb,
        "46bd6b8d",
        [
            ("04e0a003", "code", WINDOW),
            ("04e0a004", "markdown", WINDOW_READ),
            ("04e0a005", "markdown", CALLBACK, {"slide": "subslide"}),
        ],
    )


# -- schema evolution with the registries' names ------------------------------------------------

EVOLUTION = """### Evolving a schema

Events live for years, and so do their consumers, and producers and consumers never
upgrade at the same moment. Schema registries (the Confluent Schema Registry, the AWS Glue
Schema Registry) name the two questions a change must answer:

| mode | who reads what | so you may upgrade first |
|---|---|---|
| **FORWARD** | consumers on the **old** schema read events on the **new** one | the producers |
| **BACKWARD** | consumers on the **new** schema read events on the **old** one (already published, queued, archived) | the consumers |
| **FULL** | both | either, in any order |

`compare_schemas(old, new)` lists each change and whether it breaks a consumer on the
old schema (the FORWARD question); `is_forward_compatible`, `is_backward_compatible`,
`is_fully_compatible` and `compatibility` give the verdicts. Two changes to `PizzaBaked`,
and what an existing consumer makes of them:"""

TABLE = """created = cl.events.event_type("OrderCreated").schema()
proposals = [
    (
        "add optional field data.coupon",
        cl.events.add_field(created, "data.coupon", {"type": "string"}),
    ),
    (
        "add required field data.coupon",
        cl.events.add_field(created, "data.coupon", {"type": "string"}, required=True),
    ),
    ("remove required field data.currency", cl.events.remove_field(created, "data.currency")),
    ("rename data.customer-id", cl.events.rename_field(created, "data.customer-id", "customerId")),
    ("total-cents becomes a string", cl.events.change_type(created, "data.total-cents", "string")),
]
rows = [(label, cl.events.compare_schemas(created, new)) for label, new in proposals]
backward = [cl.events.compare_schemas(new, created) for _, new in proposals]
cl.viz.events.compatibility_table(rows, backward=backward)
plt.show()"""

TABLE_READ = """Adding an **optional** field is FULL compatible. A **required** one is only FORWARD: a
consumer written for the new schema fails on every event published before the change
(and producers not yet updated publish invalid events). Removing a required field is only
BACKWARD; renaming or retyping is compatible in neither direction. (This is the
consumer's view, field by field; a registry's own JSON Schema checker can be stricter,
for instance about schemas that allow extra fields.) Events outlive the producer's
deployment in queues, retries, archives and the new bus's retention, so aim for FULL; when
a breaking change is truly needed, publish a new event type or version side by side and
retire the old one once no consumer reads it."""

EXERCISE_3 = """### Exercise 3

Predict, then run. The payments team proposes five new versions of the
`PaymentReceived` schema; `cl.exercises.lesson04.payment_proposals()` builds them (its
keys are the labels below). For each, predict the strongest mode it keeps:
`"FULL"`, `"BACKWARD"`, `"FORWARD"` or `"NONE"`. Write your predictions first, without
running anything; the cell after the check computes the answers with
`cl.events.compatibility`.

| proposed change | today's schema |
|---|---|
| add optional data.tip-cents | no such field |
| add required data.method | no such field |
| make data.currency optional | required |
| remove data.currency | required |
| rename data.payment-id | required, renamed to `paymentId` |"""

EXERCISE_3_STUB = """prediction = {
    "add optional data.tip-cents": ...,
    "add required data.method": ...,
    "make data.currency optional": ...,
    "remove data.currency": ...,
    "rename data.payment-id": ...,
}"""

EXERCISE_3_SOLUTION = """prediction = {
    "add optional data.tip-cents": "FULL",
    "add required data.method": "FORWARD",
    "make data.currency optional": "BACKWARD",
    "remove data.currency": "BACKWARD",
    "rename data.payment-id": "NONE",
}"""

EXERCISE_3_CHECK = """cl.exercises.check("04.3", prediction)"""

EXERCISE_3_RUN = """received = cl.events.event_type("PaymentReceived").schema()
for label, new in cl.exercises.lesson04.payment_proposals().items():
    print(f"{label:<28} {cl.events.compatibility(received, new)}")"""

EXERCISE_4 = """### Exercise 4

Marketing wants every `OrderCreated` to say which coupon the customer used, when there
was one. Put in `new_schema` a new version of the `OrderCreated` schema with a string
field `coupon` inside `data`, such that **existing consumers keep working** (FORWARD)
and **events published today stay valid** under the new schema (BACKWARD): the change
must be **FULL** compatible. Use the helpers above (`add_field`, `compatibility`) and
test your schema with `cl.events.validate_instance(new_schema, detail)`."""

EXERCISE_4_SOLUTION = """new_schema = cl.events.add_field(
    cl.events.event_type("OrderCreated").schema(), "data.coupon", {"type": "string"}
)
print(cl.events.compatibility(cl.events.event_type("OrderCreated").schema(), new_schema))"""


def evolution(nb) -> None:
    replace(nb, "f8603036", EVOLUTION)
    replace(nb, "82cedebb", TABLE)
    replace(nb, "b76d10b8", TABLE_READ)
    # Exercise 3 becomes a prediction about schema changes, after the section that teaches them.
    replace(nb, "87347d56", EXERCISE_3)
    replace(nb, "901cbe59", EXERCISE_3_STUB)
    replace(nb, "f110e6bd", EXERCISE_3_SOLUTION)
    replace(nb, "65cc8496", EXERCISE_3_CHECK)
    move_after(nb, "b76d10b8", ["87347d56", "901cbe59", "f110e6bd", "65cc8496"])
    insert_after(nb, "65cc8496", "04e0a006", "code", EXERCISE_3_RUN)
    replace(nb, "38afa3e9", EXERCISE_4)
    replace(nb, "9e757a29", EXERCISE_4_SOLUTION)


# -- on AWS: which bus ------------------------------------------------------------------------------


def live(nb) -> None:
    edit(
        nb,
        "04-reading",
        "- CNCF, [CloudEvents specification 1.0]",
        "- AWS, [AWS Glue Schema Registry](https://docs.aws.amazon.com/glue/latest/dg/schema-registry.html)\n"
        "  and Confluent, [Schema Evolution and Compatibility](https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html):\n"
        "  the BACKWARD, FORWARD and FULL modes.\n"
        "- CNCF, [CloudEvents specification 1.0]",
    )
    edit(
        nb,
        "b56d780d",
        "The cell below creates a custom event bus, a rule",
        "The cell below creates a custom event bus (a Classic one, with rules), a rule",
    )


# -- summary, questions and answers ----------------------------------------------------------------


def summary(nb) -> None:
    edit(
        nb,
        "ce54a9f6",
        "## Summary\n\n",
        "## Summary\n\n"
        "- An **event-driven architecture** has producers that publish events, routers (buses,\n"
        "  queues, topics) that keep and deliver them, and consumers that react; no producer\n"
        "  calls a consumer.\n",
    )
    edit(
        nb,
        "ce54a9f6",
        "  entries, and their summed size must stay under the limit (1 MB since January 2026,\n"
        "  256 KB before): pack batches by size, and put big payloads in S3.",
        "  entries, and their summed size must stay under the limit (1 MB since January 2026,\n"
        "  256 KB before; Step Functions still 256 KiB): pack batches by size, and put big\n"
        "  payloads in S3. Every started 64 KB is billed as one event.",
    )
    edit(
        nb,
        "ce54a9f6",
        "- Delivery is **at least once**. An **idempotency key** in `detail.metadata`, chosen once\n"
        "  per fact by the producer, lets a consumer turn duplicates (redeliveries and retried\n"
        "  publishes) into exactly-once side effects; the envelope `id` cannot. A\n"
        "  **callback token** lets a waiting workflow receive its answer.",
        "- Delivery is **at least once**: duplicates happen, and an event whose retries run out\n"
        "  goes to a dead-letter queue or is dropped. An **idempotency key** in\n"
        "  `detail.metadata`, chosen once per fact by the producer, lets a consumer ignore\n"
        "  duplicates (redeliveries and retried publishes); the envelope `id` cannot. Side\n"
        "  effects happen exactly once only when the effect and the idempotency record commit\n"
        "  together, and only while the record lives. A **callback token** lets a waiting\n"
        "  workflow receive its answer.",
    )
    edit(
        nb,
        "ce54a9f6",
        "- **Schemas** are the contract: validate before publishing, add fields freely, never\n"
        "  remove, rename or retype a field consumers read.",
        "- **Schemas** are the contract: validate before publishing. A change is FORWARD\n"
        "  compatible when old consumers read new events, BACKWARD when new consumers read old\n"
        "  events, FULL when both: adding an optional field is FULL, a required one only\n"
        "  FORWARD; never rename or retype a field consumers read.",
    )
    edit(
        nb,
        "ce54a9f6",
        "6. A team wants to rename `order-id` to `orderId`. What do you suggest instead?",
        "6. A team wants to rename `order-id` to `orderId`. What do you suggest instead?\n"
        "7. Your idempotency records expire after one hour. On Monday you replay last Friday's\n"
        "   events from an archive into the kitchen. What happens, and what do you change?",
    )


ANSWER_4 = """4. On a **Custom Event Bus - Classic**, every duplicate made by a **retried publish**: the
   producer's second `PutEvents` creates a new event with a new `id` (and a new `time`),
   so the consumer acts twice. Only redeliveries of the same event are caught. Key on an
   idempotency key in `detail.metadata`, chosen once per fact by the producer. (The new
   Custom Event Bus can drop a repeat at publish when it carries the same
   `DeduplicationId` within 5 minutes, but not a repeat after that, nor a redelivery.)"""

ANSWER_6 = """6. Don't rename: a rename is compatible in neither direction (old consumers fail with
   `KeyError: 'order-id'`, new ones on old events). **Add** `orderId` beside `order-id` as an
   optional field (FULL compatible), or publish a new version or event type side by side,
   and retire the old field once no consumer reads it."""

ANSWER_7 = """7. The records of Friday's events expired long ago, so the kitchen treats every replayed
   event as new and bakes Friday's pizzas again. Keep idempotency records at least as long
   as the oldest event you might replay or redrive, or make the effect itself a write
   that fails when the key is already there (so it never expires), and replay into a
   consumer that only rebuilds state rather than one that bakes."""


def answers(nb) -> None:
    cell = nb.cells[_index(nb, "04-answers")]
    if ANSWER_4 not in cell.source:
        start = cell.source.index("4. Every duplicate made by a **retried publish**")
        end = cell.source.index("5. The token is about")
        cell.source = cell.source[:start] + ANSWER_4 + "\n" + cell.source[end:]
    start = cell.source.index("6. Don't rename")
    end = cell.source.index("\n\n</details>")
    cell.source = cell.source[:start] + ANSWER_6 + "\n" + ANSWER_7 + cell.source[end:]


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    for step in (
        title,
        architecture,
        frozen,
        timeline,
        sizes,
        idempotency,
        evolution,
        live,
        summary,
        answers,
    ):
        step(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
