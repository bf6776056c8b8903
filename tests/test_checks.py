"""Visible checks and hidden tests, run in-process: fast feedback on every exercise."""

from __future__ import annotations

import pytest

from autograder.mutants import mutants_of
from helpers.checking import CheckFailed


def not_written(*args, **kwargs):
    raise NotImplementedError()


def test_reference_passes_visible_and_hidden_checks(exercise):
    lesson, name = exercise
    reference = getattr(lesson.solutions(), name)
    getattr(lesson.checks(), name)(reference)
    getattr(lesson.hidden(), name)(reference)


def test_a_stub_is_told_to_write_the_function(exercise):
    lesson, name = exercise
    with pytest.raises(CheckFailed, match="is not written yet"):
        getattr(lesson.checks(), name)(not_written)


def test_every_exercise_has_two_mutants(exercise):
    lesson, name = exercise
    assert len([m for m in mutants_of(lesson.mutants()) if m.exercise == name]) >= 2


def test_each_mutant_fails_with_its_message(mutant):
    """The visible check catches the mutant, or else the hidden test does; either way the
    message names the mistake."""
    lesson, mutant = mutant
    with pytest.raises(CheckFailed) as failure:
        getattr(lesson.checks(), mutant.exercise)(mutant.fn)
        getattr(lesson.hidden(), mutant.exercise)(mutant.fn)
    assert mutant.message in str(failure.value)


def test_a_crash_shows_the_learners_error_then_the_hint():
    from helpers.checks import lesson01

    def dense(x, W, b):
        return x @ W + b  # (3,) @ (2, 3): a shape error

    with pytest.raises(CheckFailed) as failure:
        lesson01.dense(dense)
    assert isinstance(failure.value.__cause__, ValueError)  # the learner's own traceback
    assert "raised an error" in str(failure.value) and "ValueError: matmul" in str(failure.value)
    assert "Likely mistake: output j is sum_i" in str(failure.value)


def test_hidden_failures_do_not_reveal_expected_values():
    from autograder.hidden import lesson01

    with pytest.raises(CheckFailed) as failure:
        lesson01.relu(lambda z: z)
    assert "expected" not in str(failure.value)
    assert "Likely mistake" in str(failure.value)
