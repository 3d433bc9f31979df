"""Executions end to end: each state type, virtual time, history shape, handlers."""

from __future__ import annotations

import json

import pytest

from course_lib.sim.world import World
from course_lib.stepfunctions import InvalidDefinition, StateMachine, execute


def machine(states: dict, start: str | None = None, **top) -> dict:
    return {"StartAt": start or next(iter(states)), "States": states, **top}


def test_pass_chain_and_history_shape():
    ex = execute(
        machine(
            {
                "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
                "B": {"Type": "Succeed"},
            }
        ),
        {"in": True},
    )
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"in": True, "a": {"x": 1}}
    assert ex.states_entered == ["A", "B"]
    types = [e["type"] for e in ex.history]
    assert types == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in ex.history] == list(range(1, 7))
    assert [e["previousEventId"] for e in ex.history] == list(range(0, 6))
    assert json.loads(ex.history[-1]["executionSucceededEventDetails"]["output"]) == ex.output
    assert ex.history[1]["stateEnteredEventDetails"]["name"] == "A"


def test_definition_and_input_as_json_strings():
    ex = execute(json.dumps(machine({"A": {"Type": "Pass", "End": True}})), '{"k": [1, 2]}')
    assert ex.output == {"k": [1, 2]}


def test_wait_a_year_costs_no_wall_time_and_moves_the_clock():
    world = World(seed=1)
    ex = execute(
        machine({"W": {"Type": "Wait", "Seconds": 365 * 24 * 3600, "End": True}}), {}, world=world
    )
    assert ex.status == "SUCCEEDED"
    assert world.now == 365 * 24 * 3600
    assert (ex.stop_date - ex.start_date).days == 365


def test_wait_timestamp_path_and_seconds_path():
    world = World(seed=1)
    start = world.timestamp()
    later = (start.replace(microsecond=0)).isoformat().replace("+00:00", "Z")
    ex = execute(
        machine(
            {
                "S": {"Type": "Wait", "SecondsPath": "$.s", "Next": "T"},
                "T": {"Type": "Wait", "TimestampPath": "$.t", "End": True},
            }
        ),
        {"s": 30, "t": later},
        world=world,
    )
    assert ex.status == "SUCCEEDED"
    assert world.now == 30


def test_fail_state_error_and_cause():
    ex = execute(machine({"F": {"Type": "Fail", "Error": "Oops", "Cause": "because"}}), {})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Oops", "because")
    assert ex.history[-1]["type"] == "ExecutionFailed"


def test_choice_rules_and_default():
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Not": {"Variable": "$.n", "IsPresent": True}, "Next": "Missing"},
                    {
                        "And": [
                            {"Variable": "$.n", "NumericGreaterThan": 1},
                            {"Variable": "$.n", "NumericLessThan": 10},
                        ],
                        "Next": "Mid",
                    },
                    {"Variable": "$.name", "StringMatches": "pizza\\*-*", "Next": "Star"},
                ],
                "Default": "Other",
            },
            "Mid": {"Type": "Pass", "Result": "mid", "End": True},
            "Star": {"Type": "Pass", "Result": "star", "End": True},
            "Missing": {"Type": "Pass", "Result": "missing", "End": True},
            "Other": {"Type": "Pass", "Result": "other", "End": True},
        }
    )
    assert execute(definition, {"n": 5}).output == "mid"
    assert execute(definition, {"n": 50, "name": "pizza*-margherita"}).output == "star"
    assert execute(definition, {"n": 50, "name": "pizzaX-margherita"}).output == "other"
    assert execute(definition, {}).output == "missing"
    broken = execute(definition, {"n": 50})
    assert broken.error == "States.Runtime" and "$.name" in broken.cause


def test_choice_without_match_or_default_fails():
    ex = execute(
        machine(
            {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}],
                },
                "E": {"Type": "Succeed"},
            }
        ),
        {"n": 2},
    )
    assert ex.error == "States.NoChoiceMatched"


def test_parallel_branches_overlap_in_virtual_time():
    world = World(seed=1)

    def branch(s):
        return {
            "StartAt": f"W{s}",
            "States": {f"W{s}": {"Type": "Wait", "Seconds": s, "End": True}},
        }

    ex = execute(
        machine({"P": {"Type": "Parallel", "Branches": [branch(10), branch(20)], "End": True}}),
        {"v": 1},
        world=world,
    )
    assert ex.output == [{"v": 1}, {"v": 1}]
    assert world.now == 20


def test_map_concurrency_limits_overlap():
    world = World(seed=1)
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    ex = execute(
        machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "MaxConcurrency": 2,
                    "ItemProcessor": processor,
                    "End": True,
                }
            }
        ),
        {"items": [1, 2, 3, 4, 5]},
        world=world,
    )
    assert ex.output == [1, 2, 3, 4, 5]
    assert world.now == 30


def test_map_item_selector_sees_index_and_value():
    ex = execute(
        machine(
            {
                "M": {
                    "Type": "Map",
                    "ItemSelector": {
                        "i.$": "$$.Map.Item.Index",
                        "v.$": "$$.Map.Item.Value",
                        "k.$": "$.k",
                    },
                    "ItemsPath": "$.xs",
                    "ItemProcessor": {
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                }
            }
        ),
        {"xs": ["a", "b"], "k": 7},
    )
    assert ex.output == [{"i": 0, "v": "a", "k": 7}, {"i": 1, "v": "b", "k": 7}]


def test_map_tolerated_failures():
    processor = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Bad"}],
                "Default": "Ok",
            },
            "Bad": {"Type": "Fail", "Error": "Zero"},
            "Ok": {"Type": "Pass", "End": True},
        },
    }
    tolerant = machine(
        {"M": {"Type": "Map", "ToleratedFailureCount": 1, "ItemProcessor": processor, "End": True}}
    )
    ex = execute(tolerant, [1, 0, 2])
    assert ex.status == "SUCCEEDED"
    assert ex.output[1] == {"Error": "Zero"}
    ex = execute(tolerant, [0, 0, 2])
    assert ex.error == "States.ExceedToleratedFailureThreshold"
    strict = machine({"M": {"Type": "Map", "ItemProcessor": processor, "End": True}})
    assert execute(strict, [1, 0]).error == "Zero"


def test_lambda_handler_by_name_and_invoke_wrapper():
    def double(event, context):
        return {"n": event["n"] * 2}

    arn = "arn:aws:lambda:us-east-1:123456789012:function:double"
    direct = execute(
        machine({"T": {"Type": "Task", "Resource": arn, "End": True}}),
        {"n": 2},
        handlers={"double": double},
    )
    assert direct.output == {"n": 4}
    wrapped = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": f"{arn}:prod", "Payload.$": "$"},
                    "End": True,
                }
            }
        ),
        {"n": 3},
        handlers={arn: double},
    )
    assert wrapped.output["Payload"] == {"n": 6}
    assert wrapped.output["StatusCode"] == 200
    assert wrapped.output["ExecutedVersion"] == "$LATEST"
    types = [e["type"] for e in direct.history]
    assert "LambdaFunctionScheduled" in types and "LambdaFunctionSucceeded" in types
    assert "TaskScheduled" in [e["type"] for e in wrapped.history]


def test_handler_exception_becomes_lambda_error():
    class PaymentDeclined(Exception):
        pass

    def handler(event, context):
        raise PaymentDeclined("card expired")

    ex = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pay",
                    "End": True,
                }
            }
        ),
        {},
        handlers={"pay": handler},
    )
    assert ex.error == "PaymentDeclined"
    cause = json.loads(ex.cause)
    assert cause["errorMessage"] == "card expired"
    assert cause["errorType"] == "PaymentDeclined"
    assert set(cause) == {"errorMessage", "errorType", "requestId", "stackTrace"}


def test_missing_handler_names_the_arn():
    arn = "arn:aws:lambda:us-east-1:123456789012:function:nobody"
    ex = execute(machine({"T": {"Type": "Task", "Resource": arn, "End": True}}), {})
    assert ex.status == "FAILED"
    assert arn in ex.cause


def test_retry_backoff_runs_on_virtual_time_then_catch():
    calls = []

    def flaky(event, context):
        calls.append(context.world.now)
        raise TimeoutError("slow")

    world = World(seed=3)
    ex = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                    "Retry": [
                        {
                            "ErrorEquals": ["TimeoutError"],
                            "IntervalSeconds": 2,
                            "MaxAttempts": 3,
                            "BackoffRate": 3,
                        }
                    ],
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}
                    ],
                    "End": True,
                },
                "Handled": {"Type": "Pass", "End": True},
            }
        ),
        {"order": 1},
        handlers={"flaky": flaky},
        world=world,
    )
    assert calls == [0, 2, 8, 26]
    assert ex.status == "SUCCEEDED"
    assert ex.output["order"] == 1
    assert ex.output["error"]["Error"] == "TimeoutError"


def test_runtime_errors_are_not_caught_by_states_all():
    ex = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "f", "Payload.$": "$.missing"},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
                    "End": True,
                },
                "H": {"Type": "Succeed"},
            }
        ),
        {},
        handlers={"f": lambda e, c: e},
    )
    assert ex.error == "States.Runtime"


def test_task_timeout_with_virtual_sleep():
    def slow(event, context):
        context.sleep(120)
        return event

    ex = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
                    "TimeoutSeconds": 5,
                    "End": True,
                }
            }
        ),
        {},
        handlers={"slow": slow},
    )
    assert ex.error == "States.Timeout"


def test_execution_timeout_gives_timed_out():
    world = World(seed=1)
    ex = execute(
        machine({"W": {"Type": "Wait", "Seconds": 100, "End": True}}, TimeoutSeconds=10),
        {},
        world=world,
    )
    assert ex.status == "TIMED_OUT"
    assert world.now == 10
    assert ex.history[-1]["type"] == "ExecutionTimedOut"


def test_put_events_calls_the_world_bus():
    class Bus:
        def __init__(self):
            self.entries = []

        def put_events(self, entries):
            self.entries.extend(entries)
            return {
                "FailedEntryCount": 0,
                "Entries": [{"EventId": f"e{i}"} for i, _ in enumerate(entries)],
            }

    world = World(seed=1)
    bus = Bus()
    world.register("events", bus)
    ex = execute(
        machine(
            {
                "P": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::events:putEvents",
                    "Parameters": {
                        "Entries": [
                            {
                                "Source": "pizza.shop",
                                "DetailType": "OrderPlaced",
                                "Detail": {"id.$": "$.id"},
                                "EventBusName": "default",
                            }
                        ]
                    },
                    "End": True,
                }
            }
        ),
        {"id": 7},
        world=world,
    )
    assert ex.output == {"FailedEntryCount": 0, "Entries": [{"EventId": "e0"}]}
    assert bus.entries[0]["Detail"] == '{"id":7}'
    assert bus.entries[0]["Resources"] == [ex.execution_arn, ex.state_machine_arn]


def test_put_events_with_failed_entries_fails_the_task():
    class RejectingBus:
        def put_events(self, entries):
            return {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "no"}],
            }

    world = World(seed=1)
    world.register("events", RejectingBus())
    ex = execute(
        machine(
            {
                "P": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::events:putEvents",
                    "Parameters": {"Entries": [{"Source": "s", "DetailType": "d", "Detail": {}}]},
                    "End": True,
                }
            }
        ),
        {},
        world=world,
    )
    assert ex.error == "EventBridge.FailedEntry"
    assert json.loads(ex.cause)["FailedEntryCount"] == 1


def test_put_events_without_bus_is_a_clear_error():
    ex = execute(
        machine(
            {
                "P": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::events:putEvents",
                    "Parameters": {"Entries": []},
                    "End": True,
                }
            }
        ),
        {},
    )
    assert ex.status == "FAILED" and "events" in ex.cause


def test_callback_with_task_token():
    world = World(seed=1)
    sm = StateMachine(
        machine(
            {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": "notify",
                        "Payload": {"token.$": "$$.Task.Token"},
                    },
                    "End": True,
                }
            }
        ),
        world=world,
        handlers={"notify": lambda e, c: None},
    )
    arn = sm.start_execution({"x": 1})["executionArn"]
    world.run(until=60)
    assert sm.describe_execution(arn)["status"] == "RUNNING"
    tokens = world.service("states")
    [token] = tokens.pending()
    tokens.send_task_success(token, {"approved": True})
    world.run()
    assert sm.execution(arn).output == {"approved": True}


def test_callback_failure_and_heartbeat_timeout():
    world = World(seed=1)
    definition = machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 30,
                "End": True,
            }
        }
    )
    sm = StateMachine(definition, world=world, handlers={"notify": lambda e, c: None})
    first = sm.start_execution({}, name="first")["executionArn"]
    world.run(until=1)
    tokens = world.service("states")
    tokens.send_task_failure(tokens.pending()[0], "Rejected", "no stock")
    second = sm.start_execution({}, name="second")["executionArn"]
    world.run()
    assert (sm.execution(first).error, sm.execution(first).cause) == ("Rejected", "no stock")
    assert sm.execution(second).error == "States.HeartbeatTimeout"


def test_express_rejects_wait_for_task_token():
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f"},
                "End": True,
            }
        }
    )
    with pytest.raises(InvalidDefinition) as info:
        execute(definition, {}, state_machine_type="EXPRESS")
    assert info.value.diagnostics[0].code == "SCHEMA_VALIDATION_FAILED"
    assert "waitForTaskToken" in info.value.diagnostics[0].message


def test_state_machine_registers_on_world_and_is_startable_by_arn():
    world = World(seed=1)
    sm = StateMachine(machine({"A": {"Type": "Pass", "End": True}}), world=world, name="Orders")
    assert sm.arn == "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
    started = world.service(sm.arn).start_execution(input={"id": 1}, name="run1")
    world.run()
    assert started["executionArn"].endswith(":execution:Orders:run1")
    assert sm.describe_execution(started["executionArn"])["status"] == "SUCCEEDED"
    assert (
        sm.get_execution_history(started["executionArn"])["events"][0]["type"] == "ExecutionStarted"
    )
    with pytest.raises(ValueError, match="ExecutionAlreadyExists"):
        sm.start_execution({}, name="run1")


def test_same_seed_same_ids_and_history():
    definition = machine(
        {
            "U": {
                "Type": "Pass",
                "Parameters": {"id.$": "States.UUID()", "r.$": "States.MathRandom(1, 1000)"},
                "End": True,
            }
        }
    )
    a = execute(definition, {}, world=World(seed=9))
    b = execute(definition, {}, world=World(seed=9))
    assert a.output == b.output
    assert a.history == b.history
    assert execute(definition, {}, world=World(seed=10)).output != a.output


def test_variables_scoping_in_map():
    ex = execute(
        machine(
            {
                "Set": {"Type": "Pass", "Assign": {"bias": 10}, "Next": "M"},
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "Add",
                        "States": {
                            "Add": {
                                "Type": "Pass",
                                "Parameters": {"v.$": "States.MathAdd($, $bias)"},
                                "Assign": {"inner": 1},
                                "End": True,
                            }
                        },
                    },
                    "Next": "After",
                },
                "After": {
                    "Type": "Pass",
                    "Parameters": {"bias.$": "$bias", "out.$": "$"},
                    "End": True,
                },
            }
        ),
        [1, 2],
    )
    assert ex.output == {"bias": 10, "out": [{"v": 11}, {"v": 12}]}


def test_jsonata_state():
    ex = execute(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "J",
            "States": {
                "J": {
                    "Type": "Pass",
                    "Assign": {"total": "{% $sum($states.input.prices) %}"},
                    "Output": {
                        "count": "{% $count($states.input.prices) %}",
                        "first": "{% $states.input.prices[0] %}",
                    },
                    "Next": "K",
                },
                "K": {"Type": "Pass", "Output": "{% $total %}", "End": True},
            },
        },
        {"prices": [3, 4]},
    )
    assert ex.output == 7
    assert ex.history[2]["stateExitedEventDetails"]["assignedVariables"] == {"total": "7"}


def test_jsonata_now_and_uuid_are_virtual_and_seeded():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "J"},
            "J": {
                "Type": "Pass",
                "Output": {"now": "{% $now() %}", "id": "{% $uuid() %}", "ms": "{% $millis() %}"},
                "End": True,
            },
        },
    }
    a = execute(definition, {}, world=World(seed=2))
    b = execute(definition, {}, world=World(seed=2))
    assert a.output == b.output
    assert a.output["now"] == "2025-01-06T10:00:00.000Z"


def test_stop_execution_aborts_and_stops_children():
    world = World(seed=1)
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    sm = StateMachine(
        machine({"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}), world=world
    )
    arn = sm.start_execution([1, 2, 3])["executionArn"]
    world.run(until=10)
    sm.stop_execution(arn, error="Operator", cause="stopped by hand")
    world.run()
    ex = sm.execution(arn)
    assert (ex.status, ex.error, ex.cause) == ("ABORTED", "Operator", "stopped by hand")
    assert ex.stop_date == world.timestamp(10)
    assert world.now == 10
    assert ex.history[-1]["type"] == "ExecutionAborted"
    assert "MapIterationSucceeded" not in [e["type"] for e in ex.history]


def test_timeouts_are_recorded_as_timed_out_events():
    def slow(event, context):
        context.sleep(10)

    ex = execute(
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "slow"},
                    "TimeoutSeconds": 1,
                    "End": True,
                }
            }
        ),
        {},
        handlers={"slow": slow},
    )
    assert ex.error == "States.Timeout"
    assert "TaskTimedOut" in [e["type"] for e in ex.history]


def test_oversized_input_is_refused():
    with pytest.raises(ValueError, match="InvalidExecutionInput"):
        execute(machine({"A": {"Type": "Pass", "End": True}}), {"blob": "x" * (300 * 1024)})


def test_inline_map_runs_at_most_40_iterations_at_once():
    world = World(seed=1)
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    execute(
        machine({"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}),
        list(range(100)),
        world=world,
    )
    assert world.now == 30


def test_parallel_failure_aborts_sibling_branches():
    world = World(seed=1)
    slow = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 100, "Next": "After"},
            "After": {"Type": "Pass", "End": True},
        },
    }
    fast = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "first"}}}
    ex = execute(
        machine({"P": {"Type": "Parallel", "Branches": [slow, fast], "End": True}}), {}, world=world
    )
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Broken", "first")
    assert ex.stop_date == world.timestamp(0)
    world.run()
    assert world.now == 0
    assert "After" not in ex.states_entered


def test_express_executions_stop_after_five_minutes():
    definition = machine({"W": {"Type": "Wait", "Seconds": 600, "End": True}})
    assert execute(definition, {}, state_machine_type="EXPRESS").status == "TIMED_OUT"
    assert execute(definition, {}).status == "SUCCEEDED"
    world = World(seed=1)
    sm = StateMachine(definition, world=world, state_machine_type="EXPRESS", name="Quick")
    arn = sm.start_execution({})["executionArn"]
    assert ":express:Quick:" in arn
    with pytest.raises(ValueError, match="EXPRESS"):
        sm.get_execution_history(arn)


def test_lambda_invoke_event_and_dry_run():
    calls = []

    def handler(event, context):
        calls.append(event)
        raise RuntimeError("async failures stay in Lambda")

    world = World(seed=1)
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": "f",
                    "InvocationType.$": "$.type",
                    "Payload": {"x": 1},
                },
                "End": True,
            }
        }
    )
    event = execute(definition, {"type": "Event"}, handlers={"f": handler}, world=world)
    assert event.status == "SUCCEEDED"
    assert (event.output["StatusCode"], event.output["Payload"]) == (202, "")
    assert calls == [{"x": 1}]
    assert world.trace[-1].meta["result"].startswith("failed")
    dry = execute(definition, {"type": "DryRun"}, handlers={"f": handler})
    assert dry.output["StatusCode"] == 204 and len(calls) == 1


def test_service_handlers_get_a_context_and_can_take_time():
    def get_item(parameters, context):
        context.sleep(2)
        return {"Item": {"id": {"S": parameters["Key"]["id"]["S"]}, "resource": context.resource}}

    world = World(seed=1)
    resource = "arn:aws:states:::aws-sdk:dynamodb:getItem"
    ex = execute(
        machine(
            {
                "G": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"TableName": "t", "Key": {"id": {"S.$": "$.id"}}},
                    "End": True,
                }
            }
        ),
        {"id": "o1"},
        handlers={resource: get_item},
        world=world,
    )
    assert ex.output == {"Item": {"id": {"S": "o1"}, "resource": resource}}
    assert world.now == 2


def test_item_reader_and_result_writer_through_handlers():
    reader = "arn:aws:states:::s3:getObject"
    writer = "arn:aws:states:::s3:putObject"
    stored = {}

    def read(request, context):
        return [{"n": i} for i in range(request["Parameters"]["Count"])]

    def write(request, context):
        stored["results"] = request["Results"]
        return {"ResultWriterDetails": {"Bucket": request["Parameters"]["Bucket"]}}

    definition = machine(
        {
            "M": {
                "Type": "Map",
                "ItemReader": {"Resource": reader, "Parameters": {"Count.$": "$.count"}},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "ResultWriter": {"Resource": writer, "Parameters": {"Bucket": "results"}},
                "End": True,
            }
        }
    )
    ex = execute(definition, {"count": 3}, handlers={reader: read, writer: write})
    assert ex.output == {"ResultWriterDetails": {"Bucket": "results"}}
    assert stored["results"] == [{"n": 0}, {"n": 1}, {"n": 2}]
    missing = execute(definition, {"count": 3})
    assert missing.error == "States.ItemReaderFailed" and reader in missing.cause


def test_describe_state_machine_and_list_executions():
    world = World(seed=1)
    definition = machine({"W": {"Type": "Wait", "Seconds": 10, "End": True}})
    sm = StateMachine(definition, world=world, name="Lister")
    first = sm.start_execution({}, name="a")["executionArn"]
    world.run(until=20)
    second = sm.start_execution({}, name="b")["executionArn"]
    described = sm.describe_state_machine()
    assert described["name"] == "Lister" and described["type"] == "STANDARD"
    assert json.loads(described["definition"]) == definition
    listed = sm.list_executions()["executions"]
    assert [e["executionArn"] for e in listed] == [second, first]
    assert [e["name"] for e in sm.list_executions("SUCCEEDED")["executions"]] == ["a"]


def test_execute_returns_while_a_token_is_pending_even_on_a_busy_world():
    world = World(seed=1)

    def ticker():
        while True:
            yield world.env.timeout(30 * 24 * 3600)

    world.env.process(ticker())
    definition = machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f", "Payload": {"t.$": "$$.Task.Token"}},
                "End": True,
            }
        }
    )
    ex = execute(definition, {}, handlers={"f": lambda e, c: None}, world=world)
    assert ex.status == "RUNNING"
    world.service("states").send_task_success(world.service("states").pending()[0], "1")
    world.run(until=world.now + 1)
    assert (ex.status, ex.output) == ("SUCCEEDED", 1)


def test_an_execution_that_ends_early_leaves_no_timer_behind():
    world = World(seed=1)
    sm = StateMachine(
        machine({"W": {"Type": "Wait", "Seconds": 5, "End": True}}, TimeoutSeconds=3600),
        world=world,
    )
    arn = sm.start_execution({})["executionArn"]
    world.run()
    assert sm.execution(arn).status == "SUCCEEDED"
    assert world.now == 5


def test_execution_timeout_inside_a_map_and_a_callback():
    world = World(seed=1)
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    ex = execute(
        machine({"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}, TimeoutSeconds=7),
        [1, 2],
        world=world,
    )
    assert ex.status == "TIMED_OUT" and ex.stop_date == world.timestamp(7)
    callback = machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f", "Payload": {"t.$": "$$.Task.Token"}},
                "End": True,
            }
        },
        TimeoutSeconds=60,
    )
    assert execute(callback, {}, handlers={"f": lambda e, c: None}).status == "TIMED_OUT"


def test_a_callback_answered_early_leaves_the_clock_where_it_was():
    world = World(seed=1)
    definition = machine(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f", "Payload": {"t.$": "$$.Task.Token"}},
                "TimeoutSeconds": 3600,
                "HeartbeatSeconds": 600,
                "End": True,
            }
        }
    )
    sm = StateMachine(definition, world=world, handlers={"f": lambda e, c: None})
    arn = sm.start_execution({})["executionArn"]
    world.run(until=5)
    tokens = world.service("states")
    tokens.send_task_success(tokens.pending()[0], "{}")
    world.run()
    assert sm.execution(arn).status == "SUCCEEDED"
    assert world.now == 5


def test_nested_state_machines_through_the_world():
    world = World(seed=1)
    child = StateMachine(
        machine(
            {
                "Bake": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
                "Done": {"Type": "Pass", "Parameters": {"baked.$": "$.pizza"}, "End": True},
            }
        ),
        world=world,
        name="Kitchen",
    )
    broken = StateMachine(
        machine({"Burn": {"Type": "Fail", "Error": "Burnt", "Cause": "too hot"}}),
        world=world,
        name="Oven",
    )

    def parent(resource, target):
        return machine(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": resource,
                    "Parameters": {"StateMachineArn": target, "Input": {"pizza.$": "$.pizza"}},
                    "End": True,
                }
            }
        )

    sync2 = execute(
        parent("arn:aws:states:::states:startExecution.sync:2", child.arn),
        {"pizza": "funghi"},
        world=world,
    )
    assert sync2.output["Output"] == {"baked": "funghi"}
    assert sync2.output["Status"] == "SUCCEEDED"
    sync = execute(
        parent("arn:aws:states:::states:startExecution.sync", child.arn),
        {"pizza": "diavola"},
        world=world,
    )
    assert json.loads(sync.output["Output"]) == {"baked": "diavola"}
    fire_and_forget = execute(
        parent("arn:aws:states:::states:startExecution", child.arn), {"pizza": "x"}, world=world
    )
    assert set(fire_and_forget.output) == {"ExecutionArn", "StartDate"}
    failed = execute(
        parent("arn:aws:states:::states:startExecution.sync:2", broken.arn),
        {"pizza": "x"},
        world=world,
    )
    assert failed.error == "States.TaskFailed"
    assert json.loads(failed.cause)["Error"] == "Burnt"


def test_only_standard_context_objects_count_redrives():
    """Recorded on AWS (TestExpressSync::test_query_runtime_memory): an Express
    execution's $$.Execution has no RedriveCount."""
    definition = machine(
        {"A": {"Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": True}}
    )
    standard = execute(definition, {}).output["e"]
    express = execute(definition, {}, state_machine_type="EXPRESS").output["e"]
    assert standard["RedriveCount"] == 0
    assert "RedriveCount" not in express
    assert set(express) == {"Id", "Input", "Name", "RoleArn", "StartTime"}


def test_range_in_jsonata_is_a_sequence():
    """Recorded on AWS (TestArrayJSONata::test_array_range): $range(1, 9, 9) is 1."""

    def out(expression):
        definition = machine(
            {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": expression, "End": True}}
        )
        return execute(definition, {}).output

    assert out("{% $range(1, 9, 9) %}") == 1
    assert out("{% $range(0, 10, 3) %}") == [0, 3, 6, 9]
    assert out("{% $count($range(1, 9, 9)) %}") == 1


def test_lambda_invoke_passes_a_function_error_on_compact():
    """Recorded on AWS (TestExpressSync::test_catch): through lambda:invoke the cause is
    compact JSON; a Lambda ARN resource keeps the function's own spacing."""

    def boom(event, context):
        raise ValueError("no")

    catch_all = [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]
    for resource, parameters in (
        ("arn:aws:states:::lambda:invoke", {"FunctionName": "f", "Payload": {}}),
        ("arn:aws:lambda:us-east-1:123456789012:function:f", None),
    ):
        task = {"Type": "Task", "Resource": resource, "Catch": catch_all, "End": True}
        if parameters:
            task["Parameters"] = parameters
        definition = machine({"T": task, "Done": {"Type": "Pass", "End": True}})
        cause = execute(definition, {}, handlers={"f": boom}).output["Cause"]
        compact = resource.endswith("invoke")
        assert cause.startswith('{"errorMessage":"no"' if compact else '{"errorMessage": "no"')


def test_a_plain_string_payload_is_refused_as_lambda_refuses_it():
    """A string Payload is JSON text to lambda:invoke; Lambda's parser refuses a bare word
    with InvalidRequestContentException (its wording as the Invoke API reports it)."""
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$.p"},
                "End": True,
            }
        }
    )
    handlers = {"f": lambda event, context: event}
    ok = execute(definition, {"p": '"HelloWorld"'}, handlers=handlers)
    assert ok.output["Payload"] == "HelloWorld"
    refused = execute(definition, {"p": "test data"}, handlers=handlers)
    assert refused.error == "Lambda.InvalidRequestContentException"
    assert "Unrecognized token 'test'" in refused.cause
    assert "line: 1, column: 6]" in refused.cause
    assert "Status Code: 400; Error Code: InvalidRequestContentException" in refused.cause
