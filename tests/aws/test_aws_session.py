"""Sessions: the printed plan, course tags on every create, cleanup also after an error."""

import json
import time

import pytest

import course_lib.aws as cl_aws

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
HOUR_WAIT = json.dumps(
    {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "Flaky"},
            "Flaky": {
                "Type": "Fail",
                "Error": "Kitchen.Closed",
                "Cause": "closed for the night",
            },
        },
    }
)
ALL_KINDS = [
    "role:orders",
    "state-machine:orders",
    "event-bus:pizza",
    "rule:orders",
    "archive:pizza",
    "queue:kitchen",
    "table:orders",
]


def create_one_of_each(aws):
    role_arn = aws.service_role(
        "states", "orders", [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*"}]
    )
    aws.client("stepfunctions").create_state_machine(
        name=aws.name("orders"), definition=PASS, roleArn=role_arn
    )
    events = aws.client("events")
    bus = events.create_event_bus(Name=aws.name("pizza"))
    events.put_rule(
        Name=aws.name("orders"),
        EventBusName=aws.name("pizza"),
        EventPattern=json.dumps({"source": ["pizza.shop"]}),
    )
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=aws.name("kitchen"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_targets(
        Rule=aws.name("orders"),
        EventBusName=aws.name("pizza"),
        Targets=[{"Id": "kitchen", "Arn": arn["QueueArn"]}],
    )
    events.create_archive(ArchiveName=aws.name("pizza"), EventSourceArn=bus["EventBusArn"])
    aws.client("dynamodb").create_table(
        TableName=aws.name("orders"),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def test_offline_plan_is_printed_the_same_way_every_time(capsys):
    for _ in range(2):
        with cl_aws.session(
            "lesson05", creates=["state-machine:orders"], usage={"sfn_standard_transitions": 20}
        ):
            pass
    first, second = capsys.readouterr().out.split("Offline:")[1:]
    assert first == second
    assert first == (
        " moto simulates AWS in this kernel; nothing is created on AWS or billed. To use your "
        "own account, set COURSE_LIVE_AWS=1 (docs/live-aws.md).\nOn AWS this cell would "
        "create Step Functions state machine eda-course-lesson05-orders; estimated cost "
        "$0.0005 for 20 x Step Functions Standard state transition (us-east-1 list prices "
        "checked 2026-11-26, free tier not counted).\n"
    )


def test_every_kind_is_tagged_found_and_deleted(capsys):
    with cl_aws.session("lesson06", creates=ALL_KINDS) as aws:
        create_one_of_each(aws)
        found = cl_aws.leftovers("lesson06")
        assert sorted(r.kind for r in found) == sorted(k.split(":")[0] for k in ALL_KINDS)
        assert cl_aws.leftovers("lesson07") == []
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Deleted DynamoDB table eda-course-lesson06-orders, EventBridge archive "
        "eda-course-lesson06-pizza, SQS queue eda-course-lesson06-kitchen, EventBridge rule "
        "eda-course-lesson06-orders, EventBridge event bus eda-course-lesson06-pizza, Step "
        "Functions state machine eda-course-lesson06-orders, IAM role eda-course-lesson06-orders."
    )
    assert cl_aws.leftovers() == []


def test_cleanup_runs_when_the_cell_raises():
    with (
        pytest.raises(RuntimeError, match="oven on fire"),
        cl_aws.session("lesson06", creates=ALL_KINDS) as aws,
    ):
        create_one_of_each(aws)
        raise RuntimeError("oven on fire")
    assert cl_aws.leftovers() == []


def test_unannounced_or_unprefixed_names_are_refused():
    with cl_aws.session("lesson06", creates=["queue:kitchen"]) as aws:
        sqs = aws.client("sqs")
        with pytest.raises(cl_aws.CourseAwsError, match=r"add 'queue:oven' to creates="):
            sqs.create_queue(QueueName=aws.name("oven"))
        with pytest.raises(cl_aws.CourseAwsError, match=r"SQS queue 'kitchen' was not announced"):
            sqs.create_queue(QueueName="kitchen")
        assert sqs.list_queues().get("QueueUrls", []) == []


def test_cleanup_finds_leftovers_and_is_idempotent(capsys):
    aws = cl_aws.session("lesson07", creates=["queue:a", "table:b"])
    aws.client("sqs").create_queue(QueueName=aws.name("a"))
    aws.client("dynamodb").create_table(
        TableName=aws.name("b"),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    untagged = aws.backend.client("sqs").create_queue(QueueName="eda-course-lesson07-mine")
    capsys.readouterr()
    assert cl_aws.cleanup() is None
    cl_aws.cleanup()
    aws.close()
    assert capsys.readouterr().out.splitlines() == [
        "Deleted from the offline account, region us-east-1: SQS queue eda-course-lesson07-a, "
        "DynamoDB table eda-course-lesson07-b.",
        "No course resources left in the offline account, region us-east-1.",
    ]
    remaining = aws.backend.client("sqs").list_queues()["QueueUrls"]
    assert remaining == [untagged["QueueUrl"]]
    aws.backend.client("sqs").delete_queue(QueueUrl=untagged["QueueUrl"])


def test_executions_are_named_waits_take_no_time_and_waiting_has_a_deadline():
    with cl_aws.session("lesson05", creates=["state-machine:night"]) as aws:
        sfn = aws.client("stepfunctions")
        machine = sfn.create_state_machine(
            name=aws.name("night"), definition=HOUR_WAIT, roleArn="arn:aws:iam::123456789012:role/x"
        )
        started = time.monotonic()
        arns = [
            sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
            for _ in range(2)
        ]
        assert [arn.rsplit(":", 1)[1] for arn in arns] == ["run-0001", "run-0002"]
        result = aws.wait_for_execution(arns[1], timeout=20)
        assert time.monotonic() - started < 10
        assert (result["status"], result["error"]) == ("FAILED", "Kitchen.Closed")
        named = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="mine")
        assert named["executionArn"].endswith(":mine")
        aws.wait_for_execution(named["executionArn"], timeout=20)


def test_waiting_for_an_execution_that_never_ends_raises_in_time():
    class ForeverRunning:
        def describe_execution(self, executionArn):
            return {"status": "RUNNING", "executionArn": executionArn}

    started = time.monotonic()
    with pytest.raises(cl_aws.CourseAwsError, match=r"1234\*{8}.* is still RUNNING after 0.3 s"):
        cl_aws.wait_for_execution(
            ForeverRunning(), "arn:aws:states:us-east-1:123456789012:execution:m:x", timeout=0.3
        )
    assert time.monotonic() - started < 2


def test_show_prints_stable_masked_json(capsys):
    with cl_aws.session("lesson05") as aws:
        aws.show(aws.client("sts").get_caller_identity(), keys=["Account"])
    assert capsys.readouterr().out.splitlines()[-3:] == ["{", '  "Account": "1234********"', "}"]


def test_a_closed_session_hands_out_no_clients():
    aws = cl_aws.session("lesson05")
    aws.close()
    with pytest.raises(cl_aws.CourseAwsError, match="session is closed"):
        aws.client("sqs")


def test_session_arguments_are_checked_before_anything_runs():
    with pytest.raises(ValueError, match="lesson: expected"):
        cl_aws.session("Lesson 5")
    with pytest.raises(ValueError, match="unknown billed unit"):
        cl_aws.session("lesson05", usage={"gpu_hours": 1})


def test_deleting_what_is_already_gone_is_not_an_error():
    from course_lib.aws import deletion

    with cl_aws.session("lesson06", creates=ALL_KINDS) as aws:
        create_one_of_each(aws)
        created = list(aws.created)
        clients = deletion.cached_clients(aws.backend.client)
        assert [deletion.delete_resource(clients, r) for r in reversed(created)] == [True] * 7
        assert [deletion.delete_resource(clients, r) for r in reversed(created)] == [False] * 7


def test_failed_states_stay_off_stderr(caplog):
    with cl_aws.session("lesson05", creates=["state-machine:night"]) as aws:
        sfn = aws.client("stepfunctions")
        machine = sfn.create_state_machine(
            name=aws.name("night"), definition=HOUR_WAIT, roleArn="arn:aws:iam::123456789012:role/x"
        )
        run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])
        assert aws.wait_for_execution(run["executionArn"], timeout=20)["status"] == "FAILED"
    assert [r for r in caplog.records if r.name.startswith("moto")] == []
