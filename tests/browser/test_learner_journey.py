"""A learner's journey in a real browser, over copies made by ``python -m course_lib work``.

A fresh ``work/`` is made by the command line, JupyterLab serves the course folder on
loopback (as ``make lab`` does), and the learner opens ``work/01_fallacies.ipynb``:

- *Run All* shows no solution anywhere and every exercise says "not yet";
- a correct answer typed into exercise 1 passes, and progress counts it;
- after the server stops, the work command runs again (the course unchanged, then
  changed upstream) and the answer is still there.

Screenshots go to build/screenshots/journey-*.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lab_helpers import (
    ROOT,
    SHOTS,
    expected_errors,
    jupyterlab,
    launch,
    open_notebook,
    run_all,
    shown_errors,
    skip_without_chromium,
)

from course_lib import copies

skip_without_chromium()

LESSON = "01_fallacies.ipynb"
STUB = "p_arrives = ..."
ANSWER = "p_arrives = (1 - 0.03) ** 8"
CHECK = re.compile(r"""exercises\.check\(\s*["'](\d\d\.\d+)["']""")


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "course_lib", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _solution_text(reference: dict) -> list[str]:
    """Lines and outputs found only in the reference's solution cells."""
    elsewhere = {
        line.strip()
        for cell in reference["cells"]
        if not copies.is_solution(cell)
        for line in copies.source(cell).splitlines()
    }
    found = []
    for cell in filter(copies.is_solution, reference["cells"]):
        found += [
            line.strip()
            for line in copies.source(cell).splitlines()
            if len(line.strip()) > 12 and line.strip() not in elsewhere
        ]
        for output in cell.get("outputs", []):
            found += [line.strip() for line in "".join(output.get("text", "")).splitlines()]
    return [text for text in found if len(text) > 12]


def _stub_source(path: Path) -> str | None:
    """The source of exercise 1's answer cell (None while the file is being written)."""
    try:
        cells = json.loads(path.read_text())["cells"]
    except ValueError:
        return None
    return next(copies.source(c) for c in cells if copies.source(c).startswith("p_arrives ="))


def test_a_learner_answers_in_their_copy_and_keeps_the_answer(tmp_path):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    course = tmp_path / "course"
    course.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "COURSE_PROGRESS_FILE"}
    made = _cli("work", "--dest", "work", cwd=course, env=env)
    assert f"{LESSON:<26} created" in made
    work = course / "work"
    reference = copies.read(ROOT / "notebooks" / LESSON)
    exercises = [m.group(1) for c in reference["cells"] if (m := CHECK.search(copies.source(c)))]
    secrets = _solution_text(reference)
    assert secrets, "the lesson's solutions give the test something to look for"

    with jupyterlab(tmp_path / "home", course, env) as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        open_notebook(page, url, f"work/{LESSON}")
        run_all(page)
        page.screenshot(path=str(SHOTS / "journey-run-all.png"))

        text = page.locator(".jp-Notebook").first.text_content()
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"solution text in the page: {leaked}"
        assert "✅" not in text
        for exercise in exercises:
            assert f"❌ Exercise {exercise}: not yet" in text
        assert shown_errors(page).count() == expected_errors(work / LESSON)
        assert not page_errors, page_errors

        index = page.evaluate(
            """stub => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
                         .findIndex(c => c.querySelector('.cm-content')?.textContent === stub)""",
            STUB,
        )
        assert index >= 0, "exercise 1's answer cell is in the page"
        stub = page.locator(".jp-Notebook .jp-Cell").nth(index)
        stub.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(ANSWER)
        assert stub.locator(".cm-content").inner_text() == ANSWER
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")  # run the answer, then the check below it
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            "() => document.querySelector('.jp-Notebook').textContent"
            f".includes('✅ Exercise {exercises[0]}: correct')",
            timeout=60_000,
        )
        page.screenshot(path=str(SHOTS / "journey-passed.png"))
        page.keyboard.press("Control+s")
        page.wait_for_function(
            "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=30_000
        )
        deadline = time.monotonic() + 30
        while _stub_source(work / LESSON) != ANSWER and time.monotonic() < deadline:
            time.sleep(0.5)  # the save reaches the disk
        browser.close()

    assert _stub_source(work / LESSON) == ANSWER
    table = _cli("progress", cwd=work, env=env)
    assert re.search(rf"^01\s+1 / {len(exercises)}\b", table, re.M), table
    assert json.loads((work / ".course_progress.json").read_text()) == {
        "passed": {exercises[0]: True}
    }

    again = _cli("work", "--dest", "work", cwd=course, env=env)
    assert f"{LESSON:<26} yours, up to date" in again
    assert _stub_source(work / LESSON) == ANSWER

    upstream = tmp_path / "upstream"
    shutil.copytree(ROOT / "notebooks", upstream)
    changed = copies.read(upstream / LESSON)
    changed["cells"][0]["source"] = copies.source(changed["cells"][0]) + "\n\nRevised."
    (upstream / LESSON).write_text(copies.dumps(changed))
    updated = _cli("work", "--dest", "work", "--source", str(upstream), cwd=course, env=env)
    line = next(line for line in updated.splitlines() if line.startswith(LESSON))
    assert "updated to the new version" in line and "backups/" in line
    assert _stub_source(work / LESSON) == ANSWER
    assert copies.source(copies.read(work / LESSON)["cells"][0]).endswith("Revised.")
