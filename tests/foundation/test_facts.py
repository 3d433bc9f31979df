"""The register of dated AWS facts: well formed, agreeing with the installed botocore, dated."""

import datetime
import importlib
import json
import warnings

import botocore.session
import pytest
from botocore.loaders import create_loader

from course_lib import facts
from course_lib.facts import FactError, check_entry, data_file, due_for_recheck, fact

REGISTER = facts.facts()
POINTED = [entry for entry in REGISTER if "botocore" in entry]


def test_the_register_is_found_where_the_rest_of_the_course_finds_its_data():
    assert data_file(facts.FACTS_FILE).is_file()
    assert data_file("integrations.json").is_file()


def test_every_entry_has_the_schema():
    assert len(REGISTER) >= 80
    for entry in REGISTER:
        check_entry(entry, entry["id"])
        assert entry["unit"].strip()
        assert entry["source"].startswith("https://")
        assert datetime.date.fromisoformat(entry["as_of"]) <= datetime.date(2026, 12, 31)


def test_ids_are_unique_and_dotted():
    ids = [entry["id"] for entry in REGISTER]
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and "." in i and " " not in i for i in ids)


def test_fact_returns_a_copy_and_unknown_ids_get_a_suggestion():
    fact("stepfunctions.retrier.defaults")["MaxAttempts"] = 99
    assert fact("stepfunctions.retrier.defaults")["MaxAttempts"] == 3
    with pytest.raises(FactError, match="did you mean sqs.max_message_bytes"):
        fact("sqs.max_message_byte")


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ([], "expected an object"),
        ({"id": "a.b", "unit": "s", "source": "https://x", "as_of": "2026-01-01"}, "value"),
        (
            {"id": "a.b", "value": 1, "unit": "s", "source": "http://x", "as_of": "2026-01-01"},
            "source",
        ),
        (
            {"id": "a.b", "value": 1, "unit": "s", "source": "https://x", "as_of": "1 Jan"},
            "as_of",
        ),
        (
            {
                "id": "a.b",
                "value": 1,
                "unit": "s",
                "source": "https://x",
                "as_of": "2026-01-01",
                "extra": 1,
            },
            "unknown field",
        ),
    ],
)
def test_malformed_entries_are_named(entry, field):
    with pytest.raises(FactError, match=field):
        check_entry(entry)


def test_a_register_file_with_a_duplicate_is_rejected(tmp_path):
    entry = {"id": "a.b", "value": 1, "unit": "s", "source": "https://x", "as_of": "2026-01-01"}
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([entry, entry]))
    with pytest.raises(FactError, match="appears twice"):
        facts.facts(path=path)


def _model_value(pointer: dict):
    model = botocore.session.get_session().get_service_model(pointer["service"])
    shape = model.shape_for(pointer["shape"])
    if "member" in pointer:
        shape = shape.members[pointer["member"]]
    if pointer["constraint"] == "enum":
        return sorted(shape.enum)
    return shape.metadata[pointer["constraint"]]


def _code_value(pointer: dict):
    value = importlib.import_module(pointer["module"])
    for name in pointer["attribute"].split("."):
        value = getattr(value, name)
    for key in pointer.get("key", []):
        value = value[key]
    return value


def _data_value(pointer: dict):
    value = create_loader().load_data(pointer["data"])
    for key in pointer["path"]:
        value = value[key]
    return value


def _botocore_value(pointer: dict):
    if "service" in pointer:
        return _model_value(pointer)
    if "module" in pointer:
        return _code_value(pointer)
    return _data_value(pointer)


@pytest.mark.parametrize("entry", POINTED, ids=[e["id"] for e in POINTED])
def test_every_fact_botocore_also_states_agrees_with_the_installed_botocore(entry):
    expected = entry["value"]
    if isinstance(expected, list):
        expected = sorted(expected)
    assert _botocore_value(entry["botocore"]) == expected


def test_botocore_confirms_a_good_share_of_the_register():
    assert len(POINTED) >= 35


def test_the_edge_reads_the_same_retry_numbers_from_botocore():
    from course_lib.aws.sdk_retries import installed_retry_numbers

    for fact_id, value in installed_retry_numbers().items():
        assert fact(fact_id) == value, fact_id


def test_due_for_recheck_lists_old_facts_only():
    assert due_for_recheck(datetime.date(2026, 12, 6)) == []
    stale = due_for_recheck(datetime.date(2027, 12, 6))
    assert {entry["id"] for entry in stale} == {entry["id"] for entry in REGISTER}


def test_report_facts_due_for_a_recheck():
    """A reminder, not a failure: facts checked more than a year ago are listed as a warning."""
    due = due_for_recheck()
    if due:
        listing = ", ".join(f"{entry['id']} (checked {entry['as_of']})" for entry in due)
        warnings.warn(f"{len(due)} AWS facts are due for a re-check: {listing}", stacklevel=1)


@pytest.mark.parametrize(
    ("module", "name", "fact_id"),
    [
        ("course_lib.sim.queue", "MAX_MESSAGE_BYTES", "sqs.max_message_bytes"),
        ("course_lib.sim.queue", "MAX_VISIBILITY_TIMEOUT", "sqs.visibility_timeout.max_seconds"),
        ("course_lib.sim.queue", "DEDUPLICATION_WINDOW", "sqs.fifo.deduplication_window_seconds"),
        ("course_lib.consistency.item_size", "MAX_ITEM_BYTES", "dynamodb.item_max_bytes"),
        ("course_lib.consistency.item_size", "READ_UNIT_BYTES", "dynamodb.read_unit_bytes"),
        ("course_lib.fallacies", "EVENT_SIZE_LIMIT", "eventbridge.put_events.max_request_bytes"),
        ("course_lib.fallacies", "BILLING_CHUNK_BYTES", "eventbridge.pricing.billing_chunk_bytes"),
        (
            "course_lib.events.idempotency",
            "DEFAULT_EXPIRES_AFTER_SECONDS",
            "powertools.idempotency.default_expires_after_seconds",
        ),
    ],
)
def test_library_constants_read_the_register(module, name, fact_id):
    assert getattr(importlib.import_module(module), name) == fact(fact_id)


def test_live_cell_prices_come_from_the_register():
    from course_lib.aws.pricing import PRICES

    price = PRICES["sqs_fifo_requests"]
    assert price.usd == fact("sqs.pricing.fifo_usd_per_million") / 1_000_000
    assert price.source == facts.source("sqs.pricing.fifo_usd_per_million")
