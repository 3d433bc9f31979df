"""A small, runnable model of one integration: an order service sends billing updates.

The sender emits three updates (created, paid, shipped) for each of a few orders; the
receiver keeps each order's latest status and amount. The channel between them follows
the integration's mechanics on a :class:`~course_lib.sim.World`: a synchronous call
through DNS and endpoints, a queue or a bus whose messages the receiver's workers take
(a bus retries delivery for its maximum event age, a queue keeps messages for its
retention period), versioned rows in a shared table that competing pollers claim, or a
CSV file dropped in a folder. A caller does not retry a failed call (a retry within
seconds would not outlast an hour-long outage either).

A new step between the two ends is a component of its own: it takes what billing used to
take and hands billing an enriched copy, wherever the mechanics let it sit in the path.

This model never reads the facet assessment (:mod:`course_lib.coupling.facets` rates by
rule; this module runs), so where the two agree, that is evidence for the rules. A run
succeeds when the sender saw no error, nothing expired and the receiver ends with the
state the sender meant.
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
#: How often a poller of the shared table looks for rows changed since its last look.
TABLE_POLL_S = 0.005
ENRICHER = "enricher"
ENRICHMENT = {"customer_tier": "gold"}
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


class _Table:
    """Rows by key, each with the commit number that last wrote it, and a read mark."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, dict, dict]] = {}
        self.commits = 0
        self.mark = 0

    def upsert(self, key: str, row: dict, extras: dict) -> None:
        self.commits += 1
        self.rows[key] = (self.commits, dict(row), dict(extras))

    def claim(self) -> list[tuple[str, dict, dict]]:
        """The rows written since the mark, oldest first; the mark moves past them."""
        changed = sorted(
            (version, key, row, extras)
            for key, (version, row, extras) in self.rows.items()
            if version > self.mark
        )
        if changed:
            self.mark = changed[-1][0]
        return [(key, row, extras) for _, key, row, extras in changed]


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

    def apply(self, payload, extras: dict | None = None) -> str | None:
        """The receiver handles one payload (and what a step added); returns an error or None."""
        receiver = self.setup.receiver
        codec = self.setup.integration.codec
        try:
            records = decode(codec, payload, receiver.schema, receiver.runtime)
        except DecodeError as error:
            return str(error)
        for record in records:
            record.update(extras or {})
            if receiver.requires_enrichment and "customer_tier" not in record:
                return f"{record['order_id']} has no customer_tier: it skipped the enrichment step"
            amount = record["amount"]
            if record.get("amount_unit") == "EUR":
                amount = round(amount * 100)
            self.state[record["order_id"]] = {"status": record["status"], "amount_cents": amount}
        self.last_applied_at = self.world.now
        return None

    def enricher(self, source: list, target: list, upstream) -> Generator:
        """A new step: takes what billing used to take, hands billing an enriched copy."""
        while source or upstream.is_alive:
            if not source:
                yield self.world.env.timeout(0.01)
                continue
            item = source.pop(0)
            yield self.world.env.timeout(self.work_time())
            target.append((*item[:3], {**item[3], **ENRICHMENT}))

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
            pending.append((self.world.now, update["order_id"], payload, {}))
            self.world.record("orders", sender.target, "send", record)
            yield self.world.env.timeout(0.001)

    def kept_for(self) -> float | None:
        """How long a message waits for the receiver: a bus's retry window, else storage."""
        integration = self.setup.integration
        if integration.retry_max_age_s is not None:
            return integration.retry_max_age_s
        return integration.retention_s

    def expire(self, sent_at: float, count: int = 1) -> bool:
        window = self.kept_for()
        if window is not None and self.world.now - sent_at > window:
            self.expired += count
            return True
        return False

    def channel_worker(self, pending: list, in_flight: set, upstream) -> Generator:
        fifo = self.setup.integration.fifo
        while pending or upstream.is_alive:
            if self.setup.receiver.is_down(self.world.now):
                yield self.world.env.timeout(POLL_S)
                continue
            eligible = [
                index
                for index, (_, key, _, _) in enumerate(pending)
                if not fifo
                or (key not in in_flight and all(k != key for _, k, _, _ in pending[:index]))
            ]
            if not eligible:
                yield self.world.env.timeout(0.01)
                continue
            sent_at, key, payload, extras = pending.pop(eligible[0])
            if self.expire(sent_at):
                continue
            in_flight.add(key)
            yield self.world.env.timeout(self.work_time())
            in_flight.discard(key)
            error = self.apply(payload, extras)
            if error:
                self.reject(error)

    def channel(self) -> None:
        """A queue or a bus: sends land in the channel; billing's workers take them."""
        env = self.world.env
        channel: list = []
        upstream = env.process(self.buffered_sends(channel))
        billing_input = channel
        if ENRICHER in self.setup.hops:
            billing_input = []
            upstream = env.process(self.enricher(channel, billing_input, upstream))
        in_flight: set = set()
        for _ in range(self.setup.receiver.workers):
            env.process(self.channel_worker(billing_input, in_flight, upstream))

    def database(self) -> None:
        """Shared tables: the sender upserts versioned rows; billing's pollers claim changes.

        Each poller reads the rows changed since the shared high-water mark, moves the
        mark past them, works, then applies what it read. A new step polls the shared
        table the same way and writes enriched rows into a table of billing's own.
        """
        setup, sender, env = self.setup, self.setup.sender, self.world.env
        key_column = next(f.name for f in sender.schema.fields if f.role == "order_id")
        shared = _Table()

        def writer() -> Generator:
            for update in self.updates:
                record = _as_sent(update, sender, sender.schema)
                [row] = encode("sql-row", [record], sender.schema)
                shared.upsert(row[key_column], row, {})
                self.world.record("orders", "table", "upsert", record)
                yield env.timeout(0.001)

        upstream = env.process(writer())
        source = shared
        if ENRICHER in setup.hops:
            own = _Table()

            def enrich(rows: list) -> Generator:
                yield env.timeout(self.work_time())
                for key, row, extras in rows:
                    own.upsert(key, row, {**extras, **ENRICHMENT})

            upstream = env.process(self.poller(shared, upstream, enrich, lambda: False))
            source = own
        for worker in range(setup.receiver.workers):
            env.process(
                self.poller(
                    source,
                    upstream,
                    self.apply_rows,
                    lambda: setup.receiver.is_down(self.world.now),
                    phase=worker * TABLE_POLL_S / setup.receiver.workers,
                )
            )

    def poller(self, table: _Table, upstream, handle, away, *, phase: float = 0.0) -> Generator:
        """Claim the rows changed since the table's mark, handle them; until all is read."""
        yield self.world.env.timeout(phase)
        while True:
            yield self.world.env.timeout(TABLE_POLL_S)
            if away():
                continue
            finished = not upstream.is_alive
            rows = table.claim()
            if rows:
                yield from handle(rows)
            elif finished:
                return

    def apply_rows(self, rows: list) -> Generator:
        yield self.world.env.timeout(self.work_time())
        for _key, row, extras in rows:
            error = self.apply(row, extras)
            if error:
                self.reject(error)

    def file(self) -> None:
        """A CSV file in a drop folder; a new step rewrites it into billing's own folder."""
        setup, sender, env = self.setup, self.setup.sender, self.world.env
        records = [_as_sent(u, sender, sender.schema) for u in self.updates]
        [content] = encode("csv", records, sender.schema)
        drop_folder: list = []

        def drop() -> Generator:
            yield env.timeout(0.5)
            drop_folder.append((self.world.now, "file", content, {}))
            self.world.record("orders", sender.target, "file", content)

        upstream = env.process(drop())
        billing_folder = drop_folder
        if ENRICHER in setup.hops:
            billing_folder = []
            upstream = env.process(self.enricher(drop_folder, billing_folder, upstream))
        env.process(self.file_reader(billing_folder, upstream, len(records)))

    def file_reader(self, folder: list, upstream, count: int) -> Generator:
        while folder or upstream.is_alive:
            yield self.world.env.timeout(POLL_S)
            if self.setup.receiver.is_down(self.world.now) or not folder:
                continue
            written_at, _, content, extras = folder.pop(0)
            if self.expire(written_at, count):
                continue
            yield self.world.env.timeout(self.work_time())
            error = self.apply(content, extras)
            if error:
                self.reject(error)

    def run(self) -> RunOutcome:
        style = self.setup.integration.style
        if style == "call":
            self.world.env.process(self.call())
        elif style == "database":
            self.database()
        elif style == "file":
            self.file()
        else:
            self.channel()
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
