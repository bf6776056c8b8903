"""What students get: lessons/ is exactly nbgrader's release, and it leaks nothing."""

from __future__ import annotations

import filecmp
import inspect
import json

import nbformat

from autograder.build import split_function


def test_release_reproduces_the_lesson(graded_course, lesson):
    released = graded_course.released(lesson) / lesson.path.name
    assert nbformat.read(released, as_version=4) == nbformat.read(lesson.path, as_version=4), (
        f"lessons/{lesson.path.name} differs from nbgrader's release: "
        "run `python -m autograder build --write-lessons` and commit the result")


def test_release_carries_the_helpers_unchanged(graded_course, lesson):
    comparison = filecmp.dircmp(graded_course.released(lesson) / "helpers",
                                lesson.path.parent / "helpers", ignore=["__pycache__"])
    assert not (comparison.diff_files or comparison.left_only or comparison.right_only)


def test_lesson_leaks_no_solution_and_no_hidden_test(lesson):
    text = lesson.path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "autograder.hidden"):
        assert marker not in text
    for name in lesson.exercises():
        body = split_function(getattr(lesson.solutions(), name))[1]
        for line in body.splitlines():
            if len(line.strip()) > 12:  # a distinctive line of the reference
                assert json.dumps(line.strip())[1:-1] not in text, f"{name}: {line.strip()}"


def test_lesson_is_valid_and_stored_without_outputs(lesson):
    notebook = nbformat.read(lesson.path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_every_exercise_has_stub_reference_checks_hidden_tests_and_points(lesson):
    notebook = nbformat.read(lesson.path, as_version=4)
    graded = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
              if cell.metadata.get("nbgrader", {}).get("grade")}
    for name in lesson.exercises():
        reference = getattr(lesson.solutions(), name)
        assert inspect.getdoc(reference), f"{name}: the reference needs a docstring"
        test_cell = graded[f"test_{name}"]
        assert test_cell.metadata["nbgrader"]["points"] > 0
        assert f"check.{name}({name})" in test_cell.source
        assert callable(getattr(lesson.checks(), name))
        assert callable(getattr(lesson.hidden(), name))
    assert set(graded) == {f"test_{name}" for name in lesson.exercises()}, "a test cell per exercise"


def test_the_first_cell_checks_the_environment(lesson):
    first_code = next(c for c in nbformat.read(lesson.path, as_version=4).cells
                      if c.cell_type == "code")
    assert "check_environment(" in first_code.source
