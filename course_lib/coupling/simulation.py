"""A small, runnable model of one integration: an order service sends billing updates.

The sender emits three updates (created, paid, shipped) for each of a few orders; the
receiver keeps each order's latest status and amount. The channel between them follows
the integration's style on a :class:`~course_lib.sim.World`: a synchronous call, a queue
or bus read by the receiver's workers, a shared table polled by the receiver, or a CSV
file dropped in a folder. A caller does not retry a failed call (a retry within seconds
would not outlast an hour-long outage either). A run succeeds when the sender saw no error, nothing expired
and the receiver ends with the state the sender meant.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from course_lib.coupling.facets import Integration
from course_lib.coupling.wire import DecodeError, Schema, decode, encode, order_schema
from course_lib.sim import TraceRecord, World

STATUSES = ("created", "paid", "shipped")
ORDERS = 8
POLL_S = 1.0
ENRICHER = "enricher"
RECEIVER = "billing"


@dataclass
class Sender:
    """The order service: its schema, what it addresses, the unit it sends amounts in."""

    schema: Schema
    target: str
    amount_unit: str = "cent"


@dataclass
class Receiver:
    """The billing service: its schema, runtime, whereabouts, workers and behaviour."""

    schema: Schema
    runtime: str = "jvm"
    address: str = "10.0.1.7"
    dns_name: str = "billing.internal"
    workers: int = 1
    down: list[tuple[float, float]] = field(default_factory=list)
    reply: str = "result"
    requires_enrichment: bool = False

    def is_down(self, at: float) -> bool:
        return any(start <= at < end for start, end in self.down)


@dataclass
class Setup:
    """Everything one run needs; a change edits it before the run."""

    integration: Integration
    sender: Sender
    receiver: Receiver
    dns: dict[str, str]
    endpoints: dict[str, str]
    hops: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunOutcome:
    """What happened: errors on each side, expired messages, the receiver's final state."""

    sender_errors: tuple[str, ...]
    receiver_errors: tuple[str, ...]
    expired: int
    state: dict
    expected: dict
    last_applied_at: float | None
    trace: tuple[TraceRecord, ...]

    @property
    def broke(self) -> bool:
        return bool(self.sender_errors or self.receiver_errors or self.expired) or (
            self.state != self.expected
        )

    def explain(self) -> str:
        """One line: the first thing that went wrong, or how the run went."""
        updates = ORDERS * len(STATUSES)
        if self.sender_errors:
            return f"{len(self.sender_errors)} of {updates} sends failed at the sender: {self.sender_errors[0]}"
        if self.receiver_errors:
            return f"the receiver rejected {len(self.receiver_errors)} payloads: {self.receiver_errors[0]}"
        if self.expired:
            return f"{self.expired} of {updates} updates expired before the receiver read them"
        wrong = sorted(k for k in self.expected if self.state.get(k) != self.expected[k])
        if wrong:
            first = wrong[0]
            return (
                f"{len(wrong)} of {ORDERS} orders are wrong at the receiver, silently: {first} "
                f"should be {_show(self.expected[first])}, is {_show(self.state.get(first))}"
            )
        return f"all {updates} updates applied; last one at {self.last_applied_at:.2f} s"


def _show(entry: dict | None) -> str:
    if entry is None:
        return "missing"
    return f"{entry['status']} / {entry['amount_cents']:g} cents"


def baseline_setup(integration: Integration) -> Setup:
    """The integration as built: both sides agree on everything."""
    schema = order_schema(units_in_message=integration.units_in_message)
    receiver = Receiver(schema=schema)
    if integration.addressing == "ip":
        target = receiver.address
    elif integration.addressing == "dns":
        target = receiver.dns_name
    else:
        target = f"{integration.style}:{integration.name}"
    return Setup(
        integration=integration,
        sender=Sender(schema=schema, target=target),
        receiver=receiver,
        dns={receiver.dns_name: receiver.address},
        endpoints={receiver.address: RECEIVER},
    )


def _updates(world: World) -> list[dict]:
    amounts = world.rng("coupling/amounts")
    updates = []
    for number in range(1, ORDERS + 1):
        cents = amounts.randrange(500, 5000, 50)
        updates.extend(
            {"order_id": f"order-{number}", "status": status, "amount": cents}
            for status in STATUSES
        )
    return updates


def _as_sent(update: dict, sender: Sender, schema: Schema) -> dict:
    record = dict(update)
    if sender.amount_unit == "EUR":
        record["amount"] = update["amount"] / 100
    if any(f.role == "amount_unit" for f in schema.fields):
        record["amount_unit"] = sender.amount_unit
    return record


class _Run:
    def __init__(self, setup: Setup, seed: int) -> None:
        self.setup = setup
        self.world = World(seed=seed)
        self.sender_errors: list[str] = []
        self.receiver_errors: list[str] = []
        self.expired = 0
        self.state: dict[str, dict] = {}
        self.last_applied_at: float | None = None
        self.updates = _updates(self.world)
        self.work = self.world.rng("coupling/work")

    def work_time(self) -> float:
        return self.work.uniform(0.02, 0.2)

    def apply(self, payload) -> str | None:
        """The receiver handles one payload; returns an error text or None."""
        receiver = self.setup.receiver
        codec = self.setup.integration.codec
        try:
            records = decode(codec, payload, receiver.schema, receiver.runtime)
        except DecodeError as error:
            return str(error)
        for record in records:
            if ENRICHER in self.setup.hops:
                record["customer_tier"] = "gold"
            if receiver.requires_enrichment and "customer_tier" not in record:
                return f"{record['order_id']} has no customer_tier: it skipped the enrichment step"
            amount = record["amount"]
            if record.get("amount_unit") == "EUR":
                amount = round(amount * 100)
            self.state[record["order_id"]] = {"status": record["status"], "amount_cents": amount}
        self.last_applied_at = self.world.now
        return None

    def reject(self, error: str) -> None:
        self.receiver_errors.append(error)
        self.world.record(RECEIVER, RECEIVER, "rejected", error, outcome="rejected")

    # -- styles -----------------------------------------------------------------------
    def call(self) -> Generator:
        setup, sender, receiver = self.setup, self.setup.sender, self.setup.receiver
        network = self.world.rng("coupling/network")
        for update in self.updates:
            record = _as_sent(update, sender, sender.schema)
            [payload] = encode(setup.integration.codec, [record], sender.schema)
            address = (
                setup.dns.get(sender.target)
                if setup.integration.addressing == "dns"
                else sender.target
            )
            service = setup.endpoints.get(address) if address else None
            self.world.record("orders", address or sender.target, "call", record)
            if service is None:
                self.sender_errors.append(f"nothing listens at {address or sender.target}")
                continue
            if service == RECEIVER and receiver.is_down(self.world.now):
                self.sender_errors.append(f"connection refused by {address} (receiver down)")
                continue
            yield self.world.env.timeout(network.uniform(0.001, 0.005) + self.work_time())
            error = self.apply(payload)
            if error:
                self.reject(error)
                self.sender_errors.append(f"422 from the receiver: {error}")
                continue
            if receiver.reply != "result":
                self.sender_errors.append(
                    "expected 200 with the billing result, got 202 Accepted and a status URL"
                )
            yield self.world.env.timeout(network.uniform(0.001, 0.005))

    def buffered_sends(self, pending: list) -> Generator:
        sender = self.setup.sender
        for update in self.updates:
            record = _as_sent(update, sender, sender.schema)
            [payload] = encode(self.setup.integration.codec, [record], sender.schema)
            pending.append((self.world.now, update["order_id"], payload))
            self.world.record("orders", sender.target, "send", record)
            yield self.world.env.timeout(0.001)

    def expire(self, sent_at: float, count: int = 1) -> bool:
        retention = self.setup.integration.retention_s
        if retention is not None and self.world.now - sent_at > retention:
            self.expired += count
            return True
        return False

    def channel_worker(self, pending: list, in_flight: set, sending) -> Generator:
        fifo = self.setup.integration.fifo
        while pending or sending.is_alive:
            if self.setup.receiver.is_down(self.world.now):
                yield self.world.env.timeout(POLL_S)
                continue
            eligible = [
                index
                for index, (_, key, _) in enumerate(pending)
                if not fifo
                or (key not in in_flight and all(k != key for _, k, _ in pending[:index]))
            ]
            if not eligible:
                yield self.world.env.timeout(0.01)
                continue
            sent_at, key, payload = pending.pop(eligible[0])
            if self.expire(sent_at):
                continue
            in_flight.add(key)
            yield self.world.env.timeout(self.work_time())
            in_flight.discard(key)
            error = self.apply(payload)
            if error:
                self.reject(error)

    def database(self) -> Generator:
        setup, sender = self.setup, self.setup.sender
        table: dict[str, dict] = {}
        key_column = next(f.name for f in sender.schema.fields if f.role == "order_id")

        def writer() -> Generator:
            for update in self.updates:
                record = _as_sent(update, sender, sender.schema)
                [row] = encode("sql-row", [record], sender.schema)
                table[row[key_column]] = row
                self.world.record("orders", "table", "upsert", record)
                yield self.world.env.timeout(0.001)

        writing = self.world.env.process(writer())
        while True:
            yield self.world.env.timeout(POLL_S)
            if setup.receiver.is_down(self.world.now):
                continue
            finished = not writing.is_alive
            errors = [error for row in table.values() if (error := self.apply(row))]
            if finished:
                for error in errors:
                    self.reject(error)
                return

    def file(self) -> Generator:
        setup, sender = self.setup, self.setup.sender
        records = [_as_sent(u, sender, sender.schema) for u in self.updates]
        [content] = encode("csv", records, sender.schema)
        yield self.world.env.timeout(0.5)
        written_at = self.world.now
        self.world.record("orders", sender.target, "file", content)
        while True:
            yield self.world.env.timeout(POLL_S)
            if setup.receiver.is_down(self.world.now):
                continue
            if self.expire(written_at, len(records)):
                return
            yield self.world.env.timeout(self.work_time())
            error = self.apply(content)
            if error:
                self.reject(error)
            return

    def run(self) -> RunOutcome:
        style = self.setup.integration.style
        env = self.world.env
        if style == "call":
            env.process(self.call())
        elif style in ("queue", "bus"):
            pending: list = []
            in_flight: set = set()
            sending = env.process(self.buffered_sends(pending))
            for _ in range(self.setup.receiver.workers):
                env.process(self.channel_worker(pending, in_flight, sending))
        elif style == "database":
            env.process(self.database())
        else:
            env.process(self.file())
        self.world.run()
        expected = {
            u["order_id"]: {"status": u["status"], "amount_cents": u["amount"]}
            for u in self.updates
        }
        return RunOutcome(
            sender_errors=tuple(self.sender_errors),
            receiver_errors=tuple(self.receiver_errors),
            expired=self.expired,
            state=self.state,
            expected=expected,
            last_applied_at=self.last_applied_at,
            trace=tuple(self.world.trace),
        )


def run(setup: Setup, *, seed: int = 0) -> RunOutcome:
    """Send every update through the integration as ``setup`` describes it."""
    return _Run(setup, seed).run()
