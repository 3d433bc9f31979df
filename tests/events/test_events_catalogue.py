import json

import pytest
from jsonschema import Draft202012Validator

from course_lib.events import (
    CATALOGUE,
    SOURCES,
    Event,
    catalogue_table,
    data_dir,
    event_type,
    event_types,
    example_event,
    slide_event,
)
from course_lib.sim.world import World

STORY = {
    "OrderCreated",
    "PaymentReceived",
    "PizzaPrepared",
    "PizzaBaked",
    "OrderDispatched",
    "OrderDelivered",
    "PaymentRefunded",
    "OrderCancelled",
}


def test_the_story_events_are_all_catalogued_once():
    names = [t.name for t in event_types()]
    assert set(names) >= STORY
    assert len(names) == len(set(names))


def test_every_domain_publishes_and_only_under_its_own_source():
    assert {t.source for t in CATALOGUE} == set(SOURCES)
    for t in CATALOGUE:
        assert t.source == f"com.{t.domain}"


def test_data_dir_is_the_repository_data_folder():
    assert (data_dir() / "schemas").is_dir()
    assert (data_dir() / "events").is_dir()


def test_one_schema_and_one_example_per_event_type_and_nothing_else():
    assert sorted(p.name for p in (data_dir() / "schemas").glob("*.schema.json")) == sorted(
        f"{t.name}.schema.json" for t in CATALOGUE
    )
    assert sorted(p.name for p in (data_dir() / "events").glob("*.json")) == sorted(
        f"{t.name}.json" for t in CATALOGUE
    )


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda t: t.name)
def test_schema_is_valid_2020_12_with_valid_examples(kind):
    schema = kind.schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] == kind.name
    assert schema["x-amazon-events-source"] == kind.source
    assert schema["x-amazon-events-detail-type"] == kind.name
    assert schema["required"] == ["metadata", "data"]
    assert "order-id" in schema["properties"]["data"]["required"]
    assert schema["examples"]
    validator = Draft202012Validator(schema)
    for example in schema["examples"]:
        assert list(validator.iter_errors(example)) == []


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda t: t.name)
def test_example_event_matches_its_catalogue_entry(kind):
    event = example_event(kind.name)
    assert event.detail_type == kind.name
    assert event.source == kind.source
    assert event.to_dict()["detail"] == kind.schema()["examples"][0]
    with kind.example_path.open() as handle:
        assert json.load(handle) == event.to_dict()


def test_schema_returns_a_copy():
    kind = event_type("PizzaBaked")
    kind.schema()["title"] = "changed"
    assert kind.schema()["title"] == "PizzaBaked"


def test_unknown_detail_type_is_a_clear_error():
    with pytest.raises(LookupError, match="'PizzaEaten' is not in the catalogue"):
        event_type("PizzaEaten")


def test_catalogue_table_lists_every_type():
    rows = catalogue_table()
    assert [row["name"] for row in rows] == [t.name for t in CATALOGUE]
    assert set(rows[0]) == {"name", "source", "domain", "description"}


SLIDE = {
    "source": "com.orders",
    "detail-type": "PizzaBaked",
    "detail": {
        "metadata": {"idempotency-key": "c1b95b88", "callbackToken": "897bfeojnwj"},
        "data": {"order-id": "1073459984"},
    },
}


@pytest.mark.parametrize("event", [slide_event(), slide_event(World(seed=5))])
def test_slide_event_is_exactly_the_slide(event):
    assert isinstance(event, Event)
    as_dict = event.to_dict()
    assert {key: as_dict[key] for key in SLIDE} == SLIDE
