"""Course names and tags, so every resource a live cell creates can be found again.

A resource is called ``eda-course-<lesson>-<name>`` and carries two tags,
``course=serverless-week2-eda`` and ``lesson=<lesson>``. Cleanup looks for the prefix
first and trusts only resources that also carry the course tag.
"""

from __future__ import annotations

import re

PREFIX = "eda-course"
COURSE_TAG_KEY = "course"
COURSE_TAG_VALUE = "serverless-week2-eda"
LESSON_TAG_KEY = "lesson"

_LESSON = re.compile(r"^[a-z0-9]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.fifo)?$")


def check_lesson(lesson: str) -> str:
    """Return ``lesson`` if it is a valid lesson id (lower-case letters and digits)."""
    if not isinstance(lesson, str) or not _LESSON.match(lesson):
        raise ValueError(
            f"lesson: expected lower-case letters and digits such as 'lesson05', got {lesson!r}"
        )
    return lesson


def lesson_prefix(lesson: str | None = None) -> str:
    """The name prefix of every course resource, or of one lesson's resources."""
    return f"{PREFIX}-" if lesson is None else f"{PREFIX}-{check_lesson(lesson)}-"


def resource_name(lesson: str, name: str) -> str:
    """``eda-course-<lesson>-<name>``: the name a lesson gives a resource on AWS."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"name: expected letters, digits, '-' or '_' (and an optional '.fifo' suffix), "
            f"got {name!r}"
        )
    return lesson_prefix(lesson) + name


def course_tags(lesson: str) -> dict[str, str]:
    """The tags every resource of ``lesson`` carries, as a plain mapping."""
    return {COURSE_TAG_KEY: COURSE_TAG_VALUE, LESSON_TAG_KEY: check_lesson(lesson)}


def is_course_tagged(tags: dict[str, str], lesson: str | None = None) -> bool:
    """True if ``tags`` mark a course resource (of ``lesson``, when given)."""
    if tags.get(COURSE_TAG_KEY) != COURSE_TAG_VALUE:
        return False
    return lesson is None or tags.get(LESSON_TAG_KEY) == lesson
