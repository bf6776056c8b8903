"""Wrong answers to lesson 02 that learners really write."""

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson02 import cross_entropy, logistic, softmax, squared_error

logistic_without_one = replaced(logistic, "(1.0 + np.exp(-z))", "np.exp(-z)", "add 1 to e^(-z)")
logistic_wrong_sign = replaced(logistic, "np.exp(-z)", "np.exp(z)", "the exponent is -z")

softmax_unstable = replaced(softmax, "z = z - z.max(axis=axis, keepdims=True)", "",
                            "subtract the max logit before np.exp")


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


softmax_multiplies_temperature = replaced(softmax, "z = logits / temperature", "z = logits * temperature",
                                          "divide the logits by the temperature")


@mutant("softmax", "Summing over the whole array")
def softmax_whole_array(logits, axis=-1, temperature=1.0):
    z = logits / temperature
    exps = np.exp(z - z.max())
    return exps / exps.sum()


squared_error_signed = replaced(squared_error, "(predicted - target) ** 2", "predicted - target",
                                "square each difference")

squared_error_summed = replaced(squared_error, "np.mean", "np.sum", "do not just add them up")

squared_error_absolute = replaced(squared_error, "(predicted - target) ** 2", "np.abs(predicted - target)",
                                  "square each difference")

cross_entropy_every_label = replaced(cross_entropy, "np.arange(len(labels)), labels", ":, labels",
                                     "each sample's own label")

cross_entropy_no_minus = replaced(cross_entropy, "float(-log_probs", "float(log_probs", "keep the minus sign")


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


softmax_shifts_by_the_min = replaced(softmax, "z.max(axis=axis", "z.min(axis=axis", "not the min")

softmax_one_max_for_all = replaced(softmax, "z.max(axis=axis, keepdims=True)", "z.max()",
                                   "one max for the whole array")


@mutant("softmax", "leave `logits` as it was")
def softmax_in_place(logits, axis=-1, temperature=1.0):
    logits /= temperature
    logits -= logits.max(axis=axis, keepdims=True)
    exps = np.exp(logits)
    return exps / exps.sum(axis=axis, keepdims=True)


squared_error_per_row = replaced(squared_error, "float(np.mean((predicted - target) ** 2))",
                                 "np.mean((predicted - target) ** 2, axis=-1)", "return a Python float")

cross_entropy_one_max_for_all = replaced(cross_entropy, "logits.max(axis=-1, keepdims=True)", "logits.max()",
                                         "each row's OWN max")
