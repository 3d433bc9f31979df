"""Hypothesis strategies for events and PutEvents entries, shared by the events tests."""

from datetime import UTC, datetime

from hypothesis import strategies as st

from course_lib.events import Event, format_event_time

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_scalars = json_scalars | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=5)
non_empty_text = st.text(min_size=1, max_size=30)
event_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)
).map(format_event_time)

events = st.builds(
    Event,
    id=non_empty_text,
    source=non_empty_text,
    detail_type=non_empty_text,
    detail=json_objects,
    time=event_times,
    account=st.from_regex(r"[0-9]{12}", fullmatch=True),
    region=st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"]),
    resources=st.lists(st.text(max_size=40), max_size=4).map(tuple),
)
