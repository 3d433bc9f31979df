"""Adapter for the recorded-on-AWS conformance runner: ``execute(definition, input, task_stub=...)``.

Each ``task_stub`` carries a Lambda handler's Python source; it runs as the local
function for its ARN. A ``time.sleep`` inside such a handler spends virtual time.

Cases replay at ``REPLAY_EPOCH``, a moment after every recording: a case that waited
until "now" when it was recorded (a Wait timestamp taken from the recorder's clock)
finds that moment passed, as AWS did, instead of lying more than a year ahead of the
course's own epoch.
"""

from __future__ import annotations

import builtins
import json
import linecache
import types
from datetime import UTC, datetime
from typing import Any

from course_lib.sim.world import World
from course_lib.stepfunctions.machine import execute as _execute

REPLAY_EPOCH = datetime(2026, 6, 1, tzinfo=UTC)


def _virtual_time_module(context_holder: dict) -> types.ModuleType:
    module = types.ModuleType("time")

    def sleep(seconds: float) -> None:
        context_holder["context"].sleep(seconds)

    module.sleep = sleep
    return module


def handler_from_source(source: str):
    """A Lambda handler built from source text; ``time.sleep`` in it is virtual."""
    holder: dict = {}
    fake_time = _virtual_time_module(holder)
    real_import = builtins.__import__

    def importer(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "time":
            return fake_time
        return real_import(name, globals, locals, fromlist, level)

    namespace: dict[str, Any] = {
        "__builtins__": {**vars(builtins), "__import__": importer},
        "__name__": "handler",
    }
    filename = "/var/task/handler.py"
    # Lambda's stack traces quote each line: let the traceback find the source.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    inner = namespace["handler"]

    def handler(event: Any, context: Any) -> Any:
        __tracebackhide__ = True  # Lambda's trace shows the handler's frames only
        holder["context"] = context
        return inner(event, context)

    return handler


def execute(
    definition: dict,
    input: Any,
    *,
    task_stub: list | None = None,
    state_machine_type: str = "STANDARD",
) -> dict:
    """Run one recorded case and return ``{"status", "output", "error", "cause"}``."""
    handlers = {}
    for stub in task_stub or []:
        handlers[stub["function_arn"]] = handler_from_source(stub["handler_source"])
    execution = _execute(
        definition,
        json.dumps(input),
        handlers=handlers,
        state_machine_type=state_machine_type,
        world=World(epoch=REPLAY_EPOCH),
    )
    return execution.to_dict()
