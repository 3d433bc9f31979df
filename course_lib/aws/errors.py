"""One clear sentence instead of a botocore traceback.

Live cells fail for a handful of reasons a learner can fix (no region, no or expired
credentials, a missing permission, throttling). Each becomes a :class:`CourseAwsError`
whose message says what to do next; anything else keeps AWS's own error.
"""

from __future__ import annotations

from course_lib.aws.masking import mask

POLICY_HINT = "data/iam/course-learner-policy.json (see docs/live-aws.md)"

#: AWS error codes that mean "your credentials are no longer valid".
EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
#: AWS error codes that mean "AWS does not know these credentials".
UNRECOGNIZED_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "IncompleteSignature",
    }
)
#: AWS error codes that mean "this identity may not call this operation".
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
#: AWS error codes that mean "too many requests, even after the SDK retried".
THROTTLED_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
    }
)


class CourseAwsError(RuntimeError):
    """A live-AWS cell failed for a reason the learner can fix; the message says how.

    ``code`` is the AWS error code or botocore exception name behind it, when there is one.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def message_for_code(code: str, operation: str) -> str | None:
    """The learner-facing sentence for an AWS error code, or None if AWS's own error is clearer."""
    if code in EXPIRED_CODES:
        return (
            f"{operation} failed because your AWS credentials have expired: refresh them "
            "(for example `aws sso login`, or new keys from your administrator) and run the "
            "cell again."
        )
    if code in UNRECOGNIZED_CODES:
        return (
            f"AWS did not recognise the credentials used for {operation}: check AWS_PROFILE "
            "or the access key in your environment (`aws sts get-caller-identity` should work "
            "in a terminal) and run the cell again."
        )
    if code in DENIED_CODES:
        return (
            f"AWS denied {operation} for your identity: attach the course policy "
            f"{POLICY_HINT} to your user or role, or ask your administrator to."
        )
    if code in THROTTLED_CODES:
        return (
            f"AWS throttled {operation} even after retrying: wait a minute and run the cell again."
        )
    return None


def translate(exc: BaseException, operation: str = "the call") -> CourseAwsError | None:
    """The :class:`CourseAwsError` a botocore exception stands for, or None to keep it as is."""
    from botocore import exceptions as bx

    if isinstance(exc, CourseAwsError):
        return exc
    if isinstance(exc, bx.NoRegionError):
        return CourseAwsError(
            "No AWS region is set: run `export AWS_DEFAULT_REGION=us-east-1` (or your region) "
            "before starting Jupyter, or pass region='us-east-1' to cl.aws.session().",
            code="NoRegionError",
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CourseAwsError(
            "No AWS credentials were found: run `aws configure` or `aws sso login` in a "
            "terminal (or set AWS_PROFILE), then restart the kernel and run the cell again.",
            code=type(exc).__name__,
        )
    if isinstance(
        exc, bx.TokenRetrievalError | bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError
    ):
        return CourseAwsError(
            "Your AWS SSO session has expired or was never started: run `aws sso login` in a "
            "terminal and run the cell again.",
            code=type(exc).__name__,
        )
    if isinstance(exc, bx.ProfileNotFound):
        return CourseAwsError(
            f"{exc}: set AWS_PROFILE to a profile listed by `aws configure list-profiles`, or "
            "unset it.",
            code="ProfileNotFound",
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        where = mask(str(exc.kwargs.get("endpoint_url", "the AWS endpoint")))
        return CourseAwsError(
            f"Could not connect to {where}: check "
            "your network, or that the server named in COURSE_AWS_ENDPOINT_URL is running.",
            code=type(exc).__name__,
        )
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = message_for_code(code, exc.operation_name or operation)
        if message is not None:
            return CourseAwsError(message, code=code)
    return None
