"""The course's lessons as data: the start page, the README table and progress share it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    number: str
    notebook: str
    title: str
    minutes: int
    builds: str


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "00",
        "00_start_here.ipynb",
        "Start here",
        15,
        "a checked installation and a first virtual clock",
    ),
    Lesson(
        "01",
        "01_fallacies.ipynb",
        "The fallacies of distributed computing",
        75,
        "experiments for all eight fallacies; Brooker's backoff-and-jitter result",
    ),
    Lesson(
        "02",
        "02_coupling.ipynb",
        "Coupling",
        50,
        "a facet-by-facet coupling assessment of nine integration styles",
    ),
    Lesson(
        "03",
        "03_sync_vs_async.ipynb",
        "Synchronous commands vs asynchronous events",
        60,
        "a 30-day availability simulation of sync and async chains",
    ),
    Lesson(
        "04",
        "04_events.ipynb",
        "What an event is",
        70,
        "the pizza shop's event catalogue with schemas and an idempotent consumer",
    ),
    Lesson(
        "05",
        "05_step_functions.ipynb",
        "AWS Step Functions",
        100,
        "state machines run locally, drawn, debugged and priced",
    ),
    Lesson(
        "06",
        "06_eventbridge.ipynb",
        "Amazon EventBridge",
        105,
        "event patterns, transformers, retries, DLQ and replay; the new Custom Event Bus; Scheduler",
    ),
    Lesson(
        "07",
        "07_better_together.ipynb",
        "Better together: orchestration and choreography",
        70,
        "the pizza shop end to end, 1,000 orders, with faults injected",
    ),
    Lesson(
        "08",
        "08_consistency.ipynb",
        "Strong and eventual consistency",
        65,
        "a replicated store, PBS curves, a linearizability checker, a saga",
    ),
)
