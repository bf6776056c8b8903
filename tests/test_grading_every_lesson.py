"""`python -m autograder grade` scores every lesson exactly as nbgrader does.

The session's `graded_course` holds, per lesson, nbgrader's own grades of the reference
answers, the untouched release and every round of mutants. A copy of each course is
graded again with the course's command (sandboxed where this machine allows, as the
instructor would run it); every grade of every submission must be the same. This is
what exercises the grader's proxies on every kind of hidden test: functions, models,
generators and bytes passed to the learner's functions, arguments changed in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.build import Lesson
from autograder.grading.cli import grade_class
from autograder.grading.grade import cell_grades
from autograder.grading.outcome import GRADED, Options
from autograder.grading.sandbox import sandbox_available
from tests.conftest import CELL_TIMEOUT, GradedCourse


@contextlib.contextmanager
def stderr_into(path: Path) -> Iterator[None]:
    """Send what this process and its children write to stderr (file descriptor 2) to `path`."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("w") as file:
        os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@pytest.fixture(scope="module")
def regraded(graded_course: GradedCourse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """lesson name -> (nbgrader's grades, the command's grades, the command's outcomes, what
    grading wrote to stderr: the instructor's terminal)."""
    results = {}
    for name, root in graded_course.roots.items():
        if name in graded_course.failed:  # its tests fail with nbgrader's errors
            continue
        copy = tmp_path_factory.mktemp(f"regraded-{name}")
        shutil.copytree(root, copy, dirs_exist_ok=True)
        options = Options(course=copy, timeout=CELL_TIMEOUT, total_timeout=600, memory_mb=4096,
                          csv=copy / "grades.csv")
        with stderr_into(copy / "stderr.txt"):
            outcomes = grade_class([name], options, workers=2, sandbox=sandbox_available()[0],
                                   progress=False)
        results[name] = (cell_grades(root, name), cell_grades(copy, name), outcomes,
                         (copy / "stderr.txt").read_text())
    return results


def test_every_submission_is_graded(lesson: Lesson, regraded: dict,
                                    graded_course: GradedCourse) -> None:
    graded_course.check(lesson)
    _, _, outcomes, _ = regraded[lesson.name]
    assert outcomes and all(o.status == GRADED for o in outcomes), [
        (o.student, o.status, o.notes) for o in outcomes if o.status != GRADED]


def test_scores_equal_nbgraders(lesson: Lesson, regraded: dict,
                                graded_course: GradedCourse) -> None:
    graded_course.check(lesson)
    nbgrader_grades, command_grades, _, _ = regraded[lesson.name]
    assert nbgrader_grades, "nbgrader graded nothing"
    differ = {key: (nbgrader_grades.get(key), command_grades.get(key))
              for key in nbgrader_grades.keys() | command_grades.keys()
              if nbgrader_grades.get(key) != command_grades.get(key)}
    assert not differ, f"(student, cell): (nbgrader, the command) {differ}"


def test_grading_writes_nothing_on_the_terminal(lesson: Lesson, regraded: dict,
                                                graded_course: GradedCourse) -> None:
    """Without its progress bar, grading a class prints nothing on the instructor's terminal:
    not the progress bar of a reference a hidden test runs (lesson 08's trains a model)."""
    graded_course.check(lesson)
    *_, stderr = regraded[lesson.name]
    assert stderr == "", stderr[-2000:]
