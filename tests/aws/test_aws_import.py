"""Importing the layer stays cheap: boto3, botocore and moto load with the first client."""

import subprocess
import sys


def test_import_loads_neither_boto3_nor_moto():
    code = (
        "import sys, course_lib, course_lib.aws as aws; "
        "aws.resource_name('lesson05', 'x'); aws.mask('123456789012'); aws.estimate_cost({}); "
        "print(sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
