"""Diagrams from DOT source, rendered to PNG by whichever Graphviz this machine has.

Order of preference: the system ``dot`` (Graphviz), then ``graphviz-pure`` (a
self-contained renderer installed with the course by pip), and only as a last resort
the DOT source itself with a one-line hint. A missing renderer never raises.
PNG, not SVG: stored notebook outputs are compared as text, and SVG text differs
between Graphviz versions. The one exception is a browser kernel (JupyterLite on
Pyodide), where no program can run: there Graphviz compiled to WebAssembly draws SVG
(:mod:`course_lib.viz.wasm_graphviz`), and no stored output is compared.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HINT = (
    "No Graphviz renderer found, so here is the diagram's DOT source. "
    "Fix: `pip install graphviz-pure`, or install Graphviz (`apt-get install graphviz`, "
    "`brew install graphviz`, `conda install -c conda-forge graphviz`)."
)


#: The renderer's name in a browser kernel, where diagrams are SVG.
WASM = "graphviz-wasm"


@cache
def graph_renderer() -> tuple[str, str] | None:
    """``(name, executable)`` of the renderer diagrams use, or None when there is none.

    In a browser kernel the "executable" is the path of ``graphviz.wasm``.
    """
    if sys.platform == "emscripten":
        from course_lib.viz import wasm_graphviz

        wasm = wasm_graphviz.available()
        return (WASM, str(wasm)) if wasm else None
    dot = shutil.which("dot")
    if dot:
        return ("dot", dot)
    for folder in (Path(sys.executable).parent, None):
        found = shutil.which("graphviz-pure", path=str(folder) if folder else None)
        if found:
            return ("graphviz-pure", found)
    return None


def render_png(source: str, *, dpi: int = 96) -> bytes | None:
    """PNG bytes for DOT ``source``, or None when no renderer is installed.

    A syntax error in the source raises ValueError with the renderer's message.
    """
    renderer = graph_renderer()
    if renderer is None or renderer[0] == WASM:
        return None
    done = subprocess.run(
        [renderer[1], "-Tpng", f"-Gdpi={dpi}"],
        input=source.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        message = done.stderr.decode(errors="replace").strip() or "no PNG produced"
        raise ValueError(f"DOT source could not be rendered by {renderer[0]}: {message}")
    return done.stdout


def render_svg(source: str) -> str | None:
    """SVG text for DOT ``source`` in a browser kernel; None elsewhere (diagrams are PNG there).

    A syntax error in the source raises ValueError with Graphviz's message.
    """
    renderer = graph_renderer()
    if renderer is None or renderer[0] != WASM:
        return None
    from course_lib.viz import wasm_graphviz

    return wasm_graphviz.render_svg(source)


@dataclass(frozen=True)
class Diagram:
    """A diagram that Jupyter shows as a PNG; its text form is a short, stable title."""

    source: str
    title: str = "diagram"

    def png(self) -> bytes | None:
        return render_png(self.source)

    def _repr_png_(self) -> bytes | None:
        return self.png()

    def _repr_svg_(self) -> str | None:
        return render_svg(self.source)

    def _repr_markdown_(self) -> str | None:
        if graph_renderer() is not None:
            return None
        return f"{_HINT}\n\n```dot\n{self.source}\n```"

    def __repr__(self) -> str:
        return f"<Diagram: {self.title}>"

    def save(self, path: str | Path) -> Path:
        """Write the PNG (SVG in a browser; without a renderer, the DOT source) to ``path``."""
        path = Path(path)
        svg = render_svg(self.source)
        if svg is not None:
            path = path.with_suffix(".svg")
            path.write_text(svg)
            return path
        png = self.png()
        if png is None:
            path = path.with_suffix(".dot")
            path.write_text(self.source)
        else:
            path.write_bytes(png)
        return path


def diagram(source: str, title: str = "diagram") -> Diagram:
    """Wrap DOT source so that a notebook cell displays it as a picture."""
    return Diagram(source, title)


def lesson_map() -> Diagram:
    """The course's lessons, three to a row, with the minutes each takes."""
    import textwrap

    import graphviz

    from course_lib.lessons import LESSONS

    graph = graphviz.Digraph("lessons", graph_attr={"rankdir": "TB", "nodesep": "0.4"})
    graph.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fillcolor="#E8F1FA",
        fontname="Helvetica",
        fontsize="11",
        width="2.3",
        height="0.9",
    )
    for row in range(0, len(LESSONS), 3):
        with graph.subgraph() as same_row:
            same_row.attr(rank="same")
            for lesson in LESSONS[row : row + 3]:
                title = "\\n".join(textwrap.wrap(lesson.title, 22))
                same_row.node(lesson.number, f"{lesson.number}\\n{title}\\n({lesson.minutes} min)")
    for before, after in itertools.pairwise(LESSONS):
        graph.edge(
            before.number,
            after.number,
            constraint="false" if after.number in ("03", "06") else "true",
        )
    for above, below in zip(LESSONS, LESSONS[3:], strict=False):
        graph.edge(above.number, below.number, style="invis")
    return Diagram(graph.source, "the nine lessons of the week")
