"""Local Amazon EventBridge on a world's virtual clock: buses, rules, targets, archives.

``EventBridge(world)`` registers itself on the world as service ``"events"`` and each bus
under its ARN, so a state machine publishes with ``world.service("events").put_events``
and a rule can route to another bus. Requests and responses use the AWS API's shapes
(PutEvents entries and results, PutTargets target dicts, ListRules rules).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from course_lib.eventbridge.archive import Archive, Replay
from course_lib.eventbridge.compiled import PatternMatcher
from course_lib.eventbridge.delivery import DeliveryContext, deliver, record_outcome
from course_lib.eventbridge.errors import (
    InvalidEvent,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from course_lib.eventbridge.pattern_language import CompiledPattern, compile_pattern
from course_lib.eventbridge.predicates import AnythingBut, Wildcard
from course_lib.eventbridge.reference import test_event_pattern
from course_lib.eventbridge.regional import (
    DEFAULT_ACCOUNT,
    DEFAULT_LATENCY,
    DEFAULT_REGION,
    RegionalService,
)
from course_lib.eventbridge.schedules import Schedule, parse_schedule
from course_lib.eventbridge.targets import (
    MAX_TARGETS_PER_RULE,
    ApiDestination,
    Target,
    TargetError,
    parse_target,
)
from course_lib.events.envelope import format_event_time
from course_lib.events.put_events import PutEventsError, check_put_events, entry_time
from course_lib.sim.world import World

DEFAULT_BUS = "default"
MAX_WILDCARD_RULES_PER_BUS = 30
RULE_NAME = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")
BUS_NAME = re.compile(r"[/\.\-_A-Za-z0-9]{1,256}")
ARCHIVE_NAME = re.compile(r"[\.\-_A-Za-z0-9]{1,48}")
REPLAY_NAME = API_DESTINATION_NAME = RULE_NAME


@dataclass
class Rule:
    """A rule on a bus: a pattern or a schedule, and up to five targets."""

    name: str
    arn: str
    bus_name: str
    state: str
    pattern_text: str | None = None
    compiled: CompiledPattern | None = None
    schedule_expression: str | None = None
    schedule: Schedule | None = None
    description: str | None = None
    targets: dict[str, Target] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        description = {
            "Name": self.name,
            "Arn": self.arn,
            "State": self.state,
            "EventBusName": self.bus_name,
        }
        if self.pattern_text is not None:
            description["EventPattern"] = self.pattern_text
        if self.schedule_expression is not None:
            description["ScheduleExpression"] = self.schedule_expression
        if self.description is not None:
            description["Description"] = self.description
        return description


class EventBus:
    """One event bus: its rules (compiled together) and the archives fed from it."""

    def __init__(self, bridge: EventBridge, name: str, arn: str) -> None:
        self.bridge = bridge
        self.name = name
        self.arn = arn
        self.rules: dict[str, Rule] = {}
        self.matcher = PatternMatcher()

    def receive_event(self, event: dict, *, from_bus: bool = True) -> None:
        """An event routed here by a rule on another bus, a Custom Event Bus subscriber or
        (``from_bus=False``) EventBridge Scheduler.

        As AWS documents, EventBridge does not route an event received from a sender bus to
        a further event bus: this bus's other targets get it, its bus targets do not, so two
        buses that target each other cannot pass an event back and forth forever.
        """
        self.bridge.route(self, event, from_bus=from_bus)


def _uses_wildcards(compiled: CompiledPattern) -> bool:
    return any(
        isinstance(p, Wildcard) or (isinstance(p, AnythingBut) and p.wildcards)
        for subrule in compiled.subrules
        for f in subrule.fields
        for p in f.predicates
    )


def _input_kind(target: Target) -> str:
    """What a target receives: ``Input``, ``InputPath``, ``InputTransformer`` or ``event``."""
    if target.input is not None:
        return "Input"
    if target.input_path is not None:
        return "InputPath"
    if target.input_template is not None:
        return "InputTransformer"
    return "event"


def _entry_error(code: str, message: str) -> dict[str, str]:
    return {"ErrorCode": code, "ErrorMessage": message}


def _string(value: Any, field: str) -> str:
    """``value`` when it is a string; otherwise the ValidationException boto3 would raise."""
    if not isinstance(value, str):
        raise ValidationException(
            f"Parameter {field} must be a string, got {type(value).__name__} {value!r:.60}."
        )
    return value


def _strings(values: Any, field: str) -> list[str]:
    """A non-empty list of strings, or a ValidationException naming ``field``."""
    if not isinstance(values, list | tuple) or not values:
        raise ValidationException(f"Parameter {field} must be a non-empty list of strings.")
    return [_string(value, f"{field}[{index}]") for index, value in enumerate(values)]


class EventBridge(RegionalService):
    """The EventBridge service of one account and region, running on ``world``."""

    def __init__(
        self,
        world: World,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        latency: tuple[float, float] = DEFAULT_LATENCY,
        duplicate_rate: float = 0.0,
        replay_rate: float = 50.0,
    ) -> None:
        super().__init__(world, "events", "events", account=account, region=region, latency=latency)
        self.duplicate_rate = duplicate_rate
        self.replay_rate = replay_rate
        self.buses: dict[str, EventBus] = {}
        self.archives: dict[str, Archive] = {}
        self.replays: dict[str, Replay] = {}
        self.api_destinations: dict[str, ApiDestination] = {}
        self._schedule_generation: dict[str, int] = {}
        self._new_bus(DEFAULT_BUS)

    # -- ARNs and lookups -------------------------------------------------------
    def _new_bus(self, name: str) -> EventBus:
        bus = EventBus(self, name, self._arn(f"event-bus/{name}"))
        self.buses[name] = bus
        self.world.register(bus.arn, bus)
        return bus

    def bus(self, name_or_arn: str = DEFAULT_BUS) -> EventBus:
        """The bus called (or with the ARN) ``name_or_arn``."""
        _string(name_or_arn, "EventBusName")
        name = (
            name_or_arn.rsplit("event-bus/", 1)[-1]
            if name_or_arn.startswith("arn:")
            else name_or_arn
        )
        try:
            return self.buses[name]
        except KeyError:
            raise ResourceNotFoundException(f"Event bus {name_or_arn} does not exist.") from None

    def _rule(self, name: str, bus_name: str) -> Rule:
        _string(name, "Rule")
        bus = self.bus(bus_name)
        try:
            return bus.rules[name]
        except KeyError:
            raise ResourceNotFoundException(
                f"Rule {name} does not exist on EventBus {bus.name}."
            ) from None

    # -- buses ------------------------------------------------------------------
    def create_event_bus(self, name: str) -> dict[str, str]:
        if not isinstance(name, str) or not BUS_NAME.fullmatch(name):
            raise ValidationException(f"Event bus name {name!r} is not valid.")
        if name in self.buses:
            raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
        return {"EventBusArn": self._new_bus(name).arn}

    def delete_event_bus(self, name: str) -> None:
        if name == DEFAULT_BUS:
            raise ValidationException("Cannot delete event bus default.")
        bus = self.bus(name)
        if bus.rules:
            raise ValidationException(f"Event bus {name} still has rules; delete them first.")
        del self.buses[name]

    def list_event_buses(self) -> dict[str, list]:
        return {"EventBuses": [{"Name": b.name, "Arn": b.arn} for b in self.buses.values()]}

    # -- rules ------------------------------------------------------------------
    def put_rule(
        self,
        name: str,
        *,
        event_pattern: Mapping[str, Any] | str | None = None,
        schedule_expression: str | None = None,
        event_bus_name: str = DEFAULT_BUS,
        state: str = "ENABLED",
        description: str | None = None,
    ) -> dict[str, str]:
        """Create or update a rule; the pattern and schedule are validated as AWS does."""
        if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
            raise ValidationException(
                f"Rule name {name!r} must be 1 to 64 letters, digits, '.', '-' or '_'."
            )
        if state not in ("ENABLED", "DISABLED"):
            raise ValidationException(f"State must be ENABLED or DISABLED, got {state!r}.")
        if event_pattern is None and schedule_expression is None:
            raise ValidationException(
                "Parameter(s) EventPattern or ScheduleExpression must be specified."
            )
        bus = self.bus(event_bus_name)
        if schedule_expression is not None and bus.name != DEFAULT_BUS:
            raise ValidationException(
                "ScheduleExpression is supported only on the default event bus."
            )
        compiled = pattern_text = None
        if event_pattern is not None:
            compiled = compile_pattern(event_pattern)
            pattern_text = (
                event_pattern if isinstance(event_pattern, str) else json.dumps(event_pattern)
            )
            if _uses_wildcards(compiled):
                others = sum(
                    1
                    for other in bus.rules.values()
                    if other.name != name and other.compiled and _uses_wildcards(other.compiled)
                )
                if others >= MAX_WILDCARD_RULES_PER_BUS:
                    raise LimitExceededException(
                        f"Event bus {bus.name} already has {MAX_WILDCARD_RULES_PER_BUS} rules with wildcards."
                    )
        schedule = parse_schedule(schedule_expression) if schedule_expression is not None else None
        arn = self._arn(f"rule/{name}" if bus.name == DEFAULT_BUS else f"rule/{bus.name}/{name}")
        previous = bus.rules.get(name)
        rule = Rule(
            name=name,
            arn=arn,
            bus_name=bus.name,
            state=state,
            pattern_text=pattern_text,
            compiled=compiled,
            schedule_expression=schedule_expression,
            schedule=schedule,
            description=description,
            targets=previous.targets if previous else {},
        )
        bus.rules[name] = rule
        if compiled is not None:
            bus.matcher.add_rule(name, compiled)
        elif name in bus.matcher:
            bus.matcher.remove_rule(name)
        key = f"{bus.name}/{name}"
        self._schedule_generation[key] = self._schedule_generation.get(key, 0) + 1
        if schedule is not None:
            self.world.env.process(self._run_schedule(bus, rule, self._schedule_generation[key]))
        return {"RuleArn": arn}

    def describe_rule(self, name: str, *, event_bus_name: str = DEFAULT_BUS) -> dict[str, Any]:
        return self._rule(name, event_bus_name).describe()

    def enable_rule(self, name: str, *, event_bus_name: str = DEFAULT_BUS) -> None:
        self._rule(name, event_bus_name).state = "ENABLED"

    def disable_rule(self, name: str, *, event_bus_name: str = DEFAULT_BUS) -> None:
        self._rule(name, event_bus_name).state = "DISABLED"

    def delete_rule(self, name: str, *, event_bus_name: str = DEFAULT_BUS) -> None:
        """Delete a rule; like AWS, only once its targets are removed."""
        rule = self._rule(name, event_bus_name)
        if rule.targets:
            raise ValidationException("Rule can't be deleted since it has targets.")
        bus = self.bus(event_bus_name)
        del bus.rules[name]
        if name in bus.matcher:
            bus.matcher.remove_rule(name)
        key = f"{bus.name}/{name}"
        self._schedule_generation[key] = self._schedule_generation.get(key, 0) + 1

    def list_rules(
        self, *, event_bus_name: str = DEFAULT_BUS, name_prefix: str | None = None
    ) -> dict[str, list]:
        bus = self.bus(event_bus_name)
        if name_prefix is not None:
            _string(name_prefix, "NamePrefix")
        rules = [
            rule.describe()
            for name, rule in sorted(bus.rules.items())
            if name_prefix is None or name.startswith(name_prefix)
        ]
        return {"Rules": rules}

    # -- targets ----------------------------------------------------------------
    def put_targets(
        self, rule: str, targets: Sequence[Mapping[str, Any]], *, event_bus_name: str = DEFAULT_BUS
    ) -> dict[str, Any]:
        """Add or replace targets (by Id); at most five per rule, AWS's target shape."""
        found = self._rule(rule, event_bus_name)
        if not isinstance(targets, Sequence) or isinstance(targets, str) or not targets:
            raise ValidationException("Targets must be a non-empty list.")
        parsed = [parse_target(raw) for raw in targets]
        ids = [t.id for t in parsed]
        if len(set(ids)) != len(ids):
            raise ValidationException("Target Ids in one request must be unique.")
        if len(set(found.targets) | set(ids)) > MAX_TARGETS_PER_RULE:
            raise LimitExceededException(
                f"The requested resource exceeds the maximum number allowed: "
                f"a rule has at most {MAX_TARGETS_PER_RULE} targets."
            )
        for target in parsed:
            found.targets[target.id] = target
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def remove_targets(
        self, rule: str, ids: Sequence[str], *, event_bus_name: str = DEFAULT_BUS
    ) -> dict[str, Any]:
        found = self._rule(rule, event_bus_name)
        failed = []
        for target_id in _strings(ids, "Ids"):
            if found.targets.pop(target_id, None) is None:
                failed.append(
                    {
                        "TargetId": target_id,
                        "ErrorCode": "ResourceNotFoundException",
                        "ErrorMessage": f"Target {target_id} does not exist on rule {rule}.",
                    }
                )
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def list_targets_by_rule(
        self, rule: str, *, event_bus_name: str = DEFAULT_BUS
    ) -> dict[str, list]:
        found = self._rule(rule, event_bus_name)
        return {"Targets": [dict(t.raw) for t in found.targets.values()]}

    def create_api_destination(
        self,
        name: str,
        handler: Callable[[str], Any],
        *,
        invocation_rate_limit_per_second: int = 300,
    ) -> dict[str, str]:
        """An HTTP endpoint (played by ``handler``) that targets reach by its ARN."""
        if not isinstance(name, str) or not API_DESTINATION_NAME.fullmatch(name):
            raise ValidationException(f"API destination name {name!r:.80} is not valid.")
        if name in self.api_destinations:
            raise ResourceAlreadyExistsException(f"API destination {name} already exists.")
        arn = self._arn(f"api-destination/{name}/{self.world.uuid()}")
        destination = ApiDestination(name, arn, handler, invocation_rate_limit_per_second)
        self.api_destinations[name] = destination
        self.world.register(arn, destination)
        return {"ApiDestinationArn": arn}

    # -- events -----------------------------------------------------------------
    def test_event_pattern(self, event_pattern: Any, event: Any) -> dict[str, bool]:
        """The TestEventPattern API: ``{"Result": bool}`` (both arguments may be JSON text)."""
        return {"Result": test_event_pattern(event_pattern, event)}

    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """PutEvents: judge the request as AWS does, answer per entry, route what was accepted.

        Request-level rules (one to ten entries, the request size, parameter types) and
        per-entry rules come from :mod:`course_lib.events.put_events`; an entry naming a
        bus that does not exist fails on its own, like the rest of a batch's failures.
        """
        try:
            response = check_put_events(entries, new_event_id=self.world.uuid)
        except PutEventsError as error:
            raise ValidationException(str(error)) from None
        accepted = []
        for entry, result in zip(entries, response["Entries"], strict=True):
            if "EventId" not in result:
                continue
            try:
                bus = self.bus(entry.get("EventBusName") or DEFAULT_BUS)
            except ResourceNotFoundException as exc:
                result.clear()
                result.update(_entry_error("ResourceNotFoundException", str(exc)))
                continue
            accepted.append((bus, self._envelope(entry, result["EventId"]), result))
        for bus, event, result in accepted:
            try:
                self.route(bus, event)
            except InvalidEvent as exc:  # a limit of this engine's matcher, not of AWS
                result.clear()
                result.update(_entry_error("InternalException", str(exc)))
                continue
            self.world.record(
                event["source"],
                bus.name,
                "PutEvents",
                event,
                event_id=event["id"],
                delivered_at=self.world.now,
            )
        response["FailedEntryCount"] = sum("ErrorCode" in r for r in response["Entries"])
        return response

    @staticmethod
    def _entry_time(value: Any) -> datetime | None:
        """A PutEvents or replay time as an aware datetime, or None when it is not one."""
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            return entry_time(value)
        except (TypeError, ValueError, OverflowError):
            return None

    def _envelope(self, entry: Mapping[str, Any], event_id: str) -> dict[str, Any]:
        moment = self._entry_time(entry["Time"]) if "Time" in entry else self.world.timestamp()
        return {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": self.account,
            "time": format_event_time(moment),
            "region": self.region,
            "resources": list(entry.get("Resources", [])),
            "detail": json.loads(entry["Detail"]),
        }

    def route(
        self,
        bus: EventBus,
        event: dict,
        *,
        only_rules: Sequence[str] = (),
        from_bus: bool = False,
    ) -> list[str]:
        """Archive ``event`` and start a delivery to every target of every matching rule.

        Returns the names of the enabled rules that matched. ``only_rules`` (rule ARNs)
        restricts routing, as a replay's FilterArns do; an event ``from_bus`` (received from
        another bus) is not sent on to bus targets. Matching comes first, so an event
        the matcher refuses (:class:`InvalidEvent`) changes nothing.
        """
        now = self.world.now
        archives = [a for a in self.archives.values() if a.source_arn == bus.arn]
        keeping = [archive for archive in archives if archive.wants(event)]
        names = bus.matcher.matching(event)
        for archive in archives:
            archive.expire(now)
        for archive in keeping:
            archive.events.append((now, event))
        matched = []
        for name in names:
            rule = bus.rules[name]
            if rule.state != "ENABLED" or (only_rules and rule.arn not in only_rules):
                continue
            matched.append(name)
            self._dispatch(bus, rule, event, from_bus=from_bus)
        return matched

    def _dispatch(self, bus: EventBus, rule: Rule, event: dict, *, from_bus: bool = False) -> None:
        context = DeliveryContext(bus.name, rule.name, rule.arn)
        for target in rule.targets.values():
            if from_bus and self._is_bus(target.arn):
                error = TargetError(
                    "EventBusHopLimit",
                    f"EventBridge does not route an event received from another event bus "
                    f"to a further event bus ({target.arn}).",
                    retriable=False,
                )
                record_outcome(self.world, self.world.now, target, context, event, "dropped", error)
                continue
            self.world.env.process(
                deliver(
                    self.world,
                    event,
                    target,
                    context,
                    latency=self.latency,
                    duplicate_rate=self.duplicate_rate,
                )
            )

    def _is_bus(self, arn: str) -> bool:
        """Whether ``arn`` names an event bus (Classic or Custom) registered on the world."""
        return self.world.has_service(arn) and hasattr(self.world.service(arn), "receive_event")

    def _run_schedule(self, bus: EventBus, rule: Rule, generation: int):
        key = f"{bus.name}/{rule.name}"
        start = self.world.timestamp()
        while True:
            now = self.world.timestamp()
            try:
                fire = rule.schedule.next_after(now, start)  # type: ignore[union-attr]
            except ValidationException:  # no firing left before the cron calendar ends
                return
            yield self.world.env.timeout((fire - now).total_seconds())
            if self._schedule_generation.get(key) != generation:
                return
            if rule.state == "ENABLED":
                event = {
                    "version": "0",
                    "id": self.world.uuid(),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": self.account,
                    "time": format_event_time(fire),
                    "region": self.region,
                    "resources": [rule.arn],
                    "detail": {},
                }
                self.world.record("schedule", bus.name, "ScheduledEvent", event, rule=rule.name)
                self._dispatch(bus, rule, event)

    # -- archives and replays ---------------------------------------------------
    def create_archive(
        self,
        name: str,
        event_source_arn: str,
        *,
        event_pattern: Mapping[str, Any] | str | None = None,
        retention_days: int = 0,
    ) -> dict[str, Any]:
        """Archive the events of a bus (those matching ``event_pattern``, if given)."""
        if not isinstance(name, str) or not ARCHIVE_NAME.fullmatch(name):
            raise ValidationException(f"Archive name {name!r} is not valid.")
        if name in self.archives:
            raise ResourceAlreadyExistsException(f"Archive {name} already exists.")
        bus = self.bus(event_source_arn)
        if (
            not isinstance(retention_days, int)
            or isinstance(retention_days, bool)
            or retention_days < 0
        ):
            raise ValidationException(
                "RetentionDays must be a non-negative integer (0 keeps events forever)."
            )
        compiled = compile_pattern(event_pattern) if event_pattern is not None else None
        text = None
        if event_pattern is not None:
            text = event_pattern if isinstance(event_pattern, str) else json.dumps(event_pattern)
        archive = Archive(
            name=name,
            arn=self._arn(f"archive/{name}"),
            source_arn=bus.arn,
            pattern=compiled,
            pattern_text=text,
            retention_days=retention_days,
            created_at=self.world.now,
        )
        self.archives[name] = archive
        return {
            "ArchiveArn": archive.arn,
            "State": "ENABLED",
            "CreationTime": self.world.timestamp(),
        }

    def describe_archive(self, name: str) -> dict[str, Any]:
        archive = self._archive(name)
        archive.expire(self.world.now)
        return archive.describe()

    def delete_archive(self, name: str) -> None:
        self._archive(name)
        del self.archives[name]

    def _archive(self, name_or_arn: str) -> Archive:
        _string(name_or_arn, "ArchiveName")
        name = (
            name_or_arn.rsplit("archive/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        )
        try:
            return self.archives[name]
        except KeyError:
            raise ResourceNotFoundException(f"Archive {name_or_arn} does not exist.") from None

    def start_replay(
        self,
        name: str,
        event_source_arn: str,
        event_start_time: datetime,
        event_end_time: datetime,
        destination: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Replay the archived events received in [start, end) to their bus, in no set order."""
        if not isinstance(name, str) or not REPLAY_NAME.fullmatch(name):
            raise ValidationException(f"Replay name {name!r:.80} is not valid.")
        if name in self.replays:
            raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
        archive = self._archive(event_source_arn)
        start = self._entry_time(event_start_time)
        end = self._entry_time(event_end_time)
        if start is None or end is None:
            raise ValidationException("EventStartTime and EventEndTime must be timestamps.")
        if start >= end:
            raise ValidationException(
                "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."
            )
        if end > self.world.timestamp():
            raise ValidationException(
                "Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future."
            )
        destination_arn = destination.get("Arn") if isinstance(destination, Mapping) else None
        if destination_arn != archive.source_arn:
            raise ValidationException(
                "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
            )
        replay = Replay(
            name=name,
            arn=self._arn(f"replay/{name}"),
            archive=archive,
            destination_arn=destination_arn,
            filter_arns=tuple(
                _strings(destination["FilterArns"], "Destination.FilterArns")
                if "FilterArns" in destination
                else ()
            ),
            start=start,
            end=end,
            replay_start=self.world.timestamp(),
        )
        self.replays[name] = replay
        self.world.env.process(self._run_replay(replay))
        return {
            "ReplayArn": replay.arn,
            "State": replay.state,
            "StateReason": "Replay started",
            "ReplayStartTime": replay.replay_start,
        }

    def _run_replay(self, replay: Replay):
        archive = replay.archive
        archive.expire(self.world.now)
        chosen = [
            event
            for received, event in archive.events
            if replay.start <= self.world.timestamp(received) < replay.end
        ]
        self.world.rng("eventbridge.replay").shuffle(chosen)
        bus = self.bus(replay.destination_arn)
        yield self.world.env.timeout(1.0)
        if replay.state == "CANCELLING":
            replay.state = "CANCELLED"
            return
        replay.state = "RUNNING"
        for event in chosen:
            yield self.world.env.timeout(1.0 / self.replay_rate)
            if replay.state == "CANCELLING":
                replay.state = "CANCELLED"
                replay.replay_end = self.world.timestamp()
                return
            self.route(bus, {**event, "replay-name": replay.name}, only_rules=replay.filter_arns)
            replay.replayed += 1
            replay.last_replayed = self.world.timestamp()
        replay.state = "COMPLETED"
        replay.replay_end = self.world.timestamp()

    def describe_replay(self, name: str) -> dict[str, Any]:
        return self._replay(name).describe()

    def cancel_replay(self, name: str) -> dict[str, str]:
        replay = self._replay(name)
        if replay.state not in ("STARTING", "RUNNING"):
            raise ValidationException(f"Replay {name} is {replay.state} and cannot be cancelled.")
        replay.state = "CANCELLING"
        return {"ReplayArn": replay.arn, "State": replay.state}

    def _replay(self, name: str) -> Replay:
        _string(name, "ReplayName")
        try:
            return self.replays[name]
        except KeyError:
            raise ResourceNotFoundException(f"Replay {name} does not exist.") from None

    # -- the rule graph, as data ---------------------------------------------------
    def graph(self) -> dict[str, list]:
        """Buses -> rules -> targets (and archives), for drawing the routing."""
        buses = []
        for bus in self.buses.values():
            rules = []
            for rule in sorted(bus.rules.values(), key=lambda r: r.name):
                targets = [
                    {
                        "id": t.id,
                        "arn": t.arn,
                        "input": _input_kind(t),
                        "dead_letter_arn": t.dead_letter_arn,
                    }
                    for t in rule.targets.values()
                ]
                rules.append(
                    {
                        "name": rule.name,
                        "arn": rule.arn,
                        "state": rule.state,
                        "event_pattern": rule.pattern_text,
                        "schedule_expression": rule.schedule_expression,
                        "targets": targets,
                    }
                )
            archives = [a.name for a in self.archives.values() if a.source_arn == bus.arn]
            buses.append({"name": bus.name, "arn": bus.arn, "rules": rules, "archives": archives})
        return {"buses": buses}
