"""Every lesson exports to a reveal.js slideshow (what `make slides` builds)."""

import re
import sys
from pathlib import Path

import pytest
from nbconvert import SlidesExporter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from notebook_tools import lesson_notebooks, read  # noqa: E402


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: p.stem)
def test_lesson_exports_to_reveal_slides(path):
    nb = read(path)
    html, _ = SlidesExporter().from_notebook_node(nb)
    slides = sum(c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in nb.cells)
    assert "Reveal.initialize" in html
    assert len(re.findall(r"<section\b", html)) >= slides >= 2
