"""Lesson 03 — gradient descent: the computer finds the weights by itself."""

from collections.abc import Callable

import numpy as np
from tqdm.auto import tqdm

from solutions.lesson01 import dense, forward, relu


def network_loss(
    x: np.ndarray, targets: np.ndarray,
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
) -> float:
    """How wrong the network is on a whole data set: one number, 0 when every score is on target.

    x: (n_samples, n_in) one object per row. targets: (n_samples, n_out) the scores we want
    (1 for the right label's neuron, 0 for the others). W1, b1, W2, b2: the network, as in
    lesson 01's `forward`.
    A sample's loss is the SUM over its outputs of the squared differences
    (score - target) ** 2; the data set's loss is the MEAN of the samples' losses.
    Returns a float.
    """
    scores = forward(x, W1, b1, W2, b2)  # (n_samples, n_out)
    per_sample = np.sum((scores - targets) ** 2, axis=1)  # (n_samples,)
    return float(np.mean(per_sample))


def numerical_gradient(
    loss_fn: Callable[[np.ndarray], float], theta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """The gradient of `loss_fn` at `theta`, found by nudging one entry at a time.

    loss_fn: takes an array shaped like theta and returns a number.
    theta: a float array of any shape, e.g. a weight matrix (n_out, n_in).
    For each entry i: (loss_fn(theta with entry i raised by eps)
                       - loss_fn(theta with entry i lowered by eps)) / (2 * eps),
    every other entry left as it is (central differences).
    Returns an array of theta's shape. `theta` itself must come back unchanged.
    """
    nudged = np.array(theta, dtype=float)  # a private copy: the caller's array is never touched
    grad = np.zeros_like(nudged)
    for index in np.ndindex(nudged.shape):
        original = nudged[index]
        nudged[index] = original + eps
        loss_up = loss_fn(nudged)
        nudged[index] = original - eps
        loss_down = loss_fn(nudged)
        nudged[index] = original  # put it back before nudging the next entry
        grad[index] = (loss_up - loss_down) / (2 * eps)
    return grad


def gradient_step(
    params: dict[str, np.ndarray], grads: dict[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """One step of gradient descent: move every parameter a little AGAINST its gradient.

    params: name -> array, e.g. {"W1": (3, 4), "b1": (3,), ...}.
    grads: the same names -> arrays of the same shapes (the gradient of the loss).
    Returns a NEW dict: name -> params[name] - learning_rate * grads[name].
    The arrays in `params` must be left unchanged.
    """
    return {name: value - learning_rate * grads[name] for name, value in params.items()}


def backprop(
    x: np.ndarray, targets: np.ndarray,
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
) -> dict[str, np.ndarray]:
    """The exact gradient of `network_loss` with respect to W1, b1, W2 and b2 (the chain rule).

    x: (n_samples, n_in), targets: (n_samples, n_out); W1: (n_hidden, n_in), b1: (n_hidden,),
    W2: (n_out, n_hidden), b2: (n_out,).
    Forward, keeping what the backward pass needs:
        z = x @ W1.T + b1;  h = relu(z);  scores = h @ W2.T + b2
    Backward, from the loss to the first layer:
        d_scores = 2 * (scores - targets) / n_samples        (n_samples, n_out)
        W2, b2 from d_scores and h;  d_h = d_scores @ W2;  d_z = d_h where z > 0, else 0;
        W1, b1 from d_z and x.
    Returns {"W1": ..., "b1": ..., "W2": ..., "b2": ...}, each the shape of its parameter.
    """
    z = dense(x, W1, b1)  # (n_samples, n_hidden), before ReLU
    h = relu(z)  # (n_samples, n_hidden)
    scores = dense(h, W2, b2)  # (n_samples, n_out)
    d_scores = 2 * (scores - targets) / len(x)  # (n_samples, n_out)
    d_h = d_scores @ W2  # (n_samples, n_hidden)
    d_z = d_h * (z > 0)  # ReLU lets the gradient through only where it let the signal through
    return {
        "W1": d_z.T @ x,  # (n_hidden, n_in): summed over the samples
        "b1": d_z.sum(axis=0),  # (n_hidden,)
        "W2": d_scores.T @ h,  # (n_out, n_hidden)
        "b2": d_scores.sum(axis=0),  # (n_out,)
    }


def train(
    params: dict[str, np.ndarray], x: np.ndarray, targets: np.ndarray,
    epochs: int, learning_rate: float,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Gradient descent on the whole data set: one step per epoch, with a progress bar.

    params: {"W1", "b1", "W2", "b2"} the starting network. x: (n_samples, n_in),
    targets: (n_samples, n_out). In each epoch: record the loss on the data set
    (`network_loss`), compute the gradient (`backprop`), take one `gradient_step`.
    Loop with `for epoch in tqdm(range(epochs)):` to show a progress bar.
    Returns the trained params and the list of the `epochs` recorded losses
    (losses[i] is the loss at the start of epoch i, before its step).
    """
    losses = []
    for _ in tqdm(range(epochs), desc="training", unit="epoch"):
        losses.append(network_loss(x, targets, **params))
        grads = backprop(x, targets, **params)
        params = gradient_step(params, grads, learning_rate)
    return params, losses
