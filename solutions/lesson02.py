"""Lesson 02 — from scores to probabilities (softmax), and how wrong is wrong (loss)."""

import numpy as np


def logistic(z: np.ndarray) -> np.ndarray:
    """The logistic function (also called the sigmoid), elementwise: 1 / (1 + e^(-z)).

    z: an array of any shape. Returns an array of the same shape, every entry between 0 and 1.
    """
    return 1.0 / (1.0 + np.exp(-z))


def softmax(logits: np.ndarray, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """Turn scores (logits) into probabilities along `axis`: e^(z_i / T) / sum_j e^(z_j / T).

    logits: an array of any shape, e.g. (n_classes,) or (n_samples, n_classes).
    axis: the axis that holds the classes. Every slice along it becomes a probability
        distribution (entries between 0 and 1 that sum to 1). Default: the last axis.
    temperature: T > 0. Divide the logits by T first: T < 1 sharpens, T > 1 flattens.
    Numerically stable: subtract the largest (divided) logit along `axis` before np.exp,
    so that logits like [1000, 1001] work. Returns a new array of the same shape as
    `logits` (leave `logits` itself unchanged).
    """
    z = logits / temperature
    z = z - z.max(axis=axis, keepdims=True)  # the largest becomes 0, so e^z <= 1: no overflow
    exps = np.exp(z)
    return exps / exps.sum(axis=axis, keepdims=True)


def squared_error(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error: the average, over all entries, of (predicted - target) ** 2.

    predicted, target: arrays of the same shape, e.g. (n_classes,) or (n_samples, n_classes).
    Returns one number for the whole array.
    """
    return float(np.mean((predicted - target) ** 2))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy, in nats, of the right labels under softmax(logits).

    logits: (n_samples, n_classes) scores, one row per sample.
    labels: (n_samples,) integers; labels[i] is the index of sample i's right class.
    The loss of sample i is -log softmax(logits[i])[labels[i]]; return the mean over samples.
    Compute the log-probabilities with log-sum-exp, for each row z with m = max(z):
        log softmax(z)[k] = (z[k] - m) - log(sum_j e^(z[j] - m))
    and not as np.log(softmax(z)): a probability that rounds to 0 would give log 0 = -inf.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (n_samples, n_classes)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())
