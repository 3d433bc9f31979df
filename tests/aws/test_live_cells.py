"""The notebooks' "On AWS" cells, run against the offline backend so they cannot rot.

For each notebook with cells tagged ``live-aws``, the first code cell (the setup cell),
every ``live-aws-setup`` cell and every ``live-aws`` cell run in notebook order in one
fresh namespace. They must raise nothing, leave no course resource behind, and call no
API the learner policy does not grant.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat
import pytest
from aws_helpers import ROOT, policy_actions, recorded_actions

import course_lib.aws as cl_aws

NOTEBOOKS = ROOT / "notebooks"
LIVE_TAG = "live-aws"
SETUP_TAG = "live-aws-setup"


def live_cells(path: Path) -> list[tuple[int, str]]:
    """(index, source) of the cells to run for ``path``; empty if it has no live cell."""
    notebook = nbformat.read(path, as_version=4)
    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    tagged = [(i, c) for i, c in code if {LIVE_TAG, SETUP_TAG} & set(c.metadata.get("tags", []))]
    if not any(LIVE_TAG in c.metadata.get("tags", []) for _, c in tagged):
        return []
    first = code[0]
    chosen = ([first] if first[0] not in {i for i, _ in tagged} else []) + tagged
    return [(i, cell.source) for i, cell in chosen]


def notebooks_with_live_cells() -> list[Path]:
    return [path for path in sorted(NOTEBOOKS.glob("*.ipynb")) if live_cells(path)]


PARAMS = [pytest.param(path, id=path.stem) for path in notebooks_with_live_cells()] or [
    pytest.param(
        None,
        marks=pytest.mark.skip(reason=f"no notebook cell is tagged {LIVE_TAG!r} yet"),
        id="no-live-cells",
    )
]


def run_live_cells(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the live cells of ``notebook`` offline, check what they leave; return their output."""
    monkeypatch.chdir(notebook.parent)
    namespace: dict[str, object] = {"__name__": "__main__"}
    output = io.StringIO()
    live = {
        i
        for i, c in enumerate(nbformat.read(notebook, as_version=4).cells)
        if LIVE_TAG in c.metadata.get("tags", [])
    }
    with recorded_actions(monkeypatch) as seen:
        for index, source in live_cells(notebook):
            # Only what live cells print must be masked; setup cells print local, fake ids.
            sink = output if index in live else io.StringIO()
            try:
                with contextlib.redirect_stdout(sink):
                    exec(compile(source, f"{notebook.name}[cell {index}]", "exec"), namespace)
            except NameError as exc:
                pytest.fail(
                    f"{notebook.name}, cell {index}: {exc}. Tag the cell that defines it "
                    f"{SETUP_TAG!r} (docs/live-aws.md, 'Tags on live cells')."
                )
    assert cl_aws.leftovers() == [], f"{notebook.name}: live cells left resources behind"
    assert "123456789012" not in output.getvalue()
    missing = sorted(seen - policy_actions())
    assert missing == [], f"{notebook.name} calls {missing}, not in the learner policy"
    return output.getvalue()


@pytest.mark.parametrize("notebook", PARAMS)
def test_live_cells_run_offline_and_leave_nothing_behind(notebook, monkeypatch):
    run_live_cells(notebook, monkeypatch)


LESSON_CELLS = [
    ("import course_lib as cl\ncl.setup(seed=5)", []),
    (
        "orders = {'StartAt': 'Bake', 'States': {'Bake': {'Type': 'Wait', 'Seconds': 600, "
        "'Next': 'Done'}, 'Done': {'Type': 'Pass', 'Result': {'dish': 'margherita'}, 'End': True}}}",
        [SETUP_TAG],
    ),
    ("raise AssertionError('cells without a live tag do not run')", []),
    (
        "import json\n"
        "with cl.aws.session('lesson05', creates=['role:orders', 'state-machine:orders'],\n"
        "                    usage={'sfn_standard_transitions': 3}) as aws:\n"
        "    sfn = aws.client('stepfunctions')\n"
        "    machine = sfn.create_state_machine(name=aws.name('orders'), "
        "definition=json.dumps(orders),\n"
        "                                       roleArn=aws.service_role('states', 'orders'))\n"
        "    run = sfn.start_execution(stateMachineArn=machine['stateMachineArn'])\n"
        "    aws.show(aws.wait_for_execution(run['executionArn']), keys=['status', 'output'])",
        [LIVE_TAG],
    ),
    ("cl.aws.cleanup('lesson05')", [LIVE_TAG]),
]


def test_a_lesson_shaped_live_section_runs_and_prints_the_same_every_time(tmp_path, monkeypatch):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in LESSON_CELLS
    ]
    path = tmp_path / "05_step_functions.ipynb"
    nbformat.write(notebook, path)
    first = run_live_cells(path, monkeypatch)
    assert first == run_live_cells(path, monkeypatch)
    assert first.splitlines()[2:] == [
        "{",
        '  "output": "{\\"dish\\": \\"margherita\\"}",',
        '  "status": "SUCCEEDED"',
        "}",
        "Deleted Step Functions state machine eda-course-lesson05-orders, IAM role "
        "eda-course-lesson05-orders.",
        "No course resources left in the offline account, region us-east-1.",
    ]


def test_cell_selection(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Lesson"),
        nbformat.v4.new_code_cell("import course_lib as cl"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("definition = '{}'", metadata={"tags": [SETUP_TAG]}),
        nbformat.v4.new_code_cell("cl.aws", metadata={"tags": [LIVE_TAG, "nbval-ignore-output"]}),
    ]
    path = tmp_path / "05_step_functions.ipynb"
    nbformat.write(notebook, path)
    assert [index for index, _ in live_cells(path)] == [1, 3, 4]
    notebook.cells[4].metadata["tags"] = []
    nbformat.write(notebook, path)
    assert live_cells(path) == []
