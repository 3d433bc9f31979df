"""Definition checks, like AWS ValidateStateMachineDefinition: every problem at once.

Each :class:`~course_lib.stepfunctions.errors.Diagnostic` has a ``code``, a
``location`` (a JSON pointer such as ``/States/Foo/Next``) and a ``message``. The
codes are AWS's: SCHEMA_VALIDATION_FAILED (a field is missing, misplaced, or has a
wrong type or value, including malformed paths, intrinsics and JSONata, misuse of
States.ALL, and integration patterns EXPRESS does not support),
MISSING_TRANSITION_TARGET (a Next/Default/StartAt names no state, or a state cannot
be reached), MISSING_END_STATE, DUPLICATE_STATE_NAME, INVALID_STATE_NAME,
INVALID_RESOURCE, INVALID_JSON_DESCRIPTION and MISSING_DESCRIPTION.

This module walks the graphs and checks what every state shares; the checks of each
state type, and of Retry and Catch, are in
:mod:`~course_lib.stepfunctions.validation_states`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from course_lib import strict_json
from course_lib.stepfunctions import intrinsics, jsonpath
from course_lib.stepfunctions.errors import Diagnostic, InvalidDefinition
from course_lib.stepfunctions.integrations import MAX_JSON_DEPTH
from course_lib.stepfunctions.validation_states import (
    MAX_SECONDS,
    StateChecks,
    positive_int,
)

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

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_STATE_NAME_MAX = 80
#: The longest definition CreateStateMachine takes, in characters of JSON text (1 MB).
MAX_DEFINITION_CHARS = 1_048_576


def load_definition(definition: dict | str | bytes) -> dict:
    """The definition as a dict (parsing JSON text); a clear error when it is not JSON.

    JSON is read strictly (no NaN or Infinity, valid UTF-8, at most 1,000 levels deep),
    and a dict given directly must hold plain JSON data too."""
    text = definition
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
    if not isinstance(text, str | bytes | bytearray):
        text = json.dumps(definition, separators=(",", ":"))
    if len(text) > MAX_DEFINITION_CHARS:
        raise InvalidDefinition(
            [
                Diagnostic(
                    "SCHEMA_VALIDATION_FAILED",
                    "/",
                    "1 validation error detected: Value at 'definition' failed to satisfy "
                    f"constraint: Member must have length less than or equal to {MAX_DEFINITION_CHARS}",
                )
            ]
        )
    return definition


def validate(definition: dict | str, *, state_machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Every problem in ``definition``; an empty list means AWS would accept it.

    ``state_machine_type`` is ``"STANDARD"`` or ``"EXPRESS"`` (ValueError otherwise, as the
    API refuses any other type)."""
    if state_machine_type not in ("STANDARD", "EXPRESS"):
        raise ValueError(
            f"state_machine_type: must be 'STANDARD' or 'EXPRESS', got {state_machine_type!r}"
        )
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
    if "TimeoutSeconds" in definition and not positive_int(
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


class _Checker(StateChecks):
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
        if ql == "JSONata" and isinstance(assign, str) and assign.startswith("{%"):
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
