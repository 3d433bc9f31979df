"""How long the whole pizza shop takes in wall time: 1,000 orders, with and without faults.

    .venv/bin/python benchmarks/bench_pizza.py [--orders 1000] [--seed 2024]

Each line runs ``course_lib.pizza.run_shop`` once (state machine executions, event bus
deliveries with retries, duplicates, dead letters and a replay, all on one virtual clock)
and reports wall and CPU seconds, virtual hours simulated, trace rows and outcomes. The
trace is built too, since the lesson always reads it. CPU seconds are the steadier number
on a shared machine.
"""

from __future__ import annotations

import argparse
import time

import course_lib.pizza as pizza

SCENARIOS = {
    "no faults": pizza.NONE,
    "kitchen down 30 min": pizza.fault("kitchen down", 0.5),
    "30% duplicate deliveries": pizza.fault("duplicate deliveries", 0.3),
    "10% lost callbacks": pizza.fault("lost callback", 0.1),
    "ovens 2x slower": pizza.fault("slow oven", 0.5),
    "all of them": pizza.Faults(
        kitchen_down_at=3600,
        kitchen_down_for=1800,
        duplicate_rate=0.3,
        lost_callback_rate=0.1,
        oven_slowdown=1.5,
    ),
}


def measure(orders: int, seed: int, faults: pizza.Faults) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    run = pizza.run_shop(orders, seed=seed, faults=faults)
    rows = len(run.trace())
    counts = run.outcome_counts()
    return {
        "wall_seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "virtual_hours": run.world.now / 3600,
        "rows": rows,
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    for name, faults in SCENARIOS.items():
        m = measure(args.orders, args.seed, faults)
        print(
            f"{name:26s} {args.orders:,} orders in {m['wall_seconds']:5.2f} s wall"
            f" ({m['cpu_seconds']:5.2f} s CPU), {m['virtual_hours']:4.1f} virtual h,"
            f" {m['rows']:,} trace rows: {m['delivered']} delivered,"
            f" {m['compensated']} compensated"
        )


if __name__ == "__main__":
    main()
