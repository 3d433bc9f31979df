"""How long the browser edition takes before the first lesson's engines answer, in Chromium.

    python benchmarks/bench_browser_start.py [--mbit 10] [--runs 3]

One local folder serves Pyodide's runtime (the npm package the tests pin) and the wheels
of the JupyterLite site (``make lite``). In headless Chromium, each run loads Pyodide,
installs the course and what it needs with micropip (what the first cell of every lesson
does), imports it and runs one Step Functions execution. It is done with the site's
split botocore (the models the course reads, about 3 MB) and, as the peer, with the whole
botocore wheel (17.5 MB), on this machine's loopback and on a link throttled to ``--mbit``
by Chromium's network emulation (one learner's share of a crowded workshop Wi-Fi).

Not in the figures: JupyterLab's own start, and numpy and matplotlib, which a lesson's
plots load from Pyodide's CDN (unreachable where the course is tested).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import browser_wheels  # noqa: E402
import build_lite  # noqa: E402

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PAGE = """<!doctype html><meta charset="utf-8"><title>start</title>
<script src="pyodide/pyodide.js"></script>"""
#: Load Pyodide, install the wheels listed in ``<set>/wheels.txt``, then run the engine.
MEASURE = """async ([set, micropipWheel]) => {
  const t0 = performance.now();
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", location).href });
  const t1 = performance.now();
  await pyodide.loadPackage(new URL(micropipWheel, location).href, { messageCallback: () => {} });
  const names = (await (await fetch(`${set}/wheels.txt`)).text()).trim().split("\\n");
  const micropip = pyodide.pyimport("micropip");
  await micropip.install.callKwargs(names.map((n) => new URL(`${set}/${n}`, location).href),
                                    { deps: false });
  const t2 = performance.now();
  const status = await pyodide.runPythonAsync(`
import course_lib
from course_lib.stepfunctions import execute
definition = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Wait", "Seconds": 3600, "Next": "C"},
    "C": {"Type": "Choice", "Choices": [
        {"Variable": "$.a", "NumericEquals": 1, "Next": "D"}], "Default": "E"},
    "D": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, 41)"}, "Next": "E"},
    "E": {"Type": "Succeed"}}}
execute(definition, {}).status
`);
  const t3 = performance.now();
  return { status, pyodide: (t1 - t0) / 1000, install: (t2 - t1) / 1000, run: (t3 - t2) / 1000 };
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _folder(work: Path) -> tuple[Path, str]:
    """The served folder: the page, Pyodide, micropip, and the two sets of wheels."""
    shutil.copytree(browser_wheels.runtime(), work / "pyodide")
    (work / "index.html").write_text(PAGE)
    package = browser_wheels.runtime()
    micropip = browser_wheels.pyodide_distribution(package)["micropip"]
    cache = ROOT / "build" / "pyodide" / "wheels"
    (micropip_wheel,) = browser_wheels.download([f"micropip=={micropip}"], cache)
    shutil.copy(micropip_wheel, work)
    split = build_lite.site_wheels(work / "split")
    whole = work / "whole"
    whole.mkdir()
    for wheel in split:
        if not wheel.name.startswith(("botocore-", "course_botocore_models-")):
            shutil.copy(wheel, whole)
    (whole_botocore,) = browser_wheels.download(["botocore"], cache)
    shutil.copy(whole_botocore, whole)
    for folder in (work / "split", whole):
        names = sorted(p.name for p in folder.glob("*.whl"))
        if folder.name == "split":  # the site installs the first botocore wheel only
            names = [n for n in names if not n.startswith("course_botocore_models-")]
        (folder / "wheels.txt").write_text("\n".join(names) + "\n")
    return work, micropip_wheel.name


def _megabytes(folder: Path) -> float:
    names = (folder / "wheels.txt").read_text().split()
    return sum((folder / name).stat().st_size for name in names) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbit", type=float, default=10.0, help="throttled link, Mbit/s")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    executable = next(filter(None, map(shutil.which, BROWSERS)), None)
    with tempfile.TemporaryDirectory() as tmp:
        folder, micropip_wheel = _folder(Path(tmp))
        handler = functools.partial(_Quiet, directory=folder)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        sizes = {name: _megabytes(folder / name) for name in ("split", "whole")}
        print(
            f"course install download: split {sizes['split']:.1f} MB, whole {sizes['whole']:.1f} MB"
        )
        results: dict[tuple[str, str], list[dict]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox"]
            )
            for network in ("loopback", f"{args.mbit:g} Mbit/s"):
                for wheels in ("split", "whole"):
                    for _ in range(args.runs):
                        context = browser.new_context()  # a cold cache every run
                        page = context.new_page()
                        if network != "loopback":
                            cdp = context.new_cdp_session(page)
                            cdp.send("Network.enable")
                            cdp.send(
                                "Network.emulateNetworkConditions",
                                {
                                    "offline": False,
                                    "latency": 40,
                                    "downloadThroughput": args.mbit * 1e6 / 8,
                                    "uploadThroughput": args.mbit * 1e6 / 8,
                                },
                            )
                        page.goto(base)
                        page.set_default_timeout(600_000)
                        found = page.evaluate(MEASURE, [wheels, micropip_wheel])
                        assert found["status"] == "SUCCEEDED", found
                        results.setdefault((network, wheels), []).append(found)
                        context.close()
            browser.close()
        server.shutdown()
    print(f"median of {args.runs} cold runs each, seconds (Chromium, headless)")
    print(f"{'network':>16} {'botocore':>8} {'pyodide':>8} {'install':>8} {'run':>6} {'total':>7}")
    for (network, wheels), runs in results.items():
        parts = {k: statistics.median(r[k] for r in runs) for k in ("pyodide", "install", "run")}
        total = statistics.median(r["pyodide"] + r["install"] + r["run"] for r in runs)
        print(
            f"{network:>16} {wheels:>8} {parts['pyodide']:8.2f} {parts['install']:8.2f} "
            f"{parts['run']:6.2f} {total:7.2f}"
        )
    for network in ("loopback", f"{args.mbit:g} Mbit/s"):
        split, whole = (
            statistics.median(r["pyodide"] + r["install"] + r["run"] for r in results[(network, w)])
            for w in ("split", "whole")
        )
        print(f"{network}: the split botocore starts {whole / split:.2f}x as fast as the whole")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
