"""Lesson 01's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson01.py [notebook]   (default: notebooks/01_fallacies.ipynb)

Cells are found by id. A cell this patch expects but cannot find stops it with an error,
before anything is written; running it twice gives the same notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_fallacies.ipynb"


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
    nb.cells.insert(_index(nb, anchor) + 1, cell)


def delete(nb, cell_id: str, *, patched: bool) -> None:
    """Remove a cell; it may be gone already only if this patch ran before."""
    try:
        del nb.cells[_index(nb, cell_id)]
    except PatchError:
        if not patched:
            raise


def patched_before(nb) -> bool:
    """Whether this patch ran on the notebook already (exercise 4 is the new design)."""
    return "attempts_during_outage" in nb.cells[_index(nb, "76813918")].source


# -- the title: objectives and the stated time ---------------------------------------------


def title(nb) -> None:
    edit(
        nb,
        "6bb15d6e",
        "- choose a retry policy with backoff and jitter, and explain how retries multiply through\n"
        "  layers and how a retry token bucket caps them;",
        "- choose a retry policy with backoff and jitter, explain how retries multiply through\n"
        "  layers and how a retry quota caps them, and compare the AWS SDKs' retry modes;",
    )
    # Words / 150 + half a minute per code cell + 5 per exercise comes to about 74.
    edit(nb, "6bb15d6e", "**Estimated time:** 60 minutes.", "**Estimated time:** 75 minutes.")


# -- fallacy 1: what the loss model stands for, above TCP ----------------------------------


def loss_above_tcp(nb) -> None:
    replace(
        nb,
        "32c52860",
        "## 1. The network is reliable\n"
        "\n"
        "TCP resends lost *packets*, so a dropped packet costs time, not the message. What TCP\n"
        "cannot save is a message whose connection breaks or whose hop fails: a proxy restarts,\n"
        "a container is replaced mid-request, a load balancer drops an idle connection, a\n"
        "service's queue overflows. A request crosses many such hops, each of which can fail on\n"
        "its own. The model below works at that level: a hop loses a fraction $p$ of\n"
        "*messages*, after TCP has done what it can, and nothing resends them (retries come\n"
        "later in this lesson). A message survives one hop with probability $1 - p$ and must\n"
        "survive all $k$ of them:\n"
        "\n"
        "$$P(\\text{delivered}) = (1 - p)^k$$\n"
        "\n"
        "`lossy_hops` sends messages through chains of 1 to 10 simulated links and counts what\n"
        "arrives, for three loss rates:",
    )


# -- fallacy 2: the latency numbers are dated ----------------------------------------------


def dated_latency_numbers(nb) -> None:
    replace(
        nb,
        "8d4a6c14",
        "## 2. Latency is zero\n"
        "\n"
        "Inside one process, calling a function costs nanoseconds. Over a network, the same call\n"
        "waits for a round trip: well under a millisecond within a datacenter, and about 150 ms\n"
        "from California to Europe and back, because light in fibre covers only some 200 km per\n"
        'millisecond. The classic "latency numbers every programmer should know" put the gap\n'
        "on one chart. The figures are Jeff Dean's, after Peter Norvig, from around 2010:\n"
        "memory, disks and datacenter networks are faster today, but light is not, and the\n"
        "gaps of several orders of magnitude between the rows still hold. Each grid line is ten\n"
        "times slower than the one before:",
    )
    replace(
        nb,
        "f7169ba4",
        "cl.viz.fallacies.latency_numbers(\n"
        "    cl.fallacies.LATENCY_NUMBERS,\n"
        '    title="Latency numbers of about 2010: the network (red) is far from free",\n'
        ")\n"
        "plt.show()",
    )


# -- fallacy 3: 1 MB limits since January 2026, and the claim check's upload --------------


def payload_limits(nb) -> None:
    edit(
        nb,
        "40ad5db7",
        "Small messages are dominated by latency, large ones by bandwidth. `payload_transfer`\n"
        "sends payloads from 1 KB to 100 MB over a path with 20 ms latency and 125 Mbit/s:",
        "Small messages are dominated by latency, large ones by bandwidth. `payload_transfer`\n"
        "sends payloads from 1 KB to 100 MB over a path with 20 ms latency and 125 Mbit/s,\n"
        "inline in the event where it fits, and by **claim check** (explained below: upload\n"
        "the payload to a store, send a small event that says where, fetch it):",
    )
    replace(
        nb,
        "95cebef3",
        "from course_lib.viz.fallacies import human_bytes\n"
        "\n"
        "transfer = cl.fallacies.payload_transfer()\n"
        "print(f\"{'payload':>7}  {'inline':>9}  {'claim check':>11}  the event carries\")\n"
        "for row in transfer:\n"
        '    inline = f"{row[\'transfer_seconds\'] * 1000:6.1f} ms" if row["fits_in_event"] '
        'else "too big"\n'
        "    print(\n"
        "        f\"{human_bytes(row['payload_bytes']):>7}  {inline:>9}  \"\n"
        "        f\"{row['claim_check_seconds'] * 1000:8.1f} ms  {row['event_bytes']:>9,} bytes\"\n"
        "    )",
    )
    replace(
        nb,
        "12341c2a",
        "Buses and queues also cap the size of what they carry. Since 29 January 2026 an Amazon\n"
        "EventBridge `PutEvents` request, an SQS message and a Lambda asynchronous invocation\n"
        "may each hold up to **1 MB**; before, the limit was **256 KB**, the number you will\n"
        "still find in blog posts, books and other older material. Not every service moved: a\n"
        "Step Functions state's input or output is still limited to 256 KiB (lesson 05).\n"
        "`cl.events` has both EventBridge limits, `MAX_REQUEST_BYTES` and\n"
        "`PREVIOUS_MAX_REQUEST_BYTES`, and the register of AWS facts the others:",
    )
    replace(
        nb,
        "9973d9d4",
        "from course_lib.facts import fact\n"
        "\n"
        "limits = {\n"
        '    "until Jan 2026;\\nStep Functions today": fact("stepfunctions.max_payload_bytes"),\n'
        '    "EventBridge, SQS,\\nLambda async\\nsince Jan 2026": cl.events.MAX_REQUEST_BYTES,\n'
        "}\n"
        'assert fact("sqs.max_message_bytes") == cl.events.MAX_REQUEST_BYTES\n'
        "cl.viz.fallacies.payload_transfer(transfer, limits=limits)\n"
        "plt.show()",
    )
    replace(
        nb,
        "c982d4bb",
        "The claim check moves the payload twice, up to the store and down to the consumer,\n"
        "plus a small event, so the orange line runs at about twice the blue one: 1.40 s for\n"
        "10 MB, which would take 0.69 s inline if it fitted. It also adds a thing to secure,\n"
        "expire and clean up, the stored object. In return, events stay small and cheap, and\n"
        "consumers that only need to know *that* something happened never download the payload\n"
        "at all. Up to 1 MB, inline is now both simpler and faster.",
    )


# -- fallacy 5: the DNS cache in a sentence -------------------------------------------------


def discovery_cache(nb, patched: bool) -> None:
    for cell_id in ("f9f105f6", "f9d52c3f"):
        delete(nb, cell_id, patched=patched)
    edit(
        nb,
        "9bb40436",
        "Event-driven designs go one step further:",
        "Discovery answers are usually cached (DNS records have a time to live), so even a\n"
        "discovering client is stale for up to the cache's lifetime. Event-driven designs go\n"
        "one step further:",
    )


# -- fallacy 7: batching saves requests, not EventBridge's event charges -------------------


def batching_and_billing(nb, patched: bool) -> None:
    for cell_id in ("eab55be0", "545a1c9a"):
        delete(nb, cell_id, patched=patched)
    replace(
        nb,
        "6eed1b90",
        "Keep events to the facts consumers need, and let the bus filter, so that consumers are\n"
        "not paid for messages they throw away (lesson 06). Batching does not lower this bill:\n"
        "a `PutEvents` request carries up to 10 entries, but EventBridge bills every entry as an\n"
        "event (one per started 64 KB), so a batch saves requests and round trips, not event\n"
        "charges. SQS is different: it bills requests, so there a batch of 10 small messages\n"
        "costs one request instead of ten.",
    )
    edit(
        nb,
        "3fa0350c",
        "| right-sized events, batching, filtering at the bus | 06 |",
        "| right-sized events, filtering at the bus; batching where requests are billed (SQS) |"
        " 06 |",
    )


# -- fallacy 8: the packet model has no time to retransmit ---------------------------------


def packets_without_retransmission(nb) -> None:
    replace(
        nb,
        "c942d501",
        "## 8. The network is homogeneous\n"
        "\n"
        "Your clients do not share one network. A service in the same VPC, an office on\n"
        "broadband, a phone on a mobile network and a ship on a satellite link differ in\n"
        "latency, loss and packet size (MTU). `heterogeneous_clients` sends the same\n"
        "64,000-byte message from each, cut into packets, with no time to resend any (as over\n"
        "a datagram protocol, or under a deadline shorter than TCP's retransmission timeout):\n"
        "the message counts only if every packet arrives the first time.",
    )
    replace(
        nb,
        "e70814c6",
        "A design tested only from the office works for almost everyone in the office. The\n"
        "satellite client loses most messages whole, because one lost packet in 44 ruins the\n"
        "message. Over TCP it would get them all, late: every lost packet costs a retransmission\n"
        "timeout instead. Either way, small messages and retries at the application level\n"
        "matter most to the clients you did not test with.",
    )


# -- retries: Brooker's conclusions from the table, without a second table ---------------


def brooker_conclusions(nb, patched: bool) -> None:
    delete(nb, "e163b8af", patched=patched)
    replace(
        nb,
        "cae19985",
        "The post's conclusions, visible in the table:\n"
        "\n"
        "- **Retrying at once is fast but brutal**: the last client finishes soonest, but the\n"
        "  server takes about three times the calls of full jitter, and under real overload\n"
        "  those extra calls are what keeps it down.\n"
        "- **Backoff alone is not enough**: without jitter the clients stay in lockstep. They\n"
        "  collide, sleep the same time and collide again, so exponential backoff is by far the\n"
        "  slowest.\n"
        "- **Jitter is what helps**: full jitter makes less than half the calls of exponential\n"
        "  backoff and finishes 13 times sooner. Equal jitter does the same work in 40 % more\n"
        "  time; decorrelated jitter finishes a little sooner than full jitter with a quarter\n"
        "  more calls. The AWS SDKs use full jitter.",
    )


# -- the SDKs' retry modes, December 2026 ---------------------------------------------------

RETRY_NUMBERS = (
    "from course_lib.facts import fact\n"
    "\n"
    "installed = cl.aws.installed_retry_numbers()  # read from the installed botocore\n"
    "rows = [  # (setting, 2026 standard mode, standard mode before 2026)\n"
    '    ("attempts, first try included", "max_attempts", "max_attempts"),\n'
    '    ("attempts for DynamoDB", "max_attempts_dynamodb", "max_attempts"),\n'
    '    ("quota, tokens", "quota_tokens", None),\n'
    '    ("tokens per retry after a 5xx error", "transient_retry_cost", "retry_cost"),\n'
    '    ("tokens per retry after a timeout", "transient_retry_cost", "timeout_retry_cost"),\n'
    '    ("tokens per retry after throttling", "throttling_retry_cost", "retry_cost"),\n'
    '    ("tokens back per first-try success", "success_refund", None),\n'
    '    ("backoff base after a 5xx, seconds", "transient_base_seconds", "base_seconds"),\n'
    '    ("backoff base after throttling, seconds", "throttling_base_seconds", "base_seconds"),\n'
    '    ("backoff cap, seconds", "max_backoff_seconds", None),\n'
    "]\n"
    'print(f"a new boto3 client here retries in {cl.aws.active_retry_mode()!r} mode\\n")\n'
    "print(f\"{'':40} {'2026 standard':>13} {'before 2026':>11}\")\n"
    "for label, now, before in rows:\n"
    '    value = installed[f"sdk.retry.standard.{now}"]\n'
    '    old = fact(f"sdk.retry.standard_before_2026.{before}") if before else value\n'
    '    print(f"{label:<40} {value:>13} {old:>11}")'
)

STORM = (
    "storm = {\n"
    '    "legacy (5 attempts)": cl.fallacies.retry_amplification(\n'
    '        layers=5, requests=100, retry_mode="legacy"\n'
    "    ),\n"
    '    "3 attempts, no quota": cl.fallacies.retry_amplification(layers=5, attempts=3, '
    "requests=100),\n"
    '    "standard before 2026": cl.fallacies.retry_amplification(\n'
    '        layers=5, requests=100, retry_mode="standard_before_2026"\n'
    "    ),\n"
    '    "standard (2026)": cl.fallacies.retry_amplification(\n'
    '        layers=5, requests=100, retry_mode="standard"\n'
    "    ),\n"
    "}\n"
    "for label, result in storm.items():\n"
    "    print(\n"
    '        f"{label:<21} bottom layer: {result.bottom_calls:>7,} calls, "\n'
    '        f"retries the quota refused: {result.throttled_retries:,}"\n'
    "    )\n"
    'cl.viz.fallacies.amplification(storm, title="100 requests, 5 layers, the bottom one down")\n'
    "plt.show()"
)

OUTAGE = (
    "modes = cl.fallacies.retry_modes_outage()\n"
    "for row in modes:\n"
    '    left = row["tokens_at_outage_end"]\n'
    '    quota = "no quota" if left is None else f"{left} tokens left at its end"\n'
    "    print(\n"
    "        f\"{row['mode']:<21} {row['attempts_during_outage']:>5,} attempts during the \"\n"
    "        f\"outage ({quota}); {row['success_rate']:.0%} of calls succeeded\"\n"
    "    )\n"
    "cl.viz.fallacies.retry_modes(modes)\n"
    "plt.show()"
)


def retry_modes(nb) -> None:
    replace(
        nb,
        "9449fcbf",
        "The AWS SDKs guard against this with a **retry quota**: each client holds a token\n"
        "bucket, every retry spends tokens, every call that succeeds at the first try pays one\n"
        "back, and when the bucket is empty the client stops retrying and fails fast instead of\n"
        "adding load. What a retry costs depends on the SDK's **retry mode**. Since 10 November\n"
        "2026 every SDK's default is the 2026 **standard** mode (botocore 1.44.0 for Python; the\n"
        "opt-in variable `AWS_NEW_RETRIES_2026` is no longer read). Compared with standard mode\n"
        "before 2026, it retries a transient error sooner but charges it almost three times the\n"
        "tokens; it gives DynamoDB one more attempt and honours a service's\n"
        "`x-amz-retry-after` hint. `AWS_RETRY_MODE=legacy` still brings back the oldest mode:\n"
        "more attempts, no quota. The numbers, as the installed botocore states them (the\n"
        "register of AWS facts holds the same, with their sources):",
    )
    insert_after(nb, "9449fcbf", "8f251437", "code", RETRY_NUMBERS)
    replace(nb, "e51a51bc", STORM)
    replace(
        nb,
        "848b6f91",
        "Legacy mode makes 5 attempts at every layer, so one request becomes $5^5 = 3{,}125$\n"
        "calls at the bottom, and 100 requests 312,500. The quota of the standard modes caps\n"
        "the storm: 600 calls with the costs before 2026 and 275 with the 2026 costs, where\n"
        "three attempts without a quota make 24,300. Other habits help too: retry at **one**\n"
        "layer only (usually the one nearest the failure), give every call a timeout, and put a\n"
        "queue between layers, so that a consumer retries at its own pace while the producer\n"
        "has long moved on. That last one is the event-driven answer, and the subject of the\n"
        "rest of the week.",
    )
    insert_after(
        nb,
        "848b6f91",
        "d233ce9e",
        "markdown",
        "### One outage, three retry modes\n"
        "\n"
        "The bottom layer above never came back. Real outages end, and then two things matter:\n"
        "how much load the clients added while the service was down, and how soon everything\n"
        "works again. `retry_modes_outage` runs one client per mode against the same service: 10\n"
        "calls a second for two minutes; every attempt between 30 s and 60 s fails with a 503;\n"
        "outside the outage the service serves 15 attempts a second and throttles the rest.",
        slide="subslide",
    )
    insert_after(nb, "d233ce9e", "7a66718a", "code", OUTAGE)
    insert_after(
        nb,
        "7a66718a",
        "a143d820",
        "markdown",
        "Legacy mode sends the broken service 1,357 attempts in 30 seconds, three to four times\n"
        "what the standard modes send. It rescues a few more calls (79 % against 75 %): calls\n"
        "made in the outage's last seconds still have retries left when it ends. But that\n"
        "backlog lands on top of the new calls, and the recovered service throttles for another\n"
        "6.9 s. The standard modes spend their quota within seconds and then fail fast (400\n"
        "attempts with the costs before 2026, 335 with the 2026 costs), and nothing is refused\n"
        "once the service is back. They pay afterwards: the quota refills one token per\n"
        "first-try success, so for about 49 s the client hardly retries. Less load during an\n"
        "outage is the point of the 2026 change: at scale, the retries of many clients are\n"
        "what keeps a struggling service down.",
    )


def exercise_four(nb) -> None:
    replace(
        nb,
        "91f4c408",
        "### Exercise 4\n"
        "\n"
        "**Predict, then run.** The same 30-second outage, but now the service answers every\n"
        "attempt with a throttling error (`ThrottlingException`: it is overloaded, not broken)\n"
        "instead of a 503. How many attempts reach it during the outage from the client in the\n"
        "2026 standard mode? Work it out first, from the table of retry numbers and the\n"
        "client's 10 calls a second. Then check with\n"
        '`cl.fallacies.retry_modes_outage(["standard"], error="throttling")` (its row\'s\n'
        "`attempts_during_outage`). Put the number in `attempts_during_outage`: is it more or\n"
        "fewer than the 335 of the 503 outage?",
    )
    replace(nb, "76813918", "attempts_during_outage = ...")
    replace(
        nb,
        "b647591f",
        "from course_lib.facts import fact\n"
        "\n"
        "first_attempts = 10 * 30  # every call made during the outage tries once\n"
        'quota = fact("sdk.retry.standard.quota_tokens")\n'
        'retries = quota // fact("sdk.retry.standard.throttling_retry_cost")\n'
        "attempts_during_outage = first_attempts + retries\n"
        '(row,) = cl.fallacies.retry_modes_outage(["standard"], error="throttling")\n'
        "print(f\"predicted {attempts_during_outage}, simulated {row['attempts_during_outage']}\")",
    )
    replace(nb, "09f63390", 'cl.exercises.check("01.4", attempts_during_outage)')


# -- On AWS: what an offline run proves ------------------------------------------------------


def on_aws(nb) -> None:
    replace(
        nb,
        "f2a51553",
        "## On AWS (optional)\n"
        "\n"
        "Fallacy 3 on a real bus. The cell below measures a `PizzaBaked` entry that carries an\n"
        "800 KB photo with `cl.events.entry_size`, as a producer should before it publishes,\n"
        "then creates a custom event bus, publishes the entry with `PutEvents` and deletes the\n"
        "bus when the cell ends, even after an error. The entry is three times the pre-2026\n"
        "limit and fits today's 1 MB. By default the cell runs offline against moto, which\n"
        "does not enforce EventBridge's size limit: offline, the size check is `entry_size`'s\n"
        "alone. Set `COURSE_LIVE_AWS=1` to let EventBridge judge, in your own account (see\n"
        "lesson 00). The event is billed as 13 chunks of 64 KB: a fraction of a cent.",
    )
    replace(
        nb,
        "fe846705",
        "`FailedEntryCount` 0. Offline that proves nothing about the limit (moto would take a\n"
        "2 MB entry too); on a live run it is EventBridge accepting an entry that, before 2026,\n"
        "it rejected, and the photo had to travel by claim check. If a cell ever stops halfway,\n"
        '`cl.aws.cleanup("lesson01")` removes whatever the lesson left behind:',
    )


def summary(nb) -> None:
    edit(
        nb,
        "9d2d8be5",
        "- Transfer time is latency plus size over bandwidth; event buses cap sizes (PutEvents:\n"
        "  1 MB per request since January 2026, 256 KB before), and the claim check carries\n"
        "  large payloads by reference.",
        "- Transfer time is latency plus size over bandwidth. EventBridge, SQS and Lambda\n"
        "  asynchronous invocations take 1 MB since January 2026 (256 KB before; Step Functions\n"
        "  still 256 KiB); the claim check carries larger payloads by reference, and moves them\n"
        "  twice.",
    )
    edit(
        nb,
        "9d2d8be5",
        "Retries multiply through layers ($3^5 = 243$); a retry quota (token bucket) caps the\n"
        "  storm.",
        "Retries multiply through layers ($3^5 = 243$); a retry quota (token bucket) caps the\n"
        "  storm. The SDKs' default since 10 November 2026, the 2026 standard mode, charges a\n"
        "  transient retry more and so adds the least load to a broken service.",
    )
    edit(
        nb,
        "9d2d8be5",
        "not run by one person (reproducible configuration, explicit contracts), not free (every\n"
        "  message and byte is billed)",
        "not run by one person (reproducible configuration, explicit contracts), not free (every\n"
        "  message and byte is billed; batching saves requests, not EventBridge events)",
    )


def reading(nb) -> None:
    edit(
        nb,
        "01-reading",
        "[EventBridge pricing](https://aws.amazon.com/eventbridge/pricing/) (64 KB chunks).",
        "[EventBridge pricing](https://aws.amazon.com/eventbridge/pricing/) (64 KB chunks);\n"
        "  [Amazon SQS pricing](https://aws.amazon.com/sqs/pricing/) (requests, 64 KB chunks).",
    )


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    patched = patched_before(nb)
    title(nb)
    loss_above_tcp(nb)
    dated_latency_numbers(nb)
    payload_limits(nb)
    discovery_cache(nb, patched)
    batching_and_billing(nb, patched)
    packets_without_retransmission(nb)
    brooker_conclusions(nb, patched)
    retry_modes(nb)
    exercise_four(nb)
    on_aws(nb)
    summary(nb)
    reading(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
