"""A leader/follower key-value store with DynamoDB's read-consistency rules.

Writes go to the leader, which commits them and ships each change to the followers,
a global secondary index and a change stream, each after its own replication lag.
This is a model, not DynamoDB's protocol: by default the leader acknowledges a write
as soon as it holds it (``write_quorum=1``), so every follower may still be behind.
DynamoDB keeps three copies in three Availability Zones and acknowledges once two of
them have logged the write; ``write_quorum=2`` with two followers models that.
A strongly consistent read is served by the leader; an eventually consistent read by
any replica, so it may miss recent writes. Every call reports the capacity it
consumed in the shape of DynamoDB's ``ReturnConsumedCapacity``, and every operation
is recorded as a :class:`~course_lib.consistency.history.Operation` so the
linearizability checker can judge the run.

Operations take time on the world's clock: each returns a SimPy process to ``yield``
from another process, or to hand to :meth:`ReplicatedStore.call`, which runs the
world until it finishes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import simpy

from course_lib.consistency.history import Operation
from course_lib.consistency.item_size import (
    MAX_ITEM_BYTES,
    item_size,
    read_capacity_units,
    write_capacity_units,
)
from course_lib.sim.world import World

LEADER = "leader"
RETURN_CONSUMED_CAPACITY = ("NONE", "TOTAL", "INDEXES")
IF_BEHIND = ("wait", "forward")

_MISSING = object()


@runtime_checkable
class DelaySampler(Protocol):
    """Anything that draws a delay in seconds from a random stream."""

    def sample(self, rng: random.Random) -> float: ...


Delay = float | DelaySampler


class ValidationException(ValueError):
    """A request DynamoDB rejects before doing any work; the message is DynamoDB's."""

    code = "ValidationException"


@dataclass(frozen=True)
class ReadResult:
    """What a read returned: the item (or None), its version, and who served it."""

    item: dict | None
    version: int
    replica: str
    consumed_capacity: dict | None = None
    forwarded: bool = False


@dataclass(frozen=True)
class QueryResult:
    """Items a global secondary index query returned, as of the index's replica."""

    items: list[dict]
    consumed_capacity: dict | None = None


@dataclass(frozen=True)
class WriteResult:
    """The version a write committed as; ``succeeded`` is False when its condition failed."""

    version: int
    succeeded: bool
    consumed_capacity: dict | None = None
    error: str | None = None


@dataclass
class _Replica:
    name: str
    items: dict = field(default_factory=dict)
    waiters: list = field(default_factory=list)

    def version(self, key: Any) -> int:
        return self.items.get(key, (0, None))[0]


class ReplicatedStore:
    """One table replicated from a leader to followers, with optional indexes and a stream.

    ``replication_lag``, ``index_lag``, ``stream_lag`` and ``network_latency`` are
    either a number of seconds or any object with ``sample(rng) -> seconds``.
    ``global_secondary_indexes`` maps an index name to the attribute it is keyed on
    (all attributes are projected). ``write_quorum`` is how many copies, the leader's
    included, hold a write before it is acknowledged (1: the leader alone).
    """

    def __init__(
        self,
        world: World,
        *,
        name: str = "table",
        followers: int = 2,
        partition_key: str = "pk",
        replication_lag: Delay = 0.05,
        network_latency: Delay = 0.001,
        index_lag: Delay | None = None,
        stream_lag: Delay | None = None,
        global_secondary_indexes: Mapping[str, str] | None = None,
        write_quorum: int = 1,
    ) -> None:
        if not isinstance(world, World):
            raise TypeError(f"world: expected a course_lib.sim.World, got {type(world).__name__}")
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: expected a non-empty table name, got {name!r}")
        if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
            raise ValueError(f"followers: expected an int >= 0, got {followers!r}")
        if (
            isinstance(write_quorum, bool)
            or not isinstance(write_quorum, int)
            or not 1 <= write_quorum <= followers + 1
        ):
            raise ValueError(
                f"write_quorum: expected an int from 1 to {followers + 1} (the leader and "
                f"{followers} followers), got {write_quorum!r}"
            )
        if not isinstance(partition_key, str) or not partition_key:
            raise ValueError(
                f"partition_key: expected a non-empty attribute name, got {partition_key!r}"
            )
        self.world = world
        self.name = name
        self.partition_key = partition_key
        self.write_quorum = write_quorum
        self._replication_lag = _delay("replication_lag", replication_lag)
        self._network = _delay("network_latency", network_latency)
        self._index_lag = _delay("index_lag", replication_lag if index_lag is None else index_lag)
        self._stream_lag = _delay(
            "stream_lag", replication_lag if stream_lag is None else stream_lag
        )
        indexes = dict(global_secondary_indexes or {})
        for index_name, attribute in indexes.items():
            if not isinstance(index_name, str) or not index_name:
                raise ValueError(f"global_secondary_indexes: bad index name {index_name!r}")
            if not isinstance(attribute, str) or not attribute:
                raise ValueError(
                    f"global_secondary_indexes[{index_name!r}]: expected an attribute name, "
                    f"got {attribute!r}"
                )
        self.global_secondary_indexes = indexes
        self.replicas = [_Replica(LEADER)] + [
            _Replica(f"follower-{i}") for i in range(1, followers + 1)
        ]
        self._by_name = {replica.name: replica for replica in self.replicas}
        self._indexes = {index_name: _Replica(f"index:{index_name}") for index_name in indexes}
        self._rng = world.rng(f"consistency.store.{name}")
        self._routing = world.rng(f"consistency.store.{name}.routing")
        self.history: list[Operation] = []
        self.stream: list[dict] = []
        self._stream_visible: list[float] = []
        self.consumed_read_units = 0.0
        self.consumed_write_units = 0.0

    # -- running ---------------------------------------------------------------
    def call(self, operation: simpy.Process) -> Any:
        """Run the world until ``operation`` finishes and return its result."""
        if not isinstance(operation, simpy.Process):
            raise TypeError(
                f"operation: expected a process from this store, got {type(operation).__name__}"
            )
        self.world.run(until=operation)
        return operation.value

    # -- writes ----------------------------------------------------------------
    def put(
        self,
        key: str | int,
        item: Mapping[str, Any],
        *,
        client: str = "client",
        expected: Any = _MISSING,
        return_consumed_capacity: str = "NONE",
    ) -> simpy.Process:
        """Write ``item`` under ``key`` at the leader. With ``expected``, write only if the
        current item equals it (``None``: only if absent), like a ConditionExpression."""
        _check_key(key)
        full = self._full_item(key, item)
        size = item_size(full)
        if size > MAX_ITEM_BYTES:
            raise ValidationException("Item size has exceeded the maximum allowed size")
        _check_capacity_mode(return_consumed_capacity)
        return self.world.env.process(
            self._write(key, full, client, expected, return_consumed_capacity)
        )

    def delete(
        self, key: str | int, *, client: str = "client", return_consumed_capacity: str = "NONE"
    ) -> simpy.Process:
        """Delete the item under ``key`` (a write of "nothing")."""
        _check_key(key)
        _check_capacity_mode(return_consumed_capacity)
        return self.world.env.process(
            self._write(key, None, client, _MISSING, return_consumed_capacity)
        )

    def _full_item(self, key: str | int, item: Mapping[str, Any]) -> dict:
        if not isinstance(item, Mapping):
            raise TypeError(f"item: expected a mapping of attributes, got {type(item).__name__}")
        full = {self.partition_key: key, **item}
        if full[self.partition_key] != key:
            raise ValueError(
                f"item: its {self.partition_key!r} attribute {item[self.partition_key]!r} "
                f"differs from key {key!r}"
            )
        return _copy(full)

    def _write(
        self, key: Any, item: dict | None, client: str, expected: Any, capacity_mode: str
    ) -> Generator[simpy.Event, Any, WriteResult]:
        invoke = self.world.now
        yield self.world.env.timeout(self._network(self._rng))
        leader = self.replicas[0]
        version, old = leader.items.get(key, (0, None))
        succeeded = expected is _MISSING or expected == old
        sizes = [item_size(image) for image in (old, item) if image is not None]
        table_units = write_capacity_units(max(sizes, default=0))
        index_units: dict[str, float] = {}
        if succeeded:
            version += 1
            self._apply(leader, key, version, item)
            arrivals = self._replicate(key, version, item, old)
            index_units = self._index_write_units(old, item)
            if self.write_quorum > 1:
                yield self._after(arrivals, self.write_quorum - 1)
        self.consumed_write_units += table_units + sum(index_units.values())
        yield self.world.env.timeout(self._network(self._rng))
        if expected is _MISSING:
            kind, value = "write", _copy(item)
        else:
            kind, value = "cas", (_copy(expected), _copy(item))
        self.history.append(
            Operation(
                client, kind, key, value, invoke, self.world.now, ok=succeeded, replica=LEADER
            )
        )
        return WriteResult(
            version,
            succeeded,
            self._capacity(capacity_mode, table_units, index_units),
            None if succeeded else "ConditionalCheckFailedException",
        )

    def _replicate(
        self, key: Any, version: int, item: dict | None, old: dict | None
    ) -> list[simpy.Process]:
        """Ship the change to every follower, index and the stream; returns the followers'
        deliveries, so a write can wait for its quorum."""
        env = self.world.env
        arrivals = [
            env.process(
                self._deliver(follower, key, version, item, self._replication_lag(self._rng))
            )
            for follower in self.replicas[1:]
        ]
        for index in self._indexes.values():
            env.process(self._deliver(index, key, version, item, self._index_lag(self._rng)))
        self._append_stream_record(key, version, item, old)
        return arrivals

    def _after(self, processes: list[simpy.Process], count: int) -> simpy.Event:
        """An event that fires once ``count`` of ``processes`` have finished."""
        done = self.world.env.event()
        finished = 0

        def arrived(_event: simpy.Event) -> None:
            nonlocal finished
            finished += 1
            if finished == count:
                done.succeed()

        for process in processes:
            process.callbacks.append(arrived)
        return done

    def _deliver(
        self, replica: _Replica, key: Any, version: int, item: dict | None, lag: float
    ) -> Generator[simpy.Event, Any, None]:
        yield self.world.env.timeout(lag)
        if version > replica.version(key):
            self._apply(replica, key, version, item)

    def _apply(self, replica: _Replica, key: Any, version: int, item: dict | None) -> None:
        replica.items[key] = (version, _copy(item))
        still_waiting = []
        for wanted_key, wanted_version, event in replica.waiters:
            if wanted_key == key and version >= wanted_version:
                event.succeed()
            else:
                still_waiting.append((wanted_key, wanted_version, event))
        replica.waiters = still_waiting

    def _index_write_units(self, old: dict | None, new: dict | None) -> dict[str, float]:
        units: dict[str, float] = {}
        if old == new:
            return units
        for index_name, attribute in self.global_secondary_indexes.items():
            had = old is not None and attribute in old
            has = new is not None and attribute in new
            if had and has:
                writes = 1 if old[attribute] == new[attribute] else 2
                units[index_name] = writes * write_capacity_units(item_size(new))
            elif had or has:
                units[index_name] = write_capacity_units(item_size(new if has else old))
        return units

    # -- reads -------------------------------------------------------------------
    def get(
        self,
        key: str | int,
        *,
        consistent: bool = False,
        client: str = "client",
        replica: str | None = None,
        min_version: int = 0,
        if_behind: str = "wait",
        return_consumed_capacity: str = "NONE",
    ) -> simpy.Process:
        """Read ``key``. Strongly consistent reads go to the leader; eventual reads to
        ``replica`` or, by default, a replica picked at random. A replica older than
        ``min_version`` for this key waits for replication or forwards to the leader."""
        _check_key(key)
        if not isinstance(consistent, bool):
            raise TypeError(f"consistent: expected a bool, got {type(consistent).__name__}")
        if replica is not None and replica not in self._by_name:
            raise ValueError(
                f"replica: unknown replica {replica!r} (known: {sorted(self._by_name)})"
            )
        if consistent and replica not in (None, LEADER):
            raise ValueError(
                f"replica: a strongly consistent read is served by the leader, not {replica!r}"
            )
        if isinstance(min_version, bool) or not isinstance(min_version, int) or min_version < 0:
            raise ValueError(f"min_version: expected an int >= 0, got {min_version!r}")
        if if_behind not in IF_BEHIND:
            raise ValueError(f"if_behind: expected one of {IF_BEHIND}, got {if_behind!r}")
        _check_capacity_mode(return_consumed_capacity)
        if consistent:
            target = self.replicas[0]
        elif replica is not None:
            target = self._by_name[replica]
        else:
            target = self.replicas[self._routing.randrange(len(self.replicas))]
        return self.world.env.process(
            self._read(
                key, target, consistent, client, min_version, if_behind, return_consumed_capacity
            )
        )

    def _read(
        self,
        key: Any,
        target: _Replica,
        consistent: bool,
        client: str,
        min_version: int,
        if_behind: str,
        capacity_mode: str,
    ) -> Generator[simpy.Event, Any, ReadResult]:
        invoke = self.world.now
        env = self.world.env
        yield env.timeout(self._network(self._rng))
        forwarded = False
        if target.version(key) < min_version:
            if if_behind == "wait":
                caught_up = env.event()
                target.waiters.append((key, min_version, caught_up))
                yield caught_up
            else:
                yield env.timeout(self._network(self._rng))
                target, forwarded = self.replicas[0], True
                yield env.timeout(self._network(self._rng))
        version, item = target.items.get(key, (0, None))
        units = read_capacity_units(item_size(item) if item else 0, consistent=consistent)
        self.consumed_read_units += units
        yield env.timeout(self._network(self._rng))
        self.history.append(
            Operation(
                client,
                "read",
                key,
                _copy(item),
                invoke,
                self.world.now,
                replica=target.name,
                consistent=consistent,
            )
        )
        capacity = self._capacity(capacity_mode, units, {})
        return ReadResult(_copy(item), version, target.name, capacity, forwarded)

    def query_index(
        self,
        index_name: str,
        value: Any,
        *,
        consistent: bool = False,
        return_consumed_capacity: str = "NONE",
    ) -> simpy.Process:
        """Items whose ``index_name`` attribute equals ``value``, as the index sees them now.

        Global secondary indexes are only ever eventually consistent: asking for a
        consistent read is rejected, as DynamoDB does.
        """
        if consistent:
            raise ValidationException(
                "Consistent reads are not supported on global secondary indexes"
            )
        if index_name not in self._indexes:
            raise ValidationException(f"The table does not have the specified index: {index_name}")
        _check_capacity_mode(return_consumed_capacity)
        return self.world.env.process(self._query(index_name, value, return_consumed_capacity))

    def _query(
        self, index_name: str, value: Any, capacity_mode: str
    ) -> Generator[simpy.Event, Any, QueryResult]:
        env = self.world.env
        yield env.timeout(self._network(self._rng))
        attribute = self.global_secondary_indexes[index_name]
        index = self._indexes[index_name]
        items = [
            _copy(item)
            for key, (_, item) in sorted(index.items.items(), key=lambda pair: repr(pair[0]))
            if item is not None and attribute in item and item[attribute] == value
        ]
        units = read_capacity_units(sum(item_size(item) for item in items), consistent=False)
        self.consumed_read_units += units
        yield env.timeout(self._network(self._rng))
        capacity = self._capacity(capacity_mode, 0.0, {index_name: units})
        return QueryResult(items, capacity)

    # -- stream --------------------------------------------------------------------
    def _append_stream_record(
        self, key: Any, version: int, item: dict | None, old: dict | None
    ) -> None:
        if item == old:
            return
        event_name = "REMOVE" if item is None else ("INSERT" if old is None else "MODIFY")
        sequence = f"{len(self.stream) + 1:021d}"
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": self.world.timestamp().timestamp(),
            "Keys": {self.partition_key: _attribute_value(key)},
            "SequenceNumber": sequence,
            "SizeBytes": item_size(item or old or {}),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if item is not None:
            body["NewImage"] = {name: _attribute_value(v) for name, v in item.items()}
        if old is not None:
            body["OldImage"] = {name: _attribute_value(v) for name, v in old.items()}
        self.stream.append(
            {
                "eventID": self.world.next_id(f"{self.name}-stream-event"),
                "eventName": event_name,
                "eventSource": "aws:dynamodb",
                "eventVersion": "1.1",
                "dynamodb": body,
            }
        )
        self._stream_visible.append(self.world.now + self._stream_lag(self._rng))

    def get_records(
        self, after_sequence_number: str | None = None, *, limit: int = 1000
    ) -> list[dict]:
        """Stream records a consumer can see now, oldest first, after the given sequence number.

        Records become visible ``stream_lag`` after their write commits; a record stays
        hidden until every earlier record is visible, so consumers see changes in order.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError(f"limit: expected an int from 1 to 1000, got {limit!r}")
        if after_sequence_number is None:
            start = 0
        elif (
            isinstance(after_sequence_number, str)
            and after_sequence_number.isdigit()
            and int(after_sequence_number) <= len(self.stream)
        ):
            start = int(after_sequence_number)
        else:
            raise ValueError(
                f"after_sequence_number: no record {after_sequence_number!r} in this stream"
            )
        records = []
        horizon = -math.inf
        now = self.world.now
        for position in range(len(self.stream)):
            horizon = max(horizon, self._stream_visible[position])
            if horizon > now:
                break
            if position >= start:
                records.append(self.stream[position])
                if len(records) == limit:
                    break
        return records

    def consume_stream(
        self, handler: Callable[[dict], Any], *, poll_interval: float = 0.25
    ) -> simpy.Process:
        """Start a consumer that polls the stream every ``poll_interval`` seconds and hands
        each new record to ``handler``, like a Lambda event source mapping does."""
        if not callable(handler):
            raise TypeError("handler: expected a callable taking one stream record")
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, (int, float)):
            raise TypeError(f"poll_interval: expected seconds, got {type(poll_interval).__name__}")
        if not (math.isfinite(poll_interval) and poll_interval > 0):
            raise ValueError(
                f"poll_interval: must be a positive number of seconds, got {poll_interval!r}"
            )
        return self.world.env.process(self._consume(handler, float(poll_interval)))

    def _consume(self, handler: Callable[[dict], Any], poll_interval: float) -> Generator:
        last: str | None = None
        while True:
            for record in self.get_records(last):
                handler(record)
                last = record["dynamodb"]["SequenceNumber"]
            yield self.world.env.timeout(poll_interval)

    # -- capacity ------------------------------------------------------------------------
    def _capacity(
        self, mode: str, table_units: float, index_units: dict[str, float]
    ) -> dict | None:
        """ConsumedCapacity as single-item DynamoDB calls return it: the aggregate
        ``CapacityUnits`` only (the read/write split appears on transactions alone)."""
        if mode == "NONE":
            return None
        total = table_units + sum(index_units.values())
        capacity: dict[str, Any] = {"TableName": self.name, "CapacityUnits": total}
        if mode == "INDEXES":
            capacity["Table"] = {"CapacityUnits": table_units}
            if index_units:
                capacity["GlobalSecondaryIndexes"] = {
                    name: {"CapacityUnits": units} for name, units in sorted(index_units.items())
                }
        return capacity


def _delay(name: str, spec: Delay) -> Callable[[random.Random], float]:
    """Turn a number of seconds or a sampler into a checked draw function."""
    if isinstance(spec, DelaySampler):

        def draw(rng: random.Random) -> float:
            value = spec.sample(rng)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (math.isfinite(value) and value >= 0)
            ):
                raise ValueError(
                    f"{name}: the sampler returned {value!r}, not a delay >= 0 seconds"
                )
            return float(value)

        return draw
    if isinstance(spec, bool) or not isinstance(spec, (int, float)):
        raise TypeError(
            f"{name}: expected seconds or an object with sample(rng), got {type(spec).__name__}"
        )
    if not (math.isfinite(spec) and spec >= 0):
        raise ValueError(f"{name}: must be a finite number of seconds >= 0, got {spec!r}")
    constant = float(spec)
    return lambda rng: constant


def _check_key(key: Any) -> None:
    if isinstance(key, bool) or not isinstance(key, (str, int, bytes)):
        raise TypeError(f"key: a partition key is a str, int or bytes, got {type(key).__name__}")
    if isinstance(key, (str, bytes)) and not key:
        raise ValueError("key: a partition key cannot be empty")


def _check_capacity_mode(mode: str) -> None:
    if mode not in RETURN_CONSUMED_CAPACITY:
        raise ValueError(
            f"return_consumed_capacity: expected one of {RETURN_CONSUMED_CAPACITY}, got {mode!r}"
        )


def _copy(value: Any) -> Any:
    """A deep copy of plain data, so callers cannot edit what a replica holds."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _attribute_value(value: Any) -> dict:
    """``value`` in DynamoDB's typed JSON (``{"S": ...}``, ``{"N": ...}``, ...)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {k: _attribute_value(v) for k, v in value.items()}}
    return {"L": [_attribute_value(v) for v in value]}
