"""Wrong answers to lesson 01 that learners really write."""

import numpy as np

from autograder.mutants import mutant
from solutions.lesson01 import dense, relu


@mutant("dense", "add the bias b")
def dense_without_bias(x, W, b):
    return x @ W.T


@mutant("dense", "works for one sample and for a batch")
def dense_weights_first(x, W, b):
    return W @ x + b


@mutant("relu", "not their absolute value")
def relu_absolute(z):
    return np.abs(z)


@mutant("relu", "return a new array")
def relu_in_place(z):
    z[z < 0] = 0
    return z


@mutant("forward", "apply ReLU to the hidden layer")
def forward_without_relu(x, W1, b1, W2, b2):
    return dense(dense(x, W1, b1), W2, b2)


@mutant("forward", "no ReLU on the outputs")
def forward_relu_on_outputs(x, W1, b1, W2, b2):
    return relu(dense(relu(dense(x, W1, b1)), W2, b2))


@mutant("classify", "LARGEST score")
def classify_smallest(scores, labels=("leaf", "flower")):
    return np.asarray(labels)[np.argmin(scores, axis=-1)]


@mutant("classify", "along the LAST axis")
def classify_first_axis(scores, labels=("leaf", "flower")):
    return np.asarray(labels)[np.argmax(scores, axis=0)]


@mutant("classify", "use the labels you are given")
def classify_fixed_labels(scores, labels=("leaf", "flower")):
    return np.asarray(("leaf", "flower"))[np.argmax(scores, axis=-1)]


@mutant("collapse", "the first bias passes through the second layer")
def collapse_drops_first_bias(W1, b1, W2, b2):
    return W2 @ W1, b2


@mutant("collapse", "shape (n_out, n_in) = W2 @ W1")
def collapse_transposed(W1, b1, W2, b2):
    return W1.T @ W2.T, W2 @ b1 + b2


@mutant("dense", "so that it is a numpy array")
def dense_as_a_list(x, W, b):
    return (x @ W.T + b).tolist()


@mutant("classify", "return a numpy array or a string")
def classify_as_a_list(scores, labels=("leaf", "flower")):
    best = np.argmax(scores, axis=-1)
    return labels[best] if np.ndim(best) == 0 else [labels[i] for i in best]


@mutant("collapse", "a function without a return statement gives None")
def collapse_forgets_the_return(W1, b1, W2, b2):
    W = W2 @ W1  # noqa: F841 (the forgotten return is the mistake)
    b = W2 @ b1 + b2  # noqa: F841


@mutant("collapse", "return a tuple of the results")
def collapse_as_a_list(W1, b1, W2, b2):
    return [W2 @ W1, W2 @ b1 + b2]
