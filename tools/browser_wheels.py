"""Wheels for a browser kernel (Pyodide), and the Pyodide runtime that tests run them in.

Both the JupyterLite site (``make lite``) and the Pyodide tests install the course from
local files, never from an index at run time: the course wheel built from this tree,
plus the wheels of its dependencies that Pyodide's own distribution does not carry, at
the exact versions of ``constraints.txt``. Pyodide itself comes from npm, pinned by
``tools/pyodide/package-lock.json`` and installed into ``build/pyodide``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from course_lib.botocore_models import LEFT_OUT

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


#: botocore carries the API models of every AWS service, 29 MB of them; a browser tab
#: downloads the wheel before the first lesson runs. The browser's botocore keeps the
#: models the course reads (the services the lessons call or mock, the Custom Event Bus,
#: Scheduler, and every optimised integration of Step Functions, whose mocked results
#: TestState checks); the others ship as a second wheel, installed on demand.
BROWSER_MODELS = frozenset(
    {
        # what the lessons call, mock or validate against
        "dynamodb", "eventbridgev2", "events", "iam", "lambda", "logs", "s3",
        "scheduler", "sns", "sqs", "stepfunctions", "sts",
        # Step Functions' optimised integrations (AWS's table, December 2026)
        "apigateway", "athena", "batch", "bedrock-agentcore", "bedrock-runtime",
        "codebuild", "databrew", "ecs", "eks", "emr", "emr-containers",
        "emr-serverless", "glue", "mediaconvert", "sagemaker",
    }
)  # fmt: skip
#: The second wheel, and the note the browser's botocore keeps of what it left out
#: (read by :mod:`course_lib.botocore_models` to say how to get a missing model).
MODELS_PACKAGE = "course-botocore-models"
BROWSER_LABEL = "browser"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(path: Path, files: dict[str, bytes], dist_info: str) -> Path:
    """A wheel of ``files`` with a fresh RECORD, entries in a stable order."""
    record = f"{dist_info}/RECORD"
    lines = [_record_line(name, data) for name, data in files.items()]
    files = {**files, record: ("\n".join([*lines, f"{record},,"]) + "\n").encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, files[name])
    return path


def split_botocore(wheel: Path, dest: Path) -> tuple[Path, Path]:
    """botocore's wheel as two: ``botocore <version>+browser`` with the models of
    :data:`BROWSER_MODELS` only, and :data:`MODELS_PACKAGE` with every other model.

    Together they install exactly the files of the original wheel, plus the note of what
    the first one left out. The version keeps botocore's, with a local label, so the
    course's requirement still holds and the site says what it serves.
    """
    name, version = wheel.name.split("-")[:2]
    old_info = f"{name}-{version}.dist-info"
    kept: dict[str, bytes] = {}
    moved: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as source:
        for entry in source.namelist():
            parts = entry.split("/")
            if entry == f"{old_info}/RECORD" or entry.endswith("/"):
                continue
            is_model = parts[:2] == ["botocore", "data"] and len(parts) > 3
            target = moved if is_model and parts[2] not in BROWSER_MODELS else kept
            target[entry] = source.read(entry)
    left_out = sorted({entry.split("/")[2] for entry in moved})
    note = {"package": MODELS_PACKAGE, "version": version, "services": left_out}
    kept[f"botocore/data/{LEFT_OUT}"] = (json.dumps(note, indent=1) + "\n").encode()
    local = f"{version}+{BROWSER_LABEL}"
    info = f"{name}-{local}.dist-info"
    slim = {entry.replace(f"{old_info}/", f"{info}/", 1): data for entry, data in kept.items()}
    meta = slim[f"{info}/METADATA"].decode()
    slim[f"{info}/METADATA"] = meta.replace(
        f"\nVersion: {version}\n", f"\nVersion: {local}\n", 1
    ).encode()
    dest.mkdir(parents=True, exist_ok=True)
    first = _write_wheel(dest / f"{name}-{local}-py3-none-any.whl", slim, info)
    package = MODELS_PACKAGE.replace("-", "_")
    rest_info = f"{package}-{version}.dist-info"
    rest = dict(moved)
    rest[f"{rest_info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {MODELS_PACKAGE}\n"
        f"Version: {version}\n"
        f"Summary: The API models of botocore {version} that the course's browser botocore "
        "leaves out\n"
        "License: Apache-2.0\n"
        f"Requires-Dist: botocore=={version}\n"
    ).encode()
    rest[f"{rest_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: course browser_wheels\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    for legal in ("LICENSE.txt", "NOTICE"):
        if f"{old_info}/{legal}" in kept:
            rest[f"{rest_info}/{legal}"] = kept[f"{old_info}/{legal}"]
    second = _write_wheel(dest / f"{package}-{version}-py3-none-any.whl", rest, rest_info)
    return first, second
