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
