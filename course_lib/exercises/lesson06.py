"""Checks for lesson 06, Amazon EventBridge.

The pattern and transformer checks run the learner's answer against events the notebook
does not show, so an answer has to follow the requirement, not the examples.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from course_lib.exercises import exercise
from course_lib.sim.queue import queue_arn

# -- shared helpers ----------------------------------------------------------------------------


def _envelope(source: str, detail_type: str, detail: dict, number: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"6e0c0000-0000-4000-8000-{number:012d}",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2025-01-06T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def _order(number: int, items: list[tuple[str, str]], total: Any, **changes: Any) -> dict:
    detail = {
        "metadata": {"idempotency-key": f"k-{number}"},
        "data": {
            "order-id": f"20250106{number:02d}",
            "customer-id": f"cust-{number:04d}",
            "items": [{"pizza": p, "size": s, "quantity": 1} for p, s in items],
            "total-cents": total,
            "currency": changes.pop("currency", "EUR"),
        },
    }
    return _envelope(
        changes.pop("source", "com.orders"),
        changes.pop("detail_type", "OrderCreated"),
        detail,
        number,
    )


def _unfinished(answer: Any) -> str | None:
    """A hint when a dict answer still holds the stub's ``...`` placeholders."""
    if isinstance(answer, Mapping) and any(value is ... for value in answer.values()):
        left = sorted(str(key) for key, value in answer.items() if value is ...)
        return f"replace every `...` in the dict (still open: {', '.join(left)})."
    return None


def _pattern(answer: Any) -> Any:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Mapping):
        return dict(answer)
    raise TypeError("the answer is an event pattern: a dict (or its JSON text)")


# -- 06.1 a pattern for the kitchen's big-order line ---------------------------------------------

#: (event, why it must match) for the events a right pattern matches.
BIG_ORDERS = [
    (_order(1, [("margherita", "large")], 3150), ""),
    (
        _order(2, [("diavola", "medium"), ("funghi", "large")], 5200),
        "a large pizza that is not the first item",
    ),
    (_order(3, [("diavola", "large")], 3000), "an order worth exactly 3000 cents"),
    (_order(4, [("quattro-formaggi", "large"), ("margherita", "large")], 6400), ""),
    (_order(5, [("marinara", "large")], 12_000), "a very large total"),
]
#: (event, what makes it wrong) for events a right pattern must not match.
NOT_BIG_ORDERS = [
    (_order(11, [("margherita", "large")], 2999), "a large pizza, but only 2999 cents"),
    (_order(12, [("margherita", "medium"), ("diavola", "small")], 4200), "no large pizza"),
    (_order(13, [("margherita", "large")], 3500, currency="USD"), "an order paid in USD"),
    (
        _order(14, [("margherita", "large")], 3500, source="com.orders.test"),
        "an event from com.orders.test, not com.orders",
    ),
    (
        _order(15, [("margherita", "large")], 3500, detail_type="OrderCancelled"),
        "an OrderCancelled event",
    ),
    (_order(16, [("margherita", "large")], "3500"), 'a total written as the text "3500"'),
]


@exercise("06.1", "A pattern for the kitchen's big-order line")
def big_order_pattern(answer: Any) -> str | None:
    from course_lib.eventbridge import InvalidEventPattern, test_event_pattern

    try:
        pattern = _pattern(answer)
        for event, why in BIG_ORDERS:
            if not test_event_pattern(pattern, event):
                return (
                    "your pattern misses an order it should match"
                    + (f" ({why})" if why else "")
                    + ". Check each condition against the requirement."
                )
        for event, why in NOT_BIG_ORDERS:
            if test_event_pattern(pattern, event):
                return f"your pattern also matches {why}; it should not."
    except InvalidEventPattern as error:
        return f"AWS would refuse this pattern: {error.reason}."
    return None


# -- 06.2 pick the operator ---------------------------------------------------------------------

OPERATOR_ANSWERS = {
    "a": "cidr",
    "b": "anything-but",
    "c": "exists",
    "d": "numeric",
    "e": "wildcard",
}
_ALIASES = {"anything_but": "anything-but", "anythingbut": "anything-but", "cidr-block": "cidr"}


@exercise("06.2", "Pick the operator")
def pick_the_operator(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return 'the answer is a dict from letter to operator name, e.g. {"a": "prefix", ...}.'
    if _unfinished(answer):
        return _unfinished(answer)
    given = {str(k).strip().lower(): v for k, v in answer.items()}
    missing = sorted(set(OPERATOR_ANSWERS) - set(given))
    if missing:
        return f"answer every requirement: {', '.join(missing)} is missing."
    wrong = []
    for letter, right in OPERATOR_ANSWERS.items():
        value = given[letter]
        name = value.strip().lower().strip("{}\"' ") if isinstance(value, str) else value
        name = _ALIASES.get(name, name)
        if name != right:
            wrong.append(letter)
    if wrong:
        right_count = len(OPERATOR_ANSWERS) - len(wrong)
        return (
            f"{right_count} of {len(OPERATOR_ANSWERS)} are right; look again at "
            f"{', '.join(wrong)} (the operator sections above show what each one tests)."
        )
    return None


# -- 06.3 an input transformer for accounting -----------------------------------------------------


def _payment(number: int, order: str, cents: int, currency: str) -> dict[str, Any]:
    detail = {
        "metadata": {"idempotency-key": f"p-{number}"},
        "data": {
            "order-id": order,
            "payment-id": f"pay-{number:04x}",
            "amount-cents": cents,
            "currency": currency,
        },
    }
    return _envelope("com.payments", "PaymentReceived", detail, number)


#: (event, rule name) pairs the transformer is tried on.
PAYMENTS = [
    (_payment(21, "2025010621", 1850, "EUR"), "notify-accounting"),
    (_payment(22, "2025010622", 4275, "CHF"), "notify-accounting-eu"),
    (_payment(23, "2025010623", 999, "GBP"), "notify-accounting"),
]


def _transformer(answer: Any) -> tuple[Any, Any]:
    if not isinstance(answer, Mapping):
        raise TypeError("the answer is a dict with InputPathsMap and InputTemplate")
    if "InputTransformer" in answer:
        answer = answer["InputTransformer"]
    if "InputTemplate" not in answer:
        raise ValueError('the dict needs an "InputTemplate" (and usually an "InputPathsMap")')
    return answer.get("InputPathsMap"), answer["InputTemplate"]


@exercise("06.3", "An input transformer for accounting")
def accounting_transformer(answer: Any) -> str | None:
    from course_lib.eventbridge import InvalidInputTransformer, transform_input

    if _unfinished(answer):
        return _unfinished(answer)
    try:
        paths, template = _transformer(answer)
    except (TypeError, ValueError) as error:
        return f"{error}."
    for event, rule in PAYMENTS:
        data = event["detail"]["data"]
        try:
            output = transform_input(
                paths,
                template,
                event,
                rule_name=rule,
                rule_arn=f"arn:aws:events:us-east-1:123456789012:rule/{rule}",
                event_bus_name="default",
                ingestion_time="2025-01-06T10:00:01Z",
            )
        except InvalidInputTransformer as error:
            return f"PutTargets would refuse this transformer: {error}"
        try:
            payload = json.loads(output)
        except ValueError:
            return f"the target would receive {output!r}, which is not JSON."
        if not isinstance(payload, dict):
            return "the payload must be a JSON object."
        expected = {
            "order": data["order-id"],
            "cents": data["amount-cents"],
            "currency": data["currency"],
            "rule": rule,
        }
        if set(payload) != set(expected):
            return (
                f"the payload has the keys {sorted(payload)}; it needs exactly {sorted(expected)}."
            )
        if payload["cents"] == str(expected["cents"]):
            return (
                '"cents" arrives as text, not as a number: a placeholder written inside '
                "quotes is inserted as a string."
            )
        for key in ("order", "cents", "currency"):
            if payload[key] != expected[key]:
                return (
                    f'"{key}" is {json.dumps(payload[key])} for a payment whose event says '
                    f"{json.dumps(expected[key])}: take it from the event with a path "
                    "in InputPathsMap, not a constant."
                )
        if payload["rule"] != rule:
            return (
                '"rule" must name the rule that matched, whichever rule it is: one of the '
                "reserved <aws.events.*> variables gives it."
            )
    return None


# -- 06.4 a retry policy and a dead-letter queue -------------------------------------------------

TRACKING_ARN = "arn:aws:lambda:us-east-1:123456789012:function:tracking"
TRACKING_DLQ_ARN = queue_arn("tracking-dlq")
#: The requirement: keep trying at least this long...
MIN_TRYING = 120.0
#: ...and have every event in the dead-letter queue within this many seconds.
MAX_TO_DLQ = 600.0


def outage_run(target: Mapping[str, Any], *, seed: int = 6, events: int = 3) -> list[dict]:
    """Publish ``events`` OrderDispatched events 37 s apart to a rule whose only target is
    ``target``, while the tracking service is down all day; run the world for two days.

    Returns one dict per event: ``retries``, ``last_attempt`` (seconds after publishing),
    ``outcome`` (``dead-lettered``, ``dropped`` or ``pending``) and ``ended`` (when it
    reached the dead-letter queue or was dropped, seconds after publishing).
    """
    from course_lib.eventbridge import EventBridge, TargetError
    from course_lib.sim import Queue, World

    world = World(seed=seed)
    bridge = EventBridge(world)
    Queue(world, "tracking-dlq")

    def tracking(event: Any) -> None:
        raise TargetError("ServiceUnavailable", "the tracking service is down")

    world.register(TRACKING_ARN, tracking)
    bridge.put_rule("track-dispatches", event_pattern={"detail-type": ["OrderDispatched"]})
    bridge.put_targets("track-dispatches", [copy.deepcopy(dict(target))])
    published: dict[str, float] = {}
    for n in range(events):
        if n:
            world.run(until=37.0 * n)
        entry = {
            "Source": "com.delivery",
            "DetailType": "OrderDispatched",
            "Detail": json.dumps({"data": {"order-id": f"o-{n + 1}"}}),
        }
        event_id = bridge.put_events([entry])["Entries"][0]["EventId"]
        published[event_id] = world.now
    world.run(until=2 * 86_400)
    results = []
    for event_id, sent in published.items():
        records = [
            r for r in world.trace if r.kind == "event" and r.meta.get("event_id") == event_id
        ]
        attempts = [r for r in records if r.outcome == "failed"]
        ends = [r for r in records if r.outcome in ("dead-lettered", "dropped")]
        results.append(
            {
                "retries": max(len(attempts) - 1, 0),
                "last_attempt": (attempts[-1].delivered_at - sent) if attempts else 0.0,
                "outcome": ends[0].outcome if ends else "pending",
                "ended": (ends[0].delivered_at - sent) if ends else None,
            }
        )
    return results


@exercise("06.4", "A retry policy and a dead-letter queue")
def retry_policy(answer: Any) -> str | None:
    from course_lib.eventbridge import ValidationException

    if not isinstance(answer, Mapping):
        return "the answer is a target dict, as PutTargets takes it: Id, Arn, RetryPolicy, ..."
    if _unfinished(answer):
        return _unfinished(answer)
    if answer.get("Arn") != TRACKING_ARN:
        return "the target's Arn must be the tracking function's, TRACKING_ARN."
    dead_letter = answer.get("DeadLetterConfig")
    if not isinstance(dead_letter, Mapping) or not dead_letter.get("Arn"):
        return (
            "without a dead-letter queue, EventBridge drops an event once it gives up: "
            "add a DeadLetterConfig."
        )
    if dead_letter["Arn"] != TRACKING_DLQ_ARN:
        return "the DeadLetterConfig's Arn must be the queue's ARN, TRACKING_DLQ_ARN."
    worst_first = None
    for seed in (61, 62, 63):
        try:
            results = outage_run(answer, seed=seed, events=4)
        except ValidationException as error:
            return f"PutTargets would refuse this target: {error}"
        for result in results:
            if result["outcome"] != "dead-lettered" or result["ended"] > MAX_TO_DLQ:
                ended = result["ended"]
                return (
                    "some events are still being retried after 10 minutes"
                    + (f" (one reached the DLQ after {ended / 60:.0f} min)" if ended else "")
                    + ": the default policy keeps trying for up to 24 hours, so limit it."
                )
            if result["last_attempt"] < MIN_TRYING:
                worst_first = min(worst_first or 1e9, result["last_attempt"])
    if worst_first is not None:
        return (
            f"EventBridge gives up after only {worst_first:.0f} s for some events; the "
            "service needs at least 2 minutes of retries to ride out a short blip."
        )
    return None


# -- 06.5 designing a schedule ------------------------------------------------------------------------

#: The kitchen in Zurich wants the day's baking plan in these minutes (local time), Monday to Saturday.
PLAN_EARLIEST, PLAN_LATEST, PLAN_ZONE = (7, 30), (7, 45), "Europe/Zurich"
PLAN_DAYS = 365


def baking_plan_runs(schedule: Mapping[str, Any], *, seed: int = 6) -> list:
    """Run a schedule for a year on the Scheduler and return its runs as Zurich local times.

    ``schedule`` holds the arguments of ``create_schedule`` that shape the timing
    (``ScheduleExpression``, ``ScheduleExpressionTimezone``, ``FlexibleTimeWindow``).
    """
    from zoneinfo import ZoneInfo

    from course_lib.eventbridge import Scheduler
    from course_lib.sim import World

    world = World(seed=seed)
    scheduler = Scheduler(world)
    runs: list = []
    arn = "arn:aws:lambda:eu-central-1:123456789012:function:baking-plan"
    world.register(arn, lambda event: runs.append(world.timestamp()))
    scheduler.create_schedule(
        Name="baking-plan",
        **dict(schedule),
        Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/scheduler"},
    )
    world.run(until=PLAN_DAYS * 86_400)
    return [moment.astimezone(ZoneInfo(PLAN_ZONE)) for moment in runs]


def _plan_days(first, days: int) -> int:
    from datetime import timedelta

    return sum((first + timedelta(days=n)).weekday() < 6 for n in range(days))


@exercise("06.5", "Design a schedule for the baking plan")
def baking_plan(answer: Any) -> str | None:
    hint = _unfinished(answer)
    if hint:
        return hint
    if not isinstance(answer, Mapping):
        return "answer with a dict of create_schedule arguments (ScheduleExpression, ...)."
    unknown = set(answer) - {
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "FlexibleTimeWindow",
    }
    if unknown:
        return f"only the timing arguments belong here, not {', '.join(sorted(unknown))}."
    window = answer.get("FlexibleTimeWindow")
    if not isinstance(window, Mapping) or window.get("Mode") != "FLEXIBLE":
        return (
            "every shop sending at exactly 07:30 hits the kitchen's API at one instant: "
            'spread the runs with FlexibleTimeWindow {"Mode": "FLEXIBLE", ...}.'
        )
    try:
        runs = baking_plan_runs(answer)
    except Exception as error:  # the Scheduler's own validation message is the hint
        return f"the Scheduler refuses it: {error}"
    if not runs:
        return "the schedule never ran in a year: check its expression."
    early = [r for r in runs if (r.hour, r.minute) < PLAN_EARLIEST]
    late = [r for r in runs if (r.hour, r.minute) > PLAN_LATEST]
    if early or late:
        wrong = (early or late)[0]
        summer = any(r.month in (4, 5, 6, 7, 8, 9) for r in early + late)
        zone = "" if answer.get("ScheduleExpressionTimezone") else " (no time zone means UTC)"
        return f"a run came at {wrong:%H:%M} Zurich time on {wrong:%a %d %b}{zone}: " + (
            "daylight saving time moves a UTC schedule by an hour for half the year."
            if summer and not answer.get("ScheduleExpressionTimezone")
            else "every run must land between 07:30 and 07:45 local time, window included."
        )
    weekdays = sorted({r.weekday() for r in runs})
    if weekdays != list(range(6)):
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return f"it runs on {', '.join(names[d] for d in weekdays)}; the kitchen bakes Monday to Saturday."
    days = {r.date() for r in runs}
    if len(days) != len(runs):
        return "some days get the plan twice: once a day is enough."
    expected = _plan_days(runs[0].date(), (runs[-1].date() - runs[0].date()).days + 1)
    if len(days) < expected:
        return f"it ran on {len(days)} of {expected} baking days: some days were missed."
    return None


# -- 06.6 predicting a FIFO subscriber ----------------------------------------------------------------

#: What the producer publishes to a Custom Event Bus: (second, group, step, deduplication id).
FIFO_PUBLISHES = (
    (0, "A", "placed", "a-placed"),
    (0, "B", "placed", "b-placed"),
    (1, "A", "paid", "a-paid"),
    (2, "B", "paid", "b-paid"),
    (3, "A", "paid", "a-paid"),
    (4, "A", "baked", "a-baked"),
    (400, "B", "paid", "b-paid"),
)
#: The payments target refuses the first two attempts of this event.
FIFO_FLAKY = ("A", "paid")


def fifo_run(seed: int = 6) -> dict[str, list]:
    """Publish :data:`FIFO_PUBLISHES` to a FIFO subscriber whose target fails twice.

    Returns the success code of each publish (in publish order) and the events the target
    received, in the order it received them (``"A paid"``...).
    """
    from course_lib.eventbridge import EventBridgeV2, TargetError
    from course_lib.sim import World

    world = World(seed=seed)
    custom = EventBridgeV2(world)
    bus = custom.create_event_bus(Name="orders", StorageConfiguration={"RetentionPeriodInDays": 1})[
        "EventBusArn"
    ]
    world.run(until=10)
    start, refused, received = world.now, [], []

    def payments(event: dict) -> None:
        step = (event["detail"]["group"], event["detail"]["step"])
        if step == FIFO_FLAKY and len(refused) < 2:
            refused.append(world.now)
            raise TargetError("ServiceUnavailable", "payments is restarting")
        received.append(" ".join(step))

    arn = "arn:aws:lambda:us-east-1:123456789012:function:payments"
    world.register(arn, payments)
    custom.create_subscriber(
        Name="payments",
        EventBusArn=bus,
        Type="FIFO",
        InvokeConfiguration={"RoleArn": "arn:aws:iam::123456789012:role/invoke", "TargetArn": arn},
    )
    codes = []
    for second, group, step, key in FIFO_PUBLISHES:
        if start + second > world.now:
            world.run(until=start + second)
        entry = {
            "Source": "com.payments",
            "DetailType": "OrderStep",
            "Detail": json.dumps({"group": group, "step": step}),
            "SystemMetadata": {"EventGroupId": group, "DeduplicationId": key},
        }
        codes.append(
            custom.put_events(EventBusArn=bus, Entries=[entry])["Entries"][0]["SuccessCode"]
        )
    world.run()
    return {"codes": codes, "received": received}


@exercise("06.6", "Predict a FIFO subscriber")
def predict_fifo(answer: Any) -> str | None:
    hint = _unfinished(answer)
    if hint:
        return hint
    if not isinstance(answer, Mapping) or set(answer) != {"deduplicated", "received"}:
        return 'answer with a dict: {"deduplicated": [...], "received": [...]}.'
    truth = fifo_run()
    expected_dedup = [n for n, code in enumerate(truth["codes"], start=1) if code == "DEDUPLICATED"]
    dedup = answer["deduplicated"]
    if not isinstance(dedup, list | tuple) or sorted(dedup) != expected_dedup:
        if isinstance(dedup, list | tuple) and 7 in dedup:
            return (
                "the last publish comes more than 5 minutes after the first `b-paid`: the "
                "deduplication window is 5 minutes, so the bus accepts it again."
            )
        return (
            "deduplication compares the DeduplicationId within 5 minutes, per event group; "
            "which publishes repeat an id the bus saw less than 5 minutes before?"
        )
    received = (
        [str(item).strip() for item in answer["received"]]
        if isinstance(answer["received"], list | tuple)
        else None
    )
    if received == truth["received"]:
        return None
    if received is None or sorted(received) != sorted(truth["received"]):
        return (
            f'the target receives {len(truth["received"])} events, written like "A paid": '
            "one per accepted publish (a deduplicated publish is never delivered)."
        )
    if received.index("A baked") < received.index("A paid"):
        return "a FIFO subscriber never lets an event overtake an earlier one of its group."
    if received.index("B paid") > received.index("A paid"):
        return (
            "a failing event holds up only its own group: while `A paid` is being retried, "
            "group B goes on."
        )
    return "close: check where the late `B paid` (published at 400 s) ends up."
