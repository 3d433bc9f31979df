"""Delivering one event to one target: at least once, with AWS's retry policy and DLQ.

Each (event, rule, target) delivery is a SimPy process on the world's clock. A failed
attempt is retried after an exponential back-off with jitter until the target's
``MaximumRetryAttempts`` (default 185) or ``MaximumEventAgeInSeconds`` (default 24 h)
runs out; a non-retriable error (a missing target, an HTTP 4xx) ends it at once. The
event then goes to the target's dead-letter queue with AWS's message attributes, or is
dropped when there is none. Every attempt is written to ``world.trace``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from course_lib.eventbridge import json_text
from course_lib.eventbridge.errors import InvalidEvent, InvalidTransformedInput
from course_lib.eventbridge.targets import ApiDestination, Target, TargetError
from course_lib.sim.world import TraceRecord, World

#: First retry waits about this long (seconds); each further retry doubles it...
BACKOFF_BASE = 1.0
#: ...up to this cap, so 185 attempts spread over roughly the 24 h AWS documents.
BACKOFF_CAP = 600.0


@dataclass(frozen=True)
class DeliveryContext:
    """Where a delivery comes from: the bus, the rule and its ARN.

    ``from_bus`` is False for a sender that is no event bus (EventBridge Scheduler): a bus
    that receives such an event routes it as one put to it, on to other buses too.
    """

    bus_name: str
    rule_name: str
    rule_arn: str
    from_bus: bool = True


def backoff_delay(retry: int, rng) -> float:
    """Seconds before retry number ``retry`` (1-based): capped exponential, half jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (retry - 1))
    return ceiling * (0.5 + 0.5 * rng.random())


def invoke(
    world: World, target: Target, event: Mapping[str, Any], payload: str, *, from_bus: bool = True
) -> None:
    """Call whatever is registered under the target's ARN; raise TargetError on failure."""
    if not world.has_service(target.arn):
        raise TargetError(
            "ResourceNotFoundException",
            f"Target {target.arn} does not exist.",
            retriable=False,
            dlq_code="NO_RESOURCE",
        )
    service = world.service(target.arn)
    try:
        if hasattr(service, "receive_event"):
            service.receive_event(dict(event), from_bus=from_bus)
        elif isinstance(service, ApiDestination):
            service.invoke(payload, world.now)
        elif hasattr(service, "send_message"):
            extra = {}
            if target.message_group_id:  # a FIFO queue: the event id deduplicates retries
                extra = {"group_id": target.message_group_id, "deduplication_id": event["id"]}
            service.send_message(payload, **extra)
        elif hasattr(service, "start_execution"):
            service.start_execution(input=payload)
        elif callable(service):
            try:
                argument = json_text.loads(payload)
            except ValueError:
                argument = payload
            service(argument)
        else:
            raise TargetError(
                "InvalidTarget",
                f"{target.arn} is registered but is not a function, queue, state machine, "
                "event bus or API destination.",
                retriable=False,
                dlq_code="INVALID_PARAMETER",
            )
    except TargetError:
        raise
    except Exception as exc:  # a failing target, whatever it raised
        code = getattr(exc, "code", type(exc).__name__)
        raise TargetError(str(code), str(exc)) from exc


def deliver(
    world: World,
    event: Mapping[str, Any],
    target: Target,
    context: DeliveryContext,
    *,
    latency: tuple[float, float],
    duplicate_rate: float,
    on_failure: Callable[[TargetError, int, str | None], None] | None = None,
    attempt_payload: Callable[[str, int], str] | None = None,
) -> Generator:
    """The SimPy process that delivers ``event`` to ``target`` (see the module docstring).

    Its value is True once delivered, False once given up. ``on_failure(error, attempts,
    exhausted_condition)`` replaces the classic dead-letter message when a caller (the
    Custom Event Bus) writes its own kind of dead-letter record. ``attempt_payload(payload,
    attempt)`` rewrites the payload for each attempt (Scheduler's attempt number).
    """
    rng = world.rng("eventbridge.delivery")
    sent_at = world.now
    try:
        payload = target.payload(
            event,
            rule_name=context.rule_name,
            rule_arn=context.rule_arn,
            bus_name=context.bus_name,
            ingestion_time=world.timestamp(sent_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    except (InvalidTransformedInput, InvalidEvent) as error:
        # AWS drops an invocation whose input is not JSON (or that it cannot write)
        dropped = TargetError(type(error).__name__, str(error), retriable=False)
        _record(world, sent_at, target, context, event, None, "dropped", 0, dropped)
        return False
    attempt = 0
    template = payload
    while True:
        attempt += 1
        if attempt_payload is not None:
            payload = attempt_payload(template, attempt)
        yield world.env.timeout(rng.uniform(*latency))
        service = world.service(target.arn) if world.has_service(target.arn) else None
        if isinstance(service, ApiDestination):
            yield world.env.timeout(service.next_slot(world.now) - world.now)
        try:
            invoke(world, target, event, payload, from_bus=context.from_bus)
        except TargetError as error:
            _record(world, sent_at, target, context, event, payload, "failed", attempt, error)
            condition = _exhausted(target, error, attempt, world.now - sent_at)
            delay = None if condition or not error.retriable else backoff_delay(attempt, rng)
            if delay is not None and world.now + delay - sent_at > target.maximum_event_age:
                condition = "MaximumEventAgeInSeconds"
            if delay is None or condition:
                if on_failure is None:
                    _dead_letter(world, sent_at, target, context, event, error, attempt, condition)
                else:
                    on_failure(error, attempt, condition)
                return False
            yield world.env.timeout(delay)
            continue
        _record(world, sent_at, target, context, event, payload, "delivered", attempt)
        if duplicate_rate and rng.random() < duplicate_rate:
            yield world.env.timeout(rng.uniform(*latency))
            try:
                invoke(world, target, event, payload, from_bus=context.from_bus)
                _record(world, sent_at, target, context, event, payload, "duplicate", attempt)
            except TargetError as error:
                _record(world, sent_at, target, context, event, payload, "failed", attempt, error)
        return True


def _exhausted(target: Target, error: TargetError, attempt: int, age: float) -> str | None:
    if not error.retriable:
        return None
    if attempt > target.maximum_retry_attempts:
        return "MaximumRetryAttempts"
    if age >= target.maximum_event_age:
        return "MaximumEventAgeInSeconds"
    return None


def record_outcome(
    world: World,
    sent_at: float,
    target: Target,
    context: DeliveryContext,
    event: Mapping[str, Any],
    outcome: str,
    error: TargetError,
) -> None:
    """Trace a delivery that ends before any attempt (``dropped``), with its reason."""
    _record(world, sent_at, target, context, event, None, outcome, 0, error)


def _record(
    world: World,
    sent_at: float,
    target: Target,
    context: DeliveryContext,
    event: Mapping[str, Any],
    payload: Any,
    outcome: str,
    attempt: int,
    error: TargetError | None = None,
) -> None:
    meta = {"rule": context.rule_name, "event_id": event.get("id"), "attempt": attempt}
    if error is not None:
        meta.update(error_code=error.code, error_message=error.message)
    world.trace.append(
        TraceRecord(
            sent_at, context.bus_name, target.id, "event", payload, world.now, outcome, meta
        )
    )


def _dead_letter(
    world: World,
    sent_at: float,
    target: Target,
    context: DeliveryContext,
    event: Mapping[str, Any],
    error: TargetError,
    attempts: int,
    condition: str | None,
) -> None:
    attributes = {
        "RULE_ARN": context.rule_arn,
        "TARGET_ARN": target.arn,
        "ERROR_CODE": error.dlq_code,
        "ERROR_MESSAGE": f"{error.code}: {error.message}",
        "RETRY_ATTEMPTS": attempts - 1,
    }
    if condition:
        attributes["EXHAUSTED_RETRY_CONDITION"] = condition
    body = json_text.dumps(event)
    dlq_arn = target.dead_letter_arn
    if dlq_arn and world.has_service(dlq_arn):
        world.service(dlq_arn).send_message(body, **attributes)
        outcome, where = "dead-lettered", dlq_arn
    else:
        outcome, where = "dropped", dlq_arn or "none"
    meta = {"rule": context.rule_name, "event_id": event.get("id"), "dlq": where, **attributes}
    world.trace.append(
        TraceRecord(sent_at, context.bus_name, target.id, "event", body, world.now, outcome, meta)
    )
