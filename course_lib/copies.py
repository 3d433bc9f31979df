"""The learner's own copies of the lessons in ``work/``: made once, never overwritten.

A learner copy is a reference notebook with every ``solution`` cell removed (the stub
before it stays) and no output that could give an answer away: check cells, cells that
use an exercise's answer and widget placeholders are cleared, while the pictures and
printouts of teaching cells stay, so a lesson reads well before anything runs.
:func:`make_work` creates missing copies and brings upstream changes into existing ones,
keeping every cell the learner edited (matched by cell id) and a dated backup of the old
file. Instructor copies (``make student``) are the same notebooks with every output
cleared. Notebooks are handled as plain JSON, so this works wherever the course runs.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

Notebook = dict[str, Any]
Cell = dict[str, Any]

ROOT = Path(__file__).resolve().parents[1]
#: The manifest in a folder of learner copies: what each copy was made from. Its
#: presence is also what marks the folder as a learner's (progress is recorded there).
MANIFEST = ".course-work.json"
BACKUPS = "backups"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_CHECK = re.compile(r"\bexercises\.(check|require)\(")


def reference_folder() -> Path:
    """The reference notebooks: ``notebooks/`` beside the package, else in the current folder."""
    for root in (ROOT, Path.cwd()):
        if (root / "notebooks").is_dir():
            return root / "notebooks"
    raise FileNotFoundError(
        "the reference notebooks (notebooks/*.ipynb) were not found: run this from the "
        "course folder, or pass the folder that holds them"
    )


def reference_notebooks(folder: Path | None = None) -> list[Path]:
    """The lessons in order: ``NN_name.ipynb`` files of the reference folder."""
    folder = folder or reference_folder()
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no lessons (NN_name.ipynb) in {folder}")
    return found


def read(path: Path) -> Notebook:
    """A notebook as JSON; raises ValueError when the file is not a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name}: not a notebook (no list of cells)")
    return nb


def dumps(nb: Notebook) -> str:
    """The notebook written the way Jupyter writes it, so saving it again changes nothing."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def source(cell: Cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def tags(cell: Cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def is_solution(cell: Cell) -> bool:
    return "solution" in tags(cell)


# -- what a learner copy holds -------------------------------------------------------------------


def _answer_names(stub: Cell) -> set[str]:
    """The names an exercise stub assigns (``answer = ...``): later cells using them depend on it."""
    try:
        tree = ast.parse(source(stub))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {
                t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)
            }
    return names


def _uses(cell: Cell, names: set[str]) -> bool:
    if not names:
        return False
    try:
        tree = ast.parse(source(cell))
    except SyntaxError:
        return any(re.search(rf"\b{re.escape(n)}\b", source(cell)) for n in names)
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def _gives_away(cell: Cell, answers: set[str]) -> bool:
    """Whether a code cell's stored output could show an answer or means nothing unrun."""
    if _CHECK.search(source(cell)) or _uses(cell, answers):
        return True
    return any(WIDGET_VIEW in output.get("data", {}) for output in cell.get("outputs", []))


def learner_version(nb: Notebook, *, keep_outputs: bool = True) -> Notebook:
    """``nb`` without solution cells, and without any output that could give an answer away.

    ``keep_outputs=False`` clears every output (the instructor's student copies).
    """
    nb = copy.deepcopy(nb)
    cells = nb["cells"]
    answers: set[str] = set()  # names the exercises seen so far ask the learner to assign
    kept = []
    for index, cell in enumerate(cells):
        if is_solution(cell):
            continue
        following = cells[index + 1] if index + 1 < len(cells) else {}
        if is_solution(following):
            answers |= _answer_names(cell)
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            if not keep_outputs or _gives_away(cell, answers):
                cell["outputs"] = []
            for output in cell["outputs"]:
                if "execution_count" in output:
                    output["execution_count"] = None
        kept.append(cell)
    nb["cells"] = kept
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def _output_texts(cell: Cell) -> Iterator[str]:
    for output in cell.get("outputs", []):
        if "text" in output:
            yield "".join(output["text"])
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/"):
                yield "".join(value)


def leaks(reference: Notebook, learner: Notebook) -> list[str]:
    """How ``learner`` gives a solution of ``reference`` away (empty when it does not)."""
    found = []
    solutions = [c for c in reference["cells"] if is_solution(c)]
    if any(is_solution(c) for c in learner["cells"]):
        found.append("a solution cell is left in the copy")
    sources = {source(c).strip() for c in learner["cells"]}
    if any(source(c).strip() and source(c).strip() in sources for c in solutions):
        found.append("a solution's source still appears in the copy")
    shown = "\n".join(text for c in learner["cells"] for text in _output_texts(c))
    for cell in solutions:
        for text in _output_texts(cell):
            if len(text.strip()) > 4 and text.strip() in shown:
                found.append(f"a solution's output is shown: {text.strip()[:60]!r}")
    if "✅ Exercise" in shown:
        found.append("a passed check is shown")
    return found


# -- solutions on demand ---------------------------------------------------------------------------


def solution_source(exercise_id: str, folder: Path | None = None) -> tuple[Path, str]:
    """The reference solution of ``exercise_id`` (``"05.3"``): its notebook and its code."""
    lesson = exercise_id.split(".", 1)[0]
    paths = sorted((folder or reference_folder()).glob(f"{lesson}_*.ipynb"))
    if not paths:
        raise KeyError(f"no lesson {lesson!r} among the reference notebooks")
    cells = read(paths[0])["cells"]
    check = re.compile(rf"""exercises\.check\(\s*["']{re.escape(exercise_id)}["']""")
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and check.search(source(cell)):
            before = [c for c in cells[max(0, index - 3) : index] if is_solution(c)]
            if before:
                return paths[0], source(before[-1])
    raise KeyError(f"no solution for exercise {exercise_id!r} in {paths[0].name}")


# -- making and updating the copies ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What :func:`make_work` did to one lesson; printed as one line."""

    lesson: str
    action: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.lesson:<26} {self.action}" + (f": {self.detail}" if self.detail else "")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cell_digests(nb: Notebook) -> dict[str, str]:
    return {c["id"]: _digest(source(c)) for c in nb["cells"] if isinstance(c.get("id"), str)}


def _edited(cell: Cell, base: dict[str, str] | None, fresh: dict[str, Cell]) -> bool:
    """Whether the learner changed (or added) ``cell`` since their copy was made."""
    cell_id = cell.get("id")
    if base is not None and cell_id in base:
        return _digest(source(cell)) != base[cell_id]
    if cell_id in fresh:  # no record of what the copy was made from: any difference is theirs
        return source(cell) != source(fresh[cell_id])
    return True  # a cell the learner added


def merge(mine: Notebook, fresh: Notebook, base: dict[str, str] | None) -> tuple[Notebook, int]:
    """The new upstream version ``fresh`` with every cell the learner edited or added kept.

    ``base`` maps cell ids to digests of the sources the learner's copy was made with
    (None when unknown). Edited cells keep their source and outputs; a cell the learner
    added stays after the cell it followed. Returns the notebook and how many cells of
    the learner's it kept.
    """
    by_id = {c["id"]: c for c in fresh["cells"] if isinstance(c.get("id"), str)}
    mine_cells = [c for c in mine["cells"] if isinstance(c, dict)]
    theirs = [c for c in mine_cells if _edited(c, base, by_id)]
    replaced = {c.get("id"): c for c in theirs if c.get("id") in by_id}
    cells = [replaced.get(c.get("id"), c) for c in fresh["cells"]]
    placed = {id(c) for c in cells}
    previous: Cell | None = None
    for cell in mine_cells:
        if id(cell) not in placed and any(cell is c for c in theirs):
            at = next((i + 1 for i, c in enumerate(cells) if c is previous), 0)
            cells.insert(at, cell)
            placed.add(id(cell))
            previous = cell
        elif (counterpart := replaced.get(cell.get("id")) or by_id.get(cell.get("id"))) is not None:
            previous = counterpart
    merged = copy.deepcopy(fresh)
    merged["cells"] = copy.deepcopy(cells)
    return merged, len(theirs)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%d_%H%M%S")


def _set_aside(path: Path, backups: Path, label: str) -> Path:
    """Move ``path`` into ``backups`` under a dated name that no other file has."""
    backups.mkdir(exist_ok=True)
    target = backups / f"{path.stem}.{label}{path.suffix}"
    number = 1
    while target.exists():
        number += 1
        target = backups / f"{path.stem}.{label}-{number}{path.suffix}"
    path.replace(target)
    return target


def _load_manifest(work: Path) -> dict[str, Any]:
    try:
        data = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"lessons": {}}
    return data if isinstance(data.get("lessons"), dict) else {"lessons": {}}


def make_work(
    work: Path | None = None,
    references: Iterable[Path] | None = None,
    *,
    now: datetime | None = None,
) -> list[Outcome]:
    """Create or update the learner copies in ``work``; one :class:`Outcome` per lesson.

    Never overwrites a learner's work: a copy whose lesson changed upstream gets the new
    version with every cell the learner edited kept, and the old file goes to
    ``work/backups/`` under a dated name; a copy that is not valid JSON is set aside
    there too (never deleted) and made afresh; a deleted copy is made again.
    """
    work = work or ROOT / "work"
    references = list(references) if references is not None else reference_notebooks()
    now = now or datetime.now()
    work.mkdir(parents=True, exist_ok=True)
    backups = work / BACKUPS
    manifest = _load_manifest(work)
    outcomes = []
    for reference in references:
        fresh = learner_version(read(reference))
        text = dumps(fresh)
        target = work / reference.name
        entry = manifest["lessons"].get(reference.name)
        outcome = _update(target, fresh, text, entry, backups, now)
        manifest["lessons"][reference.name] = {
            "made_from": _digest(text),
            "cells": _cell_digests(fresh),
        }
        outcomes.append(outcome)
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return outcomes


def _update(
    target: Path,
    fresh: Notebook,
    text: str,
    entry: dict[str, Any] | None,
    backups: Path,
    now: datetime,
) -> Outcome:
    name = target.name
    if not target.exists():
        target.write_text(text, encoding="utf-8")
        return Outcome(name, "created" if entry is None else "re-created (it was missing)")
    try:
        mine = read(target)
    except (OSError, ValueError, UnicodeDecodeError):
        aside = _set_aside(target, backups, f"not-json-{_stamp(now)}")
        target.write_text(text, encoding="utf-8")
        return Outcome(
            name,
            "was not a readable notebook",
            f"set aside as {aside.parent.name}/{aside.name}, made a fresh copy",
        )
    if entry is not None and entry.get("made_from") == _digest(text):
        return Outcome(name, "yours, up to date")
    merged, kept = merge(mine, fresh, entry.get("cells") if entry else None)
    if dumps(merged) == dumps(mine):
        return Outcome(name, "yours, up to date", "the new version changes only cells you edited")
    aside = _set_aside(target, backups, _stamp(now))
    target.write_text(dumps(merged), encoding="utf-8")
    return Outcome(
        name,
        "updated to the new version",
        f"kept {kept} cell(s) you edited, old copy in {aside.parent.name}/{aside.name}",
    )


def is_work_folder(folder: Path) -> bool:
    """Whether ``folder`` holds learner copies made by :func:`make_work`."""
    return (folder / MANIFEST).is_file()
