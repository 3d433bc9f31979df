"""What only a browser kernel (Pyodide) can show; run there by test_pyodide.py, not on CPython.

The file name keeps pytest from collecting it on CPython; the Pyodide run names it.
"""

import importlib.util
import json
import sys
import xml.etree.ElementTree as ElementTree
from unittest import mock

import pytest

import course_lib
from course_lib import strict_json
from course_lib.events import data_dir, example_event

# Under Node there is no matplotlib (a browser kernel loads it from Pyodide's CDN), and
# importing course_lib.viz imports the plot style: a stand-in lets the diagram code load.
if importlib.util.find_spec("matplotlib") is None:
    sys.modules.update({"matplotlib": mock.MagicMock(), "matplotlib.pyplot": mock.MagicMock()})

from course_lib.viz import graphs

pytestmark = pytest.mark.skipif(sys.platform != "emscripten", reason="runs in Pyodide only")


def test_the_course_is_the_installed_wheel_with_its_data():
    assert "site-packages" in course_lib.__file__
    assert data_dir().is_dir()
    assert example_event("PizzaBaked").detail_type == "PizzaBaked"


def test_deep_nesting_is_a_clear_error_not_a_dead_kernel():
    with pytest.raises(strict_json.JsonError, match="nest"):
        strict_json.loads("[" * 100_000)
    with pytest.raises(strict_json.JsonError):
        strict_json.loads("[" * 100_000 + "]" * 100_000)


def test_the_depth_the_guard_lets_through_parses_in_pyodide():
    depth = strict_json.MAX_DEPTH
    assert strict_json.loads("[" * depth + "]" * depth) is not None
    # The guard is needed here: plain json survives this depth, not an unbounded one.
    assert json.loads("[" * depth + "]" * depth) is not None


def test_diagrams_render_as_svg_with_graphviz_compiled_to_webassembly():
    assert graphs.graph_renderer()[0] == graphs.WASM
    diagram = graphs.diagram('digraph { rankdir=LR; order -> "kitchen" -> delivery }', "t")
    svg = diagram._repr_svg_()
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "kitchen" in svg and "delivery" in svg
    assert diagram._repr_png_() is None
    assert diagram._repr_markdown_() is None
    assert graphs.render_svg(diagram.source) == svg  # the same picture every time


def test_a_saved_diagram_is_svg_in_the_browser(tmp_path):
    saved = graphs.diagram("digraph { a -> b }").save(tmp_path / "picture.png")
    assert saved.suffix == ".svg"
    assert saved.read_text().lstrip().startswith("<?xml")


def test_a_course_diagram_renders_and_bad_dot_names_the_problem():
    from course_lib.viz.graphs import lesson_map

    assert "<svg" in lesson_map()._repr_svg_()
    with pytest.raises(ValueError, match="graphviz-wasm"):
        graphs.render_svg("digraph { a -> }")


def test_the_doctor_finds_the_webassembly_graphviz():
    from course_lib import diagnostics

    found = diagnostics._graphviz()
    assert (found.ok, found.detail) == (True, graphs.WASM)


def test_the_browser_botocore_and_its_second_wheel_bring_every_model():
    from importlib import metadata

    from course_lib.botocore_models import read_model

    assert metadata.version("botocore").endswith("+browser")
    assert metadata.version("course-botocore-models") == metadata.version("botocore").split("+")[0]
    assert "TestState" in read_model("stepfunctions")["operations"]  # in the first wheel
    assert "RunInstances" in read_model("ec2")["operations"]  # in the second
