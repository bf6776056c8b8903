"""Make submissions the way learners would: the release with exercise cells filled in.

Used by the tests (reference answers must earn full marks, mutants must lose points)
and by the benchmark.
"""

from __future__ import annotations

import inspect
import shutil
import textwrap
from pathlib import Path

import nbformat

from autograder.build import Lesson
from autograder.mutants import Mutant, mutants_of


def reference_answers(lesson: Lesson) -> dict[str, str]:
    """Exercise name -> the reference function's full source, as a learner would type it."""
    references = lesson.solutions()
    return {name: textwrap.dedent(inspect.getsource(getattr(references, name)))
            for name in lesson.exercises()}


def mutant_answers(mutants: list[Mutant]) -> dict[str, str]:
    """Exercise name -> mutant source, for a set of mutants of distinct exercises."""
    assert len({m.exercise for m in mutants}) == len(mutants), "one mutant per exercise"
    return {m.exercise: m.source for m in mutants}


def mutant_rounds(lesson: Lesson) -> list[list[Mutant]]:
    """Round k holds the k-th mutant of every exercise that has one: one submission per
    round (mutant_answers) grades them all."""
    by_exercise = [[m for m in mutants_of(lesson.mutants()) if m.exercise == name]
                   for name in lesson.exercises()]
    depth = max(map(len, by_exercise))
    return [[ms[k] for ms in by_exercise if k < len(ms)] for k in range(depth)]


def answered(release: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with the named exercise cells replaced by `answers`."""
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        exercise = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and exercise in answers:
            cell.source = answers[exercise]
    return notebook


def submit(course: Path, lesson: Lesson, student: str, answers: dict[str, str]) -> Path:
    """Place a submission for `student` in course/submitted/, with the release's support files."""
    release = course / "release" / lesson.name
    folder = course / "submitted" / student / lesson.name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(release, folder)
    nbformat.write(answered(release / lesson.path.name, answers), folder / lesson.path.name)
    return folder
