"""`python -m autograder grade LESSON [LESSON ...]`: grade a whole class, in parallel, sandboxed.

Reads nbgrader's submitted/ tree (never writes to it), grades every submission of the
lessons with nbgrader's own preprocessors and gradebook (so `nbgrader generate_feedback`,
`export` and the formgrader keep working), and writes a grade table (CSV) with a status
per student and lesson: "graded", "not gradable (invalid notebook)", "... (missing
notebook)", "... (notebook of another lesson)", "no submission" or "grading failed",
and notes (cell timeouts, a dead kernel, restored test cells, killed processes...).

Only the cells the grades depend on run (the answer and test cells, the learner's own
cells, and what they read; plan.py): plots, demos and training runs that feed no grade are
skipped, and feedback says so. A submission whose code could make that differ runs every
cell, and so does every submission with `--full`; the note says why.

Each grading process owns a warm worker in a bubblewrap sandbox (no network, no view of
the course, the project or other students; an unprivileged uid; limits on time, memory,
processes and file size); every submission runs in a kernel freshly forked from it. The
workers are forked from one process that imports the kernels' modules once (sandbox.py,
`Workers`), each with its own namespaces, folder and uid. A grading process that crashes,
or hangs past a submission's total time plus `Options.grader_grace`, costs that one
submission, not the class (see `grade_class`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import types
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import TYPE_CHECKING

from autograder import DEFAULT_COURSE, ROOT
from autograder.gradebook import end_turn, reuse_connections, take_turns
from autograder.grading.outcome import FAILED, GRADED, NO_SUBMISSION, Options, Outcome
from autograder.grading.sandbox import Workers
from autograder.grading.worker import collector_paused, die_with_parent

if TYPE_CHECKING:
    from tqdm import tqdm

RISK_FLAG = "--no-sandbox-i-accept-the-risk"
#: nbgrader's Jupyter server extensions. Importing nbgrader imports all four, and with them
#: jupyter_server's web handlers: about 70 ms of the 0.69 s nbgrader's import takes, on the
#: grading command's start-up, which serves no web page.
SERVER_EXTENSIONS = tuple(f"nbgrader.server_extensions.{name}" for name in
                          ("assignment_list", "course_list", "validate_assignment", "formgrader"))

_STATE: dict = {}
Task = tuple[str, str]  # (lesson, student)


def _start_process(slots, lock, launched: Workers, board: Board, releases: list[Path]) -> None:
    """In each grading process: take a slot and the warm worker launched for it; while that
    worker may still be importing, do what the first submission would do first (releases:
    the lessons' release folders; see grade.warm_up)."""
    from autograder.grading.grade import check_schemas_once, warm_up

    die_with_parent()  # a killed command leaves no grading process behind
    slot = slots.get()
    sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]
    # torch's OpenMP thread pool does not survive fork: in a child of a process that has used
    # it (a test run, a notebook), the next parallel torch call waits forever at the pool's
    # barrier. Hidden tests run torch here: one thread, so no pool.
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    worker = launched[slot]
    reuse_connections()
    check_schemas_once()
    take_turns(lock)
    board.pid[slot] = os.getpid()
    warm_up(releases, worker.folder)
    _STATE.update(worker=worker.ready(), slot=slot, board=board)


def _grade(options: Options, task: int, lesson: str, student: str) -> Outcome:
    from autograder.grading.grade import grade

    board, slot = _STATE["board"], _STATE["slot"]
    board.started[slot], board.task[slot] = time.monotonic(), task
    try:
        if not _STATE["worker"].alive():  # the worker died (a submission killed it): a fresh one
            _STATE["worker"] = _STATE["worker"].replacement().ready()
        return grade(options, lesson, student, worker=_STATE["worker"])
    finally:
        end_turn()
        board.task[slot] = -1


@dataclass
class Board:
    """Shared with the grading processes: per slot, its pid, its task (-1: none) and when that
    task started (time.monotonic()). Tells the command which submissions were in flight when a
    grading process died, and which one has been running too long."""

    pid: SynchronizedArray
    task: SynchronizedArray
    started: SynchronizedArray

    @classmethod
    def create(cls, context: BaseContext, slots: int) -> Board:
        return cls(context.Array("i", [0] * slots), context.Array("i", [-1] * slots),
                   context.Array("d", [0.0] * slots))

    def in_flight(self) -> list[int]:
        return [task for task in self.task if task >= 0]

    def overdue(self, limit: float) -> list[int]:
        """Pids of the grading processes busy with one submission for over `limit` seconds."""
        now = time.monotonic()
        return [pid for pid, task, started in zip(self.pid, self.task, self.started, strict=True)
                if task >= 0 and now - started > limit]


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


@dataclass
class Pool:
    """What every pool of grading processes needs: the options, where its workers live, what
    they import, and the progress bar."""

    options: Options
    sandbox: bool
    base: Path
    preimport: list[str]
    bar: tqdm
    uid0: int  # kernels' uids: uid0 + slot


def grade_class(lessons: list[str], options: Options, *, workers: int, sandbox: bool,
                progress: bool = True) -> list[Outcome]:
    """Grade every submission of `lessons`; returns one outcome per (student, lesson).

    A grading process that dies (or hangs in the grader's own code, and is stopped) takes
    down its pool, not the class: the submissions it had not started are graded by a new
    pool, and those in flight are graded again one at a time, so that the one that breaks
    the grader alone is "grading failed" and no other submission is.

    Raises GradebookError, before grading anything, if the gradebook cannot be opened
    (see `prepare_gradebook`).
    """
    from autograder.grading.sandbox import imported_modules

    course = options.course.resolve()
    options.course = course
    tasks = [(lesson, student) for lesson in lessons for student in students_of(course, lessons)]
    base = Path(tempfile.mkdtemp(prefix="autograder-grading-"))
    os.chmod(base, 0o711)
    preimport = sorted({m for lesson in lessons
                        for m in imported_modules(course / "release" / lesson)})
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="grading", unit="submission", disable=not progress)
    pool = Pool(options, sandbox, base, preimport, bar, uid0=200_000 + (os.getpid() % 100_000) * 64)
    outcomes: list[Outcome] = []
    try:
        suspects = _grade_all(tasks, workers, pool, outcomes)
        for suspect in suspects:  # alone: if the grader breaks now, this submission did it
            for lesson, student in _grade_all([suspect], 1, pool, outcomes):
                outcomes.append(Outcome(student, lesson, FAILED, notes=[
                    "the grading process died or stopped answering on this submission, twice "
                    f"(limit: {options.total_timeout + options.grader_grace:g} s)"]))
                bar.update()
    finally:
        bar.close()
        shutil.rmtree(base, ignore_errors=True)
    return [o for o in outcomes if o.status != NO_SUBMISSION]


def _grade_all(tasks: list[Task], workers: int, pool: Pool, outcomes: list[Outcome]) -> list[Task]:
    """Grade `tasks`, with a new pool each time one breaks; returns the tasks that were in
    flight when a pool broke (not graded)."""
    suspects: list[Task] = []
    while tasks:
        graded, in_flight = _run_pool(tasks, workers, pool)
        if not graded and not in_flight:  # it broke before grading anything: do not retry
            note = "the grading processes could not start (their errors are printed above)"
            outcomes += [Outcome(student, lesson, FAILED, notes=[note]) for lesson, student in tasks]
            pool.bar.update(len(tasks))
            break
        outcomes += graded
        suspects += in_flight
        done = {(o.lesson, o.student) for o in graded} | set(in_flight)
        tasks = [task for task in tasks if task not in done]
    return suspects


def release_folders(course: Path, tasks: list[Task]) -> list[Path]:
    """The release folders of the lessons of `tasks`."""
    return [course / "release" / lesson for lesson in sorted({lesson for lesson, _ in tasks})]


def prepare_gradebook(options: Options, tasks: list[Task]) -> None:
    """Set `options.db_url` to the course's gradebook (nbgrader's db_url, from the course's
    config), once per command, after checking that it opens and holds the lessons of `tasks`
    (GradebookError if not, before any submission is graded). Each grading process then
    creates its submission's rows as it grades it (grade.register: safe when another grader
    shares the gradebook), side by side with the others, instead of this process creating a
    whole class's before any grading starts."""
    from autograder.gradebook import GradebookError, check_gradebook, gradebook_lessons, gradebook_url, shown

    if not options.db_url:
        url = gradebook_url(options.course)
        check_gradebook(url)
        missing = sorted({lesson for lesson, _ in tasks} - gradebook_lessons(url))
        if missing:
            raise GradebookError(f"the gradebook {shown(url)} has no lesson {', '.join(missing)}: "
                                 f"release it first:  python -m autograder release {' '.join(missing)}")
        options.db_url = url


def _run_pool(tasks: list[Task], workers: int, pool: Pool) -> tuple[list[Outcome], list[Task]]:
    """Grade `tasks` with `workers` grading processes, each with a warm worker, until they are
    all graded or a grading process dies; the outcomes, and the tasks then in flight."""
    workers = min(workers, len(tasks))
    launched = Workers([pool.base / f"w{slot}" for slot in range(workers)], sandbox=pool.sandbox,
                       preimport=pool.preimport,
                       private=[ROOT, pool.options.course, Path(tempfile.gettempdir())],
                       uids=[pool.uid0 + slot if pool.sandbox else None for slot in range(workers)])
    # While the workers import their modules (about a second), this process loads nbgrader
    # and the course's config, once, and checks the gradebook: the grading processes forked
    # below inherit them, and nbformat's validators for the lessons' notebooks.
    with collector_paused():
        grading = importlib.import_module("autograder.grading.grade")
    releases = release_folders(pool.options.course, tasks)
    grading.compile_validators(releases)
    context = multiprocessing.get_context("fork")
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    board = Board.create(context, workers)
    limit = pool.options.total_timeout + pool.options.grader_grace
    outcomes: list[Outcome] = []
    try:
        prepare_gradebook(pool.options, tasks)
        # What this process has loaded (nbgrader, SQLAlchemy, the config: over a hundred
        # thousand objects) lives until it ends. Out of the garbage collector's sight, the
        # grading processes forked below collect only their own objects, and this process
        # ends without a last pass over them (it took 0.3 s of a command's run).
        gc.freeze()
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_process,
                                 initargs=(slots, context.RLock(), launched, board,
                                           releases)) as executor:
            futures = {executor.submit(_grade, pool.options, index, *task): task
                       for index, task in enumerate(tasks)}
            while futures:
                done, _ = wait(futures, timeout=1.0, return_when=FIRST_COMPLETED)
                for pid in board.overdue(limit):  # the grader's own code hangs: stop it
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                broken = False
                for future in done:
                    lesson, student = futures.pop(future)
                    try:
                        outcomes.append(future.result())
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as err:  # the outcome could not come back
                        outcomes.append(Outcome(student, lesson, FAILED, notes=[repr(err)[:300]]))
                    pool.bar.update()
                if broken:
                    return outcomes, [tasks[index] for index in board.in_flight()]
    finally:
        launched.close()
    return outcomes, []


def leave_out_server_extensions() -> None:
    """Have nbgrader, once this process imports it, find an empty module in place of each of
    its server extensions (SERVER_EXTENSIONS), whose `load_jupyter_server_extension` refuses.
    Only for the grading command (`main`), and only before nbgrader is imported: a process
    that has imported it already keeps it whole."""
    if "nbgrader" in sys.modules:
        return
    for name in SERVER_EXTENSIONS:
        module = types.ModuleType(name, "left out of the grading command (autograder/grading/cli.py)")
        module.load_jupyter_server_extension = _no_server_extension
        sys.modules.setdefault(name, module)


def _no_server_extension(app: object) -> None:
    raise RuntimeError("nbgrader's server extensions are left out of the grading command")


def main(argv: list[str] | None = None) -> None:
    from autograder.gradebook import GradebookError
    from autograder.grading.sandbox import sandbox_available

    parser = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="+", help="lesson (assignment) names, e.g. 01_leaf_or_flower")
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE,
                        help="nbgrader course directory (default: autograder/course)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel grading processes, one warm worker each (default: CPUs)")
    parser.add_argument("--csv", type=Path, help="grade table to write (default: COURSE/grades.csv)")
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: the course config's)")
    parser.add_argument("--total-timeout", type=float, default=600.0,
                        help="seconds per submission, all cells together (default: 600)")
    parser.add_argument("--memory", type=int, default=4096,
                        help="MB of memory a submission may allocate (default: 4096)")
    parser.add_argument(RISK_FLAG, dest="no_sandbox", action="store_true",
                        help="grade without the sandbox: student code runs with your rights")
    parser.add_argument("--full", action="store_true",
                        help="run every cell of every submission (default: only the cells the "
                             "grades depend on, and every cell where that could differ)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    leave_out_server_extensions()
    ok, why = sandbox_available()
    if not ok and not args.no_sandbox:
        sys.exit(f"refusing to grade: {why}.\nStudent code would run unconfined, with your "
                 f"rights. Install the sandbox, or pass {RISK_FLAG} to grade anyway.")
    if args.no_sandbox:
        print("WARNING: grading WITHOUT a sandbox: student code runs with your rights "
              "(files, network, other students' work).", file=sys.stderr)
    options = Options(course=args.course, timeout=args.timeout, total_timeout=args.total_timeout,
                      memory_mb=args.memory, csv=args.csv or args.course / "grades.csv",
                      full=args.full)
    try:
        outcomes = grade_class(args.lessons, options, workers=max(1, args.workers),
                               sandbox=not args.no_sandbox, progress=not args.quiet)
    except GradebookError as err:
        sys.exit(f"error: {err}")
    write_csv(options.csv, outcomes)
    graded = sum(o.status == GRADED for o in outcomes)
    print(f"{graded} of {len(outcomes)} submissions graded; grade table: {options.csv}")
    for outcome in outcomes:
        if outcome.status != GRADED or outcome.notes:
            print(f"  {outcome.student} / {outcome.lesson}: {outcome.status}"
                  + (f" ({'; '.join(outcome.notes)})" if outcome.notes else ""))
