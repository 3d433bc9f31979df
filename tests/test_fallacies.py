import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import fallacies


@pytest.fixture(scope="module")
def at_100_clients():
    rows = fallacies.backoff_experiment(100, runs=20, seed=2024)
    return {row["algorithm"]: row for row in rows}


def test_backoff_rows_have_the_documented_shape(at_100_clients):
    assert list(at_100_clients) == [
        "none",
        "exponential",
        "full_jitter",
        "equal_jitter",
        "decorrelated_jitter",
    ]
    for row in at_100_clients.values():
        assert set(row) == {"clients", "algorithm", "calls", "time"}
        assert row["clients"] == 100
        assert row["calls"] >= 100


def test_full_jitter_makes_at_most_half_the_calls_of_exponential(at_100_clients):
    assert at_100_clients["full_jitter"]["calls"] <= at_100_clients["exponential"]["calls"] / 2


def test_exponential_takes_five_times_as_long_as_full_jitter(at_100_clients):
    assert at_100_clients["exponential"]["time"] >= 5 * at_100_clients["full_jitter"]["time"]


def test_equal_jitter_makes_similar_calls_but_is_slower(at_100_clients):
    full, equal = at_100_clients["full_jitter"], at_100_clients["equal_jitter"]
    assert abs(equal["calls"] - full["calls"]) < 0.1 * full["calls"]
    assert equal["time"] > full["time"]


def test_decorrelated_makes_more_calls_than_full_jitter(at_100_clients):
    assert at_100_clients["decorrelated_jitter"]["calls"] > at_100_clients["full_jitter"]["calls"]


def test_backoff_experiment_is_deterministic_and_sweeps():
    first = fallacies.backoff_experiment([3, 5], runs=2, seed=9, algorithms=["full_jitter"])
    assert first == fallacies.backoff_experiment((3, 5), runs=2, seed=9, algorithms=["full_jitter"])
    assert [row["clients"] for row in first] == [3, 5]
    assert first != fallacies.backoff_experiment(
        [3, 5], runs=2, seed=10, algorithms=["full_jitter"]
    )


def test_a_single_client_writes_once_in_four_message_delays():
    (row,) = fallacies.backoff_experiment(1, runs=50, seed=1, algorithms=["none"])
    assert row["calls"] == 1
    assert row["time"] == pytest.approx(40, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clients": 0}, "clients"),
        ({"clients": []}, "clients"),
        ({"clients": 5, "runs": 0}, "runs"),
        ({"clients": 5, "algorithms": ["linear"]}, "algorithms"),
        ({"clients": 5, "base_ms": -1}, "base_ms"),
        ({"clients": 5, "cap_ms": 1}, "cap_ms"),
    ],
)
def test_backoff_experiment_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fallacies.backoff_experiment(**kwargs)


# --- the other fallacies ----------------------------------------------------------------


def test_lossy_hops_follow_the_product_of_survival():
    rows = fallacies.lossy_hops(max_hops=4, loss=0.1, messages=1000, seed=3)
    assert [row["hops"] for row in rows] == [1, 2, 3, 4]
    for row in rows:
        assert row["expected"] == pytest.approx(0.9 ** row["hops"])
        assert row["success_rate"] == pytest.approx(row["expected"], abs=0.045)
    assert fallacies.lossy_hops(3, 0.0, 50)[-1]["delivered"] == 50


def test_lost_acks_cause_duplicate_charges_unless_idempotent():
    plain = fallacies.lost_ack_duplicates(requests=200, ack_loss=0.3, seed=5)
    safe = fallacies.lost_ack_duplicates(requests=200, ack_loss=0.3, seed=5, idempotent=True)
    assert plain.charged_twice_or_more > 0
    assert plain.side_effects == plain.attempts > 200
    assert safe.side_effects == 200 and safe.charged_twice_or_more == 0
    perfect = fallacies.lost_ack_duplicates(requests=20, ack_loss=0.0)
    assert perfect.attempts == perfect.side_effects == 20


def test_latency_table_is_ordered_and_chatty_calls_pay_every_round_trip():
    numbers = [row["ns"] for row in fallacies.LATENCY_NUMBERS]
    assert numbers == sorted(numbers)
    rows = fallacies.chatty_vs_batched(items=100, batch_size=25)
    by_key = {(row["link"], row["style"]): row for row in rows}
    far = "California to Netherlands"
    assert by_key[(far, "chatty")]["seconds"] == pytest.approx(100 * 0.150)
    assert by_key[(far, "batched")]["seconds"] == pytest.approx(4 * 0.150)
    assert by_key[("same datacenter", "batched")]["calls"] == 4


def test_payloads_over_the_limit_switch_to_claim_check():
    rows = fallacies.payload_transfer(
        [1000, 300_000],
        bandwidth=1_000_000,
        latency=0.01,
        limit=fallacies.PREVIOUS_EVENT_SIZE_LIMIT,
    )
    small, large = rows
    assert small["pattern"] == "inline" and small["event_bytes"] == 1000
    assert small["transfer_seconds"] == pytest.approx(0.01 + 1000 / 1_000_000)
    assert large["pattern"] == "claim check" and large["event_bytes"] < 200
    assert large["claim_check_seconds"] > large["transfer_seconds"]
    assert fallacies.payload_transfer([2_000_000])[0]["fits_in_event"] is False


def test_hmac_catches_every_tampered_order():
    result = fallacies.tampering_proxy(messages=300, tamper=0.2, seed=8)
    assert result.tampered > 30
    assert result.accepted_corrupt_without_check == result.tampered
    assert result.rejected_by_hmac == result.tampered
    assert result.accepted_corrupt_with_hmac == 0


def test_hard_coded_endpoint_breaks_when_the_service_moves():
    rows = fallacies.endpoint_move(requests=20, interval=1.0, move_at=10.0)
    hard = [row for row in rows if row["client"] == "hard-coded"]
    found = [row for row in rows if row["client"] == "discovered"]
    assert [row["ok"] for row in hard] == [row["time"] < 10 for row in hard]
    assert all(row["ok"] for row in found)
    cached = fallacies.endpoint_move(requests=20, move_at=10.0, cache_ttl=4.0)
    stale = [row["time"] for row in cached if row["client"] == "discovered" and not row["ok"]]
    assert stale == [10.0, 11.0]


def test_independent_administrators_drift_and_one_source_of_truth_does_not():
    drifted = fallacies.configuration_drift(servers=6, administrators=3, days=30, seed=2)
    central = fallacies.configuration_drift(servers=6, administrators=3, days=30, centralized=True)
    assert len(drifted) == 30 and drifted[0]["day"] == 1
    assert drifted[-1]["distinct_configurations"] > 1
    assert all(row["distinct_configurations"] == 1 for row in central)
    quiet = fallacies.configuration_drift(changes_per_day=0.0, days=3)
    assert [row["settings_in_disagreement"] for row in quiet] == [0, 0, 0]


def test_transport_cost_counts_started_64_kb_chunks():
    rows = fallacies.transport_cost([65_536, 65_537], requests=1_000_000, serialize_ns_per_byte=0)
    assert [row["chunks"] for row in rows] == [1, 2]
    assert [row["request_usd"] for row in rows] == pytest.approx([1.0, 2.0])
    assert rows[0]["compute_usd"] == 0
    assert fallacies.serialized_size({"b": 1, "a": [1, 2]}) == len('{"a":[1,2],"b":1}')


def test_heterogeneous_networks_deliver_big_messages_very_differently():
    rows = fallacies.heterogeneous_clients(payload_bytes=32_000, messages=300, seed=4)
    by_name = {row["name"]: row for row in rows}
    assert by_name["service in the same VPC"]["packets"] == 4
    assert by_name["office broadband"]["packets"] == 22
    for row in rows:
        assert row["delivery_rate"] == pytest.approx(row["expected_delivery"], abs=0.08)
    assert (
        by_name["ship over satellite"]["delivery_rate"]
        < by_name["office broadband"]["delivery_rate"]
    )


def test_ids_above_2_to_the_53_lose_precision_as_float64():
    rows = fallacies.float_id_precision([2**53, 2**53 + 1, 42])
    assert [row["exact"] for row in rows] == [True, False, True]
    assert rows[1]["as_float"] == 2**53


def test_retries_multiply_through_layers_and_a_token_bucket_caps_them():
    storm = fallacies.retry_amplification(layers=5, attempts=3)
    assert storm.calls_per_layer == [3, 9, 27, 81, 243]
    assert storm.bottom_calls == 243 and storm.failed_requests == 1
    capped = fallacies.retry_amplification(layers=5, attempts=3, requests=10, token_bucket=True)
    uncapped = fallacies.retry_amplification(layers=5, attempts=3, requests=10)
    assert uncapped.bottom_calls == 2430
    assert capped.bottom_calls < uncapped.bottom_calls / 5
    assert capped.throttled_retries > 0


@settings(max_examples=25, deadline=None)
@given(layers=st.integers(1, 4), attempts=st.integers(1, 4))
def test_amplification_is_attempts_to_the_power_of_layers(layers, attempts):
    result = fallacies.retry_amplification(layers=layers, attempts=attempts)
    assert result.calls_per_layer == [attempts ** (depth + 1) for depth in range(layers)]


@settings(max_examples=25, deadline=None)
@given(value=st.integers(-(2**53), 2**53))
def test_ids_within_2_to_the_53_survive(value):
    assert fallacies.float_id_precision([value])[0]["exact"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fallacies.lossy_hops(loss=1.5), "loss"),
        (lambda: fallacies.lost_ack_duplicates(ack_timeout=0), "ack_timeout"),
        (lambda: fallacies.chatty_vs_batched(batch_size=0), "batch_size"),
        (lambda: fallacies.chatty_vs_batched(round_trips={"x": -1}), "round_trips"),
        (lambda: fallacies.payload_transfer([]), "sizes"),
        (lambda: fallacies.payload_transfer(bandwidth=0), "bandwidth"),
        (lambda: fallacies.tampering_proxy(key=b""), "key"),
        (lambda: fallacies.endpoint_move(interval=0), "interval"),
        (lambda: fallacies.configuration_drift(servers=2, administrators=3), "administrators"),
        (lambda: fallacies.transport_cost([-1]), "payload_sizes"),
        (
            lambda: fallacies.heterogeneous_clients(
                profiles=[{"name": "x", "mtu": 40, "latency": 0, "loss": 0}]
            ),
            "mtu",
        ),
        (lambda: fallacies.heterogeneous_clients(profiles=[]), "profiles"),
        (lambda: fallacies.float_id_precision([1.5]), "ids"),
        (lambda: fallacies.retry_amplification(attempts=0), "attempts"),
    ],
)
def test_experiments_reject_bad_parameters(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_every_fallacy_names_experiments_that_exist():
    assert len(fallacies.FALLACIES) == 8
    for entry in fallacies.FALLACIES:
        for name in entry["experiments"]:
            assert callable(getattr(fallacies, name))


# --- The SDKs' retry modes in one outage -----------------------------------------------------


def _by_mode(**kwargs):
    return {row["mode"]: row for row in fallacies.retry_modes_outage(**kwargs)}


def test_retry_modes_compare_legacy_and_both_standard_modes():
    rows = _by_mode()
    assert list(rows) == ["legacy", "standard_before_2026", "standard"]
    legacy, before, now = rows["legacy"], rows["standard_before_2026"], rows["standard"]
    assert legacy["calls"] == before["calls"] == now["calls"] == 1200
    # 300 calls start during the 30 s outage; legacy tries each up to 5 times
    assert legacy["attempts_during_outage"] > 4 * 300 * 0.9
    # the quotas stop retrying: 500 / 5 = 100 retries before 2026, 500 / 14 = 35 now
    assert before["attempts_during_outage"] == 300 + 100
    assert now["attempts_during_outage"] == 300 + 500 // 14
    assert now["tokens_at_outage_end"] == 500 - 14 * (500 // 14)
    assert before["tokens_at_outage_end"] == 0
    assert legacy["tokens_left"] is None and legacy["quota_refilled_after"] is None
    # legacy's retries still in their backoff overload the recovered service
    assert legacy["recovered_after"] > 0 == now["recovered_after"] == before["recovered_after"]
    # refilling 490 tokens at one per first-try success, 10 calls a second: about 49 s
    assert 45 < now["quota_refilled_after"] < 55
    assert now["tokens_left"] == 500


def test_legacy_rescues_more_calls_by_retrying_longer():
    rows = _by_mode(capacity=None)
    assert rows["legacy"]["success_rate"] > rows["standard"]["success_rate"]
    assert rows["standard"]["failed_calls"] == 300
    assert rows["legacy"]["recovered_after"] == 0.0


def test_throttling_retries_are_cheap_in_the_2026_mode():
    rows = _by_mode(modes=["standard"], error="throttling", retry_after=1.5)
    assert rows["standard"]["attempts_during_outage"] == 300 + 500 // 5


def test_retry_modes_are_reproducible_and_checked():
    assert fallacies.retry_modes_outage(seed=7) == fallacies.retry_modes_outage(seed=7)
    for kwargs, message in [
        ({"modes": []}, "modes"),
        ({"modes": ["adaptive"]}, "modes"),
        ({"outage": (60.0, 30.0)}, "outage"),
        ({"error": "timeout"}, "error"),
        ({"capacity": 0}, "capacity"),
        ({"calls_per_second": -1}, "calls_per_second"),
    ]:
        with pytest.raises(ValueError, match=message):
            fallacies.retry_modes_outage(**kwargs)


def test_retry_amplification_with_the_sdk_retry_modes():
    standard = fallacies.retry_amplification(layers=5, requests=100, retry_mode="standard")
    manual = fallacies.retry_amplification(
        layers=5, attempts=3, requests=100, token_bucket=True, retry_cost=14
    )
    assert (standard.attempts, standard.bottom_calls) == (3, manual.bottom_calls) == (3, 275)
    before = fallacies.retry_amplification(
        layers=5, requests=100, retry_mode="standard_before_2026"
    )
    assert before.bottom_calls == 600
    legacy = fallacies.retry_amplification(layers=5, requests=100, retry_mode="legacy")
    assert legacy.attempts == 5 and legacy.bottom_calls == 100 * 5**5
    assert fallacies.retry_amplification(layers=2, attempts=2, retry_mode="legacy").attempts == 2
    with pytest.raises(ValueError, match="retry_mode"):
        fallacies.retry_amplification(retry_mode="standard", token_bucket=True)
    with pytest.raises(ValueError, match="mode"):
        fallacies.retry_amplification(retry_mode="adaptive")
