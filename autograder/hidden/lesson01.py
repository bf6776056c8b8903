"""Hidden tests for lesson 01: random shapes and values, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from solutions import lesson01 as reference


def _layer(rng: np.random.Generator) -> tuple:
    """A random batch and layer: x (n, n_in), W (n_out, n_in), b (n_out,)."""
    n, n_in, n_out = rng.integers(1, 6, size=3)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)


def _network(rng: np.random.Generator) -> tuple:
    """A random 4-3-2 network and a batch of 5 objects."""
    return (rng.normal(size=(5, 4)) * 50, rng.normal(size=(3, 4)), rng.normal(size=3),
            rng.normal(size=(2, 3)), rng.normal(size=2))


def dense(dense):
    agrees_with_reference(hidden_check("dense", dense), reference.dense, _layer,
                          hint="x @ W.T + b, for any layer size and batch size.")


def relu(relu):
    agrees_with_reference(hidden_check("relu", relu), reference.relu,
                          lambda rng: (rng.normal(size=tuple(rng.integers(1, 5, size=3))),),
                          hint="np.maximum(z, 0) on arrays of any shape.")


def forward(forward):
    agrees_with_reference(hidden_check("forward", forward), reference.forward, _network,
                          hint="dense -> relu -> dense with the weights you are given.")


def classify(classify):
    def scores_and_labels(rng):
        n_labels = int(rng.integers(2, 6))
        return rng.normal(size=(7, n_labels)), tuple(f"class{i}" for i in range(n_labels))

    chk = hidden_check("classify", classify)
    rng = np.random.default_rng(1)
    for _ in range(5):
        scores, labels = scores_and_labels(rng)
        chk.equal(list(map(str, chk.run(scores, labels))),
                  list(map(str, reference.classify(scores, labels))),
                  case="hidden random scores with 2 to 5 labels",
                  hint="one label per row: the label at the index of the row's largest score.")
    chk.passed()


def collapse(collapse):
    def two_layers(rng):
        x, W1, b1 = _layer(rng)
        _, W2, b2 = _layer(rng)
        W2 = rng.normal(size=(W2.shape[0], W1.shape[0]))
        return W1, b1, W2, b2

    agrees_with_reference(hidden_check("collapse", collapse), reference.collapse, two_layers,
                          hint="W = W2 @ W1 and b = W2 @ b1 + b2, for any layer sizes.")
