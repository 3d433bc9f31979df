"""Re-execute notebooks in place, top to bottom, so their stored outputs are the reference.

    python tools/run_notebooks.py                 # every lesson
    python tools/run_notebooks.py 05 06_eventbridge

Outputs are cleared first, the kernel runs in a hermetic environment with a fixed hash
seed and live-AWS mode off, timings and widget state are not stored, split prints are
merged and widget ids named after their cell: running it twice gives the same bytes,
which is what the notebook check (nbval) relies on and what keeps diffs small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

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
        )
        client.execute(env=hermetic_env(Path(home)))
    # Widget state holds random model ids: it would change on every run and adds nothing
    # a reader needs, since widgets come alive when the notebook runs.
    nb.metadata.pop("widgets", None)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = _stable_outputs(cell.outputs, f"{path.stem}-{index}")
    write(nb, path)
    return time.perf_counter() - started


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _stable_outputs(outputs: list, widget_id: str) -> list:
    """The same outputs, written the same way on every run.

    A print loop can arrive as one stream message or several, depending on timing; they
    are merged. A widget's model id is random; it is replaced by one named after the cell.
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
            output["data"][WIDGET_VIEW]["model_id"] = widget_id
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
