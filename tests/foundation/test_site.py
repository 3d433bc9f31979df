"""`make site` builds a static site of every lesson with solutions collapsed."""

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402
from notebook_tools import lesson_notebooks, read, tags  # noqa: E402


def test_site_has_every_lesson_navigation_and_collapsed_solutions(tmp_path):
    index = build_site.build(tmp_path / "site")
    html_dir = index.parent
    assert index.exists()
    lessons = lesson_notebooks()
    for before, after in itertools.pairwise(lessons):
        page = (html_dir / f"{before.stem}.html").read_text()
        assert f'href="{after.stem}.html"' in page, f"{before.stem} does not link to {after.stem}"
    for path in lessons:
        page = (html_dir / f"{path.stem}.html").read_text()
        solutions = sum("solution" in tags(c) for c in read(path).cells)
        assert page.count("tag_hide-cell") >= solutions
        assert "tag_hide-input" not in page  # no solution output left showing
        assert "data:image/png" in page or "_images/" in page
