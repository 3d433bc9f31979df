"""Check that this machine can run the course, and say what to fix when it cannot.

In the browser (JupyterLite, Python on WebAssembly) there is nothing to install by hand:
the first cell of each lesson installs the course, the page brings JupyterLab and the
widgets, and live-AWS cells cannot run. The checks and their fixes say so there.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def in_browser() -> bool:
    """Whether this kernel runs in a web page (Pyodide), as in the JupyterLite site."""
    return sys.platform == "emscripten"


def _where() -> Check:
    if in_browser():
        return Check("runs in", True, "the browser (JupyterLite); nothing to install")
    return Check("runs in", True, f"this machine ({sys.platform})")


def _python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("Python", ok, version, "" if ok else "install Python 3.11 or newer")


def _packages() -> list[Check]:
    """The core requirements that apply here, and on a machine of one's own the [lab] extra."""
    from packaging.requirements import Requirement

    extras = [""] if in_browser() else ["", "lab"]
    fix_missing = (
        "run the lesson's first cell again (it installs the course)"
        if in_browser()
        else "run `make lab` (or `pip install -e '.[lab,aws]'`)"
    )
    checks, seen = [], set()
    for line in metadata.requires("course-lib") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in extras):
            continue
        if requirement.name in seen:  # named again by an extra
            continue
        seen.add(requirement.name)
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            checks.append(Check(requirement.name, False, "missing", fix_missing))
            continue
        ok = requirement.specifier.contains(installed, prereleases=True)
        fix = "" if ok else f"pip install '{requirement}'"
        checks.append(Check(requirement.name, ok, installed, fix))
    return checks


def _graphviz() -> Check:
    from course_lib.viz.graphs import graph_renderer

    renderer = graph_renderer()
    if renderer is None:
        return Check(
            "Graphviz renderer", False, "none", "pip install graphviz-pure, or install Graphviz"
        )
    return Check("Graphviz renderer", True, renderer[0])


def _widgets() -> Check:
    if in_browser():
        return Check("widgets extension", True, "part of the page")
    try:
        version = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        return Check("widgets extension", False, "missing", "pip install 'ipywidgets>=8.1,<9'")
    return Check("widgets extension", True, f"jupyterlab_widgets {version}")


def _live_aws() -> Check:
    if in_browser():
        return Check("live-AWS cells", True, "not in the browser (run the course locally for them)")
    mode = "on (COURSE_LIVE_AWS=1)" if os.environ.get("COURSE_LIVE_AWS") == "1" else "off (offline)"
    return Check("live-AWS cells", True, mode)


def _learner_copies() -> Check:
    """Informational: where the learner's copies are (their absence is not a fault)."""
    if in_browser():
        return Check("your copies", True, "the site's lessons, saved in this browser's storage")
    from course_lib.copies import reference_notebooks
    from course_lib.exercises.progress import work_folder

    work = work_folder()
    try:
        lessons = len(reference_notebooks())
    except FileNotFoundError:
        return Check("your copies", True, "no reference notebooks here (an installed package)")
    made = sum(1 for _ in work.glob("[0-9][0-9]_*.ipynb"))
    if not made:
        return Check("your copies", True, "none yet: `python -m course_lib work` makes them")
    return Check("your copies", True, f"{made} of {lessons} lessons in {work}")


def diagnose() -> list[Check]:
    """Every check, in the order :func:`doctor` prints them."""
    return [
        _where(),
        _python(),
        *_packages(),
        _graphviz(),
        _widgets(),
        _live_aws(),
        _learner_copies(),
    ]


def doctor() -> None:
    """Print one line per check; a failing check says how to fix it."""
    checks = diagnose()
    width = max(len(c.name) for c in checks)
    for c in checks:
        line = f"{'✔' if c.ok else '✘'} {c.name:<{width}}  {c.detail}"
        print(line + (f"  -> fix: {c.fix}" if c.fix else ""))
    failing = sum(not c.ok for c in checks)
    print(
        "All good: the course is ready."
        if not failing
        else f"{failing} problem(s) to fix, see above."
    )
