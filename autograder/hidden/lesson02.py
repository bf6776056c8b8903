"""Hidden tests for lesson 02: random shapes, axes, temperatures and large logits, vs the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from solutions import lesson02 as reference


def _array(rng: np.random.Generator, scale: float = 3.0) -> np.ndarray:
    """A random array of 1 to 3 axes, each of length 1 to 5."""
    shape = tuple(rng.integers(1, 6, size=int(rng.integers(1, 4))))
    return rng.normal(size=shape) * scale


@guarded
def logistic(learner_logistic):
    agrees_with_reference(hidden_check("logistic", learner_logistic), reference.logistic,
                          lambda rng: (_array(rng) * rng.choice([1.0, 400.0]),), trials=6,
                          hint="1 / (1 + np.exp(-z)), elementwise, on arrays of any shape.")


@guarded
def softmax(learner_softmax):
    def logits_axis_temperature(rng):
        logits = _array(rng)
        axis = int(rng.integers(-logits.ndim, logits.ndim))
        offset_shape = tuple(1 if i == axis % logits.ndim else n for i, n in enumerate(logits.shape))
        logits = logits + rng.choice([0.0, 500.0, -800.0], size=offset_shape)  # each slice its own offset
        return logits, axis, float(rng.uniform(0.2, 5.0))

    agrees_with_reference(hidden_check("softmax", learner_softmax), reference.softmax,
                          logits_axis_temperature, trials=10,
                          hint="divide by the temperature, subtract the max along `axis` (keepdims=True), "
                               "exponentiate, divide by the sum along `axis` (keepdims=True).")


@guarded
def squared_error(learner_squared_error):
    def pair(rng):
        predicted = _array(rng, 1.0)
        return predicted, rng.normal(size=predicted.shape)

    agrees_with_reference(hidden_check("squared_error", learner_squared_error), reference.squared_error, pair,
                          hint="np.mean((predicted - target) ** 2): one number, the mean over all entries.")


@guarded
def cross_entropy(learner_cross_entropy):
    def logits_labels(rng):
        n, k = rng.integers(1, 8), rng.integers(2, 6)
        logits = rng.normal(size=(n, k)) * 4 + rng.choice([0.0, 900.0], size=(n, 1))  # rows apart
        return logits, rng.integers(0, k, size=n)

    agrees_with_reference(hidden_check("cross_entropy", learner_cross_entropy), reference.cross_entropy,
                          logits_labels, trials=8,
                          hint="the mean over samples of -log softmax(logits[i])[labels[i]], with the "
                               "log-probabilities computed by log-sum-exp, each row shifted by its own max.")
