"""Visible checks for lesson 01. Each takes your function and tests it on small cases."""

import numpy as np

from helpers.checking import Check, guarded
from helpers.data import OBJECTS, toy_network

W_SMALL = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])  # (2 outputs, 3 inputs)
X_SMALL = np.array([1.0, 1.0, 2.0])


@guarded
def dense(learner_dense):
    """Weighted sums, then the bias, for one sample and for a batch."""
    chk = Check("dense", learner_dense, returns=np.ndarray)
    chk.returns((X_SMALL, W_SMALL, np.zeros(2)), [9.0, 0.0],
              case="x=[1, 1, 2], W=[[1, 2, 3], [0, -1, 0.5]], b=0",
              hint="output j is sum_i W[j, i] * x[i]: multiply by the transpose, x @ W.T.")
    chk.returns((X_SMALL, W_SMALL, np.array([0.5, -1.0])), [9.5, -1.0],
              case="the same, with b=[0.5, -1]",
              hint="add the bias b after the weighted sum.")
    batch = np.stack([X_SMALL, 2 * X_SMALL, np.zeros(3)])  # (3 samples, 3 inputs)
    chk.returns((batch, W_SMALL, np.array([0.5, -1.0])), [[9.5, -1.0], [18.5, -1.0], [0.5, -1.0]],
              case="a batch of 3 samples, one per row",
              hint="write x @ W.T + b so that it works for one sample and for a batch.")
    chk.passed()


@guarded
def relu(learner_relu):
    """Negatives to zero, positives unchanged, input left alone (the engine checks every call)."""
    chk = Check("relu", learner_relu, returns=np.ndarray)
    z = np.array([-26.35, 20.6, 0.0, -6.7, 3.0])
    chk.returns((z.copy(),), [0.0, 20.6, 0.0, 0.0, 3.0],
              case="z=[-26.35, 20.6, 0, -6.7, 3]",
              hint="negative numbers become 0 (not their absolute value); positives stay.")
    chk.returns((np.array([[-1.0, 2.0], [3.0, -4.0]]),), [[0.0, 2.0], [3.0, 0.0]],
              case="a 2x2 array",
              hint="apply the rule to every element: np.maximum(z, 0) works on any shape.")
    chk.passed()


@guarded
def forward(learner_forward):
    """The 4-3-2 network: first on hand-made weights that isolate each step, then the lesson's."""
    chk = Check("forward", learner_forward, returns=np.ndarray)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    pick_three = np.eye(3, 4)  # hidden neuron j reads input j
    chk.returns((x, pick_three, np.zeros(3), np.array([[-1.0, 0, 0], [0, 0, 1]]), np.zeros(2)),
                [-1.0, 3.0], case="hidden layer all positive, first output negative",
                hint="no ReLU on the outputs: the scores may be negative.")
    flip_first = np.diag([-1.0, 1.0, 1.0]) @ pick_three  # hidden neuron 0 reads -x[0]
    chk.returns((x, flip_first, np.zeros(3), np.array([[1.0, 1, 0], [0, 0, 1]]), np.zeros(2)),
                [2.0, 3.0], case="hidden neuron 0 reads -1 before its ReLU",
                hint="apply ReLU to the hidden layer: hidden neurons that read negative "
                     "must be 0 before the second layer.")
    net = toy_network()
    both = np.stack([OBJECTS["leaf"], OBJECTS["flower"]])
    chk.returns((both, *net.values()), [[8.24, -4.12], [-8.125, 24.375]],
                case="the leaf and the flower, as a batch, through the lesson's network",
                hint="dense(x, W1, b1) -> relu -> dense(hidden, W2, b2), using your own functions.")
    chk.passed()


@guarded
def classify(learner_classify):
    """The label of the largest score."""
    chk = Check("classify", learner_classify, returns=np.ndarray | str)  # one label, or an array of them
    chk.equal(str(chk.run(np.array([8.24, -4.12]))), "leaf",
              case="scores [8.24, -4.12]",
              hint="pick the label of the LARGEST score (np.argmax), not the smallest.")
    scores = np.array([[8.24, -4.12], [-8.125, 24.375], [1.0, 3.0]])
    chk.equal(list(map(str, chk.run(scores))), ["leaf", "flower", "flower"],
              case="a batch of 3 rows of scores",
              hint="take argmax along the LAST axis (axis=-1): one verdict per row.")
    chk.equal(str(chk.run(np.array([0.2, 0.9]), ("sun", "rain"))), "rain",
              case="scores [0.2, 0.9] with labels ('sun', 'rain')",
              hint="use the labels you are given; the network does not know what they mean.")
    chk.passed()


@guarded
def collapse(learner_collapse):
    """One layer that does the work of two linear layers."""
    chk = Check("collapse", learner_collapse, returns=tuple[np.ndarray, np.ndarray])
    net = toy_network()
    W1, b1, W2 = net["W1"], np.array([1.0, -2.0, 0.5]), net["W2"]
    b2 = np.array([0.3, -0.3])
    W, b = chk.run(W1, b1, W2, b2)
    chk.close(W, [[-0.105, 0.0755, 0.0565, -0.027], [0.13, -0.07, -0.08, 0.15]],
              case="W for the lesson's two weight matrices",
              hint="the combined matrix is W2 @ W1 (second layer on the left).",
              shape_hint="W maps n_in inputs to n_out outputs: shape (n_out, n_in) = W2 @ W1.")
    chk.close(b, [-0.5, 0.25],
              case="b when the first layer has a bias too",
              hint="the first bias passes through the second layer: b = W2 @ b1 + b2.")
    chk.passed()
