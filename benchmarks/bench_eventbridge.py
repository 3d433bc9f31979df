"""Event-pattern matching speed: course_lib's compiled PatternMatcher against moto's matcher.

    .venv/bin/python benchmarks/bench_eventbridge.py [--seed 7] [--events 2000]
        [--mix shared] [--clock cpu]

A seeded workload of about 650-byte events (nested objects and arrays) is matched against
10, 100 and 1,000 rules of several mixes: ten rule kinds in rotation; many rules on few
sources that repeat a small pool of predicates ("shared"); and, for each expensive kind
(wildcard, anything-but, numeric, cidr, equals-ignore-case, suffix, $or, exists), rules of
that kind alone, each with its own parameters. Both engines see the same rules and events;
moto's ``EventPattern`` is the matcher its EventBridge mock uses. For each mix and rule count
the script prints events per second for both (ours the best of ``--repeats`` runs), the
ratio and the mean number of rules matched per event, then the 1,000-rule rate over the
10-rule rate. On a busy machine ``--clock cpu`` times this process's CPU time, which other
load disturbs far less than wall time.
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
    detail["flags"] = {f"f{rng.randrange(1000)}": True for _ in range(3)}
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


SOURCES = ["pizza.orders", "pizza.kitchen", "pizza.delivery"]


def shared_pool(rng: random.Random) -> list[dict]:
    """Forty predicates that many rules repeat: address blocks, wildcards, prefixes, suffixes."""
    pool = []
    for _ in range(10):
        pool.append(
            {"customer": {"ip": [{"cidr": f"10.{rng.randrange(4)}.{rng.randrange(2) * 128}.0/17"}]}}
        )
        pool.append({"customer": {"email": [{"wildcard": f"user{rng.randrange(1, 10)}*@*.test"}]}})
        pool.append({"receipt": [{"prefix": f"receipts/{rng.randrange(1, 10)}"}]})
        pool.append({"receipt": [{"suffix": rng.choice([".pdf", ".png", ".txt"])}]})
    return pool


def make_shared_rule(rng: random.Random, pool: list[dict]) -> dict:
    """Many rules on few sources: a source, a status set and one or two predicates from a
    small pool, so identical predicates repeat across a hundred rules."""
    detail: dict = {"status": rng.sample(STATUSES, 4)}
    for choice in rng.sample(pool, rng.randrange(1, 3)):
        for key, value in choice.items():
            if key in detail and isinstance(value, dict):
                detail[key] = {**detail[key], **value}
            else:
                detail[key] = value
    return {"source": [rng.choice(SOURCES)], "detail": detail}


def make_kind_rule(rng: random.Random, kind: str, number: int) -> dict:
    """A rule whose one narrowing test is of ``kind``, with its own parameters."""
    if kind == "wildcard":
        return {"detail": {"receipt": [{"wildcard": f"receipts/*/r-{number}.*"}]}}
    if kind == "anything-but":  # narrowed by source, type and tier to ~1 in 36 events
        return {
            "source": [rng.choice(SOURCES)],
            "detail-type": [rng.choice(["Order Placed", "Order Updated", "Order Delivered"])],
            "detail": {
                "customer": {
                    "id": [{"anything-but": [f"c-{number}", f"c-{number + 1}"]}],
                    "tier": [rng.choice(TIERS)],
                }
            },
        }
    if kind == "numeric":
        low = round(rng.uniform(5, 120), 2)
        return {"detail": {"amount": [{"numeric": [">", low, "<=", round(low + 0.1, 2)]}]}}
    if kind == "cidr":
        return {
            "detail": {"customer": {"ip": [{"cidr": f"10.{number % 4}.{number // 4 % 256}.0/24"}]}}
        }
    if kind == "equals-ignore-case":
        email = f"USER{number % 900}@{'EXAMPLE.COM' if number < 900 else 'PIZZA.TEST'}"
        return {"detail": {"customer": {"email": [{"equals-ignore-case": email}]}}}
    if kind == "suffix":
        return {"detail": {"receipt": [{"suffix": f"/r-{number * 2}.pdf"}]}}
    if kind == "$or":
        return {
            "$or": [
                {"detail": {"customer": {"id": [f"c-{number}"]}}},
                {"detail": {"orderId": [f"o-{number:06d}"]}},
            ]
        }
    if kind == "exists":
        return {"detail": {"flags": {f"f{number}": [{"exists": True}]}}}
    raise ValueError(kind)


KINDS = [
    "wildcard",
    "anything-but",
    "numeric",
    "cidr",
    "equals-ignore-case",
    "suffix",
    "$or",
    "exists",
]


def rule_sets(seed: int, count: int) -> dict[str, dict[str, dict]]:
    """Every mix at ``count`` rules: today's ten kinds in rotation, many rules sharing
    predicates, and ``count`` rules of each expensive kind alone."""
    mixes: dict[str, dict[str, dict]] = {}
    rng = random.Random(seed * 1000 + count)
    mixes["ten kinds"] = {f"rule-{i:04d}": make_rule(rng, i % 10) for i in range(count)}
    rng = random.Random(seed * 1000 + count + 1)
    pool = shared_pool(rng)
    mixes["shared"] = {f"rule-{i:04d}": make_shared_rule(rng, pool) for i in range(count)}
    for kind in KINDS:
        rng = random.Random(seed * 1000 + count + 2)
        # spread the rules' parameters over the whole value range, whatever the count
        step = 1000 // count
        mixes[kind] = {f"rule-{i:04d}": make_kind_rule(rng, kind, i * step) for i in range(count)}
    return mixes


def throughput(
    match, events: list, min_seconds: float, repeats: int, clock=time.perf_counter
) -> tuple[float, float]:
    """Events per second of ``match`` over ``events`` (each run lasting ``min_seconds``; the
    best of ``repeats`` runs, since other load on the machine only ever slows a run down),
    and the mean number of rules matched per event."""
    best = 0.0
    for _ in range(repeats):
        matched = 0
        done = 0
        start = clock()
        while True:
            for event in events:
                matched += len(match(event))
            done += len(events)
            elapsed = clock() - start
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
    parser.add_argument("--mix", action="append", help="run only these mixes (repeatable)")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall time, or this process's CPU time (steadier on a shared machine)",
    )
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    from moto.events.models import EventPattern

    rng = random.Random(args.seed)
    events = [make_event(rng, n) for n in range(args.events)]
    size = sum(len(json.dumps(e)) for e in events) / len(events)
    print(
        f"workload: {len(events)} events, mean {size:.0f} bytes, seed {args.seed}, "
        f"{args.clock} clock"
    )
    print(
        f"{'mix':<19} {'rules':>5} {'course_lib ev/s':>16} {'moto ev/s':>10} {'ratio':>7} "
        f"{'matches/ev':>11}"
    )
    by_count = {count: rule_sets(args.seed, count) for count in (10, 100, 1000)}
    for mix in by_count[10]:
        if args.mix and mix not in args.mix:
            continue
        results = {}
        for count, mixes in by_count.items():
            rules = mixes[mix]
            matcher = PatternMatcher(rules)
            ours, per_event = throughput(
                matcher.matching, events, args.seconds, args.repeats, clock
            )
            moto_rules = [(name, EventPattern.load(json.dumps(p))) for name, p in rules.items()]

            def moto_match(event, moto_rules=moto_rules):
                return [name for name, pattern in moto_rules if pattern.matches_event(event)]

            theirs, _ = throughput(moto_match, events[: args.moto_events], args.seconds, 1, clock)
            results[count] = ours
            print(
                f"{mix:<19} {count:>5} {ours:>16,.0f} {theirs:>10,.0f} {ours / theirs:>6.0f}x "
                f"{per_event:>11.1f}"
            )
        print(f"{mix:<19} 1,000 rules / 10 rules: {results[1000] / results[10]:.2f}")


if __name__ == "__main__":
    main()
