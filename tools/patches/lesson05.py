"""Lesson 05's review pass, as an idempotent patch on the notebook (run once, then re-execute).

Usage: python tools/patches/lesson05.py [notebook]   (default: notebooks/05_step_functions.ipynb)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_step_functions.ipynb"


class PatchError(RuntimeError):
    """The notebook is not the one this patch was written for."""


def _index(nb, cell_id: str) -> int:
    for position, cell in enumerate(nb.cells):
        if cell.get("id") == cell_id:
            return position
    raise PatchError(f"cell {cell_id!r} not found in the notebook")


def _has(nb, cell_id: str) -> bool:
    return any(cell.get("id") == cell_id for cell in nb.cells)


def replace(nb, cell_id: str, source: str) -> None:
    cell = nb.cells[_index(nb, cell_id)]
    if cell.source != source and cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.source = source


def edit(nb, cell_id: str, old: str, new: str) -> None:
    cell = nb.cells[_index(nb, cell_id)]
    if new in cell.source:
        return
    if old not in cell.source:
        raise PatchError(f"cell {cell_id!r}: neither the old nor the new text is there: {old!r}")
    cell.source = cell.source.replace(old, new)


def insert_after(nb, anchor: str, cell_id: str, kind: str, source: str, **options) -> None:
    try:
        replace(nb, cell_id, source)
        return
    except PatchError:
        pass
    cell = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(
        source
    )
    cell.id = cell_id
    cell.metadata["slideshow"] = {"slide_type": options.get("slide", "-")}
    tags = list(options.get("tags", []))
    if options.get("solution"):
        tags.append("solution")
        cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    if tags:
        cell.metadata["tags"] = tags
    nb.cells.insert(_index(nb, anchor) + 1, cell)


def insert_chain(nb, anchor: str, cells: list[tuple]) -> None:
    """Insert cells one after the other, starting after ``anchor``."""
    for cell_id, kind, source, *rest in cells:
        insert_after(nb, anchor, cell_id, kind, source, **(rest[0] if rest else {}))
        anchor = cell_id


def move_after(nb, anchor: str, cell_ids: list[str]) -> None:
    """Move cells (in this order) to just after ``anchor``; a second run changes nothing."""
    for cell_id in cell_ids:
        cell = nb.cells.pop(_index(nb, cell_id))
        nb.cells.insert(_index(nb, anchor) + 1, cell)
        anchor = cell_id


def delete(nb, cell_ids: list[str]) -> None:
    """Remove cells; those already gone (a second run) are skipped."""
    nb.cells = [cell for cell in nb.cells if cell.get("id") not in cell_ids]


def merge_into(nb, target: str, source_id: str) -> None:
    """Append a code cell's source to ``target`` and remove it (done once)."""
    if not _has(nb, source_id):
        _index(nb, target)
        return
    code = nb.cells[_index(nb, source_id)].source
    replace(nb, target, nb.cells[_index(nb, target)].source.rstrip() + "\n" + code)
    delete(nb, [source_id])


def slide(nb, cell_id: str, slide_type: str) -> None:
    nb.cells[_index(nb, cell_id)].metadata["slideshow"] = {"slide_type": slide_type}


# -- the title and the setup cell --------------------------------------------------------------

TITLE = """# 05 AWS Step Functions

Inside one domain, a business process is a sequence of steps with decisions, waits and
failures: check the order, take the payment, wait for the kitchen, tell everyone the
order exists. In this lesson you **orchestrate** such a process with AWS Step Functions.
A local States Language engine runs every workflow on the virtual clock, so you can
run, draw, break and price workflows without an AWS account.

**Learning objectives.** By the end of this lesson you can:
- describe a workflow as a state machine in the Amazon States Language, in JSONata (which
  AWS recommends for new workflows) or JSONPath, run it, and read its execution history;
- read and write Choice rules, Retry and Catch, inline and distributed Map, Parallel, and
  the callback pattern with task tokens;
- shape what each state sees (intrinsic functions, the data-flow fields, TestState) and
  find where the data went wrong in a finished run;
- choose between Standard and Express workflows, a Distributed Map's child type, and
  Lambda durable functions, and price a workflow within AWS's limits (256 KiB per state,
  25,000 history events, one year).

**Estimated time:** 100 minutes. **Prerequisites:** lessons 00 to 04, especially
[04 What an event is](04_events.ipynb); reading JSON."""

SETUP = '''import json

import matplotlib.pyplot as plt

import course_lib as cl
from course_lib.facts import fact
from course_lib.sim import World
from course_lib.stepfunctions import StateMachine, execute, inspect_execution, test_state, validate
from course_lib.stepfunctions.pricing import (
    billed_usage,
    express_cost,
    standard_cost,
    state_transitions,
    usage_cost,
)

cl.setup(seed=505)
draw = cl.viz.stepfunctions
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"'''


def title(nb) -> None:
    replace(nb, "05-000", TITLE)
    replace(nb, "05-001", SETUP)


# -- the same Choice in JSONata ---------------------------------------------------------------

JSONATA_INTRO = """### The same Choice in JSONata

A state machine can also be written in **JSONata** (`"QueryLanguage": "JSONata"`), an
expression language Step Functions added in November 2024. AWS recommends it for new
workflows (the console chooses it when you create one); a definition that names no query
language is JSONPath, which most existing workflows, and the slides, use. This lesson
reads both and writes its new examples in JSONata. In JSONata a Choice rule is a single
**`Condition`**: an expression between `{%` and `%}` that gives `true` or `false`, with
the state's input in `$states.input`:"""

JSONATA_RUN = """choice_jsonata = json.loads(json.dumps(choice))
choice_jsonata["QueryLanguage"] = "JSONata"
choice_jsonata["States"]["ChoiceState"]["Choices"] = [
    {"Condition": "{% $states.input.foo = 1 %}", "Next": "FirstMatchState"},
    {"Condition": "{% $states.input.foo = 2 %}", "Next": "SecondMatchState"},
]
for foo in (1, 2, 3):
    run = execute(choice_jsonata, {"foo": foo}, handlers=handlers)
    print(f"foo = {foo}: {run.status:<9} {' -> '.join(run.states_entered)}")"""

JSONATA_READ = """The same paths as the JSONPath rules. One habit carries over: a rule that reads a field
the input lacks does not quietly count as false; it fails the execution
(`States.Runtime` in JSONPath, `States.QueryEvaluationError` in JSONata), unless the rule
tests `$exists(...)` first or an earlier rule has already sent such inputs elsewhere.
Exercise 1 runs into it."""


def jsonata_choice(nb) -> None:
    insert_chain(
        nb,
        "05-016",
        [
            ("b05e0001", "markdown", JSONATA_INTRO, {"slide": "subslide"}),
            ("b05e0002", "code", JSONATA_RUN),
            ("b05e0003", "markdown", JSONATA_READ),
        ],
    )
    replace(
        nb,
        "05-017",
        """### Workflow Studio

In the AWS console, **Workflow Studio** edits a state machine visually: states dragged
from a palette onto a canvas, their fields in a form, the JSON written for you. It is the
same JSON you have just read, so a definition moves freely between the editor, your
repository and an infrastructure-as-code template; our drawings mirror its graph. Like
the editor, the local engine checks a definition before it runs it, and names the field
and the reason for every problem:""",
    )


# -- integrations: today's counts, the three patterns, the execution role ----------------------

INTEGRATIONS = """## Integrations: optimised and AWS SDK

A Task's `Resource` says what it calls. Besides a Lambda function's ARN, it can name an
AWS service directly, in two families:

- **Optimised integrations**, tailored for workflows: `lambda:invoke` returns the
  function's result as JSON, `ecs:runTask.sync` waits for the container to finish. The
  slides count 17 services, an older figure: AWS's table lists 20 as of December 2026
  (Lambda, DynamoDB, SNS, SQS, EventBridge, ECS, EKS, Batch, Glue, SageMaker, Bedrock,
  API Gateway, Athena, Step Functions itself and a few more).
- **AWS SDK integrations**: any SDK call, written
  `arn:aws:states:::aws-sdk:<service>:<action>`, with the API's parameters in PascalCase.
  The slides say 200+ services and 10,000+ API calls; AWS's documentation says over two
  hundred services and over nine thousand actions.

A call follows one of three **patterns**: request-response (the default: call, then move
on), run a job (`.sync`, some optimised integrations only: wait until the job ends), and
wait for a callback (`.waitForTaskToken`, later in this lesson: in Standard workflows, on
the optimised integrations that offer it and on every AWS SDK integration). Where an API
has both families, AWS recommends the optimised one.

Whatever it calls, the workflow calls it with its **execution role**: the IAM role named
when the state machine is created (`roleArn`), which Step Functions assumes. Its policy
must allow every action the tasks take (`lambda:InvokeFunction`, `events:PutEvents`,
`dynamodb:GetItem`...). A missing permission is not caught when the definition is saved;
it fails the task when it runs. The shape of the ARN says which family a task uses:"""


def reuse(nb) -> None:
    edit(
        nb,
        "05-019",
        "Same definition, same input, different code behind one task:",
        "Same definition, same input, different code behind one task. (Whole workflows are\n"
        "reused the same way: a task with the resource\n"
        "`arn:aws:states:::states:startExecution.sync:2` runs another state machine as a child\n"
        "and waits for its output.)",
    )
    delete(nb, ["05-022", "05-023"])
    merge_into(nb, "05-004", "05-005")
    merge_into(nb, "05-020", "05-021")


def integrations(nb) -> None:
    replace(nb, "05-024", INTEGRATIONS)
    delete(nb, ["05-026"])


# -- intrinsics: JSONPath's, with their limit ---------------------------------------------------


def intrinsics(nb) -> None:
    edit(
        nb,
        "05-029",
        "The slides list thirteen; the language has eighteen.",
        "The slides list thirteen; the language has eighteen. They belong to JSONPath: a JSONata\n"
        "state uses JSONata's own functions (`$count`, `$distinct`, `$sum`...) and the few Step\n"
        "Functions adds (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`).",
    )
    edit(
        nb,
        "05-032",
        "A wrong argument fails the state with `States.IntrinsicFailure`:",
        "A wrong argument (an index past the end, an `ArrayRange` of more than\n"
        "1,000 items) fails the state with `States.IntrinsicFailure`.",
    )
    delete(nb, ["05-033"])


# -- data flow: JSONata's two fields, and the 256 KiB limit ---------------------------------------

PAYLOAD_INTRO = """### 256 KiB per state

Every state's input and output, and the execution's own input, may hold at most
**256 KiB** of JSON. Since January 2026 SQS, Lambda's asynchronous invocations and
EventBridge take messages of up to 1 MB; Step Functions did not follow. A task whose
result is bigger fails with `States.DataLimitExceeded`: a catcher can handle it, but no
retry makes the result smaller. The kitchen's camera function answers with a 300 KB
photo of the pizza:"""

PAYLOAD_RUN = """photo = {
    "QueryLanguage": "JSONata",
    "StartAt": "PhotographPizza",
    "States": {"PhotographPizza": {"Type": "Task", "Resource": FUNCTION + "camera", "End": True}},
}
snapped = execute(
    photo, {"orderId": "1073"}, handlers={"camera": lambda order, context: {"jpeg": "x" * 300_000}}
)
print(snapped.status, snapped.error, f"(the limit is {fact('stepfunctions.max_payload_bytes'):,} bytes)")"""

PAYLOAD_READ = """The fix is lesson 01's claim check: the camera stores the photo in S3 and answers with
its key, and the workflow passes the key on. Plan for it wherever a payload can grow: an
event of 600 KB that EventBridge and SQS deliver without complaint fails the moment a
workflow takes it as its input."""


def dataflow(nb) -> None:
    cell = nb.cells[_index(nb, "05-039")]
    marker = "(A state machine can also set"
    tail = (
        "In JSONata, two fields, `Arguments` and `Output`, do the work of these five; the\n"
        "TestState section shows one state written both ways."
    )
    if tail not in cell.source:
        if marker not in cell.source:
            raise PatchError("cell '05-039': the JSONata paragraph is not there")
        cell.source = cell.source[: cell.source.index(marker)] + tail
    insert_chain(
        nb,
        "05-039",
        [
            ("b05e0004", "markdown", PAYLOAD_INTRO, {"slide": "subslide"}),
            ("b05e0005", "code", PAYLOAD_RUN),
            ("b05e0006", "markdown", PAYLOAD_READ),
        ],
    )


# -- TestState: only what has been taught; the inspector moves after Map --------------------------

TESTSTATE = """## Inspect one state: TestState

Reading the five fields is one thing; seeing what they do to *your* JSON is another. AWS's
**TestState** API runs a single state once, on an input you give, without creating a
state machine or starting an execution. You send the state's definition, an input and,
for a Task, optionally a **mock**: the result the call would return (`{"result": "<JSON
text>"}`) or the error it would fail with (`{"errorOutput": {"error": ..., "cause":
...}}`), so nothing real is called. With the inspection level `DEBUG` the answer holds
`inspectionData`, the JSON after every stage, and a `status`: `SUCCEEDED` or `FAILED`
(two more, for Retry and Catch, come with the inspector after the Map section). The
console's *Test state* button calls the same API.

`cl.stepfunctions.test_state` is its local twin, with the same request fields in Python's
spelling and the same response, so the call below works on AWS as
`boto3.client("stepfunctions").test_state(definition=json.dumps(state),
input=json.dumps(order), inspectionLevel="DEBUG", mock=...)` (AWS sends the JSON values as
text). The charging task from above, with all five fields and a mocked result:"""

INSPECTOR = """## Try it: a data-flow inspector

Pick a state and an order, and see what TestState reports. The examples cover the shapes
you have met: the five fields on a Task, a Pass with a fixed `Result`, a Choice (it only
picks the next state), a Task whose **Retry** fires, one whose **Catch** matches, and a
Map over the order's pizzas. With Retry and Catch, TestState has two more answers:
`RETRIABLE` (a retrier with attempts left matches the error: the state would run again,
after the interval it reports) and `CAUGHT_ERROR` (a catcher matches: the answer names the
state it leads to). Tasks and the Map get mocks, so nothing is called."""


def teststate(nb) -> None:
    replace(nb, "05-040", TESTSTATE)
    replace(nb, "05-044", INSPECTOR)
    slide(nb, "05-044", "slide")
    edit(
        nb,
        "05-054",
        "The orders\nworkflow from the start of the lesson:",
        "Exercise 3 uses it\nto diagnose a failed run. The orders workflow from the start of the lesson:",
    )


# -- errors: the virtual time a failed attempt takes ------------------------------------------------


def errors(nb) -> None:
    edit(
        nb,
        "05-058",
        "A Lambda function's error is named after its exception.",
        "A Lambda function's error is named after its exception; one that runs longer than the\n"
        "Task's `TimeoutSeconds` fails with `States.Timeout`.",
    )
    replace(
        nb,
        "05-062",
        'draw.history_timeline(retried, title="three attempts of 0.5 s, with waits of 2 s and 4 s")\n'
        "plt.show()",
    )
    merge_into(nb, "05-060", "05-061")
    replace(
        nb,
        "05-063",
        """Every attempt took its half second, failed or not, and the waits grew (2 s, then 4 s):
3 × 0.5 s + 2 s + 4 s = 7.5 s, and the third attempt succeeded. The retries are invisible
to the rest of the workflow, but not to the bill: AWS counts **each retry as one more
state transition**. Now a card that is declined every time: retrying cannot help, the
error does not match the retrier, and the catcher sends the order to the fallback:""",
    )


# -- Map: say it is distributed; the history quota ------------------------------------------------

MAP_INTRO = """## Map and Parallel

Two states run work side by side:

- **`Parallel`** runs a fixed set of **branches** at the same time on the same input and
  outputs the list of their outputs; if one branch fails, the state fails.
- **`Map`** runs the same steps (the `ItemProcessor`) **for every item** of a list, at most
  `MaxConcurrency` at a time. An **inline** Map (the default, `"Mode": "INLINE"`) runs up
  to 40 iterations at once inside the execution and its history. A **distributed** Map
  (`"Mode": "DISTRIBUTED"`) starts a **child execution** per item (or per batch), up to
  10,000 at once, each Standard or Express (`ExecutionType`) with a history of its own; it
  can read its items from S3 and let some fail (`ToleratedFailureCount`, or a percentage).

The kitchen bakes every pizza of an order, two at a time, four minutes each, and
tolerates one burnt pizza. The file's `ProcessorConfig` makes this a **Distributed Map**
with Express children:"""

QUOTA_INTRO = """### Why distributed: 25,000 history events

An inline Map writes every iteration into the execution's history, and a Standard
execution's history holds at most **25,000 events**: the 25,000th must end the execution,
or AWS fails it with `States.Runtime`. The same quota stops a Retry with thousands of
attempts or a Choice that loops back for ever. A Distributed Map's children keep histories
of their own and do not count (the local engine still lists their events in the parent's
history, for the drawings). Boxing the day's pizzas, inline and then distributed:"""

QUOTA_RUN = """boxing = {
    "QueryLanguage": "JSONata",
    "StartAt": "BoxAll",
    "States": {
        "BoxAll": {
            "Type": "Map",
            "Items": "{% $states.input.pizzas %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Box",
                "States": {
                    "Box": {"Type": "Pass", "Next": "Label"},
                    "Label": {"Type": "Pass", "End": True},
                },
            },
            "End": True,
        }
    },
}
for pizzas in (1, 2, 4_000, 5_000):
    run = execute(boxing, {"pizzas": ["margherita"] * pizzas})
    print(f"{pizzas:>5} pizzas inline:  {run.status:<9} {len(run.history):>6} events  {run.error or ''}")
boxing["States"]["BoxAll"]["ItemProcessor"]["ProcessorConfig"] = {
    "Mode": "DISTRIBUTED",
    "ExecutionType": "EXPRESS",
}
print(" 5000 pizzas distributed:", execute(boxing, {"pizzas": ["margherita"] * 5_000}).status)"""

QUOTA_READ = """One pizza adds six events (the iteration's start and end, two states entered and exited),
on top of six for the execution and the Map: (25,000 − 6) / 6 leaves room for 4,165
pizzas, so 5,000 fail, while a Distributed Map takes them all. A workflow that must loop
for long hands the work to a Distributed Map, or starts a fresh execution of itself and
ends, as AWS's best practices for the quota advise."""


def map_state(nb) -> None:
    replace(nb, "05-065", MAP_INTRO)
    edit(
        nb,
        "05-069",
        "The burnt one failed its iteration, and the Map succeeded anyway",
        "The burnt one failed its child execution, and the Map succeeded anyway",
    )
    insert_chain(
        nb,
        "05-070",
        [
            ("b05e0007", "markdown", QUOTA_INTRO, {"slide": "subslide"}),
            ("b05e0008", "code", QUOTA_RUN),
            ("b05e0009", "markdown", QUOTA_READ),
        ],
    )
    move_after(nb, "b05e0009", ["05-044", "05-045", "05-046", "05-047", "05-048", "05-049"])
    merge_into(nb, "05-055", "05-056")


# -- callbacks: SDK integrations too; waits ----------------------------------------------------------

CALLBACK = """## The callback pattern: wait for a task token

Some steps are done by someone the workflow cannot call and wait for: a person approving
an order, a kitchen that answers when the pizza is out of the oven. With the suffix
`.waitForTaskToken` (on an optimised integration that offers it, such as `lambda:invoke`
or `sqs:sendMessage`, or on any AWS SDK integration), a task passes a **task token**
(`$$.Task.Token`; `$states.context.Task.Token` in JSONata) to the outside world and
**pauses** until someone calls `SendTaskSuccess` (or `SendTaskFailure`) with that token.
A Standard workflow can wait like this for up to a year and pays nothing while it waits,
like a `Wait` state (for some `Seconds` or until a `Timestamp`: one transition to enter
it). `TimeoutSeconds` (and `HeartbeatSeconds`) say when to give up.

The approval workflow in `data/statemachines/` notifies an approver and gives up after a
day. A manager answers after two hours of virtual time:"""


def callbacks(nb) -> None:
    replace(nb, "05-071", CALLBACK)
    merge_into(nb, "05-072", "05-073")
    delete(nb, ["05-076", "05-077"])


# -- Standard and Express: the Distributed Map priced as AWS bills it ----------------------------------

PRICED_RUNS = """runs = {
    "choice, foo = 1": (one, choice),
    "payment, two retries": (retried, payment),
    "bake five pizzas (Distributed Map)": (baked, bake_all),
    "callback": (answered, approval),
}
for name, (run, definition) in runs.items():
    usage = billed_usage(run, definition)
    usd = usage_cost(usage)
    print(
        f"{name:<35} {usage['sfn_standard_transitions']:>2} transitions"
        f" {usage['sfn_express_requests']:>2} Express children  ${usd:.6f} per execution,"
        f" ${usd * 1_000_000:>9,.2f} per million"
    )"""

PRICED_READ = """The Distributed Map's bill has two parts: one transition for the Map state and one for
each child execution it starts (6 in all), and, for each Express child, one request and
its duration. Four minutes of baking at 64 MB is 15 GB-seconds, about \\$0.00025 per pizza:
more than all the transitions together. Waiting costs nothing in a Standard workflow, but
an Express child pays for every second it runs (exercise 4 weighs the two). The same
choice workflow as Express: if an execution takes 250 ms with the smallest memory step, a
million cost:"""


def pricing(nb) -> None:
    edit(
        nb,
        "05-078",
        "| history | kept 90 days, `GetExecutionHistory` | only in CloudWatch Logs, if enabled |",
        "| history | kept 90 days, `GetExecutionHistory`, at most 25,000 events | only in CloudWatch Logs, if enabled |\n"
        "| redrive a failed execution | yes, within 14 days | no |",
    )
    edit(
        nb,
        "05-080",
        "The runs of this lesson, priced:",
        "A Distributed Map's children are billed by their\n"
        "own type, so `billed_usage` also takes the definition. The runs of this lesson, priced:",
    )
    replace(nb, "05-081", PRICED_RUNS)
    replace(nb, "05-082", PRICED_READ)


# -- running a workflow on AWS; durable functions; the widget that repeated the slides' example ------

OPERATIONS = """## Running a workflow on AWS: versions, aliases, redrive

Three features of the service matter once a workflow runs in production. None of them
changes what an execution does, so the local engine leaves them out:

| feature | what it does | API |
|---|---|---|
| **versions** | a numbered, read-only snapshot of the definition and the role; an execution started on a version runs that version to its end, even while you edit the state machine | `PublishStateMachineVersion` |
| **aliases** | a name that routes new executions to one version, or splits them between two by weight (say 90 % and 10 %) for a gradual deployment; callers start the alias and never change | `CreateStateMachineAlias`, `UpdateStateMachineAlias` |
| **redrive** | restarts a failed, aborted or timed-out Standard execution from the state that did not succeed, within 14 days, keeping the work already done; the redrive and every state run again are billed as transitions | `RedriveExecution` |

Redrive fits failures that go away: a service that was down, a bug fixed in the function
behind a task. The payment that succeeded is not taken twice, because states that
succeeded do not run again. It does not fit a wrong definition: a redrive runs the same
version again."""

DURABLE = """## Code instead of a state machine: Lambda durable functions

Since December 2025 a Lambda function can be **durable**. Its handler receives a
`DurableContext` whose **steps** checkpoint their results, whose **waits** suspend the
function without paying for compute, and whose **callbacks** pause until another system
answers (`SendDurableExecutionCallbackSuccess`). A durable execution may last up to a
year, although each invocation still ends within Lambda's 15 minutes: after a wait, Lambda
runs the handler again from the top and **replays** the checkpoints, so completed steps
return their stored results instead of running again. Part of the orders workflow, as code:

```python
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.context import DurableContext, durable_step
from aws_durable_execution_sdk_python.execution import durable_execution


@durable_step
def take_payment(step_context, order):
    return payments.charge(order["orderId"], order["totalCents"])


@durable_execution
def handler(order, context: DurableContext):
    payment = context.step(take_payment(order))  # checkpointed: replayed, not repeated
    context.wait(Duration.from_seconds(300))  # the oven warms up; no compute is billed
    ...
```

Both keep state, retry and wait; they differ in where the process lives:

| | Step Functions | Lambda durable functions |
|---|---|---|
| the process is | a definition: JSON, a graph in the console | code in one function (Python, Node.js, Java) |
| other AWS services | over two hundred, called without code; `.sync` jobs | through the SDK, in your code |
| large fan-out | Distributed Map: 10,000 children at once | the SDK's `map` and `parallel` in your code |
| rules for your code | none: the definition holds no code | deterministic outside steps (no clock, randomness or I/O), or replay goes astray |
| billed | per transition (Standard), or requests and duration (Express) | Lambda's requests and compute, plus the durable operations and the data kept |

Choose a state machine when the process crosses many AWS services, people other than its
developers must read or audit it, or it fans out over large data. Choose a durable
function when the steps are mostly your own code, the team wants to test the process like
any other code, and it changes with the application it belongs to."""


def operations(nb) -> None:
    insert_chain(
        nb,
        "05-084",
        [
            ("b05e000a", "markdown", OPERATIONS, {"slide": "slide"}),
            ("b05e000b", "markdown", DURABLE, {"slide": "slide"}),
        ],
    )
    delete(nb, ["05-085", "05-086", "05-087", "05-088"])


# -- exercises ----------------------------------------------------------------------------------

EXERCISE_1 = """### Exercise 1

Write a Choice in JSONata. The shop's delivery workflow starts with a Choice state,
`HowToDeliver`, whose `Default` is `"Van"`. Write its `Choices` (a list of rules, each a
`Condition` and a `Next`) so that:

- orders with `"method": "pickup"` go to `"Counter"`, whatever else they say (pickup
  orders may have no `distance_km` at all);
- other orders up to **3 km** away (`distance_km`, a number) go to `"Bike"`;
- everything else goes to the default, `"Van"`.

`route(choices, order)` from `course_lib.exercises.lesson05` runs the workflow with your
rules and says where an order ends up, or why it stopped; try a few orders."""

EXERCISE_1_SOLUTION = """delivery_rules = [
    {"Condition": "{% $states.input.method = 'pickup' %}", "Next": "Counter"},
    {"Condition": "{% $states.input.distance_km <= 3 %}", "Next": "Bike"},
]
print(route(delivery_rules, {"method": "delivery", "distance_km": 2}))"""

EXERCISE_3 = """### Exercise 3

Diagnose a failed run. The receipt workflow (`RECEIPT_DEFINITION`) checks an order,
prices its delivery, takes the payment and prints a receipt. It was deployed yesterday,
and every order since has failed at `TakePayment`. The state where an error surfaces is
not always the state that caused it. Find the state with **one field missing or wrong**, and give
the change as `{"state": ..., "field": ..., "value": ...}`. `inspect_execution(broken)`
shows what each state received and passed on; `receipt_fixed(fix)` returns the definition
with your change, to run again. The check runs your fix on orders you have not seen."""

EXERCISE_3_STUB = """from course_lib.exercises.lesson05 import (
    RECEIPT_DEFINITION,
    RECEIPT_ORDER,
    receipt_fixed,
    receipt_handlers,
)

broken = execute(RECEIPT_DEFINITION, RECEIPT_ORDER, handlers=receipt_handlers())
print(broken.status, broken.error, "-", broken.cause)
fix = {"state": ..., "field": ..., "value": ...}"""

EXERCISE_3_SOLUTION = """for visit in inspect_execution(broken):
    print(f"{visit['stateName']:<14} {visit['status']:<10} output: {json.dumps(visit.get('output'))}")
fix = {"state": "PriceDelivery", "field": "ResultPath", "value": "$.delivery"}
print(execute(receipt_fixed(fix), RECEIPT_ORDER, handlers=receipt_handlers()).output)"""

BEFORE_4 = """### Before exercise 4: a night of pizzas

The kitchen's batch workflow bakes every pizza of an order in an **inline** Map, three at
a time, then boxes it (`Bake` retries when the oven is busy). At night the same workflow
bakes the whole day's pizzas in one execution:"""

BEFORE_4_RUN = """from course_lib.exercises.lesson05 import BATCH_DEFINITION, nightly_batch

draw.graph(BATCH_DEFINITION, title="the kitchen's batch workflow")"""

EXERCISE_4 = """### Exercise 4

Predict, then choose with a number.

- (a) How many pizzas can one **inline** execution bake before the 25,000-event history
  quota fails it? `nightly_batch(n)` runs `n` pizzas (four minutes each, the oven never
  busy) and reports the history's `events`: count what one more pizza adds, predict,
  then check your number with a run.
- (b) A night has **6,000** pizzas, so the Map must be distributed. Which child type is
  cheaper here, `"STANDARD"` or `"EXPRESS"`? `nightly_batch(n, "DISTRIBUTED", child_type)`
  reports the billed `usage` and `usd`.
- (c) What does one night cost with the cheaper type?"""

EXERCISE_4_STUB = """night = {"max_inline": ..., "child_type": ..., "nightly_usd": ...}"""

EXERCISE_4_SOLUTION = """small, larger = nightly_batch(10)["events"], nightly_batch(20)["events"]
per_pizza = (larger - small) / 10
fixed = small - 10 * per_pizza
max_inline = int((25_000 - fixed) // per_pizza)
print(f"{per_pizza:g} events a pizza and {fixed:g} more: {max_inline} pizzas fit")
print(nightly_batch(max_inline)["status"], "then", nightly_batch(max_inline + 1)["error"])
costs = {kind: nightly_batch(6_000, "DISTRIBUTED", kind)["usd"] for kind in ("STANDARD", "EXPRESS")}
print({kind: round(usd, 2) for kind, usd in costs.items()})
cheaper = min(costs, key=costs.get)
night = {"max_inline": max_inline, "child_type": cheaper, "nightly_usd": costs[cheaper]}"""


def exercises(nb) -> None:
    replace(nb, "05-090", EXERCISE_1)
    replace(nb, "05-092", EXERCISE_1_SOLUTION)
    edit(
        nb,
        "05-095",
        "`try_oven(retry, busy)` runs the task against an oven busy for `busy` attempts and\nreports",
        "`try_oven(retry, busy)` runs the task against an oven busy for `busy` attempts (each\n"
        "attempt takes the oven a second, failed or not) and reports",
    )
    replace(nb, "05-099", EXERCISE_3)
    replace(nb, "05-100", EXERCISE_3_STUB)
    replace(nb, "05-101", EXERCISE_3_SOLUTION)
    replace(nb, "05-102", 'cl.exercises.check("05.3", fix)')
    replace(nb, "05-103", BEFORE_4)
    replace(nb, "05-104", BEFORE_4_RUN)
    replace(nb, "05-105", EXERCISE_4)
    replace(nb, "05-106", EXERCISE_4_STUB)
    replace(nb, "05-107", EXERCISE_4_SOLUTION)
    replace(nb, "05-108", 'cl.exercises.check("05.4", night)')
    delete(nb, ["05-113", "05-114", "05-115", "05-116", "05-117"])  # ResultPath: exercise 3
    edit(
        nb,
        "05-118",
        "### Before exercise 7: a payment state",
        "### Before exercise 6: a payment state",
    )
    edit(nb, "05-120", "### Exercise 7", "### Exercise 6")
    replace(nb, "05-123", 'cl.exercises.check("05.6", predictions)')


# -- summary, questions, answers, reading ------------------------------------------------------------

SUMMARY = """## Summary

- Inside a domain, a business process is **orchestrated**: one workflow directs its steps
  and, at the end, **publishes an event** for the other domains.
- A **state machine** in the Amazon States Language is a set of **states**; each move is a
  **state transition** in the execution's history. AWS recommends **JSONata** for new
  workflows (a Choice rule is one `Condition`); most existing ones use JSONPath.
- Tasks call Lambda, **optimised integrations** (20 services; the slides' 17 is dated) or
  **AWS SDK integrations** (over two hundred services), with the **execution role**;
  `.waitForTaskToken` works with both families.
- Intrinsic functions and the five data-flow fields (`Arguments` and `Output` in
  JSONata) shape what a state sees; each state's data stays within **256 KiB**
  (`States.DataLimitExceeded`), though SQS and EventBridge now take 1 MB. **TestState**
  and `inspect_execution` show the JSON stage by stage.
- **Retry** and **Catch** handle failures; each retry is a billed transition.
- **Map** and **Parallel** run work side by side; an inline Map fills the history, which
  stops at **25,000 events**, a **Distributed Map** starts child executions, billed one
  transition each plus their own type's price. Callbacks and waits cost nothing while
  they wait, for up to a year.
- **Standard** (exactly once, a year, per transition) suits business processes, **Express**
  (at least once, five minutes, per request and GB-second) short, frequent work; versions,
  aliases and redrive run them in production. **Lambda durable functions** write the same
  kind of process as code."""

QUESTIONS = """
7. An order event of 600 KB travels through EventBridge and SQS without trouble; the
   workflow it starts fails at once. Why, and what do you change?
8. Your team's refund process is four steps of its own Python code, one payment API and
   one wait of a day. Step Functions or a Lambda durable function? What would change
   your answer?"""

ANSWERS = """7. Since January 2026 EventBridge, SQS and Lambda's asynchronous invocations take 1 MB,
   but a Step Functions execution's input (and every state's input and output) stays at
   256 KiB: the start fails, or the state fails with `States.DataLimitExceeded`. Pass a
   claim check instead (store the body in S3, send its key) and let the states that need
   the body fetch it.
8. A durable function fits: the steps are the team's own code, one service is called,
   the wait costs no compute, and the process is tested and deployed like the rest of the
   code. A state machine would win if the process called many AWS services, fanned out
   over large data (Distributed Map), or had to be read and audited by people who do not
   read Python."""


def summary(nb) -> None:
    cell = nb.cells[_index(nb, "05-129")]
    questions = cell.source[cell.source.index("### Questions to check your understanding") :]
    if QUESTIONS.strip() not in questions:
        questions = questions.rstrip() + QUESTIONS
    cell.source = SUMMARY + "\n\n" + questions
    edit(nb, "05-answers", "\n\n</details>", "\n" + ANSWERS + "\n\n</details>")
    edit(
        nb,
        "05-reading",
        "  (inspection levels, mocks, state configuration).",
        "  (inspection levels, mocks, state configuration).\n"
        "- AWS, [Distributed Map](https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html),\n"
        "  [State transitions](https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html)\n"
        "  (how Distributed Map children are billed) and\n"
        "  [Step Functions quotas](https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html).\n"
        "- AWS, [Versions and aliases](https://docs.aws.amazon.com/step-functions/latest/dg/concepts-cd-aliasing-versioning.html)\n"
        "  and [Redriving executions](https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).\n"
        "- AWS, [Lambda durable functions](https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html)\n"
        "  and [Durable functions or Step Functions](https://docs.aws.amazon.com/lambda/latest/dg/durable-step-functions.html).",
    )


def main(path: Path = NOTEBOOK) -> None:
    nb = nbformat.read(path, as_version=4)
    for step in (
        title,
        reuse,
        jsonata_choice,
        integrations,
        intrinsics,
        dataflow,
        teststate,
        errors,
        map_state,
        callbacks,
        pricing,
        operations,
        exercises,
        summary,
    ):
        step(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
