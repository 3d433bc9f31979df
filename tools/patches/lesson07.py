"""Lesson 07's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson07.py [notebook]   (default: notebooks/07_better_together.ipynb)

Cells are found by id. A cell this patch expects but cannot find stops it with an error,
before anything is written; running it twice gives the same notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "07_better_together.ipynb"


class PatchError(RuntimeError):
    """The notebook is not the one this patch was written for."""


def _index(nb, cell_id: str) -> int:
    for position, cell in enumerate(nb.cells):
        if cell.get("id") == cell_id:
            return position
    raise PatchError(f"cell {cell_id!r} not found in the notebook")


def replace(nb, cell_id: str, source: str) -> None:
    """Give cell ``cell_id`` a new source (a code cell also loses its stale outputs)."""
    cell = nb.cells[_index(nb, cell_id)]
    if cell.source != source and cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.source = source


def edit(nb, cell_id: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` inside a cell others may also edit; done already is fine."""
    cell = nb.cells[_index(nb, cell_id)]
    if new in cell.source:
        return
    if old in cell.source:
        cell.source = cell.source.replace(old, new)
    else:
        raise PatchError(f"cell {cell_id!r}: neither the old nor the new text is there: {old!r}")


def edit_text(nb, old: str, new: str) -> None:
    """Like :func:`edit`, in whichever one cell holds the text (cells others may split)."""
    holders = [c for c in nb.cells if new in c.source] or [c for c in nb.cells if old in c.source]
    if len(holders) != 1:
        raise PatchError(f"{len(holders)} cells hold the text to edit (want exactly 1): {old!r}")
    if new not in holders[0].source:
        holders[0].source = holders[0].source.replace(old, new)


def insert_after(nb, anchor: str, cell_id: str, kind: str, source: str, **options) -> None:
    """Insert a new cell after ``anchor`` (or update it when the patch ran before)."""
    try:
        replace(nb, cell_id, source)
        return
    except PatchError:
        pass
    slide = options.get("slide", "-")
    if kind == "markdown":
        cell = nbformat.v4.new_markdown_cell(source)
    else:
        cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    cell.metadata["slideshow"] = {"slide_type": slide}
    if options.get("solution"):
        cell.metadata["tags"] = ["solution"]
        cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    nb.cells.insert(_index(nb, anchor) + 1, cell)


def delete(nb, cell_id: str, *, patched: bool) -> None:
    """Remove a cell; it may be gone already only if this patch ran before."""
    try:
        del nb.cells[_index(nb, cell_id)]
    except PatchError:
        if not patched:
            raise


def patched_before(nb) -> bool:
    """Whether this patch ran on the notebook already (exercise 4 exists)."""
    try:
        _index(nb, "d7b3e5a1")
    except PatchError:
        return False
    return True


# -- the first picture: drawn from the rules, so PizzaBaked has a publisher ----------------


def first_picture(nb) -> None:
    edit(
        nb,
        "07-002",
        "subscriptions, like dancers who each know their own steps and listen to the music. An\n"
        "EventBridge bus with rules is choreography.",
        "subscriptions, like dancers who each know their own steps and listen to the music. An\n"
        "EventBridge bus with rules is choreography. The picture's choreography half is drawn from\n"
        "the all-choreography shop you will meet below: the orders domain follows the kitchen's\n"
        "`PizzaPrepared` facts and publishes `PizzaBaked` for delivery.",
    )
    replace(nb, "07-003", 'cl.viz.pizza.coordination_styles(cl.pizza.event_flow("choreography"))')


# -- which EventBridge bus: Classic (rules, archive) or the new one (subscribers) ----------


def bus_kinds(nb) -> None:
    edit(
        nb,
        "07-005",
        "in the shape of EventBridge's\n`PutRule` and `PutTargets` requests, so the same files deploy to AWS.",
        "in the shape of EventBridge's\n`PutRule` and `PutTargets` requests, so the same files deploy to AWS. Rules and\n"
        "targets belong to the **Custom Event Bus - Classic**, the bus this lesson uses; the newer\n"
        "Custom Event Bus of lesson 06 delivers through subscribers instead.",
    )
    edit(
        nb,
        "07-007",
        "answering: EventBridge retries for at most five minutes (three more attempts), then puts\n"
        "the event on the kitchen's dead-letter queue.",
        "answering: EventBridge retries at most three more times within at most five minutes,\n"
        "then puts the event on the kitchen's dead-letter queue. AWS documents exponential\n"
        "backoff with jitter but not the delays; the course's bus waits about 1, 2 and 4\n"
        "seconds, so all three retries are over within seconds.",
    )
    edit(
        nb,
        "07-027",
        "When the kitchen is back, an operator\n"
        "**replays** the outage window from the bus archive, sending the archived `OrderCreated`\n"
        "events to the kitchen's rule only.",
        "When the kitchen is back, an operator\n"
        "**replays** the outage window from the bus archive, sending the archived `OrderCreated`\n"
        "events to the kitchen's rule only. (That is the Classic bus's archive; on the new Custom\n"
        "Event Bus a replay is a subscriber that starts in the past.)",
    )
    edit(
        nb,
        "07-033",
        "EventBridge delivers **at least once**. Here three events in ten arrive twice. Every\n"
        "consumer in the shop is idempotent (lesson 04): it remembers each event's idempotency\n"
        "key and answers a repeat with the stored result instead of acting again.",
        "EventBridge delivers **at least once**, on either kind of bus. The new Custom Event Bus\n"
        "can drop a duplicate *publish* (the same deduplication id within five minutes), but not a\n"
        "delivery retried after a lost answer. Here three events in ten arrive twice. Every\n"
        "consumer in the shop is idempotent (lesson 04): it remembers each event's idempotency\n"
        "key and answers a repeat with the stored result instead of acting again.",
    )


# -- a task token inside a shared event is a command in disguise ---------------------------


def token_on_a_shared_bus(nb) -> None:
    insert_after(
        nb,
        "07-014",
        "c4a1f2e7",
        "markdown",
        "### A task token on a shared bus is a command in disguise\n"
        "\n"
        "Whoever holds a task token, and may call `SendTaskSuccess`, decides what the workflow\n"
        "does next. Here tokens ride inside `OrderCreated`, `PizzaBaked` and `OrderDispatched`,\n"
        "facts on a bus any team may subscribe to, and the bus's archive keeps every copy for\n"
        "replays. Add an analytics team whose rule matches every event, and count who holds a\n"
        "live token:",
        slide="subslide",
    )
    insert_after(
        nb,
        "c4a1f2e7",
        "c4a1f2e8",
        "code",
        "analytics = {\n"
        '    "Rule": {\n'
        '        "Name": "analytics-everything",\n'
        '        "EventBusName": "pizza-shop",\n'
        '        "EventPattern": {"source": [{"prefix": "com."}]},\n'
        "    },\n"
        '    "Targets": [{"Id": "analytics", "Arn": cl.pizza.lambda_arn("pizza-analytics")}],\n'
        "}\n"
        "watched = cl.pizza.run_shop(\n"
        "    100,\n"
        "    seed=2024,\n"
        "    extra_rules=[analytics],\n"
        '    extra_functions={"pizza-analytics": lambda event: None},\n'
        ")\n"
        "for detail_type, seen in cl.pizza.token_exposure(watched).items():\n"
        '    print(f"{detail_type:>15}: {seen}")',
    )
    insert_after(
        nb,
        "c4a1f2e8",
        "c4a1f2e9",
        "markdown",
        "The analytics team and the archive now hold every order's kitchen and courier tokens.\n"
        "An event that one receiver must act on and answer is a **command** to that receiver,\n"
        "dressed as a fact. Two designs keep the callback without the disguise:\n"
        "\n"
        "- **a directed call or queue**: the workflow gives the token to the kitchen alone\n"
        "  (`arn:aws:states:::sqs:sendMessage.waitForTaskToken` to the kitchen's own queue, or\n"
        "  `lambda:invoke.waitForTaskToken`) and publishes `OrderCreated` without it;\n"
        "- **keep the token at home**: the workflow hands it to an orders function that stores it\n"
        "  by order id; the kitchen publishes facts only (`PizzaPrepared`), and an orders\n"
        "  subscriber looks the token up and calls `SendTaskSuccess`. The kitchen then knows\n"
        "  nothing of Step Functions.\n"
        "\n"
        "This lesson keeps the slide's shape so that one picture shows the whole callback.",
    )


# -- the outage: more orders saved by orchestration, found in the traces -------------------


def outage_difference(nb, patched: bool) -> None:
    edit(
        nb,
        "07-049",
        "With a workflow, every order ends: delivered, or compensated when its deadline passed.",
        "Orchestration delivered more orders than the mix in the same outage, while the mix and\n"
        "choreography delivered the same number. Is a workflow better at surviving an outage?\n"
        "Exercise 4 asks you to find the cause in the traces. Whatever the count, with a\n"
        "workflow every order ends: delivered, or compensated when its deadline passed.",
    )
    insert_after(
        nb,
        "07-063",
        "d7b3e5a1",
        "markdown",
        "### Exercise 4\n"
        "\n"
        "**Why did orchestration deliver more orders?** In the hour-long outage without a replay\n"
        "(above), orchestration delivered more orders than the mix, with the same customers.\n"
        "Follow order `1073460089`, delivered by orchestration and compensated in the mix,\n"
        "through both traces, and pick the cause:\n"
        "\n"
        '- `"a"`: the orchestrated shop placed fewer orders while the kitchen was down;\n'
        '- `"b"`: each design keeps trying an unreachable kitchen on its own schedule;\n'
        '- `"c"`: in the mix, `HeartbeatSeconds` cancelled orders the kitchen had accepted;\n'
        '- `"d"`: the bus dropped some `OrderCreated` events without a dead letter.\n'
        "\n"
        "Defend it with the seconds from the first to the last attempt to reach the kitchen for\n"
        "this order, in each design:\n"
        '`answer = {"cause": ..., "orchestration_s": ..., "mix_s": ...}`.',
        slide="subslide",
    )
    insert_after(
        nb,
        "d7b3e5a1",
        "d7b3e5a2",
        "code",
        "runs = {\n"
        "    design: cl.pizza.run_shop(200, seed=2024, design=design, faults=no_replay)\n"
        '    for design in ("orchestration", "mix")\n'
        "}\n"
        'suspect = "1073460089"\n'
        "for design, shop in runs.items():\n"
        '    print(f"{design:>13}: {shop.outcomes[suspect].status}")\n'
        "\n"
        "answer = ...",
    )
    insert_after(
        nb,
        "d7b3e5a2",
        "d7b3e5a3",
        "code",
        "spans = {}\n"
        "for design, shop in runs.items():\n"
        '    tries = [row for row in shop.trace(suspect) if row.target == "kitchen"]\n'
        "    for row in tries:\n"
        '        print(f"{design:>13} {row.time:7.1f} s  {row.kind:<9} {row.name:<19} {row.outcome}")\n'
        "    spans[design] = tries[-1].time - tries[0].time\n"
        "\n"
        "# The Bake state's Retry waits 60 + 120 + 240 + 480 s; the rule's retries end in seconds.\n"
        'answer = {"cause": "b", "orchestration_s": spans["orchestration"], "mix_s": spans["mix"]}',
        solution=True,
    )
    insert_after(nb, "d7b3e5a3", "d7b3e5a4", "code", 'cl.exercises.check("07.4", answer)')


# -- length: two pictures go ----------------------------------------------------------------


def trim(nb, patched: bool) -> None:
    for cell_id in ("07-023", "07-024", "07-037"):
        delete(nb, cell_id, patched=patched)
    edit(
        nb,
        "07-025",
        "Notice what the execution does **not** show: the order reaching the customer. The\n"
        "workflow ends",
        "Notice what the workflow's execution history does **not** show: the order reaching\n"
        "the customer. The workflow ends",
    )
    edit(
        nb,
        "07-038",
        "The\n"
        "graph shows where that led: from `WaitForKitchen` along its `Catch` edge, through\n"
        "`KitchenUnavailable` and `CancelOrder`, to the `Compensated` Fail state (red).",
        "From there\n"
        "the `Catch` leads through `KitchenUnavailable` and `CancelOrder` to the `Compensated`\n"
        "Fail state.",
    )


def summary(nb) -> None:
    edit_text(
        nb,
        "never waits forever, and `Catch` turns a timeout into compensation.",
        "never waits forever, and `Catch` turns a timeout into compensation. On a shared bus the\n"
        "  token turns the event into a command any subscriber can answer: prefer a directed call\n"
        "  or queue for the callback, or keep the token inside the orders domain.",
    )
    edit_text(
        nb,
        "- Recovery comes in layers: EventBridge **retries**, then a **dead-letter queue**, then a\n"
        "  **replay** from the archive; **idempotent** consumers make duplicates and replays\n"
        "  harmless; **timeouts** end what cannot be saved.",
        "- Recovery comes in layers: EventBridge **retries**, then a **dead-letter queue**, then a\n"
        "  **replay** from the archive (on the Classic bus; the new Custom Event Bus keeps events\n"
        "  for 1 to 365 days and replays through a subscriber that starts in the past);\n"
        "  **idempotent** consumers make duplicates and replays harmless; **timeouts** end what\n"
        "  cannot be saved.",
    )
    edit_text(
        nb,
        "  visibility of state, the cost of a change and coupling facets.",
        "  visibility of state, the cost of a change and coupling facets. Compare like with like:\n"
        "  in the outage, orchestration saved more orders only because its `Retry` kept calling\n"
        "  the kitchen for 15 minutes while the rule gave up within seconds (and in the mix a\n"
        "  longer retry would still lose to `HeartbeatSeconds`).",
    )


def further_reading(nb) -> None:
    archive = (
        "- AWS, [Archiving and replaying events](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html)\n"
        "  and [Using dead-letter queues](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html),\n"
        "  EventBridge User Guide.\n"
    )
    edit_text(
        nb,
        archive,
        archive
        + "- AWS, [What is the EventBridge Custom Event Bus?](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-what-is.html)\n"
        "  and [Ordering and deduplicating events on a Custom Event Bus](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html),\n"
        "  EventBridge User Guide: subscribers, retention, replay from a starting position.\n",
    )


def stated_time(nb) -> None:
    """Words / 150 + half a minute per code cell + 5 per exercise comes to about 68."""
    edit(nb, "07-000", "**Estimated time:** 60 minutes.", "**Estimated time:** 70 minutes.")


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    patched = patched_before(nb)
    first_picture(nb)
    bus_kinds(nb)
    token_on_a_shared_bus(nb)
    outage_difference(nb, patched)
    trim(nb, patched)
    summary(nb)
    further_reading(nb)
    stated_time(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
