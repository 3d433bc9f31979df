"""More hostile input: pattern sizes, transformer and target shapes, the Custom Event Bus's
publishing, filters and listing, and EventBridge Scheduler's expressions and dates.

Every case ends in a documented outcome (an answer, a per-entry error code, or one of the
package's exceptions naming the field and the reason), never a Python error from deep
inside an engine, within a wall-clock bound where threads exist (:func:`bounded`).
"""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hostile_events import ENVELOPE, bounded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.eventbridge import (
    EventBridge,
    EventBridgeV2,
    InvalidEvent,
    InvalidEventPattern,
    InvalidInputTransformer,
    InvalidTransformedInput,
    Scheduler,
    ValidationException,
    compile_pattern,
    json_text,
    parse_schedule,
    transform_input,
)
from course_lib.eventbridge.custom_bus import InvalidInputException
from course_lib.eventbridge.custom_bus.records import DEDUPLICATION_WINDOW, Deduplicator
from course_lib.eventbridge.pattern_language import MAX_PATTERN_LENGTH
from course_lib.eventbridge.scheduler import ValidationException as SchedulerValidation
from course_lib.eventbridge.scheduler.expressions import occurrences, parse_expression, zone
from course_lib.sim.world import World

ROLE = "arn:aws:iam::123456789012:role/invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
CONTEXT = {"rule_name": "r", "rule_arn": "arn", "event_bus_name": "b", "ingestion_time": "t"}


# --- pattern size ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        {"a": [10**5000]},
        {"a": [{"numeric": [">", -(10**5000)]}]},
        {"a": [{"anything-but": 10**5000}]},
    ],
)
def test_integers_too_long_to_print_make_the_pattern_too_long(pattern):
    with pytest.raises(InvalidEventPattern, match="characters long"):
        bounded(compile_pattern, pattern)


def test_non_ascii_characters_count_once_toward_the_pattern_length():
    text = "é" * 2000  # 2,000 characters: 12,000 if counted as \\u escapes
    as_dict = {"a": [text]}
    as_text = json.dumps(as_dict, ensure_ascii=False)
    assert len(as_text) < MAX_PATTERN_LENGTH
    assert bounded(compile_pattern, as_dict) == bounded(compile_pattern, as_text)
    with pytest.raises(InvalidEventPattern, match="characters long"):
        bounded(compile_pattern, {"a": ["é" * (MAX_PATTERN_LENGTH - 5)]})


# --- input transformers and targets --------------------------------------------------------


@pytest.mark.parametrize("paths_map", ["abc", 5, [("a", "$")], ("a",)])
def test_a_paths_map_that_is_not_a_map_is_refused(paths_map):
    with pytest.raises(InvalidInputTransformer, match="InputPathsMap"):
        bounded(lambda: transform_input(paths_map, "<a>", ENVELOPE, **CONTEXT))


def test_a_value_too_long_to_print_is_an_invalid_event_not_a_value_error():
    event = {**ENVELOPE, "detail": {"n": 10**5000}}
    for template in ('{"n": <n>}', "<aws.events.event.json>", '"<n>"'):
        with pytest.raises(InvalidEvent, match="cannot be written"):
            bounded(lambda t=template: transform_input({"n": "$.detail.n"}, t, event, **CONTEXT))


def _put_target(target: dict) -> None:
    bus = EventBridge(World(seed=1))
    bus.put_rule("r", event_pattern={"source": ["s"]})
    bus.put_targets("r", [{"Id": "t", "Arn": FN, **target}])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"Input": "[" * 3000 + "]" * 3000}, "nests deeper"),
        ({"Input": '{"a": NaN}'}, "NaN"),
        ({"Input": 5}, "not valid JSON"),
        ({"RetryPolicy": "MaximumRetryAttempts"}, "RetryPolicy .* must be an object"),
        ({"RetryPolicy": [1]}, "RetryPolicy .* must be an object"),
        ({"DeadLetterConfig": "arn"}, "DeadLetterConfig .* must be an object"),
        ({"SqsParameters": []}, "SqsParameters .* must be an object"),
        ({"InputTransformer": {"InputPathsMap": "x", "InputTemplate": "<a>"}}, "InputPathsMap"),
    ],
)
def test_put_targets_refuses_malformed_targets_with_a_validation_error(target, message):
    with pytest.raises(ValidationException, match=message):
        bounded(_put_target, target)


# --- the classic bus's schedules --------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["rate(99999999999999999999 days)", "rate(1000000000 days)", "cron(0 0 1 1 ? 1970)"],
)
def test_a_scheduled_rule_that_never_fires_again_ends_quietly(expression):
    world = World(seed=1)
    calls: list = []
    world.register(FN, calls.append)
    bus = EventBridge(world)
    bus.put_rule("r", schedule_expression=expression)
    bus.put_targets("r", [{"Id": "t", "Arn": FN}])
    bounded(world.run, world.now + 86_400)
    assert calls == []


def test_a_huge_rate_never_fires_past_the_cron_calendar():
    schedule = parse_schedule("rate(99999999999999999999 minutes)")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationException, match="never fires again"):
        schedule.next_after(start, start)


# --- cron fields: every part is checked, not only the first that matches --------------------


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("cron(0 0 31,foo * ? *)", "FOO"),
        ("cron(0 0 LW,foo * ? *)", "FOO"),
        ("cron(0 0 31,0W * ? *)", "W needs a day"),
        ("cron(0 0 40W * ? *)", "W needs a day"),
        ("cron(0 0 W * ? *)", "W needs a day"),
        ("cron(0 0 ? * 2#9 *)", "occurrence 1-5"),
        ("cron(0 0 ? * 2#0 *)", "occurrence 1-5"),
        ("cron(0 0 ? * 9L *)", "out of range"),
        ("cron(0 0 ? * 1-7,0 *)", "out of range"),
        ("cron(0 0 \u0661 * ? *)", "\u0661"),
        ("rate(\u0661 minute)", "expected rate"),
    ],
)
def test_cron_fields_are_validated_part_by_part(expression, reason):
    with pytest.raises(ValidationException, match=reason):
        parse_schedule(expression)
    with pytest.raises(SchedulerValidation):
        parse_expression(expression)


def test_at_with_non_ascii_digits_is_refused():
    with pytest.raises(SchedulerValidation, match="expected at"):
        parse_expression("at(\u0662\u0660\u0662\u0666-01-01T00:00:00)")


cron_part = st.sampled_from(
    ["*", "?", "L", "W", "LW", "1", "15W", "0W", "32W", "5L", "3#2", "3#6", "MON", "foo", "1-5"]
)
cron_field = st.lists(cron_part, min_size=1, max_size=3).map(",".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron_field, cron_field)
def test_generated_day_fields_are_refused_or_compute_a_next_time(day_of_month, day_of_week):
    expression = f"cron(0 12 {day_of_month} * {day_of_week} *)"
    try:
        schedule = parse_schedule(expression)
    except ValidationException:
        return
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moment = start
    for _ in range(3):
        try:
            moment = schedule.next_after(moment, start)
        except ValidationException as error:
            assert "never fires again" in str(error)
            return


# --- Scheduler: dates and times at the edges of the calendar ---------------------------------


NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "tz", "start"),
    [
        ("at(9999-12-31T23:59:59)", "America/New_York", None),
        ("at(0001-01-01T00:00:00)", "Pacific/Kiritimati", None),
        ("rate(99999999999 minutes)", "UTC", None),
        ("rate(1 day)", "UTC", datetime(9999, 12, 31, 12, tzinfo=UTC)),
        ("cron(0 0 * * ? *)", "UTC", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
        ("cron(0 0 * * ? *)", "UTC", datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_occurrences_at_the_edge_of_the_calendar_end_instead_of_overflowing(expression, tz, start):
    times = occurrences(parse_expression(expression), zone(tz), NOW, start=start)
    found = bounded(lambda: list(itertools.islice(times, 3)))
    assert all(t.tzinfo is not None for t in found)


def _schedule(**extra) -> World:
    world = World(seed=1)
    world.register(FN, lambda payload: None)
    params = {
        "Name": "n",
        "ScheduleExpression": "rate(1 minute)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": FN, "RoleArn": ROLE},
        **extra,
    }
    Scheduler(world).create_schedule(**params)
    world.run(until=world.now + 600)
    return world


@pytest.mark.parametrize("moment", [1e300, -1e300, float("nan"), float("inf"), -1e12])
def test_a_timestamp_outside_the_calendar_is_a_validation_error(moment):
    with pytest.raises(SchedulerValidation, match="startDate.*timestamp"):
        bounded(lambda: _schedule(StartDate=moment))


def test_a_schedule_whose_rate_outlasts_the_calendar_runs_once_and_ends():
    bounded(lambda: _schedule(ScheduleExpression="rate(99999999999 minutes)"))


@pytest.mark.parametrize(
    ("text", "reason"), [("[" * 3000 + "]" * 3000, "nests deeper"), ('{"a": NaN}', "NaN")]
)
def test_scheduler_input_must_be_strict_json(text, reason):
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    target = {
        "Arn": bus,
        "RoleArn": ROLE,
        "Input": text,
        "EventBridgeParameters": {"DetailType": "d", "Source": "s"},
    }
    with pytest.raises(SchedulerValidation, match=reason):
        bounded(lambda: _schedule(Target=target))


# --- the Custom Event Bus ---------------------------------------------------------------------


def _custom_bus():
    world = World(seed=1)
    received: list = []
    world.register(FN, received.append)
    eb = EventBridgeV2(world)
    arn = eb.create_event_bus(Name="b", StorageConfiguration={"RetentionPeriodInDays": 1})
    world.run(until=world.now + 10)
    return world, eb, arn["EventBusArn"], received


def _subscribe(eb, bus: str, **extra) -> None:
    invoke = {"RoleArn": ROLE, "TargetArn": FN}
    eb.create_subscriber(Name="s", EventBusArn=bus, InvokeConfiguration=invoke, **extra)


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ('{"a": NaN}', "NaN"),
        ('{"a": -Infinity}', "Infinity"),
        ('{"a":' + "[" * 5000 + "]" * 5000 + "}", "nests deeper"),
        ('{"a": 1' + "0" * 5000 + "}", "not valid JSON"),
    ],
)
def test_custom_bus_put_events_detail_that_is_not_strict_json_is_malformed(detail, reason):
    world, eb, bus, received = _custom_bus()
    _subscribe(eb, bus)
    entry = {"Source": "s", "DetailType": "t", "Detail": detail}
    answer = bounded(lambda: eb.put_events(EventBusArn=bus, Entries=[entry]))
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail"
    assert reason in answer["Entries"][0]["ErrorMessage"]
    world.run(until=world.now + 60)
    assert received == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a": NaN}', "NaN"),
        (b"[" * 5000 + b"]" * 5000, "nests deeper"),
        (b'"\xff"', "UTF-8"),
    ],
)
def test_custom_bus_raw_json_data_that_is_not_strict_json_is_malformed(data, reason):
    _, eb, bus, _ = _custom_bus()
    entry = {"Data": data, "SystemMetadata": {"ContentType": "application/json"}}
    answer = bounded(lambda: eb.put_raw_events(EventBusArn=bus, Entries=[entry]))
    assert answer["Entries"][0]["ErrorCode"] == "MalformedData"
    assert reason in answer["Entries"][0]["ErrorMessage"]


@pytest.mark.parametrize("moment", [1e300, float("nan"), -1e12])
def test_custom_bus_entry_time_outside_the_calendar_is_invalid_input(moment):
    _, eb, bus, _ = _custom_bus()
    entry = {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": moment}
    with pytest.raises(InvalidInputException, match="time.*timestamp"):
        bounded(lambda: eb.put_events(EventBusArn=bus, Entries=[entry]))


def _filter(scope: str, pattern: str) -> dict:
    return {"FilterConfiguration": {"Filters": [{"Scope": scope, "Pattern": pattern}]}}


DEEPEST = 818  # '{"":' levels that fit in the model's 4,096 characters


@pytest.mark.parametrize("scope", ["DATA", "METADATA", "SYSTEM_METADATA"])
@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ('{"":' * (DEEPEST + 1) + '["x"]' + "}" * (DEEPEST + 1), "less than or equal to 4096"),
        ('{"a": [NaN]}', "NaN"),
        ("{bad", "Unexpected|Expecting"),
        ('{"a": [' + "9" * 400 + "]}", "out of range|between"),
    ],
)
def test_malformed_filter_patterns_are_invalid_input(scope, pattern, reason):
    _, eb, bus, _ = _custom_bus()
    with pytest.raises(InvalidInputException, match=reason):
        bounded(lambda: _subscribe(eb, bus, **_filter(scope, pattern)))


def test_the_deepest_filter_the_model_allows_is_compiled_and_matches():
    world, eb, bus, received = _custom_bus()
    pattern = '{"detail":' + '{"":' * (DEEPEST - 3) + '["x"]' + "}" * (DEEPEST - 2)
    assert len(pattern) <= 4096
    bounded(lambda: _subscribe(eb, bus, **_filter("DATA", pattern)))
    detail: Any = "x"
    for _ in range(DEEPEST - 3):
        detail = {"": detail}
    for value in (detail, {"": "y"}):
        entry = {"Source": "s", "DetailType": "t", "Detail": json.dumps(value)}
        bounded(lambda e=entry: eb.put_events(EventBusArn=bus, Entries=[e]))
    world.run(until=world.now + 60)
    assert len(received) == 1


@pytest.mark.parametrize(
    "pattern",
    [
        {"$or": [{"a": ["x"]}, {"b": [{"wildcard": "x*"}]}]},
        {"a": {"b": {"c": [{"anything-but": {"wildcard": ["*x", "y"]}}]}}},
        {"a": [{"wildcard": "plain"}]},
    ],
)
def test_wildcards_are_refused_in_every_branch_of_a_data_filter(pattern):
    _, eb, bus, _ = _custom_bus()
    with pytest.raises(InvalidInputException, match="wildcard"):
        _subscribe(eb, bus, **_filter("DATA", json.dumps(pattern)))


@pytest.mark.parametrize(
    "offset", [b"offset:-1", b"offset:-2", "offset:\u0663".encode(), b"offset:9"]
)
def test_forged_next_tokens_are_refused_not_read_from_the_end(offset):
    _, eb, bus, _ = _custom_bus()
    for n in range(3):
        invoke = {"RoleArn": ROLE, "TargetArn": FN}
        eb.create_subscriber(Name=f"s{n}", EventBusArn=bus, InvokeConfiguration=invoke)
    token = base64.urlsafe_b64encode(offset).decode()
    with pytest.raises(InvalidInputException, match="NextToken"):
        eb.list_subscribers(EventBusArn=bus, NextToken=token, MaxResults=1)


def test_scheduler_refuses_next_tokens_in_other_digits():
    scheduler = Scheduler(World(seed=1))
    with pytest.raises(SchedulerValidation, match="NextToken"):
        scheduler.list_schedules(NextToken="\u0661")


def test_deduplication_memory_stays_linear_with_many_live_ids():
    """Remembering n distinct ids inside one window costs O(n), not O(n) per id."""
    dedup = Deduplicator()
    stored: Any = object()  # stands in for the StoredEvent
    keys = [("acct", "g", f"id-{n}") for n in range(50_000)]

    def remember_all() -> None:
        for key in keys:
            dedup.remember(key, 1.0, stored)

    bounded(remember_all)
    assert dedup.earlier(keys[0], 2.0) is stored
    later = 1.0 + DEDUPLICATION_WINDOW
    dedup.remember(("acct", "g", "late"), later, stored)
    assert dedup.earlier(keys[0], later) is None
    assert dedup.earlier(("acct", "g", "late"), later) is stored


# --- events as deep as PutEvents accepts are delivered ------------------------------------


def _deep_detail(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _deepest_accepted(put) -> int:
    """The deepest Detail ``put`` accepts from this call stack (the limit is 1,000 levels;
    the JSON reader may give out a little earlier under a deep caller, such as pytest)."""
    low, high = 1, 1000
    while low < high:
        middle = (low + high + 1) // 2
        if put(_deep_detail(middle)):
            low = middle
        else:
            high = middle - 1
    assert low > 800
    return low


@pytest.mark.parametrize(
    "target",
    [
        {},
        {"InputPath": "$.detail"},
        {"InputTransformer": {"InputTemplate": "<aws.events.event.json>"}},
        {"InputTransformer": {"InputPathsMap": {"d": "$.detail"}, "InputTemplate": '{"x": <d>}'}},
    ],
)
def test_the_deepest_event_put_events_accepts_reaches_a_classic_target(target):
    """Delivery writes and reads the event with more of the stack in use than PutEvents:
    before, the run itself crashed with a RecursionError."""
    world = World(seed=1)
    received: list = []
    world.register(FN, received.append)
    bus = EventBridge(world)
    bus.put_rule("r", event_pattern={"source": ["s"]})
    bus.put_targets("r", [{"Id": "t", "Arn": FN, **target}])

    def put(detail: str) -> bool:
        entry = {"Source": "s", "DetailType": "t", "Detail": detail}
        return bus.put_events([entry])["FailedEntryCount"] == 0

    depth = _deepest_accepted(put)
    received.clear()
    world.run(until=world.now + 100)
    received.clear()
    assert put(_deep_detail(depth))
    bounded(world.run, world.now + 100)
    assert len(received) == 1


@pytest.mark.parametrize("kind", ["RAW", "WITH_METADATA"])
def test_the_deepest_event_put_events_accepts_reaches_a_subscriber(kind):
    world, eb, bus, received = _custom_bus()
    _subscribe(eb, bus, Transformer={"Type": kind})

    def put(detail: str) -> bool:
        entry = {"Source": "s", "DetailType": "t", "Detail": detail}
        return eb.put_events(EventBusArn=bus, Entries=[entry])["FailedEntryCount"] == 0

    depth = _deepest_accepted(put)
    world.run(until=world.now + 100)
    received.clear()
    assert put(_deep_detail(depth))
    bounded(world.run, world.now + 100)
    assert len(received) == 1


json_documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(json_documents, st.sampled_from([None, 2]))
def test_the_stack_based_json_codec_agrees_with_json(document, indent):
    for separators in ((", ", ": "), (",", ":")):
        expected = json.dumps(document, ensure_ascii=False, separators=separators)
        assert json_text._write_iteratively(document, *separators) == expected
    assert json_text._read_iteratively(json.dumps(document, indent=indent)) == document


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",: 1a\\tnulrue', max_size=20))
def test_the_stack_based_reader_refuses_what_json_refuses(text):
    try:
        expected: Any = json.loads(text)
    except ValueError:
        expected = ValueError
    try:
        got: Any = json_text._read_iteratively(text)
    except ValueError:
        got = ValueError
    assert got == expected


def test_the_codec_reads_documents_deeper_than_the_engines_accept_and_refuses_nan():
    # Deeper than the engines accept (so read with the explicit stack), yet shallow enough
    # that freeing the result stays within the browser's Python's stack.
    text = '{"a":' * 1500 + '[1,{"b":"x"}]' + "}" * 1500
    assert json_text._write_iteratively(json_text.loads(text), ",", ":") == text
    for bad in ('{"a": NaN}', "[" * 1500 + "Infinity" + "]" * 1500):
        with pytest.raises(ValueError, match="not a JSON value"):
            json_text.loads(bad)


def test_a_deep_template_output_is_checked_without_being_built():
    template = "[" * 3000 + "<aws.events.rule-name>" + "]" * 3000
    out = bounded(lambda: transform_input(None, template, ENVELOPE, **CONTEXT))
    assert out == "[" * 3000 + '"r"' + "]" * 3000
    for bad in ("[" * 3000 + "}" * 3000, "[" * 3000 + "]" * 2999, "[" * 3000 + "]" * 3000 + "x"):
        with pytest.raises(ValueError):
            json_text.check(bad)


# --- a template that multiplies the event ---------------------------------------------------


@pytest.mark.parametrize("template", ["<e>" * 2730, "<aws.events.event.json>" * 341])
def test_a_template_cannot_build_more_than_a_target_accepts(template):
    event = {**ENVELOPE, "detail": {"x": "a" * 200_000}}
    with pytest.raises(InvalidTransformedInput, match="more than 1048576 bytes"):
        bounded(lambda: transform_input({"e": "$.detail"}, template, event, **CONTEXT))
    assert len(transform_input({"e": "$.detail"}, "<e>" * 5, event, **CONTEXT)) > 1_000_000


# --- optional members given as None -----------------------------------------------------------


def test_none_for_an_optional_member_is_refused_as_boto3_refuses_it():
    _, eb, _, _ = _custom_bus()
    with pytest.raises(InvalidInputException, match="nextToken.*must not be null"):
        eb.list_event_buses(NextToken=None)
    scheduler = Scheduler(World(seed=1))
    with pytest.raises(SchedulerValidation, match="tags.*must not be null"):
        scheduler.create_schedule_group(Name="g", Tags=None)
    with pytest.raises(SchedulerValidation, match="nextToken.*must not be null"):
        scheduler.list_schedule_groups(NextToken=None)


def test_a_detail_of_the_full_depth_inside_its_envelope_can_be_transformed():
    detail: Any = 1
    for _ in range(1000):  # the most PutEvents accepts in Detail; the envelope adds one
        detail = {"a": detail}
    event = {**ENVELOPE, "detail": detail}
    out = bounded(lambda: transform_input(None, "<aws.events.event.json>", event, **CONTEXT))
    assert json_text.dumps(json_text.loads(out)) == out  # (== on such dicts would recurse)
    assert out.endswith('"detail": ' + '{"a": ' * 1000 + "1" + "}" * 1001)


# --- an event the matcher cannot evaluate fails alone, before anything changes --------------


def _arrays_around(depth: int = 300) -> str:
    value: Any = {"a": "x", "b": "y"}
    for _ in range(depth):
        value = [value]
    return json.dumps({"v": value})


COMBINED = {"detail": {"v": {"a": ["x"], "b": ["y"]}}}


@pytest.mark.parametrize(
    ("rule", "archive"),
    [(COMBINED, None), ({"source": ["s"]}, COMBINED), (COMBINED, {"source": ["s"]})],
)
def test_classic_put_events_fails_only_the_entry_the_matcher_refuses(rule, archive):
    world = World(seed=1)
    received: list = []
    world.register(FN, received.append)
    bus = EventBridge(world)
    bus.put_rule("r", event_pattern=rule)
    bus.put_rule("all", event_pattern={"source": ["s"]})
    for name in ("r", "all"):
        bus.put_targets(name, [{"Id": "t", "Arn": FN}])
    bus.create_archive("a", "default", event_pattern=archive)
    entries = [
        {"Source": "s", "DetailType": "t", "Detail": '{"v": {"a": "x", "b": "y"}}'},
        {"Source": "s", "DetailType": "t", "Detail": _arrays_around()},
    ]
    answer = bounded(bus.put_events, entries)
    assert answer["FailedEntryCount"] == 1
    assert "EventId" in answer["Entries"][0]
    assert answer["Entries"][1]["ErrorCode"] == "InternalException"
    assert "nests arrays" in answer["Entries"][1]["ErrorMessage"]
    world.run(until=world.now + 100)
    assert len(received) == 2  # the first entry, through both rules; nothing of the second
    assert len(bus.archives["a"].events) == 1


def test_custom_bus_put_events_fails_only_the_entry_a_filter_cannot_evaluate():
    world, eb, bus, received = _custom_bus()
    _subscribe(eb, bus, **_filter("DATA", json.dumps(COMBINED)))
    entries = [
        {"Source": "s", "DetailType": "t", "Detail": '{"v": {"a": "x", "b": "y"}}'},
        {"Source": "s", "DetailType": "t", "Detail": _arrays_around()},
    ]
    answer = bounded(lambda: eb.put_events(EventBusArn=bus, Entries=entries))
    assert [e.get("ErrorCode") for e in answer["Entries"]] == [None, "InternalException"]
    world.run(until=world.now + 100)
    assert len(received) == 1


def test_a_replaying_subscriber_whose_filter_cannot_evaluate_a_retained_event_is_refused():
    _, eb, bus, _ = _custom_bus()
    entry = {"Source": "s", "DetailType": "t", "Detail": _arrays_around()}
    assert eb.put_events(EventBusArn=bus, Entries=[entry])["FailedEntryCount"] == 0
    with pytest.raises(InvalidInputException, match="retained event"):
        _subscribe(
            eb,
            bus,
            StartingPosition="POINT_IN_TIME",
            PointInTimeConfiguration={"PointType": "HORIZON"},
            **_filter("DATA", json.dumps(COMBINED)),
        )
    assert eb.list_subscribers(EventBusArn=bus)["Subscribers"] == []


# --- the classic API's names and lists of the wrong type -------------------------------------

CLASSIC_CALLS = {
    "bus": lambda bus, v: bus.bus(v),
    "describe_rule": lambda bus, v: bus.describe_rule(v),
    "describe_rule on a bus": lambda bus, v: bus.describe_rule("r", event_bus_name=v),
    "list_rules prefix": lambda bus, v: bus.list_rules(name_prefix=v),
    "remove_targets": lambda bus, v: bus.remove_targets("r", v),
    "remove_targets item": lambda bus, v: bus.remove_targets("r", [v]),
    "describe_archive": lambda bus, v: bus.describe_archive(v),
    "create_archive source": lambda bus, v: bus.create_archive("a2", v),
    "describe_replay": lambda bus, v: bus.describe_replay(v),
    "create_api_destination": lambda bus, v: bus.create_api_destination(v, lambda p: 200),
    "start_replay name": lambda bus, v: bus.start_replay(
        v, "a", datetime(2020, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC), {}
    ),
    "start_replay filters": lambda bus, v: bus.start_replay(
        "p",
        "a",
        datetime(2020, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 6, 9, tzinfo=UTC),
        {"Arn": bus.bus().arn, "FilterArns": v},
    ),
}


@pytest.mark.parametrize("call", sorted(CLASSIC_CALLS))
@pytest.mark.parametrize("value", [None, 5, 1.5, True, [], ["a"], {}, b"x"], ids=repr)
def test_classic_api_arguments_of_the_wrong_type_are_validation_errors(call, value):
    world = World(seed=1)
    bus = EventBridge(world)
    bus.put_rule("r", event_pattern={"source": ["s"]})
    bus.create_archive("a", "default")
    try:
        CLASSIC_CALLS[call](bus, value)
    except (ValidationException, LookupError) as error:  # LookupError: not found
        assert type(error).__module__.startswith("course_lib.eventbridge")


# --- times with an offset ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    ["2025-01-06T10:00:00+01:00", datetime.fromisoformat("2025-01-06T04:00:00-05:00")],
    ids=str,
)
def test_an_entry_time_with_an_offset_is_stored_in_utc(moment):
    _, eb, bus, _ = _custom_bus()
    entry = {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": moment}
    eb.put_events(EventBusArn=bus, Entries=[entry])
    assert [event.data["time"] for event in eb.bus(bus).log] == ["2025-01-06T09:00:00Z"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_entry_time_outside_the_calendar_in_utc_is_refused(moment):
    entry = {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": moment}
    with pytest.raises(ValidationException, match="Time"):
        EventBridge(World(seed=1)).put_events([entry])
    _, eb, bus, _ = _custom_bus()
    with pytest.raises(InvalidInputException, match="time.*timestamp"):
        eb.put_events(EventBusArn=bus, Entries=[entry])


#: Lone surrogates, made at run time: a module with one in a string literal cannot be
#: imported by the browser's Python, where this suite runs too.
HIGH, LOW = chr(0xD800), chr(0xDFFF)


def test_a_lone_surrogate_in_an_event_is_written_out():
    event = json.loads(json.dumps({**ENVELOPE, "detail": {HIGH: LOW}}))
    out = transform_input(None, "<aws.events.event.json>", event, **CONTEXT)
    assert json.loads(out)["detail"] == {HIGH: LOW}


@pytest.mark.parametrize(
    "entry",
    [
        {"Source": "s", "DetailType": "t", "Detail": '{"a": "' + HIGH + '"}'},
        {"Source": "s" + LOW, "DetailType": "t", "Detail": "{}"},
    ],
    ids=["detail", "source"],
)
def test_a_lone_surrogate_in_a_request_string_is_invalid_input_with_a_printable_message(entry):
    _, eb, bus, _ = _custom_bus()
    with pytest.raises(InvalidInputException, match="valid Unicode") as raised:
        eb.put_events(EventBusArn=bus, Entries=[entry])
    str(raised.value).encode("utf-8")  # the message itself can be printed
    raw = {"Data": "{}", "Metadata": {"k" + HIGH: "v"}}
    raw["SystemMetadata"] = {"ContentType": "application/json"}
    with pytest.raises(InvalidInputException, match="valid Unicode") as raised:
        eb.put_raw_events(EventBusArn=bus, Entries=[raw])
    str(raised.value).encode("utf-8")
    with pytest.raises(SchedulerValidation, match="valid Unicode"):
        _schedule(Target={"Arn": FN, "RoleArn": ROLE, "Input": '{"a": "' + HIGH + '"}'})
