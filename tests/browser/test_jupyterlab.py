"""Drive a real JupyterLab in Debian's Chromium: run a lesson, move a widget, look.

It opens the lesson (06 when it exists), runs all cells, checks that a plot and a
diagram are visible, moves a widget and checks its output changes, and fails on any
error shown in the page other than the ones the lesson expects (cells tagged
``raises-exception``). Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
# Debian's Chromium here and in .ci/run; the Chrome preinstalled on GitHub's runners works too.
CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    "/usr/bin/chromium",
)
LESSON = next(
    p
    for p in (
        ROOT / "notebooks" / "06_eventbridge.ipynb",
        ROOT / "notebooks" / "00_start_here.ipynb",
    )
    if p.exists()
)

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Chromium for the browser test: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback serving a scratch copy of the notebooks."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port = _free_port()
    env = dict(
        os.environ,
        HOME=str(home),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail("JupyterLab did not start within 90 s")
    yield url
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def _expected_errors(path: Path) -> int:
    nb = json.loads(path.read_text())
    return sum("raises-exception" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])


def _menu(page, menu: str, item: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).first.click()


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
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.goto(f"{lab}/lab/tree/{LESSON.name}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
        select_kernel = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
        with contextlib.suppress(PlaywrightTimeout):  # unless the kernel started without asking
            select_kernel.click(timeout=10_000)
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
        )

        # Clear the stored outputs first, so every output checked below was made in this run.
        _menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-OutputArea-output').length === 0", timeout=30_000
        )
        _menu(page, "Run", "Run All Cells")
        page.screenshot(path=str(SHOTS / f"{LESSON.stem}-running.png"))
        page.wait_for_function(
            # Hidden solution cells show no prompt; every visible prompt must show a count.
            """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                          .map(p => p.textContent.trim()).filter(t => t !== '');
                      return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:?$/.test(t)); }""",
            timeout=240_000,
        )
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
        )
        page.screenshot(path=str(SHOTS / f"{LESSON.stem}-top.png"))

        wanted = 1 if LESSON.name.startswith("00_") else 2  # a lesson has a plot and a diagram
        images = page.locator(".jp-OutputArea-output img")
        assert images.count() >= wanted, "expected at least a plot and a diagram"
        visible = [i for i in range(images.count()) if images.nth(i).bounding_box(timeout=5_000)]
        assert len(visible) >= wanted

        shown_errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert shown_errors.count() == _expected_errors(LESSON), (
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
