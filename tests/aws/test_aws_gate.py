"""The gate: offline by default; live only when asked for and credentials resolve."""

import pytest
from moto import mock_aws

import course_lib.aws as cl_aws
from course_lib.aws import backends, moto_support


@pytest.fixture
def no_learner_credentials(monkeypatch, tmp_path):
    """An environment in which botocore finds no credentials anywhere."""
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


@pytest.fixture
def learner_account(no_learner_credentials, monkeypatch):
    """Credentials that resolve, answered by a moto that stands in for the learner's AWS.

    The offline account stops first, so the two moto mocks never nest.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "learner-secret-value")
    moto_support.stop_offline_account()
    with mock_aws():
        yield


def test_off_by_default():
    backend = backends.choose_backend()
    assert (backend.mode, backend.region, backend.account_id) == (
        "offline",
        "us-east-1",
        "123456789012",
    )
    assert backend.fallback_reason is None


@pytest.mark.parametrize("value", ["0", "false", "no", "off", ""])
def test_explicit_off_values(monkeypatch, value):
    monkeypatch.setenv(backends.LIVE_ENV, value)
    assert not backends.live_requested()


def test_an_unclear_opt_in_value_is_an_error(monkeypatch):
    monkeypatch.setenv(backends.LIVE_ENV, "maybe")
    with pytest.raises(cl_aws.CourseAwsError, match="must be 1 .* or 0 .* got 'maybe'"):
        backends.choose_backend()


def test_live_and_endpoint_together_is_an_error(monkeypatch):
    monkeypatch.setenv(backends.LIVE_ENV, "1")
    monkeypatch.setenv(backends.ENDPOINT_ENV, "http://127.0.0.1:1")
    with pytest.raises(cl_aws.CourseAwsError, match="unset one of them"):
        backends.choose_backend()


def test_opted_in_without_credentials_says_why_and_runs_offline(
    monkeypatch, no_learner_credentials, capsys
):
    monkeypatch.setenv(backends.LIVE_ENV, "1")
    with cl_aws.session("lesson05", creates=["queue:orders"]) as aws:
        assert aws.mode == "offline"
        aws.client("sqs").create_queue(QueueName=aws.name("orders"))
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("COURSE_LIVE_AWS=1 is set, but No AWS credentials were found")
    assert first.endswith("This cell runs offline instead.")


def test_opted_in_without_region_says_how_to_set_one(monkeypatch, no_learner_credentials):
    monkeypatch.setenv(backends.LIVE_ENV, "1")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    backend = backends.choose_backend()
    assert backend.mode == "offline"
    assert backend.fallback_reason.startswith("No AWS region is set")


def test_opted_in_with_credentials_goes_live(monkeypatch, learner_account, capsys):
    monkeypatch.setenv(backends.LIVE_ENV, "1")
    with cl_aws.session(
        "lesson06", creates=["queue:kitchen"], usage={"sqs_standard_requests": 3}
    ) as aws:
        assert (aws.mode, aws.region) == ("live", "eu-west-1")
        assert not moto_support.offline_running()
        url = aws.client("sqs").create_queue(QueueName=aws.name("kitchen"))["QueueUrl"]
        tags = aws.client("sqs").list_queue_tags(QueueUrl=url)["Tags"]
        assert tags == {"course": "serverless-week2-eda", "lesson": "lesson06"}
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "Live AWS (COURSE_LIVE_AWS=1): account 1234********, region eu-west-1."
    )
    assert "123456789012" not in out
    assert "AKIAEXAMPLE" not in out and "learner-secret-value" not in out
    assert out.splitlines()[-1] == "Deleted SQS queue eda-course-lesson06-kitchen."
    assert cl_aws.leftovers() == []


def test_offline_ignores_the_learners_aws_settings(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://10.255.255.1:1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALEARNERKEY000000")
    backend = backends.choose_backend()
    assert backend.region == "us-east-1"
    client = backend.client("sqs")
    assert client.meta.endpoint_url == "https://sqs.us-east-1.amazonaws.com"
    assert backend.boto3_session.get_credentials().access_key == "testing"
    assert client.list_queues().get("QueueUrls", []) == []
    import os

    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIALEARNERKEY000000"


def test_live_service_roles_wait_for_iam(monkeypatch, learner_account):
    from course_lib.aws import sessions as session_module

    monkeypatch.setenv(backends.LIVE_ENV, "1")
    monkeypatch.setattr(session_module, "IAM_PROPAGATION_SECONDS", 0)
    slept = []
    monkeypatch.setattr(session_module.time, "sleep", slept.append)
    with cl_aws.session("lesson07", creates=["role:bus"]) as aws:
        arn = aws.service_role("events", "bus")
        assert arn.endswith(":role/eda-course-lesson07-bus")
        tags = aws.client("iam").list_role_tags(RoleName=aws.name("bus"))["Tags"]
        assert {t["Key"]: t["Value"] for t in tags}["lesson"] == "lesson07"
    assert slept == [0]
    assert cl_aws.leftovers() == []


def test_stopping_the_offline_account_restores_motos_settings():
    from moto.core.config import default_user_config

    moto_support.stop_offline_account()
    before = {key: dict(value) for key, value in default_user_config.items()}
    backends.choose_backend()
    assert default_user_config["stepfunctions"]["execute_state_machine"] is True
    moto_support.stop_offline_account()
    assert default_user_config == before
