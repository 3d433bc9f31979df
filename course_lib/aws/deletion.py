"""Delete what the course created: one resource, or every leftover found by name and tag.

Deleting is idempotent: deleting a resource that is already gone (or going) is not an
error and is not reported again, so a cleanup cell can run any number of times. Leftovers are found by the course name prefix and
confirmed by the course tag (EventBridge archives cannot be tagged, so their name is
all there is to go on).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from course_lib.aws import backends
from course_lib.aws.naming import check_lesson, is_course_tagged, lesson_prefix
from course_lib.aws.resources import DELETION_ORDER, CourseResource

Clients = Callable[[str], Any]

#: Error codes meaning the resource is already gone.
GONE_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "StateMachineDoesNotExist",
        "NoSuchEntity",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)


def cached_clients(make_client: Clients) -> Clients:
    """``make_client`` with one client per service."""
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = make_client(service)
        return made[service]

    return client


class AlreadyGone(Exception):
    """The resource is deleted, or being deleted."""


def delete_resource(clients: Clients, resource: CourseResource) -> bool:
    """Delete ``resource`` (and what hangs off it); False if it was already gone."""
    try:
        _DELETERS[resource.kind](clients, resource)
    except AlreadyGone:
        return False
    return True


@contextlib.contextmanager
def _gone_if_missing() -> Iterator[None]:
    """Turn AWS's "no such resource" errors into :class:`AlreadyGone`."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in GONE_CODES:
            raise AlreadyGone from None
        raise


def _delete_state_machine(clients: Clients, resource: CourseResource) -> None:
    from botocore.exceptions import ClientError

    sfn = clients("stepfunctions")
    with _gone_if_missing():
        if sfn.describe_state_machine(stateMachineArn=resource.ref)["status"] == "DELETING":
            raise AlreadyGone
        try:
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=resource.ref, statusFilter="RUNNING"
            )
            running = [e["executionArn"] for page in pages for e in page["executions"]]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "StateMachineTypeNotSupported":
                raise
            running = []
        for execution_arn in running:
            _stop_execution(sfn, execution_arn)
        sfn.delete_state_machine(stateMachineArn=resource.ref)


def _stop_execution(sfn: Any, execution_arn: str) -> None:
    """Stop a running execution; one that vanished meanwhile needs no stopping."""
    from botocore.exceptions import ClientError

    try:
        sfn.stop_execution(executionArn=execution_arn, error="CourseCleanup")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
            raise


def _delete_rule(clients: Clients, resource: CourseResource) -> None:
    events = clients("events")
    bus = resource.bus or "default"
    with _gone_if_missing():
        targets = events.list_targets_by_rule(Rule=resource.name, EventBusName=bus)["Targets"]
        if targets:
            events.remove_targets(
                Rule=resource.name, EventBusName=bus, Ids=[t["Id"] for t in targets]
            )
        events.delete_rule(Name=resource.name, EventBusName=bus)


def _delete_archive(clients: Clients, resource: CourseResource) -> None:
    with _gone_if_missing():
        clients("events").delete_archive(ArchiveName=resource.name)


def _delete_event_bus(clients: Clients, resource: CourseResource) -> None:
    events = clients("events")
    with _gone_if_missing():
        events.describe_event_bus(Name=resource.name)
        events.delete_event_bus(Name=resource.name)


def _delete_subscriber(clients: Clients, resource: CourseResource) -> None:
    with _gone_if_missing():
        clients("eventbridgev2").delete_subscriber(SubscriberArn=resource.ref)


def _delete_custom_bus(clients: Clients, resource: CourseResource) -> None:
    buses = clients("eventbridgev2")
    with _gone_if_missing():
        if buses.describe_event_bus(EventBusArn=resource.ref)["State"] == "DELETING":
            raise AlreadyGone
        buses.delete_event_bus(EventBusArn=resource.ref)


def _delete_queue(clients: Clients, resource: CourseResource) -> None:
    with _gone_if_missing():
        clients("sqs").delete_queue(QueueUrl=resource.ref)


def _delete_table(clients: Clients, resource: CourseResource) -> None:
    dynamodb = clients("dynamodb")
    with _gone_if_missing():
        status = dynamodb.describe_table(TableName=resource.name)["Table"]["TableStatus"]
        if status == "DELETING":
            raise AlreadyGone
        if status != "ACTIVE":
            dynamodb.get_waiter("table_exists").wait(
                TableName=resource.name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
            )
        dynamodb.delete_table(TableName=resource.name)


def _delete_role(clients: Clients, resource: CourseResource) -> None:
    iam = clients("iam")
    with _gone_if_missing():
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=resource.name):
            for policy in page["PolicyNames"]:
                iam.delete_role_policy(RoleName=resource.name, PolicyName=policy)
        attached = iam.get_paginator("list_attached_role_policies").paginate(RoleName=resource.name)
        for page in attached:
            for policy in page["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=resource.name, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=resource.name)


_DELETERS: dict[str, Callable[[Clients, CourseResource], None]] = {
    "state-machine": _delete_state_machine,
    "rule": _delete_rule,
    "archive": _delete_archive,
    "event-bus": _delete_event_bus,
    "subscriber": _delete_subscriber,
    "custom-bus": _delete_custom_bus,
    "queue": _delete_queue,
    "table": _delete_table,
    "role": _delete_role,
}


def find_leftovers(clients: Clients, lesson: str | None = None) -> list[CourseResource]:
    """Every course resource (of ``lesson``, when given) in the region, in deletion order."""
    prefix = lesson_prefix(lesson)
    found = [
        *_state_machines(clients, prefix, lesson),
        *_event_resources(clients, prefix, lesson),
        *_custom_bus_resources(clients, prefix, lesson),
        *_queues(clients, prefix, lesson),
        *_tables(clients, prefix, lesson),
        *_roles(clients, prefix, lesson),
    ]
    return sorted(found, key=lambda r: (DELETION_ORDER.index(r.kind), r.bus, r.name))


def sweep(clients: Clients, lesson: str | None = None) -> list[CourseResource]:
    """Delete every leftover :func:`find_leftovers` reports; return those it deleted."""
    return [r for r in find_leftovers(clients, lesson) if delete_resource(clients, r)]


def leftovers(lesson: str | None = None, *, region: str | None = None) -> list[CourseResource]:
    """The course resources (of ``lesson``, when given) still present, without deleting them."""
    if lesson is not None:
        check_lesson(lesson)
    backend = backends.choose_backend(region)
    if backend.fallback_reason:
        print(backend.fallback_notice())
    return find_leftovers(cached_clients(backend.client), lesson)


def cleanup(lesson: str | None = None, *, region: str | None = None) -> None:
    """Find and delete every course resource (of ``lesson``, when given); print what went.

    Run it in each region you used (IAM roles are global). Running it again deletes
    nothing more and says so. It returns nothing, so a cleanup cell shows only its message.
    """
    if lesson is not None:
        check_lesson(lesson)
    backend = backends.choose_backend(region)
    if backend.fallback_reason:
        print(backend.fallback_notice())
    where = {"offline": "the offline account", "endpoint": "the endpoint", "live": "your account"}
    deleted = sweep(cached_clients(backend.client), lesson)
    scope = f"{where[backend.mode]}, region {backend.region}"
    if deleted:
        print(f"Deleted from {scope}: " + ", ".join(r.describe() for r in deleted) + ".")
    else:
        print(f"No course resources left in {scope}.")


def _pairs(tags: list[dict[str, str]], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {tag[key]: tag[value] for tag in tags}


def _unless_gone(call: Callable[..., Any], **params: Any) -> Any | None:
    """``call(**params)``, or None if the resource it reads has gone meanwhile."""
    try:
        with _gone_if_missing():
            return call(**params)
    except AlreadyGone:
        return None


def _state_machines(clients: Clients, prefix: str, lesson: str | None) -> list[CourseResource]:
    sfn = clients("stepfunctions")
    found = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if not machine["name"].startswith(prefix):
                continue
            arn = machine["stateMachineArn"]
            tags = _unless_gone(sfn.list_tags_for_resource, resourceArn=arn)
            if tags and is_course_tagged(_pairs(tags["tags"], "key", "value"), lesson):
                found.append(
                    CourseResource("state-machine", machine["name"], machine["stateMachineArn"])
                )
    return found


def _event_resources(clients: Clients, prefix: str, lesson: str | None) -> list[CourseResource]:
    events = clients("events")
    found = []
    buses = ["default"]
    token: dict[str, str] = {}
    while True:
        page = events.list_event_buses(NamePrefix=prefix, **token)
        for bus in page["EventBuses"]:
            buses.append(bus["Name"])
            tags = _unless_gone(events.list_tags_for_resource, ResourceARN=bus["Arn"])
            if tags and is_course_tagged(_pairs(tags["Tags"]), lesson):
                found.append(CourseResource("event-bus", bus["Name"], bus["Name"]))
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
    for bus in buses:
        pages = events.get_paginator("list_rules").paginate(NamePrefix=prefix, EventBusName=bus)
        for page in pages:
            for rule in page["Rules"]:
                tags = _unless_gone(events.list_tags_for_resource, ResourceARN=rule["Arn"])
                if tags and is_course_tagged(_pairs(tags["Tags"]), lesson):
                    found.append(CourseResource("rule", rule["Name"], rule["Name"], bus))
    token = {}
    while True:
        page = events.list_archives(NamePrefix=prefix, **token)
        for archive in page["Archives"]:
            found.append(
                CourseResource(
                    "archive",
                    archive["ArchiveName"],
                    archive["ArchiveName"],
                    archive["EventSourceArn"],
                )
            )
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
    return found


def _custom_bus_available(buses: Any) -> bool:
    """False where nothing answers the Custom Event Bus API: a region without the service, or
    a stand-in AWS such as a moto server (which answers 404 "Not yet implemented")."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    try:
        buses.list_event_buses(MaxResults=1)
    except EndpointConnectionError:
        return False
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return False
        raise
    except AttributeError:  # botocore cannot parse a non-CBOR "not implemented" body
        return False
    return True


def _custom_bus_resources(
    clients: Clients, prefix: str, lesson: str | None
) -> list[CourseResource]:
    """Custom Event Buses and subscribers with the course prefix and tags (buses being
    deleted are already gone)."""
    buses = clients("eventbridgev2")
    if not _custom_bus_available(buses):
        return []
    found = []
    for page in buses.get_paginator("list_event_buses").paginate(NamePrefix=prefix):
        for bus in page["EventBuses"]:
            if bus.get("State") == "DELETING":
                continue
            tags = _unless_gone(buses.list_tags_for_resource, ResourceArn=bus["EventBusArn"])
            if tags and is_course_tagged(tags["Tags"], lesson):
                found.append(CourseResource("custom-bus", bus["Name"], bus["EventBusArn"]))
    for page in buses.get_paginator("list_subscribers").paginate(NamePrefix=prefix):
        for subscriber in page["Subscribers"]:
            arn = subscriber["SubscriberArn"]
            tags = _unless_gone(buses.list_tags_for_resource, ResourceArn=arn)
            if tags and is_course_tagged(tags["Tags"], lesson):
                found.append(CourseResource("subscriber", subscriber["Name"], arn))
    return found


def _queues(clients: Clients, prefix: str, lesson: str | None) -> list[CourseResource]:
    sqs = clients("sqs")
    found = []
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix):
        for url in page.get("QueueUrls", []):
            tags = _unless_gone(sqs.list_queue_tags, QueueUrl=url)
            if tags and is_course_tagged(tags.get("Tags", {}), lesson):
                found.append(CourseResource("queue", url.rsplit("/", 1)[-1], url))
    return found


def _tables(clients: Clients, prefix: str, lesson: str | None) -> list[CourseResource]:
    dynamodb = clients("dynamodb")
    found = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            if not name.startswith(prefix):
                continue
            described = _unless_gone(dynamodb.describe_table, TableName=name)
            if not described or described["Table"]["TableStatus"] == "DELETING":
                continue
            arn = described["Table"]["TableArn"]
            tags = _unless_gone(dynamodb.list_tags_of_resource, ResourceArn=arn)
            if tags and is_course_tagged(_pairs(tags.get("Tags", [])), lesson):
                found.append(CourseResource("table", name, name))
    return found


def _roles(clients: Clients, prefix: str, lesson: str | None) -> list[CourseResource]:
    iam = clients("iam")
    found = []
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if not role["RoleName"].startswith(prefix):
                continue
            tags = _unless_gone(iam.list_role_tags, RoleName=role["RoleName"])
            if tags and is_course_tagged(_pairs(tags["Tags"]), lesson):
                found.append(CourseResource("role", role["RoleName"], role["RoleName"]))
    return found
