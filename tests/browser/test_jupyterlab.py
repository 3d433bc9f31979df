"""Drive a real JupyterLab in Debian's Chromium: run a lesson, move a widget, look.

It opens the lesson (06 when it exists), runs all cells, checks that a plot and a
diagram are visible, moves a widget and checks its output changes, and fails on any
error shown in the page other than the ones the lesson expects (cells tagged
``raises-exception``). Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import shutil

import pytest
from lab_helpers import (
    ROOT,
    SHOTS,
    expected_errors,
    jupyterlab,
    launch,
    menu,
    open_notebook,
    run_all,
    shown_errors,
    skip_without_chromium,
)

LESSON = next(
    p
    for p in (
        ROOT / "notebooks" / "06_eventbridge.ipynb",
        ROOT / "notebooks" / "00_start_here.ipynb",
    )
    if p.exists()
)

skip_without_chromium()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback serving a scratch copy of the notebooks."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    with jupyterlab(home, root) as url:
        yield url


def _move_widget(page, widget) -> None:
    """Move the widget's first control and wait until its output shows a new result.

    A drop-down is moved by index, once the view has rendered every option the model
    holds and the output shows the first result: reading option labels from the page
    and selecting by label raced the rendering and failed at random.
    """
    widget.scroll_into_view_if_needed()
    output = widget.locator(".widget-output")
    page.wait_for_function("el => el.innerText.trim() !== ''", arg=output.element_handle())
    before = output.inner_text()
    control = widget.locator("select").first
    if control.count():
        page.wait_for_function(
            "el => el.options.length > 1 && el.selectedIndex === 0", arg=control.element_handle()
        )
        last = control.evaluate("el => el.options.length - 1")
        control.select_option(index=last)
        page.wait_for_function(
            "([el, i]) => el.selectedIndex === i", arg=[control.element_handle(), last]
        )
    else:
        handle = widget.locator(".noUi-handle, .widget-slider .ui-slider-handle").first
        handle.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([el, text]) => el.innerText !== text",
        arg=[output.element_handle(), before],
        timeout=30_000,
    )
    assert output.inner_text() != before


def test_lesson_runs_in_a_real_browser(lab):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        open_notebook(page, lab, LESSON.name)

        # Clear the stored outputs first, so every output checked below was made in this run.
        menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea-output').length === 0", timeout=30_000
        )
        run_all(page)
        page.screenshot(path=str(SHOTS / f"{LESSON.stem}-top.png"))

        wanted = 1 if LESSON.name.startswith("00_") else 2  # a lesson has a plot and a diagram
        images = page.locator(".jp-OutputArea-output img")
        assert images.count() >= wanted, "expected at least a plot and a diagram"
        visible = [i for i in range(images.count()) if images.nth(i).bounding_box(timeout=5_000)]
        assert len(visible) >= wanted

        assert shown_errors(page).count() == expected_errors(LESSON), (
            "unexpected error or stderr output in the page"
        )
        assert not console_errors, console_errors

        widget = page.locator(".jp-OutputArea-output .widget-interact").first
        if widget.count():
            _move_widget(page, widget)
            widget.screenshot(path=str(SHOTS / f"{LESSON.stem}-widget.png"))
        else:
            assert LESSON.name.startswith("00_"), "the lesson has no widget to move"
        page.screenshot(path=str(SHOTS / f"{LESSON.stem}-end.png"), full_page=False)
        browser.close()
