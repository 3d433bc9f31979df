import itertools
import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.events import (
    MAX_REQUEST_BYTES,
    PREVIOUS_MAX_REQUEST_BYTES,
    Event,
    ParamValidationError,
    ValidationException,
    check_put_events,
    entry_size,
    request_size,
    slide_event,
)
from course_lib.events.put_events import ENTRY_PARAMETERS, entry_time


def ids():
    counter = itertools.count(1)
    return lambda: f"event-{next(counter)}"


def entry(**fields):
    return {"Source": "com.orders", "DetailType": "OrderCreated", "Detail": "{}", **fields}


def check(entries, **kwargs):
    return check_put_events(entries, new_event_id=ids(), **kwargs)


# -- size ----------------------------------------------------------------------


def test_entry_size_counts_utf8_bytes_and_14_for_time():
    plain = {"Source": "abc", "DetailType": "de", "Detail": '{"k":"é"}', "Resources": ["r1", "€"]}
    assert entry_size(plain) == 3 + 2 + 10 + 2 + 3
    assert entry_size({**plain, "Time": datetime(2025, 1, 1)}) == 20 + 14
    assert entry_size({**plain, "EventBusName": "a-long-bus-name", "TraceHeader": "x"}) == 20
    assert entry_size({"Source": "🍕"}) == 4


def test_an_unpaired_surrogate_counts_one_byte_as_java_does():
    assert entry_size({"Source": "a\ud800b"}) == 3


def test_absent_fields_count_zero():
    assert entry_size({}) == 0
    assert entry_size({"Time": None, "Resources": None}) == 0


def test_request_size_is_the_sum():
    entries = [entry(), entry(Detail='{"a": 1}')]
    assert request_size(entries) == sum(entry_size(e) for e in entries)


texts = st.text(max_size=50)


@given(
    source=texts,
    detail_type=texts,
    detail=texts,
    resources=st.lists(texts, max_size=5),
    has_time=st.booleans(),
)
def test_entry_size_property(source, detail_type, detail, resources, has_time):
    candidate = {"Source": source, "DetailType": detail_type, "Detail": detail}
    candidate["Resources"] = resources
    if has_time:
        candidate["Time"] = datetime(2025, 1, 1)
    expected = sum(
        len(text.encode("utf-8", errors="replace"))
        for text in [source, detail_type, detail, *resources]
    )
    assert entry_size(candidate) == expected + (14 if has_time else 0)


@given(st.lists(st.dictionaries(st.sampled_from(["Source", "DetailType", "Detail"]), texts)))
def test_request_size_is_additive(entries):
    half = len(entries) // 2
    assert request_size(entries) == request_size(entries[:half]) + request_size(entries[half:])


# -- the whole-request limits ------------------------------------------------------------


def test_ten_entries_go_through_eleven_reject_the_whole_call():
    assert check([entry()] * 10)["FailedEntryCount"] == 0
    with pytest.raises(ValidationException) as caught:
        check([entry()] * 11)
    assert caught.value.code == "ValidationException"
    quoted = (
        "PutEventsRequestEntry(time=null, source=com.orders, resources=null, "
        'detailType=OrderCreated, detail={"a": [1, 2]}, eventBusName=null, '
        "traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null)"
    )
    with pytest.raises(ValidationException) as caught:
        check([entry(Detail='{"a":[1,2]}')] * 11)
    assert caught.value.message == (
        f"1 validation error detected: Value '[{', '.join([quoted] * 11)}]' at 'entries' "
        "failed to satisfy constraint: Member must have length less than or equal to 10"
    )


def padded(total_bytes):
    """An entry whose size is exactly ``total_bytes``."""
    overhead = entry_size(entry(Detail='{"p":""}'))
    return entry(Detail=json.dumps({"p": "x" * (total_bytes - overhead)}, separators=(",", ":")))


@pytest.mark.parametrize("limit", [MAX_REQUEST_BYTES, PREVIOUS_MAX_REQUEST_BYTES])
def test_the_request_may_reach_the_limit_but_not_pass_it(limit):
    at_limit = padded(limit)
    assert entry_size(at_limit) == limit
    assert check([at_limit], max_request_bytes=limit)["FailedEntryCount"] == 0
    with pytest.raises(ValidationException) as caught:
        check([padded(limit + 1)], max_request_bytes=limit)
    assert caught.value.message == "Total size of the entries in the request is over the limit."


def test_the_limit_is_on_the_sum_of_the_entries():
    half = padded(MAX_REQUEST_BYTES // 2)
    assert check([half, half])["FailedEntryCount"] == 0
    with pytest.raises(ValidationException):
        check([half, half, entry()])


def test_the_limit_values():
    assert MAX_REQUEST_BYTES == 1024 * 1024
    assert PREVIOUS_MAX_REQUEST_BYTES == 256 * 1024


def test_bad_bus_name_and_long_resource_reject_the_call_with_every_violation():
    with pytest.raises(ValidationException) as caught:
        check([entry(EventBusName="my bus"), entry(Resources=["ok", "r" * 2049])])
    message = caught.value.message
    assert message.startswith("2 validation errors detected: Value 'my bus' at ")
    assert "'entries.1.member.eventBusName' failed to satisfy constraint" in message
    assert "'entries.2.member.resources.2.member' failed to satisfy constraint" in message


def test_bus_names_and_arns_are_accepted():
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/orders"
    assert check([entry(EventBusName="orders"), entry(EventBusName=arn)])["FailedEntryCount"] == 0


# -- what the SDK rejects before sending ---------------------------------------------------


def test_the_sdk_rejects_bad_types_listing_every_problem():
    with pytest.raises(ParamValidationError) as caught:
        check([entry(Source=1, Time="yesterday-ish"), {"Foo": 1}, "not an entry"])
    assert caught.value.problems == (
        "Invalid type for parameter Entries[0].Source, value: 1, type: <class 'int'>, "
        "valid types: <class 'str'>",
        "Invalid type for parameter Entries[0].Time, value: yesterday-ish, type: "
        "<class 'str'>, valid types: <class 'datetime.datetime'>, timestamp-string",
        'Unknown parameter in Entries[1]: "Foo", must be one of: Time, Source, Resources, '
        "DetailType, Detail, EventBusName, TraceHeader",
        "Invalid type for parameter Entries[2], value: not an entry, type: <class 'str'>, "
        "valid types: <class 'dict'>",
    )
    assert str(caught.value).startswith("Parameter validation failed:\n")


def test_the_sdk_rejects_an_empty_request_and_a_non_list():
    with pytest.raises(ParamValidationError, match="valid min length: 1"):
        check([])
    with pytest.raises(ParamValidationError, match="valid types: <class 'list'>"):
        check(entry())


def test_bad_resources_are_rejected_by_the_sdk():
    with pytest.raises(ParamValidationError, match=r"Entries\[0\].Resources\[1\], value: 5"):
        check([entry(Resources=["a", 5])])
    with pytest.raises(ParamValidationError, match=r"Entries\[0\].Resources, value: arn"):
        check([entry(Resources="arn")])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2025, 1, 6, 9), datetime(2025, 1, 6, 9, tzinfo=UTC)),
        ("2025-01-06T10:00:00+01:00", datetime(2025, 1, 6, 9, tzinfo=UTC)),
        ("Mon, 06 Jan 2025 09:00:00 GMT", datetime(2025, 1, 6, 9, tzinfo=UTC)),
        (1736154000, datetime(2025, 1, 6, 9, tzinfo=UTC)),
        ("1736154000", datetime(2025, 1, 6, 9, tzinfo=UTC)),
        (None, None),
    ],
)
def test_entry_time_reads_what_the_sdk_accepts(value, expected):
    assert entry_time(value) == expected


@pytest.mark.parametrize("value", ["soon", "10:00", math.nan, math.inf, [2025]])
def test_entry_time_rejects_everything_else(value):
    with pytest.raises(ValueError, match="timestamp"):
        entry_time(value)


# -- per-entry verdicts ---------------------------------------------------------------------


def invalid_argument(name):
    return {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": f"Parameter {name} is not valid. Reason: {name} is a required argument.",
    }


MALFORMED = {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}


@pytest.mark.parametrize(
    ("bad", "verdict"),
    [
        ({"DetailType": "t", "Detail": "{}"}, invalid_argument("Source")),
        (entry(Source=""), invalid_argument("Source")),
        ({"Source": "s", "Detail": "{}"}, invalid_argument("DetailType")),
        ({"Source": "s", "DetailType": "t"}, invalid_argument("Detail")),
        (entry(Detail=""), invalid_argument("Detail")),
        (entry(Detail="{"), MALFORMED),
        (entry(Detail="[1, 2]"), MALFORMED),
        (entry(Detail='"a string"'), MALFORMED),
        (entry(Detail="42"), MALFORMED),
        (entry(Detail="null"), MALFORMED),
        (entry(Detail="[" * 100_000), MALFORMED),
        (
            entry(Source="aws.ecs"),
            {
                "ErrorCode": "NotAuthorizedForSourceException",
                "ErrorMessage": "Not authorized for the source.",
            },
        ),
    ],
)
def test_a_bad_entry_fails_alone(bad, verdict):
    response = check([entry(), bad, entry()])
    assert response == {
        "FailedEntryCount": 1,
        "Entries": [{"EventId": "event-1"}, verdict, {"EventId": "event-2"}],
    }


def test_detail_type_longer_than_128_characters_fails_the_entry():
    assert check([entry(DetailType="x" * 128)])["FailedEntryCount"] == 0
    [verdict] = check([entry(DetailType="x" * 129)])["Entries"]
    assert verdict["ErrorCode"] == "InvalidArgument"
    assert verdict["ErrorMessage"].startswith("Parameter DetailType is not valid.")


def test_a_request_where_every_entry_fails_reports_every_failure():
    response = check([{"Source": "s"}, entry(Detail="{")])
    assert response["FailedEntryCount"] == 2
    assert all("EventId" not in e for e in response["Entries"])


def test_accepted_entries_become_events():
    event = slide_event()
    response = check([event.to_put_events_entry()])
    [result] = response["Entries"]
    delivered = Event.from_put_events_entry(
        event.to_put_events_entry(), event_id=result["EventId"], received_at=datetime(2030, 1, 1)
    )
    assert delivered.id == "event-1"
    assert delivered.to_dict()["detail"] == event.to_dict()["detail"]


def test_the_check_is_pure():
    entries = [entry(), entry(Source="")]
    snapshot = json.dumps(entries)
    assert check(entries) == check(entries)
    assert json.dumps(entries) == snapshot


# -- agreement with botocore's own parameter validation --------------------------------------

botocore = pytest.importorskip("botocore")

# Epoch seconds beyond year 9999 make botocore itself crash, so the oracle stays below.
SDK_VALUES = (
    st.text(max_size=5)
    | st.integers(min_value=-(10**10), max_value=10**11)
    | st.none()
    | st.booleans()
    | st.lists(st.text(max_size=3) | st.integers(), max_size=2)
    | st.sampled_from(["", "2025-01-06T09:00:00Z", "1736154000", "later", math.nan])
    | st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1))
)
SDK_ENTRIES = st.lists(
    st.dictionaries(st.sampled_from([*ENTRY_PARAMETERS, "Foo"]), SDK_VALUES, max_size=4)
    | st.integers(),
    max_size=3,
)


@pytest.fixture(scope="module")
def botocore_check():
    from botocore.loaders import Loader
    from botocore.model import ServiceModel
    from botocore.validate import ParamValidator

    model = ServiceModel(Loader().load_service_model("events", "service-2"))
    shape = model.operation_model("PutEvents").input_shape
    return lambda entries: ParamValidator().validate({"Entries": entries}, shape)


@settings(max_examples=150)
@given(entries=SDK_ENTRIES)
def test_client_side_problems_match_botocore(botocore_check, entries):
    report = botocore_check(entries)
    try:
        check(entries, max_request_bytes=10**9)
    except ParamValidationError as error:
        assert report.has_errors()
        assert "\n".join(error.problems) == report.generate_report()
    except ValidationException:
        assert not report.has_errors()
    else:
        assert not report.has_errors()
