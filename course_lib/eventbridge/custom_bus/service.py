"""The EventBridge Custom Event Bus (``eventbridgev2``) on a world's virtual clock.

``EventBridgeV2(world)`` registers itself as service ``"eventbridgev2"`` and each bus under
its ARN. Its methods are the boto3 client's (``create_event_bus``, ``create_subscriber``,
``put_events``...): boto3's keyword arguments in, boto3's response dicts out, every request
checked against the API model first. Buses are provisioned asynchronously (CREATING, then
ACTIVE; DELETING, then gone), keep every event for their retention period, and hand each
event to the subscribers whose filters match it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from course_lib.eventbridge import json_text
from course_lib.eventbridge.custom_bus import transform
from course_lib.eventbridge.custom_bus.errors import (
    ConcurrentModificationException,
    CustomBusError,
    IdempotentParameterMismatchException,
    InvalidInputException,
    InvalidStateException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from course_lib.eventbridge.custom_bus.filters import compile_filters
from course_lib.eventbridge.custom_bus.records import (
    PUT_EVENTS_CONTENT_TYPE,
    Deduplicator,
    EntryError,
    StoredEvent,
    check_request_size,
    iso,
    put_events_data,
    raw_data,
    sequence_text,
)
from course_lib.eventbridge.custom_bus.subscriber import Subscriber
from course_lib.eventbridge.custom_bus.subscriber_config import (
    check_invoke,
    check_tags,
    check_transformer,
    describe_subscriber,
    page,
    with_defaults,
)
from course_lib.eventbridge.custom_bus.validation import as_datetime, validate_request
from course_lib.eventbridge.errors import InvalidEvent
from course_lib.eventbridge.regional import (
    DEFAULT_ACCOUNT,
    DEFAULT_LATENCY,
    DEFAULT_REGION,
    RegionalService,
)
from course_lib.sim.world import World

DAY = 86_400.0
#: Retention when CreateEventBus gives none. The model leaves it optional and the user
#: guide states no default; a week is this simulator's choice (see the closing note).
DEFAULT_RETENTION_DAYS = 7
#: Seconds a bus spends CREATING, UPDATING or DELETING (virtual time).
PROVISIONING_SECONDS = (2.0, 6.0)
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class NotSimulatedException(CustomBusError, NotImplementedError):
    """An operation of the API that this local bus does not play (event sources, policies)."""

    code = "NotSimulatedException"
    status = 501


class CustomBus:
    """One bus: its configuration, the events it retains, its subscribers."""

    def __init__(self, service: EventBridgeV2, name: str, arn: str, request: Mapping) -> None:
        self.service = service
        self.world = service.world
        self.name = name
        self.arn = arn
        self.description = request.get("Description")
        self.encryption = request.get("EncryptionConfiguration")
        storage = request.get("StorageConfiguration") or {}
        self.retention_days = storage.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS
        self.created_at = self.world.now
        self.modified_at = self.world.now
        self.state = "CREATING"
        self.tags = dict(request.get("Tags") or {})
        self.log: list[StoredEvent] = []
        self.subscribers: dict[str, Subscriber] = {}
        self.dedup = Deduplicator()
        self._generation = 0

    @property
    def retention_seconds(self) -> float:
        return self.retention_days * DAY

    @property
    def clock(self) -> transform.Clock:
        return self.service.clock

    def window_start(self) -> float:
        """RetentionWindowStartTime in virtual seconds: max(now - retention, creation)."""
        return max(self.world.now - self.retention_seconds, self.created_at)

    def expire(self) -> None:
        """Drop events whose retention period has ended."""
        horizon = self.world.now - self.retention_seconds
        keep = 0
        while keep < len(self.log) and self.log[keep].ingested_at <= horizon:
            keep += 1
        if keep:
            for event in self.log[:keep]:
                self.service.forwarding.pop(event.event_id, None)
            del self.log[:keep]

    def receive_event(self, event: dict, *, from_bus: bool = True) -> None:
        """An event routed here by a Classic rule or forwarded by a subscriber (loops are
        caught by the buses an event passed through, whatever ``from_bus`` says)."""
        self.service.accept_envelope(self, event)

    def describe(self) -> dict[str, Any]:
        world = self.world
        out: dict[str, Any] = {"EventBusArn": self.arn, "Name": self.name}
        if self.description is not None:
            out["Description"] = self.description
        if self.encryption is not None:
            out["EncryptionConfiguration"] = dict(self.encryption)
        out["StorageConfiguration"] = {
            "RetentionPeriodInDays": self.retention_days,
            "RetentionWindowStartTime": world.timestamp(self.window_start()),
        }
        out["CreationTime"] = world.timestamp(self.created_at)
        out["LastModifiedTime"] = world.timestamp(self.modified_at)
        out["State"] = self.state
        return out


class EventBridgeV2(RegionalService):
    """The Custom Event Bus service of one account and region, running on ``world``."""

    def __init__(
        self,
        world: World,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        latency: tuple[float, float] = DEFAULT_LATENCY,
        duplicate_rate: float = 0.0,
    ) -> None:
        super().__init__(
            world, "eventbridgev2", "events", account=account, region=region, latency=latency
        )
        self.duplicate_rate = duplicate_rate
        self.buses: dict[str, CustomBus] = {}
        self._tokens: dict[tuple[str, str], tuple[dict, dict]] = {}
        self._sequence = 0
        #: Event id -> the buses it passed through, for events a subscriber has handed on
        #: (forgotten when the event leaves its bus's retention).
        self.forwarding: dict[str, frozenset[str]] = {}
        self.clock = transform.Clock(
            now_millis=lambda: int(world.timestamp().timestamp() * 1000),
            rng=world.rng("eventbridgev2.jsonata"),
            uuid=world.uuid,
        )

    # -- lookups ------------------------------------------------------------------
    def _resource_id(self) -> str:
        rng = self.world.rng("eventbridgev2.ids")
        return "".join(rng.choice(_ID_ALPHABET) for _ in range(25))

    def bus(self, arn: str) -> CustomBus:
        """The bus with this ARN (ResourceNotFoundException when there is none)."""
        for bus in self.buses.values():
            if bus.arn == arn:
                return bus
        raise ResourceNotFoundException(f"Event bus {arn} does not exist.")

    def subscriber(self, arn: str) -> Subscriber:
        for bus in self.buses.values():
            for subscriber in bus.subscribers.values():
                if subscriber.arn == arn:
                    return subscriber
        raise ResourceNotFoundException(f"Subscriber {arn} does not exist.")

    def _idempotent(self, operation: str, params: Mapping[str, Any]) -> dict | None:
        token = params.get("ClientToken")
        if token is None:
            return None
        request = {k: v for k, v in params.items() if k != "ClientToken"}
        earlier = self._tokens.get((operation, token))
        if earlier is None:
            return None
        if earlier[0] != request:
            raise IdempotentParameterMismatchException(
                f"Client token {token} was used with different parameters."
            )
        return dict(earlier[1])

    def _remember(self, operation: str, params: Mapping[str, Any], response: dict) -> dict:
        token = params.get("ClientToken")
        if token is not None:
            request = {k: v for k, v in params.items() if k != "ClientToken"}
            self._tokens[(operation, token)] = (request, dict(response))
        return response

    def _transition(self, bus: CustomBus, state: str, then: str | None) -> None:
        """Move ``bus`` to ``state`` now and to ``then`` (None: deleted) after provisioning."""
        bus.state = state
        bus._generation += 1
        generation = bus._generation
        delay = self.world.rng("eventbridgev2.provisioning").uniform(*PROVISIONING_SECONDS)

        def finish():
            yield self.world.env.timeout(delay)
            if bus._generation != generation:
                return
            if then is None:
                self.buses.pop(bus.name, None)
            else:
                bus.state = then

        self.world.env.process(finish())

    # -- buses --------------------------------------------------------------------
    def create_event_bus(self, **params: Any) -> dict[str, Any]:
        validate_request("CreateEventBus", params)
        again = self._idempotent("CreateEventBus", params)
        if again is not None:
            return again
        name = params["Name"]
        if name in self.buses:
            raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
        check_tags(params.get("Tags") or {})
        arn = self._arn(f"event-busv2/{name}/{self._resource_id()}")
        bus = CustomBus(self, name, arn, params)
        self.buses[name] = bus
        self.world.register(arn, bus)
        self._transition(bus, "CREATING", "ACTIVE")
        out = bus.describe()
        out.pop("LastModifiedTime")
        return self._remember("CreateEventBus", params, out)

    def describe_event_bus(self, **params: Any) -> dict[str, Any]:
        validate_request("DescribeEventBus", params)
        return self.bus(params["EventBusArn"]).describe()

    def list_event_buses(self, **params: Any) -> dict[str, Any]:
        validate_request("ListEventBuses", params)
        owner = params.get("EventBusAccountId")
        prefix = params.get("NamePrefix", "")
        buses = [
            bus
            for name, bus in sorted(self.buses.items())
            if name.startswith(prefix) and owner in (None, self.account)
        ]
        summaries = []
        for bus in buses:
            described = bus.describe()
            summary = {
                k: described[k]
                for k in ("Name", "EventBusArn", "CreationTime", "LastModifiedTime", "State")
            }
            if bus.description is not None:
                summary["Description"] = bus.description
            summary["EventBusAccountId"] = self.account
            summaries.append(summary)
        listed, token = page(summaries, params)
        return {"EventBuses": listed, **token}

    def update_event_bus(self, **params: Any) -> dict[str, Any]:
        validate_request("UpdateEventBus", params)
        bus = self.bus(params["EventBusArn"])
        if bus.state == "UPDATING":
            raise ConcurrentModificationException(f"Event bus {bus.name} is being updated.")
        if bus.state not in ("ACTIVE", "UPDATE_FAILED"):
            raise InvalidStateException(
                f"Event bus {bus.name} is {bus.state} and cannot be updated."
            )
        if "Description" in params:
            bus.description = params["Description"]
        if "EncryptionConfiguration" in params:
            bus.encryption = params["EncryptionConfiguration"]
        storage = params.get("StorageConfiguration") or {}
        if storage.get("RetentionPeriodInDays") is not None:
            bus.retention_days = storage["RetentionPeriodInDays"]
        bus.modified_at = self.world.now
        self._transition(bus, "UPDATING", "ACTIVE")
        out = bus.describe()
        out.pop("CreationTime")
        return out

    def delete_event_bus(self, **params: Any) -> dict[str, Any]:
        validate_request("DeleteEventBus", params)
        bus = self.bus(params["EventBusArn"])
        if bus.subscribers:
            raise ResourceInUseException(
                f"Event bus {bus.name} still has subscribers; delete them first."
            )
        if bus.state == "DELETING":
            return {}
        if bus.state in ("CREATING", "UPDATING"):
            raise ConcurrentModificationException(f"Event bus {bus.name} is {bus.state}.")
        self._transition(bus, "DELETING", None)
        return {}

    # -- subscribers --------------------------------------------------------------
    def create_subscriber(self, **params: Any) -> dict[str, Any]:
        validate_request("CreateSubscriber", params)
        again = self._idempotent("CreateSubscriber", params)
        if again is not None:
            return again
        bus = self.bus(params["EventBusArn"])
        if bus.state != "ACTIVE":
            raise InvalidStateException(
                f"Event bus {bus.name} is {bus.state}; subscribers can be created on an ACTIVE bus."
            )
        name = params["Name"]
        if name in bus.subscribers:
            raise ResourceAlreadyExistsException(f"Subscriber {name} already exists on {bus.name}.")
        check_tags(params.get("Tags") or {})
        config = {
            k: v
            for k, v in params.items()
            if k not in ("Name", "EventBusArn", "Tags", "ClientToken", "FilterConfiguration")
        }
        with_defaults(config)
        check_invoke(config["InvokeConfiguration"], self.account)
        check_transformer(config["Transformer"], config["InvokeConfiguration"]["TargetArn"])
        start, end = self._check_position(bus, config)
        filters = compile_filters(params.get("FilterConfiguration"))
        now = self.world.timestamp()
        subscriber = Subscriber(
            bus=bus,
            name=name,
            arn=self._arn(f"subscriber/{name}/{self._resource_id()}"),
            config=config,
            filters=filters,
            created=now,
            modified=now,
            end_at=end,
            tags=dict(params.get("Tags") or {}),
        )
        backlog = []
        if start is not None:
            bus.expire()
            try:
                backlog = [
                    event
                    for event in bus.log
                    if event.ingested_at >= start and subscriber.wants(event, "REPLAY")
                ]
            except InvalidEvent as error:  # a limit of this engine's matcher, not of AWS
                raise InvalidInputException(
                    f"FilterConfiguration cannot be evaluated on a retained event: {error.reason}"
                ) from None
        bus.subscribers[name] = subscriber
        for event in backlog:
            subscriber.take(event, "REPLAY")
        out = {
            "SubscriberArn": subscriber.arn,
            "Name": name,
            "EventBusArn": bus.arn,
            "Type": config["Type"],
            "StartingPosition": config["StartingPosition"],
        }
        if "PointInTimeConfiguration" in config:
            out["PointInTimeConfiguration"] = dict(config["PointInTimeConfiguration"])
        out.update({"State": config["State"], "CreationTime": now})
        return self._remember("CreateSubscriber", params, out)

    def _check_position(
        self, bus: CustomBus, config: Mapping[str, Any]
    ) -> tuple[float | None, float | None]:
        """Where a new subscriber starts reading (virtual seconds), and where it stops."""
        position = config["StartingPosition"]
        point = config.get("PointInTimeConfiguration")
        if position == "LATEST":
            if point is not None:
                raise InvalidInputException(
                    "PointInTimeConfiguration applies only when StartingPosition is POINT_IN_TIME."
                )
            return None, None
        if point is None:
            raise InvalidInputException(
                "PointInTimeConfiguration is required when StartingPosition is POINT_IN_TIME."
            )
        window = bus.window_start()
        if point["PointType"] == "HORIZON":
            if "StartingPoint" in point:
                raise InvalidInputException(
                    "StartingPoint applies only when PointType is TIMESTAMP."
                )
            start = window
        else:
            if "StartingPoint" not in point:
                raise InvalidInputException(
                    "StartingPoint is required when PointType is TIMESTAMP."
                )
            start = self._seconds(point["StartingPoint"])
            if start < window or start > self.world.now:
                raise InvalidInputException(
                    "StartingPoint must fall inside the retention window: at or after "
                    f"{bus.describe()['StorageConfiguration']['RetentionWindowStartTime']:%Y-%m-%dT%H:%M:%SZ}"
                    " and not in the future."
                )
        end = None
        if "EndPoint" in point:
            end = self._seconds(point["EndPoint"])
            if end <= start:
                raise InvalidInputException("EndPoint must be after the starting point.")
        return start, end

    def _seconds(self, value: Any) -> float:
        moment = as_datetime(value)
        return (moment - self.world.epoch.astimezone(moment.tzinfo)).total_seconds()

    def describe_subscriber(self, **params: Any) -> dict[str, Any]:
        validate_request("DescribeSubscriber", params)
        return describe_subscriber(self.subscriber(params["SubscriberArn"]))

    def list_subscribers(self, **params: Any) -> dict[str, Any]:
        validate_request("ListSubscribers", params)
        buses = (
            [self.bus(params["EventBusArn"])]
            if "EventBusArn" in params
            else list(self.buses.values())
        )
        prefix = params.get("NamePrefix", "")
        found = sorted(
            (s for bus in buses for s in bus.subscribers.values() if s.name.startswith(prefix)),
            key=lambda s: (s.bus.name, s.name),
        )
        summaries = []
        for s in found:
            summary = {
                "SubscriberArn": s.arn,
                "Name": s.name,
                "EventBusArn": s.bus.arn,
                "TargetArn": s.target_arn,
                "Type": s.config["Type"],
                "State": s.state,
                "CreationTime": s.created,
                "LastModifiedTime": s.modified,
                "SubscriberAccountId": self.account,
            }
            if s.revoked:
                summary["Revoked"] = True
            summaries.append(summary)
        listed, token = page(summaries, params)
        return {"Subscribers": listed, **token}

    def update_subscriber(self, **params: Any) -> dict[str, Any]:
        validate_request("UpdateSubscriber", params)
        subscriber = self.subscriber(params["SubscriberArn"])
        if subscriber.revoked:
            raise InvalidStateException(f"Subscriber {subscriber.name} is revoked.")
        config = dict(subscriber.config)
        for key in (
            "Description",
            "BatchConfiguration",
            "RetryPolicy",
            "OnFailureConfiguration",
            "LogConfiguration",
        ):
            if key in params:
                config[key] = params[key]
        if "InvokeConfiguration" in params:
            invoke = {**params["InvokeConfiguration"], "TargetArn": subscriber.target_arn}
            check_invoke(invoke, self.account)
            config["InvokeConfiguration"] = invoke
        if "Transformer" in params:
            check_transformer(params["Transformer"], subscriber.target_arn)
            config["Transformer"] = params["Transformer"]
        if "FilterConfiguration" in params:
            subscriber.filters = compile_filters(params["FilterConfiguration"])
        resume = params.get("ResumePosition", "LAST_PROCESSED")
        unpausing = subscriber.state == "STOPPED" and params.get("State") == "RUNNING"
        if "State" in params:
            config["State"] = params["State"]
        subscriber.config = config
        subscriber.modified = self.world.timestamp()
        if unpausing and resume == "LATEST":
            subscriber.skip_backlog(self.world.now)
        subscriber.pump()
        out = {
            "SubscriberArn": subscriber.arn,
            "Name": subscriber.name,
            "EventBusArn": subscriber.bus.arn,
            "Type": config["Type"],
            "StartingPosition": config["StartingPosition"],
        }
        if "PointInTimeConfiguration" in config:
            out["PointInTimeConfiguration"] = dict(config["PointInTimeConfiguration"])
        out.update({"State": config["State"], "LastModifiedTime": subscriber.modified})
        return out

    def delete_subscriber(self, **params: Any) -> dict[str, Any]:
        validate_request("DeleteSubscriber", params)
        subscriber = self.subscriber(params["SubscriberArn"])
        subscriber.deleted = True
        del subscriber.bus.subscribers[subscriber.name]
        return {}

    def revoke_resource(self, **params: Any) -> dict[str, Any]:
        validate_request("RevokeResource", params)
        if ":event-sourcev2/" in params["Arn"]:
            raise NotSimulatedException("Event sources are not simulated by the local bus.")
        self.subscriber(params["Arn"]).revoked = True
        return {"Arn": params["Arn"]}

    # -- tags ----------------------------------------------------------------------
    def _tagged(self, arn: str) -> CustomBus | Subscriber:
        if ":event-sourcev2/" in arn:
            raise ResourceNotFoundException(f"Event source {arn} does not exist.")
        return self.subscriber(arn) if ":subscriber/" in arn else self.bus(arn)

    def tag_resource(self, **params: Any) -> dict[str, Any]:
        validate_request("TagResource", params)
        resource = self._tagged(params["ResourceArn"])
        merged = {**resource.tags, **params["Tags"]}
        check_tags(merged)
        resource.tags = merged
        return {}

    def untag_resource(self, **params: Any) -> dict[str, Any]:
        validate_request("UntagResource", params)
        resource = self._tagged(params["ResourceArn"])
        for key in params["TagKeys"]:
            resource.tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        validate_request("ListTagsForResource", params)
        return {"Tags": dict(self._tagged(params["ResourceArn"]).tags)}

    # -- publishing ----------------------------------------------------------------
    def _open_bus(self, arn: str) -> CustomBus:
        bus = self.bus(arn)
        if bus.state not in ("ACTIVE", "UPDATING", "UPDATE_FAILED"):
            raise InvalidStateException(
                f"Event bus {bus.name} is {bus.state} and cannot accept events."
            )
        bus.expire()
        return bus

    def put_events(self, **params: Any) -> dict[str, Any]:
        """PutEvents: 1 to 100 entries, 1 MB, each PUBLISHED, DEDUPLICATED or failed."""

        def build(entry: Mapping[str, Any], event_id: str) -> StoredEvent:
            time = as_datetime(entry["Time"]) if "Time" in entry else self.world.timestamp()
            data = put_events_data(
                entry, event_id=event_id, account=self.account, region=self.region, time=time
            )
            return self._stored(entry, event_id, PUT_EVENTS_CONTENT_TYPE, data, True, None)

        return self._publish("PutEvents", params, build)

    def put_raw_events(self, **params: Any) -> dict[str, Any]:
        """PutRawEvents: JSON, Avro, Protobuf or octet-stream data with metadata keys."""
        has_registry = "SchemaRegistryConfiguration" in params

        def build(entry: Mapping[str, Any], event_id: str) -> StoredEvent:
            data, filterable = raw_data(entry, has_registry)
            content_type = entry["SystemMetadata"]["ContentType"]
            metadata = dict(entry.get("Metadata") or {})
            return self._stored(entry, event_id, content_type, data, filterable, metadata)

        return self._publish("PutRawEvents", params, build)

    def _stored(self, entry, event_id, content_type, data, filterable, metadata) -> StoredEvent:
        system = entry.get("SystemMetadata") or {}
        extra = {}
        if content_type == PUT_EVENTS_CONTENT_TYPE:
            extra = {"aws:Source": data["source"], "aws:DetailType": data["detail-type"]}
        self._sequence += 1
        return StoredEvent(
            sequence=self._sequence,
            event_id=event_id,
            ingested_at=self.world.now,
            ingestion_time=iso(self.world.timestamp()),
            account=self.account,
            content_type=content_type,
            data=data,
            filterable=filterable,
            metadata=metadata,
            group=system.get("EventGroupId"),
            deduplication_id=system.get("DeduplicationId"),
            extra_system=extra,
        )

    def _publish(self, operation: str, params: Mapping[str, Any], build) -> dict[str, Any]:
        """The request checks both publishing operations make, then each entry ``build``s."""
        validate_request(operation, params)
        bus = self._open_bus(params["EventBusArn"])
        check_request_size(params["Entries"])
        content_based = (params.get("DeduplicationConfiguration") or {}).get(
            "DeduplicationType"
        ) == "CONTENT_BASED"
        results, accepted = [], []
        for entry in params["Entries"]:
            key = bus.dedup.key(entry, self.account, content_based)
            earlier = bus.dedup.earlier(key, self.world.now)
            if earlier is not None:
                results.append(
                    {
                        "EventId": earlier.event_id,
                        "SequenceNumber": sequence_text(earlier.sequence),
                        "SuccessCode": "DEDUPLICATED",
                    }
                )
                continue
            try:
                event = build(entry, self.world.uuid())
                receivers = [s for s in bus.subscribers.values() if s.wants(event, "LIVE")]
            except EntryError as error:
                results.append({"ErrorCode": error.code, "ErrorMessage": error.message})
                continue
            except InvalidEvent as error:  # a limit of this engine's matcher, not of AWS
                results.append({"ErrorCode": "InternalException", "ErrorMessage": str(error)})
                continue
            bus.dedup.remember(key, self.world.now, event)
            event.path = frozenset({bus.arn})
            accepted.append((event, receivers))
            results.append(
                {
                    "EventId": event.event_id,
                    "SequenceNumber": sequence_text(event.sequence),
                    "SuccessCode": "PUBLISHED",
                }
            )
        for event, receivers in accepted:
            self._store(bus, event, receivers)
        failed = sum("ErrorCode" in r for r in results)
        return {"FailedEntryCount": failed, "Entries": results}

    def _store(
        self, bus: CustomBus, event: StoredEvent, receivers: list[Subscriber] | None = None
    ) -> None:
        """Keep ``event`` and hand it to ``receivers`` (by default, every subscriber that
        wants it)."""
        bus.log.append(event)
        self.world.record(
            str(event.extra_system.get("aws:Source", event.content_type)),
            bus.name,
            "PutEvents" if event.is_envelope else "PutRawEvents",
            event.data,
            event_id=event.event_id,
            group=event.group,
            delivered_at=self.world.now,
        )
        if receivers is None:
            receivers = [s for s in bus.subscribers.values() if s.wants(event, "LIVE")]
        for subscriber in receivers:
            subscriber.take(event, "LIVE")

    def accept_envelope(self, bus: CustomBus, envelope: Mapping[str, Any]) -> None:
        """Store a classic-shaped event routed to ``bus`` (a new id, no group, no dedup)."""
        if bus.state not in ("ACTIVE", "UPDATING", "UPDATE_FAILED"):
            raise InvalidStateException(
                f"Event bus {bus.name} is {bus.state} and cannot accept events."
            )
        data = json_text.loads(json_text.dumps(dict(envelope)))  # a copy, at any depth
        path = self.forwarding.get(str(data.get("id")), frozenset()) | {bus.arn}
        data["id"] = self.world.uuid()
        entry = {
            "Source": str(data.get("source", "")),
            "DetailType": str(data.get("detail-type", "")),
        }
        event = self._stored(entry, data["id"], PUT_EVENTS_CONTENT_TYPE, data, True, None)
        event.path = path
        self._store(bus, event)

    # -- operations this local bus does not play -----------------------------------------
    def __getattr__(self, name: str) -> Any:
        from course_lib.eventbridge.custom_bus.validation import operation_names, snake_case

        if name.startswith("_") or name not in {snake_case(op) for op in operation_names()}:
            raise AttributeError(f"EventBridgeV2 has no attribute {name!r}")

        def unsupported(**params: Any) -> dict[str, Any]:
            raise NotSimulatedException(
                f"{name} (event sources, resource policies, webhooks) is not simulated by the "
                "local Custom Event Bus; use a real account for it."
            )

        return unsupported
