"""The web edition: every lesson as a static HTML page, executed, with the learner's stubs.

    python -m autograder site [LESSON ...] [--out DIR] [--cache DIR] [--workers N] [--repository-url URL]

Each lesson runs once with the reference answers (autograder/site/execute.py; the run is
cached, keyed by everything its outputs depend on), then its page is the learner's notebook
with those outputs (autograder/site/render.py). Beside the lessons: a landing page (what the
course teaches, each lesson's objectives, how to run it), each lesson's notebook to download,
and the teacher's pack from docs/. Given the repository's address, every page links to it.
Nothing is fetched from the internet, at build time or when a page is read.

A lesson that fails to execute (an error, a timeout, a dead kernel or worker process) fails
the build, naming the lesson and the cell.
docs/web-edition.md says how to publish the site (GitHub Pages).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.build import ROOT, Lesson, all_lessons
from autograder.site.execute import LessonFailed, SiteFailed, executed_lessons
from autograder.site.render import (
    DOCS,
    Shell,
    copy_static,
    docs_pages,
    landing_html,
    lesson_html,
    lesson_infos,
    page_notebook,
    reference_leaks,
    rewrite_links,
    write_docs,
)

DEFAULT_OUT = ROOT / "_site"
DEFAULT_CACHE = ROOT / ".cache" / "site"

__all__ = ["DEFAULT_CACHE", "DEFAULT_OUT", "LessonFailed", "SiteFailed", "SiteReport", "build_site", "main"]


@dataclass
class SiteReport:
    """What a build did: pages written, lessons executed or taken from the cache, timings."""

    out: Path
    pages: list[Path] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.out.rglob("*") if p.is_file())


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def build_site(out: Path = DEFAULT_OUT, lessons: list[Lesson] | None = None,
               cache: Path = DEFAULT_CACHE, workers: int = 1, log=print,
               repository: str | None = None) -> SiteReport:
    """Execute (or take from `cache`) each lesson and write the whole site into `out`;
    `repository`, the course's repository's web address, is linked from every page.

    Raises LessonFailed, naming the lesson and the cell, if a lesson does not run, and
    SiteFailed if a page would show a reference answer or a hidden test; `out` is then left
    as it was.
    """
    start = time.perf_counter()
    lessons = lessons or all_lessons()
    report = SiteReport(out)
    runs = executed_lessons(lessons, cache, workers, log)
    for name, (_, from_cache) in runs.items():
        (report.cached if from_cache else report.executed).append(name)
    pages: dict[str, nbformat.NotebookNode] = {
        lesson.name: page_notebook(lesson, runs[lesson.name][0]) for lesson in lessons}

    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    infos = lesson_infos(lessons)
    has_docs = DOCS.is_dir() and (DOCS / "README.md").exists()
    shell = Shell(infos, has_docs, _commit(), repository)
    copy_static(staging)
    (staging / "notebooks").mkdir()
    for info in infos:
        path = staging / info.page
        path.write_text(lesson_html(info, pages[info.lesson.name], shell))
        report.pages.append(path)
        shutil.copyfile(info.lesson.path, staging / info.notebook)
    site_pages = {info.page for info in infos} | {"index.html"} | (docs_pages() if has_docs else set())
    (staging / "index.html").write_text(rewrite_links(landing_html(infos, shell, has_docs), "", site_pages))
    report.pages.append(staging / "index.html")
    if has_docs:
        (staging / "docs").mkdir()
        report.pages += [p for p in write_docs(staging, shell, site_pages) if p.suffix == ".html"]
    (staging / ".nojekyll").write_text("")  # GitHub Pages: serve the folder as it is
    if leaks := reference_leaks(staging, lessons):
        raise SiteFailed("it would show what learners must not see:\n  "
                           + "\n  ".join(leaks))
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    report.pages = [out / p.relative_to(staging) for p in report.pages]
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> None:
    """`python -m autograder site [LESSON ...] [--out DIR] [--cache DIR] [--workers N]
    [--repository-url URL]`."""
    parser = argparse.ArgumentParser(prog="python -m autograder site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lesson names or numbers (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the site "
                        "(default: _site/)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="executed lessons kept "
                        "between builds (default: .cache/site/)")
    parser.add_argument("--workers", type=int, default=1, help="lessons executed at once (default: 1)")
    parser.add_argument("--repository-url", help="the course's repository on the web (https://...), "
                        "linked from every page (default: no link)")
    args = parser.parse_args(argv)
    if args.repository_url and not args.repository_url.startswith(("https://", "http://")):
        sys.exit(f"--repository-url must be a web address (https://...), not {args.repository_url!r}")
    lessons = all_lessons()
    if args.lessons:
        wanted = set(args.lessons)
        unknown = wanted - {lesson.name for lesson in lessons} - {lesson.name[:2] for lesson in lessons}
        if unknown:
            sys.exit(f"no such lesson: {', '.join(sorted(unknown))}")
        lessons = [lesson for lesson in lessons if lesson.name in wanted or lesson.name[:2] in wanted]
    try:
        report = build_site(args.out, lessons, args.cache, args.workers, repository=args.repository_url)
    except SiteFailed as failure:
        sys.exit(f"site not built: {failure}")
    print(f"site: {len(report.pages)} pages in {report.out} ({report.size() / 1e6:.1f} MB), "
          f"{len(report.executed)} lessons executed, {len(report.cached)} from the cache, "
          f"{report.seconds:.0f} s; open {report.out / 'index.html'}")
