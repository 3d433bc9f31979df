"""Open lessons of the built JupyterLite site in Chromium and run every cell.

    python tests/pyodide/browser_lite.py build/lite 05_step_functions 06_eventbridge

Needs Pyodide's CDN (the kernel loads CPython and numpy, matplotlib, IPython from it),
so the GitHub workflow runs it, not ``make test``. A lesson passes when every code cell
ran, the only errors are in cells tagged ``raises-exception``, and no diagram fell back
to DOT text. Prints how long the kernel, the install cell and the whole lesson took.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

#: The code cells of the open notebook: execution count, tags, outputs (as nbformat JSON).
READ_CELLS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    if (cell.type !== "code") continue;
    cells.push({
      count: cell.executionCount,
      tags: cell.getMetadata("tags") || [],
      outputs: cell.outputs.toJSON(),
    });
  }
  return cells;
}"""
OPEN_NOTEBOOK = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext) return false;
  await panel.sessionContext.ready;
  return !!panel.sessionContext.session?.kernel;
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def problems(cells: list[dict]) -> list[str]:
    """What went wrong in a run: cells that did not run, unexpected errors, DOT text."""
    found = []
    for number, cell in enumerate(cells):
        if cell["count"] is None:
            found.append(f"code cell {number} did not run")
        for output in cell["outputs"]:
            if output.get("output_type") == "error" and "raises-exception" not in cell["tags"]:
                found.append(f"code cell {number}: {output['ename']}: {output['evalue']}")
            text = "".join(output.get("data", {}).get("text/markdown", ""))
            if "No Graphviz renderer found" in text:
                found.append(f"code cell {number}: a diagram fell back to DOT text")
    return found


def run_lesson(page, base: str, lesson: str, timeout: float) -> list[str]:
    started = time.monotonic()
    page.goto(f"{base}/lab/index.html?path={lesson}.ipynb")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000
    )
    page.wait_for_function(OPEN_NOTEBOOK, timeout=300_000)
    kernel = time.monotonic() - started
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    install = None
    while time.monotonic() - started < timeout:
        cells = page.evaluate(READ_CELLS)
        if install is None and cells[0]["count"] is not None:
            install = time.monotonic() - started
        busy = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        )
        ran = all(cell["count"] is not None for cell in cells)
        stopped = any("did not run" not in problem for problem in problems(cells))
        if busy == "idle" and (ran or stopped):
            break
        time.sleep(0.5)
    total = time.monotonic() - started
    cells = page.evaluate(READ_CELLS)
    svgs = sum("image/svg+xml" in o.get("data", {}) for c in cells for o in c["outputs"])
    install_text = f"{install:.1f} s" if install is not None else "never"
    print(
        f"{lesson}: kernel ready {kernel:.1f} s, install cell done {install_text}, "
        f"all {len(cells)} code cells {total:.1f} s, {svgs} SVG diagrams"
    )
    return problems(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("lessons", nargs="+")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    executable = os.environ.get("CHROME") or next(filter(None, map(shutil.which, BROWSERS)), None)
    server, base = serve(args.site.resolve())
    failed = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        for lesson in args.lessons:
            page = browser.new_page()
            page.on("pageerror", lambda error: print(f"page error: {error}", file=sys.stderr))
            found = run_lesson(page, base, lesson, args.timeout)
            if found:
                failed[lesson] = found
            page.close()
        browser.close()
    server.shutdown()
    for lesson, found in failed.items():
        print(f"{lesson}:", *found, sep="\n  ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
