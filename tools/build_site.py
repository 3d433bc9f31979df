"""Build the course as a static HTML site (Jupyter Book) from the stored outputs.

    python tools/build_site.py            # writes build/site/_build/html/index.html

Notebooks are not re-executed: the site shows exactly the outputs nbval checks. Solution
cells, their code and their output, are collapsed behind one toggle, so reading a lesson
never shows an answer by accident; the README becomes the front page, and each lesson
links to the next through the book's navigation.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from notebook_tools import ROOT, lesson_notebooks, read, tags, write

SOURCE = ROOT / "build" / "site"

CONFIG = """\
title: "Serverless Specialist, Week 2: event-driven architecture"
author: The course authors
only_build_toc_files: true
execute:
  execute_notebooks: "off"
html:
  use_repository_button: false
  home_page_in_navbar: true
sphinx:
  config:
    html_show_copyright: false
    suppress_warnings: ["mystnb.unknown_mime_type"]
"""


def prepare(out: Path) -> Path:
    """Copy the notebooks and pages into ``out`` with solution cells marked to collapse."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    readme = (ROOT / "README.md").read_text().replace("](notebooks/", "](")
    (out / "intro.md").write_text(readme)
    chapters = []
    for path in lesson_notebooks():
        nb = read(path)
        for cell in nb.cells:
            if "solution" in tags(cell):  # code and output behind one "show" toggle
                cell.metadata["tags"] = sorted(tags(cell) - {"hide-input"} | {"hide-cell"})
        write(nb, out / path.name)
        chapters.append(f"  - file: {path.stem}")
    (out / "_config.yml").write_text(CONFIG)
    (out / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n" + "\n".join(chapters) + "\n"
    )
    data = out / "docs"
    if (ROOT / "docs").exists():
        shutil.copytree(ROOT / "docs", data)
    return out


def build(out: Path = SOURCE) -> Path:
    """Build the site; return the path of its front page."""
    prepare(out)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(jupyter_book), "build", "--quiet", str(out)], check=True)
    return out / "_build" / "html" / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    index = build(args.out)
    print(f"site: {index.relative_to(ROOT) if index.is_relative_to(ROOT) else index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
