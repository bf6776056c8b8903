"""Print measured figures: each lesson's run time with references, and nbgrader's time.

    .venv/bin/python benchmarks/run.py [--lessons 01,02]

For every lesson: build it with the references, execute the source notebook top to
bottom in a fresh kernel (the learner's "Run all", answers filled in), then release it
and time `nbgrader autograde` on one reference submission. The target is 60 s or less
per lesson on a 2-core CPU. Then the data and coder figures: the GloVe load in a fresh
process (target under 5 s) and lesson 11's arithmetic coder driven by the order-3 counting
model on the held-out text (target 50 kB/s or more each way). This is a benchmark, not a
test: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from autograder import nbgrader  # noqa: E402
from autograder.build import Lesson, all_lessons, build  # noqa: E402
from autograder.submissions import reference_answers, submit  # noqa: E402

TARGET_SECONDS = 60


def run_notebook(path: Path) -> float:
    """Execute a notebook in a fresh kernel in its own folder; return the wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def time_autograde(course: Path, lesson: Lesson) -> float:
    """Release the lesson, submit the reference answers once, and time nbgrader autograde."""
    nbgrader.generate_assignment(course, lesson.name)
    submit(course, lesson, "benchmark", reference_answers(lesson))
    start = time.perf_counter()
    nbgrader.autograde(course, lesson.name)
    return time.perf_counter() - start


def time_glove_load() -> float:
    """Seconds to load the 400,000 x 50 GloVe vectors in a fresh Python process."""
    code = ("import time; start = time.perf_counter(); from helpers.glove import load_glove; "
            "load_glove(); print(time.perf_counter() - start)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ})
    return float(result.stdout)


def report_coder_speed() -> None:
    """Lesson 11's reference coder with the counting model, on about 46,000 held-out characters."""
    from helpers.compression import coder_benchmark
    from solutions.lesson11 import context_counts, decode, encode, frequencies

    figures = coder_benchmark(encode, decode, context_counts, frequencies)
    print(f"arithmetic coder, order-3 counts, {figures['n_chars']:,} chars: "
          f"encode {figures['encode_chars_per_second'] / 1000:.0f} kB/s, "
          f"decode {figures['decode_chars_per_second'] / 1000:.0f} kB/s (target >= 50 kB/s), "
          f"round trip exact: {bool(figures['round_trip'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="", help="comma-separated numbers (default: all)")
    wanted = [n for n in parser.parse_args().lessons.split(",") if n]
    lessons = [lesson for lesson in all_lessons() if not wanted or lesson.name[:2] in wanted]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "lessons")])
    print(f"{'lesson':<28} {'run all (s)':>12} {'autograde (s)':>14}  within {TARGET_SECONDS} s")
    with tempfile.TemporaryDirectory() as folder:
        course = build(Path(folder), lessons)
        for lesson in lessons:
            seconds = run_notebook(course / "source" / lesson.name / lesson.path.name)
            grading = time_autograde(course, lesson)
            verdict = "yes" if seconds <= TARGET_SECONDS else "NO"
            print(f"{lesson.name:<28} {seconds:>12.1f} {grading:>14.1f}  {verdict}", flush=True)
    print(f"GloVe 6B 50d load, fresh process: {time_glove_load():.2f} s (target < 5 s)")
    report_coder_speed()


if __name__ == "__main__":
    main()
