"""Event-pattern matching speed: course_lib's compiled PatternMatcher against moto's matcher.

    .venv/bin/python benchmarks/bench_eventbridge.py [--seed 7] [--events 2000]

A seeded workload of about 500-byte events (nested objects and arrays) is matched against
10, 100 and 1,000 rules drawn from ten rule kinds in rotation. Both engines see the same
rules and events; moto's ``EventPattern`` is the matcher its EventBridge mock uses. For each
rule count the script prints events per second for both (best of ``--repeats`` runs) and
the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from course_lib.eventbridge.compiled import PatternMatcher

STATUSES = ["PLACED", "PAID", "BAKING", "READY", "DELIVERED", "CANCELLED"]
TIERS = ["bronze", "silver", "gold", "platinum"]
SIZES = ["small", "medium", "large", "family"]
TOPPINGS = ["basil", "ham", "mushroom", "olive", "onion", "pepper", "pineapple", "salami"]


def make_event(rng: random.Random, number: int) -> dict:
    """One order event of about 500 bytes with nested objects and an array of line items."""
    items = [
        {
            "sku": f"PZ-{rng.choice(SIZES)}-{rng.randrange(40)}",
            "qty": rng.randrange(1, 5),
            "toppings": rng.sample(TOPPINGS, rng.randrange(1, 4)),
        }
        for _ in range(rng.randrange(1, 4))
    ]
    detail = {
        "orderId": f"o-{number:06d}",
        "status": rng.choice(STATUSES),
        "amount": round(rng.uniform(5, 120), 2),
        "customer": {
            "id": f"c-{rng.randrange(5000)}",
            "tier": rng.choice(TIERS),
            "ip": f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}",
            "email": f"user{rng.randrange(900)}@{rng.choice(['example.com', 'pizza.test'])}",
        },
        "items": items,
        "receipt": f"receipts/{rng.randrange(100)}/r-{number}.{rng.choice(['pdf', 'png', 'txt'])}",
    }
    if rng.random() < 0.5:
        detail["coupon"] = f"SAVE{rng.randrange(5, 50)}"
    return {
        "version": "0",
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "detail-type": rng.choice(["Order Placed", "Order Updated", "Order Delivered"]),
        "source": rng.choice(["pizza.orders", "pizza.kitchen", "pizza.delivery"]),
        "account": "123456789012",
        "time": f"2025-01-06T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def make_rule(rng: random.Random, kind: int) -> dict:
    """A rule of one of ten kinds, each as selective as a real subscription is.

    Every kind combines a common field (the source, a status) with one that narrows it down
    (a customer, an order-number prefix, an address block), so the matches per event stay
    realistic as the rule count grows.
    """
    source = rng.choice(["pizza.orders", "pizza.kitchen", "pizza.delivery"])
    customer = f"c-{rng.randrange(5000)}"
    if kind == 0:  # exact values
        return {"source": [source], "detail": {"customer": {"id": [customer]}}}
    if kind == 1:  # prefix
        return {
            "source": [source],
            "detail": {"orderId": [{"prefix": f"o-00{rng.randrange(200):03d}"}]},
        }
    if kind == 2:  # suffix
        return {"detail": {"receipt": [{"suffix": f"/r-{rng.randrange(2000)}.pdf"}]}}
    if kind == 3:  # equals-ignore-case
        email = f"USER{rng.randrange(900)}@{rng.choice(['EXAMPLE.COM', 'PIZZA.TEST'])}"
        return {"detail": {"customer": {"email": [{"equals-ignore-case": email}]}}}
    if kind == 4:  # anything-but, narrowed by customer
        return {
            "detail": {
                "status": [{"anything-but": rng.sample(STATUSES, 2)}],
                "customer": {"id": [customer]},
            }
        }
    if kind == 5:  # numeric range
        low = round(rng.uniform(5, 120), 2)
        return {
            "source": [source],
            "detail": {"amount": [{"numeric": [">=", low, "<", round(low + 0.25, 2)]}]},
        }
    if kind == 6:  # cidr
        block = f"10.{rng.randrange(4)}.{rng.randrange(256)}.0/24"
        return {"detail": {"customer": {"ip": [{"cidr": block}]}}}
    if kind == 7:  # exists, narrowed by customer
        return {
            "detail": {
                "coupon": [{"exists": rng.random() < 0.5}],
                "customer": {"id": [customer]},
            }
        }
    if kind == 8:  # wildcard
        return {
            "detail": {"customer": {"email": [{"wildcard": f"user{rng.randrange(900)}@*.test"}]}}
        }
    return {  # $or, one branch with array-consistent fields of a line item
        "source": [source],
        "detail": {
            "$or": [
                {
                    "items": {
                        "sku": [f"PZ-{rng.choice(SIZES)}-{rng.randrange(40)}"],
                        "qty": [rng.randrange(1, 5)],
                    }
                },
                {"customer": {"id": [customer]}},
            ]
        },
    }


def throughput(match, events: list, min_seconds: float, repeats: int) -> tuple[float, float]:
    """Events per second of ``match`` over ``events`` (each run lasting ``min_seconds``; the
    best of ``repeats`` runs, since other load on the machine only ever slows a run down),
    and the mean number of rules matched per event."""
    best = 0.0
    for _ in range(repeats):
        matched = 0
        done = 0
        start = time.perf_counter()
        while True:
            for event in events:
                matched += len(match(event))
            done += len(events)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = max(best, done / elapsed)
    return best, matched / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--moto-events", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from moto.events.models import EventPattern

    rng = random.Random(args.seed)
    events = [make_event(rng, n) for n in range(args.events)]
    size = sum(len(json.dumps(e)) for e in events) / len(events)
    print(f"workload: {len(events)} events, mean {size:.0f} bytes, seed {args.seed}")
    print(f"{'rules':>6} {'course_lib ev/s':>16} {'moto ev/s':>11} {'ratio':>8} {'matches/ev':>11}")
    results = {}
    for count in (10, 100, 1000):
        rule_rng = random.Random(args.seed * 1000 + count)
        rules = {f"rule-{i:04d}": make_rule(rule_rng, i % 10) for i in range(count)}
        matcher = PatternMatcher(rules)
        ours, per_event = throughput(matcher.matching, events, args.seconds, args.repeats)
        moto_rules = [(name, EventPattern.load(json.dumps(p))) for name, p in rules.items()]

        def moto_match(event, moto_rules=moto_rules):
            return [name for name, pattern in moto_rules if pattern.matches_event(event)]

        theirs, _ = throughput(moto_match, events[: args.moto_events], args.seconds, args.repeats)
        results[count] = ours
        print(
            f"{count:>6} {ours:>16,.0f} {theirs:>11,.0f} {ours / theirs:>7.0f}x {per_event:>11.1f}"
        )
    print(f"throughput at 1,000 rules / at 10 rules: {results[1000] / results[10]:.2f}")


if __name__ == "__main__":
    main()
