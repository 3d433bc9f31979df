"""Lesson 03's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson03.py [notebook]   (default: notebooks/03_sync_vs_async.ipynb)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_sync_vs_async.ipynb"


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


# -- the title: objectives and an honest time ----------------------------------------------------


def title(nb) -> None:
    edit(
        nb,
        "03-000",
        "  insurmountable when repair takes longer than the maximum event age;",
        "  insurmountable when repair takes longer than the maximum event age, and size a\n"
        "  consumer to catch up;",
    )
    edit(nb, "03-000", "**Estimated time:** 45 minutes.", "**Estimated time:** 60 minutes.")


# -- which bus retries how ----------------------------------------------------------------------

EXPERIMENT_INTRO = """`availability_experiment(k)` checks both claims with a month of traffic: 10 requests a
second for 30 simulated days (about 26 million requests), every component failing and
recovering at random with the MTBF and MTTR above, the same outages in both designs.
Retries follow the default policy of a rule's target on an EventBridge **Custom Event
Bus - Classic** (the bus with rules and targets): up to 185 attempts within 24 hours, then
the target's dead-letter queue (DLQ) if you configured one; without one, EventBridge drops
the event. (The new **Custom Event Bus**, launched on 24 September 2026, retries a
subscriber 5 times within 300 seconds by default, as of December 2026; lesson 06 compares
the two.) The four runs take a few seconds."""

EXPERIMENT_READ = """Read the left panel first. The synchronous success rate falls along $a^k$: with ten
services, one request in a hundred fails. The asynchronous acceptance rate stays flat
near $a^2$ for every $k$, and **every accepted request is eventually processed** (the
triangles are a share of the *accepted* requests; the DLQ stays empty: no outage lasted
anywhere near 24 hours). The small differences from the formulas are the luck of one
month: with about 43 failures per component, some months are a little better or worse.

Look at $k = 1$: there the asynchronous design accepts *fewer* requests than the
synchronous one completes. It puts two components, the front door and the queue, in
front of the caller, where the synchronous design had one service: $a^2 < a$. The two
break even at $k = 2$, and from $k = 3$ on the queue wins, by more with every service.

The model is kind to the synchronous design in one way: a call to a service that is
down fails at once. Real outages more often *hang*: the caller waits for its timeout
(often seconds, sometimes 30 or more) while holding a thread, its own callers wait on
it, and once a service's threads are all waiting it also turns away requests that never
needed the failed service. Failures then last longer and spread wider than $a^k$ says;
timeouts, circuit breakers and separate thread pools (Nygard's *bulkheads*) limit that.

## The price: latency

The right panel is the bill. When a service is down, the synchronous request fails
(fast, in this model); the asynchronous one *waits*. The median grows with every hop
through the queue (625 ms against 263 ms for ten services), but the tail grows far more:
with ten services the p99.9 is over three minutes, and the slowest request of the month
took about twenty minutes, waiting out the longest outage. (The model backs off for at
most 15 minutes between attempts; AWS publishes the 24 hours and 185 attempts of a
Classic rule's retry policy, not its backoff's base or cap.) Asynchronous does not mean
"faster"; it means "does not fail when someone else does", paid for in waiting time,
and in a design that tells the customer "accepted" rather than "done"."""

BACKLOG_INTRO = """## When waiting is not enough: the insurmountable backlog

A queue buys time, not unlimited time. Events have a **maximum age**: 24 hours by default
for a rule's target on a Classic EventBridge bus, 300 seconds for a subscriber on the new
Custom Event Bus (which still keeps the event for the bus's retention period, 1 to 365
days, so a subscriber started at an earlier point in time can receive it again); SQS keeps
messages 4 days by default, at most 14. Two things go wrong when the consumer is down for
long:

1. every event still waiting when it reaches the maximum age goes to the **DLQ**, where
   someone has to look at it and redrive it;
2. after the repair the consumer drains the backlog only as fast as its **spare
   capacity** allows. Here it handles 12 events a second while 10 keep arriving: the
   backlog shrinks by 2 a second, and the events behind it wait almost as long as the
   outage lasted.

`backlog_experiment` runs one outage at 10 events a second. Three cases: a 12-hour
outage, a 30-hour outage (longer than the 24-hour maximum age), and the same 30 hours
with a consumer that has no spare capacity at all."""

FAIR_QUEUES = """

**One queue, many tenants.** The backlog above belongs to one kind of work. When one
queue carries the work of many customers (tenants), a burst from one of them builds a
backlog that every other tenant then waits behind: the *noisy neighbour*. Since July
2025, SQS standard queues mitigate it with **fair queues**: give each message its
tenant's id as `MessageGroupId`, and when one tenant holds a disproportionate share of
the messages in flight (or of the consumers' processing time), SQS hands out the quiet
tenants' messages first. Nothing is dropped or throttled: the noisy tenant's messages
wait longer until its backlog is gone. Fair queues share the capacity differently; they
add none, so the sizing rule above still holds for the total."""


def buses_and_backlogs(nb) -> None:
    replace(nb, "03-008", EXPERIMENT_INTRO)
    replace(nb, "03-011", EXPERIMENT_READ)
    replace(nb, "03-013", BACKLOG_INTRO)
    edit(
        nb,
        "03-016",
        "oldest message, and plan how to redrive the DLQ.",
        "oldest message, and plan how to redrive the DLQ." + FAIR_QUEUES,
    )


# -- the producer's sketch in boto3's shape --------------------------------------------------------

SKETCH_OLD = """# observable events: the producer states a fact; consumers subscribe with rules
def place_order(order):
    events.put_events(Source="orders", DetailType="OrderPlaced", Detail=order)"""

SKETCH_NEW = """# observable events: the producer states a fact; consumers subscribe with rules
def place_order(order):
    events.put_events(Entries=[{   # boto3's EventBridge client
        "EventBusName": "orders",
        "Source": "com.orders",
        "DetailType": "OrderCreated",
        "Detail": json.dumps(order),
    }])"""


def sketch(nb) -> None:
    edit(nb, "03-025", SKETCH_OLD, SKETCH_NEW)
    edit(
        nb,
        "03-025",
        "With observable events the order service announces `OrderPlaced` once,",
        "With observable events the order service announces `OrderCreated` once,",
    )


# -- exercises: predict the DLQ, size a consumer ----------------------------------------------------

EXERCISE_2 = """### Exercise 2

Predict, then run. A rule's retry policy can shorten the maximum event age (EventBridge
allows 60 seconds to 24 hours). With `max_event_age_s=6 * HOUR`, the consumer of the
backlog section (12 events a second, while 10 arrive) is down for **10 hours**. How many
events end in the DLQ? Reason it out before running anything: which events are older than
6 hours while the consumer is still down, and after the repair, does the oldest waiting
event still get older? Store your number in `dlq_predicted`; the cell after the check
runs `backlog_experiment` to compare."""

EXERCISE_2_SOLUTION = """# Events that arrived in the first 10 - 6 = 4 hours of the outage reach 6 hours of age
# before the repair: 4 h x 3600 s x 10 a second. After the repair the consumer takes the
# oldest first at 12 a second, faster than they arrived (10), so no more of them expire.
dlq_predicted = (10 - 6) * HOUR * 10"""

EXERCISE_2_RUN = """ten = cl.messaging.backlog_experiment(outage_s=10 * HOUR, max_event_age_s=6 * HOUR)
print(f"predicted {cl.exercises.require(dlq_predicted, '03.2'):,.0f}, simulated {ten['dlq']:,}")"""

EXERCISE_4 = """### Exercise 4

Design a consumer, and defend it with a number. The business accepts outages of up to
**12 hours** (10 events a second keep arriving), but wants the backlog drained within
**12 hours after the repair**. What is the smallest whole capacity, in events a second,
that does it? Work it out first (the spare capacity must clear the backlog in time), then
check your design with
`cl.messaging.backlog_experiment(outage_s=12 * HOUR, capacity_per_s=..., horizon_s=48 * HOUR)`:
its `recovered_at_s` minus the end of the outage (`outage_start_s + outage_s` in its
`parameters`) must be at most 12 hours. Store the capacity in `capacity_per_s`."""

EXERCISE_4_STUB = """capacity_per_s = ..."""

EXERCISE_4_SOLUTION = """# 12 h x 10 a second wait at the repair; clearing them within 12 h takes a spare
# capacity of 10 a second, so 20 in all. The simulation agrees:
def drain_hours(capacity):
    run = cl.messaging.backlog_experiment(
        outage_s=12 * HOUR, capacity_per_s=capacity, horizon_s=48 * HOUR
    )
    end = run["parameters"]["outage_start_s"] + 12 * HOUR
    return None if run["recovered_at_s"] is None else (run["recovered_at_s"] - end) / HOUR


for capacity in (19, 20):
    print(f"{capacity} events a second: drained {drain_hours(capacity):.1f} h after the repair")
capacity_per_s = 20"""

EXERCISE_4_CHECK = """cl.exercises.check("03.4", capacity_per_s)"""


def exercises(nb) -> None:
    replace(nb, "03-041", EXERCISE_2)
    replace(nb, "03-042", "dlq_predicted = ...")
    replace(nb, "03-043", EXERCISE_2_SOLUTION)
    replace(nb, "03-044", 'cl.exercises.check("03.2", dlq_predicted)')
    insert_after(nb, "03-044", "03e0a001", "code", EXERCISE_2_RUN)
    replace(nb, "03-049", EXERCISE_4)
    replace(nb, "03-050", EXERCISE_4_STUB)
    replace(nb, "03-051", EXERCISE_4_SOLUTION)
    replace(nb, "03-052", EXERCISE_4_CHECK)


# -- on AWS: what the output shows -------------------------------------------------------------------


def live(nb) -> None:
    edit(
        nb,
        "03-053",
        "A consumer that keeps failing receives\none order 4 times and never deletes it.",
        "A consumer that keeps failing asks for\nthe order 4 times and never deletes it: "
        "the first 3 receives get it, the fourth\nfinds the queue empty.",
    )


# -- summary, questions, answers, reading ---------------------------------------------------------------


def summary(nb) -> None:
    edit(
        nb,
        "03-057",
        "- **The price is latency, and a changed promise**: the median barely moves, but the\n"
        '  tail grows to minutes, and the caller hears "accepted", not "done".',
        "- **The price is latency, and a changed promise**: the median grows with each hop\n"
        '  through the queue, the tail grows to minutes, and the caller hears "accepted", not\n'
        '  "done".',
    )
    edit(
        nb,
        "03-057",
        "  event age, events go to the DLQ, and without spare capacity the backlog is\n"
        "  insurmountable.",
        "  event age, events go to the DLQ (24 hours on a Classic bus's rule target, 300\n"
        "  seconds on a new Custom Event Bus subscriber, by default), and without spare capacity\n"
        "  the backlog is insurmountable. In a queue shared by tenants, SQS fair queues keep one\n"
        "  tenant's backlog from delaying the others.",
    )
    edit(
        nb,
        "03-058",
        '5. The fraud team asks the order service to "also call us on every order". What would\n'
        "   you propose instead, and when would a direct command still be the right call?",
        '5. The fraud team asks the order service to "also call us on every order". What would\n'
        "   you propose instead, and when would a direct command still be the right call?\n"
        "6. One SQS queue carries the orders of 50 restaurants. One restaurant's promotion\n"
        "   sends 100,000 orders in ten minutes. What do the other 49 notice, and what do fair\n"
        "   queues change (and not change)?",
    )


ANSWER_3 = """3. Each event that waited 24 hours left the retries (the default for a rule's target on a
   **Custom Event Bus - Classic**): events of the first day are in the target's
   **dead-letter queue** if it has one, and were **dropped** if it has none. Someone must
   look at them and **redrive** them once the consumer is back, with enough spare capacity
   and an idempotent consumer, and should alarm on the age of the oldest message next
   time. (On the new Custom Event Bus a subscriber gives up after 300 s by default, but the
   bus keeps every event for its retention period, so a subscriber started at a point in
   time before the outage can receive them again.)"""

ANSWER_6 = """6. Without fair queues the other 49 wait behind the burst: their orders sit in the same
   backlog, and their wait grows with it. With fair queues (each message's
   `MessageGroupId` set to its restaurant), SQS notices that one tenant holds most of the
   messages in flight and hands out the quiet restaurants' orders first, so their wait
   stays short. The noisy restaurant's orders are neither dropped nor throttled; they wait
   longer. Fair queues add no capacity: the total backlog drains no faster, so the
   consumer still needs headroom."""


def answers(nb) -> None:
    cell = nb.cells[_index(nb, "03-answers")]
    if ANSWER_3 not in cell.source:
        start = cell.source.index("3. Each event that waited 24 hours")
        end = cell.source.index("4. About 76 hours.")
        cell.source = cell.source[:start] + ANSWER_3 + "\n" + cell.source[end:]
    edit(
        nb,
        "03-answers",
        "5. Propose that fraud **subscribes** to the `OrderCreated` (or `OrderPlaced`) event the\n"
        "   order service already publishes,",
        "5. Propose that fraud **subscribes** to the `OrderCreated` event the order service\n"
        "   already publishes,",
    )
    edit(nb, "03-answers", "\n\n</details>", "\n" + ANSWER_6 + "\n\n</details>")


def reading(nb) -> None:
    edit(
        nb,
        "03-059",
        "  Amazon SQS Developer Guide, and the `ApproximateAgeOfOldestMessage` metric to alarm on.",
        "  Amazon SQS Developer Guide, and the `ApproximateAgeOfOldestMessage` metric to alarm on.\n"
        '- AWS, ["Amazon SQS fair queues"](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html),\n'
        "  Amazon SQS Developer Guide: noisy neighbours in multi-tenant queues (July 2025).",
    )


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    for step in (title, buses_and_backlogs, sketch, exercises, live, summary, answers, reading):
        step(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
