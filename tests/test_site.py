"""The web edition (`python -m autograder site`): what its pages show, and a real browser on them.

Executing every lesson takes about a minute each, so the suite builds the site from the
first two selected lessons (01 and 02 by default: the cheapest, with a widget, figures and
formulas), executed for real in a cache of its own, then builds it again from that cache;
`benchmarks/site.py` builds and measures the whole site. The leak test still looks for
every lesson's reference answers in every page, the teacher's pack included.

The browser test serves the site on 127.0.0.1 and opens every page in Chromium
(classroom/setup.sh installs Debian's; playwright never downloads one here): no request
leaves the machine, no image is broken, every internal link and anchor resolves, the
formulas are typeset, and a screenshot of a lesson is saved (the path is printed).
"""

from __future__ import annotations

import ast
import functools
import html
import http.server
import importlib
import os
import re
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import nbformat
import pytest

from autograder.build import ROOT, Lesson, all_lessons, split_function
from autograder.docs import MUTANT_CODE_NOTE
from autograder.mutants import mutants_of
from autograder.site import LessonFailed, SiteReport, build_site
from autograder.site import execute as site_execute
from autograder.site.render import Shell, landing_html, lesson_infos, without_wrong_answers
from tests.conftest import selected_lessons

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage"]
LEAKS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "autograder.hidden",
         "_hidden_", "(hidden tests)")

FIGURE = r'<img [^>]*src="data:image/png;base64,'
REPOSITORY = "https://github.com/example/how-llms-work"


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(the first build's report, a second build's report from the same cache, the lessons)."""
    lessons = selected_lessons(request.config)[:2]
    if not lessons:
        pytest.skip("no lesson selected")
    root = tmp_path_factory.mktemp("site")
    first = build_site(root / "site", lessons, root / "cache", workers=2, repository=REPOSITORY)
    again = build_site(root / "again", lessons, root / "cache", workers=2, repository=REPOSITORY)
    return first, again, lessons


def visible_text(page: str) -> str:
    """A page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def html_pages(report: SiteReport) -> list[Path]:
    return sorted(report.out.rglob("*.html"))


def test_every_lesson_page_landing_page_and_pack(built) -> None:
    first, _, lessons = built
    names = {p.relative_to(first.out).as_posix() for p in html_pages(first)}
    assert {f"{lesson.name}.html" for lesson in lessons} | {"index.html", "docs/index.html"} <= names
    landing = (first.out / "index.html").read_text()
    for lesson in lessons:
        assert f'href="{lesson.name}.html"' in landing
    assert "Objectives:" in landing and "make course" in landing and 'href="docs/index.html"' in landing
    assert first.executed == [lesson.name for lesson in lessons] and not first.cached
    assert first.size() < 50e6


def test_second_build_comes_from_the_cache(built) -> None:
    first, again, lessons = built
    assert again.executed == [] and again.cached == [lesson.name for lesson in lessons]
    for lesson in lessons:
        page = f"{lesson.name}.html"
        # the footer names the commit, and others may commit between the two builds
        assert without_commit(again.out / page) == without_commit(first.out / page)


def without_commit(page: Path) -> str:
    return re.sub(r"built from commit \w+ by", "built by", page.read_text())


def test_no_reference_answer_and_no_hidden_test_in_any_page(built) -> None:
    first, _, _ = built
    released_code = {f"{lesson.name}.html": " ".join(" ".join(
        cell.source for cell in nbformat.read(lesson.path, as_version=4).cells).split())
        for lesson in all_lessons()}
    bodies = {f"{lesson.name}.{name}": " ".join(split_function(getattr(lesson.solutions(), name))[1].split())
              for lesson in all_lessons() for name in lesson.exercises()}
    for path in html_pages(first):
        raw = path.read_text()
        text = visible_text(raw)
        for leak in (*LEAKS, str(ROOT), "/tmp/site-"):  # no path of the machine that built it
            assert leak not in raw and leak not in text, f"{path.name} shows {leak!r}"
        # a provided cell gives learners earlier lessons' answers: those are in the release too
        given = released_code.get(path.name, "")
        shown = [exercise for exercise, body in bodies.items() if body in text and body not in given]
        assert not shown, f"{path.name} shows the reference answer of {shown}"


def test_exercise_cells_show_the_stubs_and_checks_their_verdicts(built) -> None:
    first, _, lessons = built
    for lesson in lessons:
        text = visible_text((first.out / f"{lesson.name}.html").read_text())
        exercises = lesson.exercises()
        assert text.count("raise NotImplementedError()") >= len(exercises)
        for exercise in exercises:
            assert f"✓ `{exercise}` passed" in text, f"{lesson.name}: no passing check of {exercise}"


def test_figures_and_widgets_are_static(built) -> None:
    first, _, lessons = built
    for lesson in lessons:
        page = (first.out / f"{lesson.name}.html").read_text()
        assert len(re.findall(FIGURE, page)) >= 2, f"{lesson.name} has no figures"
        assert "interactive(children" not in page and "widget-view+json" not in page
        if "widgets.interact(" in lesson.path.read_text():
            note = re.search(r'<p class="site-widget-note">(.*?)</p>', page, re.S)
            assert note and "Interactive in JupyterLab" in note.group(1) and " = " in note.group(1)
            # the widget's figure at its default values comes right before the note
            before = page[:note.start()].rsplit('class="jp-Cell ', 1)[-1]
            assert re.search(FIGURE, before), f"{lesson.name}: the widget shows nothing"


def test_every_page_links_to_the_repository_and_offers_its_notebook(built) -> None:
    first, _, lessons = built
    landing = (first.out / "index.html").read_text()
    assert f"course's repository, <a href=\"{REPOSITORY}\">" in landing
    assert f'<a href="{REPOSITORY}">Repository</a>' in (first.out / "docs" / "index.html").read_text()
    for lesson in lessons:
        page = (first.out / f"{lesson.name}.html").read_text()
        assert f'<a href="{REPOSITORY}">Repository</a>' in page
        assert re.search(rf'<a download(="")? href="notebooks/{re.escape(lesson.path.name)}"|'
                         rf'<a href="notebooks/{re.escape(lesson.path.name)}" download', page)
        assert (first.out / "notebooks" / lesson.path.name).read_bytes() == lesson.path.read_bytes()


def test_without_the_repository_s_address_no_link_is_made_up() -> None:
    infos = lesson_infos(all_lessons()[:1])
    landing = landing_html(infos, Shell(infos, False, ""), False)
    assert "course's repository (clone or download it)" in landing and "Repository</a>" not in landing


def test_the_teacher_s_pack_on_the_web_shows_no_wrong_answer_s_code(built) -> None:
    first, _, _ = built
    page = first.out / "docs" / "mistakes.html"
    if not page.exists():
        pytest.skip("no docs/mistakes.md")
    raw = page.read_text()
    text = visible_text(raw)
    assert "<pre" not in raw and "def " not in text and MUTANT_CODE_NOTE not in text
    for lesson in all_lessons():
        for mutant in mutants_of(importlib.import_module(f"autograder.mutants.{lesson.module}")):
            assert code_of(mutant.source) not in text, f"mistakes.html shows the code of {mutant.name}"
    # a block of full code after the last diff block (the way lesson 13's last mutant was shown)
    pack = ("# Mistakes\n\nIntro.\n\n<details><summary>a</summary>\n\n```diff\n-x\n+y\n```\n</details>\n"
            "\ntext\n\n<details><summary>b</summary>\n\n```python\ndef f():\n    pass\n```\n</details>\n")
    kept = without_wrong_answers(pack)
    assert "<details>" not in kept and "```" not in kept and "text" in kept and "left out" in kept


def code_of(function: str) -> str:
    """A function's statements after its signature and docstring, spaces collapsed."""
    node = ast.parse(function).body[0]
    first = node.body[1] if ast.get_docstring(node) and len(node.body) > 1 else node.body[0]
    return " ".join("\n".join(function.splitlines()[first.lineno - 1:]).split())


def tiny_lesson(folder: Path, name: str, *sources: str) -> Lesson:
    """A lesson notebook of the given code cells (named like a lesson: NN_...)."""
    lesson = Lesson(folder / f"{name}.ipynb")
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), lesson.path)
    return lesson


def test_a_dead_kernel_fails_the_build_naming_the_lesson_and_cell(tmp_path: Path) -> None:
    lesson = tiny_lesson(tmp_path, "01_dies", "x = 1", "import os\nos._exit(1)", "y = 2")
    with pytest.raises(LessonFailed) as failure:
        build_site(tmp_path / "site", [lesson], tmp_path / "cache")
    message = str(failure.value)
    assert "lesson 01_dies" in message and "cell 2 of 3" in message and "the kernel died" in message, message


def test_a_dead_worker_process_fails_the_build_naming_the_lesson_and_cell(tmp_path: Path) -> None:
    # the kernel kills the process that runs it (a worker of the pool), then itself
    killer = tiny_lesson(tmp_path, "01_kills_its_worker", "x = 1",
                         "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos._exit(1)")
    other = tiny_lesson(tmp_path, "02_fine", "y = 2")
    with pytest.raises(LessonFailed) as failure:
        build_site(tmp_path / "site", [killer, other], tmp_path / "cache", workers=2)
    message = str(failure.value)
    assert "process executing lessons died" in message, message
    assert "lesson 01_kills_its_worker at cell 2 of 2" in message, message


def test_a_cell_that_runs_too_long_fails_the_build_naming_it(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_execute, "CELL_TIMEOUT", 2)
    lesson = tiny_lesson(tmp_path, "01_slow", "import time\ntime.sleep(60)")
    with pytest.raises(LessonFailed) as failure:
        build_site(tmp_path / "site", [lesson], tmp_path / "cache")
    message = str(failure.value)
    assert "lesson 01_slow" in message and "cell 1 of 1" in message, message
    assert "timed out after 2 s" in message, message


def test_a_lesson_that_fails_to_execute_fails_the_build_naming_it(tmp_path: Path) -> None:
    lesson = all_lessons()[0]
    notebook = nbformat.read(lesson.path, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("broken on purpose")'))
    broken = Lesson(tmp_path / lesson.path.name)
    nbformat.write(notebook, broken.path)
    with pytest.raises(LessonFailed) as failure:
        build_site(tmp_path / "site", [broken], tmp_path / "cache")
    message = str(failure.value)
    assert lesson.name in message and f"cell 4 of {len(notebook.cells)}" in message, message
    assert "broken on purpose" in message, message
    assert not (tmp_path / "site").exists() and not list((tmp_path / "cache").glob("*"))


def test_the_guide_quotes_the_measured_benchmark() -> None:
    """docs/web-edition.md quotes docs/benchmark-site.txt, the output of benchmarks/site.py."""
    measured = (ROOT / "docs" / "benchmark-site.txt").read_text()
    guide = " ".join((ROOT / "docs" / "web-edition.md").read_text().split())
    executed = re.search(r"^build 1:\s+([\d.]+) s", measured, re.M).group(1)
    cached = re.search(r"^build 2:\s+([\d.]+) s", measured, re.M).group(1)
    size = re.search(r"^size:\s+([\d.]+) MB", measured, re.M).group(1)
    load = re.search(r"load average ([\d.]+)", measured).group(1)
    quoted = (f"load {load}, output in `docs/benchmark-site.txt`): {executed} s executing all, "
              f"{cached} s from the cache, {size} MB")
    assert quoted in guide
    timeout = site_execute.CELL_TIMEOUT
    assert f"longer than {timeout} s" in guide and f"timed out after {timeout} s" in guide


# ---------------------------------------------------------------------------- a real browser

@pytest.fixture(scope="module")
def served(built):
    """The first build served over HTTP on 127.0.0.1 (as a static host would serve it)."""
    first, _, _ = built

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=first.out))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", first
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} missing: run  bash classroom/setup.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
                                             headless=True)
        yield browser
        browser.close()


@functools.cache
def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_every_page_in_a_real_browser(served, browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    base, report = served
    shots = tmp_path_factory.mktemp("site-screenshots")
    print(f"\nscreenshots: {shots}")
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    outside, failed, problems = [], [], []
    page.on("request", lambda r: None if urlparse(r.url).hostname in ("127.0.0.1", None)
            or r.url.startswith(("data:", "about:")) else outside.append(r.url))
    # MathJax 2 probes font loading with a @font-face of src about:blank, which fails on purpose
    page.on("requestfailed", lambda r: None if r.url.startswith("about:") else failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pages = [p.relative_to(report.out).as_posix() for p in html_pages(report)]
    typeset = 0
    for name in pages:
        page.goto(base + name, wait_until="load")
        page.wait_for_function("!window.MathJax || !window.MathJax.Hub || (MathJax.Hub.queue.pending === 0"
                               " && MathJax.Hub.queue.running === 0)")
        broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                               ".map(i => i.src.slice(0, 80))")
        problems += [f"{name}: broken image {src}" for src in broken]
        typeset += page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")
        for href in page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"):
            if urlparse(href).hostname != "127.0.0.1":
                continue  # a link out of the site (a paper, a tool's site) is the reader's to follow
            url, anchor = urldefrag(href)
            status, text = fetch(url)
            if status != 200:
                problems.append(f"{name}: link to {href} answers {status}")
            elif anchor and f'id="{anchor}"' not in text:
                problems.append(f"{name}: link to {href}: no such anchor")
        if name == report.pages[0].name:
            page.screenshot(path=str(shots / "lesson.png"))
            page.screenshot(path=str(shots / "lesson-full.png"), full_page=True)
    context.close()
    assert not outside, f"requests left the machine: {sorted(set(outside))[:10]}"
    assert not failed, f"failed requests: {sorted(set(failed))[:10]}"
    assert not problems, "\n".join(problems[:20])
    assert typeset > 0, "no formula was typeset (MathJax did not load?)"
    assert (shots / "lesson.png").stat().st_size > 10_000
    assert len(pages) >= 3


def test_links_resolve_relative_to_their_page(built) -> None:
    """The same check without a browser: every relative href in every page names a file."""
    first, _, _ = built
    for path in html_pages(first):
        for href in re.findall(r'href="([^"]+)"', path.read_text()):
            if re.match(r"^[a-z]+:|^#|^//", href):
                continue
            target = Path(urljoin(path.as_posix(), urldefrag(html.unescape(href))[0]))
            assert target.exists(), f"{path.relative_to(first.out)} links to missing {href}"


def test_the_pages_workflow_builds_and_publishes_this_site() -> None:
    """.github/workflows/pages.yml is valid YAML, builds with the course's command and uploads
    the folder that command writes (it cannot run here: no GitHub)."""
    yaml = pytest.importorskip("yaml")
    from autograder.site import DEFAULT_CACHE, DEFAULT_OUT

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = {step.get("uses", "").split("@")[0]: step for step in build["steps"]}
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "pip install -r requirements.txt" in runs and "python -m autograder site" in runs
    assert '--repository-url "${{ github.server_url }}/${{ github.repository }}"' in runs
    assert steps["actions/upload-pages-artifact"]["with"]["path"] == DEFAULT_OUT.relative_to(ROOT).as_posix()
    assert steps["actions/cache"]["with"]["path"] == DEFAULT_CACHE.relative_to(ROOT).as_posix()
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
