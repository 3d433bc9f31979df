"""Lesson 02 library: facets, change experiments, cost of decoupling, control."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.coupling import (
    CHANGES,
    FACETS,
    assess,
    assessment_table,
    change_matrix,
    decoupling_cost,
    fit,
    get_integration,
    load_integrations,
    rank_integrations,
    recommend_coupling,
    run_baseline,
    run_change,
)
from course_lib.coupling.facets import CODECS
from course_lib.coupling.simulation import baseline_setup, run
from course_lib.coupling.wire import DecodeError, decode, encode, order_schema

INTEGRATIONS = load_integrations()
LEVEL = {(i.name, c.facet): c.level for i in INTEGRATIONS for c in assess(i)}
FACETS_INDEX = {facet: n for n, facet in enumerate(FACETS)}


# -- the integration catalogue and the facet model ------------------------------------------
def test_catalogue_covers_every_style_and_is_valid():
    assert {i.style for i in INTEGRATIONS} == {
        "call",
        "queue",
        "bus",
        "custom-bus",
        "database",
        "file",
    }
    assert len({i.name for i in INTEGRATIONS}) == len(INTEGRATIONS)
    assert get_integration("rest-call").codec == "json"
    with pytest.raises(LookupError, match="carrier-pigeon"):
        get_integration("carrier-pigeon")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"style": "telepathy"}, "style"),
        ({"addressing": "channel"}, "addressing"),
        ({"fifo": True}, "fifo"),
        ({"retention_s": 60}, "retention_s"),
        ({"codec": "sql-row"}, "codec"),
    ],
)
def test_integration_rejects_inconsistent_mechanics(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(get_integration("rest-call"), **changes)


def test_loading_rejects_unknown_keys(tmp_path):
    path = tmp_path / "integrations.json"
    entry = {"name": "x", "label": "x", "style": "queue", "codec": "json", "addressing": "channel"}
    path.write_text(json.dumps({"integrations": [entry | {"colour": "red"}]}))
    with pytest.raises(ValueError, match="colour"):
        load_integrations(path)
    path.write_text(json.dumps({"integrations": [entry, entry]}))
    with pytest.raises(ValueError, match="unique"):
        load_integrations(path)


def test_every_integration_has_a_level_and_reason_per_facet():
    for integration in INTEGRATIONS:
        cells = assess(integration)
        assert [c.facet for c in cells] == list(FACETS)
        assert all(c.level in (0, 1, 2) and c.reason for c in cells)


def test_coupling_is_not_binary_nor_one_dimensional():
    rows = {i.name: [c.level for c in assess(i)] for i in INTEGRATIONS}
    assert all(len(set(levels)) > 1 for levels in rows.values())
    assert {level for levels in rows.values() for level in levels} == {0, 1, 2}
    assert rows["sqs-queue"][FACETS_INDEX["temporal"]] < rows["rest-call"][FACETS_INDEX["temporal"]]
    assert (
        rows["grpc-call"][FACETS_INDEX["data_format"]]
        < rows["sqs-queue"][FACETS_INDEX["data_format"]]
    )


def test_assessment_table_is_a_grid():
    table = assessment_table()
    assert table["facets"] == list(FACETS)
    assert len(table["levels"]) == len(INTEGRATIONS) == len(table["reasons"])
    assert all(len(row) == len(FACETS) for row in table["levels"])
    assert table["totals"] == [sum(row) for row in table["levels"]]


# -- wire formats ---------------------------------------------------------------------------
records = st.lists(
    st.fixed_dictionaries(
        {
            "order_id": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8),
            "status": st.sampled_from(["created", "paid", "shipped"]),
            "amount": st.integers(0, 10**6),
        }
    ),
    min_size=1,
    max_size=5,
)


@given(records, st.sampled_from(CODECS))
def test_every_codec_round_trips_when_both_sides_agree(batch, codec):
    schema = order_schema(units_in_message=False)
    decoded = [
        r for payload in encode(codec, batch, schema) for r in decode(codec, payload, schema, "jvm")
    ]
    assert decoded == batch


def test_codecs_differ_in_how_they_match_fields():
    receiver = order_schema(units_in_message=False)
    sender = receiver.renamed("amount", "total_cents")
    record = [{"order_id": "o-1", "status": "paid", "amount": 1250}]
    with pytest.raises(DecodeError, match="amount_cents"):
        decode("json", encode("json", record, sender)[0], receiver, "jvm")
    with pytest.raises(DecodeError, match="no such column"):
        decode("sql-row", encode("sql-row", record, sender)[0], receiver, "jvm")
    assert decode("protobuf", encode("protobuf", record, sender)[0], receiver, "go") == record
    assert decode("csv", encode("csv", record, sender)[0], receiver, "python") == record
    silently = decode(
        "java-serialization", encode("java-serialization", record, sender)[0], receiver, "jvm"
    )
    assert silently[0]["amount"] == 0
    with pytest.raises(DecodeError, match="python"):
        decode(
            "java-serialization",
            encode("java-serialization", record, receiver)[0],
            receiver,
            "python",
        )


# -- change experiments ---------------------------------------------------------------------
@pytest.mark.parametrize("integration", INTEGRATIONS, ids=lambda i: i.name)
def test_the_unchanged_integration_works(integration):
    result = run_baseline(integration)
    assert not result.broke, result.why


def test_changes_break_exactly_where_the_assessment_says_tight():
    for record in change_matrix()["records"]:
        tight = LEVEL[(record.integration, record.facet)] == 2
        assert record.broke == tight, record


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32))
def test_the_deterministic_facets_agree_with_the_assessment_for_any_seed(seed):
    for integration in INTEGRATIONS:
        assert not run_baseline(integration, seed=seed).broke
        for facet in FACETS:
            if facet != "order":
                result = run_change(integration, facet, seed=seed)
                assert result.broke == (LEVEL[(integration.name, facet)] == 2), result


@pytest.mark.parametrize("seed", range(5))
def test_scaling_out_reorders_only_channels_that_do_not_keep_order(seed):
    broke = {i.name: run_change(i, "order", seed=seed).broke for i in INTEGRATIONS}
    assert broke["sqs-queue"] and broke["eventbridge-event"] and broke["shared-database"]
    assert not any(
        broke[name] for name in ("sqs-fifo-queue", "rest-call", "eventbridge-custom-bus")
    )


def test_reasons_come_from_the_run():
    assert "connection refused" in run_change(get_integration("rest-call"), "temporal").why
    assert "silently" in run_change(get_integration("rest-call"), "semantic").why
    assert "nothing listens" in run_change(get_integration("rmi-call"), "location").why
    assert "202 Accepted" in run_change(get_integration("grpc-call"), "conversation").why
    assert "enrichment" in run_change(get_integration("rest-call"), "topology").why


def test_a_queue_holds_updates_through_an_outage_until_retention_runs_out():
    queue = get_integration("sqs-queue")
    setup = baseline_setup(queue)
    CHANGES["temporal"].apply(setup)
    outcome = run(setup)
    assert not outcome.broke
    assert outcome.last_applied_at > 3600
    short = replace(queue, retention_s=600.0)
    setup = baseline_setup(short)
    CHANGES["temporal"].apply(setup)
    outcome = run(setup)
    assert outcome.broke and outcome.expired == 24
    assert "expired" in outcome.explain()


def test_change_matrix_shape_and_bad_facet():
    matrix = change_matrix(INTEGRATIONS[:2])
    assert matrix["integrations"] == [i.name for i in INTEGRATIONS[:2]]
    assert len(matrix["broke"]) == 2 and all(len(row) == len(FACETS) for row in matrix["broke"])
    assert len(matrix["records"]) == 2 * len(FACETS)
    with pytest.raises(ValueError, match="facet"):
        run_change(INTEGRATIONS[0], "astrology")


# -- cost of decoupling ---------------------------------------------------------------------
def test_decoupling_releases_the_producer_but_delays_consistency():
    cost = decoupling_cost(1000, seed=2)
    direct, queue, bus = cost["direct"], cost["queue"], cost["bus"]
    assert queue["producer_wait_s"]["p50"] < direct["producer_wait_s"]["p50"]
    assert bus["producer_wait_s"]["p50"] < direct["producer_wait_s"]["p50"]
    windows = [p["consistency_window_s"]["p50"] for p in (direct, queue, bus)]
    assert windows == sorted(windows)
    assert direct["moving_parts"] < queue["moving_parts"] <= bus["moving_parts"]
    assert direct["stale_fraction"] < bus["stale_fraction"] <= 1
    assert decoupling_cost(1000, seed=2) == cost


def test_decoupling_cost_rejects_bad_input():
    with pytest.raises(ValueError, match="n:"):
        decoupling_cost(0)
    with pytest.raises(ValueError, match="rate_per_s"):
        decoupling_cost(10, rate_per_s=0)


# -- control over endpoints -----------------------------------------------------------------
@given(st.sampled_from(["full", "shared", "none"]), st.sampled_from(["full", "shared", "none"]))
def test_the_endpoint_you_control_least_governs(sender, receiver):
    recommendation = recommend_coupling(sender, receiver)
    order = ["none", "shared", "full"]
    assert recommendation.governing == min(sender, receiver, key=order.index)
    assert "Hohpe" in recommendation.quote
    loosest = {f: min(LEVEL[(i.name, f)] for i in INTEGRATIONS) for f in FACETS}
    assert all(recommendation.max_levels[f] >= loosest[f] for f in FACETS)
    assert all(recommendation.max_levels[f] >= recommendation.level for f in FACETS)
    assert recommendation.level == {"none": 0, "shared": 1, "full": 2}[recommendation.governing]
    assert (
        any(fit(i, recommendation)["fits"] for i in INTEGRATIONS)
        or recommendation.governing != "full"
    )


def test_less_control_asks_for_looser_coupling():
    full = recommend_coupling("full", "full")
    none = recommend_coupling("full", "none")
    assert all(fit(i, full)["fits"] for i in INTEGRATIONS)
    assert all(none.max_levels[f] <= full.max_levels[f] for f in FACETS)
    assert not fit(get_integration("rmi-call"), none)["fits"]
    assert "data_format" in none.reason
    ranked = rank_integrations(none)
    assert len(ranked[0]["too_tight"]) <= len(ranked[-1]["too_tight"])
    assert ranked[-1]["integration"] == "rmi-call"
    with pytest.raises(ValueError, match="receiver_control"):
        recommend_coupling("full", "some")


# -- the shared database, and the two kinds of EventBridge bus ------------------------------
def test_the_shared_database_is_among_the_tightest_styles():
    table = assessment_table()
    total = dict(zip(table["integrations"], table["totals"], strict=True))
    assert total["shared-database"] >= 10
    assert total["shared-database"] >= 2 * total["eventbridge-event"]
    assert total["shared-database"] > total["sqs-queue"]
    levels = {c.facet: c.level for c in assess(get_integration("shared-database"))}
    assert levels["data_format"] == levels["semantic"] == levels["order"] == 2
    assert levels["location"] == levels["topology"] == levels["temporal"] == 1


def test_competing_pollers_of_a_shared_table_apply_older_snapshots_last():
    database = get_integration("shared-database")
    one = run(baseline_setup(database))
    assert not one.broke
    setup = baseline_setup(database)
    CHANGES["order"].apply(setup)
    outcome = run(setup)
    assert outcome.broke and not outcome.receiver_errors and "silently" in outcome.explain()


def test_a_step_between_is_a_component_the_mechanics_place_or_bypass():
    for name in ("sqs-queue", "eventbridge-custom-bus", "shared-database", "file-transfer"):
        result = run_change(get_integration(name), "topology")
        assert not result.broke, result.why
    result = run_change(get_integration("rest-call"), "topology")
    assert result.broke and "customer_tier" in result.why


def test_the_simulation_never_reads_the_assessment():
    import ast
    from pathlib import Path

    import course_lib.coupling.simulation as simulation

    tree = ast.parse(Path(simulation.__file__).read_text())
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    from_facets = {name for module, name in imported if module == "course_lib.coupling.facets"}
    assert from_facets == {"Integration"}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"assess", "assessment_table", "FacetLevel", "LEVELS", "_RULES"}


def test_classic_bus_retries_delivery_the_custom_bus_stores_events():
    classic = get_integration("eventbridge-event")
    custom = get_integration("eventbridge-custom-bus")
    assert classic.retention_s is None and classic.retry_max_age_s == 86_400
    assert custom.retention_s == 7 * 86_400 and custom.retry_max_age_s == 300
    reason = {c.facet: c for c in assess(classic)}["temporal"].reason
    assert "retries delivery for 1 d" in reason and "stores nothing" in reason
    cell = {c.facet: c for c in assess(custom)}["temporal"]
    assert cell.level == 2 and "5 min" not in cell.reason and "keeps the event 7 d" in cell.reason
    assert run_change(custom, "temporal").why.startswith("24 of 24 updates expired")
    patient = replace(custom, retry_max_age_s=86_400.0)
    assert {c.facet: c.level for c in assess(patient)}["temporal"] == 0
    assert not run_change(patient, "temporal").broke
    unordered = replace(custom, fifo=False)
    assert {c.facet: c.level for c in assess(unordered)}["order"] == 2
    assert run_change(unordered, "order").broke


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retention_s": 3600.0}, "1 to 365 days"),
        ({"retention_s": 366 * 86_400.0}, "1 to 365 days"),
        ({"retry_max_age_s": 30.0}, "60 to 86400"),
        ({"retry_max_age_s": None}, "60 to 86400"),
        ({"style": "database", "codec": "sql-row", "fifo": False}, "retry_max_age_s"),
    ],
)
def test_custom_bus_mechanics_are_checked_against_aws_ranges(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(get_integration("eventbridge-custom-bus"), **changes)


def test_a_classic_bus_stores_nothing():
    with pytest.raises(ValueError, match="stores nothing"):
        replace(get_integration("eventbridge-event"), retention_s=86_400.0)
