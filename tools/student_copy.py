"""Build the instructor's student copies: solutions removed, every output cleared.

    python tools/student_copy.py            # writes build/student/*.ipynb
    python tools/student_copy.py --verify   # builds, then checks every copy is sound
    python tools/student_copy.py --verify --execute   # ...and runs each copy top to bottom

The learner copies in ``work/`` (``python -m course_lib work``) come from the same code,
``course_lib.copies``; these differ only in having no outputs at all, for handing out.
Removing a solution leaves its stub, so the check cell says "not yet" and a later cell
that needs the answer stops with "finish exercise N first" instead of a traceback.
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

from course_lib.copies import leaks, learner_version

BUILD = ROOT / "build" / "student"
ALLOWED_ERRORS = ("ExerciseNotDone",)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without solution cells and without outputs."""
    return nbformat.from_dict(learner_version(nb, keep_outputs=False))


def problems(original: nbformat.NotebookNode, student: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a student copy (empty when it is sound)."""
    found = leaks(original, student)
    if any(c.cell_type == "code" and c.outputs for c in student.cells):
        found.append("outputs were not cleared")
    expected = len(original.cells) - sum("solution" in tags(c) for c in original.cells)
    if len(student.cells) != expected:
        found.append(f"expected {expected} cells, found {len(student.cells)}")
    return found


def run_copy(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Run a copy top to bottom the way *Run All* does; return it with its outputs.

    A cell whose run the kernel reports as failed would stop *Run All* in JupyterLab;
    here it raises CellExecutionError. Cells tagged ``raises-exception`` fail on purpose.
    """
    nb = copy.deepcopy(nb)
    with tempfile.TemporaryDirectory() as home:
        NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute(env=hermetic_env(Path(home)))
    return nb


def execute_copy(nb: nbformat.NotebookNode, folder: Path) -> list[str]:
    """Run a student copy; what would stop *Run All* or show a traceback is a problem.

    The only errors a copy may show are the one-line "finish exercise N first" stops.
    """
    try:
        nb = run_copy(nb, folder)
    except CellExecutionError as error:
        return [str(error).strip().splitlines()[-1]]
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
