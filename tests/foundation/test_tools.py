"""The notebook tools: anatomy lint, student copies, deterministic re-execution."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import lint_notebooks  # noqa: E402
import run_notebooks  # noqa: E402
import student_copy  # noqa: E402

TITLE = """# Lesson

**Learning objectives.**
- one
- two
- three

**Estimated time:** 5 minutes. **Prerequisites:** none.
"""


def _lesson(tmp_path: Path, *, solution_tags=("solution",), hidden=True, extra=()) -> Path:
    solution = new_code_cell("answer = 2", metadata={"tags": list(solution_tags)})
    if hidden:
        solution.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    cells = [
        new_markdown_cell(TITLE),
        new_code_cell("import course_lib as cl\ncl.setup(seed=1)"),
        new_markdown_cell("### Exercise 1\n\nWhat is 1 + 1?"),
        new_code_cell("answer = ..."),
        solution,
        new_code_cell('cl.exercises.check("00.1", answer)'),
        *extra,
        new_markdown_cell("## Summary\n\nDone."),
    ]
    for count, cell in enumerate((c for c in cells if c.cell_type == "code"), 1):
        cell.execution_count = count
    for cell in cells:
        cell.metadata["slideshow"] = {"slide_type": "slide" if cell.source.startswith("#") else "-"}
    path = tmp_path / "01_lesson.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_a_lesson_with_the_full_anatomy_passes(tmp_path):
    assert lint_notebooks.lint(_lesson(tmp_path)) == []


def test_an_untagged_or_visible_solution_is_reported(tmp_path):
    problems = lint_notebooks.lint(_lesson(tmp_path, solution_tags=(), hidden=False))
    assert any("tagged `solution`" in p for p in problems)
    assert any("jupyter.source_hidden" in p for p in problems)
    assert any("jupyter.outputs_hidden" in p for p in problems)


def test_a_solution_whose_output_shows_is_reported(tmp_path):
    path = _lesson(tmp_path)
    nb = nbformat.read(path, 4)
    nb.cells[4].metadata["jupyter"] = {"source_hidden": True}
    nbformat.write(nb, path)
    assert lint_notebooks.lint(path) == [
        "exercise 1: the solution cell must be collapsed (jupyter.outputs_hidden)"
    ]


def test_svg_stderr_and_errors_in_outputs_are_reported(tmp_path):
    bad = new_code_cell("x", execution_count=4)
    bad.outputs = [
        new_output("display_data", data={"image/svg+xml": "<svg/>", "text/plain": "<Figure>"}),
        new_output("stream", name="stderr", text="warning"),
        new_output("error", ename="ValueError", evalue="x", traceback=[]),
    ]
    problems = lint_notebooks.lint(_lesson(tmp_path, extra=[bad]))
    assert any("SVG" in p for p in problems)
    assert any("stderr" in p for p in problems)
    assert any("stores an error" in p for p in problems)


def test_cells_run_out_of_order_are_reported(tmp_path):
    path = _lesson(tmp_path, extra=[new_code_cell("x")])
    nb = nbformat.read(path, 4)
    nb.cells[-2].execution_count = 9
    nbformat.write(nb, path)
    problems = lint_notebooks.lint(path)
    assert any("out of order" in p for p in problems)


def test_missing_objectives_are_reported(tmp_path):
    path = _lesson(tmp_path)
    nb = nbformat.read(path, 4)
    nb.cells[0].source = "# Lesson\n\nNo objectives here."
    nbformat.write(nb, path)
    problems = lint_notebooks.lint(path)
    assert any("learning objectives" in p for p in problems)
    assert any("estimated time" in p for p in problems)


def test_cells_without_slide_metadata_are_reported(tmp_path):
    path = _lesson(tmp_path)
    nb = nbformat.read(path, 4)
    del nb.cells[2].metadata["slideshow"]
    nbformat.write(nb, path)
    assert any("slide metadata" in p for p in lint_notebooks.lint(path))


def test_student_copy_drops_solutions_and_outputs(tmp_path):
    original = nbformat.read(_lesson(tmp_path), 4)
    original.cells[1].outputs = [new_output("stream", name="stdout", text="hi")]
    student = student_copy.student_version(original)
    assert student_copy.problems(original, student) == []
    assert not any("solution" in student_copy.tags(c) for c in student.cells)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert "answer = ..." in [c.source for c in student.cells]


def test_student_copy_verification_catches_a_leaked_solution(tmp_path):
    original = nbformat.read(_lesson(tmp_path), 4)
    assert student_copy.problems(original, original)


WIDGET_LESSON = """\
import ipywidgets as w
from IPython.display import display

def show(x=3, kind="a"):
    print(f"{kind}: {x * x}")

panel = w.interactive(show, x=(0, 9, 1), kind=["a", "b"])
display(w.VBox([w.HTML("<b>squares</b>"), panel]))
"""


def test_re_execution_stores_widget_state_with_stable_names(tmp_path):
    path = tmp_path / "09_widgets.ipynb"
    cell = new_code_cell(WIDGET_LESSON, metadata={"tags": ["nbval-ignore-output"]})
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Widgets"), cell]), path)
    run_notebooks.execute(path)
    first = path.read_bytes()
    run_notebooks.execute(path)
    assert path.read_bytes() == first

    nb = nbformat.read(path, 4)
    state = nb.metadata.widgets[run_notebooks.WIDGET_STATE]["state"]
    [view] = [o.data[run_notebooks.WIDGET_VIEW] for o in nb.cells[1].outputs if "data" in o]
    assert view["model_id"] == "09_widgets-1" and view["model_id"] in state
    [shown] = [o.data["text/plain"] for o in nb.cells[1].outputs if "data" in o]
    assert shown == run_notebooks.WIDGET_TEXT  # not a repr where a widget cannot be drawn
    assert state["09_widgets-1"]["model_name"] == "VBoxModel"
    references = set(run_notebooks._references(state))
    assert references <= set(state)  # every reference resolves, nothing random is left
    assert all(name.startswith("09_widgets-1") for name in state)
    output = next(m["state"] for m in state.values() if m["model_name"] == "OutputModel")
    assert output["outputs"][0]["text"] == "a: 9\n"  # the first state, as a static render shows it


@pytest.mark.parametrize("name", ["00_start_here.ipynb"])
def test_re_execution_is_deterministic_to_the_byte(tmp_path, name):
    copy = tmp_path / name
    shutil.copy(ROOT / "notebooks" / name, copy)
    run_notebooks.execute(copy)
    first = copy.read_bytes()
    run_notebooks.execute(copy)
    assert copy.read_bytes() == first
