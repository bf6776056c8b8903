"""Lesson 01 — a network is arithmetic (leaf or flower?)."""

import numpy as np


def dense(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One fully connected layer: each output neuron is a weighted sum of the inputs plus a bias.

    x: (n_in,) one object, or (n_samples, n_in) one object per row.
    W: (n_out, n_in); row j holds the weights on the lines into output neuron j.
    b: (n_out,); one bias per output neuron.
    Returns (n_out,) or (n_samples, n_out).
    """
    return x @ W.T + b


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU, elementwise: negative numbers become 0, the rest pass unchanged.

    z: an array of any shape. Returns a new array of the same shape (z is not modified).
    """
    return np.maximum(z, 0.0)


def forward(
    x: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> np.ndarray:
    """The forward pass of the 4-3-2 network: dense, ReLU, dense.

    x: (4,) or (n_samples, 4) as (R, G, B, volume).
    W1: (3, 4), b1: (3,) the hidden layer; W2: (2, 3), b2: (2,) the output layer.
    Returns the two output scores, (2,) or (n_samples, 2). No ReLU on the outputs.
    """
    hidden = relu(dense(x, W1, b1))  # (..., 3)
    return dense(hidden, W2, b2)  # (..., 2)


def classify(scores: np.ndarray, labels: tuple[str, ...] = ("leaf", "flower")) -> np.ndarray:
    """Read the network's verdict: the label of the largest score.

    scores: (n_labels,) or (n_samples, n_labels). labels: one name per output neuron.
    Returns one label, or an array of n_samples labels.
    """
    return np.asarray(labels)[np.argmax(scores, axis=-1)]


def collapse(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The single layer (W, b) equal to two dense layers with no ReLU between them.

    dense(dense(x, W1, b1), W2, b2) == dense(x, W, b) for every x.
    W1: (n_hidden, n_in), b1: (n_hidden,), W2: (n_out, n_hidden), b2: (n_out,).
    Returns W: (n_out, n_in) and b: (n_out,).
    """
    W = W2 @ W1  # (n_out, n_in)
    b = W2 @ b1 + b2  # (n_out,)
    return W, b
