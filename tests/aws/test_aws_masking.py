"""Account ids never reach a stored output; printed responses are the same on every run."""

from datetime import UTC, datetime

from course_lib.aws import masking


def test_account_ids_are_masked_in_arns_and_urls():
    arn = "arn:aws:states:eu-west-1:210987654321:stateMachine:eda-course-lesson05-orders"
    assert masking.mask(arn) == (
        "arn:aws:states:eu-west-1:2109********:stateMachine:eda-course-lesson05-orders"
    )
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/eda-course-lesson06-kitchen"
    assert "123456789012" not in masking.mask(url)
    assert masking.mask("role/123456789012345") == "role/123456789012345"


def test_credentials_in_urls_are_removed():
    assert masking.mask("http://user:secret@127.0.0.1:5000") == "http://127.0.0.1:5000"


def test_printable_drops_metadata_and_timestamps_and_keeps_only_asked_keys():
    response = {
        "status": "SUCCEEDED",
        "startDate": datetime(2026, 1, 1, tzinfo=UTC),
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:run-0001",
        "ResponseMetadata": {"RequestId": "random"},
        "nested": [{"when": datetime(2026, 1, 1, tzinfo=UTC)}],
    }
    assert masking.printable(response) == {
        "status": "SUCCEEDED",
        "startDate": "<timestamp>",
        "executionArn": "arn:aws:states:us-east-1:1234********:execution:m:run-0001",
        "nested": [{"when": "<timestamp>"}],
    }
    assert masking.printable(response, keys=["status", "missing"]) == {"status": "SUCCEEDED"}
    assert masking.to_json(response, ["status"]) == '{\n  "status": "SUCCEEDED"\n}'


def test_integer_account_ids_are_masked():
    response = {
        "Account": 123456789012,
        "OwnerId": 12345678901,
        "Accounts": [210987654321],
        "Count": 5,
        "Enabled": True,
        "Bytes": 12345678901,
        "Nested": {"accountId": 7},
    }
    assert masking.printable(response) == {
        "Account": "1234********",
        "OwnerId": "0123********",
        "Accounts": ["2109********"],
        "Count": 5,
        "Enabled": True,
        "Bytes": 12345678901,
        "Nested": {"accountId": "0000********"},
    }
    assert masking.mask(123456789012) == "1234********"
    assert masking.mask(10**13) == str(10**13)
    assert "123456789012" not in masking.to_json({"Account": 123456789012})
    assert "123456789012" not in masking.to_json([123456789012])
