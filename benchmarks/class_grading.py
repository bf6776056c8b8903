"""Grading a class: serial `nbgrader autograde` against `python -m autograder grade`.

    .venv/bin/python benchmarks/class_grading.py [--lessons 01,04,08,11] [--students 20]
                                                 [--workers N] [--repeat 3] [--also-full]

For each lesson: builds it in a temporary course, submits the same class twice (reference
answers, untouched releases and rounds of mutants, in turn), then grades one copy with
plain `nbgrader autograde` (one process, one submission after another) and copies of the
other with this course's command (parallel, warm, sandboxed, running only the cells the
grades depend on), both timed from the command line, start-up included. The command runs
--repeat times (3 by default), each on a fresh copy of the class, and its median time is
the one compared: a run of a few seconds on a shared machine is at the mercy of whatever
else runs in those seconds, where the serial run, ten times longer, averages it out.
Prints every time, each side's median and slowest submission (a stall shows there), the
ratio (target: 10x or more), whether every grade of every submission is identical (in
every run), and how many submissions the command ran in full (the fast path's fallback);
with --also-full, the command's time with --full too. Ends with one line per lesson. A
benchmark: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from autograder import nbgrader  # noqa: E402
from autograder.build import all_lessons, build  # noqa: E402
from autograder.grading.grade import cell_grades  # noqa: E402
from autograder.grading.sandbox import sandbox_available  # noqa: E402
from autograder.submissions import mutant_answers, mutant_rounds, reference_answers, submit  # noqa: E402

TARGET_RATIO = 10.0
#: Seconds per cell on both sides: the course's 120 s is too short for some reference cells
#: on a busy machine, and plain nbgrader then fails the whole run.
CELL_TIMEOUT = 600


def make_class(course: Path, number: str, students: int) -> str:
    lesson = next(lesson for lesson in all_lessons() if lesson.name.startswith(f"{number}_"))
    build(course, [lesson])
    nbgrader.generate_assignment(course, lesson.name)
    kinds = [reference_answers(lesson), {}, *map(mutant_answers, mutant_rounds(lesson))]
    for i in range(students):
        submit(course, lesson, f"student{i:03d}", kinds[i % len(kinds)])
    return lesson.name


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy so far, all cores together (/proc/stat).

    Not the children's rusage: bubblewrap does not pass its sandbox's CPU time on to the
    process that waits for it, so the kernels' work would go uncounted. Run on a quiet
    machine: every process counts.
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def serial_durations(course: Path, lesson: str) -> list[float]:
    """Seconds between consecutive autograded notebooks (nbgrader grades one after another):
    about each submission's grading time (all but the first's)."""
    written = sorted(p.stat().st_mtime for p in (course / "autograded").glob(f"*/{lesson}/*.ipynb"))
    return [b - a for a, b in zip(written, written[1:])]


def command_durations(grade_table: Path) -> list[float]:
    """Each submission's grading time, from the command's grade table."""
    with open(grade_table, newline="") as f:
        return [float(row["seconds"]) for row in csv.DictReader(f)]


def spread(seconds: list[float]) -> str:
    """Median and slowest: a slowest far above the median is a stall, which inflates that
    side's total (nbgrader's own kernel client sometimes waits ~120 s for a reply)."""
    return (f"median {statistics.median(seconds):.1f} s, slowest {max(seconds):.1f} s"
            if seconds else "none")


def run_command(course: Path, lesson: str, workers: int, sandboxed: bool,
                full: bool = False) -> tuple[float, float, subprocess.CompletedProcess]:
    """`python -m autograder grade` on `course`: wall seconds, busy CPU seconds, the result."""
    command = [sys.executable, "-m", "autograder", "grade", lesson, "--course", str(course),
               "--workers", str(workers), "--quiet", "--timeout", str(CELL_TIMEOUT)]
    command += [] if sandboxed else ["--no-sandbox-i-accept-the-risk"]
    command += ["--full"] if full else []
    cpu, start = busy_cpu_seconds(), time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, busy_cpu_seconds() - cpu, result


def full_runs(grade_table: Path) -> int:
    """Submissions the command ran in full after its fast path (their note says why)."""
    with open(grade_table, newline="") as f:
        return sum("every cell run" in row["notes"] for row in csv.DictReader(f))


def differing_grades(expected: dict, got: dict) -> list[tuple[str, str]]:
    """The (student, grade id) pairs whose scores differ (or exist on one side only)."""
    return sorted(key for key in expected.keys() | got.keys() if expected.get(key) != got.get(key))


def benchmark(number: str, args: argparse.Namespace, sandboxed: bool) -> dict:
    """One lesson's class, graded both ways; what it measured."""
    with tempfile.TemporaryDirectory(prefix="class-grading-") as tmp:
        serial = Path(tmp) / "serial"
        runs = [Path(tmp) / f"parallel{run}" for run in range(args.repeat)]
        lesson = make_class(serial, number, args.students)
        for copy in runs:
            shutil.copytree(serial, copy)
        if args.also_full:
            shutil.copytree(serial, Path(tmp) / "full")
        print(f"\n{args.students} submissions of {lesson}, {os.cpu_count()} CPUs, "
              f"{args.workers} workers")

        cpu, start = busy_cpu_seconds(), time.perf_counter()
        nbgrader.autograde(serial, lesson, f"--Execute.timeout={CELL_TIMEOUT}")
        serial_seconds, serial_cpu = time.perf_counter() - start, busy_cpu_seconds() - cpu
        print(f"serial nbgrader autograde:  {serial_seconds:6.1f} s "
              f"({serial_seconds / args.students:.2f} s per submission; CPU {serial_cpu:.1f} s)")

        timings = []  # (wall seconds, busy CPU seconds) of each run of the command
        for copy in runs:
            seconds, cpu_seconds, result = run_command(copy, lesson, args.workers, sandboxed)
            timings.append((seconds, cpu_seconds))
            if result.returncode:
                print(result.stdout[-2000:], result.stderr[-2000:])
        seconds, cpu_seconds = (statistics.median(side) for side in zip(*timings))
        print(f"python -m autograder grade: {seconds:6.1f} s, the median of "
              f"{', '.join(f'{wall:.1f}' for wall, _ in timings)} s "
              f"({seconds / args.students:.2f} s per submission, start-up included; "
              f"CPU {cpu_seconds:.1f} s)")
        table = runs[0] / "grades.csv"
        print(f"per submission: serial {spread(serial_durations(serial, lesson))}; "
              f"the command {spread(command_durations(table))}; "
              f"run in full after the fast path: {full_runs(table)}")
        full_seconds = None
        if args.also_full:
            full_seconds, _, _ = run_command(Path(tmp) / "full", lesson, args.workers, sandboxed,
                                             full=True)
            print(f"python -m autograder grade --full: {full_seconds:6.1f} s")
        ratio = serial_seconds / seconds
        print(f"ratio: {ratio:.1f}x (target {TARGET_RATIO:g}x); CPU time ratio "
              f"{serial_cpu / cpu_seconds:.1f}x (the machine's busy CPU time in each run)")

        expected = cell_grades(serial, lesson)
        differ = [differing_grades(expected, cell_grades(copy, lesson)) for copy in runs]
        print(f"identical scores: {'yes' if not any(differ) else 'NO'} "
              f"({len(expected)} grades of {args.students} submissions compared, in each of "
              f"{len(runs)} runs)")
        for run, (copy, keys) in enumerate(zip(runs, differ, strict=True)):
            got = cell_grades(copy, lesson)
            for student, cell in keys[:10]:
                print(f"  run {run + 1}: {student} {cell}: nbgrader {expected.get((student, cell))}, "
                      f"ours {got.get((student, cell))}")
        return {"lesson": lesson, "serial": serial_seconds, "ours": seconds, "ratio": ratio,
                "identical": not any(differ), "full": full_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", default="01,04,08,11",
                        help="comma-separated lesson numbers (default: 01,04,08,11)")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the command, each on a fresh copy; the median is compared "
                             "(default: 3)")
    parser.add_argument("--also-full", action="store_true",
                        help="time the command with --full (every cell) as well")
    args = parser.parse_args()
    sandboxed, why = sandbox_available()
    print(f"sandbox: {'yes' if sandboxed else 'NO (' + why + ')'}; load average before: "
          f"{os.getloadavg()[0]:.1f}")
    rows = [benchmark(number.strip(), args, sandboxed) for number in args.lessons.split(",")]
    print(f"\n{'lesson':<30} {'serial nbgrader':>16} {'the grader':>11} {'ratio':>7}  identical"
          + ("  --full" if args.also_full else ""))
    for row in rows:
        print(f"{row['lesson']:<30} {row['serial']:>14.1f} s {row['ours']:>9.1f} s "
              f"{row['ratio']:>6.1f}x  {'yes' if row['identical'] else 'NO'}"
              + (f"  {row['full']:.1f} s" if row["full"] is not None else ""))


if __name__ == "__main__":
    main()
