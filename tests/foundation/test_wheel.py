"""The course as a wheel: it carries its data, declares what it imports, and runs anywhere.

One wheel is built per test run (``pip wheel --no-deps``, offline with this venv's
setuptools) and installed into a fresh venv in a temporary folder; the checks run from
there, far from this repository, so nothing is found by accident through the working
directory.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
    )
    (found,) = out.glob("course_lib-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The python of a fresh venv holding the wheel; other packages come from this venv."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # A plain path entry (not a site dir): this venv's editable course is not seen there.
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [*PIP, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
    )
    return python


def _run(python: Path, code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_installed_wheel_runs_the_engines_and_finds_its_data_from_any_folder(
    installed, tmp_path
):
    out = _run(
        installed,
        """
import json
import course_lib, course_lib.events as ev
from course_lib.stepfunctions import execute
from course_lib.eventbridge import test_event_pattern
from course_lib.consistency.saga import order_saga_definition
from course_lib.coupling.facets import load_integrations

event = ev.example_event("PizzaBaked")
machine = json.loads((ev.data_dir() / "statemachines" / "choice_state.asl.json").read_text())
execution = execute({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, {"x": 1})
print(json.dumps({
    "module": course_lib.__file__,
    "data": str(ev.data_dir()),
    "detail_type": event.detail_type,
    "states": sorted(machine["States"]),
    "status": execution.status,
    "output": execution.output,
    "match": test_event_pattern({"detail-type": ["PizzaBaked"]}, event.to_json()),
    "saga": sorted(order_saga_definition()["States"])[:1],
    "integrations": len(load_integrations()) > 0,
}))
""",
        tmp_path,
    )
    seen = json.loads(out)
    assert not seen["module"].startswith(str(ROOT))
    assert seen["data"].endswith(os.path.join("course_lib", "data"))
    assert not seen["data"].startswith(str(ROOT))
    assert seen["detail_type"] == "PizzaBaked"
    assert seen["states"]
    assert (seen["status"], seen["output"], seen["match"]) == ("SUCCEEDED", {"x": 1}, True)
    assert seen["saga"] and seen["integrations"]


def test_the_wheel_holds_every_module_and_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py")} | {
        "course_lib/py.typed"
    }
    data = {
        "course_lib/data/" + p.relative_to(ROOT / "data").as_posix()
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(sources - names) == []
    assert sorted(data - names) == []


def test_the_wheel_metadata_is_modern_and_uncapped(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(meta).decode())
        licenses = [n for n in archive.namelist() if ".dist-info/licenses/" in n]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert licenses
    assert metadata["Requires-Python"] == ">=3.11"
    import course_lib

    assert metadata["Version"] == course_lib.__version__
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    core = [r for r in requires if not r.marker or "extra" not in str(r.marker)]
    # Nothing a browser cannot install among the core dependencies.
    for requirement in core:
        assert requirement.name not in ("jupyterlab", "ipykernel", "boto3", "moto")
        if requirement.name == "graphviz-pure":
            assert not requirement.marker.evaluate({"sys_platform": "emscripten"})
    assert {"lab", "aws", "test", "site"} <= set(metadata.get_all("Provides-Extra"))


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    # pyodide and js are the browser runtime's own modules, not packages to install.
    return found - set(sys.stdlib_module_names) - {"course_lib", "pyodide", "js"}


def _lesson_imports() -> set[str]:
    found = set()
    for notebook in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                code = "\n".join(ln for ln in lines if not ln.lstrip().startswith(("%", "!")))
                found |= _imports(code)
    return found


def _declared(names: list[str]) -> set[str]:
    return {Requirement(r).name.lower().replace("_", "-") for r in names}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    known = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in known.get(m, [m])} for m in modules}


def test_every_import_is_declared_core_for_lessons_aws_extra_for_live_cells():
    project = PYPROJECT["project"]
    core = _declared(project["dependencies"])
    aws = core | _declared(project["optional-dependencies"]["aws"])
    lessons = _lesson_imports()
    library = set()
    live = set()
    for path in (ROOT / "course_lib").rglob("*.py"):
        names = _imports(path.read_text())
        (live if "aws" in path.relative_to(ROOT).parts else library).update(names)
    missing = {
        module: dists
        for module, dists in _distributions(lessons | library).items()
        if not dists & core
    }
    missing |= {m: d for m, d in _distributions(live).items() if not d & aws}
    assert missing == {}
