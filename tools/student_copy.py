"""Build the student copies: every `solution` cell removed, so the exercise stub stays.

    python tools/student_copy.py            # writes build/student/*.ipynb
    python tools/student_copy.py --verify   # builds, then checks every copy is sound
    python tools/student_copy.py --verify --execute   # ...and runs each copy top to bottom

A lesson's exercise is a prompt, a stub cell (``answer = ...``), a hidden solution cell
tagged ``solution`` and a check cell. Removing the solution leaves the stub, so the
check cell says "not answered yet" and a later cell that needs the answer stops with
"finish exercise N first" instead of a confusing traceback.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from notebook_tools import ROOT, hermetic_env, lesson_notebooks, read, tags, write

BUILD = ROOT / "build" / "student"
ALLOWED_ERRORS = ("ExerciseNotDone",)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without solution cells and without outputs."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if "solution" not in tags(cell)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def problems(original: nbformat.NotebookNode, student: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a student copy (empty when it is sound)."""
    found = []
    solutions = [c for c in original.cells if "solution" in tags(c)]
    leaked = [c for c in student.cells if "solution" in tags(c)]
    if leaked:
        found.append(f"{len(leaked)} solution cell(s) left in the copy")
    for cell in solutions:
        if any(
            cell.source.strip() and cell.source.strip() == c.source.strip() for c in student.cells
        ):
            found.append("a solution's source still appears in the copy")
    if any(c.cell_type == "code" and c.outputs for c in student.cells):
        found.append("outputs were not cleared")
    expected = len(original.cells) - len(solutions)
    if len(student.cells) != expected:
        found.append(f"expected {expected} cells, found {len(student.cells)}")
    return found


def execute_copy(nb: nbformat.NotebookNode, folder: Path) -> list[str]:
    """Run a student copy; errors other than 'finish exercise N first' are problems.

    Cells tagged ``raises-exception`` show an error on purpose, as in the full lesson.
    """
    nb = copy.deepcopy(nb)
    with tempfile.TemporaryDirectory() as home:
        client = NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        )
        try:
            client.execute(env=hermetic_env(Path(home)))
        except CellExecutionError as error:  # pragma: no cover - allow_errors keeps going
            return [str(error)]
    bad = []
    for index, cell in enumerate(nb.cells):
        if "raises-exception" in tags(cell):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") not in ALLOWED_ERRORS:
                bad.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--verify", action="store_true", help="check every copy is sound")
    parser.add_argument("--execute", action="store_true", help="with --verify: run each copy")
    parser.add_argument("--out", type=Path, default=BUILD)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in lesson_notebooks(args.notebooks):
        original = read(path)
        student = student_version(original)
        target = args.out / path.name
        write(student, target)
        if not args.verify:
            print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            continue
        found = problems(original, student)
        if args.execute and not found:
            found = execute_copy(student, path.parent)
        failures += bool(found)
        status = "ok" if not found else "; ".join(found)
        print(f"{path.name}: {status}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
