"""Lesson 02: the references agree with PyTorch, and the text's figures are computed."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.data import OBJECTS, toy_network
from solutions import lesson01, lesson02
from tests.figures import assert_stated, markdown_of

rng = np.random.default_rng(0)


def leaf_flower_scores() -> np.ndarray:
    """Lesson 01's network on its three objects: (3, 2) scores."""
    return lesson01.forward(np.stack(list(OBJECTS.values())), **toy_network())


def test_logistic_matches_torch_sigmoid():
    z = rng.normal(size=(4, 5)) * 6
    np.testing.assert_allclose(lesson02.logistic(z), torch.sigmoid(torch.from_numpy(z)).numpy())


@pytest.mark.parametrize("shape, axis", [((5,), -1), ((4, 6), -1), ((4, 6), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("temperature", [0.25, 1.0, 3.0])
@pytest.mark.parametrize("offset", [0.0, 1000.0, -1000.0])
def test_softmax_matches_torch(shape, axis, temperature, offset):
    logits = rng.normal(size=shape) * 5 + offset
    expected = torch.softmax(torch.from_numpy(logits) / temperature, dim=axis).numpy()
    got = lesson02.softmax(logits, axis=axis, temperature=temperature)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0)


def test_softmax_of_two_scores_is_the_logistic_of_their_gap_and_ignores_shifts():
    a, b = rng.normal(size=2) * 4
    assert lesson02.softmax(np.array([a, b]))[0] == pytest.approx(lesson02.logistic(a - b))
    z = rng.normal(size=7)
    np.testing.assert_allclose(lesson02.softmax(z + 123.0), lesson02.softmax(z))


def test_softmax_leaves_its_input_alone():
    z = np.array([2.0, 5.0, 1.0])
    lesson02.softmax(z, temperature=0.5)
    assert z.tolist() == [2.0, 5.0, 1.0]


def test_squared_error_matches_torch_mse_loss():
    predicted, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    expected = F.mse_loss(torch.from_numpy(predicted), torch.from_numpy(target)).item()
    assert lesson02.squared_error(predicted, target) == pytest.approx(expected)


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (0.0, 30.0), (900.0, 4.0)])
def test_cross_entropy_matches_torch(offset, scale):
    logits = rng.normal(size=(9, 5)) * scale + offset
    labels = rng.integers(0, 5, size=9)
    expected = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)).item()
    assert lesson02.cross_entropy(logits, labels) == pytest.approx(expected, rel=1e-10)


def test_cross_entropy_of_a_sure_mistake_is_finite():
    logits, labels = np.array([[0.0, 1000.0]]), np.array([0])
    expected = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)).item()
    assert lesson02.cross_entropy(logits, labels) == expected == 1000.0
    assert "1000 nats" in markdown_of("02")


def test_network_figures():
    scores = leaf_flower_scores()
    assert_stated("02", "8.24", scores[0, 0], 2)
    assert_stated("02", "-4.12", scores[0, 1], 2)
    naive = scores / scores.sum(axis=1, keepdims=True)
    assert_stated("02", "200", 100 * naive[0, 0], 0)
    assert_stated("02", "-100", 100 * naive[0, 1], 0)
    gap = scores[0, 0] - scores[0, 1]
    assert_stated("02", "12.36", gap, 2)
    assert_stated("02", "0.9999957", lesson02.logistic(gap), 7)
    assert_stated("02", "0.9999957", lesson02.softmax(scores)[0, 0], 7)
    assert_stated("02", "24.4", lesson02.cross_entropy(scores[2:], np.array([0])), 1)


def test_overflow_figures():
    assert_stated("02", "1.8", np.finfo(np.float64).max / 1e308, 1)
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(709.0)) and np.isinf(np.exp(710.0))
    assert "e^{710}" in markdown_of("02") and "`np.exp(710)` returns `inf`" in markdown_of("02")
    largest_exponent = np.log(np.finfo(np.float64).max)  # e^z overflows past this z
    assert_stated("02", "709.8", largest_exponent, 1)
    assert 709 < largest_exponent < 710
    assert "7.1 at temperature 0.01 is 710" in markdown_of("02") and round(7.1 / 0.01, 9) == 710


def test_signed_differences_cancel_and_squares_do_not():
    target, guess = np.array([0.8, 0.2]), np.array([0.6, 0.4])
    difference = target - guess
    np.testing.assert_allclose(difference, [0.2, -0.2])
    assert abs(difference.sum()) < 1e-12
    text = markdown_of("02")
    assert "0.8 (leaf) and 0.2 (flower)" in text and "gives 0.6 and 0.4" in text
    assert "+0.2 and -0.2, and their sum is 0" in text
    assert_stated("02", "0.4", np.abs(difference).sum(), 1)
    assert_stated("02", "0.2", np.abs(difference).mean(), 1)
    assert_stated("02", "0.08", np.sum(difference**2), 2)
    assert_stated("02", "0.04", lesson02.squared_error(guess, target), 2)
    assert (0.2**2) / (0.1**2) == pytest.approx(4)  # "four times a miss of 0.1"
    one_big = lesson02.squared_error(np.array([0.2, 0.0]), np.zeros(2))
    two_small = lesson02.squared_error(np.array([0.1, 0.1]), np.zeros(2))
    assert one_big / two_small == pytest.approx(2) and "twice as bad" in text


def test_surprise_figures():
    assert_stated("02", "0.693", np.log(2), 3)
    assert_stated("02", "1.443", 1 / np.log(2), 3)
    leaf_at_0_6 = lesson02.cross_entropy(np.log(np.array([[0.6, 0.4]])), np.array([0]))
    assert_stated("02", "0.511", leaf_at_0_6, 3)
    assert_stated("02", "0.737", leaf_at_0_6 / np.log(2), 3)
    guess = lesson02.cross_entropy(np.zeros((3, 2)), np.array([0, 1, 1]))
    assert guess / np.log(2) == pytest.approx(1.0) and "1 bit per object" in markdown_of("02")


def test_confident_mistake_figures():
    p = 0.01
    assert_stated("02", "0.98", lesson02.squared_error(np.array([p, 1 - p]), np.array([1.0, 0.0])), 2)
    assert_stated("02", "4.6", lesson02.cross_entropy(np.log(np.array([[p, 1 - p]])), np.array([0])), 1)
