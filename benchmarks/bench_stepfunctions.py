"""Speed of the local Step Functions engine, side by side with moto running the same definitions.

    python benchmarks/bench_stepfunctions.py [--runs 200] [--moto-runs 20] [--chain 500] [--items 6000]

Measures, in one run on this machine:
1. wall time per execution of a 7-state workflow (local vs moto, ratio),
2. state transitions per second on a long Pass chain (local vs moto, ratio),
3. wall time of a 6,000-item inline Map (local; moto with a deadline); an inline Map
   over 10,000 items would pass AWS's 25,000-event history quota and fail.
moto executes in a background thread, so each moto execution is polled with
describe_execution until it finishes or its deadline passes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from course_lib.stepfunctions import execute

SEVEN_STATES = {
    "Comment": "Seven states of data flow: Pass, intrinsics, Choice, Wait, Succeed.",
    "StartAt": "Receive",
    "States": {
        "Receive": {
            "Type": "Pass",
            "Parameters": {"order.$": "$", "received": True},
            "Next": "Price",
        },
        "Price": {
            "Type": "Pass",
            "Parameters": {
                "order.$": "$.order",
                "total.$": "States.MathAdd($.order.base, $.order.extras)",
            },
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.total", "NumericGreaterThan": 20, "Next": "Large"}],
            "Default": "Small",
        },
        "Large": {"Type": "Pass", "Result": "large", "ResultPath": "$.size", "Next": "Rest"},
        "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "Next": "Rest"},
        "Rest": {"Type": "Wait", "Seconds": 0, "Next": "Done"},
        "Done": {"Type": "Succeed", "OutputPath": "$.size"},
    },
}
SEVEN_INPUT = {"base": 15, "extras": 7}


def pass_chain(length: int) -> dict:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def big_map() -> dict:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {"Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}},
                },
                "End": True,
            }
        },
    }


def time_local(definition: dict, payload, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = execute(definition, payload)
        times.append(time.perf_counter() - start)
        if result.status != "SUCCEEDED":
            raise RuntimeError(f"local execution {result.status}: {result.error} {result.cause}")
    return times


class Moto:
    """A moto Step Functions mock that really executes definitions."""

    def __init__(self) -> None:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        import boto3
        from moto import mock_aws

        self.mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self.mock.start()
        self.client = boto3.client("stepfunctions", region_name="us-east-1")
        self.count = 0

    def create(self, definition: dict) -> str:
        self.count += 1
        return self.client.create_state_machine(
            name=f"bench{self.count}",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]

    def run(self, arn: str, payload, deadline: float) -> tuple[float, str]:
        self.count += 1
        start = time.perf_counter()
        execution = self.client.start_execution(
            stateMachineArn=arn, name=f"run{self.count}", input=json.dumps(payload)
        )["executionArn"]
        while True:
            status = self.client.describe_execution(executionArn=execution)["status"]
            elapsed = time.perf_counter() - start
            if status != "RUNNING" or elapsed > deadline:
                return elapsed, status
            time.sleep(0.001)

    def stop(self) -> None:
        self.mock.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--moto-runs", type=int, default=20)
    parser.add_argument("--chain", type=int, default=500)
    parser.add_argument("--items", type=int, default=6000)
    parser.add_argument("--moto-deadline", type=float, default=120.0)
    args = parser.parse_args()

    # Local timings first, before moto patches botocore and starts its threads.
    time_local(SEVEN_STATES, SEVEN_INPUT, 20)  # warm-up: imports and caches
    local = statistics.median(time_local(SEVEN_STATES, SEVEN_INPUT, args.runs))
    chain = pass_chain(args.chain)
    local_chain = min(time_local(chain, {"x": 1}, 5))
    items = list(range(args.items))
    local_map = min(time_local(big_map(), items, 3))
    moto = Moto()
    try:
        arn = moto.create(SEVEN_STATES)
        moto_times = []
        for _ in range(args.moto_runs):
            elapsed, status = moto.run(arn, SEVEN_INPUT, args.moto_deadline)
            if status != "SUCCEEDED":
                raise RuntimeError(f"moto execution {status}")
            moto_times.append(elapsed)
        remote = statistics.median(moto_times)
        print(
            f"7-state workflow, median per execution: local {local * 1e3:.3f} ms, moto {remote * 1e3:.1f} ms, "
            f"local is {remote / local:.0f}x faster"
        )

        elapsed, status = moto.run(moto.create(chain), {"x": 1}, args.moto_deadline)
        local_rate = args.chain / local_chain
        moto_rate = args.chain / elapsed
        print(
            f"Pass chain of {args.chain}: local {local_rate:,.0f} transitions/s, moto {moto_rate:,.0f} transitions/s "
            f"({status}), local is {local_rate / moto_rate:.0f}x faster"
        )

        elapsed, status = moto.run(moto.create(big_map()), items, args.moto_deadline)
        moto_text = (
            f"{elapsed:.2f} s ({status})"
            if status == "SUCCEEDED"
            else f"over {args.moto_deadline:.0f} s ({status})"
        )
        print(
            f"Map over {args.items} items: local {local_map:.2f} s, moto {moto_text}, "
            f"local is {'at least ' if status != 'SUCCEEDED' else ''}{elapsed / local_map:.0f}x faster"
        )
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
