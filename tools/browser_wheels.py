"""Wheels for a browser kernel (Pyodide), and the Pyodide runtime that tests run them in.

Both the JupyterLite site (``make lite``) and the Pyodide tests install the course from
local files, never from an index at run time: the course wheel built from this tree,
plus the wheels of its dependencies that Pyodide's own distribution does not carry, at
the exact versions of ``constraints.txt``. Pyodide itself comes from npm, pinned by
``tools/pyodide/package-lock.json`` and installed into ``build/pyodide``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
LOCKED = ROOT / "tools" / "pyodide"
RUNTIME = ROOT / "build" / "pyodide"

#: Pyodide 314 runs CPython 3.14 on emscripten; its wheels carry this platform tag.
PYTHON = "3.14"
PLATFORM = "pyemscripten_2026_0_wasm32"
#: How a browser kernel answers environment markers (``sys_platform == 'emscripten'``).
MARKERS = {
    **default_environment(),
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "python_version": PYTHON,
    "python_full_version": f"{PYTHON}.0",
    "implementation_name": "cpython",
    "extra": "",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime() -> Path:
    """The npm ``pyodide`` package folder, installed with ``npm ci`` when missing or stale."""
    lock = (LOCKED / "package-lock.json").read_bytes()
    package = RUNTIME / "node_modules" / "pyodide"
    if (
        (RUNTIME / "package-lock.json").is_file()
        and (RUNTIME / "package-lock.json").read_bytes() == lock
        and (package / "pyodide.mjs").is_file()
    ):
        return package
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install Pyodide (Node.js 18 or newer, with npm)")
    RUNTIME.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(LOCKED / name, RUNTIME / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=RUNTIME, check=True
    )
    return package


def pyodide_distribution(package: Path) -> dict[str, str]:
    """``{name: version}`` of what Pyodide's own distribution carries (its lock file)."""
    lock = json.loads((package / "pyodide-lock.json").read_text())
    return {normalise(entry["name"]): entry["version"] for entry in lock["packages"].values()}


def pyodide_info(package: Path) -> dict[str, str]:
    return json.loads((package / "pyodide-lock.json").read_text())["info"]


def _pip(*args: str) -> None:
    """Run pip quietly; its output is shown only when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip {args[0]} failed:\n{done.stdout}{done.stderr}")


def course_wheel(dest: Path) -> Path:
    """Build the course wheel from this tree into ``dest`` (replacing an older one), offline."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("course_lib-*.whl"):
        old.unlink()
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(dest), str(ROOT))
    (wheel,) = dest.glob("course_lib-*.whl")
    return wheel


def requirements_closure(roots: list[str]) -> set[str]:
    """Names of ``roots`` and everything they require in a browser kernel (from this venv's
    metadata, markers evaluated as Pyodide would)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        requirement = todo.pop()
        name = normalise(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            dependency = Requirement(line)
            wanted = ["", *requirement.extras]
            if dependency.marker is None or any(
                dependency.marker.evaluate({**MARKERS, "extra": extra}) for extra in wanted
            ):
                todo.append(dependency)
    return seen


def download(names: list[str], dest: Path) -> list[Path]:
    """Wheels of ``names`` (no dependencies) for Pyodide, at constraints.txt's versions.

    Pure-Python wheels, or a package's own Pyodide wheel where it publishes one. Kept in a
    folder named after the request, so a second run needs no index.
    """
    key = hashlib.sha256(
        (CONSTRAINTS.read_text() + PLATFORM + "\n".join(sorted(names))).encode()
    ).hexdigest()[:12]
    folder = dest / key
    done = folder / ".complete"
    if not done.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        _pip(
            "download",
            "--no-deps",
            "--only-binary=:all:",
            *("--platform", PLATFORM, "--platform", "any"),
            *("--python-version", PYTHON, "--implementation", "cp"),
            *("--abi", f"cp{PYTHON.replace('.', '')}", "--abi", "abi3", "--abi", "none"),
            *("-c", str(CONSTRAINTS), "-d", str(folder)),
            *sorted(names),
        )
        done.touch()
    return sorted(folder.glob("*.whl"))
