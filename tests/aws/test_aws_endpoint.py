"""The endpoint backend against a moto server started on loopback for the test."""

import json

import pytest
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

import course_lib.aws as cl_aws
from course_lib.aws import backends

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


@pytest.fixture
def moto_server(monkeypatch):
    """A moto server on loopback; the settings the layer sends it are undone afterwards.

    The server runs in this process, so its settings are this process's moto settings.
    """
    for section in ("stepfunctions", "lambda"):
        monkeypatch.setitem(default_user_config, section, default_user_config[section])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv(backends.ENDPOINT_ENV, f"http://{host}:{port}")
    yield f"http://{host}:{port}"
    try:
        assert cl_aws.leftovers() == []
    finally:
        server.stop()


def test_endpoint_session_runs_and_cleans_up(moto_server, capsys):
    with cl_aws.session("lesson05", creates=["state-machine:orders", "queue:kitchen"]) as aws:
        assert aws.mode == "endpoint"
        sfn = aws.client("stepfunctions")
        assert sfn.meta.endpoint_url == moto_server
        machine = sfn.create_state_machine(
            name=aws.name("orders"), definition=PASS, roleArn="arn:aws:iam::123456789012:role/x"
        )
        run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"a": 1}')
        assert run["executionArn"].endswith(":run-0001")
        assert aws.wait_for_execution(run["executionArn"], timeout=20)["output"] == '{"a": 1}'
        aws.client("sqs").create_queue(QueueName=aws.name("kitchen"))
    out = capsys.readouterr().out
    assert out.startswith(f"Endpoint {moto_server} (COURSE_AWS_ENDPOINT_URL), region us-east-1")
    assert "account 1234********" in out


def test_unreachable_endpoint_says_so(monkeypatch):
    monkeypatch.setenv(backends.ENDPOINT_ENV, "http://127.0.0.1:9")
    with pytest.raises(cl_aws.CourseAwsError, match="Could not connect to http://127.0.0.1:9"):
        backends.choose_backend()


def test_endpoint_must_be_a_url(monkeypatch):
    monkeypatch.setenv(backends.ENDPOINT_ENV, "localhost:5000")
    with pytest.raises(cl_aws.CourseAwsError, match="must be a URL"):
        backends.choose_backend()


def test_the_moto_server_is_told_to_run_executions(moto_server):
    backends.choose_backend()
    assert default_user_config["stepfunctions"] == {"execute_state_machine": True}
