"""Lesson 07's checks accept the solutions (and equivalent answers) and hint at typical mistakes."""

import copy

import pytest

from course_lib import exercises, pizza
from course_lib.exercises import lesson07


def verdict(exercise_id, answer):
    return exercises.evaluate(exercise_id, answer)


LOYALTY_RULE = {
    "Rule": {
        "Name": "loyalty-points",
        "EventBusName": "pizza-shop",
        "EventPattern": {"source": ["com.delivery"], "detail-type": ["OrderDispatched"]},
    },
    "Targets": [
        {
            "Id": "loyalty",
            "Arn": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:pizza-loyalty",
        }
    ],
}


def award_once(event, points):
    points[event["detail"]["data"]["order-id"]] = 10


def award_by_key(event, points):
    points.setdefault(event["detail"]["data"]["order-id"], 10)


def award_every_time(event, points):
    order_id = event["detail"]["data"]["order-id"]
    points[order_id] = points.get(order_id, 0) + 10


def test_07_1_accepts_an_idempotent_award():
    assert verdict("07.1", (LOYALTY_RULE, award_once)).passed
    assert verdict("07.1", [LOYALTY_RULE, award_by_key]).passed


def test_07_1_accepts_an_equivalent_pattern():
    rule = copy.deepcopy(LOYALTY_RULE)
    rule["Rule"]["EventPattern"] = {"detail-type": ["OrderDispatched"]}
    assert verdict("07.1", (rule, award_once)).passed


def test_07_1_hints_at_duplicates():
    result = verdict("07.1", (LOYALTY_RULE, award_every_time))
    assert not result.passed and "idempotent" in result.message


def test_07_1_hints_at_a_pattern_that_matches_nothing_or_too_much():
    nothing = copy.deepcopy(LOYALTY_RULE)
    nothing["Rule"]["EventPattern"] = {"source": ["com.orders"], "detail-type": ["OrderDispatched"]}
    result = verdict("07.1", (nothing, award_once))
    assert not result.passed and "never called" in result.message
    everything = copy.deepcopy(LOYALTY_RULE)
    everything["Rule"]["EventPattern"] = {"source": ["com.delivery"]}
    result = verdict("07.1", (everything, award_once))
    assert not result.passed and "OrderDelivered" in result.message


def test_07_1_hints_at_shapes():
    assert "pair" in verdict("07.1", LOYALTY_RULE).message
    assert "Rule" in verdict("07.1", ({"Name": "x"}, award_once)).message
    wrong_target = copy.deepcopy(LOYALTY_RULE)
    wrong_target["Targets"][0]["Arn"] = "arn:aws:lambda:us-east-1:1:function:kitchen"
    assert "pizza-loyalty" in verdict("07.1", (wrong_target, award_once)).message
    broken = copy.deepcopy(LOYALTY_RULE)
    broken["Rule"]["EventPattern"] = {"source": "com.delivery"}
    assert "could not run" in verdict("07.1", (broken, award_once)).message


SOLUTION_2 = {
    "a": "orchestration",
    "b": "choreography",
    "c": "orchestration",
    "d": "choreography",
    "e": "orchestration",
}


def test_07_2_accepts_the_solution_and_variants():
    assert verdict("07.2", SOLUTION_2).passed
    variants = {
        "A": "Orchestrate",
        "B": "choreograph",
        "C": "orchestrated",
        "D": " Choreography ",
        "E": "orchestration",
    }
    assert verdict("07.2", variants).passed


def test_07_2_hints_without_answers():
    wrong = dict(SOLUTION_2, b="orchestration")
    result = verdict("07.2", wrong)
    assert not result.passed and "1 of 5" in result.message
    assert (
        "missing: e" in verdict("07.2", {k: v for k, v in SOLUTION_2.items() if k != "e"}).message
    )
    assert "not 'both'" in verdict("07.2", dict(SOLUTION_2, a="both")).message
    assert "dict" in verdict("07.2", ["orchestration"]).message


SOLUTION_3 = {
    "1073460043": "lost callback",
    "1073460119": "lost callback",
    "1073460125": "kitchen down",
}


def test_07_3_accepts_the_causes_in_own_words():
    assert verdict("07.3", SOLUTION_3).passed
    words = {
        "1073460043": "the kitchen's SendTaskSuccess was lost",
        "1073460119": "Lost callback",
        "1073460125": "kitchen outage: OrderCreated went to the DLQ",
    }
    assert verdict("07.3", words).passed


def test_07_3_hints():
    assert (
        "kitchen-unavailable"
        in verdict("07.3", dict.fromkeys(SOLUTION_3, "kitchen-unavailable")).message
    )
    swapped = dict(SOLUTION_3, **{"1073460119": "kitchen down"})
    result = verdict("07.3", swapped)
    assert not result.passed and "1 of 3" in result.message
    assert "missing" in verdict("07.3", {"1073460043": "lost callback"}).message
    assert "answer" in verdict("07.3", dict(SOLUTION_3, **{"1073460125": "gremlins"})).message


def test_the_suspects_are_compensated_orders():
    causes = lesson07._mystery_causes()
    assert set(lesson07.SUSPECTS) <= set(causes)


@pytest.mark.parametrize("exercise_id", ["07.1", "07.2", "07.3"])
def test_not_done_is_reported(exercise_id):
    assert "not answered yet" in verdict(exercise_id, ...).message


def outage_runs():
    return {
        design: pizza.run_shop(
            lesson07.OUTAGE["orders"],
            seed=lesson07.OUTAGE["seed"],
            design=design,
            faults=lesson07.outage_faults(),
        )
        for design in ("orchestration", "mix")
    }


def test_the_outage_order_is_one_orchestration_saved_and_the_mix_did_not():
    runs = outage_runs()
    assert runs["orchestration"].outcomes[lesson07.OUTAGE_ORDER].status == "delivered"
    assert runs["mix"].outcomes[lesson07.OUTAGE_ORDER].status == "compensated"


def test_outage_difference_accepts_spans_read_from_the_trace():
    runs = outage_runs()
    spans = {}
    for design, run in runs.items():
        rows = [r for r in run.trace(lesson07.OUTAGE_ORDER) if r.target == "kitchen"]
        spans[design] = rows[-1].time - rows[0].time
    # The Bake state's Retry: 60 + 120 + 240 + 480 s; the bus: three quick retries.
    assert spans["orchestration"] == pytest.approx(900, abs=1)
    assert spans["mix"] < 10
    answer = {"cause": "b", "orchestration_s": spans["orchestration"], "mix_s": spans["mix"]}
    assert verdict("07.4", answer).passed
    assert verdict("07.4", {**answer, "orchestration_s": 900, "mix_s": round(spans["mix"])}).passed


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"cause": "a", "orchestration_s": 900, "mix_s": 6}, "same customers"),
        ({"cause": "c", "orchestration_s": 900, "mix_s": 6}, "ever accept"),
        ({"cause": "d", "orchestration_s": 900, "mix_s": 6}, "where it ended"),
        ({"cause": "e", "orchestration_s": 900, "mix_s": 6}, "one of"),
        ({"cause": "b", "orchestration_s": 6, "mix_s": 900}, "swapped"),
        ({"cause": "b", "orchestration_s": 300, "mix_s": 6}, "Retry rule"),
        ({"cause": "b", "orchestration_s": 900, "mix_s": 300}, "bus's first delivery"),
        ({"cause": "b", "orchestration_s": "15 min", "mix_s": 6}, "numbers of seconds"),
        ({"cause": "b"}, "dict"),
    ],
)
def test_outage_difference_hints(answer, words):
    result = verdict("07.4", answer)
    assert not result.passed and words in result.message


def test_every_exercise_is_registered():
    assert [ex.id for ex in exercises.registered("07")] == ["07.1", "07.2", "07.3", "07.4"]
