"""Parallel and Map states: child graphs run as SimPy processes so their waits overlap,
with Map's items, selectors, batches, readers, writers and tolerated failures."""

from __future__ import annotations

import json
from typing import Any

import simpy

from course_lib import strict_json
from course_lib.stepfunctions import dataflow, errors, jsonata_mode
from course_lib.stepfunctions.dataflow import EvalContext, to_json
from course_lib.stepfunctions.errors import StatesError
from course_lib.stepfunctions.integrations import (
    ServiceContext,
    exception_message,
    missing_handler,
)
from course_lib.stepfunctions.intrinsics import utf8
from course_lib.stepfunctions.runtime import (
    JSONATA,
    Aborted,
    Frame,
    error_details,
)

#: How many iterations AWS runs at once when MaxConcurrency is 0 or absent.
INLINE_CONCURRENCY = 40
DISTRIBUTED_CONCURRENCY = 10000


class BranchStates:
    """The Parallel and Map half of the interpreter (mixed into :class:`Interpreter`)."""

    # -- Parallel -----------------------------------------------------------------------------
    def _state_parallel(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            if ql == JSONATA:
                states = jsonata_mode.states_variable(ctx, raw_input)
                branch_input = (
                    jsonata_mode.evaluate_template(state["Arguments"], ctx, states, "Arguments")
                    if "Arguments" in state
                    else raw_input
                )
            else:
                effective = dataflow.apply_input_path(state, raw_input, ctx)
                branch_input = dataflow.apply_parameters(state, effective, ctx)
            self.history.add("ParallelStateStarted", frame.thread)
            thunks = [
                self._branch_thunk(branch, branch_input, frame, ql) for branch in state["Branches"]
            ]
            results, failures = yield from self._run_children(thunks, 0, tolerated=None)
            if failures:
                err = failures[0][1]
                self.history.add("ParallelStateFailed", frame.thread, error_details(err))
                raise err
            self.history.add("ParallelStateSucceeded", frame.thread)
            return results

        return (
            yield from self._attempt_and_finish(name, state, raw_input, ctx, frame, ql, attempt)
        )

    def _branch_thunk(self, branch: dict, branch_input: Any, frame: Frame, ql: str):
        thread = frame.thread.fork()
        return lambda: self.run_graph(branch, branch_input, Frame(frame.scope.child(), thread, ql))

    def _run_children(self, thunks: list, max_concurrency: int, tolerated: tuple | None):
        """Run child graphs concurrently; return (results in order, [(index, error)]).

        ``tolerated`` is ``(count, percentage)`` for a Map, None for fail-fast."""
        total = len(thunks)
        results: list = [None] * total
        failures: list = []
        if total == 0:
            return results, failures
        limit = total if not max_concurrency else min(max_concurrency, total)
        done = self.env.event()
        state = {"next": 0, "running": {}, "finished": 0, "stopped": False, "launching": False}

        def exceeded() -> bool:
            if tolerated is None:
                return bool(failures)
            return tolerance_exceeded(len(failures), total, *tolerated)

        def child(index):
            try:
                value = yield from thunks[index]()
                results[index] = value
            except StatesError as err:
                failures.append((index, err))
            except (Aborted, simpy.Interrupt):
                pass
            self.run.children.discard(state["running"].pop(index, None))
            state["finished"] += 1
            if state["stopped"]:
                return
            if exceeded():
                state["stopped"] = True
                for proc in list(state["running"].values()):
                    if proc is not None and proc.is_alive:
                        proc.interrupt("aborted")
                done.succeed()
                return
            launch()
            if state["finished"] == total and not done.triggered:
                done.succeed()

        def launch():
            if state["launching"]:
                return
            state["launching"] = True
            while state["next"] < total and len(state["running"]) < limit and not state["stopped"]:
                if self.run.stopping:  # the execution ended (history quota, timeout)
                    state["stopped"] = True
                    break
                i = state["next"]
                state["next"] += 1
                state["running"][i] = None
                gen = child(i)
                try:
                    first = next(gen)
                except StopIteration:
                    continue
                proc = self.env.process(_resume(gen, first))
                state["running"][i] = proc
                self.run.children.add(proc)
            state["launching"] = False
            if (state["finished"] == total or state["stopped"]) and not done.triggered:
                done.succeed()

        launch()
        yield done
        if self.run.stopping:
            raise Aborted()
        failures.sort(key=lambda f: f[0])
        return results, failures

    # -- Map ----------------------------------------------------------------------------------
    def _map_number(self, state, key, value_in, ctx, ql, kind):
        """MaxConcurrency, ToleratedFailureCount/Percentage and their Path forms."""
        if key in state:
            value = state[key]
            if ql == JSONATA and isinstance(value, str):
                value = jsonata_mode.evaluate_typed(
                    value, ctx, jsonata_mode.states_variable(ctx, value_in), key, "number"
                )
                if kind == "integer" and value != int(value):
                    raise ctx.error(
                        errors.QUERY_EVALUATION_ERROR,
                        f"The {key} field must evaluate to an integer, got {to_json(value)}",
                    )
            return int(value) if kind == "integer" else value
        path_key = f"{key}Path"
        if path_key not in state:
            return None
        path = state[path_key]
        raw = dataflow.select_required(path, value_in, ctx, path_key)
        shown = raw if isinstance(raw, str) else to_json(raw)
        try:
            if isinstance(raw, (bool, dict | list)) or raw is None:
                raise ValueError
            number = (
                float(raw) if kind == "float" else int(raw) if not isinstance(raw, float) else raw
            )
            if kind == "integer" and isinstance(number, float):
                if not number.is_integer():
                    raise ValueError
                number = int(number)
        except (TypeError, ValueError, OverflowError):
            raise ctx.error(
                errors.RUNTIME,
                f'The {path_key} field refers to value "{shown}" which is not a valid {kind}: {path}',
            ) from None
        return number

    def _state_map(self, name, state, raw_input, ctx, frame, ql):
        def attempt(retry_count):
            value_in = (
                raw_input if ql == JSONATA else dataflow.apply_input_path(state, raw_input, ctx)
            )
            items = (
                None
                if "ItemReader" in state
                else self._map_items(state, raw_input, value_in, ctx, ql)
            )
            max_concurrency = (
                self._map_number(state, "MaxConcurrency", value_in, ctx, ql, "integer") or 0
            )
            if max_concurrency < 0:  # a negative limit would never start an iteration
                raise ctx.error(errors.RUNTIME, "MaxConcurrency cannot be negative.")
            count = self._map_number(state, "ToleratedFailureCount", value_in, ctx, ql, "integer")
            percentage = self._map_number(
                state, "ToleratedFailurePercentage", value_in, ctx, ql, "float"
            )
            if percentage is not None and not 0 <= percentage <= 100:
                raise ctx.error(
                    errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
                )
            if count is not None and count < 0:
                raise ctx.error(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
            processor = state.get("ItemProcessor") or state.get("Iterator")
            distributed = processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
            if "ItemReader" in state:
                items = self._read_items(state["ItemReader"], value_in, ctx, ql, raw_input)
            selector_key = next((k for k in ("ItemSelector", "Parameters") if k in state), None)
            item_inputs = self._map_item_inputs(
                items, selector_key, state, value_in, ctx, ql, raw_input
            )
            if "ItemBatcher" in state:
                item_inputs = self._batches(
                    state["ItemBatcher"], item_inputs, value_in, ctx, ql, raw_input
                )
            self.history.add("MapStateStarted", frame.thread, {"length": len(item_inputs)})
            thunks = [
                (
                    lambda i=i, item=item: self._map_iteration(
                        name, processor, item, i, frame, ql, distributed
                    )
                )
                for i, item in enumerate(item_inputs)
            ]
            if count is None and percentage is None:
                tolerance = (0, None) if distributed else None
            else:
                tolerance = (count, percentage)
            ceiling = DISTRIBUTED_CONCURRENCY if distributed else INLINE_CONCURRENCY
            limit = min(max_concurrency, ceiling) if max_concurrency else ceiling
            results, failures = yield from self._run_children(thunks, limit, tolerance)
            if failures:
                if tolerance is None:
                    self.history.add("MapStateFailed", frame.thread)
                    raise failures[0][1]
                if tolerance_exceeded(len(failures), len(item_inputs), *tolerance):
                    self.history.add("MapStateFailed", frame.thread)
                    raise StatesError(
                        errors.EXCEED_TOLERATED_FAILURE,
                        "The specified tolerated failure threshold was exceeded",
                    )
                for index, err in failures:
                    results[index] = err.to_output()
            if "ResultWriter" in state:
                results = self._write_results(
                    state["ResultWriter"], results, value_in, ctx, ql, raw_input
                )
            self.history.add("MapStateSucceeded", frame.thread)
            return results

        return (
            yield from self._attempt_and_finish(name, state, raw_input, ctx, frame, ql, attempt)
        )

    def _map_items(self, state, raw_input, value_in, ctx, ql) -> list:
        """The array a Map iterates: Items (JSONata), ItemsPath, or the whole input."""
        if ql == JSONATA:
            if "Items" in state:
                states = jsonata_mode.states_variable(ctx, raw_input)
                return jsonata_mode.evaluate_typed(state["Items"], ctx, states, "Items", "array")
            error, items = errors.QUERY_EVALUATION_ERROR, raw_input
        else:
            error = errors.RUNTIME
            items = value_in
            if "ItemsPath" in state:
                items = dataflow.select_required(state["ItemsPath"], value_in, ctx, "ItemsPath")
        if not isinstance(items, list):
            raise ctx.error(error, f"Map state input must be an array but was: {to_json(items)}")
        return items

    def _map_item_inputs(self, items, selector_key, state, value_in, ctx, ql, raw_input) -> list:
        """Each item's input: the ItemSelector (or legacy Parameters) with ``$$.Map.Item``."""
        if selector_key is None:
            return list(items)
        out = []
        for index, item in enumerate(items):
            item_ctx = self._item_ctx(ctx, {"Index": index, "Value": item})
            if ql == JSONATA:
                states = {"input": raw_input, "context": item_ctx.context_object}
                out.append(
                    jsonata_mode.evaluate_template(
                        state[selector_key], item_ctx, states, selector_key
                    )
                )
            else:
                out.append(dataflow.payload_template(state[selector_key], value_in, item_ctx))
        return out

    @staticmethod
    def _item_ctx(ctx: EvalContext, item: dict) -> EvalContext:
        context = {**ctx.context_object, "Map": {"Item": item}}
        return EvalContext(
            ctx.state_name,
            ctx.entered_event_id,
            context,
            ctx.scope,
            ctx.random,
            ctx.uuid,
            ctx.now_millis,
        )

    def _template(self, template, value_in, ctx, ql, raw_input, field_name):
        if ql == JSONATA:
            return jsonata_mode.evaluate_template(
                template, ctx, jsonata_mode.states_variable(ctx, raw_input), field_name
            )
        return dataflow.payload_template(template, value_in, ctx)

    def _batches(self, batcher: dict, items: list, value_in, ctx, ql, raw_input) -> list:
        """ItemBatcher: groups of items ``{"Items": [...], "BatchInput": ...}``."""
        size = self._count(batcher, "MaxItemsPerBatch", value_in, ctx, ql, raw_input, 1)
        max_bytes = self._count(batcher, "MaxInputBytesPerBatch", value_in, ctx, ql, raw_input, 1)
        batch_input = None
        if "BatchInput" in batcher:
            batch_input = self._template(
                batcher["BatchInput"], value_in, ctx, ql, raw_input, "BatchInput"
            )
        # A batch's size as JSON, {"Items":[a,b]}, grows by each item and its comma:
        # counted as items arrive, so batching stays linear in the number of items.
        empty = len(to_json({"Items": []}))
        batches: list = []
        current: list = []
        current_bytes = empty
        for item in items:
            item_bytes = len(utf8(to_json(item))) if max_bytes is not None else 0
            grown = current_bytes + item_bytes + (1 if current else 0)
            too_many = size is not None and len(current) + 1 > size
            too_big = max_bytes is not None and grown > max_bytes
            if current and (too_many or too_big):
                batches.append(current)
                current, current_bytes = [item], empty + item_bytes
            else:
                current.append(item)
                current_bytes = grown
        if current:
            batches.append(current)
        out = []
        for batch in batches:
            entry = {"Items": batch}
            if batch_input is not None:
                entry["BatchInput"] = batch_input
            out.append(entry)
        return out

    def _read_items(self, reader: dict, value_in, ctx, ql, raw_input) -> list:
        """ItemReader: a handler registered for its Resource returns the items. Whatever
        goes wrong reading them fails the Map with ``States.ItemReaderFailed``."""
        resource = reader.get("Resource")
        handler = self._resource_handler(resource)
        if handler is None:
            raise StatesError(
                errors.ITEM_READER_FAILED, str(missing_handler(f"ItemReader resource {resource}"))
            )
        key = "Arguments" if ql == JSONATA else "Parameters"
        parameters = self._template(
            reader.get(key, {}), value_in, ctx, ql, raw_input, f"ItemReader/{key}"
        )
        config = reader.get("ReaderConfig", {})
        items = _call_handler(
            handler,
            {"Parameters": parameters, "ReaderConfig": config},
            ServiceContext(resource, self.world),
            errors.ITEM_READER_FAILED,
            f"The ItemReader handler for {resource}",
        )
        if not isinstance(items, list):
            raise StatesError(
                errors.ITEM_READER_FAILED,
                f"The ItemReader handler for {resource} must return a list of items",
            )
        limit = self._count(config, "MaxItems", value_in, ctx, ql, raw_input, 0)
        return items[:limit] if limit else items

    def _count(self, holder: dict, key: str, value_in, ctx, ql, raw_input, least: int):
        """A whole number of an ItemBatcher or ReaderConfig: the value, its ``...Path``
        (JSONPath) or its ``{% %}`` expression (JSONata); None when not given."""
        if f"{key}Path" in holder:
            value = dataflow.select_required(holder[f"{key}Path"], value_in, ctx, f"{key}Path")
        elif key in holder:
            value = holder[key]
            if ql == JSONATA and jsonata_mode.is_expression(value):
                states = jsonata_mode.states_variable(ctx, raw_input)
                value = jsonata_mode.evaluate_typed(value, ctx, states, key, "number")
        else:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            kind = "a positive integer" if least else "a non-negative integer"
            raise ctx.error(errors.RUNTIME, f"{key} must be {kind}, got {to_json(value)}")
        return value

    def _write_results(self, writer: dict, results: list, value_in, ctx, ql, raw_input) -> Any:
        """ResultWriter: a handler registered for its Resource stores the results and
        returns what the Map state outputs."""
        resource = writer.get("Resource")
        handler = self._resource_handler(resource)
        if handler is None:
            raise missing_handler(f"ResultWriter resource {resource}")
        key = "Arguments" if ql == JSONATA else "Parameters"
        parameters = self._template(
            writer.get(key, {}), value_in, ctx, ql, raw_input, f"ResultWriter/{key}"
        )
        return _call_handler(
            handler,
            {"Parameters": parameters, "Results": results},
            ServiceContext(resource, self.world),
            errors.RESULT_WRITER_FAILED,
            f"The ResultWriter handler for {resource}",
        )

    def _resource_handler(self, resource: Any):
        return (
            self.handlers.resource_handler(resource, resource)
            if isinstance(resource, str)
            else None
        )

    def _map_iteration(self, map_name, processor, item, index, frame, ql, distributed=False):
        thread = frame.thread.fork(child=distributed)
        self.history.add("MapIterationStarted", thread, {"name": map_name, "index": index})
        child = Frame(frame.scope.child(), thread, ql)
        try:
            result = yield from self.run_graph(processor, item, child)
        except StatesError as err:
            self.history.add("MapIterationFailed", thread, {"name": map_name, "index": index})
            raise err
        except (Aborted, simpy.Interrupt):
            if not self.run.stopping:
                self.history.add("MapIterationAborted", thread, {"name": map_name, "index": index})
            raise
        self.history.add("MapIterationSucceeded", thread, {"name": map_name, "index": index})
        return result


def _resume(gen, first_event):
    """Continue, as a SimPy process, a child that was started inline and is now waiting.

    Children that never wait (a Map of Pass states) finish inline without the cost
    of a process; the others hand their first event to this trampoline."""
    event = first_event
    while True:
        try:
            value = yield event
        except Exception as exc:  # an Interrupt, or a failed event, goes to the child
            try:
                event = gen.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                event = gen.send(value)
            except StopIteration as stop:
                return stop.value


def tolerance_exceeded(
    failed: int, total: int, count: int | None, percentage: float | None
) -> bool:
    """Whether a Map's failures break its tolerance: more than ``count`` items, or more
    than ``percentage`` percent of them (either limit suffices)."""
    if count is not None and failed > count:
        return True
    return percentage is not None and total > 0 and failed * 100.0 / total > percentage


def _call_handler(handler, request: dict, context: Any, error: str, what: str) -> Any:
    """Call a local service handler; what it raises, or a result JSON cannot carry,
    becomes ``error`` with a cause that says what happened."""
    try:
        return json.loads(strict_json.dumps(handler(request, context), field="result"))
    except StatesError:
        raise
    except strict_json.JsonError as exc:
        raise StatesError(error, f"{what} returned a value that is not JSON: {exc}") from None
    except Exception as exc:
        raise StatesError(
            error, f"{what} raised {type(exc).__name__}: {exception_message(exc)}"
        ) from None
