"""nbgrader itself grades the built course: references earn everything, stubs and mutants
lose exactly what they should, and feedback names the mistake."""

from __future__ import annotations

import html

import nbformat


def test_reference_answers_earn_full_marks(graded_course, lesson):
    assert graded_course.scores(lesson, "reference") == graded_course.max_scores(lesson)


def test_reference_lesson_runs_top_to_bottom_without_errors(graded_course, lesson):
    notebook = nbformat.read(graded_course.autograded(lesson, "reference"), as_version=4)
    errors = [(cell.source[:80], out.get("ename")) for cell in notebook.cells
              if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert errors == []


def test_untouched_release_earns_zero(graded_course, lesson):
    scores = graded_course.scores(lesson, "untouched")
    assert scores and all(score == 0 for score in scores.values()), scores
    assert "is not written yet" in html.unescape(graded_course.feedback(lesson, "untouched"))


def test_every_mutant_loses_its_points_and_gets_its_message(graded_course, lesson):
    for k, mutants in enumerate(graded_course.rounds[lesson.name]):
        scores = graded_course.scores(lesson, f"mutants{k}")
        feedback = html.unescape(graded_course.feedback(lesson, f"mutants{k}"))
        for mutant in mutants:
            assert scores[f"test_{mutant.exercise}"] == 0, mutant.name
            assert mutant.message in feedback, mutant.name


def test_a_crash_in_one_exercise_costs_only_that_exercise(graded_course):
    """The learner's own error shows, then the hint; the other exercises keep their points."""
    lesson = graded_course.crashed
    last = lesson.exercises()[-1]
    scores, best = graded_course.scores(lesson, "crash"), graded_course.max_scores(lesson)
    assert scores == {**best, f"test_{last}": 0}
    feedback = html.unescape(graded_course.feedback(lesson, "crash"))
    assert feedback.index("ZeroDivisionError") < feedback.index("Likely mistake")


def test_a_failed_nbgrader_command_shows_its_error_lines():
    """Not the last 4,000 characters of its INFO log: the ERROR entries, tracebacks included."""
    from autograder.nbgrader import error_lines

    log = "\n".join(["[AutogradeApp | INFO] Copying a -> b"] * 500 + [
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (120s).",
        "[AutogradeApp | INFO] Writing 1 bytes",
        "[AutogradeApp | ERROR] There was an error processing assignment: x",
        "Traceback (most recent call last):", "  File \"a.py\", line 1", "ValueError: no"])
    assert error_lines(log).splitlines() == [
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (120s).",
        "[AutogradeApp | ERROR] There was an error processing assignment: x",
        "Traceback (most recent call last):", "  File \"a.py\", line 1", "ValueError: no"]


def test_a_lesson_that_could_not_be_graded_fails_only_its_own_tests(lesson):
    """The session's fixture records a lesson whose grading failed; its tests fail with the
    reason, and the other lessons' tests run."""
    import pytest

    from tests.conftest import GradedCourse

    course = GradedCourse(failed={lesson.name: "NbgraderError: [AutogradeApp | ERROR] boom"})
    with pytest.raises(pytest.fail.Exception, match="boom"):
        course.scores(lesson, "reference")
    GradedCourse().check(lesson)  # graded: nothing to say
