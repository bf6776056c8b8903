"""Wrong answers to lesson 01 that learners really write."""

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson01 import classify, collapse, dense, forward, relu

dense_without_bias = replaced(dense, "x @ W.T + b", "x @ W.T", "add the bias b")
dense_weights_first = replaced(dense, "x @ W.T + b", "W @ x + b", "works for one sample and for a batch")
relu_absolute = replaced(relu, "np.maximum(z, 0.0)", "np.abs(z)", "not their absolute value")


@mutant("relu", "return a new array")
def relu_in_place(z):
    z[z < 0] = 0
    return z


forward_without_relu = replaced(forward, "relu(dense(x, W1, b1))", "dense(x, W1, b1)",
                                "apply ReLU to the hidden layer")

forward_relu_on_outputs = replaced(forward, "return dense(hidden, W2, b2)",
                                   "return relu(dense(hidden, W2, b2))", "no ReLU on the outputs")

classify_smallest = replaced(classify, "np.argmax", "np.argmin", "LARGEST score")
classify_first_axis = replaced(classify, "axis=-1", "axis=0", "along the LAST axis")

classify_fixed_labels = replaced(classify, "np.asarray(labels)", 'np.asarray(("leaf", "flower"))',
                                 "use the labels you are given")

collapse_drops_first_bias = replaced(collapse, "b = W2 @ b1 + b2", "b = b2",
                                     "the first bias passes through the second layer")

collapse_transposed = replaced(collapse, "W = W2 @ W1", "W = W1.T @ W2.T", "shape (n_out, n_in) = W2 @ W1")
dense_as_a_list = replaced(dense, "x @ W.T + b", "(x @ W.T + b).tolist()", "so that it is a numpy array")


@mutant("classify", "return a numpy array or a string")
def classify_as_a_list(scores, labels=("leaf", "flower")):
    best = np.argmax(scores, axis=-1)
    return labels[best] if np.ndim(best) == 0 else [labels[i] for i in best]


collapse_forgets_the_return = replaced(collapse, "return W, b", "",
                                       "a function without a return statement gives None")

collapse_as_a_list = replaced(collapse, "return W, b", "return [W, b]", "return a tuple of the results")
