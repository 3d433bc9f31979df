"""Re-execute notebooks in place, top to bottom, so their stored outputs are the reference.

    python tools/run_notebooks.py                 # every lesson
    python tools/run_notebooks.py 05 06_eventbridge

Outputs are cleared first, the kernel runs in a hermetic environment with a fixed hash
seed and live-AWS mode off, timings are not stored, split prints are merged, and the
widgets' state is stored with every model named after the cell that shows it: running
it twice gives the same bytes, which is what the notebook check (nbval) relies on and
what keeps diffs small. The stored state lets a static render (nbviewer, the course
site) draw each "Try it" control in its first state instead of a bare repr.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from notebook_tools import hermetic_env, lesson_notebooks, read, write


def execute(path: Path, *, timeout: int = 600) -> float:
    """Run one notebook in place; return the wall time in seconds."""
    nb = read(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as home:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            record_timing=False,
            store_widget_state=True,
        )
        client.execute(env=hermetic_env(Path(home)))
    names = _stable_widget_state(nb, path.stem)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _stable_outputs(cell.outputs, names)
    write(nb, path)
    return time.perf_counter() - started


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_REF = "IPY_MODEL_"
#: What a reader sees where a widget cannot be drawn (GitHub, an untrusted notebook),
#: instead of its repr; nbval does not compare widget cells (nbval-ignore-output).
WIDGET_TEXT = "Interactive controls: run the notebook to use them."


def _references(value: Any) -> Iterator[str]:
    """The model ids a widget's state points to, in the order they appear."""
    if isinstance(value, str) and value.startswith(MODEL_REF):
        yield value[len(MODEL_REF) :]
    elif isinstance(value, dict):
        if WIDGET_VIEW in value:
            yield value[WIDGET_VIEW]["model_id"]
        for key in sorted(value):
            yield from _references(value[key])
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith(MODEL_REF):
        return MODEL_REF + names.get(value[len(MODEL_REF) :], value[len(MODEL_REF) :])
    if isinstance(value, dict):
        renamed = {key: _renamed(item, names) for key, item in value.items()}
        if view := renamed.get(WIDGET_VIEW):
            view["model_id"] = names.get(view["model_id"], view["model_id"])
        return renamed
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return value


def _stable_widget_state(nb: nbformat.NotebookNode, stem: str) -> dict[str, str]:
    """Keep the widgets' state with stable model names; return the old id -> name map.

    A model's id is random; each shown widget becomes ``<stem>-<cell>`` and the models it
    refers to (controls, layouts, styles, outputs) ``<stem>-<cell>-<n>``, in the order
    they are reached. Models no shown widget reaches are dropped.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    names: dict[str, str] = {}

    def visit(model_id: str, prefix: str) -> None:
        if model_id in names or model_id not in state:
            return
        count = sum(name.startswith(prefix) for name in names.values())
        names[model_id] = prefix if not count else f"{prefix}-{count}"
        for reference in _references(state[model_id]):
            visit(reference, prefix)

    for index, cell in enumerate(nb.cells):
        for reference in _references(list(cell.get("outputs", []))):
            visit(reference, f"{stem}-{index}")
    if not names:
        nb.metadata.pop("widgets", None)
        return names
    nb.metadata["widgets"] = {
        WIDGET_STATE: {
            "state": {names[old]: _renamed(state[old], names) for old in names},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return names


def _stable_outputs(outputs: list, names: dict[str, str]) -> list:
    """The same outputs, written the same way on every run.

    A print loop can arrive as one stream message or several, depending on timing; they
    are merged. A widget's random model id is replaced by its stable name, and its repr
    by a sentence.
    """
    stable: list = []
    for output in outputs:
        previous = stable[-1] if stable else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
            continue
        if WIDGET_VIEW in output.get("data", {}):
            view = output["data"][WIDGET_VIEW]
            view["model_id"] = names.get(view["model_id"], view["model_id"])
            output["data"]["text/plain"] = WIDGET_TEXT
        stable.append(output)
    return stable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="paths or name prefixes (default: all)")
    args = parser.parse_args(argv)
    for path in lesson_notebooks(args.notebooks):
        seconds = execute(path)
        print(f"executed {path.name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
