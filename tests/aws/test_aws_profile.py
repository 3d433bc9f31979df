"""Offline cells work whatever the learner's AWS_PROFILE says: the offline account never reads it."""

import os
import subprocess
import sys

CELL = """
import os
import course_lib as cl
print(cl.aws.leftovers())
with cl.aws.session("lesson05", creates=["state-machine:orders"]) as aws:
    print(aws.client("stepfunctions").list_state_machines()["stateMachines"])
print(os.environ["AWS_PROFILE"])
"""


def test_offline_runs_with_a_profile_that_does_not_exist(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "COURSE_"))
    }
    env.update(
        AWS_PROFILE="no-such-profile",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    result = subprocess.run(
        [sys.executable, "-c", CELL],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "[]"
    assert "[]" in lines[1:]
    assert lines[-1] == "no-such-profile"
    assert result.stderr == ""
