"""Re-execute notebooks in place, top to bottom, so their stored outputs are the reference.

    python tools/run_notebooks.py                 # every lesson
    python tools/run_notebooks.py 05 06_eventbridge

Outputs are cleared first, the kernel runs in a hermetic environment with a fixed hash
seed and live-AWS mode off, timings and widget state are not stored: running it twice
gives the same bytes, which is what the notebook check (nbval) relies on.
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
    write(nb, path)
    return time.perf_counter() - started


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
