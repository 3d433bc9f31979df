"""Course names, tags and the resource kinds table."""

import pytest

from course_lib.aws import naming, resources


def test_resource_name_has_course_prefix_and_lesson():
    assert naming.resource_name("lesson05", "orders") == "eda-course-lesson05-orders"
    assert naming.resource_name("lesson06", "kitchen.fifo") == "eda-course-lesson06-kitchen.fifo"


@pytest.mark.parametrize("lesson", ["Lesson05", "lesson 5", "", "les-son", 5])
def test_bad_lesson_is_rejected_with_the_reason(lesson):
    with pytest.raises(ValueError, match="lesson: expected lower-case letters and digits"):
        naming.resource_name(lesson, "orders")


@pytest.mark.parametrize("name", ["", "-x", "a b", "a/b", "x.fifo.fifo", None])
def test_bad_name_is_rejected_with_the_reason(name):
    with pytest.raises(ValueError, match="name: expected letters, digits"):
        naming.resource_name("lesson05", name)


def test_course_tags_and_their_check():
    tags = naming.course_tags("lesson07")
    assert tags == {"course": "serverless-week2-eda", "lesson": "lesson07"}
    assert naming.is_course_tagged(tags)
    assert naming.is_course_tagged(tags, "lesson07")
    assert not naming.is_course_tagged(tags, "lesson08")
    assert not naming.is_course_tagged({"lesson": "lesson07"})


def test_plan_parses_kinds_and_full_names():
    planned = resources.plan("lesson06", ["event-bus:pizza", "queue:kitchen"])
    assert [(spec.kind, name) for spec, name in planned] == [
        ("event-bus", "eda-course-lesson06-pizza"),
        ("queue", "eda-course-lesson06-kitchen"),
    ]


def test_plan_rejects_unknown_kinds_bad_entries_and_long_names():
    with pytest.raises(ValueError, match="kind 'lambda' is not one the course creates"):
        resources.plan("lesson06", ["lambda:x"])
    with pytest.raises(ValueError, match=r"expected entries like 'queue:kitchen'"):
        resources.plan("lesson06", ["kitchen"])
    with pytest.raises(ValueError, match="AWS allows 48"):
        resources.plan("lesson06", ["archive:" + "a" * 40])


def test_tags_parameter_speaks_each_services_dialect():
    tags = naming.course_tags("lesson05")
    queue = resources.tags_parameter(resources.KINDS["queue"], {"team": "a"}, tags)
    assert queue == {"team": "a", **tags}
    machine = resources.tags_parameter(resources.KINDS["state-machine"], None, tags)
    assert machine == [
        {"key": "course", "value": "serverless-week2-eda"},
        {"key": "lesson", "value": "lesson05"},
    ]
    own = [{"Key": "team", "Value": "a"}, {"Key": "course", "Value": "other"}]
    table = resources.tags_parameter(resources.KINDS["table"], own, tags)
    assert table == [
        {"Key": "team", "Value": "a"},
        {"Key": "course", "Value": "serverless-week2-eda"},
        {"Key": "lesson", "Value": "lesson05"},
    ]


def test_every_kind_has_a_deleter_and_a_place_in_the_deletion_order():
    from course_lib.aws import deletion

    assert set(resources.DELETION_ORDER) == set(resources.KINDS) == set(deletion._DELETERS)
