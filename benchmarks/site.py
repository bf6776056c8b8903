"""Print measured figures of the web edition: build time (executing, then from the cache) and size.

    .venv/bin/python benchmarks/site.py [--lessons 01,02] [--workers N] [--cold]

Builds the site twice into a temporary folder with the cache `python -m autograder site`
uses (.cache/site/; with --cold, a fresh one, so every lesson executes): the first build
executes whatever the cache lacks, the second takes every lesson from the cache. Prints
each build's time, how many lessons it executed, the site's size and its largest files.
Targets: 5 minutes or less with cached executions, 50 MB or less. This is a benchmark,
not a test: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from autograder.build import all_lessons  # noqa: E402
from autograder.site import DEFAULT_CACHE, build_site  # noqa: E402

TARGET_SECONDS = 300
TARGET_MB = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="", help="comma-separated lesson numbers (default: all)")
    parser.add_argument("--workers", type=int, default=1, help="lessons executed at once")
    parser.add_argument("--cold", action="store_true", help="start from an empty cache")
    args = parser.parse_args()
    wanted = [n.strip() for n in args.lessons.split(",") if n.strip()]
    lessons = [lesson for lesson in all_lessons() if not wanted or lesson.name[:2] in wanted]
    with tempfile.TemporaryDirectory(prefix="site-bench-") as scratch:
        cache = Path(scratch) / "cache" if args.cold else DEFAULT_CACHE
        print(f"{len(lessons)} lessons, cache {cache}, {args.workers} worker(s), "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        def log(message: str) -> None:
            print(f"  {message}", flush=True)

        start = time.perf_counter()
        first = build_site(Path(scratch) / "first", lessons, cache, args.workers, log)
        print(f"build 1: {time.perf_counter() - start:6.1f} s  executed {len(first.executed)}, "
              f"from the cache {len(first.cached)}")
        start = time.perf_counter()
        second = build_site(Path(scratch) / "second", lessons, cache, args.workers, log)
        seconds = time.perf_counter() - start
        print(f"build 2: {seconds:6.1f} s  executed {len(second.executed)}, from the cache "
              f"{len(second.cached)}   (target <= {TARGET_SECONDS} s)")
        size = second.size() / 1e6
        files = [p for p in second.out.rglob("*") if p.is_file()]
        print(f"size:    {size:6.1f} MB in {len(files)} files, {len(second.pages)} pages   "
              f"(target <= {TARGET_MB} MB)")
        mathjax = sum(p.stat().st_size for p in (second.out / "static" / "mathjax").rglob("*") if p.is_file())
        print(f"         MathJax {mathjax / 1e6:.1f} MB; largest pages:")
        for page in sorted(second.pages, key=lambda p: -p.stat().st_size)[:5]:
            print(f"         {page.stat().st_size / 1e6:5.1f} MB  {page.relative_to(second.out)}")


if __name__ == "__main__":
    main()
