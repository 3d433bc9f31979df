"""Shared helpers for the notebook scripts in this folder."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def lesson_notebooks(names: list[str] | None = None) -> list[Path]:
    """The course notebooks in order, or the ones named (paths or stems)."""
    if not names:
        return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    found = []
    for name in names:
        path = Path(name)
        if not path.exists():
            path = NOTEBOOKS / (name if name.endswith(".ipynb") else f"{name}.ipynb")
        if not path.exists():
            matches = sorted(NOTEBOOKS.glob(f"{name}*.ipynb"))
            if len(matches) != 1:
                raise SystemExit(f"no single notebook matches {name!r}")
            path = matches[0]
        found.append(path.resolve())
    return found


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n")


def tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def hermetic_env(home: Path) -> dict[str, str]:
    """Environment for a kernel that must not read or write the user's Jupyter state."""
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }.items():
        folder = home / sub
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    env["PYTHONHASHSEED"] = "0"
    env["COURSE_PROGRESS_FILE"] = str(home / "progress.json")
    for var in ("COURSE_LIVE_AWS", "COURSE_AWS_ENDPOINT_URL"):
        env.pop(var, None)
    return env
