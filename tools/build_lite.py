"""Build the course as a JupyterLite site in build/lite: every lesson runs in the browser.

Nothing is installed on the learner's machine: the site is static files (any web server,
GitHub Pages), and each notebook runs in Pyodide, CPython compiled to WebAssembly. The
site carries the course wheel and the wheels of its dependencies that Pyodide's own
distribution lacks (``tools/browser_wheels.py``), botocore among them with only the API
models the course reads (the rest is a second wheel, installed on demand); the first cell
of each lesson installs the course from them. The lessons are the learner copies (no solution cells), with their
"On AWS" sections cut to a one-line note, since a browser tab cannot reach an AWS account.
The build itself runs offline once the wheels are cached.

    python tools/build_lite.py [--output build/lite]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import browser_wheels

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.copies import MANIFEST, learner_version  # noqa: E402

OUTPUT = ROOT / "build" / "lite"
STAGE = ROOT / "build" / "lite-src"
KERNEL_PYPI = "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"

INSTALL_SOURCE = (
    "# In the browser: install the course into this tab's Python from the site's own files.\n"
    "%pip install -q course-lib"
)
AWS_NOTE = (
    "This section runs on a real AWS account, which a browser tab cannot reach. To run it, "
    "open the course in JupyterLab on your own machine (see the course README)."
)
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: JupyterLite settings: no news or update checks (the site is offline-first), and the
#: kernel installs packages only from this site and Pyodide's own distribution.
LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": "Serverless Specialist, Week 2",
        # window.jupyterapp: the workflow's browser check reads the notebook model through it.
        "exposeAppInBrowser": True,
        "litePluginSettings": {
            "@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}
        },
    },
}
SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}


def _source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return text if isinstance(text, str) else "".join(text)


def _markdown(text: str, cell_id: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def without_live_aws(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cells with each "## On AWS" section reduced to its heading and a one-line note."""
    kept: list[dict[str, Any]] = []
    skipping = False
    for cell in cells:
        text = _source(cell)
        heading = cell.get("cell_type") == "markdown" and text.startswith("## ")
        if heading:
            skipping = text.startswith("## On AWS")
            if skipping:
                title = text.splitlines()[0]
                kept.append(_markdown(f"{title}\n\n{AWS_NOTE}", cell.get("id", "on-aws")))
                continue
        if not skipping:
            kept.append(cell)
    return kept


def browser_notebook(reference: dict[str, Any]) -> dict[str, Any]:
    """The learner copy of a lesson, made to run in the browser (see the module docstring)."""
    nb = learner_version(reference)
    cells = without_live_aws(nb["cells"])
    first_code = next(i for i, cell in enumerate(cells) if cell.get("cell_type") == "code")
    install = {
        "cell_type": "code",
        "id": "install-course",
        "execution_count": None,
        "metadata": {"tags": ["browser-install"]},
        "outputs": [],
        "source": INSTALL_SOURCE,
    }
    nb["cells"] = [*cells[:first_code], install, *cells[first_code:]]
    nb["metadata"]["kernelspec"] = dict(KERNELSPEC)
    nb["metadata"].get("language_info", {}).pop("version", None)
    return nb


def site_wheels(dest: Path) -> list[Path]:
    """The course wheel and every wheel it needs that the browser kernel does not bring."""
    package = browser_wheels.runtime()
    provided = set(browser_wheels.pyodide_distribution(package))
    kernel_pypi = Path(sys.prefix) / KERNEL_PYPI / "all.json"
    provided |= {browser_wheels.normalise(name) for name in json.loads(kernel_pypi.read_text())}
    needed = browser_wheels.requirements_closure(["course-lib"]) - provided - {"course-lib"}
    dest.mkdir(parents=True, exist_ok=True)
    wheels = [browser_wheels.course_wheel(dest)]
    for wheel in browser_wheels.download(sorted(needed), ROOT / "build" / "pyodide" / "wheels"):
        if wheel.name.startswith("botocore-"):
            # The first cell downloads 3 MB of botocore instead of 17.5 MB; the rest of its
            # models wait in the site for whoever mocks a service the course does not use.
            wheels.extend(browser_wheels.split_botocore(wheel, dest))
        else:
            wheels.append(Path(shutil.copy(wheel, dest)))
    return wheels


def stage(stage_dir: Path) -> tuple[Path, list[Path]]:
    """Write the site's sources: the lessons (``files/``), wheels, config and settings."""
    shutil.rmtree(stage_dir, ignore_errors=True)
    files = stage_dir / "files"
    files.mkdir(parents=True)
    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in lessons:
        nb = browser_notebook(json.loads(path.read_text(encoding="utf-8")))
        (files / path.name).write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    # Marks the folder as the learner's copies, so passed exercises are recorded, in the
    # browser's own storage (the kernel's /drive). Empty: no update merges into them later.
    (files / MANIFEST).write_text(json.dumps({"lessons": {}}) + "\n", encoding="utf-8")
    (stage_dir / "jupyter-lite.json").write_text(json.dumps(LITE_CONFIG, indent=1) + "\n")
    # The manifest is a dotfile: index it so the kernel sees it.
    build_config = {"ContentsManager": {"allow_hidden": True}}
    (stage_dir / "jupyter_lite_config.json").write_text(json.dumps(build_config) + "\n")
    (stage_dir / "overrides.json").write_text(json.dumps(SETTINGS, indent=1) + "\n")
    return files, site_wheels(stage_dir / "wheels")


def _lite(action: str, output: Path, stage_dir: Path, wheels: list[Path]) -> None:
    """``jupyter lite <action>`` on the staged sources; its output is shown only on failure."""
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lite",
        action,
        *("--lite-dir", str(stage_dir), "--contents", str(stage_dir / "files")),
        *("--settings-overrides", str(stage_dir / "overrides.json")),
        *("--output-dir", str(output), "--no-sourcemaps"),
    ]
    for wheel in wheels:
        command += ["--piplite-wheels", str(wheel)]
    done = subprocess.run(command, cwd=stage_dir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"jupyter lite {action} failed:\n{done.stdout[-4000:]}{done.stderr}")


def build(output: Path = OUTPUT, stage_dir: Path = STAGE) -> Path:
    """Build the site into ``output``; return it."""
    _files, wheels = stage(stage_dir)
    shutil.rmtree(output, ignore_errors=True)
    _lite("build", output, stage_dir, wheels)
    return output


def check(output: Path = OUTPUT, stage_dir: Path = STAGE) -> None:
    """``jupyter lite check``: the built site's configuration against JupyterLite's schemas."""
    _lite("check", output, stage_dir, sorted((stage_dir / "wheels").glob("*.whl")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    site = build(args.output)
    check(args.output)
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"JupyterLite site in {site} ({size / 1e6:.1f} MB): serve it, open index.html")


if __name__ == "__main__":
    main()
