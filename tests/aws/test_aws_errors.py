"""Bad input gets one sentence that says what to do, not a botocore traceback."""

import pytest
from botocore import exceptions as bx
from botocore.stub import Stubber

import course_lib.aws as cl_aws
from course_lib.aws.errors import translate


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ExpiredToken", "credentials have expired"),
        ("ExpiredTokenException", "credentials have expired"),
        ("UnrecognizedClientException", "did not recognise the credentials"),
        ("InvalidClientTokenId", "did not recognise the credentials"),
        ("AccessDenied", "denied ListQueues .*course-learner-policy.json"),
        ("AccessDeniedException", "denied ListQueues"),
        ("ThrottlingException", "throttled ListQueues .* wait a minute"),
        ("RequestThrottled", "throttled ListQueues"),
    ],
)
def test_aws_error_codes_become_one_sentence(code, expected):
    with cl_aws.session("lesson06") as aws:
        sqs = aws.client("sqs")
        with Stubber(sqs) as stub:
            stub.add_client_error("list_queues", service_error_code=code, http_status_code=400)
            with pytest.raises(cl_aws.CourseAwsError, match=expected) as raised:
                sqs.list_queues()
    assert raised.value.code == code
    assert "\n" not in str(raised.value)


def test_other_aws_errors_stay_as_aws_reports_them():
    with cl_aws.session("lesson06") as aws:
        sqs = aws.client("sqs")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="eda-course-lesson06-missing")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (bx.NoRegionError(), "No AWS region is set: run `export AWS_DEFAULT_REGION"),
        (bx.NoCredentialsError(), "No AWS credentials were found: run `aws configure`"),
        (bx.PartialCredentialsError(provider="env", cred_var="key"), "No AWS credentials"),
        (bx.TokenRetrievalError(provider="sso", error_msg="x"), "run `aws sso login`"),
        (bx.ProfileNotFound(profile="nope"), "set AWS_PROFILE to a profile listed"),
        (bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "Could not connect"),
    ],
)
def test_botocore_exceptions_become_one_sentence(exc, expected):
    friendly = translate(exc)
    assert isinstance(friendly, cl_aws.CourseAwsError)
    assert expected in str(friendly)


def test_unknown_exceptions_are_not_translated():
    assert translate(ValueError("x")) is None


def test_the_session_block_turns_botocore_errors_into_course_errors():
    with (
        pytest.raises(cl_aws.CourseAwsError, match="No AWS credentials") as raised,
        cl_aws.session("lesson06"),
    ):
        raise bx.NoCredentialsError()
    assert raised.value.__suppress_context__


def test_aws_errors_leaving_a_session_have_account_ids_masked():
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:eda-course-lesson05-missing"
    with pytest.raises(bx.ClientError) as raised, cl_aws.session("lesson05") as aws:
        aws.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert raised.value.response["Error"]["Code"] == "StateMachineDoesNotExist"
    assert "1234********" in str(raised.value)
    assert "123456789012" not in str(raised.value)
