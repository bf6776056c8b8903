"""Hidden tests for lesson 01: random shapes and values, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from solutions import lesson01 as reference


def _layer(rng: np.random.Generator) -> tuple:
    """A random layer and its input: one sample x (n_in,) or a batch (n, n_in); W (n_out, n_in), b."""
    n, n_in, n_out = rng.integers(1, 6, size=3)
    x = rng.normal(size=(n, n_in)) if rng.random() < 0.7 else rng.normal(size=n_in)
    return x, rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)


def _network(rng: np.random.Generator) -> tuple:
    """A random 4-3-2 network and a batch of 5 objects (or one object)."""
    x = rng.normal(size=(5, 4)) * 50 if rng.random() < 0.7 else rng.normal(size=4) * 50
    return (x, rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=2))


@guarded
def dense(learner_dense):
    agrees_with_reference(hidden_check("dense", learner_dense), reference.dense, _layer, trials=6,
                          hint="x @ W.T + b, for any layer size, for one sample and for a batch.")


@guarded
def relu(learner_relu):
    agrees_with_reference(hidden_check("relu", learner_relu), reference.relu,
                          lambda rng: (rng.normal(size=tuple(rng.integers(1, 5, size=3))),),
                          hint="np.maximum(z, 0) on arrays of any shape.")


@guarded
def forward(learner_forward):
    agrees_with_reference(hidden_check("forward", learner_forward), reference.forward, _network, trials=6,
                          hint="dense -> relu -> dense with the weights you are given.")


@guarded
def classify(learner_classify):
    def scores_and_labels(rng):
        n_labels = int(rng.integers(2, 6))
        shape = (int(rng.integers(1, 8)), n_labels) if rng.random() < 0.7 else (n_labels,)
        return rng.normal(size=shape), tuple(f"class{i}" for i in range(n_labels))

    agrees_with_reference(hidden_check("classify", learner_classify, returns=np.ndarray | str),
                          reference.classify, scores_and_labels, trials=8,
                          hint="the label at the index of the largest score: one label for one row "
                               "of scores, one label per row for a batch.")


@guarded
def collapse(learner_collapse):
    def two_layers(rng):
        _, W1, b1 = _layer(rng)
        _, W2, b2 = _layer(rng)
        W2 = rng.normal(size=(W2.shape[0], W1.shape[0]))
        return W1, b1, W2, b2

    agrees_with_reference(hidden_check("collapse", learner_collapse), reference.collapse, two_layers,
                          hint="W = W2 @ W1 and b = W2 @ b1 + b2, for any layer sizes.")
