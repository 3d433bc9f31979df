"""Definition checks, like AWS ValidateStateMachineDefinition: every problem at once.

Each :class:`~course_lib.stepfunctions.errors.Diagnostic` has a ``code``, a
``location`` (a JSON pointer such as ``/States/Foo/Next``) and a ``message``. The
codes are AWS's: SCHEMA_VALIDATION_FAILED (a field is missing, misplaced, or has a
wrong type or value, including malformed paths, intrinsics and JSONata, misuse of
States.ALL, and integration patterns EXPRESS does not support),
MISSING_TRANSITION_TARGET (a Next/Default/StartAt names no state, or a state cannot
be reached), MISSING_END_STATE, DUPLICATE_STATE_NAME, INVALID_STATE_NAME,
INVALID_RESOURCE, INVALID_JSON_DESCRIPTION and MISSING_DESCRIPTION.
"""

from __future__ import annotations

import re
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions import intrinsics, jsonpath
from course_lib.stepfunctions.choice import OPERATORS
from course_lib.stepfunctions.errors import ALL, Diagnostic, InvalidDefinition
from course_lib.stepfunctions.integrations import MAX_JSON_DEPTH, parse_resource

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
QUERY_LANGUAGES = ("JSONPath", "JSONata")

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath"}
_RESULT = {"ResultPath", "Parameters", "ResultSelector"}
_ERRORS = {"Retry", "Catch"}
_DATA = {"Assign", "Output"}

ALLOWED_FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _FLOW | _IO | {"ResultPath", "Parameters", "Result"} | _DATA,
    "Task": _COMMON
    | _FLOW
    | _IO
    | _RESULT
    | _ERRORS
    | _DATA
    | {
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Arguments",
        "Credentials",
    },
    "Choice": _COMMON | _IO | {"Choices", "Default"} | _DATA,
    "Wait": _COMMON
    | _FLOW
    | _IO
    | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}
    | _DATA,
    "Succeed": _COMMON | _IO | {"Output"},
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _COMMON | _FLOW | _IO | _RESULT | _ERRORS | _DATA | {"Branches", "Arguments"},
    "Map": _COMMON
    | _FLOW
    | _IO
    | _RESULT
    | _ERRORS
    | _DATA
    | {
        "ItemsPath",
        "Items",
        "ItemSelector",
        "ItemProcessor",
        "Iterator",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Label",
    },
}

JSONPATH_ONLY = {
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
    "Iterator",
}
JSONATA_ONLY = {"Arguments", "Output", "Items"}

#: AWS's upper bounds: seconds in TimeoutSeconds, HeartbeatSeconds, Wait Seconds and
#: IntervalSeconds, and MaxAttempts; MaxDelaySeconds stops at 366 days and a second.
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_401
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_STATE_NAME_MAX = 80


def load_definition(definition: dict | str | bytes) -> dict:
    """The definition as a dict (parsing JSON text); a clear error when it is not JSON.

    JSON is read strictly (no NaN or Infinity, valid UTF-8, at most 1,000 levels deep),
    and a dict given directly must hold plain JSON data too."""
    try:
        if isinstance(definition, str | bytes | bytearray):
            definition = strict_json.loads(definition, field="definition", max_depth=MAX_JSON_DEPTH)
        else:
            strict_json.check(definition, field="definition", max_depth=MAX_JSON_DEPTH)
    except strict_json.JsonError as exc:
        raise InvalidDefinition(
            [
                Diagnostic(
                    "INVALID_JSON_DESCRIPTION",
                    "/",
                    f"The definition is not valid JSON: {exc.reason} (at {exc.field[:120]})",
                )
            ]
        ) from None
    if not isinstance(definition, dict):
        raise InvalidDefinition(
            [Diagnostic("SCHEMA_VALIDATION_FAILED", "/", "The definition must be a JSON object")]
        )
    return definition


def validate(definition: dict | str, *, state_machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Every problem in ``definition``; an empty list means AWS would accept it."""
    if definition is None or (isinstance(definition, str) and not definition.strip()):
        return [Diagnostic("MISSING_DESCRIPTION", "/", "The definition is empty")]
    try:
        definition = load_definition(definition)
    except InvalidDefinition as exc:
        return exc.diagnostics
    checker = _Checker(state_machine_type)
    ql = definition.get("QueryLanguage", "JSONPath")
    if ql not in QUERY_LANGUAGES:
        checker.add(
            "SCHEMA_VALIDATION_FAILED",
            "/QueryLanguage",
            f"QueryLanguage must be JSONPath or JSONata, got {ql!r}",
        )
        ql = "JSONPath"
    if "TimeoutSeconds" in definition and not _positive_int(
        definition["TimeoutSeconds"], allow_zero=False, limit=MAX_SECONDS
    ):
        checker.add(
            "SCHEMA_VALIDATION_FAILED",
            "/TimeoutSeconds",
            f"TimeoutSeconds must be an integer from 1 to {MAX_SECONDS}",
        )
    for key in definition:
        if key not in (
            "StartAt",
            "States",
            "Comment",
            "Version",
            "TimeoutSeconds",
            "QueryLanguage",
        ):
            checker.add(
                "SCHEMA_VALIDATION_FAILED",
                f"/{key}",
                f"Field '{key}' is not supported at the top level",
            )
    try:
        checker.graph(definition, "", ql)
    except RecursionError:  # states nested in Parallel and Map beyond the checker's reach
        checker.add("SCHEMA_VALIDATION_FAILED", "/", "The definition nests too deeply")
    return checker.problems


def _positive_int(value: Any, allow_zero: bool = True, limit: int | None = None) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if limit is not None and value > limit:
        return False
    return value >= 0 if allow_zero else value > 0


class _Checker:
    def __init__(self, machine_type: str) -> None:
        self.machine_type = machine_type
        self.problems: list[Diagnostic] = []
        self.names: dict[str, str] = {}

    def add(self, code: str, location: str, message: str) -> None:
        self.problems.append(Diagnostic(code, location or "/", message))

    # -- graphs ----------------------------------------------------------------------
    def graph(self, graph: Any, base: str, ql: str) -> None:
        if not isinstance(graph, dict):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                base or "/",
                "Expected an object with StartAt and States",
            )
            return
        states = graph.get("States")
        if "StartAt" not in graph:
            self.add(
                "SCHEMA_VALIDATION_FAILED", f"{base}/StartAt", "The field 'StartAt' is required"
            )
        elif not isinstance(graph["StartAt"], str):
            self.add("SCHEMA_VALIDATION_FAILED", f"{base}/StartAt", "StartAt must be a string")
        if not isinstance(states, dict) or not states:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{base}/States",
                "The field 'States' is required and must be a non-empty object",
            )
            return
        if "QueryLanguage" in graph and base:
            ql = graph["QueryLanguage"]
        start = graph.get("StartAt")
        if isinstance(start, str) and start not in states:
            self.add(
                "MISSING_TRANSITION_TARGET",
                f"{base}/StartAt",
                f"StartAt '{start}' does not name a state",
            )
        for name, state in states.items():
            loc = f"{base}/States/{name}"
            if name in self.names:
                self.add(
                    "DUPLICATE_STATE_NAME",
                    loc,
                    f"State name '{name}' is already used at {self.names[name]}; names must be unique in the whole state machine",
                )
            else:
                self.names[name] = loc
            if not name or len(name) > _STATE_NAME_MAX:
                self.add(
                    "INVALID_STATE_NAME",
                    loc,
                    f"State names must have 1 to {_STATE_NAME_MAX} characters",
                )
            self.state(name, state, loc, ql, states)
        self.reachability(graph, states, base)

    def reachability(self, graph: dict, states: dict, base: str) -> None:
        start = graph.get("StartAt")
        if not isinstance(start, str) or start not in states:
            return
        seen, todo = set(), [start]
        terminal = False
        while todo:
            name = todo.pop()
            if name in seen or name not in states:
                continue
            seen.add(name)
            state = states[name]
            if not isinstance(state, dict):
                continue
            targets = _targets(state)
            if state.get("End") is True or state.get("Type") in ("Succeed", "Fail"):
                terminal = True
            todo.extend(t for _, t in targets)
        for name in states:
            if name not in seen:
                self.add(
                    "MISSING_TRANSITION_TARGET",
                    f"{base}/States/{name}",
                    f'State "{name}" is not reachable.',
                )
        if not terminal:
            self.add(
                "MISSING_END_STATE",
                f"{base}/States",
                "Workflow has no terminal state: no reachable state has End, or is a Succeed or Fail state.",
            )

    # -- one state -----------------------------------------------------------------------
    def state(self, name: str, state: Any, loc: str, ql: str, states: dict) -> None:
        if not isinstance(state, dict):
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A state must be an object")
            return
        kind = state.get("Type")
        if kind not in STATE_TYPES:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/Type",
                "The field 'Type' should have one of these values: "
                "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
            )
            return
        ql = state.get("QueryLanguage", ql)
        if ql not in QUERY_LANGUAGES:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/QueryLanguage",
                f"QueryLanguage must be JSONPath or JSONata, got {ql!r}",
            )
            ql = "JSONPath"
        for key in state:
            if key not in ALLOWED_FIELDS[kind]:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"Field '{key}' is not supported by a {kind} state",
                )
            elif ql == "JSONata" and key in JSONPATH_ONLY:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"Field '{key}' is a JSONPath field; this state uses JSONata",
                )
            elif ql == "JSONPath" and key in JSONATA_ONLY:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"Field '{key}' is a JSONata field; this state uses JSONPath (set QueryLanguage to JSONata)",
                )
        self.flow(kind, state, loc, states)
        getattr(self, f"_check_{kind.lower()}")(state, loc, ql, states)
        self.common_data(state, loc, ql)

    def flow(self, kind: str, state: dict, loc: str, states: dict) -> None:
        if kind in ("Choice", "Succeed", "Fail"):
            return
        has_next, has_end = "Next" in state, "End" in state
        if has_next and has_end:
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A state cannot have both 'Next' and 'End'")
        elif not has_next and not has_end:
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A state needs either 'Next' or 'End': true")
        if has_end and state["End"] is not True:
            self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/End", "End must be true")
        if has_next:
            self.target(state["Next"], f"{loc}/Next", states)

    def target(self, name: Any, loc: str, states: dict) -> None:
        if not isinstance(name, str):
            self.add(
                "SCHEMA_VALIDATION_FAILED", loc, "A transition target must be a state name (string)"
            )
        elif name not in states:
            self.add("MISSING_TRANSITION_TARGET", loc, f"Missing 'Next' target: {name}")

    # -- data fields ---------------------------------------------------------------------
    def common_data(self, state: dict, loc: str, ql: str) -> None:
        if ql == "JSONPath":
            for key in ("InputPath", "OutputPath"):
                if key in state and state[key] is not None:
                    self.path(state[key], f"{loc}/{key}")
            if "ResultPath" in state and state["ResultPath"] is not None:
                self.path(state["ResultPath"], f"{loc}/ResultPath", reference=True)
            for key in ("Parameters", "ResultSelector", "ItemSelector"):
                if key in state:
                    self.template(state[key], f"{loc}/{key}")
            if "Assign" in state:
                self.assign(state["Assign"], f"{loc}/Assign", ql)
        else:
            for key in ("Arguments", "Output", "ItemSelector"):
                if key in state:
                    self.jsonata_template(state[key], f"{loc}/{key}")
            if "Assign" in state:
                self.assign(state["Assign"], f"{loc}/Assign", ql)

    def path(
        self, text: Any, loc: str, *, reference: bool = False, allow_intrinsic: bool = False
    ) -> None:
        if not isinstance(text, str):
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A path must be a string")
            return
        if allow_intrinsic and intrinsics.looks_like_intrinsic(text):
            self.intrinsic(text, loc)
            return
        try:
            parsed = jsonpath.parse(text)
        except jsonpath.PathSyntaxError as exc:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                f"The value for the field '{loc.rsplit('/', 1)[-1]}' must be a valid JSONPath: {exc}",
            )
            return
        if reference and (not parsed.definite or parsed.root != "$"):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                f"The value for the field '{loc.rsplit('/', 1)[-1]}' must be a valid reference path (only $, fields and indexes): {text}",
            )

    def intrinsic(self, text: str, loc: str) -> None:
        try:
            call = intrinsics.parse(text)
        except intrinsics.IntrinsicSyntaxError as exc:
            self.add("SCHEMA_VALIDATION_FAILED", loc, f"Invalid intrinsic function: {exc}")
            return
        self._intrinsic_paths(call, loc)

    def _intrinsic_paths(self, call: Any, loc: str) -> None:
        for arg in call.args:
            if isinstance(arg, intrinsics.PathArg):
                self.path(arg.text, loc)
            elif isinstance(arg, intrinsics.Call):
                self._intrinsic_paths(arg, loc)

    def template(self, template: Any, loc: str) -> None:
        if isinstance(template, dict):
            for key, value in template.items():
                if key.endswith(".$"):
                    if not isinstance(value, str):
                        self.add(
                            "SCHEMA_VALIDATION_FAILED",
                            f"{loc}/{key}",
                            f"The value of '{key}' must be a path or intrinsic function string",
                        )
                    else:
                        self.path(value, f"{loc}/{key}", allow_intrinsic=True)
                else:
                    self.template(value, f"{loc}/{key}")
        elif isinstance(template, list):
            for i, item in enumerate(template):
                self.template(item, f"{loc}/{i}")

    def jsonata_template(self, template: Any, loc: str) -> None:
        from course_lib.stepfunctions.jsonata_mode import (
            compile_expression,
            expression_body,
            is_expression,
        )

        if isinstance(template, str):
            if template.startswith("{%") or template.endswith("%}"):
                if not is_expression(template):
                    self.add(
                        "SCHEMA_VALIDATION_FAILED",
                        loc,
                        "A JSONata expression must start with '{%' and end with '%}'",
                    )
                    return
                try:
                    compile_expression(expression_body(template))
                except Exception as exc:  # the library raises its own exception type
                    self.add(
                        "SCHEMA_VALIDATION_FAILED",
                        loc,
                        f"The JSONata expression does not parse: {exc}",
                    )
        elif isinstance(template, dict):
            for key, value in template.items():
                self.jsonata_template(value, f"{loc}/{key}")
        elif isinstance(template, list):
            for i, item in enumerate(template):
                self.jsonata_template(item, f"{loc}/{i}")

    def assign(self, assign: Any, loc: str, ql: str) -> None:
        if ql == "JSONata" and isinstance(assign, str):
            self.jsonata_template(assign, loc)
            return
        if not isinstance(assign, dict):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                "Assign must be an object of variable names to values",
            )
            return
        for key, _value in assign.items():
            name = key[:-2] if ql == "JSONPath" and key.endswith(".$") else key
            if not _VARIABLE_NAME.match(name) or name == "states":
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"'{name}' is not a valid variable name (letters, digits, _; not 'states')",
                )
            if len(name) > 80:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    "Variable names are at most 80 characters",
                )
        if ql == "JSONPath":
            self.template(assign, loc)
        else:
            self.jsonata_template(assign, loc)

    # -- per type ------------------------------------------------------------------------
    def _check_pass(self, state: dict, loc: str, ql: str, states: dict) -> None:
        """Nothing beyond the common checks: AWS accepts Result beside Parameters (Result wins)."""

    def _check_succeed(self, state: dict, loc: str, ql: str, states: dict) -> None:
        return

    def _check_fail(self, state: dict, loc: str, ql: str, states: dict) -> None:
        for key in ("Error", "Cause"):
            if key in state and f"{key}Path" in state:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    loc,
                    f"A Fail state cannot have both '{key}' and '{key}Path'",
                )
            if key in state and not isinstance(state[key], str):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{key}", f"{key} must be a string")
            if f"{key}Path" in state:
                self.path(state[f"{key}Path"], f"{loc}/{key}Path", allow_intrinsic=True)

    def _check_wait(self, state: dict, loc: str, ql: str, states: dict) -> None:
        present = [
            k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in state
        ]
        if len(present) != 1:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath",
            )
        from course_lib.stepfunctions.jsonata_mode import is_expression
        from course_lib.stepfunctions.timestamps import parse_timestamp

        seconds_literal = "Seconds" in state and not (
            ql == "JSONata" and is_expression(state["Seconds"])
        )
        if seconds_literal and not _positive_int(state["Seconds"], limit=MAX_SECONDS):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/Seconds",
                f"Seconds must be an integer from 0 to {MAX_SECONDS}",
            )
        stamp_literal = "Timestamp" in state and not (
            ql == "JSONata" and is_expression(state["Timestamp"])
        )
        if stamp_literal and parse_timestamp(state["Timestamp"]) is None:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/Timestamp",
                "Timestamp must be an ISO-8601 date-time such as 2025-01-06T09:00:00Z",
            )
        for key in ("SecondsPath", "TimestampPath"):
            if key in state:
                self.path(state[key], f"{loc}/{key}")

    def _check_choice(self, state: dict, loc: str, ql: str, states: dict) -> None:
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.add(
                "SCHEMA_VALIDATION_FAILED", f"{loc}/Choices", "Choices must be a non-empty array"
            )
            choices = []
        for i, rule in enumerate(choices):
            rloc = f"{loc}/Choices/{i}"
            if not isinstance(rule, dict):
                self.add("SCHEMA_VALIDATION_FAILED", rloc, "A choice rule must be an object")
                continue
            if "Next" not in rule:
                self.add("SCHEMA_VALIDATION_FAILED", rloc, "A top-level choice rule needs 'Next'")
            else:
                self.target(rule["Next"], f"{rloc}/Next", states)
            if ql == "JSONata":
                if "Condition" not in rule:
                    self.add(
                        "SCHEMA_VALIDATION_FAILED", rloc, "A JSONata choice rule needs 'Condition'"
                    )
                for key in rule:
                    if key not in ("Condition", "Next", "Comment", "Assign", "Output"):
                        self.add(
                            "SCHEMA_VALIDATION_FAILED",
                            f"{rloc}/{key}",
                            f"Field '{key}' is not supported in a JSONata choice rule",
                        )
                if "Condition" in rule:
                    self.jsonata_template(rule["Condition"], f"{rloc}/Condition")
                if "Output" in rule:
                    self.jsonata_template(rule["Output"], f"{rloc}/Output")
            else:
                self.rule(rule, rloc, top=True)
            if "Assign" in rule:
                self.assign(rule["Assign"], f"{rloc}/Assign", ql)
        if "Default" in state:
            self.target(state["Default"], f"{loc}/Default", states)

    def rule(self, rule: Any, loc: str, *, top: bool) -> None:
        if not isinstance(rule, dict):
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A choice rule must be an object")
            return
        if not top and "Next" in rule:
            self.add(
                "SCHEMA_VALIDATION_FAILED", f"{loc}/Next", "A nested choice rule cannot have 'Next'"
            )
        if "Condition" in rule:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/Condition",
                "Condition is a JSONata field; this state uses JSONPath",
            )
        for combinator in ("And", "Or"):
            if combinator in rule:
                if not isinstance(rule[combinator], list) or not rule[combinator]:
                    self.add(
                        "SCHEMA_VALIDATION_FAILED",
                        f"{loc}/{combinator}",
                        f"{combinator} must be a non-empty array of rules",
                    )
                    return
                for i, sub in enumerate(rule[combinator]):
                    self.rule(sub, f"{loc}/{combinator}/{i}", top=False)
                return
        if "Not" in rule:
            self.rule(rule["Not"], f"{loc}/Not", top=False)
            return
        operators = [k for k in rule if k in OPERATORS]
        unknown = [
            k
            for k in rule
            if k not in OPERATORS and k not in ("Variable", "Next", "Comment", "Assign")
        ]
        for key in unknown:
            self.add(
                "SCHEMA_VALIDATION_FAILED", f"{loc}/{key}", f"Unknown choice rule field '{key}'"
            )
        if "Variable" not in rule:
            self.add(
                "SCHEMA_VALIDATION_FAILED", loc, "A choice rule needs 'Variable' (or And/Or/Not)"
            )
        else:
            self.path(rule["Variable"], f"{loc}/Variable")
        if len(operators) != 1:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                f"A choice rule needs exactly one comparison operator, found {len(operators)}",
            )
            return
        op = operators[0]
        value = rule[op]
        if op.endswith("Path"):
            self.path(value, f"{loc}/{op}")
        elif op.startswith("Is") or op == "BooleanEquals":
            if not isinstance(value, bool):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{op}", f"{op} takes true or false")
        elif op.startswith("Numeric"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{op}", f"{op} takes a number")
        elif op.startswith("String"):
            if not isinstance(value, str):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{op}", f"{op} takes a string")
        elif op.startswith("Timestamp"):
            from course_lib.stepfunctions.timestamps import parse_timestamp

            if parse_timestamp(value) is None:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{op}",
                    f"{op} takes an ISO-8601 timestamp string",
                )

    def _check_task(self, state: dict, loc: str, ql: str, states: dict) -> None:
        resource = state.get("Resource")
        if "Resource" not in state:
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A Task state needs 'Resource'")
        else:
            target = parse_resource(resource)
            if target is None:
                self.add(
                    "INVALID_RESOURCE", f"{loc}/Resource", f"Invalid Resource ARN: {resource!r}"
                )
            elif self.machine_type == "EXPRESS" and target.pattern in (
                "waitForTaskToken",
                "sync",
                "sync:2",
            ):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/Resource",
                    f"Express state machines do not support the '.{target.pattern}' integration pattern: {resource}",
                )
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            if key in state and f"{key}Path" in state:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    loc,
                    f"A Task state cannot have both '{key}' and '{key}Path'",
                )
            literal = key in state and not (ql == "JSONata" and isinstance(state[key], str))
            if literal and not _positive_int(state[key], allow_zero=False, limit=MAX_SECONDS):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"{key} must be an integer from 1 to {MAX_SECONDS}",
                )
            if f"{key}Path" in state:
                self.path(state[f"{key}Path"], f"{loc}/{key}Path")
        if (
            isinstance(state.get("TimeoutSeconds"), int)
            and isinstance(state.get("HeartbeatSeconds"), int)
            and state["HeartbeatSeconds"] >= state["TimeoutSeconds"]
        ):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/HeartbeatSeconds",
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
            )
        self.retry_catch(state, loc, states, ql)

    def _check_parallel(self, state: dict, loc: str, ql: str, states: dict) -> None:
        branches = state.get("Branches")
        if branches == []:
            self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/Branches", "Value cannot be empty")
        elif not isinstance(branches, list):
            self.add(
                "SCHEMA_VALIDATION_FAILED", f"{loc}/Branches", "Branches must be a non-empty array"
            )
        else:
            for i, branch in enumerate(branches):
                self.graph(branch, f"{loc}/Branches/{i}", ql)
        self.retry_catch(state, loc, states, ql)

    def _check_map(self, state: dict, loc: str, ql: str, states: dict) -> None:
        key = (
            "ItemProcessor"
            if "ItemProcessor" in state
            else "Iterator"
            if "Iterator" in state
            else None
        )
        if key is None:
            self.add("SCHEMA_VALIDATION_FAILED", loc, "A Map state needs 'ItemProcessor'")
        else:
            if "ItemProcessor" in state and "Iterator" in state:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    loc,
                    "Use either 'ItemProcessor' or the legacy 'Iterator', not both",
                )
            self.graph(state[key], f"{loc}/{key}", ql)
            config = state[key].get("ProcessorConfig", {}) if isinstance(state[key], dict) else {}
            mode = config.get("Mode", "INLINE") if isinstance(config, dict) else None
            if mode not in ("INLINE", "DISTRIBUTED"):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}/ProcessorConfig/Mode",
                    "Mode must be INLINE or DISTRIBUTED",
                )
        if "ItemSelector" in state and "Parameters" in state:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                "Use either 'ItemSelector' or the legacy 'Parameters', not both",
            )
        self.map_io(state, loc)
        if "ItemsPath" in state:
            self.path(state["ItemsPath"], f"{loc}/ItemsPath")
        if ql == "JSONata" and "Items" in state:
            self.jsonata_template(state["Items"], f"{loc}/Items")
        for key in ("MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"):
            if key in state and f"{key}Path" in state:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    loc,
                    f"A Map state cannot have both '{key}' and '{key}Path'",
                )
            if f"{key}Path" in state:
                self.path(state[f"{key}Path"], f"{loc}/{key}Path")
            if key in state and not (ql == "JSONata" and isinstance(state[key], str)):
                value = state[key]
                ok = (
                    _positive_int(value)
                    if key != "ToleratedFailurePercentage"
                    else (
                        isinstance(value, int | float)
                        and not isinstance(value, bool)
                        and 0 <= value <= 100
                    )
                )
                if not ok:
                    self.add(
                        "SCHEMA_VALIDATION_FAILED",
                        f"{loc}/{key}",
                        f"{key} has an invalid value: {value!r}",
                    )
        self.retry_catch(state, loc, states, ql)

    def map_io(self, state: dict, loc: str) -> None:
        """ItemReader, ItemBatcher and ResultWriter: objects, with a string Resource and
        an object ReaderConfig where they have them."""
        for key in ("ItemReader", "ItemBatcher", "ResultWriter"):
            if key not in state:
                continue
            value = state[key]
            if not isinstance(value, dict):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{key}", f"{key} must be an object")
                continue
            if key != "ItemBatcher" and not isinstance(value.get("Resource"), str):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}/Resource",
                    f"{key} needs a Resource ARN string",
                )
            if "ReaderConfig" in value and not isinstance(value["ReaderConfig"], dict):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}/ReaderConfig",
                    "ReaderConfig must be an object",
                )
            for count in ("MaxItemsPerBatch", "MaxInputBytesPerBatch", "MaxItems"):
                where = value.get("ReaderConfig") if count == "MaxItems" else value
                if isinstance(where, dict) and count in where and not _positive_int(where[count]):
                    self.add(
                        "SCHEMA_VALIDATION_FAILED",
                        f"{loc}/{key}/{count}",
                        f"{count} must be a non-negative integer",
                    )

    def retry_catch(self, state: dict, loc: str, states: dict, ql: str) -> None:
        for key in ("Retry", "Catch"):
            entries = state.get(key, [])
            if not isinstance(entries, list):
                self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/{key}", f"{key} must be an array")
                continue
            for i, entry in enumerate(entries):
                eloc = f"{loc}/{key}/{i}"
                if not isinstance(entry, dict):
                    self.add("SCHEMA_VALIDATION_FAILED", eloc, f"A {key} entry must be an object")
                    continue
                self.error_equals(entry, eloc, last=i == len(entries) - 1)
                if key == "Retry":
                    self.retrier(entry, eloc)
                else:
                    if "Next" not in entry:
                        self.add("SCHEMA_VALIDATION_FAILED", eloc, "A Catcher needs 'Next'")
                    else:
                        self.target(entry["Next"], f"{eloc}/Next", states)
                    if (
                        ql == "JSONPath"
                        and "ResultPath" in entry
                        and entry["ResultPath"] is not None
                    ):
                        self.path(entry["ResultPath"], f"{eloc}/ResultPath", reference=True)
                    if ql == "JSONata" and "ResultPath" in entry:
                        self.add(
                            "SCHEMA_VALIDATION_FAILED",
                            f"{eloc}/ResultPath",
                            "ResultPath is a JSONPath field; this state uses JSONata",
                        )
                    if ql == "JSONPath" and "Output" in entry:
                        self.add(
                            "SCHEMA_VALIDATION_FAILED",
                            f"{eloc}/Output",
                            "Output is a JSONata field; this state uses JSONPath",
                        )
                    if "Assign" in entry:
                        self.assign(entry["Assign"], f"{eloc}/Assign", ql)

    def error_equals(self, entry: dict, loc: str, *, last: bool) -> None:
        names = entry.get("ErrorEquals")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/ErrorEquals",
                "ErrorEquals must be a non-empty array of error names",
            )
            return
        if ALL in names:
            if len(names) != 1:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/ErrorEquals",
                    "States.ALL must appear alone in ErrorEquals",
                )
            if not last:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/ErrorEquals",
                    "A Retrier or Catcher with States.ALL must be the last one",
                )

    def retrier(self, entry: dict, loc: str) -> None:
        allowed = {
            "ErrorEquals",
            "IntervalSeconds",
            "MaxAttempts",
            "BackoffRate",
            "MaxDelaySeconds",
            "JitterStrategy",
            "Comment",
        }
        for key in entry:
            if key not in allowed:
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"Field '{key}' is not supported in a Retrier",
                )
        if "IntervalSeconds" in entry and not _positive_int(
            entry["IntervalSeconds"], allow_zero=False, limit=MAX_SECONDS
        ):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/IntervalSeconds",
                f"IntervalSeconds must be an integer from 1 to {MAX_SECONDS}",
            )
        if "MaxAttempts" in entry and not _positive_int(entry["MaxAttempts"], limit=MAX_SECONDS):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/MaxAttempts",
                f"MaxAttempts must be an integer from 0 to {MAX_SECONDS}",
            )
        if "BackoffRate" in entry:
            rate = entry["BackoffRate"]
            if (
                isinstance(rate, bool)
                or not isinstance(rate, int | float)
                or not 1 <= rate <= MAX_SECONDS
            ):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/BackoffRate",
                    "BackoffRate must be a number of at least 1.0",
                )
        if "MaxDelaySeconds" in entry and not _positive_int(
            entry["MaxDelaySeconds"], allow_zero=False, limit=MAX_DELAY_SECONDS
        ):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/MaxDelaySeconds",
                f"MaxDelaySeconds must be an integer from 1 to {MAX_DELAY_SECONDS}",
            )
        if "JitterStrategy" in entry and entry["JitterStrategy"] not in ("FULL", "NONE"):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/JitterStrategy",
                "JitterStrategy must be FULL or NONE",
            )


def _targets(state: dict) -> list[tuple[str, str]]:
    """(label, target) pairs of every transition a state can take."""
    out = []
    if isinstance(state.get("Next"), str):
        out.append(("Next", state["Next"]))
    for rule in state.get("Choices", []) if isinstance(state.get("Choices"), list) else []:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            out.append(("Choice", rule["Next"]))
    if isinstance(state.get("Default"), str):
        out.append(("Default", state["Default"]))
    for catcher in state.get("Catch", []) if isinstance(state.get("Catch"), list) else []:
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            out.append(("Catch", catcher["Next"]))
    return out
