"""`python -m autograder grade LESSON [LESSON ...]`: grade a whole class, in parallel, sandboxed.

Reads nbgrader's submitted/ tree (never writes to it), grades every submission of the
lessons with nbgrader's own preprocessors and gradebook (so `nbgrader generate_feedback`,
`export` and the formgrader keep working), and writes a grade table (CSV) with a status
per student and lesson: "graded", "not gradable (invalid notebook)", "... (missing
notebook)", "... (notebook of another lesson)", "no submission" or "grading failed",
and notes (cell timeouts, a dead kernel, restored test cells, killed processes...).

Each grading process owns a warm worker in a bubblewrap sandbox (no network, no view of
the course, the project or other students; an unprivileged uid; limits on time, memory,
processes and file size); every submission runs in a kernel freshly forked from it.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import multiprocessing
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder.grading.outcome import GRADED, NO_SUBMISSION, Options, Outcome
from autograder.grading.sandbox import Worker
from autograder.grading.worker import die_with_parent

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_COURSE = ROOT / "autograder" / "course"
RISK_FLAG = "--no-sandbox-i-accept-the-risk"

_STATE: dict = {}


def _start_process(slots, lock, launched: list[Worker], uid0: int) -> None:
    """In each grading process: take a slot and the warm worker launched for it."""
    die_with_parent()  # a killed command leaves no grading process behind
    slot = slots.get()
    sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]
    # torch's OpenMP thread pool does not survive fork: in a child of a process that has used
    # it (a test run, a notebook), the next parallel torch call waits forever at the pool's
    # barrier. Hidden tests run torch here: one thread, so no pool.
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    worker = launched[slot]

    def start() -> Worker:  # a fresh worker like this one, should this one die
        return Worker(worker.folder, sandbox=worker.sandbox, private=worker.private,
                      preimport=worker.preimport).ready()

    _STATE.update(lock=lock, uid=uid0 + slot if worker.sandbox else None, start=start,
                  worker=worker.ready())


def _grade(options: Options, lesson: str, student: str) -> Outcome:
    from autograder.grading.grade import grade

    if not _STATE["worker"].alive():  # the worker died (a submission killed it): a fresh one
        _STATE["worker"] = _STATE["start"]()
    return grade(options, lesson, student, worker=_STATE["worker"], lock=_STATE["lock"],
                 slot_uid=_STATE["uid"])


def students_of(course: Path, lessons: list[str]) -> list[str]:
    submitted = course / "submitted"
    return sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []


def write_csv(path: Path, outcomes: list[Outcome]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(outcomes[0].row()) if outcomes else ["student"])
        writer.writeheader()
        for outcome in sorted(outcomes, key=lambda o: (o.lesson, o.student)):
            writer.writerow(outcome.row())


def grade_class(lessons: list[str], options: Options, *, workers: int, sandbox: bool,
                progress: bool = True) -> list[Outcome]:
    """Grade every submission of `lessons`; returns one outcome per (student, lesson)."""
    from autograder.grading.sandbox import imported_modules

    course = options.course.resolve()
    options.course = course
    tasks = [(lesson, student) for lesson in lessons for student in students_of(course, lessons)]
    base = Path(tempfile.mkdtemp(prefix="autograder-grading-"))
    os.chmod(base, 0o711)
    preimport = sorted({m for lesson in lessons
                        for m in imported_modules(course / "release" / lesson)})
    launched = [Worker(base / f"w{slot}", sandbox=sandbox, preimport=preimport,
                       private=[ROOT, course, Path(tempfile.gettempdir())])
                for slot in range(workers)]
    # While the workers import their modules (about a second), this process loads nbgrader
    # (as long again), once: the grading processes forked below inherit it.
    importlib.import_module("autograder.grading.grade")
    from tqdm.auto import tqdm

    context = multiprocessing.get_context("fork")
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    uid0 = 200_000 + (os.getpid() % 100_000) * 64  # kernels' uids: one per slot and run
    outcomes = []
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_process,
                                 initargs=(slots, context.Lock(), launched, uid0)) as pool:
            futures = {pool.submit(_grade, options, lesson, student): (lesson, student)
                       for lesson, student in tasks}
            bar = tqdm(total=len(futures), desc="grading", unit="submission", disable=not progress)
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as err:  # noqa: BLE001 (a grading process died)
                    lesson, student = futures[future]
                    outcome = Outcome(student, lesson, "grading failed", notes=[repr(err)[:300]])
                outcomes.append(outcome)
                bar.update()
            bar.close()
    finally:
        for worker in launched:
            worker.close()
        shutil.rmtree(base, ignore_errors=True)
    return [o for o in outcomes if o.status != NO_SUBMISSION]


def main(argv: list[str] | None = None) -> None:
    from autograder.grading.sandbox import sandbox_available

    parser = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="+", help="lesson (assignment) names, e.g. 01_leaf_or_flower")
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE,
                        help="nbgrader course directory (default: autograder/course)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel grading processes, one warm sandbox each (default: CPUs)")
    parser.add_argument("--csv", type=Path, help="grade table to write (default: COURSE/grades.csv)")
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: the course config's)")
    parser.add_argument("--total-timeout", type=float, default=600.0,
                        help="seconds per submission, all cells together (default: 600)")
    parser.add_argument("--memory", type=int, default=4096,
                        help="MB of memory a submission may allocate (default: 4096)")
    parser.add_argument(RISK_FLAG, dest="no_sandbox", action="store_true",
                        help="grade without the sandbox: student code runs with your rights")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    ok, why = sandbox_available()
    if not ok and not args.no_sandbox:
        sys.exit(f"refusing to grade: {why}.\nStudent code would run unconfined, with your "
                 f"rights. Install the sandbox, or pass {RISK_FLAG} to grade anyway.")
    if args.no_sandbox:
        print("WARNING: grading WITHOUT a sandbox: student code runs with your rights "
              "(files, network, other students' work).", file=sys.stderr)
    # nbformat imports jsonschema, which imports rfc3987_syntax only to check "iri" formats
    # (no notebook schema has one); importing it builds a parser: about 1 s of CPU, half of
    # this command's start-up. A None entry in sys.modules makes that optional import fail.
    sys.modules.setdefault("rfc3987_syntax", None)
    options = Options(course=args.course, timeout=args.timeout, total_timeout=args.total_timeout,
                      memory_mb=args.memory, csv=args.csv or args.course / "grades.csv")
    outcomes = grade_class(args.lessons, options, workers=max(1, args.workers),
                           sandbox=not args.no_sandbox, progress=not args.quiet)
    write_csv(options.csv, outcomes)
    graded = sum(o.status == GRADED for o in outcomes)
    print(f"{graded} of {len(outcomes)} submissions graded; grade table: {options.csv}")
    for outcome in outcomes:
        if outcome.status != GRADED or outcome.notes:
            print(f"  {outcome.student} / {outcome.lesson}: {outcome.status}"
                  + (f" ({'; '.join(outcome.notes)})" if outcome.notes else ""))
