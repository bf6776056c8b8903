"""Grade one (student, lesson): preflight, then nbgrader's Autograde with a sandboxed Execute."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, InvalidEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from sqlalchemy.exc import SAWarning
from traitlets.config import Config, PyFileConfigLoader

from autograder.gradebook import gradebook_url
from autograder.grading.execute import CONTEXT
from autograder.grading.kernel import provided_copy, provided_names
from autograder.grading.outcome import (
    FAILED,
    GRADED,
    INVALID,
    MISSING,
    NO_SUBMISSION,
    OTHER_LESSON,
    Options,
    Outcome,
)

CONFIG_FILE = Path(__file__).resolve().parent.parent / "nbgrader_config.py"
#: Seconds past a submission's total time after which the watchdog stops its sandbox.
WATCHDOG_GRACE = 5.0


@functools.lru_cache
def notebook_names(db_url: str, lesson: str) -> tuple[str, ...]:
    """The lesson's notebooks, as its release made them (asked once per grading process)."""
    with Gradebook(db_url) as gb:
        return tuple(nb.name for nb in gb.find_assignment(lesson).notebooks)


class CheckedSchemas:
    """jsonschema, as nbgrader's checks of cell metadata use it (`jsonschema.validate`), with
    one validator per schema, whose schema is checked against the metaschema once.

    jsonschema.validate checks the schema itself and builds a validator at every call: 0.5 ms
    of its 0.54 ms per cell, about 6 ms per submission. Invalid metadata raises the same
    error as before (jsonschema's best match)."""

    def __init__(self) -> None:
        self.validators: list[tuple[dict, jsonschema.protocols.Validator]] = []  # in the order first seen

    def validate(self, instance: object, schema: dict) -> None:
        validator = next((v for known, v in self.validators if known == schema), None)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = cls(copy.deepcopy(schema))
            self.validators.append((validator.schema, validator))
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def check_schemas_once() -> None:
    """From now on, in this process, nbgrader checks cell metadata with `CheckedSchemas`."""
    import nbgrader.nbgraderformat.common

    if not isinstance(nbgrader.nbgraderformat.common.jsonschema, CheckedSchemas):
        nbgrader.nbgraderformat.common.jsonschema = CheckedSchemas()


def compile_validators(releases: list[Path]) -> None:
    """Have nbformat compile, once per command, the two validators grading checks the lessons'
    notebooks with: the strict one (reading, writing; about 60 ms) and the relaxed one
    (nbconvert, between preprocessors; about 30 ms). The grading processes, forked after,
    inherit them; each compiled both in its first submission. Only a head start: a release
    that cannot be read fails again where grading reports it, for each submission."""
    for release in releases:
        for path in sorted(release.glob("*.ipynb")):
            with contextlib.suppress(Exception):
                notebook = nbformat.read(path, as_version=4)
                nbformat.validate(notebook)
                nbformat.validate(notebook, relax_add_props=True)


def warm_up(releases: list[Path], worker_folder: Path) -> None:
    """Copy, once per grading process and before it grades, the lessons' provided files into
    the worker's folder and compile them (`provided_copy`; about 45 ms for lesson 01). Each
    grading process calls it as it starts, while its worker may still be importing. Only a
    head start: whatever fails here (a release folder missing or broken) fails again where
    grading reports it, for each submission."""
    for release in releases:
        with contextlib.suppress(Exception):
            provided_copy(worker_folder, release)


def graded_ids(cells: list) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def preflight(course: Path, lesson: str, student: str, notebook: str,
              release: NotebookNode) -> tuple[str, list[str]]:
    """A status for what nbgrader would otherwise fail on or score as a plain 0."""
    folder = course / "submitted" / student / lesson
    if not folder.is_dir():
        return NO_SUBMISSION, []
    path = folder / f"{notebook}.ipynb"
    if not path.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        return MISSING, [f"found instead: {', '.join(others)}"] if others else []
    try:
        with open(path, encoding="utf-8") as f:
            submitted = nbformat.read(f, as_version=4)
        nbformat.validate(submitted)
    except Exception as err:  # anything unreadable is an invalid notebook
        return INVALID, [f"{type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}"]
    if not set(graded_ids(submitted.cells)) & set(graded_ids(release.cells)):
        return OTHER_LESSON, []
    return GRADED, test_cell_notes(submitted, release)


def test_cell_notes(submitted: NotebookNode, release: NotebookNode) -> list[str]:
    """Which locked test cells the learner deleted, re-typed or edited (all get restored), and
    which cells the learner copied (the last copy is graded, once)."""
    notes = []
    ids = graded_ids(submitted.cells)
    kinds = {c.metadata["nbgrader"]["grade_id"]: "test" if c.metadata["nbgrader"].get("grade")
             else "answer" if c.metadata["nbgrader"].get("solution") else "locked"
             for c in release.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    for name in sorted({name for name in ids if ids.count(name) > 1}):
        notes.append(f"{kinds.get(name, 'nbgrader')} cell {name} appears {ids.count(name)} times "
                     f"(the last copy is graded, once)")
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in submitted.cells
             if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    loose = {c.source.strip() for c in submitted.cells if not c.metadata.get("nbgrader")}
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        name = meta["grade_id"]
        if name not in by_id:
            retyped = cell.source.strip() in loose
            notes.append(f"test cell {'re-typed' if retyped else 'deleted'}: {name} (restored)")
        elif by_id[name].source.strip() != cell.source.strip():
            notes.append(f"test cell edited: {name} (restored)")
    return notes


class RestoreTestCells(NbGraderPreprocessor):
    """Put back graded test cells the learner deleted, where the release has them.

    nbgrader's OverwriteCells then gives them their real source from the gradebook; without
    this, nbgrader flags the exercise for manual grading (or fails with KeyError).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        release = CONTEXT.release
        present = set(graded_ids(nb.cells))
        previous = None
        for cell in release.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and meta.get("grade_id") not in present:
                position = len(nb.cells)
                for i, mine in enumerate(nb.cells):
                    if previous and mine.get("metadata", {}).get("nbgrader", {}).get("grade_id") == previous:
                        position = i + 1
                restored = nbformat.from_dict(json.loads(json.dumps(cell)))
                restored.outputs = []
                nb.cells.insert(position, restored)
                present.add(meta["grade_id"])
            if meta.get("grade_id"):
                previous = meta["grade_id"]
        return nb, resources


def course_config(options: Options, lesson: str, student: str) -> Config:
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from autograder.grading.execute import SandboxedExecute

    config.CourseDirectory.root = str(options.course)
    config.CourseDirectory.db_url = options.db_url
    config.CourseDirectory.student_id = student
    config.CourseDirectory.assignment_id = lesson
    config.Autograde.force = True
    # The lesson's provided files (helpers/) stay out of each student's autograded/ folder:
    # kernels read them from one copy (kernel.provided_copy), and nbgrader would copy them
    # twice per submission, from submitted/ and again from source/.
    ignored = config.CourseDirectory.get("ignore", CourseDirectory.class_traits()["ignore"].default())
    config.CourseDirectory.ignore = [*ignored, *provided_names(options.course / "release" / lesson)]
    from autograder.preprocessors import ForgetDuplicateIds

    config.Autograde.sanitize_preprocessors = [
        ClearOutput, ForgetDuplicateIds, DeduplicateIds, OverwriteKernelspec, RestoreTestCells,
        OverwriteCells, CheckCellMetadata]
    # nbgrader's list without its last step, CheckCellMetadata: the sanitizing pass above has
    # just checked the same cells' metadata, which no step since writes (and the check is
    # slow: nbgrader validates the schema itself again for every cell).
    config.Autograde.autograde_preprocessors = [
        SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties]
    # nbconvert validates the whole notebook after every step (13 per submission); once,
    # after the last, is its setting for the same check at the end.
    config.NotebookExporter.optimistic_validation = True
    if options.timeout is not None:
        config.Execute.timeout = options.timeout
    config.SandboxedExecute.total_timeout = options.total_timeout
    config.SandboxedExecute.max_output_chars = options.max_output_chars
    config.SandboxedExecute.full = options.full
    return config


@contextlib.contextmanager
def registering() -> Iterator[None]:
    """Silence SQLAlchemy's SAWarnings raised from nbgrader's api, and only those, while it
    creates a student's first submission.

    nbgrader builds the submission's notebooks and grades before adding the submission to its
    session, so SQLAlchemy warns ("Object of type <SubmittedAssignment> not in session, add
    operation ... will not proceed") once per kind of row; nbgrader adds the submission with
    all of them right after, so the rows are created all the same."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")
        yield


def record_zero(db_url: str, lesson: str, student: str) -> None:
    """What nbgrader does for a missing notebook: a submission whose every grade is 0."""
    with Gradebook(db_url) as gb, registering():
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(lesson, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def register(db_url: str, course: Path, tasks: list[tuple[str, str]]) -> None:
    """Create the student and the submission of every (lesson, student) of `tasks` that has a
    folder in submitted/ and a lesson in the gradebook; `grade` does, for its submission,
    before nbgrader grades it.

    nbgrader creates them as it grades each submission: it looks the row up and inserts it
    if missing. Two graders sharing a gradebook (docs/deploy.md) who reach one student at the
    same moment can both miss it and both insert; the second insert breaks the table's unique
    key and nbgrader fails that submission (InvalidEntry). Here a failed insert is tried once
    more, and the second try finds the other grader's row (as nbgrader then does). Should it
    fail again, the submission is left to nbgrader, which fails it alone.
    """
    with Gradebook(db_url) as gradebook, registering():
        lessons = {assignment.name for assignment in gradebook.assignments}
        for lesson, student in tasks:
            if lesson in lessons and (course / "submitted" / student / lesson).is_dir():
                for _ in range(2):
                    with contextlib.suppress(InvalidEntry):
                        gradebook.update_or_create_student(student)
                        gradebook.update_or_create_submission(lesson, student)
                        break


def cell_grades(course: Path, lesson: str) -> dict[tuple[str, str], float | None]:
    """(student, grade id) -> score, for every student of `lesson` in the course's gradebook."""
    with Gradebook(gradebook_url(course)) as gb:
        return {(student.id, grade.name): grade.score
                for student in gb.students
                for grade in gb.find_submission_notebook(lesson, lesson, student.id).grades}


def scores(db_url: str, lesson: str, student: str) -> tuple[float, float]:
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(lesson, student)
        return submission.score, submission.max_score


class ErrorLog(logging.Handler):
    """Keeps what nbgrader logs as errors while grading one submission."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())

    def text(self) -> str:
        return " | ".join(r for r in self.records if not r.startswith("Please see"))[-1200:]


def stop_sandbox(worker, total_timeout: float, notes: list[str]) -> None:
    """The watchdog's action: the submission outlasted its total time, whatever it was doing
    (one long cell, or a hidden test calling into a kernel that never answers). Stopping its
    worker, in the sandbox, ends its kernel; the grading process sees a dead kernel, and goes
    on."""
    notes.append(f"grading time limit: the sandbox was stopped after {total_timeout:g} s")
    worker.stop()


class Watchdog:
    """A timer that calls `action(*args)` after `seconds`, unless cancelled; restartable."""

    def __init__(self, seconds: float, action, args: tuple) -> None:
        self.seconds, self.action, self.args = seconds, action, args
        self.timer: threading.Timer | None = None
        self.restart()

    def restart(self) -> None:
        self.cancel()
        self.timer = threading.Timer(self.seconds, self.action, self.args)
        self.timer.daemon = True
        self.timer.start()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def grade(options: Options, lesson: str, student: str, *, worker) -> Outcome:
    """Grade one submission with `worker` (sandbox.Worker; None: jupyter_client starts the
    kernel); never raises (a failure is an outcome)."""
    from nbgrader.converters import Autograde

    from autograder.grading.kernel import Scratch

    start = time.monotonic()
    course = options.course.resolve()
    outcome = Outcome(student, lesson, FAILED)
    errors = None
    try:
        (notebook,) = notebook_names(options.db_url, lesson)
        release_path = course / "release" / lesson / f"{notebook}.ipynb"
        release = nbformat.read(release_path, as_version=4)
        outcome.status, outcome.notes = preflight(course, lesson, student, notebook, release)
        if outcome.status == NO_SUBMISSION:
            return outcome
        register(options.db_url, course, [(lesson, student)])
        if outcome.status != GRADED:
            record_zero(options.db_url, lesson, student)
            outcome.score, outcome.max_score = scores(options.db_url, lesson, student)
            return outcome
        scratch = watchdog = None
        if worker is not None:
            limits = {"AS": worker.address_space + options.memory_mb * 2**20,
                      "CPU": int(options.total_timeout) + 30, "NPROC": 48,
                      "FSIZE": 256 * 2**20, "NOFILE": 256}
            scratch = Scratch(worker.folder, f"{student}-{lesson}"[:100], worker.uid,
                              release_path.parent, limits)
            watchdog = Watchdog(options.total_timeout + WATCHDOG_GRACE, stop_sandbox,
                                (worker, options.total_timeout, outcome.notes))
            # A second run (every cell, after the fast path) gets the whole time again.
        CONTEXT.worker, CONTEXT.scratch = worker, scratch
        CONTEXT.release, CONTEXT.notes = release, outcome.notes
        CONTEXT.restart_watchdog = watchdog.restart if watchdog else None
        app = Autograde(coursedir=None, config=course_config(options, lesson, student))
        app.log = logger = logging.getLogger(f"autograder.grading.{os.getpid()}")
        logger.propagate = False
        logger.handlers[:] = [errors := ErrorLog()]
        app.coursedir = CourseDirectory(config=app.config)
        cwd = os.getcwd()
        try:
            app.start()
            outcome.score, outcome.max_score = scores(options.db_url, lesson, student)
        finally:
            os.chdir(cwd)
            if scratch is not None:
                watchdog.cancel()
                CONTEXT.restart_watchdog = None
                if scratch.killed_processes:
                    first = f" (first: {scratch.commands[0]!r})" if scratch.commands else ""
                    outcome.notes.append(f"{scratch.killed_processes} processes started by the "
                                         f"submission were stopped{first}")
                scratch.remove()
    except Exception as err:  # one broken submission must not stop the class
        outcome.status = FAILED
        logged = errors.text() if errors is not None else ""
        outcome.notes.append((f"{type(err).__name__}: {err}" + (f" [{logged}]" if logged else ""))[:1500])
    finally:
        outcome.seconds = time.monotonic() - start
    return outcome
