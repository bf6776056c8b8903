"""Wrong answers to lesson 02 that learners really write."""

import numpy as np

from autograder.mutants import mutant


@mutant("logistic", "add 1 to e^(-z)")
def logistic_without_one(z):
    return 1.0 / np.exp(-z)


@mutant("logistic", "the exponent is -z")
def logistic_wrong_sign(z):
    return 1.0 / (1.0 + np.exp(z))


@mutant("softmax", "subtract the max logit before np.exp")
def softmax_unstable(logits, axis=-1, temperature=1.0):
    exps = np.exp(logits / temperature)
    return exps / exps.sum(axis=axis, keepdims=True)


@mutant("softmax", "use the `axis` argument")
def softmax_ignores_axis(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


@mutant("softmax", "keepdims=True")
def softmax_without_keepdims(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.max(axis=axis))
    return exps / exps.sum(axis=axis)


@mutant("softmax", "divide the logits by the temperature")
def softmax_multiplies_temperature(logits, axis=-1, temperature=1.0):
    z = logits * temperature
    exps = np.exp(z - z.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


@mutant("softmax", "Summing over the whole array")
def softmax_whole_array(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.max())
    return exps / exps.sum()


@mutant("squared_error", "square each difference")
def squared_error_signed(predicted, target):
    return float(np.mean(predicted - target))


@mutant("squared_error", "do not just add them up")
def squared_error_summed(predicted, target):
    return float(np.sum((predicted - target) ** 2))


@mutant("squared_error", "square each difference")
def squared_error_absolute(predicted, target):
    return float(np.mean(np.abs(predicted - target)))


@mutant("cross_entropy", "each sample's own label")
def cross_entropy_every_label(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[:, labels].mean())


@mutant("cross_entropy", "keep the minus sign")
def cross_entropy_no_minus(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(log_probs[np.arange(len(labels)), labels].mean())


@mutant("cross_entropy", "take the log of the probability")
def cross_entropy_no_log(logits, labels):
    exps = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = exps / exps.sum(axis=-1, keepdims=True)
    return float(-probs[np.arange(len(labels)), labels].mean())


@mutant("cross_entropy", "log-sum-exp")
def cross_entropy_log_of_softmax(logits, labels):
    exps = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = exps / exps.sum(axis=-1, keepdims=True)
    return float(-np.log(probs[np.arange(len(labels)), labels]).mean())


@mutant("logistic", "inf / inf = nan")
def logistic_as_a_ratio(z):
    return np.exp(z) / (1.0 + np.exp(z))


@mutant("softmax", "not the min")
def softmax_shifts_by_the_min(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.min(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


@mutant("softmax", "one max for the whole array")
def softmax_one_max_for_all(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.max())
    return exps / exps.sum(axis=axis, keepdims=True)


@mutant("softmax", "leave `logits` as it was")
def softmax_in_place(logits, axis=-1, temperature=1.0):
    logits /= temperature
    logits -= logits.max(axis=axis, keepdims=True)
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


@mutant("squared_error", "return a Python float")
def squared_error_per_row(predicted, target):
    return np.mean((predicted - target) ** 2, axis=-1)


@mutant("cross_entropy", "each row's OWN max")
def cross_entropy_one_max_for_all(logits, labels):
    shifted = logits - logits.max()
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())
