"""Lesson 06's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson06.py [notebook]   (default: notebooks/06_eventbridge.ipynb)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "06_eventbridge.ipynb"


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


# -- the title: two kinds of bus, Scheduler, honest time ---------------------------------------


def title(nb) -> None:
    edit(
        nb,
        "421414cb",
        "- run rules on a schedule (`rate` and `cron`) and draw the routing of a bus from its rules.",
        "- draw the routing of a bus from its rules, and schedule work with EventBridge Scheduler\n"
        "  (time zones, one-off runs, flexible windows) rather than legacy scheduled rules;\n"
        "- choose between the two kinds of custom bus (Classic, with rules, and the new Custom\n"
        "  Event Bus, with subscribers that keep order and replay from retention), and predict\n"
        "  what a FIFO subscriber delivers.",
    )
    edit(nb, "421414cb", "**Estimated time:** 75 minutes.", "**Estimated time:** 105 minutes.")


def two_kinds_of_bus(nb) -> None:
    insert_after(
        nb,
        "06bee752",
        "b06e0001",
        "markdown",
        "Since 24 September 2026 EventBridge has **two kinds of custom bus**. The one with\n"
        "**rules and targets**, which every account's `default` bus also is, is now called\n"
        "**Custom Event Bus - Classic**. The new **Custom Event Bus** keeps every event for 1 to\n"
        "365 days and delivers it to **subscribers**, which can keep order and start in the past\n"
        "(API `eventbridgev2`; as of December 2026). Most of this lesson uses the Classic bus,\n"
        "the one most systems run today; the section *The new Custom Event Bus* compares the two.",
    )


# -- arrays: where the same-element rule comes from ---------------------------------------------


def arrays(nb) -> None:
    edit(
        nb,
        "c38b0bb3",
        "but no medium margherita.",
        "but no medium margherita.\n"
        "\n"
        "(EventBridge's documentation describes arrays of values but says nothing about arrays\n"
        "of objects. The same-element rule is how Event Ruler, the open-source library behind\n"
        "EventBridge's matching, matches them (it calls it *array consistency*), and the local\n"
        "bus follows it. The section *On AWS* asks AWS's `TestEventPattern` about\n"
        "`medium_margherita_line`, so you can check it on a real account.)",
    )


# -- an invalid pattern shows its reason, not a traceback ---------------------------------------


def invalid_pattern(nb) -> None:
    cell = nb.cells[_index(nb, "fc84709a")]
    cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "raises-exception"]
    if not cell.metadata["tags"]:
        del cell.metadata["tags"]
    replace(
        nb,
        "fc84709a",
        "try:\n"
        '    test_event_pattern({"source": "com.orders"}, catalogue["OrderCreated"])\n'
        "except cl.eventbridge.InvalidEventPattern as error:\n"
        '    print(f"{type(error).__name__}: {error}")',
    )


# -- ordinary delivery keeps no order either -----------------------------------------------------


def no_order(nb) -> None:
    edit(
        nb,
        "477f3669",
        "moment `PutEvents` answered.",
        "moment `PutEvents` answered.\n"
        "\n"
        "Independent deliveries also mean **no order**: a Classic bus delivers each event on its\n"
        "own, so two events published one after the other can reach a target the other way\n"
        "round, above all when the first one is retried. A consumer that cares about order must\n"
        "restore it (a sequence number in the event), or use the new bus's FIFO subscribers\n"
        "(section *The new Custom Event Bus*).",
    )


# -- schedules: EventBridge Scheduler first, scheduled rules as the legacy way ------------------

SCHEDULER_INTRO = """## Schedules: EventBridge Scheduler

Some work happens at a time, not because of an event: open the oven at 08:00, remind a
customer tomorrow at noon, renew a certificate once. AWS's service for it is **Amazon
EventBridge Scheduler** (API `scheduler`). A **schedule** has:

- an expression: `at(2025-03-31T09:30:00)` runs **once**, `rate(6 hours)` repeatedly,
  `cron(minutes hours day-of-month month day-of-week year)` on the calendar;
- a **time zone** (`ScheduleExpressionTimezone`, UTC by default), with daylight saving
  time handled: a local time that does not exist on the day the clocks go forward is
  skipped, one that happens twice when they go back runs once;
- a **flexible time window**: with `{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}`
  the run happens at some moment in the 15 minutes after the scheduled time, so that many
  schedules do not hit one target in the same second;
- a **target**: a *templated* one (Lambda, SQS, Step Functions, an event bus and a few
  more) receives the schedule's `Input`, and a *universal* one calls any AWS API action
  (`arn:aws:scheduler:::aws-sdk:<service>:<action>`), with its own retry policy (185
  attempts within 24 hours by default) and dead-letter queue;
- `ActionAfterCompletion="DELETE"`: a one-time schedule removes itself after it ran.

`course_lib.eventbridge.Scheduler` plays it on the virtual clock, with the names of boto3's
`scheduler` client. The pizza shop in Zurich opens its oven at 08:00 local time on
weekdays. On 30 March 2025 the clocks in Zurich go forward one hour; compare a schedule in
the shop's time zone with a scheduled rule written in UTC (see below), which is how older
systems do it:"""

SCHEDULER_RUN = """from datetime import date
from zoneinfo import ZoneInfo

from course_lib.eventbridge import Scheduler

world = World()
scheduler, bridge = Scheduler(world), EventBridge(world)
opened = {"Scheduler": [], "rule": []}
for name, times in opened.items():
    world.register(FUNCTION + "oven-" + name, lambda event, times=times: times.append(world.timestamp()))
scheduler.create_schedule(
    Name="open-the-oven",
    ScheduleExpression="cron(0 8 ? * MON-FRI *)",
    ScheduleExpressionTimezone="Europe/Zurich",
    FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
    Target={"Arn": FUNCTION + "oven-Scheduler", "RoleArn": ROLE},
)
bridge.put_rule("open-the-oven", schedule_expression="cron(0 7 ? * MON-FRI *)")  # 08:00 in winter
bridge.put_targets("open-the-oven", [{"Id": "oven", "Arn": FUNCTION + "oven-rule"}])
world.run(until=100 * 86_400)  # into April

zurich = ZoneInfo("Europe/Zurich")
for by_scheduler, by_rule in zip(*opened.values(), strict=True):
    day = by_scheduler.astimezone(zurich)
    if date(2025, 3, 26) <= day.date() <= date(2025, 4, 2):
        print(
            f"{day:%a %d %b}  Scheduler {day:%H:%M:%S}   rule {by_rule.astimezone(zurich):%H:%M:%S}"
            "  (Zurich time)"
        )"""

SCHEDULER_READ = """Before the change both open the oven at 08:00 (the Scheduler a few minutes later, as its
flexible window allows). From Monday 31 March the rule, which counts in UTC, opens it at
09:00 local time, an hour late, until someone edits it, and again in October. The
schedule in the shop's time zone stays at 08:00 all year. A one-time reminder is the same
call with `at(...)` and `ActionAfterCompletion="DELETE"`.

### Scheduled rules: the legacy way

Before Scheduler existed, a rule on the `default` bus could have a **schedule expression**
instead of a pattern; AWS now calls these scheduled rules a legacy feature and
recommends Scheduler for new schedules, but many systems still run on them. Their targets
receive a `Scheduled Event` from `aws.events`, always in **UTC**:"""


def schedules(nb) -> None:
    replace(nb, "695eeff1", SCHEDULER_INTRO)
    insert_chain(
        nb,
        "695eeff1",
        [
            ("b06e0013", "code", SCHEDULER_RUN),
            ("b06e0014", "markdown", SCHEDULER_READ, {"slide": "subslide"}),
            (
                "b06e0015",
                "markdown",
                "- `rate(value unit)`: every so many minutes, hours or days, counted from the rule's\n"
                "  creation (`rate(1 hour)`, `rate(6 hours)`; singular unit for 1);\n"
                "- `cron(minutes hours day-of-month month day-of-week year)`: six fields; exactly one of\n"
                "  the two day fields is `?`. `cron(0 8 ? * MON-FRI *)` is 08:00 UTC every weekday.\n"
                "\n"
                "On the virtual clock a week of schedules runs in an instant. The lesson's clock starts\n"
                "on Monday 6 January 2025 at 09:00 UTC.",
            ),
        ],
    )


EXERCISE_5 = """### Exercise 5

Design a schedule. The kitchen in Zurich needs the day's baking plan between **07:30 and
07:45 Zurich time, Monday to Saturday, all year**. Forty shops send their plans to the
same kitchen API, so the runs must not all come in the same second. Give the timing
arguments of `create_schedule` as a dict: `ScheduleExpression`,
`ScheduleExpressionTimezone` and `FlexibleTimeWindow`. The check runs your schedule for a
whole year, through both changes of the clocks; try your idea first with
`cl.exercises.lesson06.baking_plan_runs(plan)`, which returns the runs in Zurich time."""

EXERCISE_5_STUB = """plan = {"ScheduleExpression": ..., "ScheduleExpressionTimezone": ..., "FlexibleTimeWindow": ...}"""

EXERCISE_5_SOLUTION = """plan = {
    "ScheduleExpression": "cron(30 7 ? * MON-SAT *)",
    "ScheduleExpressionTimezone": "Europe/Zurich",
    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
}"""


def exercise_5(nb) -> None:
    replace(nb, "c4a5fbce", EXERCISE_5)
    replace(nb, "c178dae3", EXERCISE_5_STUB)
    replace(nb, "1859e138", EXERCISE_5_SOLUTION)
    replace(nb, "4d6dbfac", 'cl.exercises.check("06.5", plan)')


# -- the new Custom Event Bus ---------------------------------------------------------------------

COMPARISON = """## The new Custom Event Bus

The Classic bus routes an event the moment it arrives and keeps nothing: a consumer that
was not subscribed then never sees it (unless an archive kept it), deliveries come in no
particular order, and nothing removes a producer's duplicates. The **Custom Event Bus**
(launched on 24 September 2026) is built the other way round: it **stores** every event for
a retention period you choose, and each consumer attaches a **subscriber** that reads from
that store. As of December 2026:

| | Custom Event Bus - Classic | Custom Event Bus |
|---|---|---|
| who writes the routing | the bus owner adds a rule per consumer | each consumer creates its own subscriber |
| one route | a rule with up to 5 targets | a subscriber with exactly one target |
| keeps events | no (an archive can keep copies) | yes, 1 to 365 days, set on the bus |
| order | none | `FIFO` subscribers: publish order within an event group; `UNORDERED`: none |
| a consumer that joins late | sees only new events (or a replay from an archive) | can start at the oldest retained event or a timestamp |
| pause a consumer | disable the rule: events meanwhile are lost to it | `STOPPED` keeps the backlog, `RUNNING` resumes it |
| duplicates from producers | delivered | removed at publish by `DeduplicationId` or content, within 5 minutes |
| filters | event patterns | the same patterns **without wildcards**, on data, metadata or system metadata |
| shaping the payload | `Input`, `InputPath`, input transformer | `RAW`, `WITH_METADATA`, or a JSONata expression |
| retries by default | 185 attempts within 24 hours | 5 attempts within 300 seconds |
| API | `events` | `eventbridgev2` (`PutEvents` takes up to 100 entries) |

`course_lib.eventbridge.EventBridgeV2` plays the new bus on the virtual clock, with the
same method names and arguments as boto3's `eventbridgev2` client."""

ORDER_SETUP = """custom = EventBridgeV2(World())
world = custom.world
bus = custom.create_event_bus(
    Name="deliveries", StorageConfiguration={"RetentionPeriodInDays": 7}
)["EventBusArn"]
world.run(until=10)  # the bus is created in the background: CREATING, then ACTIVE
print(custom.describe_event_bus(EventBusArn=bus)["State"])"""

ORDER_INTRO = """The delivery service publishes each order's progress (steps 1 to 4), with the order as
the **event group**. Two subscribers read the same bus, one `UNORDERED` and one `FIFO`,
each with its own tracking function. The tracking service is down from second 5 to 20:"""

ORDER_RUN = """ROLE = "arn:aws:iam::123456789012:role/eventbridge-invoke"
start, arrivals = world.now, {"UNORDERED": [], "FIFO": []}


def tracking(kind):
    def receive(event):
        if 5 <= world.now - start < 20:
            raise cl.eventbridge.TargetError("ServiceUnavailable", "tracking is down")
        detail = event["detail"]
        arrivals[kind].append((world.now - start, detail["order"], detail["step"]))

    return receive


for kind in arrivals:
    arn = FUNCTION + "tracking-" + kind.lower()
    world.register(arn, tracking(kind))
    custom.create_subscriber(
        Name=kind.lower(),
        EventBusArn=bus,
        Type=kind,
        InvokeConfiguration={"RoleArn": ROLE, "TargetArn": arn},
    )"""

ORDER_PUBLISH = """for n in range(12):  # orders A, B, C take turns, one event every 2 seconds
    if n:
        world.run(until=start + 2 * n)
    order, step = "ABC"[n % 3], n // 3 + 1
    entry = {
        "Source": "com.delivery",
        "DetailType": "DeliveryStep",
        "Detail": json.dumps({"order": order, "step": step}),
        "SystemMetadata": {"EventGroupId": order},
    }
    custom.put_events(EventBusArn=bus, Entries=[entry])
world.run()
cl.viz.eventbridge.group_order_plot(arrivals, title="one stream, two subscribers, 15 s of outage")
plt.show()"""

ORDER_READ = """Both subscribers received all twelve events; only the order differs. The `UNORDERED`
subscriber delivers each event on its own, like a Classic rule: the events that fell into
the outage were retried, each on its own back-off, while later events went straight
through, so five of them arrived after a later step of their own order. The `FIFO`
subscriber holds each group back until its oldest event is delivered: group A's step 2
needed retries until second 28, and A's steps 3 and 4 waited behind it, while groups B and
C went on as soon as their own oldest event got through. Order costs latency: a group is
as slow as its slowest event.

Retries end sooner than on a Classic bus: by default 5 attempts within 300 seconds, then
the event goes to the subscriber's dead-letter queue (`OnFailureConfiguration`), or is
dropped without one. An outage of more than a few minutes therefore needs a longer
`RetryPolicy`, or a dead-letter queue and a redrive."""

DEDUP_INTRO = """### Deduplication at publish, and why consumers stay idempotent

A producer that does not hear back from `PutEvents` (a timeout) publishes again. The new
bus can drop such repeats itself: give each entry a `DeduplicationId` (here the event's
idempotency key from lesson 04), and a repeat within **5 minutes** in the same event
group answers `DEDUPLICATED` instead of `PUBLISHED` and is never delivered. The kitchen
below also loses the acknowledgement of its first call, as a function that times out
after doing its work would:"""

DEDUP_RUN = """custom = EventBridgeV2(World())
world = custom.world
bus = custom.create_event_bus(
    Name="orders", StorageConfiguration={"RetentionPeriodInDays": 7}
)["EventBusArn"]
world.run(until=10)
pizzas, start = [], world.now


def kitchen(event):
    pizzas.append(f"{event['detail']['data']['order-id']} at {world.now - start:.0f} s")
    if len(pizzas) == 1:
        raise cl.eventbridge.TargetError("Timeout", "the kitchen's reply was lost")


world.register(FUNCTION + "kitchen", kitchen)
custom.create_subscriber(
    Name="kitchen",
    EventBusArn=bus,
    Type="FIFO",
    InvokeConfiguration={"RoleArn": ROLE, "TargetArn": FUNCTION + "kitchen"},
)
order = cl.events.example_event("OrderCreated")
entry = {
    **order.to_put_events_entry(),
    "SystemMetadata": {
        "EventGroupId": order.detail["data"]["order-id"],
        "DeduplicationId": order.detail["metadata"]["idempotency-key"],
    },
}
for minute in (0, 1, 7):
    if minute:
        world.run(until=start + 60 * minute)
    code = custom.put_events(EventBusArn=bus, Entries=[entry])["Entries"][0]["SuccessCode"]
    print(f"publish at minute {minute}: {code}")
world.run()
print("the kitchen baked:", pizzas)"""

DEDUP_READ = """The repeat one minute later was dropped at the bus. Still, the kitchen baked the same
order three times:

- the **retried delivery** (second 1): the first call did its work but its answer was
  lost, so the subscriber tried again; deduplication happens when an event is published,
  not when it is delivered;
- the **repeat outside the window** (minute 7): after 5 minutes the bus no longer
  remembers the id and publishes the event again.

Deduplication at publish makes duplicates rarer; only an idempotent consumer (lesson 04)
makes them harmless."""

MIGRATION_INTRO = """### Moving a Classic rule to a subscriber

AWS's migration guide maps one Classic rule with N targets to N subscribers. The kitchen's
rule from the section on targets becomes one subscriber: the event pattern becomes a
`DATA` filter unchanged (events published with `PutEvents` are matched with the same
shape), the `InputPath` becomes a JSONata transformer (`$events.Data` is the event), and
the target's retry policy and dead-letter queue move to the subscriber. The Classic
defaults are no longer implied, so a subscriber that should retry for a day says so:"""

MIGRATION_RUN = """custom = EventBridgeV2(World())
world = custom.world
bus = custom.create_event_bus(Name="shop")["EventBusArn"]
world.run(until=10)
kitchen_queue = Queue(world, "kitchen")
custom.create_subscriber(
    Name="kitchen-line",
    EventBusArn=bus,
    FilterConfiguration={
        "Filters": [{"Scope": "DATA", "Pattern": json.dumps(examples["new_orders"])}]
    },
    Transformer={
        "Type": "JSONATA",
        "JsonataConfiguration": {"Expression": "{% $events.Data.detail.data.items %}"},
    },
    RetryPolicy={"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86_400},
    InvokeConfiguration={"RoleArn": ROLE, "TargetArn": kitchen_queue.arn},
)
for name in ("OrderCreated", "PaymentReceived"):
    entry = cl.events.example_event(name).to_put_events_entry()
    custom.put_events(EventBusArn=bus, Entries=[entry])
world.run()
print([m["Body"] for m in kitchen_queue.receive_message(max_messages=10)])"""

MIGRATION_READ = """The kitchen's queue receives the same items as from the Classic rule, and the
payment event does not pass the filter. Two things did change: the **kitchen team**
created this subscriber, where on a Classic bus the bus owner writes the rule; and since the
bus keeps its events, the team could have created it with
`StartingPosition="POINT_IN_TIME"` to first receive the last week's orders. The two buses
also work together: a Classic rule can target a Custom Event Bus and a subscriber a
Classic bus, so a system can move one consumer at a time."""

EXERCISE_PROMPT = """### Exercise 6

Predict, then run. A producer publishes to a Custom Event Bus with one **FIFO**
subscriber; the subscriber's target (payments) refuses the first **two** attempts of the
event `A paid`, and accepts everything else. Seconds after the first publish:

| # | second | event group | step | `DeduplicationId` |
|---|---|---|---|---|
| 1 | 0 | A | placed | `a-placed` |
| 2 | 0 | B | placed | `b-placed` |
| 3 | 1 | A | paid | `a-paid` |
| 4 | 2 | B | paid | `b-paid` |
| 5 | 3 | A | paid | `a-paid` |
| 6 | 4 | A | baked | `a-baked` |
| 7 | 400 | B | paid | `b-paid` |

Which publishes answer `DEDUPLICATED` (their numbers), and in what order does the target
receive the events (written like `"A paid"`)? Write your prediction first; then
`cl.exercises.lesson06.fifo_run()` runs the scenario on the local bus."""

EXERCISE_STUB = """prediction = {"deduplicated": ..., "received": ...}"""

EXERCISE_SOLUTION = """prediction = {
    "deduplicated": [5],
    "received": ["A placed", "B placed", "B paid", "A paid", "A baked", "B paid"],
}"""

EXERCISE_CHECK = """cl.exercises.check("06.6", prediction)"""


def custom_bus(nb) -> None:
    insert_chain(
        nb,
        "158c641c",
        [
            ("b06e0002", "markdown", COMPARISON, {"slide": "slide"}),
            ("b06e0003", "code", ORDER_SETUP),
            ("b06e0004", "markdown", ORDER_INTRO),
            ("b06e0005", "code", ORDER_RUN),
            ("b06e0006", "code", ORDER_PUBLISH),
            ("b06e0007", "markdown", ORDER_READ),
            ("b06e0008", "markdown", DEDUP_INTRO, {"slide": "subslide"}),
            ("b06e0009", "code", DEDUP_RUN),
            ("b06e000a", "markdown", DEDUP_READ),
            ("b06e000b", "markdown", MIGRATION_INTRO, {"slide": "subslide"}),
            ("b06e000c", "code", MIGRATION_RUN),
            ("b06e000d", "markdown", MIGRATION_READ),
        ],
    )
    insert_chain(
        nb,
        "4d6dbfac",
        [
            ("b06e000e", "markdown", EXERCISE_PROMPT, {"slide": "subslide"}),
            ("b06e000f", "code", EXERCISE_STUB),
            ("b06e0010", "code", EXERCISE_SOLUTION, {"solution": True}),
            ("b06e0011", "code", EXERCISE_CHECK),
        ],
    )
    edit(
        nb,
        "636fb87a",
        "from course_lib.eventbridge import EventBridge, test_event_pattern",
        "from course_lib.eventbridge import EventBridge, EventBridgeV2, test_event_pattern",
    )


LIVE_INTRO = """The third cell runs the new Custom Event Bus end to end: a bus, a FIFO subscriber that
delivers to an SQS FIFO queue through a role EventBridge assumes, four publishes of one
order's steps (the third repeats the first's `DeduplicationId`), then it reads the queue.
Offline, moto has no `eventbridgev2`, so the course's local `EventBridgeV2` answers the same
boto3 calls (after boto3 has checked the parameters). The new bus is billed differently from
Classic (per kilobyte published and delivered, plus the retained volume, as of December
2026), so the plan below counts only the queue; four small events cost a tiny fraction of a
cent either way."""

LIVE_CELL = """with cl.aws.session(
    "lesson06",
    creates=["custom-bus:orders", "subscriber:kitchen", "queue:kitchen.fifo", "role:delivery"],
    usage={"sqs_fifo_requests": 6},
) as aws:
    sqs, buses = aws.client("sqs"), aws.client("eventbridgev2")
    queue_url = sqs.create_queue(
        QueueName=aws.name("kitchen.fifo"), Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    send = [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]
    role_arn = aws.service_role("events", "delivery", send)
    bus_arn = buses.create_event_bus(
        Name=aws.name("orders"), StorageConfiguration={"RetentionPeriodInDays": 1}
    )["EventBusArn"]
    buses.get_waiter("event_bus_active").wait(EventBusArn=bus_arn)
    buses.create_subscriber(
        Name=aws.name("kitchen"),
        EventBusArn=bus_arn,
        Type="FIFO",
        InvokeConfiguration={"RoleArn": role_arn, "TargetArn": queue_arn},
    )
    entries = [
        {
            "Source": "com.orders",
            "DetailType": "OrderStep",
            "Detail": json.dumps({"order": "o-1", "step": step}),
            "SystemMetadata": {"EventGroupId": "o-1", "DeduplicationId": f"o-1-{step}"},
        }
        for step in ("placed", "baked", "placed", "delivered")
    ]
    reply = buses.put_events(EventBusArn=bus_arn, Entries=entries)
    print("publishes:", [entry["SuccessCode"] for entry in reply["Entries"]])
    steps = []
    for _ in range(10):  # on AWS delivery takes a moment
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        for message in batch.get("Messages", []):
            steps.append(json.loads(message["Body"])["detail"]["step"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if len(steps) >= 3:
            break
    print("the kitchen's FIFO queue received, in order:", steps)"""


def live_cell(nb) -> None:
    edit(
        nb,
        "40b7082b",
        "account (see lesson 00). They cost well under a cent.",
        "account (see lesson 00). They cost well under a cent.\n\n" + LIVE_INTRO,
    )
    insert_after(
        nb, "76b847f9", "b06e0012", "code", LIVE_CELL, tags=["live-aws", "nbval-ignore-output"]
    )


def summary(nb) -> None:
    edit(
        nb,
        "b0331a17",
        "- **Schedules** (`rate`, six-field `cron`, UTC) turn a rule into a clock.",
        "- **Schedules** (`rate`, six-field `cron`, UTC) turn a rule into a clock.\n"
        "- The new **Custom Event Bus** keeps events (1 to 365 days) and delivers them to\n"
        "  **subscribers** that consumers own: `FIFO` keeps publish order within an event group\n"
        "  (a failing event holds up its own group only), a starting position replays retained\n"
        "  events, deduplication at publish drops repeats within 5 minutes. Consumers stay\n"
        "  idempotent: retried deliveries and late repeats still arrive twice.",
    )
    edit(
        nb,
        "b0331a17",
        "5. Why must a consumer that is fed by a replay be idempotent, even if it never receives\n"
        "   duplicates otherwise?",
        "5. Why must a consumer that is fed by a replay be idempotent, even if it never receives\n"
        "   duplicates otherwise?\n"
        "6. Your payment events must be handled in order per customer. Which bus, which\n"
        "   subscriber type and which event group do you choose, and what does a customer whose\n"
        "   payment keeps failing cost the other customers?",
    )


ANSWER_6 = """6. The new Custom Event Bus, with a `FIFO` subscriber and the customer's id as the
   event group (bounded, unlike an order or payment id that grows without end). A payment
   that keeps failing holds up only that customer's later events, for as long as the
   retry policy allows (300 s by default), while every other customer's group goes on.
   When it finally goes to the dead-letter queue, the customer's later events move on
   without it: order is kept only among the events that are delivered, so someone must
   handle the dead-letter queue before that customer's history is complete."""


def answers(nb) -> None:
    edit(nb, "06-answers", "\n\n</details>", "\n" + ANSWER_6 + "\n\n</details>")


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    for step in (
        title,
        two_kinds_of_bus,
        arrays,
        invalid_pattern,
        no_order,
        custom_bus,
        live_cell,
        summary,
        answers,
        schedules,
        exercise_5,
    ):
        step(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
