"""Who hears what: the shop's subscriptions are data, loaded from ``data/rules``.

Each ``data/rules/<domain>.json`` holds one domain's rules in the shape of EventBridge's
PutRule and PutTargets requests (``{"Rule": {...}, "Targets": [...]}``), with the account
and region left as ``${AWS::AccountId}`` and ``${AWS::Region}`` so that the same file
deploys to any account (``Fn::Sub`` in CloudFormation, or :func:`resolve`). The state
machines live in ``data/statemachines``. :func:`wire` deploys both on a world.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from course_lib.events.catalogue import data_dir, event_types
from course_lib.pizza.domains import ACCOUNT, BUS, REGION, lambda_arn

#: The three ways the experiment builds the same process.
DESIGNS = ("mix", "orchestration", "choreography")
ARCHIVE = "pizza-shop-archive"
DLQ = "pizza-kitchen-dlq"
DOMAINS = ("orders", "payments", "kitchen", "delivery")


def rules_dir() -> Path:
    return data_dir() / "rules"


def definition_path(design: str = "mix") -> Path:
    name = "order_orchestrated" if design == "orchestration" else "order_workflow"
    return data_dir() / "statemachines" / f"{name}.asl.json"


def load_definition(design: str = "mix") -> dict:
    """The order workflow's Amazon States Language definition for ``design``."""
    return json.loads(definition_path(design).read_text())


def load_rules(design: str = "mix") -> list[dict]:
    """Every rule of ``design``: ``{"Domain", "Rule", "Targets"}`` dicts, in file order.

    The mix uses every ``data/rules/*.json``; all choreography drops the orders domain's
    callback rule and adds ``data/rules/designs/choreography.json``; all orchestration
    has no rules at all.
    """
    if design not in DESIGNS:
        raise ValueError(f"design: one of {', '.join(DESIGNS)}, got {design!r}")
    if design == "orchestration":
        return []
    files = sorted(rules_dir().glob("*.json"))
    if design == "choreography":
        files = [f for f in files if f.stem != "orders"]
        files.append(rules_dir() / "designs" / "choreography.json")
    rules = []
    for path in files:
        document = json.loads(path.read_text())
        for entry in document["Rules"]:
            rules.append({"Domain": document["Domain"], **entry})
    return rules


def resolve(value: Any, *, account: str = ACCOUNT, region: str = REGION) -> Any:
    """Fill ``${AWS::AccountId}`` and ``${AWS::Region}`` in every string of ``value``."""
    if isinstance(value, str):
        return value.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region)
    if isinstance(value, list):
        return [resolve(v, account=account, region=region) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, account=account, region=region) for k, v in value.items()}
    return value


def detail_types(pattern: Mapping[str, Any]) -> list[str]:
    """The detail-types a rule's pattern names (all of them when it names none)."""
    named = pattern.get("detail-type")
    if isinstance(named, list) and all(isinstance(n, str) for n in named):
        return list(named)
    return [t.name for t in event_types()]


def subscriptions(rules: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Who subscribes to what: ``{"domain", "rule", "detail_type", "target"}`` rows."""
    rows = []
    for entry in rules:
        rule = entry["Rule"]
        for detail_type in detail_types(rule["EventPattern"]):
            for target in entry["Targets"]:
                rows.append(
                    {
                        "domain": entry.get("Domain", target["Id"]),
                        "rule": rule["Name"],
                        "detail_type": detail_type,
                        "target": target["Arn"].rsplit(":", 1)[-1],
                    }
                )
    return rows


def publications() -> list[dict]:
    """Who publishes what, from the event catalogue: ``{"domain", "detail_type"}`` rows."""
    return [{"domain": t.domain, "detail_type": t.name} for t in event_types()]


def check_rule(entry: Mapping[str, Any]) -> None:
    """A clear error when a rule entry is not ``{"Rule": {...}, "Targets": [...]}``."""
    if not isinstance(entry, Mapping):
        raise TypeError(f"a rule is a dict with 'Rule' and 'Targets', got {type(entry).__name__}")
    missing = [key for key in ("Rule", "Targets") if key not in entry]
    if missing:
        raise ValueError(f"rule: missing {', '.join(missing)} (give PutRule and PutTargets JSON)")
    rule = entry["Rule"]
    for key in ("Name", "EventPattern"):
        if key not in rule:
            raise ValueError(f"Rule: missing {key!r}")
    if rule.get("EventBusName", BUS) != BUS:
        raise ValueError(
            f"Rule.EventBusName: the shop's bus is {BUS!r}, got {rule['EventBusName']!r}"
        )


def deploy_rule(bridge: Any, entry: Mapping[str, Any]) -> str:
    """PutRule and PutTargets for one rule entry on the local bus; returns the rule ARN."""
    check_rule(entry)
    rule = resolve(copy.deepcopy(dict(entry["Rule"])))
    arn = bridge.put_rule(
        rule["Name"],
        event_pattern=rule["EventPattern"],
        event_bus_name=BUS,
        state=rule.get("State", "ENABLED"),
        description=rule.get("Description"),
    )["RuleArn"]
    bridge.put_targets(rule["Name"], resolve(list(entry["Targets"])), event_bus_name=BUS)
    return arn


def register_functions(world: Any, functions: Mapping[str, Callable]) -> None:
    """Make each function reachable by its Lambda ARN (rule targets call it with the event)."""
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(
                f"functions[{name!r}]: expected a callable, got {type(function).__name__}"
            )
        world.register(lambda_arn(name), function)
