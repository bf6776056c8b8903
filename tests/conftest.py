"""Shared fixtures: the course built, released, submitted and graded once per test run."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import Any

import pytest
from hypothesis import settings
from nbgrader.api import Gradebook

from autograder import nbgrader
from autograder.build import Lesson, all_lessons, build
from autograder.gradebook import gradebook_url
from autograder.mutants import Mutant, mutants_of
from autograder.submissions import mutant_answers, mutant_rounds, reference_answers, submit
from tests.postgres import Server
from tests.postgres import binaries as postgres_binaries
from tests.postgres import start as start_postgres

# Property tests: no per-example deadline (a busy 2-core CI machine is slow, not wrong), and
# the same examples on every run, so a red run can be reproduced.
settings.register_profile("course", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("course")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--lessons", default="", help="comma-separated lesson numbers to test, "
                     "e.g. --lessons=01,03 (default: every lesson)")


def selected_lessons(config: pytest.Config) -> list[Lesson]:
    """The lessons named by --lessons, or all of them."""
    wanted = [n.strip() for n in config.getoption("--lessons").split(",") if n.strip()]
    return [lesson for lesson in all_lessons() if not wanted or lesson.name[:2] in wanted]


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one thread while a module's tests run, as the lessons and assets/ scripts do
    (their seeded runs then give the same numbers); use with pytest.mark.usefixtures."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def classroom_ready(request: pytest.FixtureRequest) -> None:
    """Lesson 01 is selected and classroom/setup.sh has run (Chromium, JupyterHub's proxy).

    Without the set-up a maintainer's run skips the classroom tests and says how to install
    it; in CI (CI=true) the same gap fails, so CI cannot skip them silently.
    """
    if "01" not in [lesson.name[:2] for lesson in selected_lessons(request.config)]:
        pytest.skip("the classroom runs lesson 01, which --lessons leaves out")
    from classroom.hub import CHROMIUM, missing_requirements

    missing = missing_requirements() + ([] if CHROMIUM.exists() else [str(CHROMIUM)])
    if missing:
        message = f"classroom set-up missing ({', '.join(missing)}): run  bash classroom/setup.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """A throwaway PostgreSQL server on 127.0.0.1 (tests/postgres.py), stopped at the end.

    Its binaries come from Debian's `postgresql`, which `make test` installs; without them
    the tests that need a server fail (they are never skipped), saying so.
    """
    folder = postgres_binaries()
    if folder is None:
        pytest.fail("PostgreSQL's binaries (initdb, pg_ctl) are missing: run  make test  "
                    "(it installs Debian's postgresql)", pytrace=False)
    server = start_postgres(folder)
    yield server
    server.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize over lessons (`lesson`), their exercises (`exercise`) and mutants (`mutant`)."""
    lessons = selected_lessons(metafunc.config)
    if "lesson" in metafunc.fixturenames:
        metafunc.parametrize("lesson", lessons, ids=[lesson.name for lesson in lessons])
    if "exercise" in metafunc.fixturenames:
        pairs = [(lesson, name) for lesson in lessons for name in lesson.exercises()]
        metafunc.parametrize("exercise", pairs, ids=[f"{les.module}-{n}" for les, n in pairs])
    if "mutant" in metafunc.fixturenames:
        pairs = [(lesson, m) for lesson in lessons for m in mutants_of(lesson.mutants())]
        metafunc.parametrize("mutant", pairs, ids=[f"{les.module}-{m.name}" for les, m in pairs])


def crashing_answers(lesson: Lesson) -> dict[str, str]:
    """Reference answers, except that the last exercise divides by zero when called."""
    last = lesson.exercises()[-1]
    return {**reference_answers(lesson), last: f"def {last}(*args, **kwargs):\n    return 1 / 0\n"}


@dataclass
class GradedCourse:
    """Every selected lesson after build, release, submission, autograde and feedback.

    Each lesson has a course directory (and gradebook) of its own, so lessons are graded
    in parallel without sharing a database. A lesson whose grading failed is in `failed`,
    with nbgrader's ERROR lines: its tests fail with them (`check`), the others run.
    """

    roots: dict[str, Path] = field(default_factory=dict)
    rounds: dict[str, list[list[Mutant]]] = field(default_factory=dict)
    crashed: Lesson | None = None  # the lesson with a "crash" submission
    failed: dict[str, str] = field(default_factory=dict)  # lesson name -> why
    retried: list[str] = field(default_factory=list)  # autogrades that failed once (grade_lesson)

    def check(self, lesson: Lesson) -> None:
        """Fail the calling test if its lesson could not be graded."""
        if lesson.name in self.failed:
            pytest.fail(f"grading {lesson.name} failed, so this test cannot run:\n"
                        f"{self.failed[lesson.name]}", pytrace=False)

    def gradebook(self, lesson: Lesson) -> Gradebook:
        self.check(lesson)
        return Gradebook(gradebook_url(self.roots[lesson.name]))

    def scores(self, lesson: Lesson, student: str) -> dict[str, float]:
        """grade_id -> points earned, for one student's submission of one lesson."""
        with self.gradebook(lesson) as gradebook:
            submission = gradebook.find_submission_notebook(lesson.name, lesson.name, student)
            return {grade.name: grade.score for grade in submission.grades}

    def max_scores(self, lesson: Lesson) -> dict[str, float]:
        with self.gradebook(lesson) as gradebook:
            notebook = gradebook.find_notebook(lesson.name, lesson.name)
            return {cell.name: cell.max_score for cell in notebook.grade_cells}

    def released(self, lesson: Lesson) -> Path:
        self.check(lesson)
        return self.roots[lesson.name] / "release" / lesson.name

    def feedback(self, lesson: Lesson, student: str) -> str:
        self.check(lesson)
        folder = self.roots[lesson.name] / "feedback" / student / lesson.name
        return (folder / f"{lesson.name}.html").read_text()

    def autograded(self, lesson: Lesson, student: str) -> Path:
        self.check(lesson)
        return self.roots[lesson.name] / "autograded" / student / lesson.name / lesson.path.name


#: Seconds per cell when the tests grade (the course's own limit is 120 s): generous, since no
#: reference, untouched or mutant submission loops, and a loaded machine is slow, not wrong.
CELL_TIMEOUT = 600
#: Seconds nbgrader waits for a new kernel's first reply when the tests grade (the course's
#: own limit is 300 s). A kernel that has not answered in a minute is taken as stuck: one
#: CI run logged "Kernel didn't respond in 300 seconds" (load average about 2), and the run
#: again that follows (`grade_lesson`) now starts 4 minutes sooner.
STARTUP_TIMEOUT = 60


def grade_lesson(root: Path, lesson: Lesson, submissions: dict[str, dict[str, str]]) -> str | None:
    """Build, release, submit `submissions` (student -> answers), autograde, write feedback.

    A busy machine (other jobs, several lessons graded at once) can stretch a reference cell
    past the course's 120 s per cell, which nbgrader logs as an ERROR ("Timeout waiting for
    execute reply") and scores as a failure: no submission here loops, so cells get
    CELL_TIMEOUT (and a kernel that does not answer, STARTUP_TIMEOUT to start). An autograde
    that still logs an error is run once more; the first failure's
    ERROR lines are returned, for a warning (None if it went through at once). A second
    failure is the lesson's (see `GradedCourse.check`).
    """
    build(root, [lesson])
    nbgrader.generate_assignment(root, lesson.name)
    for student, answers in submissions.items():
        submit(root, lesson, student, answers)
    timeouts = (f"--Execute.timeout={CELL_TIMEOUT}", f"--Execute.startup_timeout={STARTUP_TIMEOUT}")
    first_failure = None
    try:
        nbgrader.autograde(root, lesson.name, *timeouts)
    except nbgrader.NbgraderError as err:
        first_failure = f"{lesson.name}: nbgrader autograde failed once, run again:\n{err}"
        nbgrader.autograde(root, lesson.name, *timeouts)
    nbgrader.generate_feedback(root, lesson.name)
    return first_failure


#: Niceness of the session's nbgrader grading (graded_course), which runs in the background:
#: the tests that run meanwhile get the CPU first.
BACKGROUND_NICE = 10


def grade_every_lesson(course: GradedCourse, jobs: dict[str, tuple], stop: Event) -> GradedCourse:
    """Run `jobs` (lesson name -> grade_lesson's arguments), one lesson per CPU at a time, at
    BACKGROUND_NICE; a lesson whose grading fails goes in `course.failed`. Once `stop` is set
    (the session ended first, say after -x), no further lesson starts."""
    os.nice(BACKGROUND_NICE)  # Linux: this thread only, and what it starts (threads, nbgrader)

    def unless_stopped(*job: Any) -> str | None:
        if stop.is_set():
            raise RuntimeError("the test session ended before this lesson was graded")
        return grade_lesson(*job)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        running = {name: pool.submit(unless_stopped, *job) for name, job in jobs.items()}
        for name, done in running.items():
            try:
                if first_failure := done.result():
                    course.retried.append(first_failure)
            except Exception as err:  # noqa: BLE001 (that lesson's tests fail; the others run)
                course.failed[name] = f"{type(err).__name__}: {err}"
    return course


def needs_grading(item: pytest.Item) -> bool:
    return "graded_course" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests that need graded_course run last, so that the others run while nbgrader
    grades every lesson in the background (`grading_in_background`). Otherwise in order."""
    items.sort(key=needs_grading)  # stable


@pytest.fixture(scope="session", autouse=True)
def grading_in_background(request: pytest.FixtureRequest,
                          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future | None]:
    """From the session's first test on, grade with nbgrader itself the reference answers,
    the untouched release and the mutant rounds of every selected lesson (and one crashing
    exercise in the first), in a thread, if any test of the session needs them.

    Plain nbgrader runs every cell of every submission: about eleven minutes of both cores,
    over half the suite. Started first and run at a lower priority, it fills the core the
    other tests leave idle (most of them run on one).
    """
    if not any(needs_grading(item) for item in request.session.items):
        yield None
        return
    lessons = selected_lessons(request.config)
    course = GradedCourse(crashed=lessons[0] if lessons else None)
    jobs = {}
    for lesson in lessons:
        course.roots[lesson.name] = tmp_path_factory.mktemp(lesson.name)
        course.rounds[lesson.name] = mutant_rounds(lesson)
        submissions = {"reference": reference_answers(lesson), "untouched": {}}
        for k, mutants in enumerate(course.rounds[lesson.name]):
            submissions[f"mutants{k}"] = mutant_answers(mutants)
        if lesson == course.crashed:
            submissions["crash"] = crashing_answers(lesson)
        jobs[lesson.name] = (course.roots[lesson.name], lesson, submissions)
    stop = Event()
    with ThreadPoolExecutor(max_workers=1) as background:
        yield background.submit(grade_every_lesson, course, jobs, stop)
        stop.set()  # the lessons being graded finish; the others do not start


@pytest.fixture(scope="session")
def graded_course(grading_in_background: Future | None) -> GradedCourse:
    """Every selected lesson graded by nbgrader itself (see `grading_in_background`)."""
    course = grading_in_background.result()
    for first_failure in course.retried:
        warnings.warn(first_failure, stacklevel=1)
    return course
