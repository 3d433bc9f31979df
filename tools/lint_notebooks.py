"""Check that every lesson follows the notebook anatomy in CONTRIBUTING.md.

    python tools/lint_notebooks.py [notebooks...]

Lessons (01 to 08) must have: a title cell with 3 to 5 learning objectives, the
estimated time and prerequisites; exactly one setup cell (the first code cell, calling
``cl.setup(seed=...)``); at least one exercise, each a ``### Exercise N`` prompt, a stub
cell, a solution cell tagged ``solution`` with its code and its output collapsed
(``jupyter.source_hidden`` and ``jupyter.outputs_hidden``) and a check cell; a summary. Every
notebook, the start page included, must store outputs nbval can compare: executed in
order, no SVG, nothing on stderr, no error unless the cell is tagged raises-exception,
and widget outputs tagged so nbval does not compare their ids, and slide metadata on
every cell so the lesson presents as a slideshow.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from notebook_tools import lesson_notebooks, read, tags

SETUP = re.compile(r"\bcl\.setup\(\s*seed\s*=")
EXERCISE = re.compile(r"^###\s+Exercise\s+(\d+)", re.M)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NBVAL_TAGS = {"nbval-ignore-output", "nbval-skip"}


def _title_problems(nb: nbformat.NotebookNode) -> list[str]:
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.startswith("# "):
        return ["the first cell must be a Markdown title (`# ...`)"]
    text = first.source
    found = []
    objectives = re.search(r"learning objectives(.*?)(\n#|\n\*\*|\Z)", text, re.I | re.S)
    bullets = len(re.findall(r"^\s*[-*]\s+\S", objectives.group(1), re.M)) if objectives else 0
    if not 3 <= bullets <= 5:
        found.append(f"the title cell needs 3 to 5 learning objectives (found {bullets})")
    if not re.search(r"estimated time", text, re.I):
        found.append("the title cell must give the estimated time")
    if not re.search(r"prerequisites", text, re.I):
        found.append("the title cell must list prerequisites")
    return found


def _setup_problems(nb: nbformat.NotebookNode) -> list[str]:
    code = [c for c in nb.cells if c.cell_type == "code"]
    setups = [i for i, c in enumerate(code) if SETUP.search(c.source)]
    if setups != [0]:
        return ["exactly one setup cell, the first code cell, must call cl.setup(seed=...)"]
    return []


def _exercise_problems(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    cells = nb.cells
    starts = [
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and EXERCISE.search(c.source)
    ]
    if not starts:
        return ["a lesson needs at least one `### Exercise N`"]
    for number, start in enumerate(starts, 1):
        label = EXERCISE.search(cells[start].source).group(1)
        if int(label) != number:
            found.append(
                f"exercise headings must be numbered 1, 2, ... (found {label} at {number})"
            )
        block = cells[start + 1 : start + 4]
        if len(block) < 3 or [c.cell_type for c in block] != ["code"] * 3:
            found.append(
                f"exercise {label}: expected a stub, a solution and a check cell after the prompt"
            )
            continue
        stub, solution, check = block
        if "solution" in tags(stub) or "..." not in stub.source:
            found.append(f"exercise {label}: the stub cell must leave `...` for the learner")
        if "solution" not in tags(solution):
            found.append(f"exercise {label}: the solution cell must be tagged `solution`")
        hidden = solution.get("metadata", {}).get("jupyter", {})
        for key in ("source_hidden", "outputs_hidden"):
            if hidden.get(key) is not True:
                found.append(
                    f"exercise {label}: the solution cell must be collapsed (jupyter.{key})"
                )
        if "exercises.check(" not in check.source:
            found.append(f"exercise {label}: the check cell must call cl.exercises.check(...)")
    return found


def _summary_problems(nb: nbformat.NotebookNode) -> list[str]:
    if any(
        c.cell_type == "markdown" and re.search(r"^#+\s+Summary", c.source, re.M) for c in nb.cells
    ):
        return []
    return ["a lesson needs a `## Summary` section"]


def _output_problems(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    expected = 1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index}"
        if cell.execution_count is None:
            if cell.source.strip() and "nbval-skip" not in tags(cell):
                found.append(f"{where} was not executed")
            continue
        if cell.execution_count != expected:
            found.append(
                f"{where} ran out of order (count {cell.execution_count}, expected {expected})"
            )
        expected = cell.execution_count + 1
        for output in cell.outputs:
            data = output.get("data", {})
            if "image/svg+xml" in data:
                found.append(f"{where} stores an SVG (render PNG)")
            if output.get("name") == "stderr":
                found.append(f"{where} printed to stderr")
            if output.get("output_type") == "error" and "raises-exception" not in tags(cell):
                found.append(f"{where} stores an error ({output.get('ename')})")
            if WIDGET_MIME in data and not tags(cell) & NBVAL_TAGS:
                found.append(f"{where} shows a widget but has no nbval-ignore-output tag")
            text = "".join(data.get("text/plain", "")) + "".join(output.get("text", ""))
            if re.search(r" at 0x[0-9a-f]{6,}", text):
                found.append(f"{where} stores a memory address")
    return found


SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


def _slide_problems(nb: nbformat.NotebookNode) -> list[str]:
    missing = [
        str(i)
        for i, cell in enumerate(nb.cells)
        if cell.get("metadata", {}).get("slideshow", {}).get("slide_type") not in SLIDE_TYPES
    ]
    if missing:
        return [f"cells without slide metadata (slideshow.slide_type): {', '.join(missing)}"]
    if nb.cells and nb.cells[0].metadata["slideshow"]["slide_type"] != "slide":
        return ["the first cell must start a slide"]
    return []


def lint(path: Path) -> list[str]:
    """Every anatomy problem in the notebook at ``path`` (empty when it is fine)."""
    nb = read(path)
    problems = _output_problems(nb) + _setup_problems(nb) + _slide_problems(nb)
    if not path.name.startswith("00_"):
        problems = _title_problems(nb) + problems + _exercise_problems(nb) + _summary_problems(nb)
    return problems


def main(argv: list[str] | None = None) -> int:
    failures = 0
    for path in lesson_notebooks(argv if argv is not None else sys.argv[1:]):
        problems = lint(Path(path))
        failures += bool(problems)
        for problem in problems:
            print(f"{path.name}: {problem}")
    print(f"notebook lint: {failures} notebook(s) with problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
