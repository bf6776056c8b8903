"""A student and an instructor in a real browser: Playwright driving Debian's Chromium.

A real JupyterHub on 127.0.0.1 (classroom/hub.py); lesson 01 released through nbgrader's
exchange. The student logs in, finds the lesson in nbgrader's Assignments panel, fetches it,
opens it and runs every cell (with the exercises done): the plots render, the ipywidgets
slider renders and moves with the keyboard, and nothing fails. The student has no
formgrader and no create-assignment tool; the instructor has both. Screenshots go to
pytest's temporary folder (the path is printed). Needs classroom/setup.sh (/usr/bin/chromium)
and classroom/requirements.txt; playwright never downloads a browser of its own here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import nbgrader
from autograder.build import build
from autograder.submissions import reference_answers
from classroom import flow
from classroom.hub import CHROMIUM, Classroom

pytestmark = [pytest.mark.classroom, pytest.mark.usefixtures("classroom_ready")]

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage"]
STUDENT = "ada"
INSTRUCTOR_TOOLS = ("Formgrader", "Create assignment")
SECONDS = 1000  # playwright counts milliseconds


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory):
    """A hub with lesson 01 released by the instructor (the student's server starts at login)."""
    lesson = flow.lesson_01()
    with Classroom(tmp_path_factory.mktemp("hub"), flow.INSTRUCTOR, [STUDENT]) as room:
        room.start_servers([flow.INSTRUCTOR])
        build(room.course, [lesson])
        nbgrader.generate_assignment(room.course, lesson.name)
        room.formgrader("release", lesson.name)
        yield room
    assert room.alive() == [], "everything the hub started is stopped"


@pytest.fixture(scope="module")
def browser(room: Classroom):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
                                             headless=True)
        yield browser
        browser.close()


def log_in(browser, room: Classroom, user: str):
    """Log `user` into the hub; return the page once JupyterLab has loaded."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(60 * SECONDS)
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", room.password)
    page.click("#login_submit")
    page.wait_for_selector("#jp-main-dock-panel", timeout=180 * SECONDS)  # includes the spawn
    page.wait_for_selector(".lm-MenuBar-item:has-text('Nbgrader')")
    return page


def nbgrader_menu(page, shot: Path) -> list[str]:
    """The visible entries of JupyterLab's Nbgrader menu (screenshot taken, menu closed)."""
    page.click(".lm-MenuBar-item:has-text('Nbgrader')")
    page.wait_for_selector(".lm-Menu-item[data-command^='nbgrader:']")
    items = [item.inner_text().strip() for item in page.query_selector_all(".lm-Menu-item")
             if item.is_visible() and item.inner_text().strip()]
    page.screenshot(path=str(shot))
    page.keyboard.press("Escape")
    return items


PROMPTS = "[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"


def run_all(page, tries: int = 3) -> None:
    """Run > Run All Cells, once the notebook has focus; again if no cell started running."""
    for _ in range(tries):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item[data-command='runmenu:run-all']:not(.lm-mod-disabled)")
        try:
            page.wait_for_function(f"() => {PROMPTS}.some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))",
                                   timeout=20 * SECONDS)
            return
        except Exception:  # playwright's TimeoutError: the click reached no notebook
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells started no cell")


def side_tabs(page) -> list[str]:
    tabs = page.query_selector_all(".lm-TabBar-tab")
    return [tab.get_attribute("title") or tab.inner_text() for tab in tabs]


def test_student_runs_lesson_01(room: Classroom, browser, shots: Path) -> None:
    lesson = flow.lesson_01()
    page = log_in(browser, room, STUDENT)
    page.screenshot(path=str(shots / "student-lab.png"))

    menu = nbgrader_menu(page, shots / "student-menu.png")
    assert "Assignment List" in menu
    assert not set(INSTRUCTOR_TOOLS) & set(menu), menu
    assert not [tab for tab in side_tabs(page) if "Create Assignment" in tab]
    assert room.get(STUDENT, "formgrader").status_code == 404

    # The Assignments panel lists the released lesson; the student fetches it there.
    page.click(".lm-MenuBar-item:has-text('Nbgrader')")
    page.click(".lm-Menu-item[data-command='nbgrader:open-assignment-list']")
    released = page.locator("#released_assignments_list")
    released.get_by_text(lesson.name).first.wait_for()
    page.screenshot(path=str(shots / "student-assignments.png"))
    released.get_by_role("button", name="Fetch").click()
    page.locator("#fetched_assignments_list").get_by_text(lesson.name).first.wait_for()

    # The student has done the exercises (written here through their server's contents API).
    notebook = f"{lesson.name}/{lesson.path.name}"
    room.write_notebook(STUDENT, notebook,
                        flow.answer(room.read_notebook(STUDENT, notebook), reference_answers(lesson)))

    page.goto(f"{room.url}/user/{STUDENT}/lab/tree/{notebook}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120 * SECONDS)
    run_all(page)
    page.wait_for_function(f"() => {PROMPTS}.every(p => /\\[\\d+\\]/.test(p.textContent))",
                           timeout=240 * SECONDS)
    page.screenshot(path=str(shots / "student-ran-all.png"), full_page=True)

    errors = [e.inner_text() for e in page.query_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
    assert not [e for e in errors if "Error" in e or "Traceback" in e], errors

    images = page.locator(".jp-OutputArea-output img")
    assert images.count() >= 4, "every plot of lesson 01 renders"
    assert all(images.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(images.count()))

    sliders = page.locator(".widget-slider")
    assert sliders.count() == 4, "the four sliders (R, G, B, volume) render"
    slider = sliders.first
    slider.scroll_into_view_if_needed()
    widget = slider.locator("xpath=ancestor::div[contains(@class,'widget-interact')][1]")
    readout = slider.locator(".widget-readout")
    before = readout.inner_text()
    plot_before = widget.locator("img").first.get_attribute("src")
    page.screenshot(path=str(shots / "student-widget-before.png"))
    slider.locator(".noUi-handle").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, old]) => el.textContent.trim() !== old",
                           arg=[readout.element_handle(), before])
    # interact redraws the network with the new activations: a new image replaces the old one.
    page.wait_for_function("([box, old]) => { const img = box.querySelector('img');"
                           " return img !== null && img.src !== old && img.naturalWidth > 0; }",
                           arg=[widget.element_handle(), plot_before], timeout=60 * SECONDS)
    after = readout.inner_text()
    page.screenshot(path=str(shots / "student-widget-after.png"))
    assert float(after) > float(before), (before, after)


def test_instructor_has_the_instructor_tools(room: Classroom, browser, shots: Path) -> None:
    page = log_in(browser, room, flow.INSTRUCTOR)
    menu = nbgrader_menu(page, shots / "instructor-menu.png")
    assert set(INSTRUCTOR_TOOLS) <= set(menu), menu
    assert [tab for tab in side_tabs(page) if "Create Assignment" in tab]
    assert room.get(flow.INSTRUCTOR, "formgrader/api/status").json() == {"status": True}
