"""Retry and Catch: the loop that re-runs a Task, Map or Parallel attempt after an error,
waits its backoff, and hands an unretried error to the first matching Catcher."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.dataflow import EvalContext
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.runtime import (
    JSONATA,
)

DEFAULT_RETRY = {"IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}


@dataclass
class _Caught:
    output: Any
    next: str
    assigned: dict


class RetryAndCatch:
    """The Retry/Catch half of the interpreter (mixed into :class:`Interpreter`)."""

    def _with_retry_and_catch(self, name, state, raw_input, ctx, frame, ql, attempt):
        """Run ``attempt(retry_count)`` under the state's Retriers; then its Catchers."""
        retriers = state.get("Retry", [])
        counts = [0] * len(retriers)
        retry_count = 0
        visit = self._visit_by_entry.get(ctx.entered_event_id)
        while True:
            try:
                result = yield from attempt(retry_count)
                if visit is not None:
                    visit.outcome = result
                return result
            except StatesError as err:
                index = next(
                    (
                        i
                        for i, r in enumerate(retriers)
                        if errors.error_matches(err.error, r["ErrorEquals"])
                    ),
                    None,
                )
                if index is not None:
                    retrier = {**DEFAULT_RETRY, **retriers[index]}
                    if counts[index] < retrier["MaxAttempts"]:
                        delay = retry_delay(retrier, counts[index], ctx.random)
                        counts[index] += 1
                        retry_count += 1
                        yield from self._sleep(delay)
                        ctx.context_object["State"]["RetryCount"] = retry_count
                        continue
                if visit is not None:
                    visit.outcome = err
                    visit.retries = counts[index] if index is not None else 0
                catcher = next(
                    (
                        c
                        for c in state.get("Catch", [])
                        if errors.error_matches(err.error, c["ErrorEquals"])
                    ),
                    None,
                )
                if catcher is None:
                    raise
                return self._caught(catcher, err, raw_input, ctx, ql)

    def _caught(self, catcher: dict, err: StatesError, raw_input: Any, ctx: EvalContext, ql: str):
        error_output = err.to_output()
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input, errorOutput=error_output)
            output, assigned = jsonata_mode.evaluate_output_and_assign(
                catcher, ctx, states, error_output
            )
        else:
            assigned = (
                dataflow.evaluate_assign_jsonpath(catcher["Assign"], error_output, ctx)
                if "Assign" in catcher
                else {}
            )
            output = dataflow.apply_result_path(catcher, raw_input, error_output, ctx)
        return _Caught(output, catcher["Next"], assigned)

    # -- Task -----------------------------------------------------------------------------
    def _attempt_and_finish(self, name, state, raw_input, ctx, frame, ql, attempt):
        """Run ``attempt`` under the state's Retry and Catch, then shape its output.

        Task, Parallel and Map states end the same way: a caught error continues at the
        catcher's Next; a result goes through Output/Assign (JSONata) or ResultSelector,
        ResultPath and OutputPath (JSONPath).
        """
        outcome = yield from self._with_retry_and_catch(
            name, state, raw_input, ctx, frame, ql, attempt
        )
        if isinstance(outcome, _Caught):
            return outcome.output, outcome.next, outcome.assigned
        if ql == JSONATA:
            states = jsonata_mode.states_variable(ctx, raw_input, result=outcome)
            output, assigned = jsonata_mode.evaluate_output_and_assign(state, ctx, states, outcome)
            return output, state.get("Next"), assigned
        output, assigned = self._jsonpath_finish(state, raw_input, outcome, ctx)
        return output, state.get("Next"), assigned


#: The longest interval AWS waits between attempts, whatever the backoff says.
MAX_INTERVAL_SECONDS = 99_999_999


def retry_delay(retrier: dict, retried: int, random: Any) -> float:
    """The wait before a retrier's next attempt once it has fired ``retried`` times:
    IntervalSeconds times BackoffRate per retry, capped by MaxDelaySeconds (and by
    AWS's 99,999,999 s), FULL jitter drawn from ``random``.

    The cap is applied before exponentiating, so a thousand retries at BackoffRate 10
    cost one comparison, not a float overflow."""
    retrier = {**DEFAULT_RETRY, **retrier}
    interval, rate = retrier["IntervalSeconds"], retrier["BackoffRate"]
    cap = min(retrier.get("MaxDelaySeconds", MAX_INTERVAL_SECONDS), MAX_INTERVAL_SECONDS)
    if interval >= cap:
        delay = float(cap)
    elif rate <= 1 or retried == 0 or interval <= 0:
        delay = float(interval)
    elif retried * math.log(rate) >= math.log(cap / interval):
        delay = float(cap)
    else:
        delay = min(interval * rate**retried, cap)
    if retrier.get("JitterStrategy") == "FULL":
        delay = random.uniform(0, delay)
    return delay
