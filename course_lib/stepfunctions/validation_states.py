"""Definition checks for each state type (Pass to Map), and Retry and Catch.

Mixed into the checker of :mod:`~course_lib.stepfunctions.validation`, which walks the
graphs and checks the fields every state shares (paths, templates, Assign); the
numeric bounds AWS enforces on those fields live here.
"""

from __future__ import annotations

from typing import Any

from course_lib.stepfunctions.choice import OPERATORS
from course_lib.stepfunctions.errors import ALL
from course_lib.stepfunctions.integrations import parse_resource
from course_lib.stepfunctions.jsonata_mode import is_expression

#: AWS's upper bounds: seconds in TimeoutSeconds, HeartbeatSeconds, Wait Seconds and
#: IntervalSeconds, and MaxAttempts; MaxDelaySeconds stops at 366 days and a second.
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_401


def positive_int(value: Any, allow_zero: bool = True, limit: int | None = None) -> bool:
    """An int (not a bool) of at least 0 (or 1), at most ``limit``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if limit is not None and value > limit:
        return False
    return value >= 0 if allow_zero else value > 0


class StateChecks:
    """The per-type half of the definition checker (it reports through ``self.add``)."""

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
        from course_lib.stepfunctions.timestamps import parse_timestamp

        seconds_literal = "Seconds" in state and not (
            ql == "JSONata" and is_expression(state["Seconds"])
        )
        if seconds_literal and not positive_int(state["Seconds"], limit=MAX_SECONDS):
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
                    condition = rule["Condition"]
                    if isinstance(condition, str) and condition.startswith("{%"):
                        self.jsonata_template(condition, f"{rloc}/Condition")
                    elif not isinstance(condition, bool):
                        self.add(
                            "SCHEMA_VALIDATION_FAILED",
                            f"{rloc}/Condition",
                            "Condition must be a JSONata expression ({% ... %}) or a boolean",
                        )
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
            literal = key in state and not (ql == "JSONata" and is_expression(state[key]))
            if literal and not positive_int(state[key], allow_zero=False, limit=MAX_SECONDS):
                self.add(
                    "SCHEMA_VALIDATION_FAILED",
                    f"{loc}/{key}",
                    f"{key} must be an integer from 1 to {MAX_SECONDS}",
                )
            if f"{key}Path" in state:
                self.path(state[f"{key}Path"], f"{loc}/{key}Path")
        if "Credentials" in state:
            self.credentials(state["Credentials"], f"{loc}/Credentials", ql)
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

    def credentials(self, value: Any, loc: str, ql: str) -> None:
        """Credentials: an object with the role to assume, ``RoleArn`` (a string, in
        JSONata perhaps an expression) or, in JSONPath, ``RoleArn.$`` (a path)."""
        keys = ("RoleArn",) if ql == "JSONata" else ("RoleArn", "RoleArn.$")
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in keys:
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                loc,
                f"Credentials must be an object with one field, {' or '.join(keys)}",
            )
            return
        key, role = next(iter(value.items()))
        if key == "RoleArn.$":
            self.path(role, f"{loc}/RoleArn.$", allow_intrinsic=True)
        elif not isinstance(role, str) or not role:
            self.add("SCHEMA_VALIDATION_FAILED", f"{loc}/RoleArn", "RoleArn must be a string")

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
        self.map_io(state, loc, ql)
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
            if key in state and not (ql == "JSONata" and is_expression(state[key])):
                value = state[key]
                ok = (
                    positive_int(value)
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

    def map_io(self, state: dict, loc: str, ql: str) -> None:
        """ItemReader, ItemBatcher and ResultWriter: objects, with a string Resource and
        an object ReaderConfig where they have them; their counts whole numbers (or, in
        JSONata, expressions)."""
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
                if not isinstance(where, dict) or count not in where:
                    continue
                if ql == "JSONata" and is_expression(where[count]):
                    self.jsonata_template(where[count], f"{loc}/{key}/{count}")
                elif not positive_int(where[count]):
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
        if "IntervalSeconds" in entry and not positive_int(
            entry["IntervalSeconds"], allow_zero=False, limit=MAX_SECONDS
        ):
            self.add(
                "SCHEMA_VALIDATION_FAILED",
                f"{loc}/IntervalSeconds",
                f"IntervalSeconds must be an integer from 1 to {MAX_SECONDS}",
            )
        if "MaxAttempts" in entry and not positive_int(entry["MaxAttempts"], limit=MAX_SECONDS):
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
        if "MaxDelaySeconds" in entry and not positive_int(
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
