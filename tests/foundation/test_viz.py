"""Diagrams render to PNG with whichever renderer exists, and never crash without one."""

import pytest

from course_lib.sim import World
from course_lib.viz import graphs, sequence_diagram, timeline


def test_a_diagram_renders_png_and_has_a_stable_text_form():
    d = graphs.diagram("digraph { a -> b }", "two boxes")
    assert d.png().startswith(b"\x89PNG")
    assert repr(d) == "<Diagram: two boxes>"
    assert "0x" not in repr(d)


def test_without_any_renderer_the_source_is_shown_with_a_hint(monkeypatch):
    monkeypatch.setattr(graphs, "graph_renderer", lambda: None)
    d = graphs.diagram("digraph { a -> b }")
    assert d._repr_png_() is None
    markdown = d._repr_markdown_()
    assert "graphviz-pure" in markdown and "digraph { a -> b }" in markdown


def test_the_pip_renderer_is_found_when_dot_is_missing(monkeypatch):
    real_which = graphs.shutil.which
    monkeypatch.setattr(
        graphs.shutil,
        "which",
        lambda name, path=None: None if name == "dot" else real_which(name, path=path),
    )
    graphs.graph_renderer.cache_clear()
    try:
        assert graphs.graph_renderer()[0] == "graphviz-pure"
        assert graphs.render_png("digraph { x }").startswith(b"\x89PNG")
    finally:
        graphs.graph_renderer.cache_clear()


def test_broken_dot_source_is_a_clear_error():
    with pytest.raises(ValueError, match="could not be rendered"):
        graphs.render_png("digraph { a -> }")


def test_save_writes_png(tmp_path):
    path = graphs.diagram("digraph { a }").save(tmp_path / "d.png")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_lesson_map_has_every_lesson():
    from course_lib.lessons import LESSONS

    source = graphs.lesson_map().source
    assert all(
        f'"{lesson.number}"' in source or f"\t{lesson.number} " in source for lesson in LESSONS
    )


def test_sequence_diagram_and_timeline_draw_from_a_trace():
    world = World(seed=1)
    world.record("client", "api", "request", delivered_at=0.01)
    world.record("api", "db", "query", outcome="lost")
    fig = sequence_diagram(world.trace, title="t")
    assert len(fig.axes) == 1
    fig2 = timeline(
        [
            {"lane": "svc", "start": 0, "end": 5, "state": "up"},
            {"lane": "svc", "start": 5, "end": 6, "state": "down"},
        ]
    )
    assert len(fig2.axes) == 1
