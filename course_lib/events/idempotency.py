"""Idempotent consumers: at-least-once delivery in, exactly-once side effects out.

EventBridge, SQS and Lambda retries all deliver some events more than once. A consumer
made idempotent here behaves like one made with Powertools for AWS Lambda's idempotency
utility, so what a learner sees locally is what happens on AWS:

* the key is read from the event with a JMESPath expression (by default the slide's
  ``detail.metadata."idempotency-key"``) and hashed (MD5 of the sorted JSON);
* before the handler runs, an ``INPROGRESS`` record is written under the key; a
  duplicate that arrives meanwhile raises :class:`IdempotencyAlreadyInProgressError`;
* when the handler returns, the record becomes ``COMPLETED`` with the result, which
  every repeat within ``expires_after_seconds`` (default one hour) gets back unchanged,
  without running the handler;
* if the handler raises, the record is deleted so a retry can run it again;
* an ``INPROGRESS`` record older than ``in_progress_expiry_seconds`` (the function's
  timeout, when given) is taken over, as after a Lambda timeout;
* with ``payload_validation_jmespath``, a repeat whose payload differs from the first
  raises :class:`IdempotencyValidationError`;
* an event without a key raises :class:`IdempotencyKeyError` or runs without
  idempotency, per ``raise_on_no_idempotency_key``.

Handlers that are generator functions run as SimPy processes on a world's clock, so a
duplicate can really arrive while the first delivery is still being handled.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from course_lib.events.envelope import Event
from course_lib.facts import fact

DEFAULT_EVENT_KEY_JMESPATH = 'detail.metadata."idempotency-key"'
DEFAULT_EXPIRES_AFTER_SECONDS: int = fact("powertools.idempotency.default_expires_after_seconds")


class IdempotencyError(Exception):
    """Base class of the errors an idempotent handler raises on its own account."""


class IdempotencyKeyError(IdempotencyError):
    """The event has no idempotency key and the configuration requires one."""


class IdempotencyAlreadyInProgressError(IdempotencyError):
    """Another delivery of the same event is being handled right now."""


class IdempotencyValidationError(IdempotencyError):
    """Same idempotency key, different payload: a client reused a key by mistake."""


class IdempotencyPersistenceError(IdempotencyError):
    """The store could not record the handler's result."""


class RecordStatus(StrEnum):
    INPROGRESS = "INPROGRESS"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class IdempotencyRecord:
    """What the store keeps per key; times are seconds on the store's clock."""

    key: str
    status: RecordStatus
    expiry_timestamp: float
    in_progress_expiry_timestamp: float | None = None
    response_data: str | None = None
    payload_hash: str | None = None

    def is_expired(self, now: float) -> bool:
        return now > self.expiry_timestamp

    def response(self) -> Any:
        """A fresh copy of the stored result."""
        return None if self.response_data is None else json.loads(self.response_data)


class _RecordExists(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def _clock_of(clock: Any) -> Callable[[], float]:
    if callable(clock):
        return clock
    if hasattr(clock, "now"):
        return lambda: float(clock.now)
    raise TypeError(
        f"clock: expected a World or a callable returning seconds, got {type(clock).__name__}"
    )


class InMemoryPersistenceStore:
    """The idempotency table, in memory, with the conditional writes DynamoDB would do.

    ``clock`` is a :class:`~course_lib.sim.world.World` (its virtual seconds) or any
    callable returning seconds.
    """

    def __init__(self, clock: Any) -> None:
        self._now = _clock_of(clock)
        self._records: dict[str, IdempotencyRecord] = {}

    def now(self) -> float:
        return self._now()

    def get(self, key: str) -> IdempotencyRecord | None:
        return self._records.get(key)

    def records(self) -> list[IdempotencyRecord]:
        """Every stored record, sorted by key (expired ones included until overwritten)."""
        return [self._records[key] for key in sorted(self._records)]

    def put_in_progress(self, record: IdempotencyRecord) -> None:
        """Write an INPROGRESS record unless a live one holds the key (then raise)."""
        existing = self._records.get(record.key)
        if existing is not None and not self._replaceable(existing):
            raise _RecordExists(existing)
        self._records[record.key] = record

    def _replaceable(self, existing: IdempotencyRecord) -> bool:
        now = self.now()
        if existing.is_expired(now):
            return True
        deadline = existing.in_progress_expiry_timestamp
        return (
            existing.status is RecordStatus.INPROGRESS and deadline is not None and deadline < now
        )

    def put_completed(self, record: IdempotencyRecord) -> None:
        self._records[record.key] = record

    def delete(self, key: str) -> None:
        self._records.pop(key, None)


@dataclass(frozen=True)
class IdempotencyConfig:
    """How keys are found and how long records live (Powertools' options and defaults)."""

    event_key_jmespath: str = DEFAULT_EVENT_KEY_JMESPATH
    payload_validation_jmespath: str = ""
    raise_on_no_idempotency_key: bool = False
    expires_after_seconds: float = DEFAULT_EXPIRES_AFTER_SECONDS
    in_progress_expiry_seconds: float | None = None
    hash_function: str = "md5"
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        for name in ("event_key_jmespath", "payload_validation_jmespath"):
            expression = getattr(self, name)
            if not isinstance(expression, str):
                raise TypeError(f"{name}: expected a JMESPath string, got {expression!r}")
            if name == "event_key_jmespath" and not expression:
                raise ValueError(f"{name}: must not be empty")
            if expression:
                try:
                    self._compiled[name] = jmespath.compile(expression)
                except JMESPathError as exc:
                    raise ValueError(f"{name}: not a valid JMESPath expression: {exc}") from None
        for name in ("expires_after_seconds", "in_progress_expiry_seconds"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise TypeError(f"{name}: expected a number of seconds, got {value!r}")
        if not self.expires_after_seconds > 0:
            raise ValueError(
                f"expires_after_seconds: must be positive, got {self.expires_after_seconds!r}"
            )
        if self.in_progress_expiry_seconds is not None and not self.in_progress_expiry_seconds > 0:
            raise ValueError(
                "in_progress_expiry_seconds: must be positive or None, got "
                f"{self.in_progress_expiry_seconds!r}"
            )
        if self.hash_function not in hashlib.algorithms_guaranteed:
            raise ValueError(f"hash_function: {self.hash_function!r} is not a hashlib algorithm")

    def search(self, name: str, event: Any) -> Any:
        """Evaluate one of the JMESPath options on an event (an :class:`Event` or a dict)."""
        document = event.to_dict() if isinstance(event, Event) else event
        return self._compiled[name].search(document)

    def hash(self, data: Any) -> str:
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.new(self.hash_function, text.encode()).hexdigest()


def is_missing_key(data: Any) -> bool:
    """Whether a key found by JMESPath is absent (``None``, empty, or all ``None``)."""
    if isinstance(data, bool | int | float):
        return False
    if isinstance(data, list | tuple):
        return all(item is None for item in data)
    return not data


class IdempotentHandler:
    """A handler wrapped so that each idempotency key takes effect once.

    Call it like the handler: ``wrapped(event, ...)``. When the handler is a generator
    function (a SimPy process), calling the wrapper returns a generator to run with
    ``world.env.process(wrapped(event))``.
    """

    def __init__(
        self,
        handler: Callable[..., Any],
        store: InMemoryPersistenceStore,
        config: IdempotencyConfig | None = None,
        *,
        function_name: str | None = None,
    ) -> None:
        self.handler = handler
        self.store = store
        self.config = IdempotencyConfig() if config is None else config
        self.function_name = function_name or getattr(handler, "__qualname__", "handler")
        self._is_process = inspect.isgeneratorfunction(handler)
        functools.update_wrapper(self, handler)

    def __call__(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        if self._is_process:
            return self._run_process(event, args, kwargs)
        key = self._key_or_raise(event)
        if key is None:
            return self.handler(event, *args, **kwargs)
        claimed, stored_result = self._claim(key, event)
        if claimed is None:
            return stored_result
        try:
            result = self.handler(event, *args, **kwargs)
        except BaseException:
            self.store.delete(key)
            raise
        self._complete(claimed, result)
        return result

    def _run_process(self, event: Any, args: tuple, kwargs: dict) -> Generator[Any, Any, Any]:
        key = self._key_or_raise(event)
        if key is None:
            return (yield from self.handler(event, *args, **kwargs))
        claimed, stored_result = self._claim(key, event)
        if claimed is None:
            return stored_result
        try:
            result = yield from self.handler(event, *args, **kwargs)
        except BaseException:
            self.store.delete(key)
            raise
        self._complete(claimed, result)
        return result

    def key_for(self, event: Any) -> str | None:
        """The stored key for an event (``function#hash``), or None when it has no key."""
        data = self.config.search("event_key_jmespath", event)
        if is_missing_key(data):
            return None
        return f"{self.function_name}#{self.config.hash(data)}"

    def _key_or_raise(self, event: Any) -> str | None:
        key = self.key_for(event)
        if key is None and self.config.raise_on_no_idempotency_key:
            raise IdempotencyKeyError(
                "No data found to create a hashed idempotency key "
                f"(event_key_jmespath: {self.config.event_key_jmespath})"
            )
        return key

    def _claim(self, key: str, event: Any) -> tuple[IdempotencyRecord | None, Any]:
        """Write the INPROGRESS record, or answer a repeat: ``(record, None)`` or ``(None, result)``."""
        payload_hash = None
        if self.config.payload_validation_jmespath:
            payload = self.config.search("payload_validation_jmespath", event)
            payload_hash = self.config.hash(payload)
        now = self.store.now()
        timeout = self.config.in_progress_expiry_seconds
        record = IdempotencyRecord(
            key=key,
            status=RecordStatus.INPROGRESS,
            expiry_timestamp=now + self.config.expires_after_seconds,
            in_progress_expiry_timestamp=None if timeout is None else now + timeout,
            payload_hash=payload_hash,
        )
        try:
            self.store.put_in_progress(record)
        except _RecordExists as exists:
            return None, self._answer_repeat(exists.record, payload_hash)
        return record, None

    def _answer_repeat(self, existing: IdempotencyRecord, payload_hash: str | None) -> Any:
        if payload_hash is not None and existing.payload_hash != payload_hash:
            raise IdempotencyValidationError(
                f"Payload does not match stored record for this event key: {existing.key}"
            )
        if existing.status is RecordStatus.INPROGRESS:
            raise IdempotencyAlreadyInProgressError(
                f"Execution already in progress with idempotency key: {existing.key}"
            )
        return existing.response()

    def _complete(self, started: IdempotencyRecord, result: Any) -> None:
        try:
            response_data = json.dumps(result, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise IdempotencyPersistenceError(
                f"Failed to update success record to idempotency store: {exc}"
            ) from exc
        completed = replace(
            started,
            status=RecordStatus.COMPLETED,
            expiry_timestamp=self.store.now() + self.config.expires_after_seconds,
            response_data=response_data,
        )
        self.store.put_completed(completed)


def idempotent(
    store: InMemoryPersistenceStore,
    config: IdempotencyConfig | None = None,
    *,
    function_name: str | None = None,
) -> Callable[[Callable[..., Any]], IdempotentHandler]:
    """Decorator form of :class:`IdempotentHandler`: ``@idempotent(store)``."""

    def wrap(handler: Callable[..., Any]) -> IdempotentHandler:
        return IdempotentHandler(handler, store, config, function_name=function_name)

    return wrap
