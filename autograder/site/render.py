"""Turn executed lessons into pages, and write the landing page and the teacher's pack.

A lesson page is the learner's notebook (lessons/NN_*.ipynb, stubs and all) with the
outputs of the reference run pasted in, cell by cell: the code shown is always the code a
learner gets, so no reference answer and no hidden test can reach a page through its code.
A widget becomes what it showed at its default values, with a line saying that it moves
in JupyterLab. Pages are written with nbconvert's HTML exporter (JupyterLab's look),
without anything fetched from the internet: MathJax is served from the site itself.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import mistune
import nbformat
from nbconvert import HTMLExporter

from autograder.build import ROOT, Lesson
from autograder.docs import MUTANT_CODE_NOTE
from autograder.site.execute import LessonFailed, cell_label, first_error

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "template"
STATIC = HERE / "static"
DOCS = ROOT / "docs"
TITLE = "How large language models work"
#: MathJax's configuration (TeX and MathML in, HTML-CSS out) and its safe mode.
MATHJAX = "static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
#: Text that only the nbgrader source notebooks and the grader hold.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "autograder.hidden",
           "_hidden_", "(hidden tests)")
#: The alternative text nbconvert gives an image that has none.
NO_ALT = "No description has been provided for this image"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
INTERACTIVE_NOTE = ("Interactive in JupyterLab: shown here at its default values{values}. "
                    "Run the lesson (<code>make course</code>) to move the controls.")


@dataclass
class LessonInfo:
    """What the landing page and the navigation say about a lesson."""

    lesson: Lesson
    title: str
    objectives: str
    builds: str

    @property
    def page(self) -> str:
        return f"{self.lesson.name}.html"

    @property
    def number(self) -> str:
        return self.lesson.name[:2]

    @property
    def notebook(self) -> str:
        """Where the site holds the lesson's notebook, as learners get it, for download."""
        return f"notebooks/{self.lesson.path.name}"


# ---------------------------------------------------------------------------- lesson facts

def lesson_title(lesson: Lesson) -> str:
    """The notebook's first heading without its number: "A network is arithmetic: ..."."""
    notebook = nbformat.read(lesson.path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (match := re.search(r"^#\s+(.+)$", cell.source, re.M)):
            return re.sub(r"^\d+\s*·\s*", "", match.group(1)).strip()
    return lesson.name[3:].replace("_", " ")


def syllabus_objectives() -> dict[str, str]:
    """Lesson number -> its objectives, from docs/syllabus.md (empty if there is none)."""
    path = DOCS / "syllabus.md"
    if not path.exists():
        return {}
    found = {}
    for section in re.split(r"^### ", path.read_text(), flags=re.M)[1:]:
        number = section[:2]
        if match := re.search(r"^Objectives:\s*(.+?)(?:\n\s*\n|\Z)", section, re.M | re.S):
            found[number] = " ".join(match.group(1).split())
    return found


def readme_builds() -> dict[str, str]:
    """Lesson number -> what the learner builds, from the README's lesson table."""
    rows = re.findall(r"^\|\s*(\d\d)\s*\|[^|]*\|\s*(.+?)\s*\|\s*$", (ROOT / "README.md").read_text(), re.M)
    return dict(rows)


def readme_section(heading: str) -> str:
    """The markdown of one `## heading` section of the README (without the heading)."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match else ""


def lesson_infos(lessons: list[Lesson]) -> list[LessonInfo]:
    objectives, builds = syllabus_objectives(), readme_builds()
    return [LessonInfo(lesson, lesson_title(lesson), objectives.get(lesson.name[:2], ""),
                       builds.get(lesson.name[:2], "")) for lesson in lessons]


# ---------------------------------------------------------------------------- lesson pages

def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _controls(state: dict, model_id: str) -> list[str]:
    """'name = value' for every control (slider, text box, menu) inside a widget."""
    model = state.get(model_id, {}).get("state", {})
    found = []
    if model.get("description") and ("value" in model or "index" in model):
        if "_options_labels" in model and model.get("index") is not None:
            value = model["_options_labels"][model["index"]]
        else:
            value = model.get("value")
        shown = repr(value) if isinstance(value, str) else _number(value)
        found.append(f"{model['description']} = {shown}")
    for child in model.get("children", []):
        found += _controls(state, str(child).removeprefix("IPY_MODEL_"))
    return found


def _texts(state: dict, model_id: str) -> list[str]:
    """The text a display-only widget shows (a progress bar's labels)."""
    model = state.get(model_id, {})
    found = []
    if model.get("model_name") in ("HTMLModel", "LabelModel") and model["state"].get("value"):
        found.append(html.unescape(re.sub(r"<[^>]+>", "", model["state"]["value"])))
    for child in model.get("state", {}).get("children", []):
        found += _texts(state, str(child).removeprefix("IPY_MODEL_"))
    return found


def _outputs_in(state: dict, model_id: str) -> list[dict]:
    model = state.get(model_id, {})
    found = [copy.deepcopy(o) for o in model.get("state", {}).get("outputs", [])]
    for child in model.get("state", {}).get("children", []):
        found += _outputs_in(state, str(child).removeprefix("IPY_MODEL_"))
    return found


def static_outputs(output: dict, state: dict) -> list[dict]:
    """What a widget output becomes on a page: its stored outputs, and a note if it is
    interactive; a progress bar becomes its final line of text."""
    model_id = output["data"][WIDGET_VIEW]["model_id"]
    controls, inner = _controls(state, model_id), _outputs_in(state, model_id)
    if controls:
        values = f" ({', '.join(html.escape(c) for c in controls)})"
        note = nbformat.v4.new_output("display_data", data={
            "text/html": f'<p class="site-widget-note">{INTERACTIVE_NOTE.format(values=values)}</p>',
            "text/plain": "Interactive in JupyterLab."})
        return [nbformat.from_dict(o) for o in inner] + [note]
    if inner:
        return [nbformat.from_dict(o) for o in inner]
    if text := " ".join(t.strip() for t in _texts(state, model_id) if t.strip()):
        return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    return []


def page_notebook(lesson: Lesson, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner's notebook with the executed outputs; widgets made static.

    Raises LessonFailed if the executed notebook holds an error or does not match the lesson.
    """
    if where := first_error(executed):
        raise LessonFailed(f"lesson {lesson.name}: {cell_label(executed, where[0])} shows an error: "
                           f"{where[1].get('ename')}: {where[1].get('evalue')}")
    page = nbformat.read(lesson.path, as_version=4)
    if [c.cell_type for c in page.cells] != [c.cell_type for c in executed.cells]:
        raise LessonFailed(f"lesson {lesson.name}: the executed notebook's cells differ from the lesson's "
                           "(stale cache?)")
    state = executed.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell, ran in zip(page.cells, executed.cells):
        meta = cell.metadata.get("nbgrader", {})
        tags = set(cell.metadata.get("tags", []))
        if meta.get("solution"):
            tags.add("exercise")
        elif meta.get("grade"):
            tags.add("check")
        elif cell.metadata.get("course", {}).get("provided"):
            tags.add("provided")
        cell.metadata["tags"] = sorted(tags)
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in ran.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                outputs += static_outputs(output, state)
            else:
                outputs.append(output)
        cell.outputs = outputs
        cell.execution_count = ran.get("execution_count")
    page.metadata.pop("widgets", None)
    return page


def _exporter() -> HTMLExporter:
    return HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input_prompt=True, exclude_output_prompt=True, mathjax_url=MATHJAX)


class Shell:
    """The header, sidebar, pager and footer around every page. `repository`: the course's
    repository's web address, linked from every page when it is known."""

    def __init__(self, infos: list[LessonInfo], docs: bool, commit: str,
                 repository: str | None = None) -> None:
        self.infos, self.docs, self.commit, self.repository = infos, docs, commit, repository

    def header(self, root: str) -> str:
        links = [f'<a href="{root}index.html#lessons">Lessons</a>']
        if self.docs:
            links.append(f'<a href="{root}docs/index.html">For instructors</a>')
        if self.repository:
            links.append(f'<a href="{html.escape(self.repository)}">Repository</a>')
        return (f'<header class="site-header"><a class="site-title" href="{root}index.html">{TITLE}</a>'
                f'<nav>{" ".join(links)}</nav></header>')

    def sidebar(self, root: str, current: str = "") -> str:
        items = "".join(
            f'<li{" class=current" if info.page == current else ""}>'
            f'<a href="{root}{info.page}"><span class="num">{info.number}</span> '
            f'{html.escape(info.title)}</a></li>'
            for info in self.infos)
        return f'<nav class="site-sidebar" aria-label="lessons"><ol>{items}</ol></nav>'

    def pager(self, info: LessonInfo) -> str:
        index = self.infos.index(info)
        parts = []
        if index > 0:
            prev = self.infos[index - 1]
            parts.append(f'<a class="prev" href="{prev.page}">'
                         f'← {prev.number} · {html.escape(prev.title)}</a>')
        if index + 1 < len(self.infos):
            nxt = self.infos[index + 1]
            parts.append(f'<a class="next" href="{nxt.page}">{nxt.number} · {html.escape(nxt.title)} →</a>')
        return f'<nav class="site-pager">{"".join(parts)}</nav>'

    def footer(self, root: str) -> str:
        built = f" from commit {self.commit}" if self.commit else ""
        return (f'<footer class="site-footer">{TITLE}: the web edition, built{built} by '
                f'<code>python -m autograder site</code>. Every output was computed with the reference '
                f'answers; every exercise cell shows what the learner gets. '
                f'<a href="{root}index.html#run">Run the course yourself</a>.</footer>')

    def page(self, title: str, body: str, root: str, current: str = "") -> str:
        """A plain page (landing page, teacher's pack) in the same frame as the lessons."""
        return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
                f"<title>{html.escape(title)}</title>\n"
                f'<link rel="stylesheet" href="{root}static/site.css">\n<link rel="icon" href="data:,">\n'
                f"</head>\n<body class=\"site-plain\">\n{self.header(root)}\n<div class=\"site-body\">\n"
                f"{self.sidebar(root, current)}\n<main class=\"site-text\">\n{body}\n</main>\n</div>\n"
                f"{self.footer(root)}\n</body>\n</html>\n")


LESSON_BANNER = (
    '<div class="site-banner">This is the lesson as a learner gets it, run with the reference '
    'answers: every figure and printed result below was computed when this page was built. '
    'The <span class="site-label-exercise">exercise</span> cells show the stub you fill in, '
    'not the answer. To do the exercises and move the widgets, '
    '<a href="index.html#run">run the course in JupyterLab</a>{repository}. '
    '<a href="{notebook}" download>Download this notebook</a> (it runs in the course\'s folder, '
    'beside its helpers).</div>')


def lesson_banner(info: LessonInfo, shell: Shell) -> str:
    """The note above a lesson: what the page shows, how to run it, its notebook to download."""
    repository = (f' (<a href="{html.escape(shell.repository)}">the course\'s repository</a>)'
                  if shell.repository else "")
    return LESSON_BANNER.format(repository=repository, notebook=html.escape(info.notebook))


def lesson_html(info: LessonInfo, page: nbformat.NotebookNode, shell: Shell) -> str:
    """One lesson's page."""
    page = copy.deepcopy(page)
    page.metadata["title"] = f"{info.number} · {info.title} — {TITLE}"
    resources = {"site": {
        "root": "", "header": shell.header("") + lesson_banner(info, shell),
        "sidebar": shell.sidebar("", info.page),
        "pager": shell.pager(info), "footer": shell.footer("")}}
    body, _ = _exporter().from_notebook_node(page, resources=resources)
    return describe_figures(body)


def describe_figures(page_html: str) -> str:
    """Give each figure nbconvert left undescribed an alternative text: the section it is in."""
    from bs4 import BeautifulSoup  # nbconvert's own dependency

    soup = BeautifulSoup(page_html, features="html.parser")
    for image in soup.select(f'img[alt="{NO_ALT}"]'):
        heading = image.find_previous(["h1", "h2", "h3", "h4"])
        section = heading.get_text(" ", strip=True).rstrip("¶").strip() if heading else "the lesson"
        image["alt"] = f"Figure computed in section: {section}"
    return str(soup)


# ---------------------------------------------------------------------------- plain pages

def markdown(text: str) -> str:
    """Markdown as HTML, headings with GitHub's anchors (so `file.md#a-heading` links hold)."""
    seen: dict[str, int] = {}

    def anchor(match: re.Match) -> str:
        words = html.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", words).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slug = f"{slug}-{count}" if count else slug
        return f'<h{match.group(1)} id="{html.escape(slug)}">{match.group(2)}</h{match.group(1)}>'

    return re.sub(r"<h([1-6])>(.*?)</h\1>", anchor, mistune.html(text), flags=re.S)


def inline(text: str) -> str:
    """One paragraph of markdown as HTML without its <p>."""
    return re.sub(r"^<p>|</p>\s*$", "", markdown(text).strip())


def rewrite_links(page_html: str, here: str, pages: set[str]) -> str:
    """Point links at the site's pages: `x.md` -> `x.html`, a lesson's `.ipynb` -> its page,
    README.md -> the landing page; a link to a file the site does not hold loses its link.

    `here` is the page's folder inside the site ("" or "docs/"); `pages` every file the site
    holds, as paths from its root.
    """
    def target(href: str) -> str | None:
        if re.match(r"^[a-z]+:|^#|^//", href):
            return href
        path, _, anchor = href.partition("#")
        resolved = Path(here, path).as_posix()
        parts: list[str] = []
        for part in resolved.split("/"):
            if part == "..":
                if not parts:
                    return None  # outside the site
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        site_path = "/".join(parts)
        name = parts[-1] if parts else ""
        if name == "README.md":
            site_path = "/".join([*parts[:-1], "index.html"]) if parts[:-1] == ["docs"] else "index.html"
        elif name.endswith(".md"):
            site_path = site_path[:-3] + ".html"
        elif name.endswith(".ipynb") and parts[:-1] == ["lessons"]:
            site_path = name[:-6] + ".html"
        if site_path not in pages:
            return None
        depth = here.count("/")
        return "../" * depth + site_path + (f"#{anchor}" if anchor else "")

    def replace(match: re.Match) -> str:
        pre, href, post, text = match.groups()
        new = target(html.unescape(href))
        if new is None:
            return text
        return f'<a {pre}href="{html.escape(new)}"{post}>{text}</a>'

    return re.sub(r'<a\s([^>]*?)href="([^"]*)"([^>]*)>(.*?)</a>', replace, page_html, flags=re.S)


def repository_link(shell: Shell) -> str:
    """ "course's repository", linked to it when its address is known."""
    if not shell.repository:
        return "course's repository"
    address = html.escape(shell.repository)
    return f'course\'s repository, <a href="{address}">{address}</a>'


def landing_html(infos: list[LessonInfo], shell: Shell, docs: bool) -> str:
    intro = (ROOT / "README.md").read_text().split("\n\n")[1]
    cards = []
    for info in infos:
        objectives = (f'<p class="objectives"><strong>Objectives:</strong> {inline(info.objectives)}</p>'
                      if info.objectives else "")
        builds = (f'<p class="builds"><strong>You build:</strong> {inline(info.builds)}</p>'
                  if info.builds else "")
        cards.append(f'<li class="lesson-card"><a class="lesson-link" href="{info.page}">'
                     f'<span class="num">{info.number}</span> {html.escape(info.title)}</a>'
                     f"{objectives}{builds}</li>")
    run = readme_section("Quick start")
    instructors = ""
    if docs:
        instructors = (
            '<h2 id="instructors">For instructors</h2>\n'
            '<p>The <a href="docs/index.html">teacher\'s pack</a>: the syllabus with term plans, '
            'an instructor guide (releasing, grading with hidden tests, feedback, regrades, grades '
            'into Canvas or Moodle), the mistakes students make in each exercise, a glossary in '
            'English and Chinese, a reading list, and how to run the course on a JupyterHub.</p>')
    body = (
        f'<h1>{TITLE}</h1>\n<div class="lead">{markdown(intro)}</div>\n'
        '<p>This web edition shows every lesson run with the reference answers: every figure, table '
        'and printed result, computed when the site was built. Exercise cells show the stub a '
        'learner fills in; the checks under them show what a correct answer earns.</p>\n'
        f'<h2 id="lessons">The lessons</h2>\n<ol class="lesson-cards">{"".join(cards)}</ol>\n'
        '<h2 id="run">Run it yourself</h2>\n<p>Everything runs offline on a laptop CPU. Get the '
        f"{repository_link(shell)} (clone or download it); then, in its folder:</p>\n"
        f"{markdown(run)}\n"
        f"{instructors}")
    return shell.page(TITLE, body, "")


def write_docs(out: Path, shell: Shell, pages: set[str]) -> list[Path]:
    """The teacher's pack, docs/*.md, as pages under docs/ (docs/README.md is docs/index.html);
    other files in docs/ are copied as they are."""
    written = []
    for source in sorted(DOCS.iterdir()):
        if source.suffix == ".md":
            name = "index.html" if source.name == "README.md" else source.stem + ".html"
            text = without_wrong_answers(source.read_text())
            title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), source.stem)
            body = rewrite_links(markdown(text), "docs/", pages)
            (out / "docs" / name).write_text(shell.page(f"{title} — {TITLE}", body, "../"))
            written.append(out / "docs" / name)
        elif source.is_file():
            shutil.copyfile(source, out / "docs" / source.name)
            written.append(out / "docs" / source.name)
    return written


CODE_LEFT_OUT = (
    "\n\n*On the web the code of each wrong answer is left out: shown as a diff against the "
    "reference answer or in full, it gives away much of an answer that the web edition never "
    "shows. It is in `docs/mistakes.md` in the course's repository.*\n\n")
#: A <details> block (one, never reaching into the next) that holds a fenced code block.
CODE_DETAILS = re.compile(r"<details>(?:(?!</details>).)*?```(?:(?!</details>).)*</details>\n?", re.S)


def without_wrong_answers(text: str) -> str:
    """A document without the code of its wrong answers: every <details> block holding code
    (mistakes.md shows each mutant that way, as a diff or in full), and a line saying so."""
    kept = CODE_DETAILS.sub("", text)
    if kept == text:
        return text
    kept = kept.replace(MUTANT_CODE_NOTE + " ", "")
    title, _, rest = kept.partition("\n\n")
    return title + CODE_LEFT_OUT + rest


def reference_leaks(site: Path, lessons: list[Lesson]) -> list[str]:
    """Pages and notebooks of `site` that show a reference answer's body (from any lesson), a
    solution or hidden-test marker or a hidden-test module. A lesson page or notebook may show
    the earlier answers its own notebook provides (learners get those too)."""
    from autograder.build import all_lessons, split_function

    bodies = {f"{lesson.name}.{name}": " ".join(split_function(getattr(lesson.solutions(), name))[1].split())
              for lesson in all_lessons() for name in lesson.exercises()}
    given = {name: notebook_code(lesson.path) for lesson in lessons
             for name in (f"{lesson.name}.html", lesson.path.name)}
    found = []
    for path in sorted([*site.rglob("*.html"), *site.rglob("*.ipynb")]):
        text = notebook_code(path) if path.suffix == ".ipynb" else page_text(path.read_text())
        for marker in MARKERS:
            if marker in text:
                found.append(f"{path.relative_to(site)} shows {marker!r}")
        provided = given.get(path.name, "")
        shown = [name for name, body in bodies.items() if body in text and body not in provided]
        if shown:
            found.append(f"{path.relative_to(site)} shows the reference answer of {', '.join(shown)}")
    return found


def notebook_code(path: Path) -> str:
    """A notebook's cells, spaces collapsed."""
    return " ".join(" ".join(cell.source for cell in nbformat.read(path, as_version=4).cells).split())


def page_text(page_html: str) -> str:
    """A page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    page_html = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page_html)).split())


def docs_pages() -> set[str]:
    """The site paths the teacher's pack becomes."""
    if not DOCS.is_dir():
        return set()
    return {f"docs/{'index.html' if p.name == 'README.md' else p.stem + '.html'}" if p.suffix == ".md"
            else f"docs/{p.name}" for p in DOCS.iterdir() if p.is_file()}


def copy_static(out: Path) -> None:
    """The site's stylesheet and MathJax (from the jupyter-server-mathjax package)."""
    import jupyter_server_mathjax

    shutil.copytree(STATIC, out / "static", dirs_exist_ok=True)
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, out / "static" / "mathjax", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("localization", "a11y"))
