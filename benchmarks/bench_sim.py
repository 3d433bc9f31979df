"""How fast the simulation kernel runs: simulated messages per wall-clock second.

Run with ``python benchmarks/bench_sim.py``. A 100-node network where every node
sends to random peers about once a virtual millisecond, over links with lognormal
latency and 1 % loss; then an SQS-like queue's send/receive/delete cycle;
then the full backoff sweep of the fallacies lesson.
"""

from __future__ import annotations

import argparse
import time

from course_lib.fallacies import backoff_experiment
from course_lib.sim import Link, LogNormal, Network, Queue, World


def network_throughput(nodes: int, messages: int, seed: int) -> dict:
    world = World(seed)
    network = Network(world, default=Link(latency=LogNormal(median=0.002, p99=0.02), loss=0.01))
    names = [f"node-{i}" for i in range(nodes)]
    received = {"count": 0}

    def count(message) -> None:
        received["count"] += 1

    def chatter(me: str, rng):
        for number in range(messages // nodes):
            yield world.env.timeout(rng.expovariate(1000.0))
            network.send(me, names[rng.randrange(nodes)], number, size=512)

    for name in names:
        network.add_node(name, handler=count)
    for name in names:
        world.env.process(chatter(name, world.rng(f"bench/{name}")))
    start, cpu = time.perf_counter(), time.process_time()
    world.run()
    elapsed = time.perf_counter() - start
    return {
        "cpu_seconds": time.process_time() - cpu,
        "nodes": nodes,
        "sent": network.sent,
        "delivered": received["count"],
        "virtual_seconds": world.now,
        "wall_seconds": elapsed,
        "messages_per_second": network.sent / elapsed,
    }


def queue_throughput(messages: int, seed: int) -> dict:
    world = World(seed)
    queue = Queue(world, "bench")
    start = time.perf_counter()
    for number in range(messages):
        queue.send_message(f"order-{number}")
        for received in queue.receive_message(max_messages=10):
            queue.delete_message(received["ReceiptHandle"])
    elapsed = time.perf_counter() - start
    return {
        "messages": messages,
        "wall_seconds": elapsed,
        "messages_per_second": messages / elapsed,
    }


def backoff_sweep(runs: int, seed: int) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    rows = backoff_experiment(range(10, 151, 10), runs=runs, seed=seed)
    return {
        "rows": len(rows),
        "runs": runs,
        "wall_seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    net = network_throughput(args.nodes, args.messages, args.seed)
    print(
        f"network: {net['nodes']} nodes, {net['sent']:,} messages sent, {net['delivered']:,} delivered"
        f" in {net['virtual_seconds']:.1f} virtual s and {net['wall_seconds']:.2f} wall s"
        f" -> {net['messages_per_second']:,.0f} simulated messages/s"
        f" ({net['cpu_seconds'] / net['sent'] * 1e6:.1f} µs of CPU each)"
    )
    sqs = queue_throughput(20_000, args.seed)
    print(
        f"queue: {sqs['messages']:,} send/receive/delete cycles in {sqs['wall_seconds']:.2f} s"
        f" -> {sqs['messages_per_second']:,.0f} messages/s"
    )
    sweep = backoff_sweep(20, args.seed)
    print(
        f"backoff sweep: clients 10..150 step 10, {sweep['runs']} runs each, 5 algorithms"
        f" ({sweep['rows']} rows) in {sweep['wall_seconds']:.2f} s"
        f" ({sweep['cpu_seconds']:.2f} s of CPU)"
    )


if __name__ == "__main__":
    main()
