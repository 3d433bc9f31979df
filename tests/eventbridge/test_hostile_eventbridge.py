"""Hostile input to the classic bus engine: every case ends in a documented outcome, fast.

Each case runs under a wall-clock bound (:func:`bounded`), so a regression to a
backtracking or exponential algorithm fails the test instead of hanging the run. The
outcomes are a boolean answer or one of the package's exceptions (InvalidEventPattern,
InvalidEvent, InvalidInputTransformer) naming the field and the reason.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import string
import warnings
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
    Scheduler,
    test_event_pattern,
)
from course_lib.eventbridge.compiled import PatternMatcher
from course_lib.eventbridge.errors import InvalidInputTransformer, InvalidTransformedInput
from course_lib.eventbridge.pattern_language import PatternWarning, compile_pattern
from course_lib.eventbridge.predicates import pieces_match
from course_lib.eventbridge.reference import pattern_matches
from course_lib.eventbridge.transformer import transform_input
from course_lib.events.put_events import check_put_events
from course_lib.sim.world import World


def both(pattern: Any, event: dict) -> bool:
    """The answer of the reference matcher and of PatternMatcher, which must agree."""
    expected = bounded(test_event_pattern, pattern, {**ENVELOPE, **event})
    got = bounded(PatternMatcher({"r": pattern}).matching, {**ENVELOPE, **event})
    assert got == (["r"] if expected else [])
    return expected


def nested(depth: int, leaf: Any, key: str = "a") -> Any:
    document = leaf
    for _ in range(depth):
        document = {key: document}
    return document


# --- wildcards match in linear time -------------------------------------------------


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("*a*a*b", "a" * 10_000, False),
        ("*a*a*b", "a" * 10_000 + "b", True),
        ("*ab*ab*ab*c", "ab" * 5_000, False),
        ("x*y*z", "x" + "y" * 10_000 + "z", True),
    ],
)
def test_wildcards_never_backtrack(wildcard, value, expected):
    assert both({"detail": {"v": [{"wildcard": wildcard}]}}, {"detail": {"v": value}}) is expected


def test_regex_characters_in_a_wildcard_are_literal():
    pattern = {"v": [{"wildcard": "(a+)+$[*"}]}
    assert both(pattern, {"v": "(a+)+$[ anything"}) is True
    assert both(pattern, {"v": "aaaa"}) is False


def _regex(pieces: tuple[str, ...]) -> re.Pattern:
    return re.compile(".*".join(re.escape(p) for p in pieces), re.DOTALL)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("ab", max_size=3), min_size=1, max_size=5).map(tuple),
    st.text("ab", max_size=12),
)
def test_linear_wildcard_agrees_with_a_regular_expression(pieces, value):
    assert pieces_match(pieces, value) == (_regex(pieces).fullmatch(value) is not None)


@pytest.mark.parametrize("wildcard", ["*a*a*a*a*a*a*a*a*a*b", "x*" * 40 + "y", "*" + "ab*" * 100])
def test_wildcards_with_too_many_repeats_are_rejected_quickly(wildcard):
    with pytest.raises(InvalidEventPattern, match="too complex"):
        bounded(compile_pattern, {"v": [{"wildcard": wildcard}]})


def test_one_long_wildcard_is_accepted_and_matches_quickly():
    rng = random.Random(18)
    literal = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(3800))
    compiled = bounded(compile_pattern, {"v": [{"wildcard": "*" + literal + "*"}]})
    matcher = PatternMatcher({"r": compiled})
    for value, expected in (("x" + literal + "y", True), (literal[:-1] * 2, False)):
        assert bounded(pattern_matches, compiled, {"v": value}) is expected
        assert bounded(matcher.matching, {"v": value}) == (["r"] if expected else [])


def test_many_wildcards_on_one_field_are_rejected_quickly():
    stars = [{"wildcard": "*" + "*".join(c * 3 for c in "abcdefgh") + f"{i}*"} for i in range(30)]
    with pytest.raises(InvalidEventPattern, match="too complex"):
        bounded(compile_pattern, {"v": stars})


# --- array consistency without exponential search ----------------------------------


def test_array_elements_that_repeat_many_fields():
    fields = [f"f{i}" for i in range(12)]
    elements = []
    for missing in range(12):
        elements.append({f: [f"x{j}" for j in range(5)] for f in fields if f != fields[missing]})
    pattern = {"detail": {"items": {f: [{"prefix": "x"}] for f in fields}}}
    assert both(pattern, {"detail": {"items": elements}}) is False
    elements.append({f: ["x0"] for f in fields})
    assert both(pattern, {"detail": {"items": elements}}) is True


def test_nested_arrays_with_many_candidates():
    inner = [{"a": "x", "b": "y"}] * 20 + [{"a": "x"}] * 20
    event = {"outer": [{"inner": inner}] * 30}
    assert both({"outer": {"inner": {"a": ["x"], "b": ["y"]}}}, event) is True
    assert both({"outer": {"inner": {"a": ["x"], "b": ["z"]}}}, event) is False


def test_fields_of_different_elements_do_not_combine():
    event = {"items": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}
    assert both({"items": {"a": [1], "b": [4]}}, event) is False
    assert both({"items": {"a": [3], "b": [4]}}, event) is True


# --- NaN, Infinity, non-UTF-8, non-JSON leaves ---------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{"a": [NaN]}',
        '{"a": [Infinity]}',
        '{"a": [{"numeric": [">", -Infinity]}]}',
        {"a": [float("nan")]},
        {"a": [{"numeric": ["<", float("inf")]}]},
        b'{"a": ["\xff"]}',
        {"a": [{1, 2}]},
        {"a": [datetime(2025, 1, 1, tzinfo=UTC)]},
        {1: ["x"]},
        "[1, 2]",
        "{bad",
    ],
)
def test_patterns_that_are_not_json(pattern):
    with pytest.raises(InvalidEventPattern):
        bounded(compile_pattern, pattern)


@pytest.mark.parametrize(
    "event",
    [
        '{"a": NaN}',
        b'{"a": "\xff"}',
        "{bad",
        {"a": float("inf")},
        {"a": {1, 2}},
        {"a": datetime(2025, 1, 1, tzinfo=UTC)},
    ],
)
def test_events_that_are_not_json(event):
    full = event if not isinstance(event, dict) else {**ENVELOPE, **event}
    with pytest.raises(InvalidEvent):
        bounded(test_event_pattern, {"a": [{"exists": True}]}, full)
    with pytest.raises(InvalidEvent):
        bounded(PatternMatcher({"r": {"a": [{"exists": True}]}}).matching, full)


@pytest.mark.parametrize("text", ["{bad", "[1]", '"text"', b"\xff\xfe", '{"a": 1e999}'])
def test_matching_text_that_is_not_an_event_object(text):
    with pytest.raises(InvalidEvent):
        bounded(PatternMatcher({"r": {"a": [1]}}).matching, text)


@pytest.mark.parametrize(
    "detail",
    ['{"x": NaN}', '{"x": -Infinity}', "[" * 2000 + "]" * 2000, '{"x": 1', "[]", '"s"'],
)
def test_put_events_detail_that_is_not_a_json_object(detail):
    entry = {"Source": "pizza.orders", "DetailType": "t", "Detail": detail}
    answer = bounded(lambda: check_put_events([entry], new_event_id=lambda: "e"))
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail"


# --- numbers out of range -----------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{"a": [' + "9" * 400 + "]}",
        {"a": [10**400]},
        '{"a": [1e400]}',
        {"a": [{"numeric": ["=", 10**400]}]},
        {"a": [{"numeric": [">", 5_000_000_001]}]},
        {"a": [{"anything-but": [10**400]}]},
    ],
)
def test_numbers_out_of_range_are_rejected(pattern):
    with pytest.raises(InvalidEventPattern, match="between|out of range"):
        bounded(compile_pattern, pattern)


def test_large_exact_numbers_within_double_range_are_accepted():
    assert both({"a": [123456789012]}, {"a": 123456789012}) is True


# --- deep nesting --------------------------------------------------------------------


def test_deep_patterns_are_rejected_not_recursion_errors():
    with pytest.raises(InvalidEventPattern):
        bounded(compile_pattern, nested(5000, ["x"]))
    with pytest.raises(InvalidEventPattern):
        bounded(compile_pattern, '{"a":' * 3000 + '["x"]' + "}" * 3000)


def test_a_pattern_700_levels_deep_still_matches():
    pattern, event = nested(700, ["x"], key=""), nested(700, "x", key="")
    assert both(pattern, event) is True


def test_deep_events_are_rejected_or_skipped():
    deep = nested(5000, "x")
    with pytest.raises(InvalidEvent):
        bounded(test_event_pattern, {"a": [{"exists": True}]}, {**ENVELOPE, **deep})
    with pytest.raises(InvalidEvent):
        bounded(
            test_event_pattern,
            {"a": ["x"]},
            json.dumps({**ENVELOPE, "b": 1})[:-1] + ", " + '"d": ' + "[" * 5000 + "]" * 5000 + "}",
        )
    # PatternMatcher walks only the paths its rules use
    assert bounded(PatternMatcher({"r": {"b": ["x"]}}).matching, {**deep, "b": "x"}) == ["r"]


def test_deeply_nested_arrays_around_combined_fields():
    event: Any = {"a": "x", "b": "y"}
    for _ in range(300):
        event = [event]
    with pytest.raises(InvalidEvent, match="nests arrays"):
        both({"v": {"a": ["x"], "b": ["y"]}}, {"v": event})


def test_many_or_branches_are_bounded():
    branches = [{"$or": [{"a": [i]}, {"b": [i]}, {"c": [i]}]} for i in range(8)]
    pattern = {"x": {"$or": [{"$or": branches[:4]}, {"$or": branches[4:]}]}}
    compiled = bounded(compile_pattern, pattern)
    assert len(compiled.subrules) <= 1000
    product = {"$or": [{"a": [1]}, {"b": [1]}, {"c": [1]}, {"d": [1]}]}
    with pytest.raises(InvalidEventPattern, match="combinations"):
        bounded(compile_pattern, {f"k{i}": product for i in range(6)})


# --- empty keys and two spellings of one path -----------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"": ["x"]}, {"": "x"}, True),
        ({"": ["x"]}, {"a": "x"}, False),
        ({"a": {"": ["x"]}}, {"a": {"": "x"}}, True),
        ({"a": {"": ["x"]}}, {"a.": "x"}, True),
        ({"": {"b": ["x"]}}, {"b": "x"}, False),
        ({"": {"b": ["x"]}}, {"": {"b": "x"}}, True),
        ({"": {"b": ["x"]}}, {".b": "x"}, True),
        ({"a.b": ["x"]}, {"a": {"b": "x"}}, True),
        ({"a": {"b": ["x"]}}, {"a.b": "x"}, True),
        ({"": [{"exists": False}]}, {"a": 1}, True),
    ],
)
def test_empty_and_dotted_keys(pattern, event, expected):
    assert both(pattern, event) is expected


def test_two_spellings_of_one_path_warn_and_the_later_wins():
    with pytest.warns(PatternWarning, match="'a.b' twice"):
        compiled = compile_pattern('{"a.b": ["one"], "a": {"b": ["two"]}}')
    assert [f.path for f in compiled.subrules[0].fields] == ["a.b"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PatternWarning)
        assert both({"a.b": ["one"], "a": {"b": ["two"]}}, {"a": {"b": "two"}}) is True
        assert both({"a.b": ["one"], "a": {"b": ["two"]}}, {"a": {"b": "one"}}) is False


# --- the input transformer --------------------------------------------------------------


def test_transformer_on_deep_and_hostile_events():
    context = {"rule_name": "r", "rule_arn": "arn", "event_bus_name": "b", "ingestion_time": "t"}
    deep = {**ENVELOPE, "detail": nested(900, [1, 2])}
    out = bounded(lambda: transform_input({"d": "$.detail"}, '"<d>"', deep, **context))
    assert out.startswith('"{a:{a:') and out.endswith("[1,2]" + "}" * 900 + '"')
    with pytest.raises(InvalidTransformedInput):
        bounded(lambda: transform_input({"d": "$.detail"}, '{"x": "<d>"}', deep, **context))
    with pytest.raises(InvalidEvent):
        bounded(lambda: transform_input(None, "<aws.events.event.json>", '{"a": NaN}', **context))
    for event in ({**ENVELOPE, "when": datetime(2025, 1, 1)}, nested(1500, 1)):
        with pytest.raises(InvalidEvent):
            bounded(
                lambda event=event: transform_input(
                    None, "<aws.events.event.json>", event, **context
                )
            )


# --- generated hostile input ---------------------------------------------------------------

hostile_leaves = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.none(),
    st.booleans(),
    st.sampled_from([datetime(2025, 1, 1, tzinfo=UTC), b"bytes", frozenset({1})]),
)
hostile_json = st.recursive(
    hostile_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["a", "", "a.b", "b", "$or", "numeric"]), children, max_size=3
        ),
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_json, hostile_json)
def test_generated_hostile_patterns_and_events_end_in_documented_outcomes(pattern, event):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PatternWarning)
        try:
            compiled = compile_pattern(pattern)
        except InvalidEventPattern:
            return
    try:
        expected = pattern_matches(compiled, event) if isinstance(event, dict) else None
    except InvalidEvent:
        expected = "invalid"
    try:
        got = PatternMatcher({"r": compiled}).matching(event)
    except InvalidEvent:
        got = "invalid"
    if expected is None:
        assert got == "invalid"
    elif got != "invalid":  # PatternMatcher reads only the paths the rule uses
        assert got == (["r"] if expected is True else [])


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40))
def test_generated_pattern_and_event_text(text):
    with contextlib.suppress(InvalidEventPattern):
        compile_pattern(text)
    with contextlib.suppress(InvalidEvent):
        PatternMatcher({"r": {"a": [{"exists": True}]}}).matching(text)


def test_one_path_through_two_arrays_does_not_explode():
    fields = [f"f{i}" for i in range(20)]
    singles = [{f: "x"} for f in fields]
    event = {"a.b": singles, "a": {"b": singles}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PatternWarning)
        assert both({"a": {"b": {f: ["x"] for f in fields}}}, event) is False
        assert both({"a": {"b": {f: ["x"] for f in fields[:2]}}}, event) is True


# --- buses that forward to each other -------------------------------------------------------

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:sink"
ROLE = "arn:aws:iam::123456789012:role/invoke"


def test_two_classic_buses_that_target_each_other_do_not_multiply_an_event():
    """AWS does not route an event received from a sender bus to a further bus."""
    world = World(seed=1)
    received: list = []
    world.register(FUNCTION, received.append)
    bridge = EventBridge(world)
    bridge.create_event_bus("b")
    a, b = bridge.bus("default").arn, bridge.bus("b").arn
    bridge.put_rule("ab", event_pattern={"source": ["s"]})
    bridge.put_targets("ab", [{"Id": "1", "Arn": b}, {"Id": "2", "Arn": b}])
    bridge.put_rule("ba", event_pattern={"source": ["s"]}, event_bus_name="b")
    bridge.put_targets(
        "ba", [{"Id": "back", "Arn": a}, {"Id": "f", "Arn": FUNCTION}], event_bus_name="b"
    )
    bridge.put_events([{"Source": "s", "DetailType": "t", "Detail": "{}"}])
    bounded(world.run, world.now + 3600)
    assert len(received) == 2  # one per copy that reached bus b
    hops = [r for r in world.trace if r.meta.get("error_code") == "EventBusHopLimit"]
    assert [(r.target, r.outcome) for r in hops] == [("back", "dropped")] * 2


def _custom_buses(world: World, *names: str) -> tuple[EventBridgeV2, list[str]]:
    service = EventBridgeV2(world)
    storage = {"RetentionPeriodInDays": 1}
    arns = [service.create_event_bus(Name=n, StorageConfiguration=storage) for n in names]
    world.run(until=world.now + 10)
    return service, [arn["EventBusArn"] for arn in arns]


def _forward(service: EventBridgeV2, name: str, bus: str, target: str) -> None:
    invoke = {"RoleArn": ROLE, "TargetArn": target}
    service.create_subscriber(Name=name, EventBusArn=bus, InvokeConfiguration=invoke)


def test_a_custom_bus_loop_is_detected_and_a_chain_still_delivers():
    world = World(seed=1)
    received: list = []
    world.register(FUNCTION, received.append)
    service, (a, b, c) = _custom_buses(world, "a", "b", "c")
    _forward(service, "ab1", a, b)
    _forward(service, "ab2", a, b)
    _forward(service, "bc", b, c)
    _forward(service, "ca", c, a)  # back to where the event started
    _forward(service, "sink", c, FUNCTION)
    service.put_events(EventBusArn=a, Entries=[{"Source": "s", "DetailType": "t", "Detail": "{}"}])
    bounded(world.run, world.now + 3600)
    assert len(received) == 2  # a -> b twice -> c -> the function
    loops = [r for r in world.trace if r.meta.get("errorCode") == "LOOP_DETECTED"]
    assert len(loops) == 2 and {r.meta["subscriber"] for r in loops} == {"ca"}
    assert [len(service.buses[n].log) for n in ("a", "b", "c")] == [1, 2, 2]


def test_a_classic_and_a_custom_bus_that_forward_to_each_other_stop():
    world = World(seed=1)
    received: list = []
    world.register(FUNCTION, received.append)
    service, (custom,) = _custom_buses(world, "c")
    bridge = EventBridge(world)
    classic = bridge.bus().arn
    bridge.put_rule("out", event_pattern={"source": ["s"]})
    bridge.put_targets("out", [{"Id": "c", "Arn": custom}, {"Id": "f", "Arn": FUNCTION}])
    _forward(service, "back", custom, classic)
    bridge.put_events([{"Source": "s", "DetailType": "t", "Detail": "{}"}])
    bounded(world.run, world.now + 3600)
    assert len(received) == 2  # from the first pass, and once more after the round trip
    assert len(service.buses["c"].log) == 1


@pytest.mark.parametrize("path", ["$.detail.items[\u0663]", "$.detail[\uff11]"])
def test_json_path_indexes_are_ascii_digits(path):
    context = {"rule_name": "r", "rule_arn": "arn", "event_bus_name": "b", "ingestion_time": "t"}
    with pytest.raises(InvalidInputTransformer, match="not a valid JSON path"):
        transform_input({"x": path}, "<x>", ENVELOPE, **context)


def test_an_event_put_on_a_bus_by_the_scheduler_is_routed_on_to_other_buses():
    """Scheduler is no sender bus: its event goes on to bus targets like any PutEvents."""
    world = World(seed=1)
    received: list = []
    world.register(FUNCTION, received.append)
    bridge = EventBridge(world)
    bridge.create_event_bus("b")
    bridge.put_rule("on", event_pattern={"source": ["timer"]})
    bridge.put_targets("on", [{"Id": "b", "Arn": bridge.bus("b").arn}])
    bridge.put_rule("sink", event_pattern={"source": ["timer"]}, event_bus_name="b")
    bridge.put_targets("sink", [{"Id": "f", "Arn": FUNCTION}], event_bus_name="b")
    target = {
        "Arn": bridge.bus().arn,
        "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
        "EventBridgeParameters": {"DetailType": "tick", "Source": "timer"},
    }
    Scheduler(world).create_schedule(
        Name="tick",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
    )
    bounded(world.run, world.now + 600)
    assert len(received) == 1


def test_deduplication_keeps_constant_work_per_id_in_a_sliding_window():
    """Ids keep arriving while older ones expire: each is remembered and forgotten once."""
    from course_lib.eventbridge.custom_bus.records import DEDUPLICATION_WINDOW, Deduplicator

    dedup = Deduplicator()
    stored: Any = object()
    step = DEDUPLICATION_WINDOW / 30_000  # 30,000 ids alive at any time

    def slide() -> None:
        for n in range(200_000):
            dedup.remember(("acct", None, f"id-{n % 70_000}"), n * step, stored)

    bounded(slide)
    now = 199_999 * step
    assert dedup.earlier(("acct", None, f"id-{199_999 % 70_000}"), now) is stored
    assert dedup.earlier(("acct", None, f"id-{(199_999 - 30_001) % 70_000}"), now) is None
    assert len(dedup._seen) <= 30_001
