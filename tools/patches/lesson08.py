"""Lesson 08's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson08.py [notebook]   (default: notebooks/08_consistency.ipynb)

Cells are found by id. A cell this patch expects but cannot find stops it with an error,
before anything is written; running it twice gives the same notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "08_consistency.ipynb"


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
    """Whether this patch ran on the notebook already (exercise 2 is the new design)."""
    return "pbs_latency" in nb.cells[_index(nb, "36f96fd9")].source


# -- the replicated store is a model: say what DynamoDB does -----------------------------


def store_is_a_model(nb) -> None:
    edit(
        nb,
        "e772c542",
        "A managed database such as DynamoDB does not keep your item once: it stores it on a\n"
        "**leader** replica and copies every change to **followers** (DynamoDB keeps three copies\n"
        "in different Availability Zones), to each **global secondary index** and to the\n"
        "**change stream**. The copies are updated *after* the leader has committed, a few\n"
        "milliseconds later, so for a moment they disagree.",
        "A managed database such as DynamoDB does not keep your item once. A **leader** replica\n"
        "takes each write and copies it to **followers** (DynamoDB keeps three copies, in three\n"
        "Availability Zones), to each **global secondary index** and to the **change stream**.\n"
        "Some of those copies are updated *after* the write was acknowledged, so for a moment\n"
        "they disagree.",
    )
    replace(
        nb,
        "2f6d2e26",
        "`cl.consistency.ReplicatedStore` is such a table on the course's virtual clock. It is a\n"
        "**model**, simpler than DynamoDB: its leader acknowledges a write as soon as it holds it,\n"
        "and each follower catches up after its own replication lag, drawn here from a log-normal\n"
        "distribution with a median of 80 ms, long on purpose so that the window is easy to see.\n"
        "DynamoDB acknowledges a write once two of its three copies have logged it (a quorum), and\n"
        "the third catches up shortly after (AWS publishes no figure); `ReplicatedStore(...,\n"
        "write_quorum=2)` models that, and then only the one copy still behind can answer stale.",
    )


# -- sagas: the paper's rule, and our extension for ambiguous failures --------------------


def saga_rule(nb) -> None:
    replace(
        nb,
        "41207e00",
        "### Sagas: compensations in Catch\n"
        "\n"
        "Garcia-Molina and Salem (1987) split a long transaction into steps T1, ..., Tn, each with a\n"
        "compensation C1, ..., Cn. In their setting every step is a local database transaction, so\n"
        "a step that fails is rolled back by its own database: if step k fails, the saga runs the\n"
        "compensations of the steps that *completed*, C(k−1), ..., C1, newest first.\n"
        "\n"
        "Between services a failure can be **ambiguous**: a call that timed out may have acted (the\n"
        "payment went through, the reply was lost). Our order saga (reserve stock, charge the\n"
        "payment, book a courier, in Amazon States Language so that it deploys to Step Functions\n"
        "unchanged: `data/statemachines/order_saga.asl.json`) gives each step two `Catch` rules:\n"
        "\n"
        "- its business error (`OutOfStock`, `PaymentDeclined`, `NoCourierAvailable`): the step\n"
        "  refused and did nothing, so the compensations start at the *previous* step's undo, as\n"
        "  in the paper;\n"
        "- any other error (`States.ALL`: a timeout, an unexpected failure): the step may have\n"
        "  acted, so the compensations start at the step's **own** undo. This is our extension of\n"
        "  the paper's rule, not part of it.\n"
        "\n"
        "Compensations are idempotent (refunding nothing is fine) and each has a `Retry` rule: up\n"
        "to eight more attempts with exponential backoff. A cancelled order ends in the `Fail`\n"
        "state `OrderCancelled`, so its execution's status, `FAILED`, tells the caller what\n"
        "happened.\n"
        "\n"
        "`run_sagas` runs 10,000 orders through the local Step Functions engine against services\n"
        "that fail at random: each step fails 10 % of the time, half of those failures after\n"
        "acting (the reply is lost and the task times out), and each compensation attempt fails\n"
        "transiently 10 % of the time. Then it reads the services' own ledgers: an order is\n"
        "*committed* if every step is in effect, *compensated* if none is, and anything else is a\n"
        "violation.",
    )
    replace(
        nb,
        "54356858",
        "The path of one cancelled order through the state machine, in green: booking the courier\n"
        "timed out, so the saga cancelled the booking (in case it had gone through), refunded the\n"
        "payment and released the stock, in that order, and stopped in `OrderCancelled` (red: the\n"
        "execution failed there, as designed). Dashed red edges are the `Catch` rules, two per\n"
        "step; the dotted orange loops are the compensations' `Retry` rules, with how often each\n"
        "retried in this order.",
    )
    replace(
        nb,
        "1547993b",
        "What if every failure followed the paper's rule, timeouts included? Whenever a step that\n"
        "timed out had in fact acted, its effect stays behind: a charged card for a cancelled\n"
        "order, stock reserved forever.",
    )
    replace(
        nb,
        "db8c357e",
        "paper_rule = run_sagas(\n"
        "    10_000,\n"
        "    failure_probability=0.1,\n"
        "    seed=8,\n"
        "    definition=order_saga_definition(compensate_failed_step=False),\n"
        ")\n"
        "print(paper_rule.as_dict())\n"
        'print("first broken orders:", paper_rule.violation_examples[:3])\n'
        "cl.viz.consistency.outcome_bars(\n"
        '    {"saga": saga.as_dict(), "the paper\'s rule\\nfor every failure": paper_rule.as_dict()},\n'
        '    title="10,000 orders with random failures",\n'
        ")\n"
        "plt.show()",
    )
    replace(
        nb,
        "a3a65d7a",
        "### Idempotency\n"
        "\n"
        "The saga retried hundreds of compensation attempts that failed on the way, and in a real\n"
        "system the extension also runs the undo of steps that timed out *before* acting. It stays\n"
        "correct because every compensation is **idempotent**: undoing something twice, or\n"
        "undoing something that never happened, changes nothing. The same holds for every\n"
        "consumer of events: EventBridge, SQS and Lambda deliver **at least once**, so a handler\n"
        "must recognise a message it has already applied (lesson 04's idempotency store does this\n"
        "with the event id).",
    )


# -- exercise 2: design a quorum and defend it with the simulation's numbers ---------------


def exercise_two(nb) -> None:
    replace(
        nb,
        "636679a1",
        "### Exercise 2\n"
        "\n"
        "**Design the fastest quorum for My orders.** Exercise 1 made *every* read consistent.\n"
        "The **My orders** page needs less: it reads about **20 ms** after the order is written\n"
        "(the redirect takes that long), the store runs on spinning disks (`LNKD-DISK`, N = 3),\n"
        "and the team wants at least **99.9 %** of those reads to show the order, with the lowest\n"
        "**99.9th-percentile latency of a write plus a read**.\n"
        "`cl.consistency.pbs_latency(config, n=3, r=..., w=...)` returns those two percentiles in\n"
        "milliseconds (`write_ms`, `read_ms`), from the same simulation as `pbs_consistency`.\n"
        "\n"
        "Predict first: will the winner be a strict quorum (R + W > N)? Then measure every\n"
        "(R, W) and defend your choice with its numbers:\n"
        '`design = {"r": ..., "w": ..., "consistent": ..., "latency_ms": ...}`, where\n'
        "`consistent` is the share of reads made 20 ms after the commit that see it.",
    )
    replace(nb, "cb1c5093", "design = ...")
    replace(
        nb,
        "36f96fd9",
        "from course_lib.consistency import pbs_latency\n"
        "\n"
        "rows = []\n"
        "for r in (1, 2, 3):\n"
        "    for w in (1, 2, 3):\n"
        '        share = pbs_consistency("LNKD-DISK", n=3, r=r, w=w, t_ms=20, seed=8)\n'
        '        latency = pbs_latency("LNKD-DISK", n=3, r=r, w=w, seed=8)\n'
        '        total = latency["write_ms"] + latency["read_ms"]\n'
        "        rows.append((r, w, share, total))\n"
        '        print(f"R={r} W={w}: {100 * share:6.2f} % consistent, write + read {total:6.1f} ms")\n'
        "\n"
        "r, w, share, total = min((row for row in rows if row[2] >= 0.999), key=lambda row: row[3])\n"
        'design = {"r": r, "w": w, "consistent": share, "latency_ms": total}',
    )
    replace(nb, "f9003e67", 'cl.exercises.check("08.2", design)')


# -- across Regions (DynamoDB global tables) and S3, as of December 2026 -------------------


def aws_consistency_facts(nb) -> None:
    edit(
        nb,
        "91ac5830",
        "- **across Regions**: a global table replicates between Regions asynchronously by default\n"
        "  (multi-Region eventual consistency, usually within a second), so a strong read sees only\n"
        "  the writes made in its own Region. Since June 2025 a global table can instead be created\n"
        "  with multi-Region strong consistency: a write returns once another Region has it, and a\n"
        "  strong read in any Region sees it, at the price of slower writes. The mode is chosen\n"
        "  when the global table is created.\n",
        "- **across Regions** (as of December 2026): a global table's consistency mode is chosen\n"
        "  when it is created. The default, *multi-Region eventual consistency* (MREC), copies\n"
        "  changes to the other Regions asynchronously, usually within a second: a strong read may\n"
        "  miss a recent write from another Region, and when two Regions write one item at about\n"
        "  the same time the *last writer wins*, silently. *Multi-Region strong consistency*\n"
        "  (MRSC, since June 2025) spans exactly three Regions (three replicas, or two and a\n"
        "  witness): a write returns once another Region has it, a strong read anywhere returns\n"
        "  the latest version, and a conflicting write fails with\n"
        "  `ReplicatedWriteConflictException`. Writes pay a round trip between Regions.\n",
    )
    edit(
        nb,
        "961a9238",
        "and every view built from another domain's events.",
        "and every view built from another domain's events.\n"
        "\n"
        "Not every AWS store makes you choose: since December 2020 **Amazon S3** gives strong\n"
        "read-after-write consistency for every object PUT, GET, LIST and DELETE, at no extra\n"
        "cost; only bucket configuration is eventually consistent.",
    )


# -- length: k-staleness, a second history picture and a widget caption go -----------------


def trim(nb, patched: bool) -> None:
    for cell_id in ("685526ea", "b0722018", "f6d308ad", "fb367f13"):
        delete(nb, cell_id, patched=patched)
    # This paragraph answered check-your-understanding question 5 before it was asked.
    edit(
        nb,
        "21ec9e00",
        "each session to one replica.\n"
        "\n"
        "Alice's missing order is a read-your-writes violation too, and the same ideas fix it\n"
        "without a strongly consistent read: the app already holds the order it just placed (its\n"
        "id acts as a version token), so it shows that order until the index returns it; or the\n"
        "page reads the base table, where a strong read is allowed, if the table's key lets it\n"
        "find a customer's orders.",
        "each session to one replica. Alice's missing order is a read-your-writes violation too:\n"
        "question 5 at the end asks how these ideas fix it.",
    )
    edit(
        nb,
        "eb90d1bd",
        "If the first read returns 1 and the second\n"
        "0, time went backwards: there is no valid order. Swap the two results and the history is\n"
        "fine (the write took effect between the reads).",
        "If the first read returns 1 and the second\n"
        "0, time went backwards: there is no valid order (the picture below). Swap the two\n"
        "results and the history is fine: the write took effect between the reads.",
    )


def stated_time(nb) -> None:
    """Words / 150 + half a minute per code cell + 5 per exercise comes to about 65."""
    edit(nb, "47a4b566", "**Estimated time:** 60 minutes.", "**Estimated time:** 65 minutes.")


def summary(nb) -> None:
    edit_text(
        nb,
        "- A replicated store commits on a leader and copies to followers, indexes and streams\n"
        "  later.",
        "- A replicated store commits on a leader and copies to followers, indexes and streams\n"
        "  later (the course's store acknowledges after one copy; DynamoDB after two of three).",
    )
    edit_text(
        nb,
        "**R + W > N** makes every read consistent;\n  k-staleness says how far behind a stale read can be.",
        "**R + W > N** makes every read consistent,\n"
        "  but a partial quorum read a little later can meet a target at a lower latency.",
    )
    edit_text(
        nb,
        "`Catch` (including the failed step's own undo)",
        "`Catch` (the paper's rule after a clean refusal, and the failed step's own undo after an\n"
        "  ambiguous failure)",
    )
    edit_text(
        nb,
        "on global secondary indexes: pay for them only where a stale answer does harm.",
        "on global secondary indexes: pay for them only where a stale answer does harm. Across\n"
        "  Regions a global table is eventual with last writer wins (MREC) or strong with slower\n"
        "  writes (MRSC); S3 objects are strongly consistent.",
    )
    edit_text(
        nb,
        "4. Why must a saga step's `Catch` run that step's own compensation, and what property must\n"
        "   the compensation have for that to be safe?",
        "4. When is Garcia-Molina and Salem's rule (undo only the completed steps) enough, when\n"
        "   must a step's `Catch` also run its own compensation, and what property must the\n"
        "   compensation have for that to be safe?",
    )
    edit_text(
        nb,
        '- Hector Garcia-Molina and Kenneth Salem, "Sagas", *SIGMOD* 1987.\n',
        '- Hector Garcia-Molina and Kenneth Salem, "Sagas", *SIGMOD* 1987.\n'
        '- Mostafa Elhemali et al., "Amazon DynamoDB: A Scalable, Predictably Performant, and\n'
        '  Fully Managed NoSQL Database Service", *USENIX ATC* 2022: the leader, its quorum\n'
        "  writes and its replicas.\n",
    )
    edit_text(
        nb,
        "- AWS documentation: [DynamoDB read consistency](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html),\n",
        "- AWS documentation: [DynamoDB read consistency](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html),\n"
        "  [global tables' consistency modes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html),\n"
        "  [the S3 consistency model](https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel),\n",
    )
    if not any("Answers</b>" in cell.source for cell in nb.cells):
        return  # the answers to the questions are not in this notebook yet
    edit_text(
        nb,
        "4. A step can fail **after** acting (the card was charged, the reply timed out), so only\n"
        "   running its own undo removes that effect; otherwise a cancelled order keeps a charge.",
        "4. The paper's rule is enough after a clean refusal (`PaymentDeclined`): the step did\n"
        "   nothing, so only the completed steps are undone. After an ambiguous failure (a\n"
        "   timeout, an unexpected error) the step may have acted (the card was charged, the\n"
        "   reply was lost), so its `Catch` must also run its own undo, or a cancelled order keeps\n"
        "   the charge: the paper's rule for every failure left hundreds of broken orders above.",
    )


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    patched = patched_before(nb)
    store_is_a_model(nb)
    saga_rule(nb)
    exercise_two(nb)
    aws_consistency_facts(nb)
    trim(nb, patched)
    stated_time(nb)
    summary(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
