"""Write constraints.txt: the exact version of every package in this venv but the course.

Run by ``make constraints`` after a deliberate upgrade, then re-execute the notebooks
(``make notebooks``) so their stored outputs match the new versions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEADER = """\
# Exact versions of everything the course installs, for make, CI and Binder:
#   pip install -c constraints.txt -e '.[test]'
# Stored notebook outputs were made with these. Regenerate from a working .venv with
#   make constraints
"""
# Not the course's: the course itself, and tools a developer may add by hand.
SKIP = {"course-lib", "course_lib", "coverage"}


def frozen() -> list[str]:
    """``name==version`` lines of this interpreter's packages, editable installs left out."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "freeze",
            "--exclude-editable",
            "--disable-pip-version-check",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if "==" in line and not line.startswith("#")]
    return sorted(
        (line for line in lines if line.split("==")[0].lower() not in SKIP), key=str.lower
    )


def main() -> None:
    path = Path(__file__).resolve().parents[1] / "constraints.txt"
    path.write_text(HEADER + "".join(f"{line}\n" for line in frozen()), encoding="utf-8")
    print(f"{path.name}: {len(frozen())} packages pinned")


if __name__ == "__main__":
    main()
