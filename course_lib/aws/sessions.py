"""The notebook-facing entry point: a session that creates course resources and removes them.

A live cell reads::

    with cl.aws.session("lesson05", creates=["role:orders", "state-machine:orders"],
                        usage={"sfn_standard_transitions": 10}) as aws:
        sfn = aws.client("stepfunctions")
        machine = sfn.create_state_machine(name=aws.name("orders"), definition=text,
                                           roleArn=aws.service_role("states", "orders"))
        run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
        aws.show(aws.wait_for_execution(run["executionArn"]), keys=["status", "output"])

Opening the session prints which backend runs the cell, what it creates and what that
costs. Clients it hands out add the course tags to every create call, refuse names the
session did not announce, and remember what they created; leaving the ``with`` block
deletes it all, also when the cell raised.
"""

from __future__ import annotations

import json
import time
from functools import partial
from types import TracebackType
from typing import Any

from course_lib.aws import backends, deletion, masking, moto_support
from course_lib.aws.errors import CourseAwsError, message_for_code, translate
from course_lib.aws.executions import wait_for_execution
from course_lib.aws.naming import check_lesson, course_tags, lesson_prefix, resource_name
from course_lib.aws.pricing import PRICES_CHECKED, PRICES_REGION, CostEstimate, estimate_cost
from course_lib.aws.resources import KINDS, CourseResource, ResourceKind, plan, tags_parameter

#: Seconds a new IAM role needs before AWS services accept it (IAM is eventually consistent).
IAM_PROPAGATION_SECONDS = 10
DOCS = "docs/live-aws.md"


class AwsSession:
    """Clients for one lesson's live cell, and the resources they created. See :func:`session`."""

    def __init__(
        self,
        lesson: str,
        planned: list[tuple[ResourceKind, str]],
        cost: CostEstimate,
        backend: backends.Backend,
    ) -> None:
        self.lesson = check_lesson(lesson)
        self.planned = planned
        self.cost = cost
        self.backend = backend
        self.created: list[CourseResource] = []
        self.closed = False
        self._clients: dict[str, Any] = {}
        self._namer = moto_support.ExecutionNamer()

    @property
    def mode(self) -> str:
        """``"offline"``, ``"endpoint"`` or ``"live"``."""
        return self.backend.mode

    @property
    def region(self) -> str:
        """The AWS region the clients use."""
        return self.backend.region

    @property
    def tags(self) -> dict[str, str]:
        """The course tags every resource of this session carries."""
        return course_tags(self.lesson)

    def name(self, short: str) -> str:
        """The full course name for ``short``: ``eda-course-<lesson>-<short>``."""
        return resource_name(self.lesson, short)

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` (e.g. ``"stepfunctions"``, ``"events"``, ``"sqs"``)."""
        if self.closed:
            raise CourseAwsError(
                "This AWS session is closed: open a new one with cl.aws.session()."
            )
        if service not in self._clients:
            client = self.backend.client(service)
            self._watch(client, service)
            self._clients[service] = client
        return self._clients[service]

    def service_role(
        self, principal: str, short: str, statements: list[dict[str, Any]] | None = None
    ) -> str:
        """Create the course role ``short`` that ``principal`` (e.g. ``"states"``) may assume.

        ``statements`` become its inline policy. Returns the role ARN. Declare the role in
        ``creates`` as ``"role:<short>"``.
        """
        iam = self.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": f"{principal}.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = iam.create_role(
            RoleName=self.name(short), AssumeRolePolicyDocument=json.dumps(trust)
        )
        if statements:
            iam.put_role_policy(
                RoleName=self.name(short),
                PolicyName=self.name(short),
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            )
        if self.mode == "live":
            iam.get_waiter("role_exists").wait(RoleName=self.name(short))
            time.sleep(IAM_PROPAGATION_SECONDS)
        return role["Role"]["Arn"]

    def wait_for_execution(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait (at most ``timeout`` seconds) for an execution; return ``describe_execution``."""
        return wait_for_execution(self.client("stepfunctions"), execution_arn, timeout=timeout)

    def show(self, response: Any, keys: list[str] | tuple[str, ...] | None = None) -> None:
        """Print ``response`` as stable JSON: account ids masked, timestamps and metadata out."""
        print(masking.to_json(response, keys))

    def close(self) -> None:
        """Delete everything this session created, newest first, and say what went.

        Safe to call twice. It returns nothing, so a cleanup cell shows only its message.
        """
        if self.closed:
            return
        self.closed = True
        clients = deletion.cached_clients(self.backend.client)
        deleted, failed = [], []
        for resource in reversed(self.created):
            try:
                if deletion.delete_resource(clients, resource):
                    deleted.append(resource)
            except Exception as exc:
                failed.append((resource, translate(exc, "cleanup") or exc))
        self.created = [resource for resource, _ in failed]
        if deleted:
            print("Deleted " + ", ".join(r.describe() for r in deleted) + ".")
        if failed:
            details = "; ".join(f"{r.describe()}: {masking.mask(str(e))}" for r, e in failed)
            raise CourseAwsError(
                f"Could not delete {details}. Run cl.aws.cleanup({self.lesson!r}) to retry."
            )

    def __enter__(self) -> AwsSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close()
        except CourseAwsError as cleanup_error:
            if exc is None:
                raise
            print(cleanup_error)
        if exc is not None and not isinstance(exc, CourseAwsError):
            friendly = translate(exc)
            if friendly is not None:
                raise friendly from None
            masking.mask_exception(exc)

    def announce(self) -> str:
        """The lines printed when the session opens: backend, resources, estimated cost."""
        names = [f"{spec.label} {full}" for spec, full in self.planned]
        what = ", ".join(names) if names else "nothing"
        if self.cost.items:
            cost = (
                f"; estimated cost {self.cost.summary()} ({PRICES_REGION} list prices checked "
                f"{PRICES_CHECKED}, free tier not counted)"
            )
        elif names:
            cost = "; creating them is free, only requests, transitions and events are billed"
        else:
            cost = ""
        if self.mode == "offline":
            lines = [self.backend.fallback_notice()] if self.backend.fallback_reason else []
            lines.append(
                "Offline: moto simulates AWS in this kernel; nothing is created on AWS or "
                f"billed. To use your own account, set {backends.LIVE_ENV}=1 ({DOCS})."
            )
            lines.append(f"On AWS this cell would create {what}{cost}.")
            return "\n".join(lines)
        account = masking.mask(self.backend.account_id)
        if self.mode == "endpoint":
            where = (
                f"Endpoint {masking.mask(self.backend.endpoint_url or '')} "
                f"({backends.ENDPOINT_ENV}), region {self.region}, account {account}."
            )
        else:
            where = f"Live AWS ({backends.LIVE_ENV}=1): account {account}, region {self.region}."
        ending = " The cell deletes them when it ends." if names else ""
        return f"{where}\nCreating {what}{cost}.{ending}"

    def _watch(self, client: Any, service: str) -> None:
        """Hook the client: tag and check creations, remember them, translate errors."""
        events = client.meta.events
        event_name = client.meta.service_model.service_id.hyphenize()
        for spec in KINDS.values():
            if spec.service == service:
                op = f"{event_name}.{spec.create_operation}"
                events.register(f"before-parameter-build.{op}", partial(self._before_create, spec))
                events.register(f"after-call.{op}", partial(self._after_create, spec))
        events.register(f"after-call.{event_name}", self._raise_friendly)
        if service == "stepfunctions" and self.backend.simulated:
            events.register(f"before-parameter-build.{event_name}.StartExecution", self._namer)

    def _before_create(
        self, spec: ResourceKind, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        name = params.get(spec.name_param)
        announced = {full for kind, full in self.planned if kind is spec}
        if name not in announced:
            prefix = lesson_prefix(self.lesson)
            short = str(name).removeprefix(prefix)
            raise CourseAwsError(
                f"{spec.create_operation}: {spec.label} {name!r} was not announced; add "
                f"'{spec.kind}:{short}' to creates= and name it aws.name({short!r}), so the "
                "cell says what it creates and cleanup can find it."
            )
        if spec.tags_param is not None:
            params[spec.tags_param] = tags_parameter(spec, params.get(spec.tags_param), self.tags)
        bus = params.get("EventBusName", "default") if spec.kind == "rule" else ""
        if spec.kind == "archive":
            bus = params.get("EventSourceArn", "")
        context["course_resource"] = (name, bus)

    def _after_create(
        self,
        spec: ResourceKind,
        http_response: Any,
        parsed: dict[str, Any],
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        name, bus = context.pop("course_resource", (None, ""))
        if name is None or http_response.status_code >= 300:
            return
        ref = {
            "state-machine": parsed.get("stateMachineArn"),
            "queue": parsed.get("QueueUrl"),
            "custom-bus": parsed.get("EventBusArn"),
            "subscriber": parsed.get("SubscriberArn"),
        }
        resource = CourseResource(spec.kind, name, ref.get(spec.kind) or name, bus)
        if resource not in self.created:
            self.created.append(resource)

    def _raise_friendly(
        self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any
    ) -> None:
        if http_response.status_code < 300:
            return
        code = str(parsed.get("Error", {}).get("Code", ""))
        message = message_for_code(code, model.name)
        if message is not None:
            raise CourseAwsError(message, code=code)


def session(
    lesson: str,
    creates: list[str] | tuple[str, ...] = (),
    *,
    usage: dict[str, float] | None = None,
    region: str | None = None,
) -> AwsSession:
    """Open the AWS session of a live cell and print what it will do.

    ``creates`` announces every resource as ``"<kind>:<short name>"`` (kinds: role,
    state-machine, event-bus, rule, archive, custom-bus, subscriber, queue, table); ``usage``
    estimates billed units (keys of ``cl.aws.PRICES``). Offline unless ``COURSE_LIVE_AWS=1``
    is set and credentials resolve, or ``COURSE_AWS_ENDPOINT_URL`` names a server.
    """
    planned = plan(check_lesson(lesson), creates)
    cost = estimate_cost(usage)
    opened = AwsSession(lesson, planned, cost, backends.choose_backend(region))
    print(opened.announce())
    return opened
