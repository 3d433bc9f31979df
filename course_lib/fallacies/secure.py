"""Fallacy 4, the network is secure: a tampering proxy, and the HMAC that catches it."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections import Counter
from dataclasses import dataclass

from course_lib.fallacies._checks import (
    _check_int,
    _check_probability,
)
from course_lib.sim.network import Link, Message, Network, flip_one_bit
from course_lib.sim.world import World


@dataclass(frozen=True)
class TamperingResult:
    """How many tampered messages a receiver accepted, with and without an HMAC check."""

    messages: int
    tampered: int
    accepted_corrupt_without_check: int
    rejected_by_hmac: int
    accepted_corrupt_with_hmac: int


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _tamper_body(payload: dict, rng: random.Random) -> dict:
    return {**payload, "body": flip_one_bit(payload["body"], rng)}


def tampering_proxy(
    messages: int = 200,
    tamper: float = 0.1,
    *,
    key: bytes = b"course-shared-secret",
    seed: int = 2024,
) -> TamperingResult:
    """Orders pass a proxy that flips a bit in some bodies; the receiver checks an HMAC.

    Without a check every altered order is accepted; with HMAC-SHA256 over the body
    (compared in constant time) every altered order is rejected.
    """
    _check_int("messages", messages, 1)
    _check_probability("tamper", tamper)
    if not isinstance(key, bytes) or not key:
        raise ValueError("key: the HMAC key must be non-empty bytes")
    world = World(seed)
    network = Network(world, default=Link(latency=0.01))
    originals: dict[int, bytes] = {}
    verdicts = Counter()

    def receive(message: Message) -> None:
        payload = message.payload
        corrupt = payload["body"] != originals[payload["number"]]
        valid = hmac.compare_digest(payload["mac"], _sign(key, payload["body"]))
        verdicts["tampered"] += corrupt
        verdicts["accepted_corrupt_without_check"] += corrupt
        verdicts["rejected_by_hmac"] += not valid
        verdicts["accepted_corrupt_with_hmac"] += corrupt and valid

    network.add_node("shop")
    network.add_node("kitchen", handler=receive)
    network.connect("shop", "kitchen", Link(latency=0.01, tamper=tamper, tamperer=_tamper_body))
    for number in range(messages):
        body = json.dumps({"order": number, "pizza": "margherita", "amount": 12.5}).encode()
        originals[number] = body
        network.send("shop", "kitchen", {"number": number, "body": body, "mac": _sign(key, body)})
    world.run()
    return TamperingResult(
        messages=messages,
        tampered=verdicts["tampered"],
        accepted_corrupt_without_check=verdicts["accepted_corrupt_without_check"],
        rejected_by_hmac=verdicts["rejected_by_hmac"],
        accepted_corrupt_with_hmac=verdicts["accepted_corrupt_with_hmac"],
    )
