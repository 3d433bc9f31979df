"""A copy of the built JupyterLite site whose kernel starts offline, to measure and smoke-test it.

    python tools/lite_offline.py build/lite build/lite-offline --stand-ins 05_step_functions
    python tests/pyodide/browser_lite.py build/lite-offline 05_step_functions

The site's kernel loads Pyodide from Pyodide's CDN, which the machines the course is
tested on cannot reach. This copies the site and points the kernel at a Pyodide folder
inside the copy: the npm runtime the tests pin, plus the pure-Python wheels of Pyodide's
lock file, fetched from PyPI at the lock's versions (the lock's hashes are rewritten to
match the files; where PyPI lacks that version, the nearest newer one stands in and the
script says so). Compiled packages (numpy, matplotlib, rpds-py) exist only on the CDN:
with ``--stand-ins``, the lessons named get a cell after the install that puts
placeholders for numpy and matplotlib in ``sys.modules``, so they run until their first
plot. What such a copy measures is the kernel's start and the course's install, not a
whole lesson.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import browser_wheels
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "pyodide" / "lock-wheels"
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"
STAND_INS = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib.patches", "matplotlib.colors")


def _name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return browser_wheels.normalise(name), version


def _available(name: str) -> list[str]:
    """Versions of ``name`` the index offers as pure-Python wheels (pip's own listing)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--only-binary=:all:"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Available versions: (.*)", done.stdout)
    return [v.strip() for v in found.group(1).split(",")] if found else []


def _cached(name: str, version: str) -> Path | None:
    """The wheel of ``name`` at ``version`` from the cache, downloaded there if needed."""
    wanted = (browser_wheels.normalise(name), version)
    for attempt in range(2):
        found = [p for p in CACHE.glob("*-none-any.whl") if _name(p) == wanted]
        if found or attempt:
            return found[0] if found else None
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary=:all:", "--python-version", browser_wheels.PYTHON]
        command += ["-d", str(CACHE), f"{name}=={version}"]
        subprocess.run(command, capture_output=True, check=False)
    return None


def _wheel(name: str, version: str) -> Path | None:
    """The pure-Python wheel of ``name`` at ``version`` (or the nearest newer), cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    exact = _cached(name, version)
    if exact is not None:
        return exact
    newer = sorted((v for v in _available(name) if Version(v) > Version(version)), key=Version)
    for candidate in newer[:1]:
        wheel = _cached(name, candidate)
        if wheel is not None:
            print(f"{name}: PyPI has no {version}; {candidate} stands in")
        return wheel
    return None


def pyodide_folder(dest: Path) -> None:
    """Pyodide's runtime with every pure-Python package of its lock file beside it."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(browser_wheels.runtime(), dest)
    lock = json.loads((dest / "pyodide-lock.json").read_text())
    missing = []
    for entry in lock["packages"].values():
        if not entry["file_name"].endswith("-none-any.whl"):
            continue
        wheel = _wheel(entry["name"], entry["version"])
        if wheel is None:
            missing.append(entry["name"])
            continue
        data = wheel.read_bytes()
        (dest / entry["file_name"]).write_bytes(data)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
    (dest / "pyodide-lock.json").write_text(json.dumps(lock))
    if missing:
        print(f"not on PyPI, left out: {', '.join(sorted(missing))}")


def add_stand_ins(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    tags = [cell.get("metadata", {}).get("tags", []) for cell in nb["cells"]]
    after = next(i for i, t in enumerate(tags) if "browser-install" in t) + 1
    source = (
        "import sys\nfrom unittest import mock\n\n"
        "# numpy and matplotlib come from Pyodide's CDN, unreachable here\n"
        f"for name in {STAND_INS!r}:\n    sys.modules[name] = mock.MagicMock()"
    )
    cell = {"cell_type": "code", "id": "stand-ins", "execution_count": None}
    nb["cells"].insert(after, {**cell, "metadata": {}, "outputs": [], "source": source})
    notebook.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--stand-ins", nargs="*", default=[], metavar="LESSON")
    args = parser.parse_args()
    shutil.rmtree(args.output, ignore_errors=True)
    shutil.copytree(args.site, args.output)
    pyodide_folder(args.output / "pyodide")
    config_path = args.output / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"].setdefault(KERNEL, {})
    settings["pyodideUrl"] = "../pyodide/pyodide.mjs"  # resolved against lab/index.html
    config_path.write_text(json.dumps(config, indent=1) + "\n")
    for lesson in args.stand_ins:
        add_stand_ins(args.output / "files" / f"{lesson}.ipynb")
    print(f"offline copy of the site in {args.output}")


if __name__ == "__main__":
    main()
